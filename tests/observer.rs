//! The frame-end observer (`SmartAlloc::on_frame_end`): what it is told, when, and that
//! it may call framealloc back (docs/soundness.md). Runs under Miri in CI.
#![cfg(not(feature = "minimal"))]

use std::sync::{Arc, Mutex};

use framealloc::{FrameSummary, SmartAlloc, TagFrameBytes};

/// What an observer saw of one frame end (owned).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    thread: u64,
    frame: u64,
    bytes: u64,
    chunk_bytes: u64,
    deferred: bool,
    thread_budget: Option<u64>,
    tags: Vec<TagFrameBytes>,
}

impl Seen {
    fn of(s: &FrameSummary<'_>) -> Seen {
        Seen {
            thread: s.thread,
            frame: s.frame,
            bytes: s.bytes,
            chunk_bytes: s.chunk_bytes,
            deferred: s.deferred,
            thread_budget: s.thread_budget,
            tags: s.tags.to_vec(),
        }
    }
}

/// Install an observer that records every summary.
fn record(alloc: &SmartAlloc) -> Arc<Mutex<Vec<Seen>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    alloc.on_frame_end(move |s| log.lock().unwrap().push(Seen::of(s)));
    seen
}

fn tag(tag: &'static str, bytes: u64, budget: Option<u64>) -> TagFrameBytes {
    TagFrameBytes { tag, bytes, budget }
}

#[test]
fn summary_of_a_guard_frame_has_its_bytes_and_tags() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.set_tag_budget("obs_physics", 4096);
    alloc.set_thread_frame_budget(1 << 20);
    let seen = record(&alloc);
    {
        let frame = alloc.frame();
        frame.alloc([1u64; 4]); // 32 B untagged
        alloc.with_tag("obs_physics", |_| {
            frame.alloc([2u64; 16]); // 128 B
        });
        alloc.with_tag("obs_ai", |_| {
            frame.alloc([3u32; 16]); // 64 B
        });
    }
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let s = &seen[0];
    assert_eq!(s.frame, 1);
    assert_eq!(s.bytes, 32 + 128 + 64);
    assert!(s.chunk_bytes >= s.bytes, "{s:?}");
    assert!(!s.deferred);
    assert_eq!(s.thread_budget, Some(1 << 20));
    assert_ne!(s.thread, 0);
    // Tag-id order: "untagged" is id 0; the others in order of first use in the process
    // (other tests use other names).
    let mut tags = s.tags.clone();
    tags.sort_by_key(|t| t.tag);
    assert_eq!(
        tags,
        [
            tag("obs_ai", 64, None),
            tag("obs_physics", 128, Some(4096)),
            tag("untagged", 32, None)
        ]
    );
    assert_eq!(s.tags[0].tag, "untagged");
    // The frame was reset before the observer ran, and the stats agree.
    assert_eq!(alloc.stats().frame_bytes, 0);
}

#[test]
fn explicit_frames_number_up_and_report_deferred_resets() {
    let alloc = SmartAlloc::new(Default::default());
    let seen = record(&alloc);
    alloc.begin_frame();
    let tag_guard = alloc.tag("obs_kept");
    let kept = alloc.frame_box([0u8; 48]);
    drop(tag_guard);
    alloc.end_frame(); // `kept` is alive: deferred
    drop(kept);
    alloc.begin_frame();
    alloc.end_frame(); // empty
    alloc.begin_frame();
    let mut v = alloc.frame_vec::<u64>();
    v.extend(0..8u64);
    drop(v);
    alloc.end_frame();
    let seen = seen.lock().unwrap().clone();
    let brief: Vec<_> = seen
        .iter()
        .map(|s| (s.frame, s.bytes, s.deferred, s.tags.clone()))
        .collect();
    assert_eq!(
        brief,
        [
            (1, 48, true, vec![tag("obs_kept", 48, None)]),
            (2, 0, false, vec![]),
            // The vector's block was given back in place: not in use at the end, still
            // allocated during the frame.
            (3, 0, false, vec![tag("untagged", 64, None)]),
        ]
    );
    assert_eq!(alloc.frame_number(), 3);
}

#[test]
fn nested_frames_report_once_at_the_outermost_end() {
    let alloc = SmartAlloc::new(Default::default());
    let seen = record(&alloc);
    alloc.begin_frame();
    {
        let outer = alloc.frame();
        outer.alloc(1u64);
        {
            let inner = alloc.frame();
            inner.alloc(2u64);
        }
        assert!(seen.lock().unwrap().is_empty());
    }
    assert!(
        seen.lock().unwrap().is_empty(),
        "the explicit frame is still open"
    );
    alloc.end_frame();
    {
        let g = alloc.frame();
        alloc.begin_frame(); // joins the guard's frame
        g.alloc(3u64);
        alloc.end_frame();
        assert_eq!(seen.lock().unwrap().len(), 1);
    }
    let frames: Vec<_> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| (s.frame, s.bytes))
        .collect();
    assert_eq!(frames, [(1, 16), (2, 8)]);
}

#[test]
fn a_frame_before_the_observer_is_installed_is_not_reported_and_threads_are_told_apart() {
    let alloc = SmartAlloc::new(Default::default());
    drop(alloc.frame());
    let seen = record(&alloc);
    drop(alloc.frame());
    let a2 = alloc.clone();
    let other = std::thread::spawn(move || {
        let f = a2.frame();
        f.alloc([0u8; 24]);
    });
    other.join().unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!((seen[0].frame, seen[1].frame), (2, 1));
    assert_ne!(seen[0].thread, seen[1].thread);
    assert_eq!(seen[1].tags, [tag("untagged", 24, None)]);
}

/// A thread whose arena exists before the observer is installed (on another thread)
/// reports its next frame end, even an empty one: each arena keeps a copy of the
/// instance's call-out flags, updated for every arena when the observer is installed.
#[test]
fn an_observer_installed_on_another_thread_sees_the_next_empty_frame() {
    let alloc = SmartAlloc::new(Default::default());
    let (installed_tx, installed_rx) = std::sync::mpsc::channel::<()>();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    let worker = {
        let alloc = alloc.clone();
        std::thread::spawn(move || {
            drop(alloc.frame()); // the arena exists: frame 1, not observed
            ready_tx.send(()).unwrap();
            installed_rx.recv().unwrap();
            drop(alloc.frame()); // frame 2: empty
            alloc.frame().alloc([1u8; 40]); // frame 3: 40 bytes
        })
    };
    ready_rx.recv().unwrap();
    let seen = record(&alloc);
    installed_tx.send(()).unwrap();
    worker.join().unwrap();
    let seen: Vec<_> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| (s.frame, s.bytes))
        .collect();
    assert_eq!(seen, [(2, 0), (3, 40)]);
}

#[test]
fn the_observer_may_allocate_open_frames_and_replace_itself() {
    let alloc = SmartAlloc::new(Default::default());
    let calls = Arc::new(Mutex::new(Vec::new()));
    let inner = alloc.clone();
    let log = calls.clone();
    alloc.on_frame_end(move |s| {
        log.lock().unwrap().push(("first", s.frame));
        // A frame inside the observer: closed, reset, and not reported (no recursion).
        {
            let f = inner.frame();
            let v = f.alloc_slice_copy(&[7u32; 32]);
            assert_eq!(v[31], 7);
        }
        inner.begin_frame();
        let b = inner.frame_box(5u64);
        inner.end_frame();
        assert_eq!(*b, 5);
        drop(b);
        let p = inner.pool_box([1u8; 40]);
        assert_eq!(p[39], 1);
        // Replace itself: this closure (and its clone of the allocator) stays alive until
        // the call returns.
        let log = log.clone();
        inner.on_frame_end(move |s| log.lock().unwrap().push(("second", s.frame)));
        // Still callable state after replacing: our captures are intact.
        assert_eq!(inner.current_tag(), "untagged");
    });
    drop(alloc.frame());
    drop(alloc.frame());
    assert_eq!(*calls.lock().unwrap(), [("first", 1), ("second", 4)]);
    let stats = alloc.stats();
    assert_eq!(stats.frame_bytes, 0);
    assert_eq!(alloc.frame_number(), 4);
}

#[test]
fn an_observer_holding_a_clone_may_drop_it_and_the_allocator_is_freed() {
    // The observer owns a clone of its allocator (a cycle through the observer slot).
    // It drops that clone and replaces itself with one holding none: the cycle is gone,
    // so dropping the last outside clone frees the instance (Miri reports a leak if not).
    let alloc = SmartAlloc::new(Default::default());
    let slot = Arc::new(Mutex::new(Some(alloc.clone())));
    let held = slot.clone();
    let ran = Arc::new(Mutex::new(0));
    let count = ran.clone();
    alloc.on_frame_end(move |_| {
        *count.lock().unwrap() += 1;
        let mine = held.lock().unwrap().take();
        if let Some(a) = mine {
            let counted = count.clone();
            a.on_frame_end(move |_| *counted.lock().unwrap() += 10);
            // `a` is dropped here; the replaced closure (holding `held`) lives until the
            // call returns.
        }
    });
    drop(slot);
    {
        let f = alloc.frame();
        f.alloc(1u8);
    }
    drop(alloc.frame());
    assert_eq!(*ran.lock().unwrap(), 11);
    drop(alloc);
}

#[test]
fn a_panicking_observer_leaves_the_frame_closed() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.on_frame_end(|s| {
        assert!(s.frame != 1, "observer panics at frame 1");
    });
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        alloc.begin_frame();
        alloc.frame_box(1u32);
        alloc.end_frame();
    }));
    assert!(caught.is_err());
    assert!(
        alloc.try_end_frame().is_err(),
        "the explicit frame is closed"
    );
    assert_eq!(alloc.frame_number(), 1);
    assert_eq!(alloc.stats().frame_bytes, 0);
    alloc.begin_frame();
    let b = alloc.frame_box(2u32);
    alloc.end_frame();
    assert_eq!(*b, 2);
}

#[test]
fn budget_events_are_delivered_before_the_observer() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.set_thread_frame_budget(16);
    let order = Arc::new(Mutex::new(Vec::new()));
    let (a, b) = (order.clone(), order.clone());
    alloc.on_budget_event(move |e| a.lock().unwrap().push(format!("budget {}", e.frame)));
    alloc.on_frame_end(move |s| b.lock().unwrap().push(format!("end {}", s.frame)));
    {
        let f = alloc.frame();
        f.alloc([0u8; 64]);
    }
    assert_eq!(*order.lock().unwrap(), ["budget 1", "end 1"]);
}
