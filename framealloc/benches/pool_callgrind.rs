//! Instruction-count probe for the pool hot path (`pool_box` + drop), run under
//! callgrind by `scripts/callgrind-pool`. Each mode runs `ROUNDS` rounds of the bench's
//! shuffled pattern (1000 × 48 B allocated, then freed in a fixed random order); the
//! script subtracts the `none` baseline.
//!
//! Run directly: `cargo bench -p framealloc --bench pool_callgrind -- MODE`. Mode
//! `ratio` instead times both paths in alternation (min and median of 100 samples of
//! 100 rounds each): a quicker, noise-resistant check than criterion on a busy machine.
//! Mode `phases` times the allocation loop and the free loop apart (min ns per op).

mod common;

use std::alloc::{GlobalAlloc, Layout};
use std::hint::black_box;

use common::{probe_mode, shuffled};
use framealloc::{PoolBox, SmartAlloc};
use mimalloc::MiMalloc;

type Obj = [u8; 48];

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
    let (mut p, mut m) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        p.extend(sample(|| pool(alloc, boxes, order)));
        m.extend(sample(|| mimalloc(raw, order)));
    }
    for v in [&mut p, &mut m] {
        v.sort_by(f64::total_cmp);
    }
    let (pm, mm) = (p[0], m[0]);
    let (pmed, mmed) = (p[p.len() / 2], m[m.len() / 2]);
    println!(
        "pool {pm:.3} ns (median {pmed:.3}), mimalloc {mm:.3} ns (median {mmed:.3}): min ratio {:.3}, median ratio {:.3}",
        pm / mm,
        pmed / mmed
    );
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
