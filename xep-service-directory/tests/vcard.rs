//! The server card: spec cards, the real cards of INTEROP P19, unknown properties,
//! the lint, and the containers it travels in.

use minidom::Element;
use xep_core::reading::Severity;
use xep_service_directory::vcard::{
    Ca, DateValue, Field, FormattedName, Property, Registration, SoftwareName, VCard, VCardQuery,
    lint, read_cards,
};
use xmpp_parsers::iq::Iq;
use xmpp_parsers::pubsub::pubsub::Item;

fn parse(xml: &str) -> Element {
    xml.parse().unwrap()
}

fn codes(reading: &xep_core::Reading<VCard>) -> Vec<String> {
    reading
        .deviations
        .iter()
        .map(|d| d.code.to_string())
        .collect()
}

const SPEC_CARD: &str = "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>\
    <fn><text>jabber.org IM service</text></fn>\
    <url><uri>http://www.jabber.org/</uri></url>\
    <lang><parameters><pref>1</pref></parameters><language-tag>en</language-tag></lang>\
    <adr><region>IA</region><country>US</country></adr>\
    <email><text>xmpp@jabber.org</text></email>\
    <impp><uri>xmpp:jabber.org</uri></impp>\
    <logo><uri>http://www.jabber.org/images/logo.png</uri></logo>\
    <geo><uri>geo:42.25,-91.05</uri></geo>\
    <tz><text>America/Chicago</text></tz>\
    <kind><text>application</text></kind>\
    <registration xmlns='urn:xmpp:vcard:registration:1'><uri>https://register.jabber.org/</uri></registration>\
    </vcard>";

#[test]
fn the_spec_card_reads_into_every_typed_field_and_round_trips_exactly() {
    let element = parse(SPEC_CARD);
    let reading = VCard::read(&element).unwrap();
    assert_eq!(codes(&reading), ["pref-without-integer"]);
    assert_eq!(reading.deviations[0].severity, Severity::Note);
    assert_eq!(
        reading.deviations[0].path.as_str(),
        "/vcard[1]/lang[1]/parameters[1]/pref[1]"
    );
    let card = &reading.value;
    assert_eq!(card.formatted_name(), Some("jabber.org IM service"));
    assert_eq!(card.url(), Some("http://www.jabber.org/"));
    assert_eq!(card.lang(), Some("en"));
    assert_eq!((card.region(), card.country()), (Some("IA"), Some("US")));
    assert_eq!(card.email(), Some("xmpp@jabber.org"));
    assert_eq!(card.impp(), Some("xmpp:jabber.org"));
    assert_eq!(card.logo(), Some("http://www.jabber.org/images/logo.png"));
    assert_eq!(card.geo(), Some("geo:42.25,-91.05"));
    assert_eq!(card.tz(), Some("America/Chicago"));
    assert_eq!(card.kind(), Some("application"));
    assert_eq!(card.registration(), Some("https://register.jabber.org/"));
    assert_eq!(Element::from(card.clone()), element);
    // The derived strict conversion agrees with the lenient reading.
    assert_eq!(&VCard::try_from(element.clone()).unwrap(), card);
    assert_eq!(&VCard::read_strict(&element).unwrap(), card);
    let report = lint(&reading);
    assert!(report.missing_recommended.is_empty());
    assert_eq!(report.missing_optional, [Field::Ca, Field::SoftwareName]);
}

/// INTEROP row 12: the card Metronome's `mod_public_service` builds.
const METRONOME: &str = "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>\
    <kind><text>application</text></kind>\
    <name><text>Metronome</text></name>\
    <fn><text>zfix.org</text></fn>\
    <note><text>zfix XMPP service</text></note>\
    <url><uri>https://chat.zfix.org/</uri></url>\
    <bday><date>2013</date></bday>\
    <adr><country>DE</country></adr>\
    <email><uri>pub@zfix.org</uri></email>\
    <impp><uri>xmpp:markus@zfix.org</uri></impp>\
    <geo><uri>geo:48.87,2.33</uri></geo>\
    <ca><name>StartSSL</name><uri>https://www.startssl.com/</uri></ca>\
    <registration xmlns='urn:xmpp:vcard:registration:1'><uri>https://zfix.org/</uri></registration>\
    </vcard>";

#[test]
fn metronome_cards_are_read_through_their_deviations_and_written_per_spec() {
    let reading = VCard::read(&parse(METRONOME)).unwrap();
    assert_eq!(
        codes(&reading),
        [
            "software-name-namespace",
            "year-only-date",
            "email-uri",
            "ca-namespace"
        ]
    );
    let paths: Vec<_> = reading.deviations.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/vcard[1]/name[1]",
            "/vcard[1]/bday[1]/date[1]",
            "/vcard[1]/email[1]/uri[1]",
            "/vcard[1]/ca[1]"
        ]
    );
    assert!(
        reading
            .deviations
            .iter()
            .all(|d| d.severity == Severity::Must)
    );
    let card = &reading.value;
    assert_eq!(card.software_name(), Some("Metronome"));
    assert_eq!(card.bday(), Some("2013"));
    assert_eq!(card.email(), Some("pub@zfix.org"));
    assert_eq!(
        card.ca(),
        Some(&Ca {
            name: "StartSSL".into(),
            uri: Some("https://www.startssl.com/".into())
        })
    );
    // Written per spec, in the same order.
    let written = String::from(&Element::from(card.clone()));
    assert_eq!(
        written,
        "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>\
         <kind><text>application</text></kind>\
         <name xmlns='jabber:iq:version'>Metronome</name>\
         <fn><text>zfix.org</text></fn>\
         <note><text>zfix XMPP service</text></note>\
         <url><uri>https://chat.zfix.org/</uri></url>\
         <bday><date>2013</date></bday>\
         <adr><country>DE</country></adr>\
         <email><text>pub@zfix.org</text></email>\
         <impp><uri>xmpp:markus@zfix.org</uri></impp>\
         <geo><uri>geo:48.87,2.33</uri></geo>\
         <ca xmlns='urn:xmpp:vcard:ca:0'><name>StartSSL</name><uri>https://www.startssl.com/</uri></ca>\
         <registration xmlns='urn:xmpp:vcard:registration:1'><uri>https://zfix.org/</uri></registration>\
         </vcard>"
    );
    // What we wrote reads without the namespace deviations.
    let again = VCard::read(&parse(&written)).unwrap();
    assert_eq!(codes(&again), ["year-only-date"]);
    assert_eq!(&again.value, card);
    let err = VCard::read_strict(&parse(METRONOME)).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "server vCard deviates from its spec: /vcard[1]/name[1]: software name as vCard <name><text/>"
        ),
        "{err}"
    );
    // The derived strict conversion keeps Metronome's elements as unknown properties.
    let strict = VCard::try_from(parse(METRONOME));
    assert!(strict.is_err(), "<email><uri/> is not an xCard email");
}

/// INTEROP row 14: the xmpp.net export, a `<vcards/>` list with empty values, a CA
/// without URI and the tested version in `jabber:iq:version` `<name/>`.
const XMPP_NET: &str = "<vcards xmlns='urn:ietf:params:xml:ns:vcard-4.0'>\
    <vcard><fn><text>a.example</text></fn><url><uri></uri></url><note><text></text></note>\
    <bday><date></date></bday><adr><country>NL</country></adr>\
    <ca xmlns='urn:xmpp:vcard:ca:0'><name>Let's Encrypt Authority X3</name></ca>\
    <name xmlns='jabber:iq:version'>Prosody 0.9.10</name>\
    <impp><uri>xmpp:admin@a.example</uri></impp><x-extra xmlns='urn:example'>kept</x-extra></vcard>\
    <vcard><fn><text>b.example</text></fn></vcard>\
    </vcards>";

#[test]
fn the_xmpp_net_export_is_a_list_of_cards_with_empty_values() {
    let reading = read_cards(&parse(XMPP_NET)).unwrap();
    assert_eq!(reading.value.len(), 2);
    let found: Vec<_> = reading
        .deviations
        .iter()
        .map(|d| (d.code.to_string(), d.path.to_string()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "empty-value".into(),
                "/vcards[1]/vcard[1]/url[1]/uri[1]".into()
            ),
            (
                "empty-value".into(),
                "/vcards[1]/vcard[1]/note[1]/text[1]".into()
            ),
            (
                "empty-value".into(),
                "/vcards[1]/vcard[1]/bday[1]/date[1]".into()
            ),
            ("ca-without-uri".into(), "/vcards[1]/vcard[1]/ca[1]".into()),
        ]
    );
    let card = &reading.value[0];
    assert_eq!(card.ca().unwrap().uri, None);
    assert_eq!(card.software_name(), Some("Prosody 0.9.10"));
    assert_eq!(card.url(), Some(""));
    // Empty values count as missing in the lint.
    let report = lint(&xep_core::Reading::clean(card.clone()));
    assert_eq!(
        report.missing_recommended,
        [Field::Url, Field::Email, Field::Kind]
    );
    // The unknown extension stays last, where it was.
    let last = card.properties.last().unwrap();
    assert!(matches!(last, Property::Other(e) if e.name() == "x-extra" && e.text() == "kept"));
    assert_eq!(reading.value[1].formatted_name(), Some("b.example"));
}

#[test]
fn unknown_properties_keep_their_place_and_set_replaces_in_place() {
    let xml = "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>\
        <org><text>XSF</text></org><fn><text>old</text></fn>\
        <x-foo xmlns='urn:example:foo' a='1'><bar/></x-foo><kind><text>application</text></kind></vcard>";
    let mut card = VCard::read_strict(&parse(xml)).unwrap();
    card.set(Property::FormattedName(FormattedName::new("new")));
    card.set(Property::SoftwareName(SoftwareName {
        name: "ejabberd".into(),
    }));
    assert_eq!(
        String::from(&Element::from(card)),
        "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>\
         <org><text>XSF</text></org><fn><text>new</text></fn>\
         <x-foo xmlns='urn:example:foo' a='1'><bar/></x-foo><kind><text>application</text></kind>\
         <name xmlns='jabber:iq:version'>ejabberd</name></vcard>"
    );
}

#[test]
fn unreadable_parts_are_dropped_with_their_path() {
    let xml = "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>\
        <fn/><fn>bare text</fn><registration xmlns='urn:xmpp:vcard:registration:1'/>\
        <url><uri>https://a/</uri><uri>https://b/</uri><junk/></url>\
        <impp><uri> xmpp:a.example </uri></impp>\
        <bday><text>circa 1999</text></bday><tz><utc-offset>-0500</utc-offset></tz></vcard>";
    let reading = VCard::read(&parse(xml)).unwrap();
    let found: Vec<_> = reading
        .deviations
        .iter()
        .map(|d| format!("{} {} {}", d.severity, d.code, d.path))
        .collect();
    assert_eq!(
        found,
        [
            "dropped missing-value /vcard[1]/fn[1]",
            "must value-without-type /vcard[1]/fn[2]",
            "dropped missing-value /vcard[1]/registration[1]",
            "dropped extra-value /vcard[1]/url[1]/uri[2]",
            "dropped unknown-child /vcard[1]/url[1]/junk[1]",
            "should value-white-space /vcard[1]/impp[1]/uri[1]",
        ]
    );
    let card = &reading.value;
    assert_eq!(card.formatted_name(), Some("bare text"));
    assert_eq!(card.url(), Some("https://a/"));
    assert_eq!(card.impp(), Some("xmpp:a.example"));
    assert!(matches!(
        first_bday(card),
        Some(DateValue::Text { value }) if value == "circa 1999"
    ));
    assert_eq!(card.tz(), Some("-0500"));
}

fn first_bday(card: &VCard) -> Option<&DateValue> {
    card.properties.iter().find_map(|p| match p {
        Property::Bday(b) => Some(&b.value),
        _ => None,
    })
}

#[test]
fn characters_xml_cannot_carry_never_reach_the_writer() {
    let mut element = parse(SPEC_CARD);
    let fn_ = Element::builder("fn", "urn:ietf:params:xml:ns:vcard-4.0")
        .append(Element::builder("text", "urn:ietf:params:xml:ns:vcard-4.0").append("a\u{0}b"))
        .build();
    element.append_child(fn_.clone());
    let other = Element::builder("x-bad", "urn:example")
        .attr(rxml::NcName::try_from("v").unwrap(), "\u{1}")
        .build();
    element.append_child(other);
    // Found by the long fuzz run: an element in the xmlns namespace (minidom's parser
    // takes it as a default namespace, its writer panics on it).
    let xmlns: Element = "<registration xmlns='http://www.w3.org/2000/xmlns/'/>"
        .parse()
        .unwrap();
    element.append_child(xmlns);
    // A recorded xmlns:xml declaration (legal XML) made minidom's writer panic too.
    let declared: Element =
        "<x-ok xmlns='urn:example' xmlns:xml='http://www.w3.org/XML/1998/namespace' xml:lang='en'/>"
            .parse()
            .unwrap();
    element.append_child(declared);
    let reading = VCard::read(&element).unwrap();
    let tail: Vec<_> = codes(&reading).into_iter().skip(1).collect();
    assert_eq!(tail, ["invalid-character", "unwritable", "unwritable"]);
    assert!(reading.value.others().any(|e| e.name() == "x-ok"));
    let texts: Vec<_> = reading
        .value
        .properties
        .iter()
        .filter_map(|p| match p {
            Property::FormattedName(f) => Some(f.text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(texts, ["jabber.org IM service", "ab"]);
    let _ = String::from(&Element::from(reading.value));
}

#[test]
fn errors_name_what_was_expected_and_found() {
    let err = VCard::read(&parse("<vCard xmlns='vcard-temp'/>")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected a vCard4 <vcard/>, found {vcard-temp}vCard"
    );
    let err = VCard::read(&parse("<iq xmlns='jabber:client' type='result'/>")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected a vCard4 <vcard/>, found {jabber:client}iq"
    );
    let reading = VCard::read(&parse(
        "<iq xmlns='jabber:client' type='get'><vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'/></iq>",
    ))
    .unwrap();
    assert_eq!(codes(&reading), ["iq-not-result"]);
}

#[test]
fn the_card_travels_in_pubsub_items_and_iqs() {
    let card = VCard::read_strict(&parse(SPEC_CARD)).unwrap();
    let item = Item::new(
        Some("jabber.org".parse().unwrap()),
        None,
        Some(card.clone()),
    );
    let payload = item.payload.clone().unwrap();
    assert_eq!(VCard::try_from(payload).unwrap(), card);
    let element = Element::from(item);
    assert_eq!(VCard::read(&element).unwrap().value, card);

    let get = Iq::from_get("lw71bs73", VCardQuery);
    let get = Element::from(get);
    assert_eq!(
        String::from(&get),
        "<iq xmlns='jabber:client' id='lw71bs73' type='get'><vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'/></iq>"
    );
    let result = Element::from(Iq::from_result("lw71bs73", Some(card.clone())));
    let reading = VCard::read(&result).unwrap();
    assert_eq!(reading.value, card);
    assert_eq!(codes(&reading), ["pref-without-integer"]);
}

#[test]
fn the_lint_lists_recommended_then_optional_then_deviations() {
    let reading = VCard::read(&parse(
        "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><kind><text>individual</text></kind>\
         <email><uri>mailto:a@b.example</uri></email></vcard>",
    ))
    .unwrap();
    assert_eq!(reading.value.email(), Some("a@b.example"));
    let report = lint(&reading);
    assert!(report.lacks_recommended());
    assert_eq!(
        report.to_string(),
        "missing recommended: fn\nmissing recommended: url\nmissing recommended: adr/country\n\
         missing recommended: impp\nmissing recommended: kind\n\
         missing optional: lang\nmissing optional: adr/region\nmissing optional: logo\n\
         missing optional: geo\nmissing optional: registration\nmissing optional: ca\n\
         missing optional: software name\n\
         deviation: /vcard[1]/email[1]/uri[1]: <email/> takes <text/>, found <uri/>; read as <text/> [must]\n"
    );
}

#[test]
fn server_builder_writes_the_recommended_core() {
    let card = VCard::server("Example IM", &"example.org".parse().unwrap()).with(
        Property::Registration(Registration {
            uri: "https://example.org/register".into(),
        }),
    );
    let reading = xep_core::Reading::clean(card.clone());
    assert_eq!(
        lint(&reading).missing_recommended,
        [Field::Url, Field::Country, Field::Email]
    );
    assert_eq!(
        String::from(&Element::from(card)),
        "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><kind><text>application</text></kind>\
         <fn><text>Example IM</text></fn><impp><uri>xmpp:example.org</uri></impp>\
         <registration xmlns='urn:xmpp:vcard:registration:1'><uri>https://example.org/register</uri></registration></vcard>"
    );
}

#[test]
fn the_same_unknown_content_compares_equal_however_the_parser_split_its_text() {
    // Found by the interop suite: a card fetched over a real stream held the text of
    // an unknown property in two nodes ("Interop " + "& Co.", split at the
    // reference), the same card parsed from a string in one; the two compared
    // different, so the directory would have published an unchanged card again.
    let parsed = parse(
        "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>\
         <x-a><parameters><type><text>work &amp; play</text></type></parameters>\
         <text>Interop &amp; Co.</text></x-a></vcard>",
    );
    let ns = "urn:ietf:params:xml:ns:vcard-4.0";
    let split = |a: &str, b: &str| {
        Element::builder("text", ns)
            .append(a.to_owned())
            .append(String::new())
            .append(b.to_owned())
            .build()
    };
    let streamed = Element::builder("vcard", ns)
        .append(
            Element::builder("x-a", ns)
                .append(
                    Element::builder("parameters", ns)
                        .append(Element::builder("type", ns).append(split("work ", "& play"))),
                )
                .append(split("Interop ", "& Co.")),
        )
        .build();
    let a = VCard::read(&parsed).unwrap().value;
    let b = VCard::read(&streamed).unwrap().value;
    assert_eq!(a, b);
    let different = parse(
        "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>\
         <x-a><parameters><type><text>work &amp; play</text></type></parameters>\
         <text>Interop Co.</text></x-a></vcard>",
    );
    assert_ne!(VCard::read(&different).unwrap().value, a);
}
