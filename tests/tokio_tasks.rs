//! Issue 15, feature `tokio`: tasks that own a `TaskFrame` on a multi-thread runtime
//! (`framealloc::tokio::spawn_with_frame`, `spawn_with_frame_in`).
//!
//! Its own test binary because it installs a counting `#[global_allocator]`. tokio itself
//! allocates (every spawn allocates its task), so the count is taken only inside the
//! tasks' frame work (`counted`): allocating, filling, checking, resetting and dropping
//! the task frame. No tokio under Miri: the core task-frame tests (`task_frame.rs`) run
//! there with a hand-written executor.
#![cfg(feature = "tokio")]

use std::alloc::Layout;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use framealloc::tokio::{spawn_with_frame, spawn_with_frame_in};
use framealloc::{SmartAlloc, TaskFrame};
use framealloc_tests::{CountingAlloc, SystemCall};
use tokio::runtime::Runtime;
use tokio::task::{JoinSet, yield_now};

thread_local! {
    // Const, destructor-free: usable from inside the allocator at any time.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

/// System allocator calls made inside `counted` sections, on every thread.
static COUNTED: AtomicU64 = AtomicU64::new(0);

fn on_call(_: SystemCall, _: Layout) {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        COUNTED.fetch_add(1, Ordering::Relaxed);
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc(on_call);

/// Run `f` with this thread's system allocator calls counted (a task's synchronous frame
/// work: no `.await` inside, so it runs on one thread).
fn counted<R>(f: impl FnOnce() -> R) -> R {
    struct Off;
    impl Drop for Off {
        fn drop(&mut self) {
            COUNTING.with(|c| c.set(false));
        }
    }
    COUNTING.with(|c| c.set(true));
    let _off = Off;
    f()
}

fn runtime(workers: usize) -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .unwrap()
}

fn pattern(task: usize, round: usize, i: usize) -> u32 {
    (task as u32).wrapping_mul(0x9E37_79B9) ^ ((round as u32) << 16) ^ i as u32
}

const ROUNDS: usize = 4;
const LEN: usize = 96;

/// One request-like task: per round, task-specific data in three shapes (plain slice,
/// frozen `TaskVec`, `FixedTaskVec`), several yields (the task may resume on another
/// worker), a check that nothing else wrote into it, a reset. Returns the values checked.
async fn task_work(mut frame: TaskFrame, task: usize) -> usize {
    let mut checked = 0;
    for round in 0..ROUNDS {
        let (xs, grown, mut fixed) = counted(|| {
            let xs = frame.alloc_slice_fill_with(LEN, |i| pattern(task, round, i));
            let mut grown = frame.task_vec::<u32>();
            grown.extend((0..LEN).map(|i| pattern(task, round, i) + 1));
            let fixed = frame.fixed_vec::<u64>(LEN);
            (xs, grown.into_slice(), fixed)
        });
        yield_now().await;
        counted(|| {
            for i in 0..LEN {
                fixed.push(u64::from(!pattern(task, round, i))).unwrap();
            }
        });
        for _ in 0..3 {
            yield_now().await;
        }
        checked += counted(|| {
            let mut n = 0;
            for i in 0..LEN {
                assert_eq!(xs[i], pattern(task, round, i), "task {task} round {round}");
                assert_eq!(grown[i], pattern(task, round, i) + 1);
                assert_eq!(fixed[i], u64::from(!pattern(task, round, i)));
                n += 3;
            }
            n
        });
        yield_now().await;
        counted(|| drop(fixed));
        counted(|| {
            frame.reset();
            assert_eq!(frame.bytes_used(), 0);
        });
    }
    counted(|| drop(frame)); // back to the pool
    checked
}

/// ~1000 tasks on 4 workers, in waves of 64 spawned at once: every task's data stays its
/// own across awaits, the pool never holds more arenas than task frames alive at once,
/// the frame work makes no system allocation once the arenas have grown, and every arena
/// is back at the end.
#[test]
#[cfg_attr(miri, ignore = "no tokio under Miri")]
fn a_thousand_tasks_on_four_workers() {
    const WAVES: usize = 16;
    const WARM_UP: usize = 4;
    const PER_WAVE: usize = 64;
    let rt = runtime(4);
    let alloc = SmartAlloc::new(Default::default());
    // Task frames that may be alive: raised before a spawn checks one out, lowered after
    // the task dropped it, so it is never below the pool's count in use.
    let alive = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let mut steady_calls = 0;
    rt.block_on(async {
        for wave in 0..WAVES {
            let before = COUNTED.load(Ordering::Relaxed);
            let mut handles = Vec::with_capacity(PER_WAVE);
            for t in 0..PER_WAVE {
                let task = wave * PER_WAVE + t;
                let now = alive.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                let alive = alive.clone();
                let tag = if task.is_multiple_of(2) {
                    "get"
                } else {
                    "post"
                };
                handles.push(alloc.with_tag(tag, |a| {
                    spawn_with_frame(a, move |frame| async move {
                        let checked = task_work(frame, task).await;
                        alive.fetch_sub(1, Ordering::SeqCst);
                        checked
                    })
                }));
            }
            for handle in handles {
                assert_eq!(handle.await.unwrap(), ROUNDS * LEN * 3);
            }
            let calls = COUNTED.load(Ordering::Relaxed) - before;
            if wave == 0 {
                // The count works: the first wave's arenas had to get their chunks.
                assert!(calls >= 1, "no system allocation counted in the first wave");
            }
            if wave >= WARM_UP {
                steady_calls += calls;
            }
        }
    });
    assert_eq!(
        steady_calls, 0,
        "task-frame work after warm-up called the system allocator"
    );
    let peak = peak.load(Ordering::SeqCst);
    assert!(peak <= PER_WAVE);
    let made = alloc.task_arenas_made();
    assert!((1..=peak).contains(&made), "made {made}, peak {peak}");
    assert_eq!(alloc.task_arenas_in_use(), 0);
    assert_eq!(alloc.task_arenas_idle(), made);
    #[cfg(not(feature = "minimal"))]
    for tag in ["get", "post"] {
        // Each task frame used at least its three vectors' bytes per round, credited at
        // every reset.
        let frame = alloc
            .stats()
            .tag(tag)
            .unwrap()
            .kind(framealloc::Kind::Frame);
        let per_round = (4 + 4 + 8) * LEN as u64;
        let tasks = (WAVES * PER_WAVE / 2) as u64;
        assert!(frame.allocated_bytes >= tasks * ROUNDS as u64 * per_round);
        assert_eq!(frame.live_bytes, 0);
    }
}

/// The same through a `JoinSet` on 2 workers, all 1000 tasks spawned at once.
#[test]
#[cfg_attr(miri, ignore = "no tokio under Miri")]
fn a_thousand_tasks_in_a_join_set() {
    const TASKS: usize = 1000;
    let rt = runtime(2);
    let alloc = SmartAlloc::new(Default::default());
    let results = rt.block_on(async {
        let mut set = JoinSet::new();
        for task in 0..TASKS {
            spawn_with_frame_in(&mut set, &alloc, move |frame| async move {
                (task, task_work(frame, task).await)
            });
        }
        let mut results = vec![0; TASKS];
        while let Some(done) = set.join_next().await {
            let (task, checked) = done.unwrap();
            results[task] = checked;
        }
        results
    });
    assert!(results.iter().all(|&c| c == ROUNDS * LEN * 3));
    let made = alloc.task_arenas_made();
    assert!((1..=TASKS).contains(&made));
    assert_eq!(alloc.task_arenas_in_use(), 0);
    assert_eq!(alloc.task_arenas_idle(), made);
}

struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A task that panics while holding its frame (and a box in it): tokio drops its future,
/// so the box's destructor runs and the arena goes back to the pool, reset.
#[test]
#[cfg_attr(miri, ignore = "no tokio under Miri")]
fn a_panicking_task_gives_its_arena_back() {
    let rt = runtime(2);
    let alloc = SmartAlloc::new(Default::default());
    let drops = Arc::new(AtomicUsize::new(0));
    let d = drops.clone();
    let err = rt.block_on(async {
        spawn_with_frame(&alloc, move |frame| async move {
            let data = frame.alloc([0xABu8; 512]);
            let _boxed = frame.frame_box(Counted(d));
            yield_now().await;
            assert_eq!(data[511], 0xAB);
            panic!("request handler failed");
        })
        .await
        .unwrap_err()
    });
    assert!(err.is_panic());
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert_eq!(alloc.task_arenas_in_use(), 0);
    assert_eq!(alloc.task_arenas_idle(), 1);
    let frame = alloc.task_frame();
    assert_eq!(frame.bytes_used(), 0, "the arena came back reset");
    assert!(frame.capacity_bytes() >= 512, "with its chunk kept");
}

/// Aborting a task drops its future: a task parked at an `.await` and a task never
/// polled both give their arenas back, and their boxes' destructors run.
#[test]
#[cfg_attr(miri, ignore = "no tokio under Miri")]
fn aborted_tasks_give_their_arenas_back() {
    let rt = runtime(2);
    let alloc = SmartAlloc::new(Default::default());
    let drops = Arc::new(AtomicUsize::new(0));
    let started = Arc::new(AtomicBool::new(false));
    rt.block_on(async {
        let (d, s) = (drops.clone(), started.clone());
        let parked = spawn_with_frame(&alloc, move |frame| async move {
            let _boxed = frame.frame_box(Counted(d));
            let _ids = frame.alloc_slice_copy(&[1u32, 2, 3]);
            s.store(true, Ordering::SeqCst);
            std::future::pending::<()>().await;
        });
        while !started.load(Ordering::SeqCst) {
            yield_now().await;
        }
        assert_eq!(alloc.task_arenas_in_use(), 1);
        parked.abort();
        assert!(parked.await.unwrap_err().is_cancelled());
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert_eq!(alloc.task_arenas_in_use(), 0);

        // Aborted through its `AbortHandle` from a `JoinSet`, possibly before its first
        // poll: the frame was checked out at spawn and comes back with the future.
        let mut set = JoinSet::new();
        let d = drops.clone();
        let handle = spawn_with_frame_in(&mut set, &alloc, move |frame| {
            // Made before the first poll, so it is dropped with the future either way.
            let counted = Counted(d);
            async move {
                let _boxed = frame.frame_box(counted);
                std::future::pending::<()>().await;
            }
        });
        handle.abort();
        assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
        assert_eq!(drops.load(Ordering::SeqCst), 2);
        assert_eq!(alloc.task_arenas_in_use(), 0);

        // `shutdown` aborts every task in the set and waits for them.
        for _ in 0..8 {
            spawn_with_frame_in(&mut set, &alloc, |frame| async move {
                let _data = frame.alloc([1u64; 32]);
                std::future::pending::<()>().await;
            });
        }
        assert_eq!(alloc.task_arenas_in_use(), 8);
        set.shutdown().await;
    });
    assert_eq!(alloc.task_arenas_in_use(), 0);
    assert_eq!(alloc.task_arenas_idle(), alloc.task_arenas_made());
}

/// Outside a runtime the spawn helpers panic as `tokio::spawn` does, and the task frame
/// they checked out goes back to the pool.
#[test]
#[cfg_attr(miri, ignore = "no tokio under Miri")]
fn spawning_outside_a_runtime_panics_and_returns_the_frame() {
    let alloc = SmartAlloc::new(Default::default());
    let result = catch_unwind(AssertUnwindSafe(|| {
        spawn_with_frame(&alloc, |frame| async move { frame.bytes_used() })
    }));
    assert!(result.is_err());
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut set = JoinSet::new();
        spawn_with_frame_in(&mut set, &alloc, |frame| async move { frame.bytes_used() })
    }));
    assert!(result.is_err());
    assert_eq!(alloc.task_arenas_in_use(), 0);
    assert_eq!(alloc.task_arenas_idle(), 1);
}

/// A spawned task inherits the spawning thread's tag: its frame is accounted to it and
/// every poll runs with it pushed, on whichever worker; the workers' own tag is left
/// alone between polls.
#[test]
#[cfg_attr(miri, ignore = "no tokio under Miri")]
#[cfg(not(feature = "minimal"))]
fn spawned_tasks_inherit_the_tag() {
    let rt = runtime(2);
    let alloc = SmartAlloc::new(Default::default());
    let seen = rt.block_on(async {
        let a = alloc.clone();
        let handle = alloc.with_tag("net", |al| {
            spawn_with_frame(al, move |frame| async move {
                let mut seen = vec![(frame.tag(), a.current_tag())];
                for _ in 0..20 {
                    yield_now().await;
                    seen.push((frame.tag(), a.current_tag()));
                }
                let kept = a.pool_box([0u8; 48]);
                assert_eq!(kept.len(), 48);
                seen
            })
        });
        let untagged = spawn_with_frame(&alloc, {
            let a = alloc.clone();
            move |frame| async move {
                yield_now().await;
                (frame.tag(), a.current_tag())
            }
        });
        let seen = handle.await.unwrap();
        assert_eq!(untagged.await.unwrap(), ("untagged", "untagged"));
        seen
    });
    assert!(seen.iter().all(|&s| s == ("net", "net")), "{seen:?}");
    let net = alloc.stats().tag("net").unwrap();
    assert_eq!(net.kind(framealloc::Kind::Pool).allocations, 1);
}
