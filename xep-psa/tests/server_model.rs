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
