//! Budgets: every check site (explicit, pool, heap, collection growth, scoped refill,
//! tag pop, frame end) under both policies, events once per frame, and the error.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use framealloc::{
    AllocConfig, BudgetEvent, BudgetPolicy, BudgetScope, Error, Kind, MisusePolicy, SmartAlloc,
};

/// An allocator with a small first chunk (so scoped refills are easy to reach) and a
/// callback that records every budget event.
fn recording(
    policy: BudgetPolicy,
    on_misuse: MisusePolicy,
) -> (SmartAlloc, Arc<Mutex<Vec<BudgetEvent>>>) {
    let alloc = SmartAlloc::new(AllocConfig {
        budget_policy: policy,
        on_misuse,
        initial_frame_capacity: 4096,
        ..Default::default()
    });
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    alloc.on_budget_event(move |e| sink.lock().unwrap().push(e.clone()));
    (alloc, events)
}

fn taken(events: &Mutex<Vec<BudgetEvent>>) -> Vec<BudgetEvent> {
    std::mem::take(&mut *events.lock().unwrap())
}

#[test]
fn thread_frame_budget_warns_once_per_frame_on_explicit_allocations() {
    let (alloc, events) = recording(BudgetPolicy::Warn, MisusePolicy::Panic);
    alloc.set_thread_frame_budget(1000);
    assert_eq!(alloc.thread_frame_budget(), Some(1000));
    for frame in 1..=2u64 {
        alloc.begin_frame();
        let boxes: Vec<_> = (0..40u8).map(|i| alloc.frame_box([i; 64])).collect();
        // Warn: every allocation succeeded, with its contents.
        assert!(
            boxes
                .iter()
                .enumerate()
                .all(|(i, b)| usize::from(b[63]) == i)
        );
        drop(boxes);
        alloc.end_frame();
        let events = taken(&events);
        assert_eq!(events.len(), 1, "once per frame per budget: {events:?}");
        let e = &events[0];
        assert_eq!(e.scope, BudgetScope::ThreadFrame);
        assert_eq!(
            (e.kind, e.tag, e.limit, e.requested),
            (Kind::Frame, "untagged", 1000, 64)
        );
        assert_eq!(e.frame, frame);
        assert!(e.used <= 1000 && e.used + 64 > 1000, "used {}", e.used);
        assert!(!e.refused);
    }
}

#[test]
fn enforce_refuses_try_calls_and_leaves_state_unchanged() {
    let (alloc, events) = recording(BudgetPolicy::Enforce, MisusePolicy::Panic);
    alloc.set_thread_frame_budget(1024);
    alloc.begin_frame();
    let kept = alloc.frame_box([1u8; 512]);
    let handles = alloc.live_frame_handles();
    let refused = alloc.try_frame_box([2u8; 1024]);
    assert_eq!(
        refused.err(),
        Some(Error::BudgetExceeded {
            tag: "untagged",
            limit: 1024,
            requested: 1024
        })
    );
    assert_eq!(alloc.live_frame_handles(), handles);
    assert!(matches!(
        alloc.try_frame_slice::<u64>(200),
        Err(Error::BudgetExceeded {
            requested: 1600,
            ..
        })
    ));
    assert!(matches!(
        alloc.try_frame_vec_with_capacity::<u32>(1000),
        Err(Error::BudgetExceeded {
            requested: 4000,
            ..
        })
    ));
    assert!(matches!(
        alloc.try_frame_alloc::<[u8; 600]>(),
        Err(Error::BudgetExceeded { .. })
    ));
    // What fits still fits.
    let small = alloc.try_frame_box([3u8; 256]).expect("under budget");
    assert_eq!((kept[0], small[255]), (1, 3));
    drop((kept, small));
    alloc.end_frame();
    let events = taken(&events);
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(events[0].refused);
    // The next frame starts from zero.
    alloc.begin_frame();
    assert!(alloc.try_frame_box([0u8; 1000]).is_ok());
    alloc.end_frame();
}

/// A request of zero bytes takes no memory: a tag already over its budget (here through
/// its frame bytes, still uncredited in an open guard) refuses every pool and heap
/// request of one byte or more, and none of zero bytes (found by the model test in
/// session 10, which refused `try_heap_vec_with_capacity(0)` with `requested: 0`).
#[test]
#[cfg(not(feature = "minimal"))] // tag budgets need tag accounting
fn zero_byte_requests_are_never_refused() {
    let (alloc, events) = recording(BudgetPolicy::Enforce, MisusePolicy::Panic);
    let _tag = alloc.tag("zero.bytes");
    let frame = alloc.frame();
    assert_eq!(frame.alloc([7u8; 2048])[2047], 7);
    alloc.set_tag_budget("zero.bytes", 1024);
    let empty = alloc
        .try_heap_vec_with_capacity::<u64>(0)
        .expect("an empty heap vector takes nothing");
    assert_eq!(empty.capacity(), 0);
    let unit = alloc.try_heap_box(()).expect("a zero-sized heap box");
    let pooled = alloc.try_pool_box(()).expect("a zero-sized pool box");
    assert_eq!((*unit, *pooled), ((), ()));
    assert!(taken(&events).is_empty(), "nothing reported for zero bytes");
    assert_eq!(
        alloc.try_heap_vec_with_capacity::<u8>(1).err(),
        Some(Error::BudgetExceeded {
            tag: "zero.bytes",
            limit: 1024,
            requested: 1
        })
    );
    assert!(matches!(
        alloc.try_pool_box(1u8),
        Err(Error::BudgetExceeded { requested: 1, .. })
    ));
    drop((empty, unit, pooled));
}

/// The same for frame requests, on both paths: under a tag over its budget, zero-byte
/// frame handles and guard allocations are neither refused nor reported (a review in
/// session 10 found `try_frame_box(())`, `try_frame_alloc::<()>()` and
/// `try_frame_slice::<u8>(0)` still refused with `requested: 0`).
#[test]
#[cfg(not(feature = "minimal"))] // tag budgets need tag accounting
fn zero_byte_frame_requests_are_never_refused() {
    let (alloc, events) = recording(BudgetPolicy::Enforce, MisusePolicy::Panic);
    let _tag = alloc.tag("zero.frame");
    alloc.set_thread_frame_budget(1024);
    let frame = alloc.frame();
    assert_eq!(frame.alloc([7u8; 2048])[2047], 7);
    alloc.set_tag_budget("zero.frame", 1024);
    let results = [
        frame.try_frame_box(()).map(drop),
        frame.try_frame_vec_with_capacity::<u64>(0).map(drop),
        frame.try_alloc(()).map(drop),
        frame.try_frame_alloc::<()>().map(drop),
        frame.try_frame_slice::<u8>(0).map(drop),
        frame.try_alloc_slice_copy::<u8>(&[]).map(drop),
        frame.try_alloc_str("").map(drop),
    ];
    assert_eq!(results, [const { Ok(()) }; 7]);
    let unit = frame.frame_box(()); // the plain call: no panic under `MisusePolicy::Panic`
    assert_eq!(*unit, ());
    let reported = taken(&events);
    assert!(reported.is_empty(), "{reported:?}");
    // One byte is refused, by the thread budget first.
    assert!(matches!(
        frame.try_frame_box(1u8),
        Err(Error::BudgetExceeded { requested: 1, .. })
    ));
}

#[test]
fn enforce_plain_calls_follow_on_misuse() {
    let (alloc, _events) = recording(BudgetPolicy::Enforce, MisusePolicy::Panic);
    alloc.set_thread_frame_budget(256);
    alloc.begin_frame();
    let panic = catch_unwind(AssertUnwindSafe(|| {
        let _b = alloc.frame_box([0u8; 512]);
    }))
    .expect_err("Enforce + Panic panics");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("budget exceeded"), "{message}");
    assert!(message.contains("BudgetExceeded"), "{message}");
    assert_eq!(alloc.live_frame_handles(), 0);
    alloc.end_frame();

    let (alloc, events) = recording(BudgetPolicy::Enforce, MisusePolicy::Log);
    alloc.set_thread_frame_budget(256);
    alloc.begin_frame();
    let b = alloc.frame_box([9u8; 512]); // logged, allocated anyway
    assert_eq!(b[511], 9);
    drop(b);
    alloc.end_frame();
    let events = taken(&events);
    assert_eq!(events.len(), 1);
    assert!(!events[0].refused);
}

#[test]
#[cfg(not(feature = "minimal"))] // tag budgets need tag accounting
fn enforce_plain_pool_and_heap_calls_follow_on_misuse() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    /// Counts its drops, to see that a refused allocation drops the value exactly once.
    struct Counted<'a>(&'a std::sync::atomic::AtomicUsize, [u8; 40]);

    impl Drop for Counted<'_> {
        fn drop(&mut self) {
            assert!(
                self.1.iter().all(|&b| b == self.1[0]),
                "the value is intact"
            );
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    let drops = AtomicUsize::new(0);

    // Panic: the value is dropped once, its block given back, nothing accounted.
    let (alloc, _events) = recording(BudgetPolicy::Enforce, MisusePolicy::Panic);
    alloc.set_tag_budget("physics", 32);
    for pool in [true, false] {
        let panic = catch_unwind(AssertUnwindSafe(|| {
            alloc.with_tag("physics", |a| {
                if pool {
                    drop(a.pool_box(Counted(&drops, [1; 40])));
                } else {
                    drop(a.heap_box(Counted(&drops, [1; 40])));
                }
            });
        }))
        .expect_err("Enforce + Panic panics");
        let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(message.contains("BudgetExceeded"), "{message}");
    }
    assert_eq!(drops.load(Ordering::Relaxed), 2);
    let counted = |alloc: &SmartAlloc, kind| {
        let t = alloc.stats().tag("physics").map(|t| t.kind(kind));
        t.map_or((0, 0), |k| (k.allocations, k.live_bytes))
    };
    assert_eq!(counted(&alloc, Kind::Pool), (0, 0));
    assert_eq!(counted(&alloc, Kind::Heap), (0, 0));

    // try_: refused with the error, the value dropped once, nothing accounted.
    let refused = alloc.with_tag("physics", |a| a.try_pool_box(Counted(&drops, [2; 40])));
    assert!(matches!(
        refused,
        Err(Error::BudgetExceeded {
            tag: "physics",
            limit: 32,
            ..
        })
    ));
    assert_eq!(drops.load(Ordering::Relaxed), 3);
    assert_eq!(counted(&alloc, Kind::Pool), (0, 0));

    // Log: plain pool *and* heap calls allocate anyway; the event records the overrun.
    let (alloc, events) = recording(BudgetPolicy::Enforce, MisusePolicy::Log);
    alloc.set_tag_budget("physics", 32);
    let (p, h) = alloc.with_tag("physics", |a| {
        (a.pool_box([7u8; 40]), a.heap_box([8u8; 40]))
    });
    assert_eq!((p[39], h[39]), (7, 8));
    assert_eq!(counted(&alloc, Kind::Pool), (1, 40));
    assert_eq!(counted(&alloc, Kind::Heap), (1, 40));
    let events = taken(&events);
    assert!(!events.is_empty() && events.iter().all(|e| !e.refused && e.tag == "physics"));
}

#[test]
#[cfg(not(feature = "minimal"))] // tag budgets need tag accounting
fn tag_budget_covers_pool_and_heap_live_bytes() {
    let (alloc, events) = recording(BudgetPolicy::Enforce, MisusePolicy::Panic);
    alloc.set_tag_budget("physics", 256);
    assert_eq!(alloc.tag_budget("physics"), Some(256));
    assert_eq!(alloc.tag_budget("render"), None);
    let tag = alloc.tag("physics");
    let a = alloc.pool_box([1u64; 16]); // 128 B
    let b = alloc.heap_box([2u64; 8]); // 64 B
    assert_eq!(
        alloc.try_pool_box([3u64; 16]).err(),
        Some(Error::BudgetExceeded {
            tag: "physics",
            limit: 256,
            requested: 128
        })
    );
    assert!(matches!(
        alloc.try_heap_box([0u8; 100]),
        Err(Error::BudgetExceeded { requested: 100, .. })
    ));
    assert!(matches!(
        alloc.try_heap_vec_with_capacity::<u32>(32),
        Err(Error::BudgetExceeded { requested: 128, .. })
    ));
    assert!(alloc.try_pool_arc(0u128).is_ok()); // 16 B + counts fits
    let first = taken(&events);
    assert_eq!(first.len(), 1, "once per frame per budget: {first:?}");
    assert_eq!(
        (first[0].scope, first[0].kind),
        (BudgetScope::Tag, Kind::Pool)
    );
    assert_eq!(first[0].used, 192);
    // Freeing gives the room back: live bytes, not allocated bytes, count.
    drop(a);
    let c = alloc.try_pool_box([4u64; 16]).expect("room after the free");
    assert_eq!(c[15], 4);
    drop((b, c));
    // Other tags are not limited.
    drop(tag);
    let free = alloc
        .try_pool_box([0u8; 1024])
        .expect("untagged has no budget");
    drop(free);
    // u64::MAX removes the budget.
    alloc.set_tag_budget("physics", u64::MAX);
    assert_eq!(alloc.tag_budget("physics"), None);
    let big = alloc.with_tag("physics", |a| a.try_heap_box([0u8; 4096]));
    assert!(big.is_ok());
}

#[test]
#[cfg(not(feature = "minimal"))] // tag budgets need tag accounting
fn collection_growth_is_checked() {
    let (alloc, events) = recording(BudgetPolicy::Warn, MisusePolicy::Panic);
    alloc.set_tag_budget("growth", 100);
    let _tag = alloc.tag("growth");
    let mut heap = alloc.heap_vec::<u8>();
    heap.extend(0..200u8);
    assert_eq!(heap.len(), 200);
    let mut pool = allocator_api2::vec::Vec::new_in(alloc.pool_allocator());
    pool.extend(0..200u8);
    let events = taken(&events);
    assert!(
        events.iter().any(|e| e.kind == Kind::Heap) && events.iter().all(|e| e.tag == "growth"),
        "{events:?}"
    );
    // Once per frame per budget (both vectors are the same tag budget, frame 0).
    assert_eq!(events.len(), 1);

    // Enforce + Panic: growth has no error channel, so it panics (not an abort), and
    // the vector is intact.
    let (alloc, _events) = recording(BudgetPolicy::Enforce, MisusePolicy::Panic);
    alloc.set_tag_budget("growth", 100);
    let _tag = alloc.tag("growth");
    let mut heap = alloc.heap_vec::<u8>();
    heap.extend(0..50u8);
    let grown = catch_unwind(AssertUnwindSafe(|| heap.extend(0..200u8)));
    assert!(grown.is_err());
    assert!(heap.iter().take(50).copied().eq(0..50u8));
}

#[test]
fn frame_vec_growth_is_checked() {
    let (alloc, events) = recording(BudgetPolicy::Warn, MisusePolicy::Panic);
    alloc.set_thread_frame_budget(512);
    alloc.begin_frame();
    let mut v = alloc.frame_vec::<u64>();
    v.extend(0..200u64);
    assert_eq!(v.iter().sum::<u64>(), 199 * 200 / 2);
    let events = taken(&events);
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(events[0].requested > 0);
    drop(v);
    alloc.end_frame();
}

#[test]
fn scoped_path_is_checked_at_chunk_refill() {
    let (alloc, events) = recording(BudgetPolicy::Warn, MisusePolicy::Panic);
    alloc.set_thread_frame_budget(2048);
    let frame = alloc.frame();
    let chunk = alloc.frame_capacity_bytes();
    let mut seen_at = None;
    for i in 0..(chunk / 64 + 8) {
        let p = frame.alloc([i as u8; 64]);
        assert_eq!(p[0], i as u8);
        if seen_at.is_none() && !events.lock().unwrap().is_empty() {
            seen_at = Some(i);
        }
    }
    // Reported inside the frame, when the first chunk ran out (not at every allocation
    // and not only at frame end).
    let at = seen_at.expect("an event at the refill");
    assert!(
        at * 64 >= 2048,
        "no event before the chunk is full (at {at})"
    );
    let events_now = taken(&events);
    assert_eq!(events_now.len(), 1);
    assert_eq!(
        (events_now[0].requested, events_now[0].scope),
        (64, BudgetScope::ThreadFrame)
    );
    drop(frame);
    // Same frame: the frame-end check does not report it again.
    assert!(taken(&events).is_empty());
}

#[test]
fn scoped_try_alloc_is_refused_at_refill_under_enforce() {
    let (alloc, _events) = recording(BudgetPolicy::Enforce, MisusePolicy::Panic);
    alloc.set_thread_frame_budget(1024);
    let frame = alloc.frame();
    let mut refused = None;
    for i in 0..10_000u32 {
        match frame.try_alloc([i; 16]) {
            Ok(p) => assert_eq!(p[15], i),
            Err(e) => {
                refused = Some(e);
                break;
            }
        }
    }
    assert!(matches!(
        refused,
        Some(Error::BudgetExceeded {
            limit: 1024,
            requested: 64,
            ..
        })
    ));
    // The plain call panics under `on_misuse = Panic`.
    let panic = catch_unwind(AssertUnwindSafe(|| {
        let _ = frame.alloc([0u32; 16]);
    }));
    assert!(panic.is_err());
}

#[test]
#[cfg(not(feature = "minimal"))] // tag budgets need tag accounting
fn scoped_path_is_checked_at_tag_pop() {
    let (alloc, events) = recording(BudgetPolicy::Warn, MisusePolicy::Panic);
    alloc.set_tag_budget("physics", 1000);
    let frame = alloc.frame();
    frame.with_tag("physics", |f| {
        for i in 0..20u8 {
            f.alloc([i; 64]); // 1280 B, well inside the first chunk
        }
        assert!(
            events.lock().unwrap().is_empty(),
            "no check inside the chunk"
        );
    });
    let events_now = taken(&events);
    assert_eq!(events_now.len(), 1, "reported at tag pop: {events_now:?}");
    let e = &events_now[0];
    assert_eq!(
        (e.tag, e.scope, e.kind, e.requested),
        ("physics", BudgetScope::Tag, Kind::Frame, 0)
    );
    assert!(e.used >= 1280, "used {}", e.used);
    assert_eq!(e.frame, 1);
    drop(frame);
    assert!(taken(&events).is_empty());
}

#[test]
fn scoped_path_is_checked_at_frame_end() {
    let (alloc, events) = recording(BudgetPolicy::Warn, MisusePolicy::Panic);
    alloc.set_thread_frame_budget(1000);
    for frame_number in 1..=2 {
        let frame = alloc.frame();
        for i in 0..20u8 {
            frame.alloc([i; 64]);
        }
        assert!(events.lock().unwrap().is_empty());
        drop(frame);
        let events_now = taken(&events);
        assert_eq!(events_now.len(), 1, "reported at frame end: {events_now:?}");
        assert_eq!(events_now[0].frame, frame_number);
        assert_eq!(events_now[0].requested, 0);
        assert!(events_now[0].used >= 1280);
    }
    // A frame under budget reports nothing.
    alloc.frame_scope(|f| {
        f.alloc([0u8; 64]);
    });
    assert!(taken(&events).is_empty());
}

/// The frame end tests one byte for this thread's budget and the instance's call-outs
/// (tag budgets, observers), which other threads write into every arena: writing them
/// must keep this thread's own bit (under `minimal` the instance arms nothing, so only
/// that bit makes the frame end check the thread budget).
#[test]
fn thread_budget_is_checked_at_frame_end_after_another_thread_sets_a_tag_budget() {
    let (alloc, events) = recording(BudgetPolicy::Warn, MisusePolicy::Panic);
    alloc.set_thread_frame_budget(1000);
    let other = alloc.clone();
    std::thread::spawn(move || other.set_tag_budget("elsewhere", u64::MAX - 1))
        .join()
        .unwrap();
    for frame_number in 1..=2 {
        let frame = alloc.frame();
        for i in 0..20u8 {
            frame.alloc([i; 64]);
        }
        drop(frame);
        let events_now = taken(&events);
        assert_eq!(events_now.len(), 1, "reported at frame end: {events_now:?}");
        assert_eq!(events_now[0].frame, frame_number);
        assert_eq!(events_now[0].limit, 1000);
    }
    // With the thread budget lifted, a frame over the old limit reports nothing.
    alloc.set_thread_frame_budget(u64::MAX);
    alloc.frame_scope(|f| {
        for i in 0..20u8 {
            f.alloc([i; 64]);
        }
    });
    assert!(taken(&events).is_empty());
}

#[test]
#[cfg(not(feature = "minimal"))] // tag budgets need tag accounting
fn tag_budgets_apply_on_other_threads() {
    let (alloc, events) = recording(BudgetPolicy::Enforce, MisusePolicy::Panic);
    alloc.set_tag_budget("worker", 100);
    let worker = alloc.clone();
    let result = std::thread::spawn(move || {
        worker.with_tag("worker", |a| {
            let kept = a.pool_box([0u8; 64]);
            let refused = a.try_pool_box([0u8; 64]).err();
            drop(kept);
            refused
        })
    })
    .join()
    .unwrap();
    assert!(matches!(
        result,
        Some(Error::BudgetExceeded { tag: "worker", .. })
    ));
    assert_eq!(taken(&events).len(), 1);
}

#[cfg(not(feature = "minimal"))]
#[framealloc::alloc_tag("budgeted-by-attribute", budget = "1 KiB")]
fn budgeted(alloc: &SmartAlloc) -> Result<(), Error> {
    alloc.try_heap_box([0u8; 2048]).map(drop)
}

#[test]
#[cfg(not(feature = "minimal"))] // tag budgets need tag accounting
fn alloc_tag_budgets_apply_to_new_allocators() {
    let alloc = SmartAlloc::new(AllocConfig {
        budget_policy: BudgetPolicy::Enforce,
        ..Default::default()
    });
    assert_eq!(alloc.tag_budget("budgeted-by-attribute"), Some(1024));
    assert_eq!(
        budgeted(&alloc),
        Err(Error::BudgetExceeded {
            tag: "budgeted-by-attribute",
            limit: 1024,
            requested: 2048
        })
    );
    alloc.set_tag_budget("budgeted-by-attribute", 4096);
    assert_eq!(budgeted(&alloc), Ok(()));
}

#[test]
fn event_display_names_the_budget() {
    let e = BudgetEvent {
        tag: "physics",
        kind: Kind::Pool,
        scope: BudgetScope::Tag,
        limit: 1000,
        used: 960,
        requested: 64,
        frame: 3,
        refused: true,
    };
    assert_eq!(
        e.to_string(),
        "budget of tag \"physics\" exceeded in frame 3: 960 B in use + 64 B pool requested > \
         limit 1000 B (refused)"
    );
}

/// `FrameString::from_str_in` (one bump and one copy) is checked against the frame
/// budgets when it is made, like `frame_vec_with_capacity`: a warning under `Warn`,
/// `on_misuse` under `Enforce`.
#[test]
fn from_str_in_is_checked_against_the_frame_budget_when_made() {
    let (alloc, events) = recording(BudgetPolicy::Warn, MisusePolicy::Panic);
    alloc.set_thread_frame_budget(100);
    {
        let frame = alloc.frame();
        let long = "x".repeat(300);
        let s = framealloc::FrameString::from_str_in(&long, &frame);
        assert_eq!((s.as_str(), s.capacity()), (long.as_str(), 300));
        let events = taken(&events);
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!((events[0].requested, events[0].refused), (300, false));
    }

    let (alloc, _events) = recording(BudgetPolicy::Enforce, MisusePolicy::Panic);
    alloc.set_thread_frame_budget(100);
    let frame = alloc.frame();
    let panic = catch_unwind(AssertUnwindSafe(|| {
        let _s = framealloc::FrameString::from_str_in(&"y".repeat(300), &frame);
    }))
    .expect_err("Enforce + Panic panics");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("BudgetExceeded"), "{message}");
    // Under the budget, it is made.
    let ok = framealloc::FrameString::from_str_in("fits", &frame);
    assert_eq!(ok, "fits");
}
