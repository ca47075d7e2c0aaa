//! Bad input: zero-size types, extreme alignment, overflowing and absurd sizes.

use framealloc::{Error, SmartAlloc};

#[derive(Default, Debug, Clone, Copy, PartialEq)]
#[repr(align(4096))]
struct Page([u8; 16]);

// SAFETY: plain data, no destructor.
unsafe impl framealloc::FrameSafe for Page {}

#[derive(Default, Debug, Clone, Copy, PartialEq)]
#[repr(align(8192))]
struct BigAlign(u8);

#[test]
fn zero_sized_types() {
    #[derive(Default, Debug, PartialEq)]
    struct Zst;
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let a = alloc.frame_box(());
    let b = alloc.frame_box(Zst);
    let s = alloc.frame_slice::<Zst>(framealloc_tests::iterations(1_000_000, 1_000));
    let mut v = alloc.frame_vec::<Zst>();
    for _ in 0..100 {
        v.push(Zst);
    }
    assert_eq!(*a, ());
    assert_eq!(*b, Zst);
    assert_eq!(s.len(), framealloc_tests::iterations(1_000_000, 1_000));
    // A ZST vector never needs memory: its capacity is unbounded from the start.
    let units = alloc.frame_vec_with_capacity::<()>(usize::MAX);
    assert_eq!(units.capacity(), usize::MAX);
    drop(units);
    assert_eq!(v.len(), 100);
    let frame = alloc.frame();
    let z: &mut () = frame.alloc(());
    *z = ();
    drop(frame);
    drop((a, b, s, v));
    alloc.end_frame();
}

#[test]
fn alignment_4096_and_beyond() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let mut pages = Vec::new();
    for i in 0..8u8 {
        let p = alloc.frame_box(Page([i; 16]));
        assert_eq!(&raw const *p as usize % 4096, 0);
        pages.push(p);
    }
    let slice = alloc.frame_slice::<Page>(3);
    assert_eq!(slice.as_ptr() as usize % 4096, 0);
    let big = alloc.frame_box(BigAlign(1));
    assert_eq!(&raw const *big as usize % 8192, 0);
    let mut v = alloc.frame_vec::<BigAlign>();
    v.extend((0..10).map(BigAlign));
    assert_eq!(v.as_ptr() as usize % 8192, 0);
    for (i, p) in pages.iter().enumerate() {
        assert_eq!(p.0, [i as u8; 16]);
    }
    let frame = alloc.frame();
    let p = frame.alloc(Page([9; 16]));
    assert_eq!(std::ptr::from_mut(p) as usize % 4096, 0);
    drop(frame);
    drop((pages, slice, big, v));
    alloc.end_frame();
}

#[test]
fn overflowing_slice_length_is_capacity_overflow() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    assert_eq!(
        alloc.try_frame_slice::<u64>(usize::MAX / 4).err(),
        Some(Error::CapacityOverflow)
    );
    assert_eq!(
        alloc.try_frame_slice::<u64>(usize::MAX).err(),
        Some(Error::CapacityOverflow)
    );
    assert_eq!(
        alloc
            .try_frame_vec_with_capacity::<u64>(usize::MAX / 4)
            .err(),
        Some(Error::CapacityOverflow)
    );
    let mut v = alloc.frame_vec::<u32>();
    assert_eq!(v.try_reserve(usize::MAX), Err(Error::CapacityOverflow));
    v.push(1);
    assert_eq!(*v, [1]);
    // The failed calls left no handle behind.
    assert_eq!(alloc.live_frame_handles(), 1);
    drop(v);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = alloc.frame_slice::<u64>(usize::MAX / 4);
    }));
    let message = *r.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("CapacityOverflow"), "{message}");
    alloc.end_frame();
    assert_eq!(alloc.live_frame_handles(), 0);
}

/// A request the system cannot satisfy (just under `isize::MAX`) is a clean error.
#[test]
#[cfg_attr(
    miri,
    ignore = "Miri aborts on huge allocation requests instead of failing them"
)]
fn absurd_but_valid_sizes_are_out_of_memory() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let n = (isize::MAX as usize) / 8 - 1024;
    assert_eq!(
        alloc.try_frame_slice::<u64>(n).err(),
        Some(Error::OutOfMemory)
    );
    let frame = alloc.frame();
    assert_eq!(
        frame.try_frame_vec_with_capacity::<u64>(n).err(),
        Some(Error::OutOfMemory)
    );
    drop(frame);
    // The arena still works after the failure.
    let b = alloc.frame_box(5u8);
    assert_eq!(*b, 5);
    drop(b);
    assert_eq!(alloc.live_frame_handles(), 0);
    alloc.end_frame();
}

#[test]
fn panicking_default_in_frame_slice_drops_the_prefix() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static MADE: AtomicUsize = AtomicUsize::new(0);
    static DROPPED: AtomicUsize = AtomicUsize::new(0);
    struct Fragile;
    impl Default for Fragile {
        fn default() -> Self {
            assert!(
                MADE.fetch_add(1, Ordering::SeqCst) < 5,
                "sixth default panics"
            );
            Fragile
        }
    }
    impl Drop for Fragile {
        fn drop(&mut self) {
            DROPPED.fetch_add(1, Ordering::SeqCst);
        }
    }
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = alloc.frame_slice::<Fragile>(10);
    }));
    assert!(r.is_err());
    assert_eq!(DROPPED.load(Ordering::SeqCst), 5);
    assert_eq!(alloc.live_frame_handles(), 0);
    alloc.end_frame();
}

#[test]
fn panicking_destructor_does_not_free_under_live_handles() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("destructor panics");
        }
    }
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let survivor = alloc.frame_box([0x5Au8; 64]);
    let bomb = alloc.frame_box(Bomb);
    alloc.end_frame();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(bomb)));
    assert!(r.is_err());
    // `survivor` is still a live handle: its memory is intact.
    assert_eq!(alloc.live_frame_handles(), 1);
    assert_eq!(*survivor, [0x5A; 64]);
    drop(survivor);
    assert_eq!(alloc.live_frame_handles(), 0);
    // The arena is usable again.
    alloc.begin_frame();
    assert_eq!(*alloc.frame_box(1u8), 1);
    alloc.end_frame();
}

#[test]
fn tag_guards_may_outlive_every_allocator() {
    // A tag change checkpoints the thread's last-used arena without holding an
    // allocator: it must not touch the arena of a dropped allocator (Miri caught this).
    let first = SmartAlloc::new(Default::default());
    let outer = first.tag("outer");
    {
        let second = SmartAlloc::new(Default::default());
        let inner = second.tag("inner");
        second.frame_scope(|f| {
            f.alloc([1u8; 64]);
        });
        drop(second); // dropped with its tag still pushed and its arena cached
        drop(inner);
    }
    drop(outer);
    // Another thread's arena, dropped on this thread while that thread lives on.
    let alloc = SmartAlloc::new(Default::default());
    let worker_alloc = alloc.clone();
    let (to_worker, worker_rx) = std::sync::mpsc::channel::<()>();
    let (to_main, main_rx) = std::sync::mpsc::channel::<()>();
    let worker = std::thread::spawn(move || {
        let tag = worker_alloc.tag("worker");
        worker_alloc.frame_scope(|f| {
            f.alloc([2u8; 64]);
        });
        drop(worker_alloc);
        to_main.send(()).unwrap();
        worker_rx.recv().unwrap(); // the allocator is gone now
        drop(tag); // pops with a cache entry naming the dropped instance's arena
        // A new allocator on this thread frees the old arena at its first cache miss.
        let fresh = SmartAlloc::new(Default::default());
        fresh.frame_scope(|f| *f.alloc(7u32))
    });
    main_rx.recv().unwrap();
    #[cfg(not(feature = "minimal"))]
    {
        use framealloc::Kind;
        let worker = alloc.stats().tag("worker");
        assert_eq!(
            worker.map(|t| t.kind(Kind::Frame).allocated_bytes),
            Some(64)
        );
    }
    drop(alloc);
    to_worker.send(()).unwrap();
    assert_eq!(worker.join().unwrap(), 7);
    // Still usable afterwards on this thread.
    let again = SmartAlloc::new(Default::default());
    assert_eq!(
        again.with_tag("again", |a| a.frame_scope(|f| *f.alloc(3u8))),
        3
    );
}
