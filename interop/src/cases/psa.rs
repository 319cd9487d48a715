//! Test 6 (first half): XEP-0310 Presence State Annotations. A presence carrying a
//! state annotation, sent by one client to another, passes through the server and
//! reads back equal.

use std::sync::Arc;

use jid::Jid;
use xep_core::lang::Lang;
use xep_psa::StateAnnotation;
use xep_psa::presence::annotate;
use xmpp_parsers::presence::Presence;

use crate::client::Session;
use crate::fixture::{Account, HOME};
use crate::runner::{Case, Ctx, Failure, Outcome};
use crate::{api, case, check, check_eq};

/// The cases of this file.
pub const CASES: &[Case] = &[case!("psa/presence-pass-through", presence_pass_through)];

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
