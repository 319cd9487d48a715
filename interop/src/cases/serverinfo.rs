//! Test 2: XEP-0485 items published with our node configuration and publish
//! builder are stored and read back equal, at most one kept; the opt-in publisher
//! machine, driven by real disco#info answers from other hosts, names only the peer
//! that advertises the feature.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;
use jid::DomainPart;
use xep_serverinfo::discovery::{Coordinates, Plan};
use xep_serverinfo::publisher::{
    self, Event, LinkDirection, OptInSource, Publisher, PublisherConfig, Transmit,
};
use xep_serverinfo::{Direction, Domain, RemoteDomain, ServerInfo};
use xmpp_parsers::pubsub::pubsub::{Item, Publish};
use xmpp_parsers::pubsub::{ItemId, NodeName, PubSub};

use crate::client::Session;
use crate::fixture::{Account, HOME, NOWHERE, OPTIN, PLAIN, PUBSUB};
use crate::pubsub::{StoredItem, form_value, items, node_config};
use crate::runner::{Case, Ctx, Failure, Outcome};
use crate::{api, case, check, check_eq};

/// The cases of this file.
pub const CASES: &[Case] = &[
    case!("serverinfo/publish-read-back", publish_read_back),
    case!("serverinfo/publisher-opt-in", publisher_opt_in),
];

/// The node of the publisher case: one node per vhost, as Prosody's module names it.
const MACHINE_NODE: &str = "serverinfo/home.test";

fn item(peers: Vec<RemoteDomain>) -> ServerInfo {
    ServerInfo::new(Domain::new(HOME).with_remote_domains(peers))
}

/// The one item of a node, read leniently.
fn only_item(stored: &[StoredItem], node: &str) -> Result<(Option<String>, ServerInfo), Failure> {
    let [one] = stored else {
        return Err(Failure::new(format!(
            "node {node} keeps {} items, expected exactly one: {stored:?}",
            stored.len()
        )));
    };
    let payload = one
        .payload
        .as_ref()
        .ok_or_else(|| Failure::new(format!("node {node}: item without payload")))?;
    let read = api::serverinfo_payload(payload)?;
    check!(
        read.deviations.is_empty(),
        "stored item deviates from XEP-0485: {:?}",
        read.deviations
    );
    Ok((one.id.clone(), read.value))
}

async fn publish_read_back(ctx: Arc<Ctx>) -> Outcome {
    let mut admin = Session::connect(&ctx.target, Account::Admin, &[]).await?;
    // Where to publish: what the server's own disco#info says.
    let discovery = api::serverinfo_discovery(&admin.disco_info(HOME).await?)?.value;
    let Plan::Fetch(at) = discovery.plan() else {
        return Err(Failure::new(format!(
            "{HOME} does not say where it publishes: {:?}",
            discovery.plan()
        )));
    };
    admin
        .request_iq(publisher::create_node_iq(&at, "create"))
        .await?
        .map_err(|e| Failure::new(format!("create {at}: {}", crate::client::describe(&e))))?;

    // An older item under another id, then ours: max_items = 1 keeps only ours.
    let older = item(vec![
        RemoteDomain::named(PLAIN).with_connection(Direction::Incoming),
    ]);
    let request = PubSub::Publish {
        publish: Publish {
            node: NodeName(at.node.clone()),
            items: vec![Item::new(Some(ItemId("older".into())), None, Some(older))],
        },
        publish_options: None,
    };
    admin.set(Some(&at.service.to_string()), request).await?;
    let published = item(vec![
        RemoteDomain::named(OPTIN)
            .with_connection(Direction::Incoming)
            .with_connection(Direction::Outgoing),
        RemoteDomain::anonymous().with_connection(Direction::Bidi),
    ]);
    admin
        .request_iq(publisher::publish_iq(&at, &published, "publish"))
        .await?
        .map_err(|e| Failure::new(format!("publish to {at}: {}", crate::client::describe(&e))))?;

    // Read back by another account (the node is open).
    let mut alice = Session::connect(&ctx.target, Account::Alice, &[]).await?;
    let service = at.service.to_string();
    let stored = items(&mut alice, &service, &at.node).await?;
    let (id, value) = only_item(&stored, &at.node)?;
    check_eq!(id.as_deref(), Some(publisher::ITEM_ID), "item id");
    check_eq!(value, published, "item read back");

    let config = node_config(&mut admin, &service, &at.node).await?;
    check_eq!(
        form_value(&config, "pubsub#max_items"),
        Some("1"),
        "pubsub#max_items"
    );
    check_eq!(
        form_value(&config, "pubsub#access_model"),
        Some("open"),
        "pubsub#access_model"
    );
    alice.close().await;
    admin.close().await;
    Ok(())
}

async fn publisher_opt_in(ctx: Arc<Ctx>) -> Outcome {
    let mut admin = Session::connect(&ctx.target, Account::Admin, &[]).await?;
    let service = PUBSUB
        .parse()
        .map_err(|e| Failure::new(format!("{PUBSUB}: {e}")))?;
    let at = Coordinates::new(service, MACHINE_NODE);
    let mut now = Utc::now();
    let mut machine = Publisher::new(PublisherConfig::new(HOME, at.clone()), now);
    for (peer, direction) in [
        (OPTIN, LinkDirection::Outgoing),
        (PLAIN, LinkDirection::Incoming),
        (NOWHERE, LinkDirection::Outgoing),
    ] {
        let peer = DomainPart::new(peer).map_err(|e| Failure::new(format!("{peer}: {e}")))?;
        machine.handle_connection_opened(now, &peer, direction);
    }

    // Send what the machine asks for, with its stanza ids; the servers' replies go
    // back into it as they came.
    let mut published = None;
    for _round in 0..4 {
        while let Some(transmit) = machine.poll_transmit() {
            let reply = admin.request_raw(transmit.to_iq(None)).await?;
            match &transmit {
                Transmit::DiscoInfo { to, .. } => {
                    check!(
                        api::publisher_reply(&mut machine, Utc::now(), &reply),
                        "the machine did not take the reply of {to}: {}",
                        String::from(&reply)
                    );
                }
                Transmit::CreateNode { .. } | Transmit::Publish { .. } => {
                    check_eq!(
                        reply.attr("type"),
                        Some("result"),
                        "reply to {transmit:?}: {}",
                        String::from(&reply)
                    );
                    if let Transmit::Publish { item, .. } = &transmit {
                        published = Some(item.clone());
                    }
                }
            }
        }
        if let Some(deadline) = machine.poll_timeout() {
            now = now.max(deadline);
            machine.handle_timeout(now);
        }
    }

    // The last answer per peer (the clock jumps past the opt-in TTL, so peers are
    // asked again).
    let opt_ins: BTreeMap<String, (bool, OptInSource)> =
        std::iter::from_fn(|| machine.poll_event())
            .filter_map(|e| match e {
                Event::OptIn {
                    peer,
                    opted_in,
                    source,
                } => Some((peer.to_string(), (opted_in, source))),
                _ => None,
            })
            .collect();
    check_eq!(
        opt_ins,
        BTreeMap::from([
            (NOWHERE.to_owned(), (false, OptInSource::FailedReply)),
            (OPTIN.to_owned(), (true, OptInSource::Feature)),
            (PLAIN.to_owned(), (false, OptInSource::NoFeature)),
        ]),
        "opt-in answers from real disco#info replies"
    );

    // The newest publication is what the node holds, and it names only OPTIN.
    let published = published.ok_or_else(|| Failure::new("the machine published nothing"))?;
    let mut alice = Session::connect(&ctx.target, Account::Alice, &[]).await?;
    let stored = items(&mut alice, PUBSUB, MACHINE_NODE).await?;
    let (_, value) = only_item(&stored, MACHINE_NODE)?;
    check_eq!(value, published, "published item read back");
    let peers = value
        .domains
        .first()
        .map(Domain::remote_domains)
        .unwrap_or_default();
    let names: Vec<Option<&str>> = peers.iter().map(|p| p.name.as_deref()).collect();
    check_eq!(
        names,
        vec![Some(OPTIN), None, None],
        "remote domains named in the item"
    );
    check_eq!(
        peers[0]
            .connections
            .iter()
            .map(|c| c.direction())
            .collect::<Vec<_>>(),
        vec![Some(Direction::Outgoing)],
        "connections of {OPTIN}"
    );
    alice.close().await;
    admin.close().await;
    Ok(())
}
