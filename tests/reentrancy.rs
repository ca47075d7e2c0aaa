//! Re-entrancy: user code that runs inside framealloc — budget callbacks, the `log`
//! backend, `Default`/closures passed to constructors, `Drop` of values in frame and pool
//! handles — calls framealloc back (frames, allocations, tags, budgets, dropping the
//! allocator) or panics. Nothing may become unsound, and the state must stay consistent.
//!
//! One binary of its own: it installs a `log` backend (process-wide), and CI also runs it
//! under Miri in release mode so that no debug assertion can hide undefined behaviour.
//! docs/soundness.md lists every call-out and the test here that attacks it.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use framealloc::{
    AllocConfig, BudgetPolicy, Error, FrameBox, FrameVec, MisusePolicy, PoolBox, SmartAlloc,
};

// ----- a logger whose behaviour each test sets for its own thread -----

type Hook = Rc<dyn Fn(&str)>;

thread_local! {
    /// What the logger does with a framealloc message on this thread.
    static LOG_HOOK: RefCell<Option<Hook>> = const { RefCell::new(None) };
    /// framealloc messages seen on this thread.
    static LOG_LINES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

struct HookLogger;

impl log::Log for HookLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = record.args().to_string();
        if !line.starts_with("framealloc") {
            return;
        }
        let _ = LOG_LINES.try_with(|l| l.borrow_mut().push(line.clone()));
        // Cloned out (no borrow held): the hook may log again, and would then run
        // again, nested, unless framealloc stops the recursion.
        let hook = LOG_HOOK.try_with(|h| h.borrow().clone()).ok().flatten();
        if let Some(hook) = hook {
            hook(&line);
        }
    }

    fn flush(&self) {}
}

fn install_logger() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        log::set_logger(&HookLogger).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
    });
}

fn with_log_hook<R>(hook: impl Fn(&str) + 'static, f: impl FnOnce() -> R) -> R {
    install_logger();
    LOG_HOOK.with(|h| *h.borrow_mut() = Some(Rc::new(hook)));
    LOG_LINES.with(|l| l.borrow_mut().clear());
    let r = f();
    LOG_HOOK.with(|h| *h.borrow_mut() = None);
    r
}

fn log_lines() -> Vec<String> {
    LOG_LINES.with(|l| l.borrow().clone())
}

fn config(policy: BudgetPolicy, on_misuse: MisusePolicy) -> AllocConfig {
    AllocConfig {
        budget_policy: policy,
        on_misuse,
        initial_frame_capacity: 4096,
        ..Default::default()
    }
}

/// A `'static` allocator per test: callbacks are `'static` and reach it through this.
macro_rules! static_alloc {
    ($name:ident) => {
        static $name: LazyLock<SmartAlloc> =
            LazyLock::new(|| SmartAlloc::new(config(BudgetPolicy::Warn, MisusePolicy::Panic)));
    };
    ($name:ident, $policy:expr, $misuse:expr) => {
        static $name: LazyLock<SmartAlloc> =
            LazyLock::new(|| SmartAlloc::new(config($policy, $misuse)));
    };
}

/// Whether two regions overlap.
fn overlaps<T, U>(a: &T, b: &U) -> bool {
    let (a0, a1) = (
        std::ptr::from_ref(a) as usize,
        std::ptr::from_ref(a) as usize + size_of::<T>(),
    );
    let (b0, b1) = (
        std::ptr::from_ref(b) as usize,
        std::ptr::from_ref(b) as usize + size_of::<U>(),
    );
    a0 < b1 && b0 < a1
}

// ----- budget callbacks at frame end -----

static_alloc!(FRAME_END);
thread_local! {
    static KEPT: RefCell<Option<FrameBox<'static, [u64; 8]>>> = const { RefCell::new(None) };
}

/// The reported use-after-free: a callback run while the outermost frame closes opens the
/// explicit frame and keeps a box; the close must not reset the arena under it.
#[test]
fn frame_end_callback_may_open_a_frame_and_keep_a_box() {
    let alloc: &'static SmartAlloc = &FRAME_END;
    alloc.set_thread_frame_budget(256);
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    alloc.on_budget_event(move |_| {
        if seen.fetch_add(1, Ordering::Relaxed) == 0 {
            let a: &'static SmartAlloc = &FRAME_END;
            a.begin_frame();
            KEPT.with(|k| *k.borrow_mut() = Some(a.frame_box([0xAB; 8])));
        }
    });
    {
        let frame = alloc.frame();
        let big = frame.alloc([1u8; 1024]); // over 256 B: found when the frame ends
        assert_eq!(big[1023], 1);
    }
    assert_eq!(calls.load(Ordering::Relaxed), 1);
    assert!(alloc.is_in_explicit_frame(), "the callback's frame is open");
    let kept = KEPT
        .with(|k| k.borrow_mut().take())
        .expect("the callback kept a box");
    // New allocations in the callback's frame must not land on the kept box.
    let fresh: Vec<_> = (0..64u64).map(|i| alloc.frame_box([i; 8])).collect();
    for (i, b) in fresh.iter().enumerate() {
        assert!(!overlaps(&**b, &*kept), "box {i} overlaps the kept box");
        assert_eq!(**b, [i as u64; 8]);
    }
    assert_eq!(*kept, [0xAB; 8]);
    drop(fresh);
    alloc.end_frame();
    assert_eq!(
        *kept, [0xAB; 8],
        "kept past end_frame: the reset waits for it"
    );
    drop(kept);
    assert_eq!(alloc.live_frame_handles(), 0);
    assert!(!alloc.is_in_frame());
    alloc.set_thread_frame_budget(u64::MAX);
}

static_alloc!(EXPLICIT_END);
thread_local! {
    static KEPT_VEC: RefCell<Option<FrameVec<'static, u32>>> = const { RefCell::new(None) };
}

/// The same through `end_frame`: the callback keeps a vector that grows later.
#[test]
fn end_frame_callback_may_keep_a_vector_that_grows_later() {
    let alloc: &'static SmartAlloc = &EXPLICIT_END;
    alloc.set_thread_frame_budget(128);
    alloc.on_budget_event(|_| {
        static ONCE: std::sync::Once = std::sync::Once::new();
        let a: &'static SmartAlloc = &EXPLICIT_END;
        ONCE.call_once(|| {
            a.begin_frame(); // the frame that was ending is closed by now
            let mut v = a.frame_vec::<u32>();
            v.extend(0..16);
            KEPT_VEC.with(|k| *k.borrow_mut() = Some(v));
        });
    });
    alloc.begin_frame();
    {
        let f = alloc.frame();
        let x = f.alloc([3u32; 100]); // 400 B over a 128 B budget, found at end_frame
        assert_eq!(x[99], 3);
    }
    alloc.end_frame();
    let mut v = KEPT_VEC
        .with(|k| k.borrow_mut().take())
        .expect("callback ran");
    assert!(alloc.is_in_explicit_frame());
    let other = alloc.frame_box([9u32; 64]);
    v.extend(16..1000);
    assert!(v.iter().copied().eq(0..1000));
    assert_eq!(*other, [9u32; 64]);
    drop(other);
    drop(v);
    alloc.end_frame();
    assert_eq!(alloc.live_frame_handles(), 0);
    alloc.set_thread_frame_budget(u64::MAX);
}

// ----- budget callbacks at tag pop -----

#[test]
// Tag budgets are not checked under `minimal` (no per-tag accounting).
#[cfg(not(feature = "minimal"))]
fn tag_pop_callback_may_use_frames_and_tags() {
    static_alloc!(TAG_POP);
    thread_local! {
        static KEPT_AT_POP: RefCell<Option<FrameBox<'static, u64>>> = const { RefCell::new(None) };
    }
    let alloc: &'static SmartAlloc = &TAG_POP;
    alloc.set_tag_budget("reentry-pop", 64);
    alloc.on_budget_event(|e| {
        assert_eq!(e.tag, "reentry-pop");
        let a: &'static SmartAlloc = &TAG_POP;
        // Tags pushed and popped inside the callback, a frame opened and kept.
        a.with_tag("inside-callback", |_| {
            let _ = a.try_begin_frame();
            KEPT_AT_POP.with(|k| *k.borrow_mut() = Some(a.frame_box(77)));
        });
    });
    alloc.begin_frame();
    {
        let _t = alloc.tag("reentry-pop");
        let f = alloc.frame();
        f.alloc([0u8; 512]);
        drop(f); // not the outermost frame: checked at the tag pop below
    }
    assert_eq!(alloc.current_tag(), "untagged");
    let kept = KEPT_AT_POP
        .with(|k| k.borrow_mut().take())
        .expect("callback ran");
    let others: Vec<_> = (0..32u64).map(|i| alloc.frame_box(i)).collect();
    assert!(others.iter().all(|b| !overlaps(&**b, &*kept)));
    assert_eq!(*kept, 77);
    alloc.end_frame();
    drop(others);
    assert_eq!(*kept, 77);
    drop(kept);
    assert_eq!(alloc.live_frame_handles(), 0);
    alloc.set_tag_budget("reentry-pop", u64::MAX);
}

// ----- recursion, panics, self-replacement -----

static_alloc!(RECURSIVE);

/// A callback that allocates over budget in a fresh frame every time it runs: each run
/// would raise a new event (a new frame number). Nested events are dropped, not nested.
#[test]
fn recursive_callbacks_are_not_nested() {
    let alloc: &'static SmartAlloc = &RECURSIVE;
    alloc.set_thread_frame_budget(64);
    let calls = Arc::new(AtomicUsize::new(0));
    let depth = Arc::new(AtomicUsize::new(0));
    let (c, d) = (calls.clone(), depth.clone());
    alloc.on_budget_event(move |_| {
        c.fetch_add(1, Ordering::Relaxed);
        let nested = d.fetch_add(1, Ordering::Relaxed);
        assert_eq!(nested, 0, "a callback ran inside a callback");
        let a: &'static SmartAlloc = &RECURSIVE;
        for _ in 0..3 {
            let f = a.frame();
            assert_eq!(f.alloc([5u8; 256])[255], 5);
        }
        d.fetch_sub(1, Ordering::Relaxed);
    });
    for round in 1..=3usize {
        let f = alloc.frame();
        f.alloc([1u8; 256]);
        drop(f);
        assert_eq!(calls.load(Ordering::Relaxed), round);
    }
    assert!(!alloc.is_in_frame());
    assert_eq!(alloc.live_frame_handles(), 0);
    alloc.set_thread_frame_budget(u64::MAX);
}

#[test]
// Tag budgets are not checked under `minimal` (no per-tag accounting).
#[cfg(not(feature = "minimal"))]
fn panicking_callbacks_leave_frames_and_tags_consistent() {
    static_alloc!(PANICKY);
    let alloc: &'static SmartAlloc = &PANICKY;
    alloc.set_thread_frame_budget(64);
    alloc.set_tag_budget("reentry-panic", 64);
    alloc.on_budget_event(|e| panic!("callback refuses {}", e.tag));

    // At frame end (a guard's drop).
    let resets = alloc.frame_resets();
    let first_addr = std::cell::Cell::new(0usize);
    let r = catch_unwind(AssertUnwindSafe(|| {
        let f = alloc.frame();
        first_addr.set(std::ptr::from_mut(f.alloc([2u8; 256])) as usize);
    }));
    assert!(r.is_err());
    assert!(!alloc.is_in_frame());
    assert_eq!(
        alloc.frame_resets(),
        resets + 1,
        "reset before the callback ran"
    );
    assert_eq!(alloc.live_frame_handles(), 0);

    // At tag pop (with_tag's guard, inside an explicit frame so the inner guard's end
    // is not the frame's): the tag is restored.
    alloc.begin_frame();
    let r = catch_unwind(AssertUnwindSafe(|| {
        alloc.with_tag("reentry-panic", |a| {
            let f = a.frame();
            f.alloc([0u8; 256]);
        });
    }));
    assert!(r.is_err());
    assert_eq!(alloc.current_tag(), "untagged");
    assert!(alloc.is_in_explicit_frame());
    alloc.end_frame(); // its overruns were reported this frame already: no panic
    assert!(!alloc.is_in_frame());

    // During an explicit allocation: the handle was never made, the count is back.
    alloc.begin_frame();
    let r = catch_unwind(AssertUnwindSafe(|| alloc.frame_box([0u8; 512])));
    assert!(r.is_err());
    assert_eq!(alloc.live_frame_handles(), 0);
    alloc.end_frame();

    // Later frames work and reuse the reset memory.
    alloc.set_thread_frame_budget(u64::MAX);
    alloc.set_tag_budget("reentry-panic", u64::MAX);
    for _ in 0..3 {
        let f = alloc.frame();
        let x = f.alloc([4u8; 256]);
        assert_eq!(std::ptr::from_mut(x) as usize, first_addr.get());
        assert_eq!(x[0], 4);
    }
}

static_alloc!(UNWINDING);

/// A callback that panics while the thread is already unwinding (the guard is dropped by
/// a panic in the frame body): contained, so the process does not abort, and the first
/// panic is the one that propagates.
#[test]
fn a_callback_panicking_during_unwinding_does_not_abort() {
    let alloc: &'static SmartAlloc = &UNWINDING;
    alloc.set_thread_frame_budget(64);
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    alloc.on_budget_event(move |_| {
        c.fetch_add(1, Ordering::Relaxed);
        panic!("second panic");
    });
    let r = catch_unwind(AssertUnwindSafe(|| {
        let f = alloc.frame();
        f.alloc([0u8; 256]);
        panic!("first panic");
    }));
    let payload = r.expect_err("the body panicked");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"first panic"));
    assert_eq!(calls.load(Ordering::Relaxed), 1, "the callback ran");
    assert!(!alloc.is_in_frame());
    alloc.set_thread_frame_budget(u64::MAX);
}

static_alloc!(REPLACING);

#[test]
fn a_callback_may_replace_itself_and_change_budgets() {
    let alloc: &'static SmartAlloc = &REPLACING;
    let second = Arc::new(AtomicUsize::new(0));
    let s = second.clone();
    alloc.set_thread_frame_budget(100);
    alloc.on_budget_event(move |_| {
        let a: &'static SmartAlloc = &REPLACING;
        let s = s.clone();
        a.on_budget_event(move |_| {
            s.fetch_add(1, Ordering::Relaxed);
        });
        a.set_tag_budget("reentry-replaced", 1 << 20);
    });
    {
        let f = alloc.frame();
        f.alloc([0u8; 200]);
    }
    assert_eq!(second.load(Ordering::Relaxed), 0);
    assert_eq!(alloc.tag_budget("reentry-replaced"), Some(1 << 20));
    {
        let f = alloc.frame();
        f.alloc([0u8; 200]);
    }
    assert_eq!(
        second.load(Ordering::Relaxed),
        1,
        "the replacement got the next event"
    );
    alloc.set_thread_frame_budget(u64::MAX);
    alloc.set_tag_budget("reentry-replaced", u64::MAX);
}

static_alloc!(LIFTING);

/// The scoped path checks budgets when the arena needs a new chunk; a callback that
/// removes the budget there must not turn the refill into an out-of-memory panic.
#[test]
fn a_callback_removing_the_budget_during_a_refill_lets_the_allocation_succeed() {
    let alloc: &'static SmartAlloc = &LIFTING;
    alloc.set_thread_frame_budget(1000);
    alloc.on_budget_event(|_| {
        let a: &'static SmartAlloc = &LIFTING;
        a.set_thread_frame_budget(u64::MAX);
    });
    let f = alloc.frame();
    let big = f.alloc([6u8; 16 * 1024]); // past the 4 KiB first chunk: a refill
    assert_eq!((big[0], big[16 * 1024 - 1]), (6, 6));
    assert_eq!(alloc.thread_frame_budget(), None);
}

/// `Enforce` + `Log`: the callback runs during the refused `try_` call and may allocate;
/// the refusal still stands and the counts are unchanged.
#[test]
fn enforce_refusal_stands_when_the_callback_allocates() {
    static_alloc!(ENFORCED, BudgetPolicy::Enforce, MisusePolicy::Log);
    let alloc: &'static SmartAlloc = &ENFORCED;
    alloc.set_thread_frame_budget(256);
    alloc.on_budget_event(|_| {
        let a: &'static SmartAlloc = &ENFORCED;
        let p = a.pool_box([1u64; 4]);
        assert_eq!(*p, [1u64; 4]);
    });
    alloc.begin_frame();
    let kept = alloc.frame_box([1u8; 128]);
    let before = alloc.live_frame_handles();
    let refused = alloc.try_frame_box([2u8; 512]);
    assert!(matches!(
        refused,
        Err(Error::BudgetExceeded {
            limit: 256,
            requested: 512,
            ..
        })
    ));
    assert_eq!(alloc.live_frame_handles(), before);
    assert_eq!(*kept, [1u8; 128]);
    drop(kept);
    alloc.end_frame();
    alloc.set_thread_frame_budget(u64::MAX);
}

// ----- a callback that drops the allocator it is registered on -----

/// At a tag pop nothing holds the allocator (tags are per thread), so the callback can
/// drop its last clone — and with it this thread's arena — while the pop is running.
#[test]
// Tag budgets are not checked under `minimal` (no per-tag accounting).
#[cfg(not(feature = "minimal"))]
fn a_callback_may_drop_the_last_clone_of_its_allocator() {
    let slot: Arc<std::sync::Mutex<Option<SmartAlloc>>> = Arc::new(std::sync::Mutex::new(None));
    let dropped = Arc::new(AtomicUsize::new(0));
    {
        let alloc = SmartAlloc::new(config(BudgetPolicy::Warn, MisusePolicy::Panic));
        alloc.set_tag_budget("reentry-doomed", 64);
        let (s, d) = (slot.clone(), dropped.clone());
        alloc.on_budget_event(move |_| {
            if s.lock().unwrap().take().is_some() {
                d.fetch_add(1, Ordering::Relaxed);
            }
        });
        *slot.lock().unwrap() = Some(alloc);
    }
    let tag = {
        let guard = slot.lock().unwrap();
        let alloc = guard.as_ref().unwrap();
        let tag = alloc.tag("reentry-doomed");
        alloc.begin_frame();
        {
            let f = alloc.frame();
            f.alloc([8u8; 512]);
        }
        tag
    };
    drop(tag); // the pop finds the overrun; the callback drops the last clone
    assert_eq!(dropped.load(Ordering::Relaxed), 1);
    assert!(slot.lock().unwrap().is_none());
    // Tags and a new allocator on this thread work.
    let alloc = SmartAlloc::new(Default::default());
    alloc.with_tag("reentry-after", |a| {
        let f = a.frame();
        assert_eq!(*f.alloc(11u32), 11);
    });
    assert_eq!(alloc.current_tag(), "untagged");
}

// ----- the log backend -----

static_alloc!(LOGGED_MISUSE, BudgetPolicy::Warn, MisusePolicy::Log);
thread_local! {
    static KEPT_BY_LOGGER: RefCell<Option<FrameBox<'static, [u32; 4]>>> = const { RefCell::new(None) };
}

/// Under `MisusePolicy::Log` an allocation with no frame open logs and opens an implicit
/// frame. A logger that ends that frame and keeps its own box cannot make the allocation
/// land on freed or shared memory.
#[test]
fn a_logger_that_uses_the_allocator_during_an_implicit_frame() {
    let alloc: &'static SmartAlloc = &LOGGED_MISUSE;
    with_log_hook(
        |_| {
            let a: &'static SmartAlloc = &LOGGED_MISUSE;
            let _ = a.try_end_frame();
            let _ = a.try_begin_frame();
            KEPT_BY_LOGGER.with(|k| *k.borrow_mut() = Some(a.frame_box([3u32; 4])));
            let _ = a.try_end_frame();
        },
        || {
            let b = alloc.frame_box([1u32; 16]); // no frame open: logged, implicit frame
            let kept = KEPT_BY_LOGGER
                .with(|k| k.borrow_mut().take())
                .expect("logger ran");
            assert!(!overlaps(&*b, &*kept));
            assert_eq!(*b, [1u32; 16]);
            assert_eq!(*kept, [3u32; 4]);
            drop(kept);
            drop(b);
        },
    );
    assert!(log_lines().iter().any(|l| l.contains("no frame open")));
    let _ = alloc.try_end_frame();
    assert_eq!(alloc.live_frame_handles(), 0);
    assert!(!alloc.is_in_frame());
}

static_alloc!(LOGGED_BUDGET);

/// Budget events go to the logger too; a logger that allocates over budget again does
/// not recurse (its events are dropped while it runs).
#[test]
fn a_logger_that_allocates_over_budget_does_not_recurse() {
    let alloc: &'static SmartAlloc = &LOGGED_BUDGET;
    alloc.set_thread_frame_budget(64);
    let logged = Arc::new(AtomicUsize::new(0));
    let l = logged.clone();
    with_log_hook(
        move |_| {
            l.fetch_add(1, Ordering::Relaxed);
            let a: &'static SmartAlloc = &LOGGED_BUDGET;
            let f = a.frame();
            assert_eq!(f.alloc([9u8; 512])[511], 9);
        },
        || {
            let f = alloc.frame();
            f.alloc([0u8; 512]);
        },
    );
    assert_eq!(logged.load(Ordering::Relaxed), 1);
    assert!(!alloc.is_in_frame());
    alloc.set_thread_frame_budget(u64::MAX);
}

// ----- user code in constructors and destructors -----

static_alloc!(DEFAULTS);
static DEFAULTS_MADE: AtomicUsize = AtomicUsize::new(0);
static DEFAULTS_DROPPED: AtomicUsize = AtomicUsize::new(0);

/// `Default` that ends and begins the explicit frame, allocates, and panics at the 5th.
struct Meddler(u64);

impl Default for Meddler {
    fn default() -> Self {
        let a: &'static SmartAlloc = &DEFAULTS;
        let n = DEFAULTS_MADE.fetch_add(1, Ordering::Relaxed);
        let _ = a.try_end_frame();
        let _ = a.try_begin_frame();
        let b = a.frame_box(n);
        assert_eq!(*b, n);
        assert!(n != 4, "default #4");
        Meddler(n as u64)
    }
}

impl Drop for Meddler {
    fn drop(&mut self) {
        DEFAULTS_DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn frame_slice_defaults_that_end_frames_allocate_and_panic() {
    let alloc: &'static SmartAlloc = &DEFAULTS;
    alloc.begin_frame();
    let r = catch_unwind(AssertUnwindSafe(|| alloc.frame_slice::<Meddler>(8)));
    assert!(r.is_err());
    assert_eq!(DEFAULTS_MADE.load(Ordering::Relaxed), 5);
    assert_eq!(
        DEFAULTS_DROPPED.load(Ordering::Relaxed),
        4,
        "the prefix dropped"
    );
    assert_eq!(alloc.live_frame_handles(), 0);
    let _ = alloc.try_end_frame();
    assert!(!alloc.is_in_frame());
    // A complete slice: every Default ran, the values are in order.
    DEFAULTS_MADE.store(10, Ordering::Relaxed);
    alloc.begin_frame();
    let s = alloc.frame_slice::<Meddler>(3);
    assert!(s.iter().map(|m| m.0).eq([10, 11, 12]));
    drop(s);
    let _ = alloc.try_end_frame();
    assert_eq!(alloc.live_frame_handles(), 0);
}

#[test]
fn guard_closures_that_end_frames_and_allocate() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let frame = alloc.frame();
    let v = frame.alloc_with(|| {
        alloc.end_frame(); // the guard keeps the arena open
        let b = alloc.frame_box([7u8; 64]);
        assert_eq!(*b, [7u8; 64]);
        alloc.begin_frame();
        41u64
    });
    let w = frame.alloc_slice_fill_with(16, |i| {
        let inner = frame.alloc(i as u64 * 3);
        if i == 8 {
            let _ = alloc.try_end_frame();
        }
        *inner
    });
    assert_eq!(*v, 41);
    assert!(w.iter().enumerate().all(|(i, &x)| x == i as u64 * 3));
    let nested = alloc.frame_scope(|f| {
        assert_eq!(f.try_end_frame(), Err(Error::NotInFrame)); // ended above
        *f.alloc(5u8)
    });
    assert_eq!(nested, 5);
    assert_eq!(*v, 41);
    drop(frame);
    assert!(!alloc.is_in_frame());
    assert_eq!(alloc.live_frame_handles(), 0);
}

/// Values whose `Drop` ends, begins and allocates frames, run by a `FrameVec`'s
/// `truncate`, `clear` and drop.
#[test]
fn frame_vec_element_destructors_that_use_the_allocator() {
    static_alloc!(DROPS);
    struct Loud(u32);
    impl Drop for Loud {
        fn drop(&mut self) {
            let a: &'static SmartAlloc = &DROPS;
            let _ = a.try_end_frame();
            let _ = a.try_begin_frame();
            let b = a.frame_box(self.0);
            assert_eq!(*b, self.0);
        }
    }
    let alloc: &'static SmartAlloc = &DROPS;
    alloc.begin_frame();
    let witness = alloc.frame_box([0x5Au8; 32]);
    let mut v = alloc.frame_vec::<Loud>();
    v.extend((0..20).map(Loud));
    v.truncate(10);
    assert!(v.iter().map(|l| l.0).eq(0..10));
    v.clear();
    v.extend((100..105).map(Loud));
    drop(v);
    assert_eq!(*witness, [0x5Au8; 32]);
    drop(witness);
    let _ = alloc.try_end_frame();
    assert_eq!(alloc.live_frame_handles(), 0);
    assert!(!alloc.is_in_frame());
}

/// Pool values whose `Drop` allocates and frees pool blocks (the free path runs user
/// code before it touches the page).
#[test]
fn pool_value_destructors_that_allocate_and_free() {
    static_alloc!(POOL_DROPS);
    struct Nest {
        id: u64,
        child: Option<PoolBox<Nest>>,
    }
    impl Drop for Nest {
        fn drop(&mut self) {
            let a: &'static SmartAlloc = &POOL_DROPS;
            let fresh: Vec<_> = (0..8u64).map(|i| a.pool_box([self.id + i; 6])).collect();
            assert!(
                fresh
                    .iter()
                    .enumerate()
                    .all(|(i, b)| b[5] == self.id + i as u64)
            );
        }
    }
    let alloc: &'static SmartAlloc = &POOL_DROPS;
    // Each drop makes 8 boxes: 1800 pool allocations natively, 360 under Miri.
    let len = framealloc_tests::iterations(200, 40) as u64;
    let mut chain = None;
    for id in 0..len {
        chain = Some(alloc.pool_box(Nest { id, child: chain }));
    }
    let mut n = 0;
    let mut cur = chain.as_deref();
    while let Some(node) = cur {
        assert_eq!(node.id, len - 1 - n);
        n += 1;
        cur = node.child.as_deref();
    }
    assert_eq!(n, len);
    drop(chain);
    #[cfg(not(feature = "minimal"))]
    assert_eq!(alloc.stats().total(framealloc::Kind::Pool).live_bytes, 0);
}

// ----- tag guards dropped out of order -----

#[test]
fn tag_guards_dropped_out_of_order_end_the_inner_scopes() {
    let alloc = SmartAlloc::new(Default::default());
    let outer = alloc.tag("reentry-outer");
    let inner = alloc.tag("reentry-inner");
    drop(outer);
    #[cfg(not(feature = "minimal"))]
    assert_eq!(alloc.current_tag(), "untagged");
    drop(inner); // already ended by the outer guard: no stale "reentry-outer"
    assert_eq!(alloc.current_tag(), "untagged");
    let t = alloc.tag("reentry-again");
    #[cfg(not(feature = "minimal"))]
    assert_eq!(alloc.current_tag(), "reentry-again");
    drop(t);
    assert_eq!(alloc.current_tag(), "untagged");
}

#[cfg(feature = "debug")]
mod debug_feature {
    use super::*;

    static_alloc!(STALE);
    thread_local! {
        static KEPT_STALE: RefCell<Option<FrameBox<'static, u64>>> = const { RefCell::new(None) };
    }

    /// With `debug`, a frame that begins while handles of earlier frames live is logged.
    /// A logger that ends that frame and keeps its own box changes nothing unsound.
    #[test]
    fn a_logger_that_ends_the_frame_being_opened() {
        let alloc: &'static SmartAlloc = &STALE;
        alloc.begin_frame();
        let old = alloc.frame_box(1u64);
        alloc.end_frame();
        with_log_hook(
            |line| {
                if line.contains("explicit frame handle") {
                    let a: &'static SmartAlloc = &STALE;
                    let _ = a.try_end_frame();
                    let _ = a.try_begin_frame();
                    KEPT_STALE.with(|k| *k.borrow_mut() = Some(a.frame_box(2u64)));
                }
            },
            || {
                alloc.begin_frame(); // logs the stale `old`
                let kept = KEPT_STALE
                    .with(|k| k.borrow_mut().take())
                    .expect("logger ran");
                let b = alloc.frame_box(3u64);
                assert_eq!((*old, *kept, *b), (1, 2, 3));
                drop((old, kept, b));
            },
        );
        let _ = alloc.try_end_frame();
        assert_eq!(alloc.live_frame_handles(), 0);
        assert!(!alloc.is_in_frame());
    }
}
