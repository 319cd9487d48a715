//! Bytes -> a sequence of inputs to the XEP-0310 server tracker.
//!
//! The first 8 bytes seed the tracker's hash tables; each further 3-byte chunk is one
//! input: a session start, a capability change, a presence (available, unavailable,
//! error, subscription, probe) between any two of nine entities, a broadcast, a link
//! down or up, a pause, a resumption or an end. The tracker and the reference model of
//! `xep-psa/tests/model` run side by side: their outputs must agree after every input,
//! nothing annotated may go to an entity that did not ask, and nothing stays annotated
//! after a link comes up. Nothing may panic.

#![no_main]

#[path = "../../xep-psa/tests/model/mod.rs"]
mod model;

use libfuzzer_sys::fuzz_target;
use model::{DOMAINS, ENTITIES, Op, SESSIONS, run};

fuzz_target!(|data: &[u8]| {
    let (seed, rest) = data.split_at(data.len().min(8));
    let mut seed_bytes = [0u8; 8];
    seed_bytes[..seed.len()].copy_from_slice(seed);
    let seed = u64::from_le_bytes(seed_bytes);
    // At most 200 inputs per run, so that runs stay short.
    let ops: Vec<Op> = rest
        .chunks_exact(3)
        .take(200)
        .map(|c| {
            let (a, b) = (usize::from(c[1]), usize::from(c[2]));
            match c[0] % 10 {
                0 => Op::Start(a % SESSIONS, b % 2 == 0),
                1 => Op::Features(a % ENTITIES.len(), b % 2 == 0),
                2 | 3 => Op::Presence(a % ENTITIES.len(), b % ENTITIES.len(), (b / 16 % 5) as u8),
                4 => Op::Broadcast(
                    a % SESSIONS,
                    (0..b % 4)
                        .map(|i| (a / 4 + i * 3 + b) % ENTITIES.len())
                        .collect(),
                ),
                5 => Op::Down(a % DOMAINS.len()),
                6 => Op::Up(a % DOMAINS.len()),
                7 => Op::Pause(a % SESSIONS),
                8 => Op::Resume(a % SESSIONS),
                _ => Op::End(a % SESSIONS),
            }
        })
        .collect();
    if let Err(disagreement) = run(&ops, seed) {
        panic!("{disagreement}");
    }
});
