//! The `minimal` feature: stats and tag recording are compiled out, the APIs stay, and
//! the safety counters (frames, live handles, deferred resets) and thread budgets work.

use framealloc::{AllocConfig, BudgetPolicy, Error, Kind, KindStats, SmartAlloc};

#[test]
fn stats_are_empty_and_tags_are_not_recorded() {
    let alloc = SmartAlloc::new(Default::default());
    let kept = alloc.with_tag("physics", |a| {
        assert_eq!(a.current_tag(), "untagged");
        a.frame_scope(|f| {
            f.alloc([0u8; 256]);
        });
        a.pool_box([1u64; 8])
    });
    let _tag = alloc.tag("render");
    let heap = alloc.heap_box([2u8; 100]);
    let stats = alloc.stats();
    assert!(stats.tags.is_empty());
    assert_eq!(stats.tag("physics"), None);
    for kind in Kind::ALL {
        assert_eq!(stats.total(kind), KindStats::default());
    }
    assert_eq!(stats.frame_peak_bytes, 0);
    // Frame counters are safety state, not stats: still exact.
    assert_eq!(stats.frame_number, 1);
    assert_eq!((*kept)[7], 1);
    assert_eq!(heap[99], 2);
    // The table still renders (an empty one).
    assert!(stats.to_string().contains("total"));
}

#[test]
fn safety_counters_stay() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let v = alloc.frame_vec::<u32>();
    assert_eq!(alloc.live_frame_handles(), 1);
    alloc.end_frame();
    assert_eq!(
        alloc.frame_resets(),
        0,
        "reset deferred while the vector lives"
    );
    drop(v);
    assert_eq!(alloc.frame_resets(), 1);
    assert_eq!(alloc.deferred_resets(), 1);
    assert_eq!(alloc.try_end_frame(), Err(Error::NotInFrame));
}

#[test]
fn pool_handles_outlive_the_allocator_without_stats() {
    let alloc = SmartAlloc::new(Default::default());
    let boxes: Vec<_> = (0..100u32).map(|i| alloc.pool_box(i)).collect();
    let arc = alloc.pool_arc(5u64);
    drop(alloc);
    let sum: u32 = std::thread::spawn(move || boxes.iter().map(|b| **b).sum())
        .join()
        .unwrap();
    assert_eq!(sum, 4950);
    assert_eq!(*arc.clone(), 5);
}

#[test]
fn thread_frame_budgets_still_apply() {
    let alloc = SmartAlloc::new(AllocConfig {
        budget_policy: BudgetPolicy::Enforce,
        ..Default::default()
    });
    alloc.set_thread_frame_budget(100);
    alloc.begin_frame();
    assert!(matches!(
        alloc.try_frame_box([0u8; 200]),
        Err(Error::BudgetExceeded { limit: 100, .. })
    ));
    alloc.end_frame();
    // Tag budgets cannot be checked without tag accounting.
    alloc.set_tag_budget("physics", 1);
    assert!(alloc.with_tag("physics", |a| a.try_pool_box([0u8; 64]).is_ok()));
}
