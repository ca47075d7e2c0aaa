//! Structural performance: a steady-state frame makes zero system allocations.
//!
//! Its own test binary because it installs a counting `#[global_allocator]`.

use framealloc::{FrameSafe, SmartAlloc};
use framealloc_tests::counting::{COUNTING, CountingAlloc, page_frees, system_calls};

#[global_allocator]
static GLOBAL: CountingAlloc = COUNTING;

#[derive(Clone, Copy, Default)]
struct Contact {
    a: u32,
    b: u32,
    depth: f32,
}
// SAFETY: plain data.
unsafe impl FrameSafe for Contact {}

/// One frame of mixed work: explicit handles (some dropped after `end_frame`), guard
/// allocations, a vector that grows across chunks.
fn frame(alloc: &SmartAlloc, n: usize) -> usize {
    alloc.begin_frame();
    let mut contacts = alloc.frame_vec::<Contact>();
    for i in 0..n {
        contacts.push(Contact {
            a: i as u32,
            b: i as u32 + 1,
            depth: 0.5,
        });
    }
    let big = alloc.frame_slice::<u64>(n);
    let total = {
        let guard = alloc.frame();
        let xs = guard.alloc_slice_fill_with(n, |i| i as u32);
        let p = guard.alloc([0u8; 300]);
        xs.len() + p.len()
    };
    alloc.end_frame();
    // Dropped after end_frame, as in the guide's loop: the reset is deferred to here.
    let pairs = contacts
        .iter()
        .filter(|c| c.b == c.a + 1 && c.depth > 0.0)
        .count();
    total + pairs + big.len()
}

#[test]
#[cfg_attr(
    feature = "debug",
    ignore = "`debug` records allocation sites in a map, which allocates"
)]
fn steady_state_frames_make_no_system_allocations() {
    let alloc = SmartAlloc::new(Default::default());
    // Warm-up: the arena grows until its largest chunk holds a whole frame.
    let n = if cfg!(miri) { 500 } else { 50_000 };
    for _ in 0..8 {
        assert_eq!(frame(&alloc, n), 3 * n + 300);
    }
    let before = system_calls();
    for _ in 0..if cfg!(miri) { 3 } else { 100 } {
        assert_eq!(frame(&alloc, n), 3 * n + 300);
    }
    assert_eq!(
        system_calls() - before,
        0,
        "steady-state frames called the system allocator"
    );
}

#[test]
#[cfg_attr(
    feature = "debug",
    ignore = "`debug` records allocation sites in a map, which allocates"
)]
fn steady_state_scoped_frames_make_no_system_allocations() {
    let alloc = SmartAlloc::new(Default::default());
    let per_frame = if cfg!(miri) { 300 } else { 1000 };
    let run = |alloc: &SmartAlloc| {
        alloc.frame_scope(|f| {
            let mut sum = 0u64;
            for i in 0..per_frame {
                sum += *f.alloc([i; 8]).last().unwrap();
            }
            sum
        })
    };
    for _ in 0..4 {
        run(&alloc);
    }
    let before = system_calls();
    for _ in 0..if cfg!(miri) { 2 } else { 100 } {
        assert_eq!(run(&alloc), (per_frame - 1) * per_frame / 2);
    }
    assert_eq!(system_calls() - before, 0);
}

/// Pages whose blocks were all freed on *another* thread go back to the retain cap or the
/// system at the owner's next misses (SPEC §4.7), instead of staying with the owner.
#[test]
#[cfg_attr(
    miri,
    ignore = "allocates ~4 MiB of pool pages; soundness is covered elsewhere"
)]
fn pages_emptied_by_remote_frees_are_released() {
    let alloc = SmartAlloc::new(Default::default());
    // ~44 pages of the 48 B class: well past the default 1 MiB retain cap.
    let boxes: Vec<framealloc::PoolBox<[u8; 48]>> = (0..60_000u32)
        .map(|i| alloc.pool_box([i as u8; 48]))
        .collect();
    std::thread::spawn(move || drop(boxes)).join().unwrap();
    let before = page_frees();
    // Keep allocating and freeing on the owner: its misses sweep the emptied pages.
    for _ in 0..40 {
        let batch: Vec<_> = (0..2000u32)
            .map(|i| alloc.pool_box([i as u8; 48]))
            .collect();
        drop(batch);
    }
    let freed = page_frees() - before;
    assert!(
        freed >= 20,
        "only {freed} emptied pages went back to the system"
    );
    // A steady workload that fits under the cap now makes no system calls.
    let calls = system_calls();
    for _ in 0..20 {
        let batch: Vec<_> = (0..2000u32)
            .map(|i| alloc.pool_box([i as u8; 48]))
            .collect();
        drop(batch);
    }
    // (the `Vec`s of handles themselves are system allocations: 2 calls per batch)
    assert_eq!(
        system_calls() - calls,
        2 * 20,
        "steady pool workload called the system"
    );
}

/// The benchmark workloads (`benches/workloads.rs`), scoped and explicit: after warm-up,
/// a frame of each makes no system call, with and without tags and budgets.
#[derive(Clone, Copy)]
struct Workload {
    name: &'static str,
    /// (count, size in bytes) per frame.
    mix: &'static [(usize, usize)],
}

const WORKLOADS: [Workload; 3] = [
    Workload {
        name: "physics",
        mix: &[(500, 96), (100, 256), (200, 64)],
    },
    Workload {
        name: "render",
        mix: &[(2000, 24), (5500, 32)],
    },
    Workload {
        name: "particles",
        mix: &[(50_000, 48)],
    },
];

fn scale(count: usize) -> usize {
    if cfg!(miri) {
        count.div_ceil(50)
    } else {
        count
    }
}

/// One scoped frame of `w`: returns the bytes allocated (checked by the caller).
fn scoped_frame(alloc: &SmartAlloc, w: Workload) -> usize {
    alloc.frame_scope(|f| {
        let mut bytes = 0;
        for &(count, size) in w.mix {
            for i in 0..scale(count) {
                let block: &mut [u8] = match size {
                    24 => f.alloc([i as u8; 24]),
                    32 => f.alloc([i as u8; 32]),
                    48 => f.alloc([i as u8; 48]),
                    64 => f.alloc([i as u8; 64]),
                    96 => f.alloc([i as u8; 96]),
                    _ => f.alloc([i as u8; 256]),
                };
                assert_eq!(block[size - 1], i as u8);
                bytes += block.len();
            }
        }
        bytes
    })
}

/// One explicit frame of `w` with every handle kept until the frame ends.
fn explicit_frame(alloc: &SmartAlloc, w: Workload) -> usize {
    alloc.begin_frame();
    let mut bytes = 0;
    {
        let mut kept = alloc.frame_vec_with_capacity(w.mix.iter().map(|m| scale(m.0)).sum());
        for &(count, size) in w.mix {
            for _ in 0..scale(count) {
                let b = alloc.frame_slice::<u8>(size);
                bytes += b.len();
                kept.push(b);
            }
        }
        assert_eq!(kept.len(), w.mix.iter().map(|m| scale(m.0)).sum::<usize>());
    }
    alloc.end_frame();
    bytes
}

fn expected_bytes(w: Workload) -> usize {
    w.mix.iter().map(|&(c, s)| scale(c) * s).sum()
}

fn assert_steady(alloc: &SmartAlloc, what: &str, run: impl Fn(&SmartAlloc) -> usize, want: usize) {
    for _ in 0..if cfg!(miri) { 3 } else { 6 } {
        assert_eq!(run(alloc), want);
    }
    let before = system_calls();
    for _ in 0..if cfg!(miri) { 2 } else { 20 } {
        assert_eq!(run(alloc), want);
    }
    assert_eq!(
        system_calls() - before,
        0,
        "{what}: steady-state frames called the system allocator"
    );
}

#[test]
#[cfg_attr(
    feature = "debug",
    ignore = "`debug` records allocation sites in a map, which allocates"
)]
// Under Miri it takes minutes (every workload, many frames) and counts system calls, which
// Miri cannot tell us anything new about; the other steady-state tests run there.
#[cfg_attr(miri, ignore = "minutes under Miri; a counting test, run natively")]
fn every_workload_reaches_a_steady_state_without_system_calls() {
    for w in WORKLOADS {
        let want = expected_bytes(w);
        let alloc = SmartAlloc::new(Default::default());
        assert_steady(&alloc, w.name, |a| scoped_frame(a, w), want);
        assert_steady(&alloc, w.name, |a| explicit_frame(a, w), want);
        // Under a tag, with a thread budget and a tag budget armed (never exceeded):
        // the budget checks and the refill hook make no system calls either.
        let budgeted = SmartAlloc::new(Default::default());
        budgeted.set_thread_frame_budget(64 << 20);
        budgeted.set_tag_budget(w.name, 64 << 20);
        assert_steady(
            &budgeted,
            w.name,
            |a| a.with_tag(w.name, |a| scoped_frame(a, w) + explicit_frame(a, w)),
            2 * want,
        );
    }
}

/// Ending a frame is O(1) in the number of allocations: after warm-up, the end of a frame
/// of 10 and of 10 000 allocations both make no system call (nothing is freed per
/// allocation: the arena's chunks stay, only its bump pointer moves back) and leave the
/// arena's capacity unchanged.
#[test]
#[cfg_attr(
    feature = "debug",
    ignore = "`debug` records allocation sites in a map, which allocates"
)]
fn ending_a_frame_does_no_per_allocation_work() {
    let alloc = SmartAlloc::new(Default::default());
    for n in [10usize, if cfg!(miri) { 500 } else { 10_000 }] {
        let fill = |frame: &framealloc::Frame<'_>| {
            for i in 0..n {
                frame.alloc([i as u64; 4]);
            }
        };
        for _ in 0..4 {
            fill(&alloc.frame());
        }
        let capacity = alloc.frame_capacity_bytes();
        let resets = alloc.frame_resets();
        let frame = alloc.frame();
        fill(&frame);
        let before = system_calls();
        drop(frame); // the frame ends here
        assert_eq!(system_calls() - before, 0, "n = {n}");
        assert_eq!(alloc.frame_resets(), resets + 1);
        assert_eq!(alloc.frame_capacity_bytes(), capacity);
    }
}

/// Issue 15: N task frames alive at once, each doing a task's work (a growing `TaskVec`,
/// a `FixedTaskVec`, boxes, a mid-task `reset`), then dropped: once every pool arena has
/// grown to hold a whole task, further rounds make no system allocation.
#[test]
#[cfg_attr(
    feature = "debug",
    ignore = "`debug` records allocation sites in a map, which allocates"
)]
fn steady_state_task_frames_make_no_system_allocations() {
    let alloc = SmartAlloc::new(Default::default());
    let (tasks, n) = if cfg!(miri) { (3, 300) } else { (16, 5_000) };
    // The test's own list of live frames, made once.
    let mut frames: Vec<framealloc::TaskFrame> = Vec::with_capacity(tasks);
    let mut round = |alloc: &SmartAlloc| -> usize {
        for t in 0..tasks {
            frames.push(alloc.task_frame_tagged(if t % 2 == 0 { "net" } else { "db" }));
        }
        let mut total = 0;
        for (t, frame) in frames.iter_mut().enumerate() {
            for _ in 0..2 {
                let mut v = frame.task_vec::<u32>();
                v.extend((0..n + t).map(|i| i as u32));
                let mut fixed = frame.fixed_vec::<u64>(64);
                while fixed.push(7).is_ok() {}
                let b = frame.frame_box([t as u8; 100]);
                let s = frame.alloc_str("request body");
                total += v.len() + fixed.len() + b.len() + s.len();
                drop((v, fixed, b));
                frame.reset();
            }
        }
        frames.clear(); // every arena goes back to the pool
        total
    };
    let want = (0..tasks)
        .map(|t| 2 * (n + t + 64 + 100 + 12))
        .sum::<usize>();
    for _ in 0..6 {
        assert_eq!(round(&alloc), want);
    }
    let before = system_calls();
    for _ in 0..if cfg!(miri) { 2 } else { 50 } {
        assert_eq!(round(&alloc), want);
    }
    assert_eq!(
        system_calls() - before,
        0,
        "steady-state task frames called the system allocator"
    );
    assert_eq!(alloc.task_arenas_made(), tasks);
    assert_eq!(alloc.task_arenas_idle(), tasks);
}

/// A tag budget overrun every frame under `BudgetPolicy::Warn`, with no logger installed
/// (this binary installs none): a repeated warning is recognised from its head formatted
/// on the stack and dropped without allocating (it once cost ~9 system calls per frame);
/// with a logger that filters warnings out, the same frames make none too (`soak.rs`).
#[test]
#[cfg_attr(miri, ignore = "a counting test, run natively")]
#[cfg_attr(
    feature = "debug",
    ignore = "`debug` records allocation sites in a map, which allocates"
)]
fn budget_warnings_without_a_logger_make_no_system_allocations() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.set_tag_budget("steady.over", 16);
    let run = |alloc: &SmartAlloc| {
        alloc.begin_frame();
        let x = {
            let _over = alloc.tag("steady.over");
            alloc.frame_box([1u8; 64])
        };
        assert_eq!(x[63], 1);
        drop(x);
        alloc.end_frame();
    };
    for _ in 0..100 {
        run(&alloc);
    }
    let calls = system_calls();
    for _ in 0..100 {
        run(&alloc);
    }
    assert_eq!(system_calls() - calls, 0, "suppressed warnings allocated");
}

/// An observed frame end (`on_frame_end`) gathers its per-tag bytes into a reused buffer:
/// tagged frames with an observer still make no system allocation.
#[test]
#[cfg(not(feature = "minimal"))]
#[cfg_attr(
    feature = "debug",
    ignore = "`debug` records allocation sites in a map, which allocates"
)]
fn observed_frames_make_no_system_allocations() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let alloc = SmartAlloc::new(Default::default());
    let seen = Arc::new(AtomicU64::new(0));
    let s = seen.clone();
    alloc.on_frame_end(move |summary| {
        s.fetch_add(summary.tag_bytes("observed_ai"), Ordering::Relaxed);
    });
    let run = |alloc: &SmartAlloc| {
        let f = alloc.frame();
        f.with_tag("observed_physics", |f| {
            f.alloc([1u64; 8]);
        });
        f.with_tag("observed_ai", |f| {
            f.alloc([2u64; 4]);
        });
        f.alloc(3u64);
    };
    for _ in 0..4 {
        run(&alloc);
    }
    let before = system_calls();
    for _ in 0..if cfg!(miri) { 3 } else { 100 } {
        run(&alloc);
    }
    assert_eq!(system_calls() - before, 0);
    assert_eq!(
        seen.load(Ordering::Relaxed),
        32 * if cfg!(miri) { 7 } else { 104 }
    );
}
