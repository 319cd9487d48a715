//! Criterion benchmarks of `xep-core`: the bounded capture reader, the typed XEP-0157
//! form, pubsub URIs and language lookup.
//!
//! Every group measures, in the same run, a baseline: parsing the same bytes with
//! `minidom` alone (`str::from_utf8` then `parse::<minidom::Element>()`). Figures are
//! meant to be read as ratios to that baseline (see `benches/RESULTS.md`).
//!
//! Run with `cargo bench -p xep-benches -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use minidom::Element;
use xep_benches::{
    Capture, DEFAULT_TEXT, LANGUAGES, PUBSUB_URIS, RANGES_NONE_HIT, RANGES_THIRD_HITS,
    disco_info_result, language_presence, language_texts, uri_field,
};
use xep_core::contact::ContactAddresses;
use xep_core::forms::TypedForm;
use xep_core::lang::{Lang, LangMap};
use xep_core::uri::PubSubUri;
use xep_core::xml::{Limits, parse_items};
use xmpp_parsers::disco::DiscoInfoResult;

/// The baseline of every group: UTF-8 check, then minidom's own parser.
fn minidom_parse(bytes: &[u8]) -> Element {
    std::str::from_utf8(bytes)
        .expect("inputs are UTF-8")
        .parse::<Element>()
        .expect("inputs are well-formed")
}

/// Disco#info result -> XEP-0157 contact addresses, and back to a form.
fn disco_info(c: &mut Criterion) {
    let xml = disco_info_result();
    let bytes = xml.as_bytes();
    let limits = Limits::default();
    let element = minidom_parse(bytes);

    // Check once, outside the measurements, that every step succeeds on this input.
    let items = parse_items(bytes, &limits).expect("parse_items accepts the input");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].element, element);
    let info = DiscoInfoResult::try_from(element.clone()).expect("a disco#info result");
    let reading = ContactAddresses::read(&info.extensions);
    assert!(reading.deviations.is_empty(), "{:?}", reading.deviations);
    assert_eq!(ContactAddresses::unknown_fields(&info.extensions).len(), 1);
    let contacts = reading.value.expect("the form is present");
    assert!(contacts.by_var().iter().all(|(_, v)| v.len() == 2));

    let mut g = c.benchmark_group("disco_info");
    g.bench_function("minidom_parse", |b| {
        b.iter(|| minidom_parse(black_box(bytes)))
    });
    g.bench_function("parse_items", |b| {
        b.iter(|| parse_items(black_box(bytes), &limits).expect("well-formed"))
    });
    g.bench_function("element_to_disco_info", |b| {
        b.iter_batched(
            || element.clone(),
            |element| DiscoInfoResult::try_from(black_box(element)).expect("disco#info"),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("disco_info_to_contacts", |b| {
        b.iter(|| {
            ContactAddresses::read(&black_box(&info).extensions)
                .value
                .expect("form present")
        })
    });
    g.bench_function("element_to_contacts", |b| {
        b.iter_batched(
            || element.clone(),
            |element| {
                let info = DiscoInfoResult::try_from(black_box(element)).expect("disco#info");
                ContactAddresses::read(&info.extensions)
                    .value
                    .expect("form present")
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("bytes_to_contacts", |b| {
        b.iter(|| {
            let info =
                DiscoInfoResult::try_from(minidom_parse(black_box(bytes))).expect("disco#info");
            ContactAddresses::read(&info.extensions)
                .value
                .expect("form present")
        })
    });
    g.bench_function("contacts_to_form", |b| {
        b.iter(|| black_box(&contacts).to_form())
    });
    g.bench_function("contacts_to_form_element", |b| {
        b.iter(|| Element::from(black_box(&contacts).to_form()))
    });
    g.finish();
}

/// Captures of 1,000 stanzas (and 250 and 4,000, to show how the cost grows): one
/// `parse_items` call over the whole capture against minidom per stanza.
fn capture(c: &mut Criterion) {
    let limits = Limits::default();
    let mut g = c.benchmark_group("capture");
    for count in [250, 1_000, 4_000] {
        let capture = Capture::new(count);
        let bytes = capture.text().as_bytes();
        let stanzas: Vec<&[u8]> = capture.stanzas().map(str::as_bytes).collect();

        let items = parse_items(bytes, &limits).expect("parse_items accepts the capture");
        assert_eq!(items.len(), count);
        for (item, stanza) in items.iter().zip(&stanzas) {
            assert_eq!(item.element, minidom_parse(stanza));
        }

        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_with_input(
            BenchmarkId::new("minidom_per_stanza", count),
            &stanzas,
            |b, stanzas| {
                b.iter(|| {
                    black_box(stanzas)
                        .iter()
                        .map(|s| minidom_parse(s))
                        .collect::<Vec<_>>()
                })
            },
        );
        g.bench_with_input(BenchmarkId::new("parse_items", count), bytes, |b, bytes| {
            b.iter(|| parse_items(black_box(bytes), &limits).expect("well-formed"))
        });
    }
    g.finish();
}

/// Pubsub node URIs: parse, and parse + canonical `to_string`, against parsing the
/// `<field>` that carries the URI.
fn pubsub_uri(c: &mut Criterion) {
    let mut g = c.benchmark_group("pubsub_uri");
    for (name, uri) in PUBSUB_URIS {
        let field = uri_field(uri);
        let parsed = PubSubUri::parse(uri).expect("the URI parses");
        let value = minidom_parse(field.as_bytes())
            .get_child("value", "jabber:x:data")
            .map(Element::text);
        assert_eq!(value.as_deref(), Some(uri));
        assert_eq!(PubSubUri::parse(&parsed.to_string()), Ok(parsed));

        g.bench_with_input(
            BenchmarkId::new("minidom_field", name),
            field.as_bytes(),
            |b, field| b.iter(|| minidom_parse(black_box(field))),
        );
        g.bench_with_input(BenchmarkId::new("parse", name), uri, |b, uri| {
            b.iter(|| PubSubUri::parse(black_box(uri)).expect("parses"))
        });
        g.bench_with_input(BenchmarkId::new("parse_to_string", name), uri, |b, uri| {
            b.iter(|| {
                PubSubUri::parse(black_box(uri))
                    .expect("parses")
                    .to_string()
            })
        });
    }
    g.finish();
}

/// `LangMap` with 20 languages and a default text: building it and RFC 4647 lookup
/// with 3 ranges, against parsing the presence that carries the 20 texts.
fn lang(c: &mut Criterion) {
    let presence = language_presence();
    let texts = language_texts();
    let build = |texts: &[(&str, String)]| {
        let mut map = LangMap::new();
        map.insert(None, DEFAULT_TEXT);
        for (tag, text) in texts {
            map.insert(Some(Lang::parse(tag).expect("valid tag")), text.as_str());
        }
        map
    };
    let map = build(&texts);
    assert_eq!(map.len(), LANGUAGES.len() + 1);
    assert_eq!(
        map.best_match(&RANGES_THIRD_HITS),
        Some("Scheduled maintenance tonight [de]")
    );
    assert_eq!(map.best_match(&RANGES_NONE_HIT), Some(DEFAULT_TEXT));
    assert_eq!(minidom_parse(presence.as_bytes()).children().count(), 21);

    let mut g = c.benchmark_group("lang_20");
    g.bench_function("minidom_presence", |b| {
        b.iter(|| minidom_parse(black_box(presence.as_bytes())))
    });
    g.bench_function("langmap_build", |b| b.iter(|| build(black_box(&texts))));
    g.bench_function("best_match/third_range_hits", |b| {
        b.iter(|| {
            black_box(&map)
                .best_match(black_box(&RANGES_THIRD_HITS))
                .map(str::len)
        })
    });
    g.bench_function("best_match/no_range_hits", |b| {
        b.iter(|| {
            black_box(&map)
                .best_match(black_box(&RANGES_NONE_HIT))
                .map(str::len)
        })
    });
    g.finish();
}

criterion_group!(benches, disco_info, capture, pubsub_uri, lang);
criterion_main!(benches);
