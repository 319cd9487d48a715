//! Test 5: XEP-0309 Service Directories. A server card published to a
//! `urn:xmpp:contacts` node reads back with its extensions intact; the server-buddy
//! handshake runs between the directory machine, whose stanzas a real client session
//! carries, and the server under test, whose real answers go back into the machine.

use std::sync::Arc;

use chrono::Utc;
use jid::{BareJid, Jid};
use minidom::Element;
use xep_core::ns::CONTACTS;
use xep_service_directory::command::{CommandError, ServerBuddy, ServerBuddyForm};
use xep_service_directory::directory::{Directory, DirectoryConfig, Event, Transmit};
use xep_service_directory::vcard::{Property, SoftwareName, VCard};
use xmpp_parsers::iq::Iq;
use xmpp_parsers::presence::{Presence, Type as PresenceType};
use xmpp_parsers::pubsub::pubsub::{Create, Item, Publish};
use xmpp_parsers::pubsub::{ItemId, NodeName, PubSub};

use crate::client::Session;
use crate::fixture::{self, Account, HOME, PUBSUB};
use crate::pubsub::{StoredItem, create, items};
use crate::runner::{Case, Ctx, Failure, Outcome};
use crate::setup::Server;
use crate::{api, case, check, check_eq};

/// The cases of this file.
pub const CASES: &[Case] = &[
    case!("directory/card-read-back", card_read_back),
    case!("directory/server-buddy", server_buddy),
];

fn home() -> Result<BareJid, Failure> {
    HOME.parse()
        .map_err(|e| Failure::new(format!("{HOME}: {e}")))
}

/// The card stored under item id `id`, read leniently, with no deviation.
fn stored_card(stored: &[StoredItem], id: &str, node: &str) -> Result<VCard, Failure> {
    let item = stored
        .iter()
        .find(|i| i.id.as_deref() == Some(id))
        .ok_or_else(|| {
            Failure::new(format!(
                "node {node} has no item {id}: {:?}",
                stored.iter().map(|i| &i.id).collect::<Vec<_>>()
            ))
        })?;
    let payload = item
        .payload
        .as_ref()
        .ok_or_else(|| Failure::new(format!("item {id} of {node} has no payload")))?;
    let read = api::server_card(payload)?;
    check!(
        read.deviations.is_empty(),
        "the stored card deviates: {:?}",
        read.deviations
    );
    Ok(read.value)
}

/// Test 5a: the admin publishes the server card of `home.test` (typed properties, an
/// unknown vCard property and an element in a foreign namespace) to the
/// `urn:xmpp:contacts` node of `pubsub.home.test`, keyed by the domain as
/// directories do; Alice fetches the items and reads the card back equal.
async fn card_read_back(ctx: Arc<Ctx>) -> Outcome {
    let mut admin = Session::connect(&ctx.target, Account::Admin, &[]).await?;
    let card = fixture::server_card();
    create(
        &mut admin,
        Some(PUBSUB),
        PubSub::Create {
            create: Create {
                node: Some(NodeName(CONTACTS.to_owned())),
            },
            configure: None,
        },
    )
    .await?;
    let publish = PubSub::Publish {
        publish: Publish {
            node: NodeName(CONTACTS.to_owned()),
            items: vec![Item::new(
                Some(ItemId(HOME.to_owned())),
                None,
                Some(card.clone()),
            )],
        },
        publish_options: None,
    };
    admin
        .set(Some(PUBSUB), publish)
        .await
        .map_err(|f| f.context("publish the card"))?;

    let mut alice = Session::connect(&ctx.target, Account::Alice, &[]).await?;
    let stored = items(&mut alice, PUBSUB, CONTACTS).await?;
    let got = stored_card(&stored, HOME, CONTACTS)?;
    check_eq!(got.others().count(), 2, "extensions of the stored card");
    check_eq!(
        got.others().collect::<Vec<_>>(),
        card.others().collect::<Vec<_>>(),
        "the extensions as stored"
    );
    check_eq!(got, card, "the card as stored");
    alice.close().await;
    admin.close().await;
    Ok(())
}

/// The same request without `from`: the server stamps the session's own address
/// (the machine writes its bare JID, which a client may not claim for itself).
fn without_from(iq: Iq) -> Iq {
    match iq {
        Iq::Get {
            to, id, payload, ..
        } => Iq::Get {
            from: None,
            to,
            id,
            payload,
        },
        Iq::Set {
            to, id, payload, ..
        } => Iq::Set {
            from: None,
            to,
            id,
            payload,
        },
        other => other,
    }
}

/// The software name the server under test gives to XEP-0092 queries.
fn software_name(server: Server) -> &'static str {
    match server {
        Server::Prosody => "Prosody",
        Server::Ejabberd => "ejabberd",
    }
}

/// Test 5b. Real: a user who is not an admin is refused the server-buddy command;
/// the admin runs it on `home.test` (built and read with the crate's `ServerBuddy`); the server sends its presence subscription
/// to the directory account; the machine's subscription presences, disco#info,
/// vCard4 and version queries and its publish travel over the directory's session;
/// the server's answers go back into the machine; the card lands on the directory's
/// own `urn:xmpp:contacts` node (PEP) and reads back. Played by the suite's server
/// module: the command, the `urn:xmpp:public-server` feature and the card.
async fn server_buddy(ctx: Arc<Ctx>) -> Outcome {
    let home = home()?;
    let home_jid = Jid::from(home.clone());
    let mut admin = Session::connect(&ctx.target, Account::Admin, &[]).await?;
    let mut directory = Session::connect(&ctx.target, Account::Directory, &[]).await?;
    let directory_jid = directory.jid().to_bare();

    // Only admins may run the command ("forbidden" for anyone else, XEP-0133).
    let mut mallory = Session::connect(&ctx.target, Account::Mallory, &[]).await?;
    let refused = mallory
        .request_raw(
            Iq::from_set("buddy-0", ServerBuddy::Execute.to_command()).with_to(home_jid.clone()),
        )
        .await?;
    check_eq!(
        api::command_error(&refused)?,
        Some(CommandError::Forbidden),
        "the command run by a user who is not an admin: {}",
        String::from(&refused)
    );
    mallory.close().await;

    // The admin asks the server to befriend the directory (XEP-0133 through
    // XEP-0050): execute, the form, submit, completed.
    let reply = admin
        .request_raw(
            Iq::from_set("buddy-1", ServerBuddy::Execute.to_command()).with_to(home_jid.clone()),
        )
        .await?;
    let form = api::server_buddy_reply(&reply).map_err(|f| f.context("execute"))?;
    check!(
        form.deviations.is_empty(),
        "deviations of the command form: {:?}",
        form.deviations
    );
    let ServerBuddy::Form { sessionid, form } = form.value else {
        return Err(Failure::new(format!(
            "execute: expected the form, got {:?}",
            form.value
        )));
    };
    check_eq!(form, ServerBuddyForm::default(), "the command form");
    let submit = ServerBuddy::Submit {
        sessionid: sessionid.clone(),
        peer: directory_jid.clone(),
    };
    let reply = admin
        .request_raw(Iq::from_set("buddy-2", submit.to_command()).with_to(home_jid.clone()))
        .await?;
    let done = api::server_buddy_reply(&reply).map_err(|f| f.context("submit"))?;
    check_eq!(
        done.value,
        ServerBuddy::Completed {
            sessionid,
            notes: Vec::new()
        },
        "the command's last step"
    );
    admin.close().await;

    // The directory machine, fed what the directory's session receives.
    let mut now = Utc::now();
    let mut config = DirectoryConfig::new(directory_jid.clone());
    config.id_prefix = "dir-".to_owned();
    let mut machine = Directory::new(config, now);
    let is_from_home = |p: &Presence, t: PresenceType| {
        p.type_ == t && p.from.as_ref().map(Jid::to_bare).as_ref() == Some(&home)
    };
    let request = directory
        .wait_presence("the server's subscription request", |p| {
            is_from_home(p, PresenceType::Subscribe).then(|| p.clone())
        })
        .await?;
    check!(
        api::directory_stanza(&mut machine, now, &Element::from(request)),
        "the machine did not take the server's subscription request"
    );

    let mut events = Vec::new();
    let mut published = Vec::new();
    for _round in 0..4 {
        let mut asked_subscription = false;
        while let Some(transmit) = machine.poll_transmit() {
            match transmit {
                Transmit::Presence(mut presence) => {
                    asked_subscription |= presence.type_ == PresenceType::Subscribe;
                    presence.from = None;
                    directory.send(presence.into()).await?;
                }
                Transmit::Iq(iq) => {
                    let publish = matches!(*iq, Iq::Set { .. });
                    let reply = directory.request_raw(without_from(*iq)).await?;
                    now = Utc::now();
                    if publish {
                        published.push(reply);
                    } else {
                        check!(
                            api::directory_stanza(&mut machine, now, &reply),
                            "the machine did not take the reply {}",
                            String::from(&reply)
                        );
                    }
                }
            }
        }
        events.extend(std::iter::from_fn(|| machine.poll_event()));
        if events.iter().any(|e| matches!(e, Event::Listed { .. })) {
            break;
        }
        check!(
            asked_subscription,
            "the machine stopped without listing {HOME}; its events: {events:?}"
        );
        let approval = directory
            .wait_presence(
                "the server's approval of the directory's subscription",
                |p| is_from_home(p, PresenceType::Subscribed).then(|| p.clone()),
            )
            .await?;
        now = Utc::now();
        check!(
            api::directory_stanza(&mut machine, now, &Element::from(approval)),
            "the machine did not take the server's approval"
        );
    }

    // Subscribed, then listed with the card the server answered and the software
    // name from its version answer.
    let [
        Event::Subscribed { server: subscribed },
        Event::Listed {
            server: listed,
            entry,
            deviations,
        },
    ] = events.as_slice()
    else {
        return Err(Failure::new(format!(
            "expected Subscribed then Listed, got {events:?}"
        )));
    };
    check_eq!(subscribed, &home, "the server the machine befriended");
    check_eq!(listed, &home, "the server the machine listed");
    check!(
        deviations.is_empty(),
        "deviations of the server's card: {deviations:?}"
    );
    let expected = fixture::server_card().with(Property::SoftwareName(SoftwareName {
        name: software_name(ctx.target.server).to_owned(),
    }));
    check_eq!(entry.domain.as_str(), HOME, "listing entry: domain");
    check_eq!(
        entry.name.as_deref(),
        expected.formatted_name(),
        "listing entry: name"
    );
    check_eq!(
        entry.country.as_deref(),
        Some("Germany"),
        "listing entry: country"
    );
    check_eq!(
        entry.in_band_registration,
        Some(false),
        "listing entry: in-band registration (from the real disco#info)"
    );

    // The publish went to the directory's own PEP service and was accepted; the
    // stored card is the one the machine built.
    let [reply] = published.as_slice() else {
        return Err(Failure::new(format!(
            "expected one publish, the machine sent {}",
            published.len()
        )));
    };
    check_eq!(
        reply.attr("type"),
        Some("result"),
        "the answer to the machine's publish: {}",
        String::from(reply)
    );
    let own = directory_jid.to_string();
    let stored = items(&mut directory, &own, CONTACTS).await?;
    let got = stored_card(&stored, HOME, CONTACTS)?;
    check_eq!(got, expected, "the card on the directory's node");
    directory.close().await;
    Ok(())
}
