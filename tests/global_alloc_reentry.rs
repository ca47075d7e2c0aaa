//! A `#[global_allocator]` that itself uses framealloc: every allocation and free made
//! anywhere in the process — including framealloc's own (arena chunks, pool pages, tag
//! and stats bookkeeping, the reset of an arena) — runs user code that allocates from the
//! same `SmartAlloc` on the same thread: pool boxes, frames, tags, explicit handles.
//!
//! framealloc must stay sound and keep every value intact. (A re-entrant pool allocation
//! made while the thread's pool heap is in its slow path is served from abandoned pages
//! or refused with an error; the hook uses `try_` calls and never panics, since a panic
//! inside a global allocator aborts.)

use framealloc_tests::HookedSystem;
use std::cell::Cell;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use framealloc::{AllocConfig, SmartAlloc};

#[global_allocator]
static GLOBAL: HookedSystem = HookedSystem::new(hook);

static ALLOC: LazyLock<SmartAlloc> = LazyLock::new(|| {
    SmartAlloc::new(AllocConfig {
        initial_frame_capacity: 1024,
        ..Default::default()
    })
});

thread_local! {
    /// The hook acts only on a thread that armed it (after `ALLOC` exists).
    static ARMED: Cell<bool> = const { Cell::new(false) };
    /// Set while the hook runs: its own allocations go straight to `System`, as in any
    /// allocator that allocates.
    static INSIDE: Cell<bool> = const { Cell::new(false) };
}

static HOOK_RUNS: AtomicUsize = AtomicUsize::new(0);
/// Values read back wrong inside the hook (asserting there would abort).
static HOOK_MISMATCHES: AtomicUsize = AtomicUsize::new(0);

fn hook() {
    let enter = ARMED.try_with(Cell::get).unwrap_or(false)
        && INSIDE.try_with(|i| !i.replace(true)).unwrap_or(false);
    if !enter {
        return;
    }
    let n = HOOK_RUNS.fetch_add(1, Ordering::Relaxed) as u64;
    let a: &SmartAlloc = &ALLOC;
    let ok = match n % 5 {
        0 => a.try_pool_box([n; 6]).map_or(true, |b| b[5] == n),
        1 => {
            let f = a.frame();
            f.try_alloc([n; 4]).map_or(true, |x| x[3] == n)
        }
        2 => a.with_tag("hooked", |a| {
            let began = a.try_begin_frame().is_ok();
            let ok = a.try_frame_box(n).map_or(true, |b| *b == n);
            if began {
                let _ = a.try_end_frame();
            }
            ok
        }),
        3 => {
            let f = a.frame();
            let mut v = f.frame_vec::<u64>();
            v.extend([n, n + 1]);
            v[1] == n + 1
        }
        _ => a.frame_number() < u64::MAX,
    };
    // A scratch scope in every hook run: it may be opened while this thread's scratch
    // stack is growing (then it uses an arena of its own) or while a scope's arena is
    // being reset.
    let ok = ok
        && a.frame().scratch(|s| {
            let v = s.alloc_slice_copy(&[n; 3]);
            s.scratch(|t| *t.alloc(n) == n) && v[2] == n
        });
    if !ok {
        HOOK_MISMATCHES.fetch_add(1, Ordering::Relaxed);
    }
    let _ = INSIDE.try_with(|i| i.set(false));
}

/// `depth` nested scratch scopes, each with a large slice filled with its level plus
/// `round`, made after its inner scopes ended (so that entering a new level, which grows
/// the thread's scratch stack, comes before any allocation the hook could pre-empt it
/// with); returns the sum of one element per level.
fn nest(frame: &framealloc::Frame<'_>, depth: usize, round: u64) -> u64 {
    fn go(s: &framealloc::Scratch<'_>, left: usize, round: u64) -> u64 {
        let level = s.level() as u64;
        let inner = if left > 1 {
            s.scratch(|t| go(t, left - 1, round))
        } else {
            0
        };
        let mine = s.alloc_slice_fill_with(2000, |_| level + round);
        assert!(mine.iter().all(|&x| x == level + round));
        inner + mine[1999]
    }
    frame.scratch(|s| go(s, depth, round))
}

/// Under Miri this runs in its own CI step with `-Zmiri-ignore-leaks` (`.ci/run`): when the
/// hook allocates from an arena while bumpalo is fetching that arena's next chunk, bumpalo
/// links only one of the two new chunks and the other stays allocated for the life of the
/// process (docs/soundness.md) — a leak Miri's leak check reports, not undefined behaviour.
#[test]
#[cfg_attr(
    miri,
    ignore = "run by .ci/run with -Zmiri-ignore-leaks (a documented one-chunk leak)"
)]
fn framealloc_inside_the_global_allocator_stays_sound() {
    let alloc: &SmartAlloc = &ALLOC;
    alloc.set_tag_budget("hooked-budget", 1 << 30);
    ARMED.with(|a| a.set(true));
    let rounds: u64 = if cfg!(miri) { 2 } else { 20 };
    let pool_n: u64 = if cfg!(miri) { 600 } else { 20_000 };
    for round in 0..rounds {
        // Scoped frames that grow the arena (new chunks from the global allocator).
        {
            let frame = alloc.frame();
            let big = frame.alloc([round as u8; 3000]);
            let mut v = frame.frame_vec::<u64>();
            v.extend(0..2000 + round);
            assert!(v.iter().copied().eq(0..2000 + round));
            assert!(big.iter().all(|&b| b == round as u8));
        }
        // Scratch scopes four levels deeper each round (the thread's scratch stack grows
        // and the hook opens scopes meanwhile), with chunks big enough to need new ones.
        {
            let frame = alloc.frame();
            let depth = 4 * round as usize + 2;
            let total = nest(&frame, depth, round);
            assert_eq!(total, (0..depth as u64).map(|d| d + round).sum::<u64>());
        }
        // Explicit frames with tags and handles.
        alloc.begin_frame();
        let boxes: Vec<_> = {
            let _tag = alloc.tag("hooked-budget");
            (0..50u64)
                .map(|i| alloc.frame_box([i + round; 5]))
                .collect()
        };
        alloc.end_frame();
        assert!(
            boxes
                .iter()
                .enumerate()
                .all(|(i, b)| b[4] == i as u64 + round)
        );
        drop(boxes);
        // Pool boxes across many pages, half freed out of order, then refilled.
        let mut pool: Vec<_> = (0..pool_n)
            .map(|i| alloc.pool_box([i, round, !i]))
            .collect();
        for i in (0..pool.len()).rev().step_by(2) {
            pool.swap_remove(i);
        }
        pool.extend((0..pool_n / 2).map(|i| alloc.pool_box([i, round, !i])));
        assert!(pool.iter().all(|b| b[1] == round && b[2] == !b[0]));
        drop(pool);
    }
    ARMED.with(|a| a.set(false));
    let least = if cfg!(miri) { 10 } else { 100 };
    assert!(HOOK_RUNS.load(Ordering::Relaxed) > least, "the hook ran");
    assert_eq!(HOOK_MISMATCHES.load(Ordering::Relaxed), 0);
    assert_eq!(alloc.live_frame_handles(), 0);
    assert!(!alloc.is_in_frame());
    #[cfg(not(feature = "minimal"))]
    assert_eq!(alloc.stats().total(framealloc::Kind::Pool).live_bytes, 0);
}
