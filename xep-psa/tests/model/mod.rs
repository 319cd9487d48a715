//! The reference model of the server tracker, shared by the property test
//! (`tests/server_model.rs`) and the fuzz target `psa_tracker`: a sequence of
//! operations is run through the tracker and the model side by side, and every
//! output is compared.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use jid::{BareJid, FullJid, Jid};
use xep_core::time::Time;
use xep_psa::Condition;
use xep_psa::presence::read_annotation;
use xep_psa::server::{Config, Tracker};
use xmpp_parsers::presence::{Presence, Type};

pub(crate) const ENTITIES: [&str; 9] = [
    "l0@montague.lit/a",
    "l1@montague.lit/b",
    "l2@montague.lit/c",
    "r0@d0.lit/x",
    "r1@d1.lit/y",
    "r2@d0.lit/z",
    "r3@d1.lit/w",
    "b0@d0.lit",
    "b1@d1.lit",
];
pub(crate) const SESSIONS: usize = 3;
pub(crate) const DOMAINS: [&str; 2] = ["d0.lit", "d1.lit"];

#[derive(Debug, Clone)]
pub(crate) enum Op {
    Start(usize, bool),
    Features(usize, bool),
    /// from, to, kind: 0 available, 1 unavailable, 2 error, 3 subscribe, 4 probe
    Presence(usize, usize, u8),
    Broadcast(usize, Vec<usize>),
    Down(usize),
    Up(usize),
    Pause(usize),
    Resume(usize),
    End(usize),
}

/// What went out, in a comparable form: (to, from, what, status).
type Out = (String, String, String, String);

#[derive(Default)]
struct Model {
    local: BTreeSet<usize>,
    psa: BTreeSet<usize>,
    paused: BTreeSet<usize>,
    down: BTreeSet<usize>,
    /// (sender, recipient) -> (status, annotated)
    held: BTreeMap<(usize, usize), (String, bool)>,
}

fn domain_of(e: usize) -> &'static str {
    ENTITIES[e]
        .split('@')
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
}

fn is_full(e: usize) -> bool {
    ENTITIES[e].contains('/')
}

impl Model {
    fn remote_domain(&self, s: usize) -> Option<usize> {
        if self.local.contains(&s) {
            return None;
        }
        DOMAINS.iter().position(|d| *d == domain_of(s))
    }

    fn features(&mut self, e: usize, psa: bool) {
        if psa {
            self.psa.insert(e);
        } else if self.psa.remove(&e) {
            let local = self.local.clone();
            self.held.retain(|(s, r), _| *r != e || local.contains(s));
        }
    }

    fn available(&mut self, s: usize, r: usize, status: &str, out: &mut Vec<Out>) {
        if s == r {
            return;
        }
        let sender_local = self.local.contains(&s);
        if !sender_local
            && (domain_of(s) == "montague.lit"
                || !is_full(s)
                || !self.local.contains(&r)
                || !self.psa.contains(&r))
        {
            return;
        }
        self.held.insert((s, r), (status.to_owned(), false));
        let condition = if sender_local {
            self.paused.contains(&s).then_some("connection-paused")
        } else {
            let d = self.remote_domain(s).unwrap();
            self.down.contains(&d).then_some("server-unavailable")
        };
        if let Some(c) = condition
            && self.psa.contains(&r)
        {
            self.held.get_mut(&(s, r)).unwrap().1 = true;
            out.push(out_of(r, s, c, status));
        }
    }

    fn apply(&mut self, op: &Op, n: usize, out: &mut Vec<Out>) {
        match *op {
            Op::Start(i, psa) => {
                self.local.insert(i);
                self.features(i, psa);
            }
            Op::Features(e, psa) => self.features(e, psa),
            Op::Presence(s, r, kind) => match kind {
                0 => self.available(s, r, &format!("s{n}"), out),
                1 | 2 => {
                    self.held.remove(&(s, r));
                }
                _ => {}
            },
            Op::Broadcast(s, ref rs) => {
                for &r in rs {
                    self.available(s, r, &format!("s{n}"), out);
                }
            }
            Op::Down(d) => {
                if self.down.insert(d) {
                    self.mark(
                        |m, s| m.remote_domain(s) == Some(d),
                        false,
                        "server-unavailable",
                        out,
                    );
                }
            }
            Op::Up(d) => {
                if self.down.remove(&d) {
                    let before = out.len();
                    self.mark(|m, s| m.remote_domain(s) == Some(d), true, "", out);
                    let mut probes = BTreeSet::new();
                    for o in &out[before..] {
                        let to = o.0.split('/').next().unwrap().to_owned();
                        let from = o.1.split('/').next().unwrap().to_owned();
                        probes.insert((from, to));
                    }
                    for (to, from) in probes {
                        out.push((to, from, "probe".into(), String::new()));
                    }
                }
            }
            Op::Pause(s) => {
                if self.local.contains(&s) && self.paused.insert(s) {
                    self.mark(|_, x| x == s, false, "connection-paused", out);
                }
            }
            Op::Resume(s) => {
                if self.local.contains(&s) && self.paused.remove(&s) {
                    self.mark(|_, x| x == s, true, "", out);
                }
            }
            Op::End(s) => {
                if !self.local.contains(&s) {
                    return;
                }
                let keys: Vec<_> = self.held.keys().copied().collect();
                for (x, r) in keys {
                    if x == s {
                        out.push((
                            ENTITIES[r].into(),
                            ENTITIES[s].into(),
                            "unavailable".into(),
                            String::new(),
                        ));
                        self.held.remove(&(x, r));
                    } else if r == s {
                        self.held.remove(&(x, r));
                    }
                }
                self.local.remove(&s);
                self.psa.remove(&s);
                self.paused.remove(&s);
            }
        }
    }

    /// Annotates (`annotated` false -> true, with `condition`) or clears (true ->
    /// false) every held pair of a matching sender whose recipient requests PSA.
    fn mark(
        &mut self,
        sender: impl Fn(&Self, usize) -> bool,
        annotated: bool,
        condition: &str,
        out: &mut Vec<Out>,
    ) {
        let keys: Vec<_> = self.held.keys().copied().collect();
        for (s, r) in keys {
            if !sender(self, s) || !self.psa.contains(&r) {
                continue;
            }
            let held = self.held.get_mut(&(s, r)).unwrap();
            if held.1 == annotated {
                held.1 = !annotated;
                let what = if annotated { "cleared" } else { condition };
                out.push(out_of(r, s, what, &held.0.clone()));
            }
        }
    }
}

fn out_of(r: usize, s: usize, what: &str, status: &str) -> Out {
    (
        ENTITIES[r].into(),
        ENTITIES[s].into(),
        what.into(),
        status.into(),
    )
}

fn describe(p: &Presence) -> Out {
    let what = match p.type_ {
        Type::Unavailable => "unavailable".to_owned(),
        Type::Probe => "probe".to_owned(),
        _ => {
            let a = read_annotation(p).expect("an annotated copy").value;
            assert_eq!(a.from, Some("montague.lit".parse().unwrap()));
            match a.condition {
                None => "cleared".to_owned(),
                Some(Condition::ServerUnavailable) => "server-unavailable".to_owned(),
                Some(Condition::ConnectionPaused) => "connection-paused".to_owned(),
                Some(c) => panic!("unexpected condition {c:?}"),
            }
        }
    };
    let status = p.statuses.values().next().cloned().unwrap_or_default();
    (
        p.to.as_ref().unwrap().to_string(),
        p.from.as_ref().unwrap().to_string(),
        what,
        status,
    )
}

fn jid(e: usize) -> Jid {
    ENTITIES[e].parse().unwrap()
}

fn full(e: usize) -> FullJid {
    ENTITIES[e].parse().unwrap()
}

fn presence(s: usize, r: usize, kind: u8, n: usize) -> Presence {
    let mut p = Presence::new(match kind {
        0 => Type::None,
        1 => Type::Unavailable,
        2 => Type::Error,
        3 => Type::Subscribe,
        _ => Type::Probe,
    })
    .with_from(jid(s))
    .with_to(jid(r));
    if kind == 0 {
        p.set_status("", format!("s{n}"));
    }
    p
}

/// Runs `ops` through a tracker and the model; the first disagreement, if any.
pub(crate) fn run(ops: &[Op], seed: u64) -> Result<(), String> {
    let now: Time = "2026-11-30T10:00:00Z".parse().unwrap();
    let config = Config::new("montague.lit".parse().unwrap())
        .with_probes(true)
        .with_hash_seed(seed);
    let mut tracker = Tracker::new(config, now);
    let mut model = Model::default();
    // (recipient, sender) pairs shown stale by what the tracker sent.
    let mut stale: BTreeSet<(String, String)> = BTreeSet::new();
    for (n, op) in ops.iter().enumerate() {
        match op {
            Op::Start(i, psa) => tracker.handle_session_start(now, full(*i), *psa),
            Op::Features(e, psa) => tracker.handle_features(now, jid(*e), *psa),
            Op::Presence(s, r, k) => tracker.handle_presence(now, &presence(*s, *r, *k, n)),
            Op::Broadcast(s, rs) => {
                let mut p = presence(*s, *s, 0, n);
                p.to = None;
                let rs: Vec<Jid> = rs.iter().map(|r| jid(*r)).collect();
                tracker.handle_broadcast(now, &p, &rs);
            }
            Op::Down(d) => tracker.handle_link_down(now, &DOMAINS[*d].parse::<BareJid>().unwrap()),
            Op::Up(d) => tracker.handle_link_up(now, &DOMAINS[*d].parse::<BareJid>().unwrap()),
            Op::Pause(s) => tracker.handle_session_paused(now, &full(*s)),
            Op::Resume(s) => tracker.handle_session_resumed(now, &full(*s)),
            Op::End(s) => tracker.handle_session_end(now, &full(*s)),
        }
        // What a recipient shows of a sender is replaced by the next presence between
        // them (delivered as is, or annotated below if the sender is still cut off),
        // and forgotten with the recipient's session.
        match op {
            Op::Presence(s, r, _) => {
                stale.remove(&(ENTITIES[*r].to_owned(), ENTITIES[*s].to_owned()));
            }
            Op::Broadcast(s, rs) => {
                for r in rs {
                    stale.remove(&(ENTITIES[*r].to_owned(), ENTITIES[*s].to_owned()));
                }
            }
            Op::End(r) => stale.retain(|(to, _)| to != ENTITIES[*r]),
            _ => {}
        }
        let psa_before: BTreeSet<usize> = model.psa.clone();
        let mut expected = Vec::new();
        model.apply(op, n, &mut expected);
        let mut got: Vec<Out> = std::iter::from_fn(|| tracker.poll_transmit())
            .map(|p| describe(&p))
            .collect();
        for o in &got {
            match o.2.as_str() {
                "probe" | "unavailable" => {}
                what => {
                    // Nothing annotated ever goes to an entity that did not ask.
                    let r = ENTITIES.iter().position(|e| *e == o.0).unwrap();
                    if !(model.psa.contains(&r) || psa_before.contains(&r)) {
                        return Err(format!("{what} sent to {} which did not request PSA", o.0));
                    }
                    if what == "cleared" {
                        stale.remove(&(o.0.clone(), o.1.clone()));
                    } else {
                        stale.insert((o.0.clone(), o.1.clone()));
                    }
                }
            }
            if o.2 == "unavailable" {
                stale.remove(&(o.0.clone(), o.1.clone()));
            }
        }
        if let Op::Up(d) = op {
            // After link up nothing from that domain stays annotated for a recipient
            // that still holds it and asks for PSA.
            for (r, s) in &stale {
                let si = ENTITIES.iter().position(|e| e == s).unwrap();
                let ri = ENTITIES.iter().position(|e| e == r).unwrap();
                if domain_of(si) == DOMAINS[*d]
                    && model.held.contains_key(&(si, ri))
                    && model.psa.contains(&ri)
                {
                    return Err(format!("{s} still annotated for {r}"));
                }
            }
        }
        got.sort();
        expected.sort();
        if got != expected {
            return Err(format!(
                "after step {n} {op:?}: sent {got:?}, model {expected:?}"
            ));
        }
        if tracker.pairs() != model.held.len() {
            return Err(format!(
                "after step {n} {op:?}: {} pairs, model {}",
                tracker.pairs(),
                model.held.len()
            ));
        }
    }
    Ok(())
}
