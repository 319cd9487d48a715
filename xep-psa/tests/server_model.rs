//! The server tracker against a small reference model (`tests/model`): for any
//! sequence of presences, capability changes and link/session events, it sends what
//! the model sends; after a link comes up nothing from that domain stays annotated;
//! nothing ever goes to an entity that did not request PSA.

mod model;

use model::{DOMAINS, ENTITIES, Op, SESSIONS, run};
use proptest::prelude::*;

fn op() -> impl Strategy<Value = Op> {
    let e = 0..ENTITIES.len();
    let s = 0..SESSIONS;
    prop_oneof![
        1 => (s.clone(), any::<bool>()).prop_map(|(i, p)| Op::Start(i, p)),
        1 => (e.clone(), any::<bool>()).prop_map(|(i, p)| Op::Features(i, p)),
        4 => (e.clone(), e.clone(), prop_oneof![4 => Just(0u8), 1 => 1u8..5]).prop_map(|(a, b, k)| Op::Presence(a, b, k)),
        1 => (s.clone(), proptest::collection::vec(e.clone(), 0..4)).prop_map(|(a, b)| Op::Broadcast(a, b)),
        2 => (0..DOMAINS.len()).prop_map(Op::Down),
        2 => (0..DOMAINS.len()).prop_map(Op::Up),
        1 => s.clone().prop_map(Op::Pause),
        1 => s.clone().prop_map(Op::Resume),
        1 => s.prop_map(Op::End),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn tracker_agrees_with_the_model(ops in proptest::collection::vec(op(), 0..60), seed in any::<u64>()) {
        run(&ops, seed).map_err(TestCaseError::fail)?;
    }
}

/// Found by the CI fuzz run (`fuzz/known-crashes/psa_tracker-crash-b4c56837`, reduced):
/// the harness kept a recipient's stale view across the end of its session and a fresh
/// unannotated presence, and called the tracker wrong after the next link up. The
/// tracker was right; this pins the harness.
#[test]
fn stale_view_ends_with_the_session_and_a_fresh_presence() {
    let ops = [
        Op::Start(0, true),
        Op::Presence(3, 0, 0),
        Op::Down(0),
        Op::End(0),
        Op::Up(0),
        Op::Start(0, true),
        Op::Presence(3, 0, 0),
        Op::Up(0),
    ];
    run(&ops, 936_850_977_141_555_776).unwrap();
    // A fresh presence while the link is still down is annotated again, and the next
    // link up clears it: the invariant still bites when it should.
    let ops = [
        Op::Start(0, true),
        Op::Down(0),
        Op::Presence(3, 0, 0),
        Op::Presence(3, 0, 0),
        Op::Up(0),
    ];
    run(&ops, 1).unwrap();
}
