//! Instruction-count probe for the pool hot path (`pool_box` + drop), run under
//! callgrind by `scripts/callgrind-pool`. Each mode runs `ROUNDS` rounds of the bench's
//! shuffled pattern (1000 × 48 B allocated, then freed in a fixed random order); the
//! script subtracts the `none` baseline.
//!
//! Run directly: `cargo bench -p framealloc --bench pool_callgrind -- MODE`. Mode
//! `ratio` instead times both paths in alternation (min and median of 100 samples of
//! 100 rounds each): a quicker, noise-resistant check than criterion on a busy machine.
//! Mode `phases` times the allocation loop and the free loop apart (min ns per op).
//! `ratio` also times two references: a bare free list and no allocator at all. Mode
//! `scale` times filling 1 M and 8 M boxes (the per-box cost must not grow).

mod common;

use std::alloc::{GlobalAlloc, Layout};
use std::hint::black_box;

use common::{NoAllocator, PlainFreeList, probe_mode, shuffled};
use framealloc::{PoolBox, SmartAlloc};
use mimalloc::MiMalloc;

type Obj = common::Obj48;

const OBJECTS: usize = 1000;
const ROUNDS: usize = 1000;

#[inline(never)]
fn pool(alloc: &SmartAlloc, slots: &mut [Option<PoolBox<Obj>>], order: &[usize]) {
    for slot in slots.iter_mut() {
        *slot = Some(alloc.pool_box([2u8; 48]));
    }
    for &i in order {
        slots[i] = None;
    }
}

#[inline(never)]
fn mimalloc(slots: &mut [*mut Obj], order: &[usize]) {
    let layout = Layout::new::<Obj>();
    for slot in slots.iter_mut() {
        // SAFETY: non-zero layout; each block written once, freed once below.
        unsafe {
            let p = MiMalloc.alloc(layout).cast::<Obj>();
            p.write([2u8; 48]);
            *slot = p;
        }
    }
    for &i in order {
        // SAFETY: allocated above with this layout, freed once.
        unsafe { MiMalloc.dealloc(slots[i].cast(), layout) };
    }
}

#[inline(never)]
fn plain(list: &mut PlainFreeList, slots: &mut [*mut Obj], order: &[usize]) {
    for slot in slots.iter_mut() {
        let p = list.alloc();
        // SAFETY: a fresh block of the list.
        unsafe { p.write([2u8; 48]) };
        *slot = p;
    }
    for &i in order {
        // SAFETY: allocated above, freed once.
        unsafe { list.free(slots[i]) };
    }
}

/// Time `f` over 100 rounds, 100 times; returns (min, median) ns per alloc+free.
fn sample(mut f: impl FnMut()) -> Vec<f64> {
    (0..100)
        .map(|_| {
            let start = std::time::Instant::now();
            for _ in 0..100 {
                f();
            }
            start.elapsed().as_nanos() as f64 / (100 * OBJECTS) as f64
        })
        .collect()
}

fn ratio(
    alloc: &SmartAlloc,
    boxes: &mut [Option<PoolBox<Obj>>],
    raw: &mut [*mut Obj],
    order: &[usize],
) {
    let mut list = PlainFreeList::new();
    let none = NoAllocator::new(order);
    let mut times: [Vec<f64>; 4] = Default::default();
    for _ in 0..10 {
        times[0].extend(sample(|| pool(alloc, boxes, order)));
        times[1].extend(sample(|| mimalloc(raw, order)));
        times[2].extend(sample(|| plain(&mut list, raw, order)));
        times[3].extend(sample(|| none.round(raw, order, [2u8; 48])));
    }
    for v in &mut times {
        v.sort_by(f64::total_cmp);
    }
    let min = |i: usize| times[i][0];
    let med = |i: usize| times[i][times[i].len() / 2];
    println!(
        "pool {:.3} ns (median {:.3}), mimalloc {:.3} ns (median {:.3}): min ratio {:.3}, median ratio {:.3}",
        min(0),
        med(0),
        min(1),
        med(1),
        min(0) / min(1),
        med(0) / med(1)
    );
    println!(
        "references, min ratio to mimalloc: plain free list {:.3} ({:.3} ns), no allocator {:.3} ({:.3} ns)",
        min(2) / min(1),
        min(2),
        min(3) / min(1),
        min(3)
    );
}

/// `scale`: filling N 48 B boxes costs the same per box at 1 M and 8 M (a miss is O(1)
/// amortised), beside `Box` on the system allocator.
fn scale(alloc: &SmartAlloc) {
    for n in [1_000_000usize, 8_000_000] {
        let start = std::time::Instant::now();
        let boxes: Vec<PoolBox<Obj>> = (0..n).map(|i| alloc.pool_box([i as u8; 48])).collect();
        let pool = start.elapsed().as_nanos() as f64 / n as f64;
        drop(boxes);
        let start = std::time::Instant::now();
        let boxes: Vec<Box<Obj>> = (0..n).map(|i| Box::new([i as u8; 48])).collect();
        let system = start.elapsed().as_nanos() as f64 / n as f64;
        drop(boxes);
        println!("fill {n}: pool {pool:.1} ns/box, system Box {system:.1} ns/box");
    }
}

/// `phases`: min ns per op of the allocation loop and of the free loop, apart.
fn phases(
    alloc: &SmartAlloc,
    boxes: &mut [Option<PoolBox<Obj>>],
    raw: &mut [*mut Obj],
    order: &[usize],
) {
    let layout = Layout::new::<Obj>();
    let (mut pa, mut pf, mut ma, mut mf) = (f64::MAX, f64::MAX, f64::MAX, f64::MAX);
    let per = |t: std::time::Instant| t.elapsed().as_nanos() as f64 / OBJECTS as f64;
    for _ in 0..20_000 {
        let t = std::time::Instant::now();
        for slot in boxes.iter_mut() {
            *slot = Some(alloc.pool_box([2u8; 48]));
        }
        pa = pa.min(per(t));
        let t = std::time::Instant::now();
        for &i in order {
            boxes[i] = None;
        }
        pf = pf.min(per(t));
        let t = std::time::Instant::now();
        for slot in raw.iter_mut() {
            // SAFETY: as in `mimalloc`.
            unsafe {
                let p = MiMalloc.alloc(layout).cast::<Obj>();
                p.write([2u8; 48]);
                *slot = p;
            }
        }
        ma = ma.min(per(t));
        let t = std::time::Instant::now();
        for &i in order {
            // SAFETY: as in `mimalloc`.
            unsafe { MiMalloc.dealloc(raw[i].cast(), layout) };
        }
        mf = mf.min(per(t));
    }
    println!("pool alloc {pa:.3} free {pf:.3}; mimalloc alloc {ma:.3} free {mf:.3} (min ns/op)");
}

fn main() {
    let mode = probe_mode();
    let alloc = SmartAlloc::default();
    // The same pattern in a program that budgets some other tag (the untagged pool
    // allocations here have no budget): what `#[alloc_tag(.., budget = ..)]` anywhere costs.
    // Only in that mode: a tag budget set anywhere in the process arms a process-wide gate.
    let budgeted = SmartAlloc::default();
    if mode == "pool_other_tag_budgeted" {
        budgeted.set_tag_budget("physics", 1 << 20);
    }
    let order = shuffled(OBJECTS);
    let mut boxes: Vec<Option<PoolBox<Obj>>> = (0..OBJECTS).map(|_| None).collect();
    let mut raw: Vec<*mut Obj> = vec![std::ptr::null_mut(); OBJECTS];
    // Warm up both paths once so first-use costs are in the baseline.
    pool(&alloc, &mut boxes, &order);
    pool(&budgeted, &mut boxes, &order);
    mimalloc(&mut raw, &order);
    if mode == "ratio" {
        ratio(&alloc, &mut boxes, &mut raw, &order);
        return;
    }
    if mode == "scale" {
        scale(&alloc);
        return;
    }
    if mode == "phases" {
        phases(&alloc, &mut boxes, &mut raw, &order);
        return;
    }
    for _ in 0..ROUNDS {
        match mode.as_str() {
            "none" => {}
            "pool" => pool(&alloc, &mut boxes, &order),
            "pool_other_tag_budgeted" => pool(&budgeted, &mut boxes, &order),
            "mimalloc" => mimalloc(&mut raw, &order),
            other => panic!("unknown mode {other}"),
        }
        black_box(&mut boxes);
    }
}
