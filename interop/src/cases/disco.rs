//! Test 1: the server's disco#info, read through our lenient forms, gives exactly the
//! configured contact addresses, XEP-0485 node and XEP-0455 status addresses.

use std::sync::Arc;

use xep_serverinfo::discovery::{Coordinates, FALLBACK_NODE, Plan, Unavailable};

use crate::client::Session;
use crate::fixture::{self, Account, HOME, OPTIN, PLAIN, PUBSUB, SERVERINFO_NODE};
use crate::runner::{Case, Ctx, Failure, Outcome};
use crate::{api, case, check, check_eq};

/// The cases of this file.
pub const CASES: &[Case] = &[
    case!("disco/contact-addresses", contact_addresses),
    case!("disco/serverinfo-discovery", serverinfo_discovery),
    case!("disco/sos-addresses", sos_addresses),
];

async fn contact_addresses(ctx: Arc<Ctx>) -> Outcome {
    let mut alice = Session::connect(&ctx.target, Account::Alice, &[]).await?;
    let query = alice.disco_info(HOME).await?;
    let read = api::contact_addresses(&query)?;
    check_eq!(
        read.value,
        fixture::contact_addresses(),
        "contact addresses of {HOME}"
    );
    // The XEP-0485 field shares the FORM_TYPE; the serverinfo reading sees both.
    let discovery = api::serverinfo_discovery(&query)?;
    check_eq!(
        discovery.value.contact,
        fixture::contact_addresses(),
        "contact addresses in the merged serverinfo reading"
    );
    alice.close().await;
    Ok(())
}

async fn serverinfo_discovery(ctx: Arc<Ctx>) -> Outcome {
    let mut alice = Session::connect(&ctx.target, Account::Alice, &[]).await?;
    let service = PUBSUB
        .parse()
        .map_err(|e| Failure::new(format!("{PUBSUB}: {e}")))?;

    let home = api::serverinfo_discovery(&alice.disco_info(HOME).await?)?.value;
    check!(
        home.opted_in,
        "{HOME} does not advertise urn:xmpp:serverinfo:0"
    );
    check_eq!(
        home.plan(),
        Plan::Fetch(Coordinates::new(service, SERVERINFO_NODE)),
        "plan for {HOME} (node field {})",
        fixture::serverinfo_uri()
    );

    let optin = api::serverinfo_discovery(&alice.disco_info(OPTIN).await?)?.value;
    check_eq!(
        optin.plan(),
        Plan::FindPubSubService {
            node: FALLBACK_NODE.to_owned()
        },
        "plan for {OPTIN} (feature, no node field)"
    );

    let plain = api::serverinfo_discovery(&alice.disco_info(PLAIN).await?)?.value;
    check_eq!(
        plain.plan(),
        Plan::Unavailable(Unavailable::NotOptedIn {
            coordinates_advertised: false
        }),
        "plan for {PLAIN} (no feature)"
    );
    alice.close().await;
    Ok(())
}

async fn sos_addresses(ctx: Arc<Ctx>) -> Outcome {
    let mut alice = Session::connect(&ctx.target, Account::Alice, &[]).await?;
    let read = api::sos_addresses(&alice.disco_info(HOME).await?)?;
    let expected = fixture::status_addresses(ctx.target.http_port);
    check_eq!(
        read.value.addresses,
        expected,
        "external-status-addresses of {HOME}"
    );
    let fetchable: Vec<&str> = read.value.fetchable().collect();
    check_eq!(fetchable, expected, "fetchable status addresses");
    check!(
        read.deviations.is_empty(),
        "the server's SOS form deviates: {:?}",
        read.deviations
    );
    alice.close().await;
    Ok(())
}
