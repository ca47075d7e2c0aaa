//! Soak: a long run of a mixed workload — explicit frames, guards, tags, budgets (one
//! overrun every frame under `Warn`, one changed every 1000 frames), a pool ring, and
//! pool boxes crossing to and from a worker thread — asserting, after warm-up, zero
//! system allocations per frame on the frame thread and a flat resident set
//! (`/proc/self/statm`), and at the end exact stats (nothing live) and one budget event
//! per frame.
//!
//! `soak_ci` runs 3000 frames by default; `soak_long` (ignored) runs
//! `FRAMEALLOC_SOAK_FRAMES` frames (default 1 000 000): `scripts/soak`.
//! Its own test binary because it installs a counting `#[global_allocator]`. Not under
//! `minimal`, which compiles out the stats and tag budgets it checks.
#![cfg(not(feature = "minimal"))]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use framealloc::{Kind, PoolBox, SmartAlloc};
use framealloc_tests::counting::{COUNTING, CountingAlloc, rss_bytes, system_calls};

#[global_allocator]
static GLOBAL: CountingAlloc = COUNTING;

/// Boxes in flight between the threads (the buffers never grow past it).
const MAILBOX: usize = 256;
/// Frames between two hand-offs to the worker.
const HANDOFF: u64 = 16;
/// Pool boxes the frame thread keeps alive, one replaced per frame.
const RING: usize = 512;

type Item = PoolBox<[u64; 4]>;

/// Two fixed-capacity mailboxes and the hand-off counters.
struct Shared {
    /// Boxes allocated by the frame thread, freed by the worker.
    to_worker: Mutex<Vec<Item>>,
    /// Boxes allocated by the worker, freed by the frame thread.
    to_main: Mutex<Vec<Item>>,
    requested: AtomicU64,
    done: AtomicU64,
    stop: AtomicBool,
}

fn lock(m: &Mutex<Vec<Item>>) -> std::sync::MutexGuard<'_, Vec<Item>> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn item(alloc: &SmartAlloc, n: u64) -> Item {
    alloc.pool_box([n, !n, n.rotate_left(7), n ^ 0x5555])
}

fn holds(item: &Item) -> bool {
    let n = item[0];
    **item == [n, !n, n.rotate_left(7), n ^ 0x5555]
}

/// The worker: on each request, frees what the frame thread sent and sends back boxes
/// of its own (so frees cross both ways).
fn worker(alloc: &SmartAlloc, shared: &Shared) {
    let mut inbox: Vec<Item> = Vec::with_capacity(MAILBOX);
    let mut n = 1u64 << 40;
    loop {
        let request = shared.requested.load(Ordering::Acquire);
        if request == shared.done.load(Ordering::Relaxed) {
            if shared.stop.load(Ordering::Acquire) {
                break;
            }
            std::thread::park();
            continue;
        }
        core::mem::swap(&mut *lock(&shared.to_worker), &mut inbox);
        assert!(
            inbox.iter().all(holds),
            "a box changed on its way to the worker"
        );
        inbox.clear();
        {
            let _tag = alloc.tag("soak.worker");
            let mut out = lock(&shared.to_main);
            while out.len() < MAILBOX / 8 {
                n += 1;
                out.push(item(alloc, n));
            }
        }
        shared.done.store(request, Ordering::Release);
    }
}

/// A logger that counts framealloc's warnings without formatting them, as a game's
/// logger filtering them out would. (Without any logger each warning is formatted for
/// stderr even once stderr lines are suppressed, which allocates: see
/// `steady_state.rs`, `budget_warnings_without_a_logger_make_no_system_allocations`.)
struct CountingLogger(AtomicU64);

impl log::Log for CountingLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }
    fn log(&self, record: &log::Record<'_>) {
        if record.level() == log::Level::Warn {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
    fn flush(&self) {}
}

static LOGGER: CountingLogger = CountingLogger(AtomicU64::new(0));

fn install_logger() {
    // Already set when both soak tests run in one process: the same logger.
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(log::LevelFilter::Warn);
}

struct Report {
    frames: u64,
    warm_rss: Option<u64>,
    max_rss: Option<u64>,
    steady_calls: u64,
    events: u64,
    warnings: u64,
}

/// One frame of the mixed workload.
fn frame(alloc: &SmartAlloc, shared: &Shared, ring: &mut [Option<Item>], i: u64) -> u64 {
    alloc.begin_frame();
    let mut sum = 0;
    {
        let _physics = alloc.tag("soak.physics");
        let mut contacts = alloc.frame_vec::<[u32; 4]>();
        for k in 0..64u32 {
            contacts.push([k, i as u32, k ^ 3, 7]);
        }
        let guard = alloc.frame();
        let scratch = guard.alloc_slice_fill_with(128, |k| k as u64 ^ i);
        sum += scratch[127] + u64::from(contacts[63][0]);
        let slot = &mut ring[(i as usize) % RING];
        let fresh = alloc.with_tag("soak.bodies", |a| item(a, i));
        if let Some(old) = slot.replace(fresh) {
            assert!(holds(&old), "a ring box changed");
        }
    }
    // Over its 128 B budget every frame: one `Warn` event per frame.
    let over = {
        let _over = alloc.tag("soak.over");
        alloc.frame_box([i as u8; 256])
    };
    sum += u64::from(over[255]);
    {
        let mut out = lock(&shared.to_worker);
        for k in 0..2 {
            if out.len() < MAILBOX {
                out.push(item(alloc, i * 2 + k));
            }
        }
    }
    let back = core::mem::take(&mut *lock(&shared.to_main));
    assert!(back.iter().all(holds), "a box changed on its way back");
    // Freed here: remote frees onto the worker's pages. The empty `Vec` left in the
    // mailbox has no buffer; give this one back so neither side allocates.
    let mut back = back;
    back.clear();
    *lock(&shared.to_main) = back;
    if i.is_multiple_of(1000) {
        // A budget changed mid-run (never exceeded).
        alloc.set_tag_budget(
            "soak.physics",
            if i.is_multiple_of(2000) {
                1 << 20
            } else {
                2 << 20
            },
        );
    }
    drop(over);
    alloc.end_frame();
    sum
}

fn soak(frames: u64) -> Report {
    let alloc = SmartAlloc::new(Default::default());
    install_logger();
    alloc.set_tag_budget("soak.over", 128);
    let events = Arc::new(AtomicU64::new(0));
    let counter = events.clone();
    alloc.on_budget_event(move |e| {
        assert_eq!((e.tag, e.limit), ("soak.over", 128));
        counter.fetch_add(1, Ordering::Relaxed);
    });
    let shared = Arc::new(Shared {
        to_worker: Mutex::new(Vec::with_capacity(MAILBOX)),
        to_main: Mutex::new(Vec::with_capacity(MAILBOX)),
        requested: AtomicU64::new(0),
        done: AtomicU64::new(0),
        stop: AtomicBool::new(false),
    });
    let worker_thread = {
        let (alloc, shared) = (alloc.clone(), shared.clone());
        std::thread::spawn(move || worker(&alloc, &shared))
    };
    let mut ring: Vec<Option<Item>> = (0..RING).map(|_| None).collect();
    let warm_up = (frames / 10).max(2 * RING as u64);
    let mut report = Report {
        frames,
        warm_rss: None,
        max_rss: None,
        steady_calls: 0,
        events: 0,
        warnings: 0,
    };
    let mut warnings_at_warm = 0;
    let mut calls_at_warm = 0;
    let mut events_at_warm = 0;
    let mut sum = 0u64;
    for i in 0..warm_up + frames {
        if i == warm_up {
            report.warm_rss = rss_bytes();
            calls_at_warm = system_calls();
            events_at_warm = events.load(Ordering::Relaxed);
            warnings_at_warm = LOGGER.0.load(Ordering::Relaxed);
        }
        sum = sum.wrapping_add(frame(&alloc, &shared, &mut ring, i));
        if i.is_multiple_of(HANDOFF) {
            let request = shared.requested.fetch_add(1, Ordering::Release) + 1;
            worker_thread.thread().unpark();
            while shared.done.load(Ordering::Acquire) != request {
                std::thread::yield_now();
            }
        }
        if i > warm_up && i.is_multiple_of((frames / 20).max(1)) {
            // Reading statm allocates: outside the counted window.
            let calls = system_calls();
            let rss = rss_bytes();
            calls_at_warm += system_calls() - calls;
            report.max_rss = report.max_rss.max(rss);
        }
    }
    report.steady_calls = system_calls() - calls_at_warm;
    report.events = events.load(Ordering::Relaxed) - events_at_warm;
    report.warnings = LOGGER.0.load(Ordering::Relaxed) - warnings_at_warm;
    report.max_rss = report.max_rss.max(rss_bytes());
    assert_ne!(sum, 0);

    shared.stop.store(true, Ordering::Release);
    shared.requested.fetch_add(1, Ordering::Release);
    worker_thread.thread().unpark();
    worker_thread.join().expect("worker");
    drop(ring);
    lock(&shared.to_worker).clear();
    lock(&shared.to_main).clear();
    let stats = alloc.stats();
    for kind in Kind::ALL {
        assert_eq!(
            stats.total(kind).live_bytes,
            0,
            "{kind:?} bytes live at the end"
        );
    }
    let over = stats.tag("soak.over").expect("soak.over accounted");
    assert_eq!(over.kind(Kind::Frame).allocations, warm_up + frames);
    report
}

fn check(report: &Report) {
    eprintln!(
        "soak: {} steady frames, RSS after warm-up {:?} B, max {:?} B, {} system calls, {} budget events",
        report.frames, report.warm_rss, report.max_rss, report.steady_calls, report.events
    );
    assert_eq!(
        report.steady_calls, 0,
        "steady frames called the system allocator"
    );
    assert_eq!(report.events, report.frames, "one budget event per frame");
    assert!(report.warnings >= report.frames, "every event logged");
    if let (Some(warm), Some(max)) = (report.warm_rss, report.max_rss) {
        // Flat: nothing on the frame thread allocates; what the worker and the test
        // harness may touch stays well under 1 MiB.
        assert!(
            max <= warm + (1 << 20),
            "RSS grew from {warm} B to {max} B over {} frames",
            report.frames
        );
    }
}

#[test]
#[cfg_attr(
    feature = "debug",
    ignore = "`debug` records allocation sites in a map, which allocates"
)]
#[cfg_attr(miri, ignore = "reads /proc and counts system calls: a native test")]
fn soak_ci() {
    check(&soak(3000));
}

#[test]
#[ignore = "1 000 000 frames: run with scripts/soak"]
fn soak_long() {
    let frames = std::env::var("FRAMEALLOC_SOAK_FRAMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    check(&soak(frames));
}
