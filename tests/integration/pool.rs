//! Pools: `PoolBox`, `PoolArc`, `PoolAllocator`.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use framealloc::{Error, PoolArc, PoolBox, SmartAlloc};

#[derive(Debug, Default, Clone, PartialEq)]
struct Entity {
    id: u64,
    pos: [f32; 3],
    name: String,
}

#[test]
fn guide_pool_allocation() {
    #[derive(Default)]
    struct SharedData {
        value: u32,
    }
    let alloc = SmartAlloc::new(Default::default());
    let entity = alloc.pool_box(Entity {
        id: 1,
        ..Default::default()
    });
    let handle = alloc.pool_arc(SharedData::default());
    assert_eq!(entity.id, 1);
    assert_eq!(handle.value, 0);
}

#[test]
fn values_of_every_size_round_trip_with_alignment() {
    let alloc = SmartAlloc::new(Default::default());
    macro_rules! check {
        ($($n:expr),*) => {$(
            let b = alloc.pool_box([0xA5u8; $n]);
            assert!(b.iter().all(|&x| x == 0xA5));
            let p = &raw const *b as usize;
            assert_eq!(p % align_of::<[u8; $n]>(), 0);
            drop(b);
        )*};
    }
    check!(
        1, 15, 16, 17, 48, 100, 128, 129, 500, 1000, 1024, 1025, 4096, 8192
    );
    let wide = alloc.pool_box([7u128; 3]);
    assert_eq!(&raw const *wide as usize % 16, 0);
    assert_eq!(*wide, [7; 3]);

    #[repr(align(4096))]
    struct Page4k([u8; 32]);
    let page = alloc.pool_box(Page4k([3; 32]));
    assert_eq!(&raw const *page as usize % 4096, 0);
    assert_eq!(page.0, [3; 32]);

    struct Zst;
    let zsts: Vec<PoolBox<Zst>> = (0..100).map(|_| alloc.pool_box(Zst)).collect();
    assert_eq!(zsts.len(), 100);
    let unit = alloc.pool_box(());
    assert_eq!(*unit, ());
}

#[test]
fn freed_blocks_are_reused_on_the_same_thread() {
    let alloc = SmartAlloc::new(Default::default());
    let a = alloc.pool_box([1u64; 6]); // 48 B class
    let addr = &raw const *a as usize;
    drop(a);
    let b = alloc.pool_box([2u64; 6]);
    assert_eq!(
        &raw const *b as usize, addr,
        "LIFO reuse of the freed block"
    );
    // Many live blocks never overlap (more than a 64 KiB page of them natively; under
    // Miri, which checks every access to them, a few hundred).
    let n = framealloc_tests::iterations(2000, 300) as u64;
    let many: Vec<PoolBox<[u64; 6]>> = (0..n).map(|i| alloc.pool_box([i; 6])).collect();
    let addrs: HashSet<usize> = many.iter().map(|b| &raw const **b as usize).collect();
    assert_eq!(addrs.len(), many.len());
    for (i, b) in many.iter().enumerate() {
        assert_eq!(**b, [i as u64; 6]);
    }
}

#[test]
fn destructors_run_once() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct Counted(#[allow(dead_code)] u32);
    impl Drop for Counted {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::SeqCst);
        }
    }
    let alloc = SmartAlloc::new(Default::default());
    let b = alloc.pool_box(Counted(1));
    let arc = alloc.pool_arc(Counted(2));
    let arc2 = arc.clone();
    drop(b);
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);
    drop(arc);
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);
    drop(arc2);
    assert_eq!(DROPS.load(Ordering::SeqCst), 2);
    let inner = PoolBox::into_inner(alloc.pool_box(Counted(3)));
    assert_eq!(DROPS.load(Ordering::SeqCst), 2);
    drop(inner);
    assert_eq!(DROPS.load(Ordering::SeqCst), 3);
}

#[test]
fn boxes_outlive_every_allocator_clone() {
    let alloc = SmartAlloc::new(Default::default());
    let b = alloc.pool_box(Entity {
        id: 9,
        name: "kept".into(),
        ..Default::default()
    });
    let arc = alloc.pool_arc(vec![1, 2, 3]);
    let clone = alloc.clone();
    drop(alloc);
    drop(clone);
    assert_eq!(b.name, "kept");
    assert_eq!(*arc, [1, 2, 3]);
}

#[test]
fn handles_outliving_their_allocator_keep_its_accounting_alive() {
    // Pool handles point into their allocator's accounting shard without a reference
    // count; a dropped allocator's shard is freed by a later allocator drop once no
    // pool bytes are live in it. Under Miri, freeing it too early is a use-after-free.
    let alloc = SmartAlloc::new(Default::default());
    let zst = alloc.pool_box(()); // no bytes: must not touch its slot when dropped
    let b = alloc.pool_box([1u64; 4]);
    drop(alloc);
    let clone = b.clone(); // accounted (owner thread) on the orphaned shard
    drop(b);
    drop(SmartAlloc::new(Default::default())); // sweeps orphans: `clone` is live
    let clone = std::thread::spawn(move || {
        let again = clone.clone(); // remote allocation
        drop(clone); // remote free
        again
    })
    .join()
    .unwrap();
    drop(SmartAlloc::new(Default::default()));
    assert_eq!(*clone, [1; 4]);
    drop(clone);
    drop(SmartAlloc::new(Default::default())); // now the shard may go
    let zst_clone = zst.clone(); // a zero-size clone must not touch the freed slot
    assert_eq!(*zst_clone, ());
    drop((zst, zst_clone));
}

#[test]
fn boxes_dropped_on_another_thread_come_back() {
    if cfg!(miri) {
        // 1 KiB blocks, 63 to a page: the same path, with a fresh page tail short enough
        // for Miri (the 48 B class would need ~1360 allocations before the reuse).
        remote_frees_come_back::<128>(100, 100);
    } else {
        remote_frees_come_back::<6>(5000, 3000);
    }
}

/// `n` boxes of `WORDS` words freed on another thread are all handed out again by the
/// owner within `n + slack` allocations.
fn remote_frees_come_back<const WORDS: usize>(n: usize, slack: usize) {
    let alloc = SmartAlloc::new(Default::default());
    let boxes: Vec<PoolBox<[u64; WORDS]>> =
        (0..n).map(|i| alloc.pool_box([i as u64; WORDS])).collect();
    let addrs: HashSet<usize> = boxes.iter().map(|b| &raw const **b as usize).collect();
    std::thread::spawn(move || {
        for (i, b) in boxes.into_iter().enumerate() {
            assert_eq!(*b, [i as u64; WORDS]);
            drop(b); // remote free
        }
    })
    .join()
    .unwrap();
    // The owner takes the remote frees back on its next free-list miss, at the latest
    // once the fresh tail of its current page is used up (a 64 KiB page holds ~1360
    // blocks of 48 B, 63 of 1 KiB): allocating that many more reuses the freed blocks.
    let mut again = Vec::new();
    let mut reused = 0;
    while reused < n && again.len() < n + slack {
        let b = alloc.pool_box([7u64; WORDS]);
        if addrs.contains(&(&raw const *b as usize)) {
            reused += 1;
        }
        again.push(b);
    }
    assert_eq!(
        reused,
        n,
        "remote frees not taken back after {} allocations",
        again.len()
    );
    assert!(again.iter().all(|b| **b == [7; WORDS]));
}

#[test]
fn pool_arc_shared_across_threads() {
    let alloc = SmartAlloc::new(Default::default());
    let shared = alloc.pool_arc(AtomicUsize::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let s = shared.clone();
            std::thread::spawn(move || {
                for _ in 0..framealloc_tests::iterations(1000, 20) {
                    s.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(
        shared.load(Ordering::Relaxed),
        4 * framealloc_tests::iterations(1000, 20)
    );
    assert_eq!(PoolArc::strong_count(&shared), 1);
    let other = shared.clone();
    assert!(PoolArc::ptr_eq(&shared, &other));
}

/// Counts drops of the value.
struct Tracked(Arc<AtomicUsize>, u64);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn pool_weak_does_not_keep_the_value_only_the_block() {
    let alloc = SmartAlloc::new(Default::default());
    let drops = Arc::new(AtomicUsize::new(0));
    let strong = alloc.pool_arc(Tracked(drops.clone(), 42));
    let weak = PoolArc::downgrade(&strong);
    let weak2 = weak.clone();
    assert_eq!(
        (PoolArc::strong_count(&strong), PoolArc::weak_count(&strong)),
        (1, 2)
    );
    let again = weak.upgrade().expect("alive");
    assert_eq!(again.1, 42);
    assert!(PoolArc::ptr_eq(&strong, &again));
    assert_eq!(weak.strong_count(), 2);
    drop((strong, again));
    // The value is gone as soon as the last strong handle is...
    assert_eq!(drops.load(Ordering::Relaxed), 1);
    assert!(weak.upgrade().is_none());
    assert_eq!(weak2.strong_count(), 0);
    // ...the block only with the last weak one.
    #[cfg(not(feature = "minimal"))]
    let live = || alloc.stats().total(framealloc::Kind::Pool).live_bytes;
    #[cfg(not(feature = "minimal"))]
    assert!(live() > 0);
    drop(weak);
    drop(weak2);
    #[cfg(not(feature = "minimal"))]
    assert_eq!(live(), 0);
    assert_eq!(drops.load(Ordering::Relaxed), 1);
}

#[test]
fn pool_weak_upgrades_race_the_last_drop() {
    let alloc = SmartAlloc::new(Default::default());
    for round in 0..framealloc_tests::iterations(200, 4) {
        let drops = Arc::new(AtomicUsize::new(0));
        let strong = alloc.pool_arc(Tracked(drops.clone(), round as u64));
        let weak = PoolArc::downgrade(&strong);
        let upgrader = std::thread::spawn(move || {
            // Either the value is still there, whole, or upgrading fails.
            weak.upgrade().map(|s| s.1)
        });
        drop(strong);
        if let Some(seen) = upgrader.join().unwrap() {
            assert_eq!(seen, round as u64);
        }
        assert_eq!(drops.load(Ordering::Relaxed), 1, "dropped exactly once");
    }
    #[cfg(not(feature = "minimal"))]
    assert_eq!(alloc.stats().total(framealloc::Kind::Pool).live_bytes, 0);
}

#[test]
fn send_sync_follow_the_payload() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<PoolBox<u32>>();
    send_sync::<PoolArc<Arc<u32>>>();
    send_sync::<framealloc::PoolWeak<Arc<u32>>>();
    send_sync::<framealloc::HeapBox<Vec<u8>>>();
    send_sync::<framealloc::HeapVec<String>>();
}

#[test]
fn try_twins_report_out_of_memory_on_the_heap_path() {
    let alloc = SmartAlloc::new(Default::default());
    assert_eq!(alloc.try_pool_box(5u8).map(|b| *b), Ok(5));
    assert_eq!(alloc.try_pool_arc(6u8).map(|b| *b), Ok(6));
    let _ = Error::OutOfMemory; // the variant the pool reports when the system refuses
}

#[test]
fn pool_allocator_backs_collections() {
    let alloc = SmartAlloc::new(Default::default());
    let mut v = allocator_api2::vec::Vec::new_in(alloc.pool_allocator());
    for i in 0..300u32 {
        v.push(i); // grows through several size classes, then to the heap path
    }
    assert!(v.iter().copied().eq(0..300));
    let mut map = hashbrown::HashMap::new_in(alloc.pool_allocator());
    for i in 0..100u32 {
        map.insert(i, i.to_string());
    }
    assert_eq!(map.get(&42).map(String::as_str), Some("42"));
    // Dropped on another thread.
    std::thread::spawn(move || drop((v, map))).join().unwrap();
}

/// A pool block held by an `allocator_api2` `Box` comes back through `Allocator::
/// deallocate` with a pointer derived from the box's `&mut`, whose provenance covers only
/// the block; freeing it reads the page header outside that range (Miri flagged it under
/// both aliasing models before the page's provenance was exposed for such frees).
#[test]
fn pool_blocks_held_by_allocator_api2_boxes_are_freed_through_their_page() {
    use allocator_api2::boxed::Box as ApiBox;
    let alloc = SmartAlloc::default();
    let a = ApiBox::new_in([1u64; 4], alloc.pool_allocator());
    let mut b = ApiBox::new_in([2u64; 4], alloc.pool_allocator());
    b[0] = 3;
    assert_eq!((a[3], b[0], b[3]), (1, 3, 2));
    let a_at = (&raw const *a).addr();
    drop(a);
    drop(b);
    // The blocks went back to the pool: the next allocations of the class reuse them.
    let c = ApiBox::new_in([4u64; 4], alloc.pool_allocator());
    let d = ApiBox::new_in([5u64; 4], alloc.pool_allocator());
    let reused = [(&raw const *c).addr(), (&raw const *d).addr()];
    assert!(reused.contains(&a_at), "{a_at:#x} not in {reused:x?}");
    if cfg!(not(feature = "minimal")) {
        assert_eq!(alloc.stats().total(framealloc::Kind::Pool).live_bytes, 64);
    }
}
