//! Annotating a presence and reading the annotation off one.
//!
//! A presence carries at most one annotation: [`annotate`] and [`set_annotation`]
//! replace any earlier `<state-annotation/>` instead of adding a second one.
//!
//! ```
//! use xep_psa::presence::{annotate, read_annotation};
//! use xep_psa::StateAnnotation;
//! use xmpp_parsers::presence::Presence;
//!
//! let juliet: Presence = Presence::available()
//!     .with_from("juliet@capulet.lit/orchard".parse::<jid::Jid>()?)
//!     .with_to("romeo@montague.lit/lane".parse::<jid::Jid>()?);
//! let stale = annotate(&juliet, StateAnnotation::server_unavailable("montague.lit".parse()?));
//! let cleared = annotate(&stale, StateAnnotation::cleared("montague.lit".parse()?));
//! assert_eq!(cleared.payloads.len(), 1);
//! let reading = read_annotation(&cleared).expect("annotated");
//! assert!(reading.value.is_cleared());
//! assert!(read_annotation(&juliet).is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use minidom::Element;
use xep_core::reading::{Deviation, Path, Reading, Severity};
use xmpp_parsers::presence::Presence;

use crate::annotation::{ELEMENT, StateAnnotation};
use crate::ns;

/// Whether `element` is a `<state-annotation xmlns='urn:xmpp:psa'/>`.
pub fn is_annotation(element: &Element) -> bool {
    element.is(ELEMENT, ns::PSA)
}

/// A copy of `presence` carrying `annotation`, which replaces any annotation the
/// presence already had.
pub fn annotate(presence: &Presence, annotation: StateAnnotation) -> Presence {
    let mut copy = presence.clone();
    set_annotation(&mut copy, annotation);
    copy
}

/// Puts `annotation` into `presence`, replacing any annotation it already had.
pub fn set_annotation(presence: &mut Presence, annotation: StateAnnotation) {
    remove_annotation(presence);
    presence.payloads.push(annotation.into());
}

/// Removes every annotation from `presence`; whether there was one.
pub fn remove_annotation(presence: &mut Presence) -> bool {
    let before = presence.payloads.len();
    presence.payloads.retain(|p| !is_annotation(p));
    presence.payloads.len() != before
}

/// Reads the annotation a presence carries, leniently; `None` when it has none.
///
/// A second annotation in the same stanza is reported (severity `dropped`, code
/// `several-annotations`) and left out: the first one is read. Paths start at
/// `/presence[1]`.
pub fn read_annotation(presence: &Presence) -> Option<Reading<StateAnnotation>> {
    read_children(presence.payloads.iter())
}

/// [`read_annotation`] on a raw `<presence/>` element (one whose other payloads
/// xmpp-parsers might refuse).
pub fn read_annotation_element(presence: &Element) -> Option<Reading<StateAnnotation>> {
    read_children(presence.children())
}

fn read_children<'a>(
    children: impl Iterator<Item = &'a Element>,
) -> Option<Reading<StateAnnotation>> {
    let mut found: Option<Reading<StateAnnotation>> = None;
    let mut index = 0;
    for child in children.filter(|c| is_annotation(c)) {
        index += 1;
        let path = Path::root().elem("presence", 1).elem(ELEMENT, index);
        match &mut found {
            None => found = StateAnnotation::read_at(child, &path).ok(),
            Some(reading) => reading.deviations.push(Deviation::new(
                Severity::Dropped,
                "several-annotations",
                path,
                "a second <state-annotation/> in one presence; only the first is read",
            )),
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Condition;

    #[test]
    fn second_annotation_reported() {
        let e: Element = "<presence xmlns='jabber:client' from='juliet@capulet.lit/orchard'>\
            <state-annotation xmlns='urn:xmpp:psa' from='montague.lit'><server-unavailable/></state-annotation>\
            <state-annotation xmlns='urn:xmpp:psa' from='montague.lit'/></presence>"
            .parse()
            .unwrap();
        let r = read_annotation_element(&e).unwrap();
        assert_eq!(r.value.condition, Some(Condition::ServerUnavailable));
        assert_eq!(r.deviations.len(), 1);
        assert_eq!(
            r.deviations[0].path.as_str(),
            "/presence[1]/state-annotation[2]"
        );
        let p = Presence::try_from(e).unwrap();
        assert_eq!(read_annotation(&p).unwrap(), r);
        let once = annotate(
            &p,
            StateAnnotation::cleared("montague.lit".parse().unwrap()),
        );
        assert_eq!(once.payloads.len(), 1);
    }
}
