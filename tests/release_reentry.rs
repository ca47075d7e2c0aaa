//! Arenas are freed, and the list of arenas waiting to be freed is kept, in places that
//! also allocate. With a `#[global_allocator]` built on framealloc, each such allocation
//! runs user code that re-enters framealloc on the same thread: these tests arm a hook
//! for exactly one re-entry at each such point and check that nothing is freed under a
//! live handle and that nothing waits on a lock its own thread holds. Found by an
//! adversarial review in session 9; each test failed before its fix (a kept `FrameBox`
//! overwritten, a use after free, a deadlock).
//!
//! Not under `minimal`: with stats compiled out these paths do no accounting, so they
//! allocate nothing to hook.
#![cfg(not(feature = "minimal"))]

use framealloc_tests::HookedSystem;
use std::cell::{Cell, RefCell};
use std::mem::ManuallyDrop;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::Duration;

use framealloc::{FrameBox, SmartAlloc};

#[global_allocator]
static GLOBAL: HookedSystem =
    HookedSystem::poisoning(hook, || POISON.try_with(Cell::get).unwrap_or(false));

/// What the hook does when it fires.
#[derive(Clone, Copy)]
enum Action {
    Nothing,
    /// Begin an explicit frame on this allocator, keep a `FrameBox` in `KEPT`, end it.
    KeepBox(&'static SmartAlloc),
    /// Drop the allocator in `HELD` (its last clone).
    DropHeld,
    /// Open a frame on another allocator (a miss of the thread's arena cache).
    UseOther(&'static SmartAlloc),
}

const MAGIC: u64 = 0xABAB_ABAB_ABAB_ABAB;
type Kept = FrameBox<'static, [u64; 32]>;

thread_local! {
    /// Armed for one re-entry (taken when the hook fires).
    static ARMED: Cell<Action> = const { Cell::new(Action::Nothing) };
    /// Set while the hook runs: its own allocations go straight to `System`.
    static INSIDE: Cell<bool> = const { Cell::new(false) };
    /// Freed blocks are overwritten with 0xDD while set.
    static POISON: Cell<bool> = const { Cell::new(false) };
    /// Times the hook fired on this thread.
    static FIRED: Cell<u32> = const { Cell::new(0) };
    /// The box `KeepBox` kept. No destructor: usable during thread teardown.
    static KEPT: Cell<Option<ManuallyDrop<Kept>>> = const { Cell::new(None) };
    /// The allocator `DropHeld` drops.
    static HELD: RefCell<Option<SmartAlloc>> = const { RefCell::new(None) };
}

fn hook() {
    if INSIDE.try_with(Cell::get).unwrap_or(true) {
        return;
    }
    let Ok(action) = ARMED.try_with(|a| a.replace(Action::Nothing)) else {
        return;
    };
    if matches!(action, Action::Nothing) {
        return;
    }
    let _ = INSIDE.try_with(|i| i.set(true));
    let _ = FIRED.try_with(|f| f.set(f.get() + 1));
    // `try_` calls only, and no panics: a panic inside a global allocator aborts.
    match action {
        Action::Nothing => {}
        Action::KeepBox(alloc) => {
            if alloc.try_begin_frame().is_ok() {
                if let Ok(kept) = alloc.try_frame_box([MAGIC; 32]) {
                    let _ = KEPT.try_with(|k| k.set(Some(ManuallyDrop::new(kept))));
                }
                let _ = alloc.try_end_frame();
            }
        }
        Action::DropHeld => {
            let last = HELD.try_with(|h| h.try_borrow_mut().ok().and_then(|mut h| h.take()));
            if let Ok(Some(last)) = last {
                let _ = POISON.try_with(|p| p.set(true));
                drop(last);
            }
        }
        Action::UseOther(other) => {
            let _ = POISON.try_with(|p| p.set(true));
            let frame = other.frame();
            let _ = frame.try_alloc(1u64);
        }
    }
    let _ = INSIDE.try_with(|i| i.set(false));
}

fn fired() -> u32 {
    FIRED.with(Cell::get)
}

// --- an exiting thread's arena, released while a handle is made in it ----------------

static EXITING: LazyLock<SmartAlloc> = LazyLock::new(SmartAlloc::default);
/// 1: the hook kept a box; 2: it survived its thread's release; 3: it was freed or its
/// memory handed out again.
static EXIT_OUTCOME: AtomicU8 = AtomicU8::new(0);
static EXIT_FIRED: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Registered after framealloc's thread-exit hook, so dropped before it: arms.
    static ARMER: Armer = const { Armer };
    /// Registered before it, so dropped after it: checks.
    static CHECKER: Checker = const { Checker };
}

struct Armer;

impl Drop for Armer {
    fn drop(&mut self) {
        let _ = ARMED.try_with(|a| a.set(Action::KeepBox(&EXITING)));
    }
}

struct Checker;

impl Drop for Checker {
    fn drop(&mut self) {
        let _ = ARMED.try_with(|a| a.set(Action::Nothing));
        EXIT_FIRED.store(
            FIRED.try_with(Cell::get).unwrap_or(0) as usize,
            Ordering::SeqCst,
        );
        let Some(kept) = KEPT.try_with(Cell::take).ok().flatten() else {
            return;
        };
        EXIT_OUTCOME.store(1, Ordering::SeqCst);
        let kept_at = kept.as_ptr() as usize;
        let frame = EXITING.frame();
        let fresh = frame.alloc([0x5555_5555_5555_5555u64; 32]);
        let fresh_at = fresh.as_ptr() as usize;
        let apart = fresh_at + 256 <= kept_at || kept_at + 256 <= fresh_at;
        // Under Miri, a use after free before the fix.
        let intact = kept.iter().all(|&x| x == MAGIC);
        drop(frame);
        EXIT_OUTCOME.store(if apart && intact { 2 } else { 3 }, Ordering::SeqCst);
        // Dropped for real: its arena is kept (the set frees it when the allocator
        // drops, which the static never does).
        drop(ManuallyDrop::into_inner(kept));
    }
}

#[test]
fn a_box_made_while_thread_exit_releases_the_arena_keeps_its_memory() {
    LazyLock::force(&EXITING);
    std::thread::spawn(|| {
        CHECKER.with(|_| ());
        {
            let frame = EXITING.frame();
            assert_eq!(*frame.alloc(7u64), 7);
        }
        ARMER.with(|_| ());
    })
    .join()
    .unwrap();
    assert_eq!(
        EXIT_FIRED.load(Ordering::SeqCst),
        1,
        "the release allocated"
    );
    assert_ne!(
        EXIT_OUTCOME.load(Ordering::SeqCst),
        0,
        "the hook kept a box"
    );
    assert_eq!(
        EXIT_OUTCOME.load(Ordering::SeqCst),
        2,
        "the kept FrameBox's arena was freed or its memory handed out again"
    );
}

// --- a tag pop crediting the cached arena, which the hook frees -----------------------

/// Uncredited frame growth under a tag with no counters yet (80 tags interned first), on
/// `alloc`'s arena, which then is this thread's cached one: the tag's pop credits it and
/// makes the counters (an allocation). The explicit frame stays open (and the box is
/// forgotten, so nothing borrows the allocator): a frame end would credit the growth
/// already when it is observed (the `tracing` feature observes every frame end).
fn tag_with_growth_to_credit(alloc: &SmartAlloc, prefix: &str) -> framealloc::TagGuard {
    for i in 0..80 {
        assert_eq!(alloc.tag_budget(&format!("{prefix}-pad-{i}")), None);
    }
    let guard = alloc.tag(&format!("{prefix}-second-segment"));
    alloc.begin_frame();
    core::mem::forget(alloc.frame_box([0x77u8; 256]));
    guard
}

#[test]
fn dropping_the_last_clone_while_a_tag_pop_credits_the_arena_frees_nothing_in_use() {
    let guard = HELD.with(|h| {
        *h.borrow_mut() = Some(SmartAlloc::default());
        tag_with_growth_to_credit(h.borrow().as_ref().unwrap(), "tag-pop-drop")
    });
    ARMED.with(|a| a.set(Action::DropHeld));
    drop(guard); // credits; the counters' allocation drops the last clone
    POISON.with(|p| p.set(false));
    assert_eq!(fired(), 1, "the pop allocated");
    assert!(HELD.with(|h| h.borrow().is_none()), "the hook dropped it");
    // The thread goes on: other allocators work, and so do new tags.
    let other = SmartAlloc::default();
    let _tag = other.tag("tag-pop-drop-after");
    assert_eq!(*other.frame().alloc(5u32), 5);
}

static OTHER: LazyLock<SmartAlloc> = LazyLock::new(SmartAlloc::default);

#[test]
fn a_cache_miss_while_a_tag_pop_credits_a_buried_arena_frees_nothing_in_use() {
    LazyLock::force(&OTHER);
    let alloc = SmartAlloc::default();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let worker_alloc = alloc.clone();
    let fired_there = std::thread::scope(|s| {
        let worker = s.spawn(move || {
            let guard = tag_with_growth_to_credit(&worker_alloc, "tag-pop-buried");
            drop(worker_alloc);
            ready_tx.send(()).unwrap();
            // The last clone drops on the test thread: this thread's arena is buried
            // (its cache still names it).
            go_rx.recv().unwrap();
            ARMED.with(|a| a.set(Action::UseOther(&OTHER)));
            drop(guard); // credits the buried arena; the hook's miss frees buried ones
            POISON.with(|p| p.set(false));
            assert_eq!(*OTHER.frame().alloc(9u64), 9);
            fired()
        });
        ready_rx.recv().unwrap();
        drop(alloc);
        go_tx.send(()).unwrap();
        worker.join().unwrap()
    });
    assert_eq!(fired_there, 1, "the pop allocated");
}

// --- freeing buried arenas while the hook misses the cache again ----------------------

static B: LazyLock<SmartAlloc> = LazyLock::new(SmartAlloc::default);
static C: LazyLock<SmartAlloc> = LazyLock::new(SmartAlloc::default);

#[test]
fn a_cache_miss_while_buried_arenas_are_freed_does_not_deadlock() {
    LazyLock::force(&B);
    LazyLock::force(&C);
    let a = SmartAlloc::default();
    let worker_a = a.clone();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<u32>();
    let worker = std::thread::spawn(move || {
        for other in [&*C, &*B] {
            let frame = other.frame();
            let _ = frame.alloc(1u64);
        }
        {
            let frame = worker_a.frame();
            let _ = frame.alloc(1u64);
        }
        drop(worker_a);
        ready_tx.send(()).unwrap();
        // `a` drops on the test thread: this thread's arena of it is buried.
        go_rx.recv().unwrap();
        ARMED.with(|x| x.set(Action::UseOther(&C)));
        {
            // A miss: frees the buried arena, which allocates or frees; the hook misses
            // again (C) and frees buried arenas too.
            let frame = B.frame();
            let _ = frame.alloc(2u64);
        }
        POISON.with(|p| p.set(false));
        done_tx.send(fired()).unwrap();
    });
    ready_rx.recv().unwrap();
    drop(a);
    go_tx.send(()).unwrap();
    let limit = Duration::from_secs(if cfg!(miri) { 600 } else { 20 });
    let fired_there = done_rx
        .recv_timeout(limit)
        .expect("the thread waits on a lock it holds (the buried arenas')");
    assert_eq!(
        fired_there, 1,
        "freeing the buried arena allocated or freed"
    );
    worker.join().unwrap();
}
