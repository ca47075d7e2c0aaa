//! A frame end decides that its arena is idle, then does accounting that may allocate
//! (a tag's first counters, the observer's summary), then resets. With a
//! `#[global_allocator]` built on framealloc, that allocation runs user code which may
//! begin a frame on the same arena and keep a handle: the reset must then wait for the
//! handle (it is deferred to its drop), never hand its memory out again.
//!
//! The hook here is armed for exactly one re-entry: it begins an explicit frame, keeps one
//! `FrameBox` in a thread-local and ends the frame (whose reset is then deferred to the
//! box). Found by an adversarial review (session 9): before the fix the next frame's
//! allocation overwrote the kept box (natively), and Miri reported the overlap as UB.
//!
//! Not under `minimal`: with stats compiled out a frame end does no accounting, so it
//! allocates nothing between its idle test and its reset.
#![cfg(not(feature = "minimal"))]

use framealloc_tests::HookedSystem;
use std::cell::{Cell, RefCell};
use std::sync::LazyLock;

use framealloc::{FrameBox, Kind, SmartAlloc};

#[global_allocator]
static GLOBAL: HookedSystem = HookedSystem::new(hook);

const MAGIC: u64 = 0xABAB_ABAB_ABAB_ABAB;

/// One allocator per test (the tests run in parallel): statics, so nothing leaks.
static FOR_SEGMENT: LazyLock<SmartAlloc> = LazyLock::new(SmartAlloc::default);
static FOR_OBSERVER: LazyLock<SmartAlloc> = LazyLock::new(SmartAlloc::default);

thread_local! {
    /// The allocator the hook re-enters, once (taken when it fires).
    static ARMED: Cell<Option<&'static SmartAlloc>> = const { Cell::new(None) };
    /// Set while the hook runs: its own allocations go straight to `System`.
    static INSIDE: Cell<bool> = const { Cell::new(false) };
    /// The box the hook kept.
    static KEPT: RefCell<Vec<FrameBox<'static, [u64; 32]>>> = const { RefCell::new(Vec::new()) };
}

fn hook() {
    let Ok(Some(alloc)) = ARMED.try_with(Cell::take) else {
        return;
    };
    if INSIDE.try_with(|i| i.replace(true)).unwrap_or(true) {
        return;
    }
    // `try_` calls only: a panic inside a global allocator aborts.
    if alloc.try_begin_frame().is_ok() {
        if let Ok(kept) = alloc.try_frame_box([MAGIC; 32]) {
            let _ = KEPT.try_with(|k| k.borrow_mut().push(kept));
        }
        let _ = alloc.try_end_frame();
    }
    let _ = INSIDE.try_with(|i| i.set(false));
}

/// End a used guard frame with the hook armed; check that the box the hook kept survives
/// the next frame's allocations, and that its drop resets the arena after all.
fn frame_end_keeps_the_hooks_box(alloc: &'static SmartAlloc) {
    {
        let frame = alloc.frame();
        frame.alloc([1u8; 64]);
        ARMED.with(|a| a.set(Some(alloc)));
        // The frame is idle when its end starts; the hook fires inside the accounting.
    }
    assert!(
        ARMED.with(Cell::get).is_none(),
        "the frame end allocated (the hook fired)"
    );
    assert_eq!(KEPT.with(|k| k.borrow().len()), 1, "the hook kept a box");
    assert_eq!(alloc.live_frame_handles(), 1);
    let kept_at = KEPT.with(|k| k.borrow()[0].as_ptr() as usize);
    {
        let frame = alloc.frame();
        let fresh = frame.alloc([0x5555_5555_5555_5555u64; 32]);
        let fresh_at = fresh.as_ptr() as usize;
        assert!(
            fresh_at + 256 <= kept_at || kept_at + 256 <= fresh_at,
            "a live FrameBox at {kept_at:#x} was handed out again at {fresh_at:#x}"
        );
        assert!(fresh.iter().all(|&x| x == 0x5555_5555_5555_5555));
    }
    assert!(
        KEPT.with(|k| k.borrow()[0].iter().all(|&x| x == MAGIC)),
        "the kept box was overwritten"
    );
    // The box's drop is the deferred reset: afterwards the arena is idle and empty.
    KEPT.with(|k| k.borrow_mut().clear());
    assert_eq!(alloc.live_frame_handles(), 0);
    assert_eq!(alloc.stats().frame_bytes, 0, "reset at the box's drop");
    let frame = alloc.frame();
    assert_eq!(frame.alloc(7u64), &7);
}

/// The frame's tag is past the first block of tag counters, which the frame end makes
/// (`Box::new`) when it credits the frame.
#[test]
fn a_handle_kept_while_a_frame_end_makes_tag_counters_is_not_reset_under() {
    let alloc: &'static SmartAlloc = &FOR_SEGMENT;
    for i in 0..80 {
        // Interns 80 tag names, so the next one has no counters yet.
        assert_eq!(alloc.tag_budget(&format!("reset-reentry-pad-{i}")), None);
    }
    let _tag = alloc.tag("reset-reentry-second-segment");
    frame_end_keeps_the_hooks_box(alloc);
    let stats = alloc.stats();
    let tagged = stats
        .tag("reset-reentry-second-segment")
        .expect("the tag has frame stats")
        .kind(Kind::Frame);
    assert!(tagged.allocated_bytes >= 64 + 256 + 8, "{tagged:?}");
    assert_eq!(tagged.allocations, 1, "the hook's box is the only handle");
}

/// An observer: the frame end's summary allocates before the reset.
#[test]
fn a_handle_kept_while_the_observer_summary_is_made_is_not_reset_under() {
    let alloc: &'static SmartAlloc = &FOR_OBSERVER;
    alloc.on_frame_end(|_| {});
    // The tag table exists (its first use allocates under a lock the hook would need).
    assert_eq!(alloc.tag_budget("reset-reentry-warm-up"), None);
    frame_end_keeps_the_hooks_box(alloc);
}

/// The deferred reset itself (the last handle's drop) with the tag's counters still to
/// make: the hook fires inside it and keeps another box. Not with `tracing`: it observes
/// every frame end, which then credits the frame (making the counters) at `end_frame`
/// already, so the late reset has nothing left that allocates.
#[cfg(not(feature = "tracing"))]
#[test]
fn a_handle_kept_during_a_late_reset_is_not_reset_under() {
    static FOR_LATE_RESET: LazyLock<SmartAlloc> = LazyLock::new(SmartAlloc::default);
    let alloc: &'static SmartAlloc = &FOR_LATE_RESET;
    for i in 0..80 {
        assert_eq!(alloc.tag_budget(&format!("reset-reentry-late-{i}")), None);
    }
    let _tag = alloc.tag("reset-reentry-late-tag");
    alloc.begin_frame();
    let first = alloc.frame_box([3u64; 8]);
    alloc.end_frame(); // deferred: `first` is alive
    ARMED.with(|a| a.set(Some(alloc)));
    drop(first); // the late reset: the hook fires while it credits
    assert!(ARMED.with(Cell::get).is_none(), "the late reset allocated");
    assert_eq!(KEPT.with(|k| k.borrow().len()), 1);
    assert_eq!(alloc.live_frame_handles(), 1);
    let kept_at = KEPT.with(|k| k.borrow()[0].as_ptr() as usize);
    {
        let frame = alloc.frame();
        let fresh = frame.alloc([9u64; 32]);
        let fresh_at = fresh.as_ptr() as usize;
        assert!(fresh_at + 256 <= kept_at || kept_at + 256 <= fresh_at);
    }
    assert!(KEPT.with(|k| k.borrow()[0].iter().all(|&x| x == MAGIC)));
    KEPT.with(|k| k.borrow_mut().clear());
    assert_eq!(alloc.live_frame_handles(), 0);
    assert_eq!(alloc.stats().frame_bytes, 0);
}
