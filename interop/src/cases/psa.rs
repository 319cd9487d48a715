//! Test 6: XEP-0310 Presence State Annotations. A presence carrying a state
//! annotation, sent by one client to another, passes through the server and reads
//! back equal; the server tracker, fed the presences a real session receives,
//! produces annotations that the server delivers.

use std::sync::Arc;

use chrono::Utc;
use jid::{BareJid, FullJid, Jid};
use xep_core::lang::Lang;
use xep_psa::StateAnnotation;
use xep_psa::presence::annotate;
use xep_psa::server::{Config, Tracker};
use xmpp_parsers::presence::{Presence, Type as PresenceType};

use crate::api::Read;
use crate::client::{Session, befriend};
use crate::fixture::{Account, HOME, OPTIN};
use crate::runner::{Case, Ctx, Failure, Outcome};
use crate::{api, case, check, check_eq};

/// The cases of this file.
pub const CASES: &[Case] = &[
    case!("psa/presence-pass-through", presence_pass_through),
    case!("psa/tracker-pause", tracker_pause),
    case!("psa/tracker-link-down", tracker_link_down),
];

/// The admin sends Mallory a directed presence annotated `<server-unavailable/>`
/// (by `home.test`, descriptions in two languages); Mallory reads the annotation of
/// the delivered presence back equal.
async fn presence_pass_through(ctx: Arc<Ctx>) -> Outcome {
    let mut mallory = Session::connect(&ctx.target, Account::Mallory, &[]).await?;
    let mut admin = Session::connect(&ctx.target, Account::Admin, &[]).await?;
    let home: Jid = HOME
        .parse()
        .map_err(|e| Failure::new(format!("{HOME}: {e}")))?;
    let de = Lang::parse("de").map_err(|e| Failure::new(format!("de: {e}")))?;
    let annotation = StateAnnotation::server_unavailable(home)
        .with_description(None, "The remote server is no longer available")
        .with_description(Some(de), "Der entfernte Server ist nicht mehr erreichbar");
    let to = Jid::from(mallory.jid().clone());
    let presence = annotate(&Presence::available().with_to(to), annotation.clone());
    admin.send(presence.into()).await?;

    let from = Jid::from(admin.jid().clone());
    let read = mallory
        .wait_presence("annotated presence from the admin", |p| {
            (p.from.as_ref() == Some(&from))
                .then(|| api::psa_annotation(p))
                .flatten()
        })
        .await?;
    check!(
        read.deviations.is_empty(),
        "deviations of the delivered annotation: {:?}",
        read.deviations
    );
    check_eq!(read.value, annotation, "the annotation as delivered");
    admin.close().await;
    mallory.close().await;
    Ok(())
}

/// The presences the tracker wants sent now: exactly one, from `from` to `to`.
fn one_transmit(
    tracker: &mut Tracker,
    from: &FullJid,
    to: &FullJid,
    what: &str,
) -> Result<Presence, Failure> {
    let out: Vec<Presence> = std::iter::from_fn(|| tracker.poll_transmit()).collect();
    let [one] = out.as_slice() else {
        return Err(Failure::new(format!(
            "{what}: the tracker sent {} presences, expected one to {to}: {out:?}",
            out.len()
        )));
    };
    check_eq!(one.from, Some(Jid::from(from.clone())), "{what}: from");
    check_eq!(one.to, Some(Jid::from(to.clone())), "{what}: to");
    Ok(one.clone())
}

/// `sender` sends the tracker's presence (the server stamps the sender's own full
/// JID as its `from`, the one the tracker wrote); `recipient` reads the annotation
/// of what the server delivers.
async fn deliver(
    sender: &mut Session,
    recipient: &mut Session,
    mut presence: Presence,
    what: &str,
) -> Result<Read<StateAnnotation>, Failure> {
    let from = Jid::from(sender.jid().clone());
    presence.from = None;
    sender.send(presence.into()).await?;
    recipient
        .wait_presence(what, |p| {
            (p.from.as_ref() == Some(&from))
                .then(|| api::psa_annotation(p))
                .flatten()
        })
        .await
}

/// The one presence the tracker has to send after `what`, from `sender`'s session to
/// `recipient`'s, sent through the server; `recipient` must read `expected` from it,
/// with no deviations.
async fn relay(
    tracker: &mut Tracker,
    sender: &mut Session,
    recipient: &mut Session,
    what: &str,
    expected: StateAnnotation,
) -> Outcome {
    let (from, to) = (sender.jid().clone(), recipient.jid().clone());
    let presence = one_transmit(tracker, &from, &to, what)?;
    let read = deliver(sender, recipient, presence, what).await?;
    check!(
        read.deviations.is_empty(),
        "{what}: deviations of the delivered annotation: {:?}",
        read.deviations
    );
    check_eq!(read.value, expected, "{what}: the annotation as delivered");
    Ok(())
}

/// `sender`'s available presence as the server delivered it to `recipient`.
async fn available_presence(
    recipient: &mut Session,
    sender: &FullJid,
    what: &str,
) -> Result<Presence, Failure> {
    let sender = Jid::from(sender.clone());
    recipient
        .wait_presence(what, |p| {
            (p.type_ == PresenceType::None && p.from.as_ref() == Some(&sender)).then(|| p.clone())
        })
        .await
}

/// Test 6b. Carol and Dave are contacts (subscription both ways, real handshakes);
/// Dave's client advertises `urn:xmpp:psa`. What each one requests is learnt by a
/// real disco#info query to the other's session, and the available presence of
/// Carol's that Dave's session received from the server is fed into a `Tracker` for
/// `home.test`, as the server's session manager would. Carol's session is then
/// paused and resumed in the tracker; each presence the tracker produces is sent
/// through the server (by Carol's session, whose address the server stamps as its
/// `from`, the one the tracker wrote) and Dave reads `<connection-paused/>` by
/// `home.test`, then the empty annotation.
async fn tracker_pause(ctx: Arc<Ctx>) -> Outcome {
    let mut carol = Session::connect(&ctx.target, Account::Carol, &[]).await?;
    let mut dave =
        Session::connect_with_features(&ctx.target, Account::Dave, &[], &[xep_psa::disco::FEATURE])
            .await?;
    befriend(&mut carol, &mut dave).await?;
    let (carol_jid, dave_jid) = (carol.jid().clone(), dave.jid().clone());
    let home: BareJid = HOME
        .parse()
        .map_err(|e| Failure::new(format!("{HOME}: {e}")))?;

    // What each session asks for, from its own disco#info answer.
    let dave_info = dave
        .serve_while(carol.disco_info(&dave_jid.to_string()))
        .await
        .map_err(|f| f.context("disco#info of Dave's session"))?;
    let carol_info = carol
        .serve_while(dave.disco_info(&carol_jid.to_string()))
        .await
        .map_err(|f| f.context("disco#info of Carol's session"))?;
    let (dave_psa, carol_psa) = (
        api::psa_requested(&dave_info)?,
        api::psa_requested(&carol_info)?,
    );
    check!(
        dave_psa && !carol_psa,
        "PSA requested: Dave {dave_psa}, Carol {carol_psa}"
    );

    // Carol's available presence, as the server delivered it to Dave's session.
    let received = available_presence(&mut dave, &carol_jid, "Carol's available presence").await?;

    let now = Utc::now();
    let mut tracker = Tracker::new(Config::new(home.clone()), now);
    tracker.handle_session_start(now, carol_jid.clone(), carol_psa);
    tracker.handle_session_start(now, dave_jid.clone(), dave_psa);
    api::psa_tracker_delivered(&mut tracker, now, &received, &dave_jid);
    check_eq!(tracker.pairs(), 1, "pairs tracked");

    let server = Jid::from(home);
    tracker.handle_session_paused(now, &carol_jid);
    relay(
        &mut tracker,
        &mut carol,
        &mut dave,
        "pause",
        StateAnnotation::connection_paused(server.clone()),
    )
    .await?;
    tracker.handle_session_resumed(Utc::now(), &carol_jid);
    relay(
        &mut tracker,
        &mut carol,
        &mut dave,
        "resume",
        StateAnnotation::cleared(server),
    )
    .await?;
    dave.close().await;
    carol.close().await;
    Ok(())
}

/// Test 6b, the remote side. Dave (`home.test`, requests PSA) and Rhea
/// (`optin.test`) are contacts; the tracker runs for `home.test`, so Rhea's domain is
/// a remote one to it (the server hosts both: no s2s link exists to go down, the
/// link-down event is the one a server's s2s layer would give). Rhea's available
/// presence as Dave's session received it goes into the tracker; on link down the
/// tracker has her presence annotated `<server-unavailable/>` (with the configured
/// description naming her domain) sent to Dave, on link up the empty annotation.
/// Each is sent through the server by Rhea's session (whose address the server
/// stamps as the `from`, the one the tracker wrote) and read back by Dave.
async fn tracker_link_down(ctx: Arc<Ctx>) -> Outcome {
    let mut rhea = Session::connect(&ctx.target, Account::Rhea, &[]).await?;
    let mut dave =
        Session::connect_with_features(&ctx.target, Account::Dave, &[], &[xep_psa::disco::FEATURE])
            .await?;
    befriend(&mut rhea, &mut dave).await?;
    let (rhea_jid, dave_jid) = (rhea.jid().clone(), dave.jid().clone());
    let home: BareJid = HOME
        .parse()
        .map_err(|e| Failure::new(format!("{HOME}: {e}")))?;
    let optin: BareJid = OPTIN
        .parse()
        .map_err(|e| Failure::new(format!("{OPTIN}: {e}")))?;
    let dave_info = dave
        .serve_while(rhea.disco_info(&dave_jid.to_string()))
        .await
        .map_err(|f| f.context("disco#info of Dave's session"))?;
    check!(
        api::psa_requested(&dave_info)?,
        "Dave's disco#info does not request PSA"
    );

    let received = available_presence(&mut dave, &rhea_jid, "Rhea's available presence").await?;
    let now = Utc::now();
    let mut config = Config::new(home.clone());
    config
        .server_unavailable_text
        .insert(None, "{domain} cannot be reached".to_owned());
    let mut tracker = Tracker::new(config, now);
    tracker.handle_session_start(now, dave_jid.clone(), true);
    api::psa_tracker_delivered(&mut tracker, now, &received, &dave_jid);
    check_eq!(tracker.pairs(), 1, "pairs tracked");

    let server = Jid::from(home);
    tracker.handle_link_down(now, &optin);
    let expected = StateAnnotation::server_unavailable(server.clone())
        .with_description(None, format!("{OPTIN} cannot be reached"));
    relay(&mut tracker, &mut rhea, &mut dave, "link down", expected).await?;
    tracker.handle_link_up(Utc::now(), &optin);
    relay(
        &mut tracker,
        &mut rhea,
        &mut dave,
        "link up",
        StateAnnotation::cleared(server),
    )
    .await?;
    dave.close().await;
    rhea.close().await;
    Ok(())
}
