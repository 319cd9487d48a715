//! Property tests: every payload written and read again is the same value, through
//! the lenient reading and through xso's strict conversion.

use minidom::Element;
use proptest::prelude::*;
use xep_service_directory::command::{Command, Note, NoteType, ServerBuddy, ServerBuddyForm};
use xep_service_directory::vcard::{
    Adr, Bday, Ca, DateValue, Email, FormattedName, Geo, Impp, Kind, Lang, Logo, Parameters,
    Property, Registration, SoftwareName, Tz, TzValue, Url, VCard, read_cards,
};

fn hash(card: &VCard) -> u64 {
    use std::hash::{BuildHasher, RandomState};
    // One state for the whole run: equal values hash equal under it.
    static STATE: std::sync::OnceLock<RandomState> = std::sync::OnceLock::new();
    STATE.get_or_init(RandomState::new).hash_one(card)
}

/// Text XML can carry and keeps as is (no CR, which parsers normalise).
fn text() -> impl Strategy<Value = String> {
    "[^\u{0}-\u{8}\u{b}-\u{1f}\u{fffe}\u{ffff}]{0,12}"
}

/// A token value (URI, date, tag) without white space around it.
fn token() -> BoxedStrategy<String> {
    "[A-Za-z0-9][A-Za-z0-9:/._?=&-]{0,16}".boxed()
}

fn parameters() -> impl Strategy<Value = Option<Parameters>> {
    prop::option::of((1u8..=100).prop_map(|pref| {
        let ns = "urn:ietf:params:xml:ns:vcard-4.0";
        Parameters {
            items: vec![
                Element::builder("pref", ns)
                    .append(Element::builder("integer", ns).append(pref.to_string()))
                    .build(),
            ],
        }
    }))
}

fn other() -> impl Strategy<Value = Element> {
    ("[a-z]{1,6}", 0u8..3, text()).prop_map(|(name, n, body)| {
        let ns = if n == 0 {
            "urn:ietf:params:xml:ns:vcard-4.0".to_owned()
        } else {
            format!("urn:example:{n}")
        };
        let element = Element::builder(format!("x-{name}"), ns);
        if body.is_empty() {
            element.build()
        } else {
            element.append(body).build()
        }
    })
}

fn property() -> impl Strategy<Value = Property> {
    prop_oneof![
        (parameters(), text())
            .prop_map(|(parameters, text)| Property::Kind(Kind { parameters, text })),
        (parameters(), text()).prop_map(|(parameters, text)| Property::FormattedName(
            FormattedName { parameters, text }
        )),
        (parameters(), token())
            .prop_map(|(parameters, uri)| Property::Url(Url { parameters, uri })),
        (parameters(), "[a-z]{1,8}@[a-z]{1,8}\\.example")
            .prop_map(|(parameters, text)| Property::Email(Email { parameters, text })),
        (parameters(), token())
            .prop_map(|(parameters, uri)| Property::Impp(Impp { parameters, uri })),
        (parameters(), token())
            .prop_map(|(parameters, uri)| Property::Logo(Logo { parameters, uri })),
        (parameters(), token())
            .prop_map(|(parameters, uri)| Property::Geo(Geo { parameters, uri })),
        (parameters(), "[a-z]{2}(-[A-Z]{2})?").prop_map(|(parameters, language_tag)| {
            Property::Lang(Lang {
                parameters,
                language_tag,
            })
        }),
        (parameters(), 0u8..4, token()).prop_map(|(parameters, kind, value)| {
            let value = match kind {
                0 => DateValue::Date { value },
                1 => DateValue::DateTime { value },
                2 => DateValue::DateAndOrTime { value },
                _ => DateValue::Text { value },
            };
            Property::Bday(Bday { parameters, value })
        }),
        (parameters(), 0u8..3, token()).prop_map(|(parameters, kind, value)| {
            let value = match kind {
                0 => TzValue::Text { value },
                1 => TzValue::Uri { value },
                _ => TzValue::UtcOffset { value },
            };
            Property::Tz(Tz { parameters, value })
        }),
        (
            parameters(),
            prop::option::of(text()),
            prop::option::of(token()),
            prop::option::of(token())
        )
            .prop_map(|(parameters, street, region, country)| Property::Adr(Adr {
                parameters,
                street,
                region,
                country,
                ..Adr::default()
            })),
        token().prop_map(|uri| Property::Registration(Registration { uri })),
        (text(), prop::option::of(token())).prop_map(|(name, uri)| Property::Ca(Ca { name, uri })),
        text().prop_map(|name| Property::SoftwareName(SoftwareName { name })),
        other().prop_map(Property::Other),
    ]
}

fn card() -> impl Strategy<Value = VCard> {
    prop::collection::vec(property(), 0..8).prop_map(|properties| VCard { properties })
}

fn session() -> impl Strategy<Value = String> {
    "[A-Za-z0-9:._-]{1,16}"
}

fn step() -> impl Strategy<Value = ServerBuddy> {
    prop_oneof![
        Just(ServerBuddy::Execute),
        (
            session(),
            prop::option::of(text()),
            prop::option::of(text()),
            prop::option::of(text()),
            any::<bool>()
        )
            .prop_map(|(sessionid, title, instructions, label, required)| {
                ServerBuddy::Form {
                    sessionid,
                    form: ServerBuddyForm {
                        title,
                        instructions,
                        label,
                        required,
                    },
                }
            }),
        (session(), "[a-z]{1,8}(\\.[a-z]{1,8}){0,2}").prop_map(|(sessionid, domain)| {
            ServerBuddy::Submit {
                sessionid,
                peer: domain.parse().unwrap(),
            }
        }),
        (
            session(),
            prop::collection::vec((prop::option::of(0u8..3), text()), 0..3)
        )
            .prop_map(|(sessionid, notes)| ServerBuddy::Completed {
                sessionid,
                notes: notes
                    .into_iter()
                    .map(|(t, text)| Note {
                        type_: t
                            .map(|t| [NoteType::Info, NoteType::Warn, NoteType::Error][t as usize]),
                        text
                    })
                    .collect()
            }),
        session().prop_map(|sessionid| ServerBuddy::Cancel { sessionid }),
        session().prop_map(|sessionid| ServerBuddy::Canceled { sessionid }),
    ]
}

proptest! {
    #[test]
    fn vcards_round_trip(card in card()) {
        let element = Element::from(card.clone());
        prop_assert_eq!(&VCard::try_from(element.clone()).unwrap(), &card);
        prop_assert_eq!(&VCard::read(&element).unwrap().value, &card);
        // Through text, as on the wire.
        let text = String::from(&element);
        let parsed: Element = text.parse().unwrap();
        prop_assert_eq!(&VCard::read(&parsed).unwrap().value, &card);
    }

    /// The directory compares cards by a hash of their value: a card read back from
    /// its text hashes as the card did, and a card with one property changed or
    /// removed hashes differently (as it compares differently).
    #[test]
    fn equal_cards_hash_equal(card in card(), extra in property()) {
        let text = String::from(&Element::from(card.clone()));
        let again = VCard::read(&text.parse::<Element>().unwrap()).unwrap().value;
        prop_assert_eq!(hash(&again), hash(&card));
        let mut changed = card.clone();
        changed.properties.push(extra);
        prop_assert_ne!(hash(&changed), hash(&card));
        if !card.properties.is_empty() {
            let mut fewer = card.clone();
            fewer.properties.remove(0);
            prop_assert_ne!(hash(&fewer), hash(&card));
        }
    }

    #[test]
    fn vcard_lists_round_trip(cards in prop::collection::vec(card(), 0..3)) {
        let list = xep_service_directory::vcard::VCards { cards: cards.clone() };
        let element = Element::from(list);
        prop_assert_eq!(read_cards(&element).unwrap().value, cards);
    }

    #[test]
    fn server_buddy_steps_round_trip(step in step()) {
        let command = step.to_command();
        let element = Element::from(command.clone());
        prop_assert_eq!(&Command::try_from(element.clone()).unwrap(), &command);
        let reading = ServerBuddy::read(&element).unwrap();
        prop_assert_eq!(&reading.value, &step);
        let text = String::from(&element);
        prop_assert_eq!(&ServerBuddy::read(&text.parse().unwrap()).unwrap().value, &step);
    }
}
