//! The partial reading behind [`ServerInfo::read`]: when the strict conversion
//! refuses an item, every part that reads on its own is kept, and each part left out
//! is reported with its path. The strict conversion is tried first at every level, so
//! an item costs one extra copy per level only on the way down to what is broken.

use minidom::{Element, Node};
use xep_core::reading::{Deviation, Path, Severity, Siblings, excerpt};

use super::{Connection, Domain, Federation, Name, RemoteDomain, ServerInfo};
use crate::ns;

fn name_of(element: &Element) -> Option<Name> {
    super::plain_attr(element, "name")
        .filter(|n| !n.is_empty())
        .map(Name::from)
}

fn text(text: &str, path: &Path, out: &mut Vec<Deviation>) {
    if !xso::is_xml_whitespace(text.as_bytes()) {
        out.push(Deviation::new(
            Severity::Dropped,
            "unexpected-text",
            path.clone(),
            format!("text {} is not allowed here; dropped", excerpt(text)),
        ));
    }
}

fn dropped(path: Path, what: &str, error: &dyn core::fmt::Display) -> Deviation {
    Deviation::new(
        Severity::Dropped,
        "unreadable-part",
        path,
        format!("{what} left out: {error}"),
    )
}

pub(super) fn server_info(
    element: &Element,
    path: &Path,
    out: &mut Vec<Deviation>,
) -> Result<ServerInfo, crate::Error> {
    let mut info = ServerInfo::default();
    let mut counter = Siblings::new();
    for node in element.nodes() {
        match node {
            Node::Element(child) => {
                let here = path.clone().elem(child.name(), counter.next(child.name()));
                if child.is("domain", ns::SERVERINFO) {
                    info.domains.push(domain(child, &here, out));
                } else {
                    info.extensions.push(child.clone());
                }
            }
            Node::Text(t) => text(t, path, out),
        }
    }
    Ok(info)
}

fn domain(element: &Element, path: &Path, out: &mut Vec<Deviation>) -> Domain {
    if let Ok(domain) = Domain::try_from(element.clone()) {
        return domain;
    }
    let mut domain = Domain {
        name: name_of(element),
        federation: None,
        extensions: super::Extensions::new(),
    };
    let mut counter = Siblings::new();
    for node in element.nodes() {
        match node {
            Node::Element(child) => {
                let here = path.clone().elem(child.name(), counter.next(child.name()));
                if !child.is("federation", ns::SERVERINFO) {
                    domain.extensions.push(child.clone());
                    continue;
                }
                let read = federation(child, &here, out);
                match &mut domain.federation {
                    None => domain.federation = Some(read),
                    Some(first) => {
                        out.push(Deviation::new(
                            Severity::Must,
                            "several-federations",
                            here,
                            "a second <federation/> in one <domain/>; its peers were added to the first",
                        ));
                        first.remote_domains.extend(read.remote_domains);
                        for extension in read.extensions {
                            first.extensions.push(extension);
                        }
                    }
                }
            }
            Node::Text(t) => text(t, path, out),
        }
    }
    domain
}

fn federation(element: &Element, path: &Path, out: &mut Vec<Deviation>) -> Federation {
    if let Ok(federation) = Federation::try_from(element.clone()) {
        return federation;
    }
    let mut federation = Federation::default();
    let mut counter = Siblings::new();
    for node in element.nodes() {
        match node {
            Node::Element(child) => {
                let here = path.clone().elem(child.name(), counter.next(child.name()));
                if child.is("remote-domain", ns::SERVERINFO) {
                    federation.remote_domains.push(remote(child, &here, out));
                } else {
                    federation.extensions.push(child.clone());
                }
            }
            Node::Text(t) => text(t, path, out),
        }
    }
    federation
}

fn remote(element: &Element, path: &Path, out: &mut Vec<Deviation>) -> RemoteDomain {
    if let Ok(remote) = RemoteDomain::try_from(element.clone()) {
        return remote;
    }
    let mut remote = RemoteDomain {
        name: name_of(element),
        connections: Box::default(),
        extensions: super::Extensions::new(),
    };
    let mut connections = Vec::new();
    let mut counter = Siblings::new();
    for node in element.nodes() {
        match node {
            Node::Element(child) => {
                let here = path.clone().elem(child.name(), counter.next(child.name()));
                if !child.is("connection", ns::SERVERINFO) {
                    remote.extensions.push(child.clone());
                    continue;
                }
                match Connection::try_from(child.clone()) {
                    Ok(connection) => connections.push(connection),
                    Err(e) => out.push(dropped(here, "connection", &e)),
                }
            }
            Node::Text(t) => text(t, path, out),
        }
    }
    remote.connections = connections.into_boxed_slice();
    remote
}
