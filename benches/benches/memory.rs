//! Peak memory of `xep inspect` and `xep serverinfo graph` (issue 9, item 5): each input
//! is read by the library functions the commands call, under an allocator that tracks
//! the highest number of live heap bytes; the figure is that peak above what was live
//! before the call (the input bytes themselves are not counted), divided by the input
//! size. The target is at most 10x for every input within the limits.
//!
//! Not a criterion benchmark: memory does not vary between runs, so one measurement is
//! the figure. Run with `cargo bench -p xep-benches --bench memory` (allocations do
//! not depend on the optimisation level: `--profile dev` gives the same figures and
//! builds in a fraction of the time).

// A `GlobalAlloc` implementation is `unsafe` by definition; it only forwards to the
// system allocator.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use xep_benches::Capture;
use xep_benches::serverinfo::serverinfo_item;
use xep_cli::graph_cmd::collect;
use xep_cli::inspect::{inspect, inspect_findings};
use xep_cli::registry::Registry;
use xep_core::xml::Limits;

/// The system allocator, tracking the live bytes requested and their highest value.
struct Peak;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grow(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Peak {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grow(layout.size());
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            grow(new_size - layout.size());
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Peak = Peak;

/// Highest live heap bytes while `run` runs, above what was live before it.
fn peak_of<T>(run: impl FnOnce() -> T) -> usize {
    let before = LIVE.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    black_box(run());
    PEAK.load(Ordering::SeqCst) - before
}

/// The peak of what `xep inspect` does: read, then print each finding as a JSON line.
fn peak_of_inspect(bytes: &[u8], registry: &Registry, limits: &Limits) -> usize {
    peak_of(|| {
        let inspection = inspect_findings(bytes, registry, limits).expect("inspects");
        for finding in &inspection.findings {
            finding
                .write_json(None, &mut std::io::sink())
                .expect("a sink takes it");
        }
        inspection
    })
}

fn report(what: &str, input: &[u8], peak: usize) {
    let ratio = peak as f64 / input.len() as f64;
    println!(
        "{what:<44} input {:>10} B  peak {:>12} B  {ratio:>6.2}x{}",
        input.len(),
        peak,
        if ratio <= 10.0 { "" } else { "  OVER 10x" }
    );
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument keeps only the inputs whose
    // name holds it (e.g. `disco-info`, to look at one input under massif).
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    // The 100,000-stanza capture is 30 MB, over the default 16 MiB input limit: the
    // limit is raised for it, the reading is the same.
    let limits = Limits::default().with_max_bytes(64 << 20);
    let registry = Registry::default();
    // Built only when asked for: the large ones take a while.
    type Make = Box<dyn Fn() -> String>;
    let mut inputs: Vec<(&str, Make)> = vec![
        (
            "serverinfo item, 10 remote domains",
            Box::new(|| serverinfo_item(10)),
        ),
        (
            "serverinfo item, 100 remote domains",
            Box::new(|| serverinfo_item(100)),
        ),
        (
            "serverinfo item, 1,000 remote domains",
            Box::new(|| serverinfo_item(1_000)),
        ),
        (
            "serverinfo item, 150,000 remote domains",
            Box::new(|| serverinfo_item(150_000)),
        ),
        (
            "capture of 100,000 stanzas",
            Box::new(|| Capture::new(100_000).text().to_owned()),
        ),
    ];
    // The bundled samples: small real-shaped inputs, where fixed costs show.
    let samples = concat!(env!("CARGO_MANIFEST_DIR"), "/../xep-cli/samples");
    for name in [
        "disco-info.xml",
        "serverinfo-items.xml",
        "sos-outage-events.xml",
        "sos-status.json",
    ] {
        inputs.push((
            name,
            Box::new(move || std::fs::read_to_string(format!("{samples}/{name}")).expect("sample")),
        ));
    }
    // The sweep: every size from one small stanza up, to show where a fixed cost
    // stops mattering (the interop captures, and mixed captures of 1 to 1,000 stanzas).
    let mut sweep: Vec<(String, Vec<u8>)> = Vec::new();
    if let Some(dir) = std::env::var_os("XEP_SHARED")
        .map(std::path::PathBuf::from)
        .or_else(|| Some(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared").into()))
        .map(|shared| shared.join("interop-samples"))
        .filter(|dir| dir.is_dir())
    {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("a readable directory")
            .map(|e| e.expect("an entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "xml"))
            .collect();
        files.sort();
        for file in files {
            let name = file
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            sweep.push((name, std::fs::read(&file).expect("readable")));
        }
    }
    for n in [1, 3, 10, 30, 100, 300, 1_000] {
        sweep.push((
            format!("capture of {n} stanzas"),
            Capture::new(n).text().into(),
        ));
    }
    for n in [0, 1, 3] {
        sweep.push((
            format!("serverinfo item, {n} remote domains"),
            serverinfo_item(n).into(),
        ));
    }
    // Each kind of stanza of the capture alone.
    for (k, stanza) in Capture::new(8).stanzas().enumerate() {
        sweep.push((format!("capture stanza {k} alone"), stanza.into()));
    }
    // The crawler's input: a <serverinfo/> inside a pubsub event, not at the top.
    for n in [1_000, 10_000] {
        let item = serverinfo_item(n);
        sweep.push((
            format!("serverinfo item of {n} remote domains in a pubsub event"),
            format!(
                "<message xmlns='jabber:client' from='pubsub.example.org' to='crawler@example.net'>\
                 <event xmlns='http://jabber.org/protocol/pubsub#event'><items node='serverinfo'>\
                 <item id='current'>{item}</item></items></event></message>"
            )
            .into(),
        ));
    }
    // Single large stanzas of other kinds: walked as a compact tree, with a minidom
    // tree only of each payload a kind reads.
    let mut outages = String::from(
        "<iq xmlns='jabber:client' type='result' id='r1' from='example.org'>\
         <pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:sos:0'>",
    );
    for i in 0..1_000 {
        outages.push_str(&format!(
            "<item id='2026-11-22T10:{:02}:{:02}Z'><outage xmlns='urn:xmpp:sos:0'>\
             <description xml:lang='en'>Outage number {i} of the IRC gateway</description>\
             <planned>false</planned><expected_end>2026-11-22T11:30:00Z</expected_end>\
             </outage></item>",
            i / 60 % 60,
            i % 60
        ));
    }
    outages.push_str("</items></pubsub></iq>");
    sweep.push((
        "one items result of 1,000 SOS outages".into(),
        outages.into(),
    ));
    let mut features = String::from(
        "<iq xmlns='jabber:client' type='result' id='d1' from='example.org'>\
         <query xmlns='http://jabber.org/protocol/disco#info'>\
         <identity category='server' type='im' name='Example'/>",
    );
    for i in 0..2_000 {
        features.push_str(&format!("<feature var='urn:example:feature:{i}'/>"));
    }
    features.push_str("</query></iq>");
    sweep.push((
        "one disco#info result of 2,000 features".into(),
        features.into(),
    ));
    // A discovery form with a long address list, read by the contact-address kind.
    let mut form = String::from(
        "<iq xmlns='jabber:client' type='result' id='d2' from='example.org'>\
         <query xmlns='http://jabber.org/protocol/disco#info'>\
         <identity category='server' type='im'/><x xmlns='jabber:x:data' type='result'>\
         <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/network/serverinfo</value></field>\
         <field var='admin-addresses' type='list-multi'>",
    );
    for i in 0..2_000 {
        form.push_str(&format!("<value>xmpp:admin{i}@example.org</value>"));
    }
    form.push_str("</field></x></query></iq>");
    sweep.push(("one disco#info form of 2,000 addresses".into(), form.into()));
    // Single large payloads of the other kinds, read through a minidom element.
    let mut outage = String::from(
        "<message xmlns='jabber:client' from='status.example.org'>\
         <event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:sos:0'>\
         <item id='now'><outage xmlns='urn:xmpp:sos:0'>",
    );
    for i in 0..2_000 {
        outage.push_str(&format!(
            "<description xml:lang='x-l{i}'>The IRC gateway is down, language {i}</description>"
        ));
    }
    outage.push_str("<planned>false</planned></outage></item></items></event></message>");
    sweep.push(("one SOS outage of 2,000 descriptions".into(), outage.into()));
    let mut vcard = String::from(
        "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><kind><text>application</text></kind>\
         <fn><text>example.org</text></fn>",
    );
    for i in 0..2_000 {
        vcard.push_str(&format!(
            "<impp><uri>xmpp:admin{i}@example.org</uri></impp>"
        ));
    }
    vcard.push_str("</vcard>");
    sweep.push(("one vCard of 2,000 addresses".into(), vcard.into()));
    let mut cards = String::from("<vcards xmlns='urn:ietf:params:xml:ns:vcard-4.0'>");
    for i in 0..500 {
        cards.push_str(&format!(
            "<vcard><kind><text>application</text></kind><fn><text>server{i}.example</text></fn>\
             <url><uri>https://server{i}.example/</uri></url></vcard>"
        ));
    }
    cards.push_str("</vcards>");
    sweep.push(("one vCard list of 500 cards".into(), cards.into()));
    let mut annotated = String::from(
        "<presence xmlns='jabber:client' from='juliet@capulet.lit/balcony'><show>away</show>\
         <state-annotation xmlns='urn:xmpp:psa' from='montague.net'><server-unavailable/>",
    );
    for i in 0..2_000 {
        annotated.push_str(&format!(
            "<description xml:lang='x-l{i}'>The link to capulet.lit is down, language {i}</description>"
        ));
    }
    annotated.push_str("</state-annotation></presence>");
    sweep.push((
        "one presence annotation of 2,000 descriptions".into(),
        annotated.into(),
    ));
    let mut status = String::from(
        "<message xmlns='jabber:client' from='juliet@capulet.lit'>\
         <event xmlns='http://jabber.org/protocol/pubsub#event'>\
         <items node='http://jabber.org/protocol/status'><item id='current'>\
         <status xmlns='http://jabber.org/protocol/status'>",
    );
    for i in 0..2_000 {
        status.push_str(&format!(
            "<text xml:lang='x-l{i}'>Away, language {i}</text>"
        ));
    }
    status.push_str("</status></item></items></event></message>");
    sweep.push(("one user status of 2,000 texts".into(), status.into()));
    let mut directory = String::from(
        "<iq xmlns='jabber:client' type='result' id='d3' from='directory.example.org'>\
         <query xmlns='http://jabber.org/protocol/disco#info'>\
         <identity category='directory' type='server'/>\
         <feature var='urn:xmpp:server-presence'/><feature var='urn:xmpp:public-server'/>",
    );
    for i in 0..2_000 {
        directory.push_str(&format!("<feature var='urn:example:feature:{i}'/>"));
    }
    directory.push_str("</query></iq>");
    sweep.push((
        "one directory disco#info result of 2,000 features".into(),
        directory.into(),
    ));
    // A status file (JSON) with a message in many languages, as an operator with a
    // translation pipeline might write it.
    for n in [10, 1_000, 10_000] {
        let mut file = String::from(
            "{\n  \"planned\": true,\n  \"beginning\": \"2026-11-22T10:00:00Z\",\n  \
             \"expected_end\": \"2026-11-22T12:00:00Z\",\n  \"message\": {\n    \
             \"default\": \"Database maintenance until noon (UTC).\"",
        );
        for i in 0..n {
            file.push_str(&format!(
                ",\n    \"x-l{i:05}\": \"Wartung der Datenbank bis 12 Uhr (UTC), {i}.\""
            ));
        }
        file.push_str("\n  }\n}\n");
        sweep.push((format!("status file of {n} languages"), file.into()));
    }
    let inputs: Vec<(&str, String)> = inputs
        .into_iter()
        .filter(|(what, _)| filter.is_empty() || filter.iter().any(|f| what.contains(f.as_str())))
        .map(|(what, make)| (what, make()))
        .collect();
    for (what, text) in &inputs {
        let bytes = text.as_bytes();
        let peak = peak_of_inspect(bytes, &registry, &limits);
        report(&format!("xep inspect: {what}"), bytes, peak);
        // With --emit wire: read, and write the input back from the typed values.
        let peak = peak_of(|| inspect(bytes, &registry, &limits).expect("inspects"));
        report(&format!("xep inspect --emit wire: {what}"), bytes, peak);
        if what.ends_with(".json") {
            // A status file: not an input of `serverinfo graph`.
            continue;
        }
        // Baseline: a minidom tree of the same bytes (wrapped in one root, as a
        // capture may hold several top-level elements), what reading one stanza as a
        // tree costs at the least.
        let body = match text.trim_start().strip_prefix("<?xml") {
            Some(rest) => rest.split_once("?>").map_or(rest, |(_, body)| body),
            None => text,
        };
        let wrapped = format!("<capture xmlns='jabber:client'>{body}</capture>");
        let mut parsed = None;
        let peak = peak_of(|| parsed = Some(wrapped.parse::<minidom::Element>().is_ok()));
        if parsed == Some(true) {
            let ratio = peak as f64 / bytes.len() as f64;
            println!("  baseline, a minidom tree of the same bytes: {ratio:.2}x");
        } else {
            println!("  baseline: minidom refuses these bytes (comments or a stream header)");
        }
        let peak = peak_of(|| collect(bytes, &limits).expect("collects"));
        report(&format!("xep serverinfo graph: {what}"), bytes, peak);
    }
    // The sweep: `inspect` (the findings, as the command prints them) by input size,
    // and the fixed cost F in "peak <= 10 x input + F" over all of them.
    let sweep: Vec<_> = sweep
        .into_iter()
        .filter(|(what, _)| {
            filter.is_empty()
                || filter
                    .iter()
                    .any(|f| format!("sweep, {what}").contains(f.as_str()))
        })
        .collect();
    let mut fixed = 0usize;
    let mut wire_fixed = 0usize;
    for (what, bytes) in &sweep {
        if inspect_findings(bytes, &registry, &limits).is_err() {
            println!("sweep: {what}: not a readable input (a capture of a broken stanza)");
            continue;
        }
        let peak = peak_of_inspect(bytes, &registry, &limits);
        report(&format!("sweep, xep inspect: {what}"), bytes, peak);
        fixed = fixed.max(peak.saturating_sub(10 * bytes.len()));
        let peak = peak_of(|| inspect(bytes, &registry, &limits).expect("inspects"));
        report(
            &format!("sweep, xep inspect --emit wire: {what}"),
            bytes,
            peak,
        );
        wire_fixed = wire_fixed.max(peak.saturating_sub(10 * bytes.len()));
    }
    if !sweep.is_empty() {
        println!("sweep: peak <= 10 x input + {fixed} B for every input above");
        println!("sweep: with --emit wire, peak <= 10 x input + {wire_fixed} B");
    }
}
