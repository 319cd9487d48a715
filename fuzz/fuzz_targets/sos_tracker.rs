//! Bytes -> a sequence of inputs to the client lifecycle machine.
//!
//! Each 3-byte chunk is one input: an outage or an end published by the server or by
//! another entity, a retraction, a clock tick, a status file body, a disco#info result,
//! or the server going down or up. After every input the events are drained and the
//! view is checked against a small model: what is shown as upcoming or ongoing is
//! exactly the set of the server's outages with no end at or after them, and nothing
//! another entity sent is ever shown. Nothing may panic.

#![no_main]

use std::collections::BTreeSet;

use libfuzzer_sys::fuzz_target;
use minidom::Element;
use xep_sos::Timestamp;
use xep_sos::tracker::{Config, OutageKey, OutageTracker};
use xmpp_parsers::message::Message;

const SERVER: &str = "example.org";
const OUTAGE: &str = "<outage xmlns='urn:xmpp:sos:0'><description xml:lang='en'>down</description><planned>false</planned></outage>";
const END: &str =
    "<outage-end xmlns='urn:xmpp:sos:0'><description>fixed</description></outage-end>";

/// Minute `m` (0..2880) of two days, as a timestamp.
fn minute(m: u32) -> Timestamp {
    let m = m % 2880;
    Timestamp::parse(&format!(
        "2026-11-{:02}T{:02}:{:02}:00Z",
        22 + m / 1440,
        (m % 1440) / 60,
        m % 60
    ))
    .expect("a valid timestamp")
}

fn message(from: &str, items: &str) -> Message {
    let xml = format!(
        "<message xmlns='jabber:client' from='{from}' type='headline'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:sos:0'>{items}</items></event></message>"
    );
    Message::try_from(xml.parse::<Element>().expect("well-formed")).expect("a message")
}

fuzz_target!(|data: &[u8]| {
    let mut clock = 0u32;
    let mut now = minute(clock).to_utc();
    let mut tracker = OutageTracker::new(Config::new(SERVER.parse().unwrap()), now);
    let mut outages: BTreeSet<Timestamp> = BTreeSet::new();
    let mut ends: BTreeSet<Timestamp> = BTreeSet::new();
    let mut foreign: BTreeSet<Timestamp> = BTreeSet::new();
    // At most 256 inputs per run, so that runs stay short.
    for chunk in data.chunks_exact(3).take(256) {
        let (op, slot, arg) = (chunk[0] % 9, u32::from(chunk[1]) * 10, chunk[2]);
        let at = minute(slot);
        match op {
            0 | 1 => {
                let item = format!("<item id='{at}'>{OUTAGE}</item>");
                if op == 0 {
                    tracker.handle_message(now, &message(SERVER, &item));
                    ends.remove(&at);
                    outages.insert(at);
                    foreign.remove(&at);
                } else {
                    tracker.handle_message(now, &message("evil.example", &item));
                    if !outages.contains(&at) {
                        foreign.insert(at);
                    }
                }
            }
            2 => {
                let item = format!("<item id='{at}'>{END}</item>");
                tracker.handle_message(now, &message(SERVER, &item));
                outages.remove(&at);
                ends.insert(at);
            }
            3 => {
                tracker.handle_message(now, &message(SERVER, &format!("<retract id='{at}'/>")));
                outages.remove(&at);
                ends.remove(&at);
            }
            4 => {
                clock += u32::from(arg);
                now = minute(clock.min(2879)).to_utc();
                tracker.handle_timeout(now);
            }
            5 => {
                let body = match arg % 4 {
                    0 => "{}".to_owned(),
                    1 => {
                        format!("{{\"beginning\": \"{at}\", \"message\": {{\"default\": \"x\"}}}}")
                    }
                    2 => format!("{{\"beginning\": \"{at}\", \"expected_end\": \"soon\"}}"),
                    _ => String::from_utf8_lossy(&data[..data.len().min(32)]).into_owned(),
                };
                let fetched = minute(clock + u32::from(arg)).to_utc();
                // Two mirrors of one file.
                let url = ["https://s0.example/s.json", "https://s1.example/s.json"][usize::from(arg % 2)];
                tracker.handle_status_file(now, fetched, url, &body);
            }
            6 => {
                // The root node's result or another node's, as the raw element.
                let node = if arg % 3 == 0 { " node='http://jabber.org/protocol/commands'" } else { "" };
                let info = format!(
                    "<query xmlns='http://jabber.org/protocol/disco#info'{node}><x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE'><value>urn:xmpp:sos:0</value></field><field var='external-status-addresses'><value>https://s{}.example/s.json</value></field></x></query>",
                    arg % 2
                );
                let info = info.parse::<Element>().unwrap();
                tracker.handle_disco_info_element(now, &SERVER.parse().unwrap(), &info);
            }
            7 => tracker.handle_server_unreachable(now),
            _ => tracker.handle_server_reachable(now),
        }
        while tracker.poll_event().is_some() {}
        let view = tracker.view();
        let open: BTreeSet<Timestamp> = view
            .upcoming
            .iter()
            .chain(&view.ongoing)
            .filter_map(|s| match &s.key {
                OutageKey::InBand(id) => Some(id.at),
                OutageKey::File(_) => None,
            })
            .collect();
        let expected: BTreeSet<Timestamp> = outages
            .iter()
            .filter(|o| !ends.iter().any(|e| e >= *o))
            .copied()
            .collect();
        assert_eq!(open, expected, "view differs from the model");
        assert!(
            view.ongoing.windows(2).all(|w| w[0].beginning <= w[1].beginning)
                && view.upcoming.windows(2).all(|w| w[0].beginning <= w[1].beginning),
            "the view is oldest (soonest) first"
        );
        for f in &foreign {
            assert!(
                view.keys().all(|k| !matches!(&k, OutageKey::InBand(id) if id.at == *f)),
                "a foreign outage is shown"
            );
        }
        if let Some(deadline) = tracker.poll_timeout() {
            // A deadline in the past would be fired by the next timeout, never lost.
            let _ = deadline;
        }
    }
});
