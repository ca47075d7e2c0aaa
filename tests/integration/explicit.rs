//! The explicit, runtime-checked API: `begin_frame` / `end_frame` and frame handles.

use std::cell::Cell;
use std::rc::Rc;

use framealloc::{AllocConfig, Error, FrameBox, MisusePolicy, SmartAlloc};

fn log_policy() -> SmartAlloc {
    SmartAlloc::new(AllocConfig {
        on_misuse: MisusePolicy::Log,
        ..Default::default()
    })
}

#[test]
fn memory_is_reused_across_frames_when_nothing_is_live() {
    let alloc = SmartAlloc::new(Default::default());
    let mut addrs = Vec::new();
    for frame in 0..4u64 {
        alloc.begin_frame();
        let a = alloc.frame_box([frame; 8]);
        let b = alloc.frame_box(frame as u32);
        addrs.push((&raw const *a as usize, &raw const *b as usize));
        assert_eq!(*a, [frame; 8]);
        drop((a, b));
        alloc.end_frame();
        assert_eq!(alloc.frame_number(), frame + 1);
    }
    assert!(addrs.windows(2).all(|w| w[0] == w[1]), "{addrs:?}");
    assert_eq!(alloc.frame_resets(), 4);
    assert_eq!(alloc.deferred_resets(), 0);
}

#[test]
fn deferred_reset_keeps_old_contents_intact() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let mut old = alloc.frame_vec::<u64>();
    old.extend(0..64);
    let old_range = old.as_ptr_range();
    alloc.end_frame();
    assert_eq!(alloc.deferred_resets(), 1);
    assert_eq!(alloc.live_frame_handles(), 1);

    // The next frame must not hand out `old`'s memory while `old` lives.
    alloc.begin_frame();
    let mut fresh = Vec::new();
    for i in 0..256u64 {
        let b = alloc.frame_box(u64::MAX - i);
        let p = &raw const *b;
        assert!(!old_range.contains(&p), "frame memory handed out twice");
        fresh.push(b);
    }
    assert!(old.iter().copied().eq(0..64), "old contents overwritten");
    drop(fresh);
    alloc.end_frame();
    // Still deferred: `old` is alive.
    assert!(old.iter().copied().eq(0..64));
    let resets = alloc.frame_resets();
    drop(old);
    assert_eq!(
        alloc.frame_resets(),
        resets + 1,
        "last drop performs the reset"
    );
    assert_eq!(alloc.live_frame_handles(), 0);
}

#[test]
fn handle_dropped_inside_a_later_frame_does_not_reset_it() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let old = alloc.frame_box(1u32);
    alloc.end_frame();
    alloc.begin_frame();
    let current = alloc.frame_box([7u8; 32]);
    let resets = alloc.frame_resets();
    drop(old); // frame open: no reset
    assert_eq!(alloc.frame_resets(), resets);
    let next = alloc.frame_box([9u8; 32]);
    assert_eq!(*current, [7u8; 32]);
    assert_ne!(&raw const *current, &raw const *next);
    drop((current, next));
    alloc.end_frame();
    assert_eq!(alloc.frame_resets(), resets + 1);
}

#[test]
fn destructors_run() {
    struct Noisy(Rc<Cell<u32>>);
    impl Drop for Noisy {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    let drops = Rc::new(Cell::new(0));
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let b = alloc.frame_box(Noisy(drops.clone()));
    let mut v = alloc.frame_vec::<Noisy>();
    for _ in 0..10 {
        v.push(Noisy(drops.clone()));
    }
    let mut strings = alloc.frame_vec::<String>();
    strings.push("heap-owning".repeat(10));
    assert_eq!(drops.get(), 0);
    drop(b);
    assert_eq!(drops.get(), 1);
    v.truncate(4);
    assert_eq!(drops.get(), 7);
    let mut it = v.into_iter();
    drop(it.next());
    assert_eq!(drops.get(), 8);
    drop(it);
    assert_eq!(drops.get(), 11);
    drop(strings);
    alloc.end_frame();
    assert_eq!(alloc.live_frame_handles(), 0);
}

#[test]
fn into_inner_and_write_move_values() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let s = FrameBox::into_inner(alloc.frame_box(String::from("out")));
    let slot = alloc.frame_alloc::<Vec<u8>>();
    let v = slot.write(vec![1, 2, 3]);
    assert_eq!(*v, [1, 2, 3]);
    assert_eq!(alloc.live_frame_handles(), 1);
    drop(v);
    alloc.end_frame();
    assert_eq!(s, "out");
    assert_eq!(alloc.live_frame_handles(), 0);
}

#[test]
fn frame_vec_behaves_like_vec() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let mut v = alloc.frame_vec_with_capacity::<u32>(4);
    assert!(v.capacity() >= 4);
    v.extend([5, 1, 4]);
    v.extend(&[2, 3]);
    v.insert(0, 9);
    assert_eq!(v, [9, 5, 1, 4, 2, 3]);
    v.sort_unstable();
    assert_eq!(v, [1, 2, 3, 4, 5, 9]);
    assert_eq!(v.remove(0), 1);
    assert_eq!(v.swap_remove(0), 2);
    assert_eq!(v.pop(), Some(5));
    v.retain(|&x| x != 3);
    assert_eq!(v, [9, 4]);
    v.resize(4, 0);
    v.extend_from_slice(&[8]);
    let drained: Vec<u32> = v.drain(1..3).collect();
    assert_eq!(drained, [4, 0]);
    assert_eq!(v, vec![9, 0, 8]);
    for x in &mut v {
        *x += 1;
    }
    let by_ref: u32 = (&v).into_iter().sum();
    assert_eq!(by_ref, 10 + 1 + 9);
    assert_eq!(format!("{v:?}"), "[10, 1, 9]");
    let back: Vec<u32> = v.into_iter().rev().collect();
    assert_eq!(back, [9, 1, 10]);
    // Growth past many chunks keeps contents.
    let mut big = alloc.frame_vec::<u64>();
    let n = framealloc_tests::iterations(100_000, 5_000) as u64;
    big.extend(0..n);
    assert_eq!(big.len() as u64, n);
    assert!(big.iter().copied().eq(0..n));
    assert_eq!(big.iter().sum::<u64>(), n * (n - 1) / 2);
    let std_vec = big.into_vec();
    assert_eq!(std_vec.len() as u64, n);
    alloc.end_frame();
}

#[test]
fn misuse_errors_leave_state_unchanged() {
    let alloc = SmartAlloc::new(Default::default());
    assert_eq!(alloc.try_end_frame(), Err(Error::NotInFrame));
    assert!(!alloc.is_in_frame());
    assert_eq!(alloc.try_frame_box(1u8).err(), Some(Error::NotInFrame));
    assert_eq!(alloc.try_frame_vec::<u8>().err(), Some(Error::NotInFrame));
    assert_eq!(
        alloc.try_frame_slice::<u8>(3).err(),
        Some(Error::NotInFrame)
    );
    assert_eq!(alloc.try_frame_alloc::<u8>().err(), Some(Error::NotInFrame));
    assert_eq!(alloc.live_frame_handles(), 0);
    assert_eq!(alloc.frame_number(), 0);

    alloc.try_begin_frame().unwrap();
    assert_eq!(alloc.try_begin_frame(), Err(Error::AlreadyInFrame));
    assert!(alloc.is_in_explicit_frame());
    assert_eq!(alloc.frame_number(), 1);
    alloc.try_end_frame().unwrap();
    assert_eq!(alloc.try_end_frame(), Err(Error::NotInFrame));
    assert!(!alloc.is_in_frame());
}

#[test]
fn panic_policy_names_the_error() {
    let alloc = SmartAlloc::new(Default::default());
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _b = alloc.frame_box(3u32);
    }));
    let message = *r.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("NotInFrame"), "{message}");
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| alloc.end_frame()));
    assert!(r.is_err());
    assert!(!alloc.is_in_frame());
}

#[test]
fn log_policy_carries_on_safely() {
    let alloc = log_policy();
    // Unmatched end_frame: a no-op.
    alloc.end_frame();
    assert!(!alloc.is_in_frame());
    // Allocation outside a frame opens an implicit frame...
    let b = alloc.frame_box(41u32);
    assert_eq!(*b + 1, 42);
    assert!(alloc.is_in_explicit_frame());
    // ...that a second begin_frame does not disturb (it is ignored)...
    alloc.begin_frame();
    assert!(alloc.is_in_explicit_frame());
    drop(b);
    // ...and that the next end_frame closes.
    alloc.end_frame();
    assert!(!alloc.is_in_frame());
    assert_eq!(alloc.live_frame_handles(), 0);
    // try_ twins still report the error under Log.
    assert_eq!(alloc.try_end_frame(), Err(Error::NotInFrame));
}

#[test]
fn two_instances_on_one_thread_do_not_share_frames() {
    let a = SmartAlloc::new(Default::default());
    let b = SmartAlloc::new(Default::default());
    a.begin_frame();
    assert!(a.is_in_frame());
    assert!(!b.is_in_frame());
    assert_eq!(b.try_frame_box(1u8).err(), Some(Error::NotInFrame));
    b.begin_frame();
    // Alternate between the two instances (exercises the one-entry cache).
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for i in 0..32u32 {
        xs.push(a.frame_box(i));
        ys.push(b.frame_box(1000 + i));
    }
    a.end_frame();
    drop(xs);
    // a's reset did not touch b's memory.
    assert!(ys.iter().map(|y| **y).eq(1000..1032));
    assert_eq!(a.live_frame_handles(), 0);
    assert_eq!(b.live_frame_handles(), 32);
    drop(ys);
    b.end_frame();
}

#[test]
fn dropped_instance_does_not_alias_a_new_one() {
    // A new instance may reuse a dropped one's address; the thread-local cache is keyed
    // by id, so it must never hand the new instance the old instance's (freed) arena.
    for round in 0..framealloc_tests::iterations(64, 6) {
        let alloc = SmartAlloc::new(Default::default());
        assert!(
            !alloc.is_in_frame(),
            "round {round}: state leaked from a dead instance"
        );
        alloc.begin_frame();
        let v = alloc.frame_box([round; 16]);
        assert_eq!(*v, [round; 16]);
        drop(v);
        // Leave the frame open on purpose: the next instance must not see it.
    }
}

#[test]
fn clones_share_the_thread_arena() {
    let alloc = SmartAlloc::new(Default::default());
    let clone = alloc.clone();
    alloc.begin_frame();
    assert!(clone.is_in_frame());
    let b = clone.frame_box(5u8);
    assert_eq!(alloc.live_frame_handles(), 1);
    drop(b);
    clone.end_frame();
    assert!(!alloc.is_in_frame());
}

#[test]
fn handles_outlive_the_dropped_clone_they_did_not_borrow() {
    let alloc = SmartAlloc::new(Default::default());
    let clone = alloc.clone();
    alloc.begin_frame();
    let b = alloc.frame_box([3u16; 10]);
    drop(clone);
    assert_eq!(*b, [3u16; 10]);
    drop(b);
    alloc.end_frame();
}

/// A thread whose arena exists before its first frame (it used a pool first) is not in a
/// frame and at frame 0; its first frame — a guard or an explicit one — is frame 1 and
/// reserves the configured initial capacity; nesting and numbering go on as usual.
#[test]
fn the_first_frame_of_an_arena_made_by_other_calls_is_frame_one() {
    for explicit_first in [false, true] {
        let alloc = SmartAlloc::new(AllocConfig {
            initial_frame_capacity: 8192,
            ..Default::default()
        });
        let pooled = alloc.pool_box(7u64);
        assert_eq!(alloc.try_frame_box(1u8).err(), Some(Error::NotInFrame));
        assert!(!alloc.is_in_frame());
        assert_eq!((alloc.frame_number(), alloc.live_frame_handles()), (0, 0));
        let before = alloc.frame_capacity_bytes();
        if explicit_first {
            alloc.begin_frame();
        }
        {
            let frame = alloc.frame();
            assert!(frame.is_in_frame());
            assert_eq!(frame.frame_number(), 1);
            // The initial capacity was reserved by the first frame, not before.
            let reserved = alloc.frame_capacity_bytes();
            assert!(before < 8192 && reserved >= 8192, "{before} -> {reserved}");
            let big = frame.alloc([3u8; 4000]);
            assert_eq!(big[3999], 3);
            // Within the reserved capacity: no new chunk.
            assert_eq!(alloc.frame_capacity_bytes(), reserved);
        }
        assert_eq!(alloc.is_in_frame(), explicit_first);
        if explicit_first {
            alloc.end_frame();
        }
        assert!(!alloc.is_in_frame());
        assert_eq!(alloc.frame_number(), 1);
        drop(alloc.frame());
        assert_eq!(alloc.frame_number(), 2);
        assert_eq!(*pooled, 7);
    }
}
