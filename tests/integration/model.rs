//! A proptest model of the frame API, after bumpalo's quickchecks: random sequences of
//! begin/end, guard open/close, explicit allocations of random size and alignment, drops
//! and guard allocations, checked after every step for contents, non-overlap, alignment,
//! the open-frame state and the live-handle count.

use framealloc::{Error, Frame, FrameBox, SmartAlloc};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Begin,
    End,
    OpenGuard,
    CloseGuard,
    /// `frame_slice::<u64>(len)` filled with a pattern.
    Slice(usize),
    /// A 4096-aligned value.
    Aligned,
    /// Drop the live handle at this index (modulo the count).
    Drop(usize),
    /// Allocate through the innermost guard, check, let it go.
    GuardAlloc(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::Begin),
        2 => Just(Op::End),
        1 => Just(Op::OpenGuard),
        1 => Just(Op::CloseGuard),
        4 => (0usize..200).prop_map(Op::Slice),
        1 => Just(Op::Aligned),
        3 => any::<usize>().prop_map(Op::Drop),
        2 => (1usize..64).prop_map(Op::GuardAlloc),
    ]
}

#[repr(align(4096))]
#[derive(Default)]
struct Aligned([u64; 4]);

enum Handle<'a> {
    Slice(FrameBox<'a, [u64]>, u64),
    Aligned(FrameBox<'a, Aligned>, u64),
}

impl Handle<'_> {
    fn range(&self) -> (usize, usize) {
        match self {
            Handle::Slice(b, _) => {
                let start = b.as_ptr() as usize;
                (start, start + b.len() * 8)
            }
            Handle::Aligned(b, _) => {
                let start = FrameBox::as_ptr(b) as usize;
                (start, start + size_of::<Aligned>())
            }
        }
    }

    fn check(&self) {
        match self {
            Handle::Slice(b, tag) => {
                for (i, x) in b.iter().enumerate() {
                    assert_eq!(*x, tag ^ i as u64, "slice contents changed");
                }
            }
            Handle::Aligned(b, tag) => {
                assert_eq!(FrameBox::as_ptr(b) as usize % 4096, 0);
                assert_eq!(b.0, [*tag; 4], "aligned contents changed");
            }
        }
    }
}

fn run(ops: &[Op]) {
    let alloc = SmartAlloc::new(Default::default());
    let mut explicit = false;
    let mut guards: Vec<Frame<'_>> = Vec::new();
    let mut live: Vec<Handle<'_>> = Vec::new();
    let mut next_tag = 1u64;
    for op in ops {
        match op {
            Op::Begin => {
                let r = alloc.try_begin_frame();
                assert_eq!(r.is_ok(), !explicit);
                if explicit {
                    assert_eq!(r, Err(Error::AlreadyInFrame));
                }
                explicit = true;
            }
            Op::End => {
                let r = alloc.try_end_frame();
                assert_eq!(r.is_ok(), explicit);
                if !explicit {
                    assert_eq!(r, Err(Error::NotInFrame));
                }
                explicit = false;
            }
            Op::OpenGuard => guards.push(alloc.frame()),
            Op::CloseGuard => drop(guards.pop()),
            Op::Slice(len) => {
                let in_frame = explicit || !guards.is_empty();
                match alloc.try_frame_slice::<u64>(*len) {
                    Ok(mut b) => {
                        assert!(in_frame);
                        let tag = next_tag;
                        next_tag += 1;
                        for (i, x) in b.iter_mut().enumerate() {
                            *x = tag ^ i as u64;
                        }
                        live.push(Handle::Slice(b, tag));
                    }
                    Err(e) => {
                        assert!(!in_frame);
                        assert_eq!(e, Error::NotInFrame);
                    }
                }
            }
            Op::Aligned => {
                let tag = next_tag;
                match alloc.try_frame_box(Aligned([tag; 4])) {
                    Ok(b) => {
                        next_tag += 1;
                        live.push(Handle::Aligned(b, tag));
                    }
                    Err(e) => assert_eq!(e, Error::NotInFrame),
                }
            }
            Op::Drop(i) => {
                if !live.is_empty() {
                    let i = i % live.len();
                    live.swap_remove(i);
                }
            }
            Op::GuardAlloc(len) => {
                if let Some(guard) = guards.last() {
                    let xs = guard.alloc_slice_fill_with(*len, |i| !(i as u64));
                    let (start, end) = (xs.as_ptr() as usize, xs.as_ptr() as usize + len * 8);
                    for h in &live {
                        let (s, e) = h.range();
                        assert!(
                            end <= s || e <= start,
                            "guard allocation overlaps a live handle"
                        );
                    }
                    assert!(xs.iter().enumerate().all(|(i, x)| *x == !(i as u64)));
                }
            }
        }
        // Invariants after every step.
        assert_eq!(alloc.is_in_explicit_frame(), explicit);
        assert_eq!(alloc.is_in_frame(), explicit || !guards.is_empty());
        assert_eq!(alloc.live_frame_handles(), live.len() as u64);
        let mut ranges: Vec<(usize, usize)> = live.iter().map(Handle::range).collect();
        ranges.sort_unstable();
        for w in ranges.windows(2) {
            assert!(w[0].1 <= w[1].0, "live handles overlap: {w:?}");
        }
        for h in &live {
            h.check();
        }
    }
    drop(live);
    drop(guards);
    if explicit {
        alloc.end_frame();
    }
    assert!(!alloc.is_in_frame());
    assert_eq!(alloc.live_frame_handles(), 0);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn frame_api_model(ops in proptest::collection::vec(op(), 1..if cfg!(miri) { 40 } else { 200 })) {
        run(&ops);
    }
}
