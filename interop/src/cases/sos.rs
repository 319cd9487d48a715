//! Test 3: XEP-0455 Service Outage Status. In-band `<outage/>` and `<outage-end/>`
//! items (seed and v0.2 namespaces) reach a subscriber and read back equal; the
//! lifecycle machine fed with the delivered events shows and then clears the
//! outage; an event from another account's look-alike node is refused; a status
//! file written by `xep status new` and served over loopback HTTP is fetched and read.

use std::process::Command;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use jid::{BareJid, Jid};
use xep_core::lang::Lang;
use xep_sos::items::{
    AccessModel, Outage, OutageEnd, OutageItem, create_node_request, publish_request,
};
use xep_sos::status::StatusFile;
use xep_sos::tracker::{Config, Event, OutageKey, OutageTracker, Refusal};
use xep_sos::{Timestamp, Version};
use xmpp_parsers::message::Message;

use crate::client::{Session, befriend};
use crate::fixture::{Account, HOME, STATUS_PATH};
use crate::http::{self, StatusServer};
use crate::pubsub::{create, event_items, subscribe};
use crate::runner::{Case, Ctx, Failure, Outcome};
use crate::{api, case, check, check_eq};

/// The cases of this file.
pub const CASES: &[Case] = &[
    case!("sos/delivery-seed", delivery_seed),
    case!("sos/delivery-v0.2", delivery_v0_2),
    case!("sos/lifecycle-seed", lifecycle_seed),
    case!("sos/lifecycle-v0.2", lifecycle_v0_2),
    case!("sos/provenance", provenance),
    case!("sos/status-file", status_file),
];

fn lang(tag: &str) -> Result<Lang, Failure> {
    Lang::parse(tag).map_err(|e| Failure::new(format!("{tag}: {e}")))
}

fn bare(jid: &str) -> Result<BareJid, Failure> {
    jid.parse().map_err(|e| Failure::new(format!("{jid}: {e}")))
}

/// Now, to the second: item ids are XEP-0082 date-times.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

/// What one in-band run published and what the subscriber received.
struct InBand {
    /// The outage's id (its beginning) and the end's id.
    ids: [Timestamp; 2],
    /// The event messages, in the order they arrived.
    messages: Vec<Message>,
}

/// The admin creates `version`'s node at `service` and publishes an outage and its
/// end; a subscriber receives both and each reads back equal to what was sent.
async fn publish_outage(ctx: &Ctx, version: Version, service: &str) -> Result<InBand, Failure> {
    let node = version.namespace();
    let mut admin = Session::connect(&ctx.target, Account::Admin, &[]).await?;
    let request = create_node_request(version, AccessModel::Open)
        .map_err(|e| Failure::new(format!("create request: {e}")))?;
    create(&mut admin, Some(service), request).await?;
    let mut alice = Session::connect(&ctx.target, Account::Alice, &[node]).await?;
    subscribe(&mut alice, service, node).await?;

    let t = now();
    let ids = [
        Timestamp::from_utc(t - TimeDelta::minutes(10)),
        Timestamp::from_utc(t - TimeDelta::minutes(1)),
    ];
    let outage: OutageItem = Outage::new(version)
        .with_description(None, "Database maintenance")
        .with_description(Some(lang("de")?), "Wartung der Datenbank")
        .with_planned(false)
        .with_expected_end(Timestamp::from_utc(t + TimeDelta::hours(1)))
        .into();
    let end: OutageItem = OutageEnd::new(version)
        .with_description(None, "Maintenance finished")
        .into();

    let mut messages = Vec::new();
    for (id, payload) in ids.iter().zip([outage, end]) {
        let request = publish_request(*id, payload.clone(), None)
            .map_err(|e| Failure::new(format!("publish request: {e}")))?;
        admin
            .set(Some(service), request)
            .await
            .map_err(|f| f.context(format!("publish {id}")))?;
        let wanted = id.to_string();
        let (message, items) = alice
            .wait_message(&format!("event for item {wanted} of {node}"), |m| {
                let items = event_items(m, service, node)?;
                items
                    .iter()
                    .any(|i| i.id.as_deref() == Some(wanted.as_str()))
                    .then(|| (m.clone(), items))
            })
            .await?;
        let delivered = items
            .iter()
            .find(|i| i.id.as_deref() == Some(wanted.as_str()))
            .and_then(|i| i.payload.as_ref())
            .ok_or_else(|| Failure::new(format!("item {wanted} delivered without payload")))?;
        check_eq!(
            api::outage_item(delivered)?,
            payload,
            "item {wanted} as delivered"
        );
        messages.push(message);
    }
    alice.close().await;
    admin.close().await;
    Ok(InBand { ids, messages })
}

/// Where `ctx`'s server hosts the outage node: on its bare JID if it can, else on
/// its pubsub service (where clients must refuse it).
fn delivery_service(ctx: &Ctx) -> &'static str {
    ctx.target
        .server
        .sos_service()
        .unwrap_or(crate::fixture::PUBSUB)
}

async fn delivery(ctx: Arc<Ctx>, version: Version) -> Outcome {
    let service = delivery_service(&ctx);
    let run = publish_outage(&ctx, version, service).await?;
    if ctx.target.server.sos_service().is_err() {
        // Delivered from the pubsub service, not from the server: a client refuses it.
        let t = now();
        let mut tracker = OutageTracker::new(Config::new(bare(HOME)?), t);
        for message in &run.messages {
            check!(
                api::tracker_message(&mut tracker, t, message),
                "not taken as outage traffic"
            );
        }
        let refusals = std::iter::from_fn(|| tracker.poll_event())
            .filter(|e| {
                matches!(
                    e,
                    Event::Refused {
                        reason: Refusal::WrongSender,
                        ..
                    }
                )
            })
            .count();
        check_eq!(
            refusals,
            run.messages.len(),
            "events from {service} refused"
        );
        check!(tracker.view().is_empty(), "shown: {:?}", tracker.view());
    }
    Ok(())
}

async fn delivery_seed(ctx: Arc<Ctx>) -> Outcome {
    delivery(ctx, Version::Seed).await
}

async fn delivery_v0_2(ctx: Arc<Ctx>) -> Outcome {
    delivery(ctx, Version::V0_2).await
}

async fn lifecycle(ctx: Arc<Ctx>, version: Version) -> Outcome {
    let service = ctx.target.server.sos_service().map_err(Failure::skip)?;
    let run = publish_outage(&ctx, version, service).await?;
    let [beginning, _] = run.ids;
    let key = OutageKey::InBand(beginning);
    let t = now();
    let mut tracker = OutageTracker::new(Config::new(bare(HOME)?).with_languages(["de"]), t);

    let [outage, end] = &run.messages[..] else {
        return Err(Failure::new("expected two event messages"));
    };
    check!(
        api::tracker_message(&mut tracker, t, outage),
        "the outage event was not taken as one"
    );
    let events: Vec<Event> = std::iter::from_fn(|| tracker.poll_event()).collect();
    check_eq!(
        events,
        vec![Event::Announced {
            key,
            upcoming: false
        }],
        "events after the outage"
    );
    let view = tracker.view();
    check_eq!(
        view.ongoing.iter().map(|s| s.key).collect::<Vec<_>>(),
        vec![key],
        "ongoing"
    );
    check_eq!(
        view.ongoing[0].message.as_deref(),
        Some("Wartung der Datenbank"),
        "description for a German reader"
    );

    check!(
        api::tracker_message(&mut tracker, t, end),
        "the end event was not taken as one"
    );
    let events: Vec<Event> = std::iter::from_fn(|| tracker.poll_event()).collect();
    check_eq!(
        events,
        vec![Event::Resolved { key }],
        "events after the end"
    );
    let view = tracker.view();
    check!(
        view.ongoing.is_empty(),
        "still ongoing after the end: {view:?}"
    );
    check_eq!(
        view.resolved.iter().map(|s| s.key).collect::<Vec<_>>(),
        vec![key],
        "resolved"
    );
    check_eq!(
        view.resolved[0].resolution_message.as_deref(),
        Some("Maintenance finished"),
        "resolution text"
    );
    Ok(())
}

async fn lifecycle_seed(ctx: Arc<Ctx>) -> Outcome {
    lifecycle(ctx, Version::Seed).await
}

async fn lifecycle_v0_2(ctx: Arc<Ctx>) -> Outcome {
    lifecycle(ctx, Version::V0_2).await
}

/// Mallory, a contact of Alice, makes a PEP node named like the outage node on her
/// own account and publishes an outage to it. Alice's client advertises
/// `urn:xmpp:sos:0+notify` in its caps, so the server delivers the event to her
/// (XEP-0163); the tracker of the server's outages refuses it.
async fn provenance(ctx: Arc<Ctx>) -> Outcome {
    let version = Version::V0_2;
    let node = version.namespace();
    let mallory_jid = Account::Mallory.bare();
    let mut mallory = Session::connect(&ctx.target, Account::Mallory, &[]).await?;
    let mut alice = Session::connect(&ctx.target, Account::Alice, &[node]).await?;
    befriend(&mut alice, &mut mallory).await?;
    let request = create_node_request(version, AccessModel::Presence)
        .map_err(|e| Failure::new(format!("create request: {e}")))?;
    create(&mut mallory, None, request).await?;

    let t = now();
    let fake =
        Outage::new(version).with_description(None, "Server compromised, log in at evil.example");
    let request = publish_request(Timestamp::from_utc(t), fake, None)
        .map_err(|e| Failure::new(format!("publish request: {e}")))?;
    mallory.set(None, request).await?;
    let message = alice
        .wait_message("look-alike outage event", |m| {
            event_items(m, &mallory_jid, node).map(|_| m.clone())
        })
        .await?;

    let mut tracker = OutageTracker::new(Config::new(bare(HOME)?), t);
    check!(
        api::tracker_message(&mut tracker, t, &message),
        "the look-alike event was not recognised as outage traffic"
    );
    let events: Vec<Event> = std::iter::from_fn(|| tracker.poll_event()).collect();
    let from = Jid::from(bare(&mallory_jid)?);
    check_eq!(
        events,
        vec![Event::Refused {
            from,
            node: Some(node.to_owned()),
            reason: Refusal::WrongSender
        }],
        "tracker events for the look-alike"
    );
    check!(
        tracker.view().is_empty(),
        "the look-alike is shown: {:?}",
        tracker.view()
    );
    alice.close().await;
    mallory.close().await;
    Ok(())
}

/// Runs `xep status ARGS` and returns the file it wrote.
fn xep_status(ctx: &Ctx, args: &[&str], name: &str) -> Result<String, Failure> {
    let path = ctx.scratch.join(name);
    let output = Command::new(&ctx.xep)
        .arg("status")
        .args(args)
        .arg("-o")
        .arg(&path)
        .output()
        .map_err(|e| Failure::new(format!("{}: {e}", ctx.xep.display())))?;
    check!(
        output.status.success(),
        "xep status {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(&path).map_err(|e| Failure::new(format!("{}: {e}", path.display())))
}

/// Asks the tracker what to fetch and hands it the bodies of the loopback addresses.
async fn poll_status(
    tracker: &mut OutageTracker,
    at: DateTime<Utc>,
) -> Result<Vec<String>, Failure> {
    let mut fetched = Vec::new();
    let events: Vec<Event> = std::iter::from_fn(|| tracker.poll_event()).collect();
    for event in events {
        if let Event::FetchStatusFile { addresses } = event {
            for url in addresses
                .iter()
                .filter(|a| a.starts_with("http://127.0.0.1:"))
            {
                let body = http::get(url).await?;
                tracker.handle_status_file(at, at, url, &body);
                fetched.push(url.clone());
            }
        }
    }
    Ok(fetched)
}

async fn status_file(ctx: Arc<Ctx>) -> Outcome {
    let server = StatusServer::start(ctx.target.http_port, STATUS_PATH).await?;
    let t = now();
    let beginning = Timestamp::from_utc(t - TimeDelta::minutes(5));
    let expected_end = Timestamp::from_utc(t + TimeDelta::hours(2));
    let text = xep_status(
        &ctx,
        &[
            "new",
            "--beginning",
            &beginning.to_string(),
            "--expected-end",
            &expected_end.to_string(),
            "--unplanned",
            "--message",
            "default=Database down",
            "--message",
            "de=Datenbank ausgefallen",
        ],
        "status.json",
    )?;
    server.set_body(text.clone());

    // The addresses come from the server's real disco#info, while it is reachable.
    let home: Jid = bare(HOME)?.into();
    let mut tracker = OutageTracker::new(Config::new(bare(HOME)?).with_languages(["de"]), t);
    let mut alice = Session::connect(&ctx.target, Account::Alice, &[]).await?;
    let query = alice.disco_info(HOME).await?;
    alice.close().await;
    api::tracker_disco(&mut tracker, t, &home, &query)?;
    let cached = tracker.addresses().map(|c| c.addresses.addresses.clone());
    check_eq!(
        cached,
        Some(crate::fixture::status_addresses(ctx.target.http_port)),
        "cached status addresses"
    );

    // Then the server is down: the file is fetched and read.
    tracker.handle_server_unreachable(t);
    let fetched = poll_status(&mut tracker, t).await?;
    check_eq!(fetched.len(), 1, "status files fetched");
    let key = OutageKey::File(beginning);
    let view = tracker.view();
    check_eq!(
        view.ongoing.iter().map(|s| s.key).collect::<Vec<_>>(),
        vec![key],
        "ongoing"
    );
    check_eq!(
        view.ongoing[0].expected_end,
        Some(expected_end),
        "expected end"
    );
    check_eq!(view.ongoing[0].planned, Some(false), "planned");
    check_eq!(
        view.ongoing[0].message.as_deref(),
        Some("Datenbank ausgefallen"),
        "message for a German reader"
    );
    let file = StatusFile::parse(&text, Version::V0_4)
        .map_err(|e| Failure::new(format!("the file xep wrote: {e}")))?;
    check_eq!(
        file.outage().map(|s| s.beginning),
        Some(beginning),
        "beginning in the file"
    );

    // The operator ends the outage; the next poll clears it.
    server.set_body(xep_status(&ctx, &["end"], "status-end.json")?);
    let next = tracker
        .poll_timeout()
        .ok_or_else(|| Failure::new("no next poll while the server is unreachable"))?;
    tracker.handle_timeout(next);
    let fetched = poll_status(&mut tracker, next).await?;
    check_eq!(fetched.len(), 1, "status files fetched at the next poll");
    let view = tracker.view();
    check!(
        view.ongoing.is_empty(),
        "still ongoing after `xep status end`: {view:?}"
    );
    check_eq!(
        view.resolved.iter().map(|s| s.key).collect::<Vec<_>>(),
        vec![key],
        "resolved"
    );
    Ok(())
}
