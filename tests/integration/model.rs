//! The model test over the whole API: random operation sequences of the shared language
//! in `tests/ops.rs` (frames, guards of two allocators, explicit and scoped allocations
//! of random size and alignment, `FrameVec` growth, pools across threads, heap, tags,
//! budgets under both policies, transfer handles, task frames), checked after every step
//! by `framealloc_tests::ops::run`. Successor of the frame-only model after bumpalo's
//! quickchecks, whose operations it contains.
//!
//! Case count: `FRAMEALLOC_MODEL_CASES` (default 32); `scripts/model-long` runs a long
//! session. Under Miri a step costs ~2 s (the `stats()` checks), so the CI Miri step
//! skips this file; `scripts/model-long --miri` runs the fixed sequence and one random
//! case under Miri.

use framealloc_tests::ops::{OP_BYTES, Op, run};
use proptest::prelude::*;

fn cases() -> u32 {
    if cfg!(miri) {
        return 1;
    }
    std::env::var("FRAMEALLOC_MODEL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32)
}

/// Operations decoded from random records (shrinking works on the records; a failure
/// prints the decoded operations).
fn ops() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(
        any::<[u8; OP_BYTES]>(),
        1..if cfg!(miri) { 30 } else { 300 },
    )
    .prop_map(|records| records.into_iter().map(Op::decode).collect())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    #[cfg_attr(miri, ignore = "~2 s per step under Miri: scripts/model-long --miri")]
    fn whole_api_model(ops in ops()) {
        run(&ops);
    }
}

/// A fixed sequence touching every operation once, so each runs even when random
/// sequences miss one (and under Miri, where the random cases are few).
#[test]
#[cfg_attr(miri, ignore = "~2 s per step under Miri: scripts/model-long --miri")]
fn every_operation_in_one_sequence() {
    let mut ops = Vec::new();
    for opcode in 0..30u8 {
        for a in 0..2u8 {
            // Frames open on both allocators first, so frame operations succeed.
            ops.push(Op::decode([0, a, 0, 0, 0, 0, 0, 0]));
            ops.push(Op::decode([2, a, 0, 0, 0, 0, 0, 0]));
            ops.push(Op::decode([opcode, a | 2, 1, 0, opcode, 7, 40, opcode]));
        }
    }
    run(&ops);
}

/// The sequence the random model found in session 10 (shrunk by hand): a tag over its
/// budget through frame bytes, then an empty heap vector, which takes nothing and must
/// not be refused.
#[test]
#[cfg_attr(miri, ignore = "~2 s per step under Miri: scripts/model-long --miri")]
fn an_empty_heap_vector_under_an_exceeded_tag_budget() {
    use framealloc_tests::ops::Shape;
    run(&[
        Op::PushTag { tag: 2 },
        Op::OpenGuard { a: 1 },
        Op::Scoped {
            a: 1,
            shape: Shape::A4096,
            len: 32,
        },
        Op::TagBudget {
            a: 1,
            tag: 2,
            budget: 2,
        },
        Op::HeapVec { a: 1, n: 0 },
    ]);
}

/// `Error`: "a call that fails leaves the allocator's state unchanged"; `KindStats::
/// allocations` of `Kind::Frame` counts explicit frame handles. A `try_` call refused
/// inside a frame still counts as an allocation (the hold it took before failing is
/// counted by a monotonic counter).
#[test]
#[cfg(not(feature = "minimal"))]
fn failed_frame_calls_are_not_allocations() {
    use framealloc::{Error, Kind, SmartAlloc};
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    assert_eq!(
        alloc.try_frame_slice::<u64>(usize::MAX / 4).err(),
        Some(Error::CapacityOverflow)
    );
    alloc.end_frame();
    let allocations = alloc
        .stats()
        .tag(framealloc::UNTAGGED)
        .map_or(0, |t| t.kind(Kind::Frame).allocations);
    assert_eq!(allocations, 0, "a failed call counted as an allocation");
}
