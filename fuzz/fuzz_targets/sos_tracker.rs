//! Structured bytes -> a long sequence of inputs to the client lifecycle machine.
//!
//! The input is decoded with `arbitrary::Unstructured`, one input at a time, each
//! taking only the bytes it needs: an outage or an end published by the server or by
//! another entity, a retraction, a clock tick, a status file body (chosen or raw
//! bytes), a disco#info result, or the server going down or up; up to 4,096 inputs a
//! run, over two days of minutes. After each of the first 64 inputs, then every
//! 64th and after the last, the events are drained and the view is checked against a
//! small model: what is shown as upcoming or ongoing is
//! exactly the set of the server's outages with no end at or after them, and nothing
//! another entity sent is ever shown. Nothing may panic.
//!
//! Speed (issue 9: the first version ran at about 400 executions a second and its
//! inputs never grew past 71 bytes): stanzas are parsed once per (kind, minute) and
//! kept for later runs, timestamps are computed rather than formatted and parsed, the
//! model check is linear in the number of outages, and long runs are checked every 64
//! inputs.

#![no_main]

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use minidom::Element;
use xep_sos::Timestamp;
use xep_sos::tracker::{Config, OutageKey, OutageTracker};
use xmpp_parsers::disco::DiscoInfoResult;
use xmpp_parsers::message::Message;

const SERVER: &str = "example.org";
const OUTAGE: &str = "<outage xmlns='urn:xmpp:sos:0'><description xml:lang='en'>down</description><planned>false</planned></outage>";
const END: &str =
    "<outage-end xmlns='urn:xmpp:sos:0'><description>fixed</description></outage-end>";

/// Minutes in the simulated period (two days): item ids collide often enough that the
/// machine sees replacements, and the stanza cache stays small (a thirty-day period
/// made the cache, not the machine, the cost of a run).
const MINUTES: u32 = 2 * 24 * 60;
/// Most inputs read from one run.
const MAX_STEPS: usize = 4096;

/// Minute `m` of the period, as a timestamp.
fn minute(m: u32) -> Timestamp {
    // 2026-11-01T00:00:00Z, computed rather than parsed on every call.
    const START: i64 = 1_793_491_200;
    let seconds = START + 60 * i64::from(m % MINUTES);
    Timestamp::from_utc(chrono::DateTime::from_timestamp(seconds, 0).expect("in range"))
}

fn message(from: &str, items: &str) -> Message {
    let xml = format!(
        "<message xmlns='jabber:client' from='{from}' type='headline'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:sos:0'>{items}</items></event></message>"
    );
    Message::try_from(xml.parse::<Element>().expect("well-formed")).expect("a message")
}

/// What a cached stanza is.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Outage,
    Foreign,
    End,
    Retract,
}

thread_local! {
    /// Stanzas already parsed, kept across runs: parsing dominated the old target.
    static MESSAGES: RefCell<HashMap<(Kind, u32), Message>> = RefCell::new(HashMap::new());
    static DISCO: RefCell<HashMap<u8, DiscoInfoResult>> = RefCell::new(HashMap::new());
}

fn cached_message(kind: Kind, slot: u32) -> Message {
    MESSAGES.with(|m| {
        m.borrow_mut()
            .entry((kind, slot))
            .or_insert_with(|| {
                let at = minute(slot);
                match kind {
                    Kind::Outage => message(SERVER, &format!("<item id='{at}'>{OUTAGE}</item>")),
                    Kind::Foreign => {
                        message("evil.example", &format!("<item id='{at}'>{OUTAGE}</item>"))
                    }
                    Kind::End => message(SERVER, &format!("<item id='{at}'>{END}</item>")),
                    Kind::Retract => message(SERVER, &format!("<retract id='{at}'/>")),
                }
            })
            .clone()
    })
}

fn cached_disco(arg: u8) -> DiscoInfoResult {
    DISCO.with(|d| {
        d.borrow_mut()
            .entry(arg)
            .or_insert_with(|| {
                let info = format!(
                    "<query xmlns='http://jabber.org/protocol/disco#info'><x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE'><value>urn:xmpp:sos:0</value></field><field var='external-status-addresses'><value>https://s{arg}.example/</value></field></x></query>"
                );
                info.parse::<Element>().unwrap().try_into().unwrap()
            })
            .clone()
    })
}

/// The machine and the model it is checked against.
struct Run {
    clock: u32,
    tracker: OutageTracker,
    outages: BTreeSet<Timestamp>,
    ends: BTreeSet<Timestamp>,
    foreign: BTreeSet<Timestamp>,
}

impl Run {
    /// Reads one input from `u` and feeds it to the machine.
    fn step(&mut self, u: &mut Unstructured<'_>) -> Result<()> {
        let now = minute(self.clock).to_utc();
        match u.int_in_range(0u8..=8)? {
            0 => {
                let slot = u.int_in_range(0..=MINUTES - 1)?;
                let at = minute(slot);
                self.tracker
                    .handle_message(now, &cached_message(Kind::Outage, slot));
                self.ends.remove(&at);
                self.outages.insert(at);
                self.foreign.remove(&at);
            }
            1 => {
                let slot = u.int_in_range(0..=MINUTES - 1)?;
                let at = minute(slot);
                self.tracker
                    .handle_message(now, &cached_message(Kind::Foreign, slot));
                if !self.outages.contains(&at) {
                    self.foreign.insert(at);
                }
            }
            2 => {
                let slot = u.int_in_range(0..=MINUTES - 1)?;
                let at = minute(slot);
                self.tracker
                    .handle_message(now, &cached_message(Kind::End, slot));
                self.outages.remove(&at);
                self.ends.insert(at);
            }
            3 => {
                let slot = u.int_in_range(0..=MINUTES - 1)?;
                let at = minute(slot);
                self.tracker
                    .handle_message(now, &cached_message(Kind::Retract, slot));
                self.outages.remove(&at);
                self.ends.remove(&at);
            }
            4 => {
                let ticks = u32::from(u.arbitrary::<u8>()?);
                self.clock = (self.clock + ticks).min(MINUTES - 1);
                self.tracker.handle_timeout(minute(self.clock).to_utc());
            }
            5 => {
                let at = minute(u.int_in_range(0..=MINUTES - 1)?);
                let body = match u.int_in_range(0u8..=3)? {
                    0 => "{}".to_owned(),
                    1 => {
                        format!("{{\"beginning\": \"{at}\", \"message\": {{\"default\": \"x\"}}}}")
                    }
                    2 => format!("{{\"beginning\": \"{at}\", \"expected_end\": \"soon\"}}"),
                    _ => {
                        let len = u.int_in_range(0usize..=64)?;
                        String::from_utf8_lossy(u.bytes(len)?).into_owned()
                    }
                };
                let fetched = minute(self.clock + u32::from(u.arbitrary::<u8>()?)).to_utc();
                self.tracker
                    .handle_status_file(now, fetched, "https://s.example/s.json", &body);
            }
            6 => {
                let info = cached_disco(u.arbitrary()?);
                self.tracker
                    .handle_disco_info(now, &SERVER.parse().unwrap(), &info);
            }
            7 => self.tracker.handle_server_unreachable(now),
            _ => self.tracker.handle_server_reachable(now),
        }
        Ok(())
    }

    /// Drains the events and checks the view against the model.
    fn check(&mut self) {
        while self.tracker.poll_event().is_some() {}
        let view = self.tracker.view();
        let open: BTreeSet<Timestamp> = view
            .upcoming
            .iter()
            .chain(&view.ongoing)
            .filter_map(|s| match &s.key {
                OutageKey::InBand(id) => Some(id.at),
                OutageKey::File(_) => None,
            })
            .collect();
        // "No end at or after it" = after the latest end.
        let last_end = self.ends.last();
        let expected: BTreeSet<Timestamp> = self
            .outages
            .iter()
            .filter(|o| last_end.is_none_or(|e| *o > e))
            .copied()
            .collect();
        assert_eq!(open, expected, "view differs from the model");
        assert!(
            view.ongoing
                .windows(2)
                .all(|w| w[0].beginning <= w[1].beginning)
                && view
                    .upcoming
                    .windows(2)
                    .all(|w| w[0].beginning <= w[1].beginning),
            "the view is oldest (soonest) first"
        );
        let shown: BTreeSet<Timestamp> = view
            .keys()
            .filter_map(|k| match k {
                OutageKey::InBand(id) => Some(id.at),
                OutageKey::File(_) => None,
            })
            .collect();
        for f in &self.foreign {
            assert!(!shown.contains(f), "a foreign outage is shown");
        }
        // A deadline in the past would be fired by the next timeout, never lost.
        let _ = self.tracker.poll_timeout();
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let mut run = Run {
        clock: 0,
        tracker: OutageTracker::new(Config::new(SERVER.parse().unwrap()), minute(0).to_utc()),
        outages: BTreeSet::new(),
        ends: BTreeSet::new(),
        foreign: BTreeSet::new(),
    };
    // The view is checked after each of the first 64 inputs, then after every 64th
    // and after the last: checking after every one of 4,096 made a run quadratic.
    let mut steps = 0;
    while steps < MAX_STEPS && !u.is_empty() && run.step(&mut u).is_ok() {
        steps += 1;
        if steps <= 64 || steps % 64 == 0 {
            run.check();
        }
    }
    run.check();
});
