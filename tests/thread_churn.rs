//! Thread churn: threads spawned and exited in waves while pool boxes, pool arcs and
//! transfer handles cross between them (each thread checks and frees some of what
//! earlier — often dead — threads left, makes new ones, and exits with them alive, so its
//! pool pages are abandoned). Asserts: contents intact; at the end nothing live in
//! `stats()`, no frame arena left; abandoned pages adopted or freed (back to the
//! baseline after one sweeping thread); a flat resident set after warm-up.
//!
//! `churn_ci` runs 200 threads (6 under Miri, without the RSS check); `churn_full`
//! (ignored) runs 1000: `scripts/soak` runs it. Its own binary: it reads process-wide
//! pool state (`abandoned_pool_pages`), so its tests hold `SERIAL`.

use std::sync::{Arc, Mutex, PoisonError};

use framealloc::{PoolArc, PoolBox, SmartAlloc, TransferHandle};
use framealloc_tests::counting::rss_bytes;

static SERIAL: Mutex<()> = Mutex::new(());

/// Something one thread leaves for another, with the number its contents derive from.
enum Parcel {
    Small(PoolBox<[u64; 8]>, u64),
    Large(PoolBox<[u8; 300]>, u64),
    Shared(PoolArc<[u64; 8]>, u64),
    Transfer(TransferHandle<Vec<u32>>, u64),
}

impl Parcel {
    fn check(&self) {
        match self {
            Parcel::Small(b, n) => {
                assert_eq!(**b, core::array::from_fn(|i| n ^ i as u64), "pool box {n}");
            }
            Parcel::Shared(a, n) => {
                assert_eq!(**a, core::array::from_fn(|i| n ^ i as u64), "pool arc {n}");
            }
            Parcel::Large(b, n) => {
                assert!(b.iter().all(|x| *x == *n as u8), "large parcel {n}");
            }
            Parcel::Transfer(h, n) => {
                let v = h.get();
                assert_eq!(v.len(), (*n % 64) as usize, "transfer {n}");
                assert!(
                    v.iter()
                        .enumerate()
                        .all(|(i, x)| *x == *n as u32 ^ i as u32)
                );
            }
        }
    }
}

/// Parcels waiting for a thread, at most this many (the rest are freed where made).
const WAITING: usize = 256;

/// One churn thread: take some parcels, check them, free half, make new ones (pool and
/// frame memory, under a tag), and leave them all for later threads.
fn churn_thread(alloc: &SmartAlloc, box_: &Mutex<Vec<Parcel>>, id: u64) {
    let taken: Vec<Parcel> = {
        let mut waiting = box_.lock().unwrap_or_else(PoisonError::into_inner);
        let keep = waiting.len().saturating_sub(8);
        waiting.split_off(keep)
    };
    let mut kept = Vec::new();
    for (i, parcel) in taken.into_iter().enumerate() {
        parcel.check();
        match parcel {
            // Received here: the payload is this thread's now.
            Parcel::Transfer(h, n) => {
                let v = h.receive();
                assert_eq!(v.len(), (n % 64) as usize);
            }
            // Every other one freed here (a remote free, often onto an abandoned page).
            p if i % 2 == 0 => drop(p),
            p => kept.push(p),
        }
    }
    let _tag = alloc.tag(if id.is_multiple_of(2) {
        "churn.even"
    } else {
        "churn.odd"
    });
    for k in 0..6 {
        let n = id * 16 + k;
        kept.push(Parcel::Small(
            alloc.pool_box(core::array::from_fn(|i| n ^ i as u64)),
            n,
        ));
    }
    let n = id * 16 + 6;
    kept.push(Parcel::Large(alloc.pool_box([n as u8; 300]), n));
    let n = id * 16 + 7;
    let shared = alloc.pool_arc(core::array::from_fn(|i| n ^ i as u64));
    kept.push(Parcel::Shared(shared.clone(), n));
    kept.push(Parcel::Shared(shared, n));
    alloc.begin_frame();
    let n = id * 16 + 8;
    let mut v = alloc.frame_vec::<u32>();
    v.extend((0..n % 64).map(|i| n as u32 ^ i as u32));
    kept.push(Parcel::Transfer(alloc.frame_box_for_transfer(v), n));
    alloc.end_frame();
    let mut waiting = box_.lock().unwrap_or_else(PoisonError::into_inner);
    for parcel in kept {
        if waiting.len() < WAITING {
            waiting.push(parcel);
        }
    }
}

fn churn(threads: u64, wave: u64, check_rss: bool) {
    let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let alloc = SmartAlloc::new(Default::default());
    // Threads are joined through their `JoinHandle`s, never `thread::scope`: a scope
    // ends when the closures return, before the threads' thread-local destructors (which
    // abandon pages and release arenas) have run.
    let sweep = |alloc: &SmartAlloc| {
        // A thread's first pool allocation sweeps unused abandoned pages; allocating in
        // both classes adopts emptied pages of each.
        let alloc = alloc.clone();
        std::thread::spawn(move || {
            let a = alloc.pool_box([0u64; 8]);
            let b = alloc.pool_box([0u8; 300]);
            drop((a, b));
        })
        .join()
        .expect("sweeping thread");
    };
    sweep(&alloc);
    let baseline = alloc.abandoned_pool_pages();
    let waiting = Arc::new(Mutex::new(Vec::new()));
    let warm_up = threads / 10;
    let mut warm_rss = None;
    let mut max_rss = None;
    let mut max_abandoned = 0;
    let mut id = 0;
    while id < threads {
        let handles: Vec<_> = (id..(id + wave).min(threads))
            .map(|k| {
                let (alloc, waiting) = (alloc.clone(), waiting.clone());
                std::thread::spawn(move || churn_thread(&alloc, &waiting, k))
            })
            .collect();
        for h in handles {
            h.join().expect("churn thread");
        }
        id += wave;
        max_abandoned = max_abandoned.max(alloc.abandoned_pool_pages());
        if check_rss && id >= warm_up {
            let rss = rss_bytes();
            warm_rss = warm_rss.or(rss);
            max_rss = max_rss.max(rss);
        }
    }
    assert_eq!(
        alloc.frame_arena_threads(),
        0,
        "an exited thread kept its arena"
    );
    let left = core::mem::take(&mut *waiting.lock().unwrap_or_else(PoisonError::into_inner));
    assert!(!left.is_empty());
    for parcel in &left {
        parcel.check();
    }
    drop(left);
    // Under `minimal` the stats are compiled out.
    #[cfg(not(feature = "minimal"))]
    {
        let stats = alloc.stats();
        for kind in framealloc::Kind::ALL {
            assert_eq!(
                stats.total(kind).live_bytes,
                0,
                "{kind:?} bytes live at the end"
            );
        }
        let made = stats
            .tag("churn.even")
            .map_or(0, |t| t.kind(framealloc::Kind::Pool).allocations)
            + stats
                .tag("churn.odd")
                .map_or(0, |t| t.kind(framealloc::Kind::Pool).allocations);
        assert_eq!(made, threads * 8, "pool allocations accounted");
    }
    sweep(&alloc);
    let abandoned = alloc.abandoned_pool_pages();
    eprintln!(
        "churn: {threads} threads, abandoned pages: baseline {baseline}, max {max_abandoned}, \
         end {abandoned}; RSS after warm-up {warm_rss:?} B, max {max_rss:?} B"
    );
    assert!(
        abandoned <= baseline,
        "abandoned pages were neither adopted nor freed: {abandoned} > {baseline}"
    );
    // Live parcels are bounded (`WAITING`), so are the pages that hold them.
    assert!(
        max_abandoned <= baseline + WAITING,
        "abandoned pages piled up: {max_abandoned}"
    );
    if let (Some(warm), Some(max)) = (warm_rss, max_rss) {
        // Thread stacks are unmapped at join and pages are adopted or freed: flat, up to
        // the system allocator's per-thread arenas.
        assert!(max <= warm + (4 << 20), "RSS grew from {warm} B to {max} B");
    }
}

#[test]
fn churn_ci() {
    if cfg!(miri) {
        churn(6, 3, false);
    } else {
        churn(200, 8, true);
    }
}

#[test]
#[ignore = "1000 threads: run with scripts/soak or --ignored"]
fn churn_full() {
    churn(1000, 8, true);
}
