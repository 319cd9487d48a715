//! The pre-draft payload that Openfire's pubsubserverinfo plugin 1.0.0 published
//! (INTEROP P16), mapped onto the XEP-0485 types.
//!
//! ```xml
//! <serverinfo xmlns='urn:xmpp:serverinfo:0'>
//!   <domain>example.org</domain>
//!   <federation>
//!     <connection type='both'><domain>example.net</domain></connection>
//!   </federation>
//! </serverinfo>
//! ```
//!
//! The domain is text rather than a `name` attribute, and `<federation/>` is a child of
//! `<serverinfo/>` holding connections that each name their peer. Connections to one
//! peer are grouped into one [`RemoteDomain`], in order of first appearance.

use std::collections::BTreeMap;

use minidom::Element;

use crate::Error;
use crate::ns;
use crate::payload::{Connection, Domain, Extensions, Federation, Name, RemoteDomain, ServerInfo};

/// Whether `element` (a `<serverinfo/>`) uses the pre-draft layout: a `<federation/>`
/// directly under it, or a `<domain/>` with text and no `name`.
pub(crate) fn is_pre_draft(element: &Element) -> bool {
    element.children().any(|child| {
        child.is("federation", ns::SERVERINFO)
            || (child.is("domain", ns::SERVERINFO)
                && child.attr("name").is_none()
                && !child.text().trim().is_empty())
    })
}

fn fail(reason: impl Into<String>) -> Error {
    Error::PreDraft {
        reason: reason.into(),
    }
}

/// Maps a pre-draft `<serverinfo/>` onto the current types.
pub(crate) fn map_pre_draft(element: &Element) -> Result<ServerInfo, Error> {
    let mut domain_names: Vec<String> = Vec::new();
    // Each peer with its connections, boxed into the peer once all are read.
    let mut remotes: Vec<(RemoteDomain, Vec<Connection>)> = Vec::new();
    // Where each named peer is in `remotes`: one lookup per connection (logarithmic), so that the
    // mapping stays linear in the number of connections (issue 9).
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    let mut federations = 0;
    let mut extensions = Extensions::new();
    for child in element.children() {
        if child.ns() != ns::SERVERINFO {
            extensions.push(child.clone());
            continue;
        }
        match child.name() {
            "domain" => domain_names.push(child.text().trim().to_owned()),
            "federation" => {
                federations += 1;
                for connection in child.children() {
                    if !connection.is("connection", ns::SERVERINFO) {
                        return Err(fail(format!(
                            "unexpected <{}/> in <federation/>",
                            connection.name()
                        )));
                    }
                    let typed = match connection.attr("type") {
                        Some(value) => Connection::other(value),
                        None => Connection::untyped(),
                    };
                    let peer = connection
                        .get_child("domain", ns::SERVERINFO)
                        .map(|d| d.text().trim().to_owned())
                        .filter(|name| !name.is_empty());
                    let slot = peer.as_ref().and_then(|name| by_name.get(name).copied());
                    let connections = match slot {
                        Some(index) => &mut remotes[index].1,
                        None => {
                            let remote = match peer {
                                Some(name) => {
                                    by_name.insert(name.clone(), remotes.len());
                                    RemoteDomain::named(Name::from(name))
                                }
                                None => RemoteDomain::anonymous(),
                            };
                            remotes.push((remote, Vec::new()));
                            &mut remotes.last_mut().expect("just pushed").1
                        }
                    };
                    connections.push(typed);
                }
            }
            other => {
                return Err(fail(format!("unexpected <{other}/> in <serverinfo/>")));
            }
        }
    }
    if domain_names.len() != 1 || federations > 1 {
        return Err(fail(format!(
            "{} <domain/> and {federations} <federation/> elements: the layout names one \
             domain and one federation, anything else is ambiguous",
            domain_names.len()
        )));
    }
    let name = domain_names.pop().expect("length checked");
    let remotes = remotes
        .into_iter()
        .map(|(mut remote, connections)| {
            remote.connections = connections.into_boxed_slice();
            remote
        })
        .collect();
    let domain = Domain {
        name: (!name.is_empty()).then(|| Name::from(name)),
        federation: Some(Federation::new(remotes)),
        extensions: Extensions::new(),
    };
    Ok(ServerInfo {
        domains: vec![domain],
        extensions,
    })
}
