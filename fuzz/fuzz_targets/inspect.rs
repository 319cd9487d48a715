//! Bytes -> `xep inspect` and the collection of `xep serverinfo graph`, as the commands
//! run them.
//!
//! * neither panics on any input (an XML capture, a JSON status file, or neither);
//! * `inspect_findings` (the default, walking compact trees and reading a nested
//!   `<serverinfo/>` from its text) reports exactly the findings of `inspect` (which
//!   also writes the input back), or the same error;
//! * a claim or context kind that does not want an element (decided on the compact
//!   tree, so that no minidom tree is built for it) finds nothing in it;
//! * what `--emit wire` writes reads again, with no error;
//! * every kind that reads from the compact tree reads what it reads from the minidom
//!   element (findings and the element written back).

#![no_main]

use libfuzzer_sys::fuzz_target;
use xep_cli::graph_cmd::collect;
use xep_cli::inspect::{Format, inspect, inspect_findings};
use xep_cli::registry::{Registry, compare_tree_readings};
use xep_core::xml::{ItemReader, Limits, Piece};

fuzz_target!(|data: &[u8]| {
    let registry = Registry::default();
    let limits = Limits::default().with_max_bytes(1 << 16);
    let full = inspect(data, &registry, &limits);
    let quick = inspect_findings(data, &registry, &limits);
    match (&full, &quick) {
        (Ok(full), Ok(quick)) => assert_eq!(full.findings, quick.findings),
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("one reading failed and the other did not: {full:?}\n{quick:?}"),
    }
    let _ = collect(data, &limits);
    let Ok(full) = full else {
        return;
    };
    // The input written back reads again (it may be longer: escapes, declarations).
    if let Err(e) = inspect(full.wire.as_bytes(), &registry, &Limits::default()) {
        panic!("the written input does not read again: {e}\n{}", full.wire);
    }
    if full.format != Format::Xml {
        return;
    }
    if let Err(e) = compare_tree_readings(data, &registry) {
        panic!("a tree reading differs from the element reading: {e}");
    }
    let mut reader = ItemReader::new(data, &limits).compact();
    while let Some(Ok(piece)) = reader.next_piece() {
        let Piece::Tree(item) = piece else {
            continue;
        };
        let root = item.tree.root();
        for kind in &registry.context_kinds {
            if !(kind.wants)(root) {
                assert!(
                    (kind.read)(&root.to_element()).is_empty(),
                    "context kind {} reads what it does not want",
                    kind.kind
                );
            }
        }
        for element in root.descendants() {
            for kind in &registry.claim_kinds {
                if element.is(kind.name, kind.namespace) && !(kind.wants)(element) {
                    assert!(
                        (kind.read)(&element.to_element()).is_none(),
                        "claim kind {} reads what it does not want",
                        kind.kind
                    );
                }
            }
        }
    }
});
