//! Tags and statistics.

use framealloc::{FrameSafe, Kind, KindStats, SmartAlloc};

#[derive(FrameSafe, Clone, Copy, Default)]
struct Contact {
    _a: u32,
    _b: u32,
    _depth: f32,
}

#[test]
fn guide_tags_and_organization() {
    #[derive(Default)]
    struct Vector3 {
        _v: [f32; 3],
    }
    #[derive(Default)]
    struct RenderCommand {
        _id: u64,
    }
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    alloc.with_tag("physics", |a| {
        let mut contacts = a.frame_vec::<Contact>();
        let mut forces = a.frame_vec::<Vector3>();
        contacts.push(Contact::default());
        forces.push(Vector3::default());
        assert_eq!(a.current_tag(), "physics");
    });
    alloc.with_tag("rendering", |a| {
        let mut commands = a.frame_vec::<RenderCommand>();
        commands.extend((0..10).map(|_| RenderCommand::default()));
    });
    alloc.end_frame();
    let stats = alloc.stats();
    let physics = stats.tag("physics").expect("physics tag accounted");
    let rendering = stats.tag("rendering").expect("rendering tag accounted");
    assert_eq!(physics.kind(Kind::Frame).allocations, 2);
    assert_eq!(rendering.kind(Kind::Frame).allocations, 1);
    // Each vector's first push reserves room for four elements.
    assert!(physics.kind(Kind::Frame).allocated_bytes >= 4 * 12 + 4 * 12);
    assert!(rendering.kind(Kind::Frame).allocated_bytes >= 10 * 8);
    // The frame ended: nothing is live in frame memory.
    assert_eq!(stats.total(Kind::Frame).live_bytes, 0);
    assert!(stats.total(Kind::Frame).peak_bytes >= 80);
    assert_eq!(alloc.current_tag(), "untagged");
}

#[test]
fn pool_live_bytes_are_exact_after_cross_thread_frees() {
    let alloc = SmartAlloc::new(Default::default());
    let boxes: Vec<_> = alloc.with_tag("entities", |a| {
        (0..framealloc_tests::iterations(1000, 50))
            .map(|i| a.pool_box([i as u64; 6]))
            .collect()
    });
    let n = boxes.len() as u64;
    let arc = alloc.with_tag("entities", |a| a.pool_arc(7u64));
    let pool = alloc.stats().tag("entities").unwrap().kind(Kind::Pool);
    assert_eq!(pool.allocations, n + 1);
    assert_eq!(
        pool.allocated_bytes,
        n * 48 + size_of::<usize>() as u64 * 3 + 8 // arc: two counts, the slot, the value
    );
    assert_eq!(pool.live_bytes, pool.allocated_bytes);
    // Half freed here, half on another thread.
    let (here, there): (Vec<_>, Vec<_>) =
        boxes.into_iter().enumerate().partition(|(i, _)| i % 2 == 0);
    drop(here);
    std::thread::spawn(move || drop((there, arc)))
        .join()
        .unwrap();
    let pool = alloc.stats().tag("entities").unwrap().kind(Kind::Pool);
    assert_eq!(
        pool.live_bytes, 0,
        "live pool bytes after every box dropped"
    );
    assert_eq!(pool.allocations, n + 1);
    assert!(pool.peak_bytes >= n * 48);
    assert_eq!(alloc.stats().total(Kind::Pool).live_bytes, 0);
}

#[test]
fn pool_peak_counts_frees_made_on_other_threads() {
    let alloc = SmartAlloc::new(Default::default());
    let boxes: Vec<_> = (0..10u64).map(|i| alloc.pool_box([i; 4])).collect();
    std::thread::spawn(move || drop(boxes)).join().unwrap();
    let again: Vec<_> = (0..5u64).map(|i| alloc.pool_box([i; 4])).collect();
    let pool = alloc.stats().total(Kind::Pool);
    assert_eq!(pool.live_bytes, 5 * 32);
    assert_eq!(
        pool.peak_bytes,
        10 * 32,
        "remote frees lower the live count"
    );
    assert_eq!(pool.allocations, 15);
    assert_eq!(pool.allocated_bytes, 15 * 32);
    // A clone made on another thread is accounted there (remote) and counts as live.
    let clone = std::thread::scope(|s| s.spawn(|| again[0].clone()).join().unwrap());
    assert_eq!(alloc.stats().total(Kind::Pool).live_bytes, 6 * 32);
    drop((again, clone));
    let pool = alloc.stats().total(Kind::Pool);
    assert_eq!(pool.live_bytes, 0);
    assert_eq!(pool.allocations, 16);
    assert_eq!(pool.peak_bytes, 10 * 32);
}

#[test]
fn heap_accounting_follows_growth_and_drops() {
    let alloc = SmartAlloc::new(Default::default());
    let (texture, mesh) = alloc.with_tag("assets", |a| {
        let texture = a.heap_box([0u8; 4096]);
        let mut mesh = a.heap_vec::<[f32; 3]>();
        mesh.extend((0..1000).map(|i| [i as f32; 3]));
        (texture, mesh)
    });
    let heap = alloc.stats().tag("assets").unwrap().kind(Kind::Heap);
    assert_eq!(heap.live_bytes, 4096 + (mesh.capacity() * 12) as u64);
    assert!(heap.allocations >= 2);
    std::thread::spawn(move || drop(mesh)).join().unwrap();
    drop(texture);
    let heap = alloc.stats().tag("assets").unwrap().kind(Kind::Heap);
    assert_eq!(heap.live_bytes, 0);
    assert!(heap.peak_bytes >= 4096 + 12_000);
}

#[test]
fn scoped_frame_bytes_go_to_the_tag_they_were_made_under() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    frame.alloc([0u8; 100]);
    frame.with_tag("particles", |f| {
        for _ in 0..10 {
            f.alloc([0u64; 16]); // 128 B each
        }
    });
    frame.alloc([0u8; 100]);
    let stats = alloc.stats();
    let particles = stats.tag("particles").unwrap().kind(Kind::Frame);
    // 1280 B plus at most 7 B of alignment padding after the 100 B array.
    assert!(
        (1280..1288).contains(&particles.allocated_bytes),
        "{particles:?}"
    );
    assert_eq!(
        particles.allocations, 0,
        "guard allocations are counter-free"
    );
    assert_eq!(particles.live_bytes, particles.allocated_bytes);
    let untagged = stats.tag("untagged").unwrap().kind(Kind::Frame);
    assert!(untagged.allocated_bytes >= 200);
    drop(frame);
    let stats = alloc.stats();
    assert_eq!(
        stats.tag("particles").unwrap().kind(Kind::Frame).live_bytes,
        0
    );
    assert_eq!(
        stats.tag("particles").unwrap().kind(Kind::Frame).peak_bytes,
        particles.allocated_bytes
    );
    assert!(stats.frame_peak_bytes >= 1480);
    assert_eq!(stats.frame_number, 1);
}

#[test]
fn tag_stack_unwinds_on_panic_and_nests() {
    let alloc = SmartAlloc::new(Default::default());
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        alloc.with_tag("outer", |a| {
            assert_eq!(a.current_tag(), "outer");
            a.with_tag("inner", |a| {
                assert_eq!(a.current_tag(), "inner");
                panic!("boom");
            })
        })
    }));
    assert!(r.is_err());
    assert_eq!(alloc.current_tag(), "untagged");
    let guard = alloc.tag("guarded");
    assert_eq!(guard.name(), "guarded");
    assert_eq!(alloc.current_tag(), "guarded");
    drop(guard);
    assert_eq!(alloc.current_tag(), "untagged");
}

#[test]
fn instances_keep_separate_stats_and_tags_are_per_thread() {
    let a = SmartAlloc::new(Default::default());
    let b = SmartAlloc::new(Default::default());
    let _x = a.with_tag("shared-name", |a| a.pool_box(1u64));
    assert_eq!(a.stats().total(Kind::Pool).allocations, 1);
    assert_eq!(b.stats().total(Kind::Pool), KindStats::default());
    let _guard = a.tag("main-only");
    let other = std::thread::spawn(|| SmartAlloc::default().current_tag())
        .join()
        .unwrap();
    assert_eq!(other, "untagged");
}

#[test]
fn display_renders_a_table_and_peaks_reset() {
    let alloc = SmartAlloc::new(Default::default());
    let big = alloc.with_tag("audio", |a| a.heap_box([0u8; 2048]));
    drop(big);
    let stats = alloc.stats();
    let table = stats.to_string();
    assert!(table.contains("tag"), "{table}");
    assert!(table.contains("audio"), "{table}");
    assert!(table.contains("2.0 KiB"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("total") && l.contains("heap")),
        "{table}"
    );
    // The columns are explained, and a total row shows no summed peak.
    assert!(table.contains("count: allocations so far"), "{table}");
    assert!(table.contains("scoped `frame.alloc`"), "{table}");
    let total_heap = table
        .lines()
        .find(|l| l.starts_with("total") && l.contains("heap"))
        .unwrap();
    assert!(total_heap.trim_end().ends_with('-'), "{total_heap}");
    assert_eq!(
        stats.tag("audio").unwrap().kind(Kind::Heap).peak_bytes,
        2048
    );
    alloc.reset_peaks();
    assert_eq!(
        alloc
            .stats()
            .tag("audio")
            .unwrap()
            .kind(Kind::Heap)
            .peak_bytes,
        0
    );
}

#[test]
fn handles_outliving_their_allocator_still_free_cleanly() {
    let alloc = SmartAlloc::new(Default::default());
    let b = alloc.with_tag("kept", |a| a.pool_box(String::from("outlives")));
    let arc = alloc.pool_arc(5u32);
    let heap = alloc.heap_box([1u32; 64]);
    drop(alloc);
    assert_eq!(*b, "outlives");
    std::thread::spawn(move || drop((b, arc, heap)))
        .join()
        .unwrap();
}

#[test]
fn a_frame_opened_inside_a_tag_is_accounted_to_it() {
    // The tag is pushed before this allocator's arena exists on the thread.
    let alloc = SmartAlloc::new(Default::default());
    let other = SmartAlloc::new(Default::default());
    other.frame_scope(|f| {
        f.alloc(1u8);
    }); // the thread's cached arena is `other`'s
    let n = {
        let _tag = alloc.tag("late");
        alloc.frame_scope(|f| f.alloc([0u8; 256]).len())
    };
    assert_eq!(n, 256);
    let late = alloc.stats().tag("late").map(|t| t.kind(Kind::Frame));
    assert!(late.is_some_and(|k| k.allocated_bytes >= 256), "{late:?}");
}

#[test]
fn bytes_given_back_by_a_shrinking_block_stay_accounted() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let before = alloc.stats().total(Kind::Frame).allocated_bytes;
    let mut v = allocator_api2::vec::Vec::new_in(frame.allocator());
    v.extend(0..100u64);
    v.truncate(1);
    // The latest arena block shrinks in place, giving 792 bytes back to the arena.
    v.shrink_to_fit();
    assert_eq!(v.capacity(), 1);
    let after = alloc.stats().total(Kind::Frame).allocated_bytes;
    assert!(after - before >= 100 * 8, "{before} -> {after}");
}

/// A frame whose memory was all given back before it ended (its vectors dropped first,
/// as in bumpalo's `extend` benches) needs no rewind, but its bytes and handles still
/// count, exactly, under the tag they were made in, and the next frame reuses the room.
#[test]
fn frames_whose_memory_was_given_back_are_still_accounted() {
    let alloc = SmartAlloc::new(Default::default());
    let tag_frame = |name| {
        alloc
            .stats()
            .tag(name)
            .map_or(KindStats::default(), |t| t.kind(Kind::Frame))
    };
    let first = {
        let frame = alloc.frame();
        let mut v = framealloc::FrameVec::<u8>::with_capacity_in(100, &frame);
        v.extend_from_slice(&[7; 100]);
        let at = v.as_ptr();
        drop(v);
        at
    };
    let untagged = tag_frame("untagged");
    assert_eq!(untagged.allocated_bytes, 100);
    assert_eq!(untagged.peak_bytes, 100);
    assert_eq!(untagged.live_bytes, 0);
    assert_eq!(untagged.allocations, 0, "scoped vectors are not handles");
    let second = {
        let frame = alloc.frame();
        let v = framealloc::FrameVec::<u8>::with_capacity_in(100, &frame);
        v.as_ptr()
    };
    assert_eq!(first, second, "the given-back room is reused");
    assert_eq!(tag_frame("untagged").allocated_bytes, 200);

    // Explicit handles dropped before `end_frame`, under a tag: bytes and handles.
    alloc.with_tag("given.back", |a| {
        a.begin_frame();
        let mut v = a.frame_vec::<u64>();
        v.extend_from_slice(&[1, 2, 3, 4]);
        drop(v);
        let b = a.frame_box(9u32);
        assert_eq!(*b, 9);
        drop(b);
        a.end_frame();
    });
    let tagged = tag_frame("given.back");
    assert_eq!(tagged.allocations, 2);
    assert!(tagged.allocated_bytes >= 4 * 8 + 4, "{tagged:?}");
    assert_eq!(tagged.live_bytes, 0);
    assert_eq!(alloc.stats().frame_bytes, 0);
    assert_eq!(
        tag_frame("untagged").allocated_bytes,
        200,
        "nothing went to untagged"
    );
}

/// Only the latest block goes back in place; one dropped out of order stays in use until
/// the frame ends. Either way every byte counts once: the give-back accounting must tell
/// the two apart (it tests bumpalo's bump pointer, as bumpalo does).
#[test]
fn vectors_dropped_in_any_order_count_each_byte_once() {
    let alloc = SmartAlloc::new(Default::default());
    let frame_bytes = || alloc.stats().total(Kind::Frame);
    for newest_first in [false, true] {
        let before = frame_bytes();
        {
            let frame = alloc.frame();
            let older = framealloc::FrameVec::<u8>::with_capacity_in(48, &frame);
            let newer = framealloc::FrameVec::<u8>::with_capacity_in(16, &frame);
            let (older_at, newer_at) = (older.as_ptr(), newer.as_ptr());
            if newest_first {
                drop(newer); // latest: given back in place
                assert_eq!(alloc.stats().frame_bytes, 48);
                drop(older); // now the latest too
                assert_eq!(alloc.stats().frame_bytes, 0);
                let again = framealloc::FrameVec::<u8>::with_capacity_in(48, &frame);
                assert_eq!(again.as_ptr(), older_at, "both blocks came back");
                drop(again);
            } else {
                drop(older); // not the latest: stays in use until the frame ends
                assert_eq!(alloc.stats().frame_bytes, 64);
                drop(newer);
                assert_eq!(alloc.stats().frame_bytes, 48);
                let again = framealloc::FrameVec::<u8>::with_capacity_in(16, &frame);
                assert_eq!(again.as_ptr(), newer_at, "only the latest came back");
                drop(again);
            }
        }
        let after = frame_bytes();
        let credited = after.allocated_bytes - before.allocated_bytes;
        // 48 + 16 bytes, plus the 48- or 16-byte vector made again from the room given back.
        let expected = if newest_first {
            48 + 16 + 48
        } else {
            48 + 16 + 16
        };
        assert_eq!(credited, expected, "newest_first = {newest_first}");
        assert_eq!(after.live_bytes, 0);
        assert_eq!(alloc.stats().frame_bytes, 0);
    }
}

#[test]
fn frame_bytes_is_the_current_frames_use() {
    let alloc = SmartAlloc::new(Default::default());
    assert_eq!(alloc.stats().frame_bytes, 0);
    let frame = alloc.frame();
    frame.alloc([0u64; 64]); // 512 B
    let in_frame = alloc.stats();
    assert_eq!(in_frame.frame_bytes, 512);
    assert!(in_frame.to_string().contains("512 B in use"));
    drop(frame);
    let after = alloc.stats();
    assert_eq!(after.frame_bytes, 0, "reset at frame end");
    assert_eq!(after.frame_peak_bytes, 512);
}

/// Tags belong to the thread, not to one allocator: frame bytes allocated through a
/// second allocator inside a tag scope opened on the first are the tag's, even though
/// the tag changed while the first allocator's arena was the thread's cached one.
#[test]
fn frame_bytes_follow_the_thread_tag_across_allocators() {
    let a = SmartAlloc::new(Default::default());
    let b = SmartAlloc::new(Default::default());
    b.begin_frame();
    a.begin_frame(); // `a`'s arena is now the one the thread checkpoints on tag changes
    {
        let _physics = a.tag("physics");
        let x = b.frame_box([1u8; 256]);
        assert_eq!(x[255], 1);
    }
    a.end_frame();
    b.end_frame();
    let frame = |name| {
        b.stats()
            .tag(name)
            .map_or(0, |t| t.kind(Kind::Frame).allocated_bytes)
    };
    assert!(
        frame("physics") >= 256,
        "physics got {} B",
        frame("physics")
    );
    assert!(
        frame("untagged") < 256,
        "untagged got {} B",
        frame("untagged")
    );
}

/// A refused call counts nothing, not even when its budget callback pushes a tag (a
/// checkpoint, which counts the call's hold as a handle while the call is still running):
/// the refusal takes the count back. Found by a review in session 9 (the count was 1).
#[test]
fn a_refused_call_whose_callback_pushes_a_tag_counts_nothing() {
    use std::sync::LazyLock;

    use framealloc::{AllocConfig, BudgetPolicy, Error};

    // A static: the callback reaches the allocator without a cycle through a clone.
    static ALLOC: LazyLock<SmartAlloc> = LazyLock::new(|| {
        SmartAlloc::new(AllocConfig {
            budget_policy: BudgetPolicy::Enforce,
            ..Default::default()
        })
    });
    let alloc: &'static SmartAlloc = &ALLOC;
    alloc.set_thread_frame_budget(16);
    alloc.on_budget_event(|_| ALLOC.with_tag("refused.callback", |_| ()));
    let frame_count = || {
        let stats = alloc.stats();
        (
            stats.total(Kind::Frame).allocations,
            stats
                .tag("refused.call")
                .map_or(0, |t| t.kind(Kind::Frame).allocations),
        )
    };
    alloc.with_tag("refused.call", |a| {
        a.begin_frame();
        let kept = a.frame_box(1u8); // counted: a handle made
        assert!(matches!(
            a.try_frame_box([0u8; 64]),
            Err(Error::BudgetExceeded { .. })
        ));
        assert!(matches!(
            a.try_frame_vec_with_capacity::<u64>(8),
            Err(Error::BudgetExceeded { .. })
        ));
        drop(kept);
        a.end_frame();
    });
    assert_eq!(
        frame_count(),
        (1, 1),
        "only the handle that was made counts"
    );
    // And without a checkpoint in the callback, the same.
    alloc.on_budget_event(|_| ());
    alloc.with_tag("refused.call", |a| {
        a.begin_frame();
        assert!(a.try_frame_box([0u8; 64]).is_err());
        a.end_frame();
    });
    assert_eq!(frame_count(), (1, 1));
}

/// A refused call counts nothing either when its budget callback leaves a tag pushed (a
/// guard forgotten, or kept to tag what follows an overrun): the count the callback's
/// checkpoint gave the call's hold is taken back from the tag it was counted under, not
/// from the tag current when the call fails. Found by a review in session 12 (the call's
/// tag kept a count of 1 and the callback's tag wrapped to `u64::MAX`).
#[test]
fn a_refused_call_whose_callback_leaves_a_tag_pushed_counts_nothing() {
    use std::cell::RefCell;
    use std::sync::LazyLock;

    use framealloc::{AllocConfig, BudgetPolicy, Error, TagGuard};

    static ALLOC: LazyLock<SmartAlloc> = LazyLock::new(|| {
        SmartAlloc::new(AllocConfig {
            budget_policy: BudgetPolicy::Enforce,
            ..Default::default()
        })
    });
    thread_local! {
        static KEPT: RefCell<Option<TagGuard>> = const { RefCell::new(None) };
    }
    let alloc: &'static SmartAlloc = &ALLOC;
    alloc.set_thread_frame_budget(100);
    let counts = |tags: &[&str]| {
        let stats = alloc.stats();
        let per_tag: Vec<u64> = tags
            .iter()
            .map(|tag| {
                stats
                    .tag(tag)
                    .map_or(0, |t| t.kind(Kind::Frame).allocations)
            })
            .collect();
        (stats.total(Kind::Frame).allocations, per_tag)
    };

    // The callback keeps a guard until after the call ("tag everything after an
    // overrun"), dropped before the frame ends.
    alloc.on_budget_event(|_| KEPT.with(|k| *k.borrow_mut() = Some(ALLOC.tag("left.kept"))));
    alloc.with_tag("left.call", |a| {
        a.begin_frame();
        assert!(matches!(
            a.try_frame_box([0u8; 1000]),
            Err(Error::BudgetExceeded { .. })
        ));
        assert!(a.try_frame_vec_with_capacity::<u64>(200).is_err());
        KEPT.with(|k| k.borrow_mut().take());
        a.end_frame();
    });
    assert_eq!(counts(&["left.call", "left.kept"]), (0, vec![0, 0]));

    // The callback forgets its guard: the tag stays pushed for good (here: until the
    // outer guard below ends every scope opened inside it).
    alloc.on_budget_event(|_| core::mem::forget(ALLOC.tag("left.forgotten")));
    alloc.with_tag("left.call", |a| {
        a.begin_frame();
        let kept = a.frame_box(7u32); // made: counted
        assert!(a.try_frame_box([0u8; 1000]).is_err());
        assert_eq!(*kept, 7);
        drop(kept);
        a.end_frame();
    });
    assert_eq!(
        counts(&["left.call", "left.forgotten"]),
        (1, vec![1, 0]),
        "only the handle that was made counts, under its own tag"
    );
}
