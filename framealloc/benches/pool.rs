//! Pool hot paths against `Box` on the system allocator and mimalloc, in the same run.
//!
//! `cargo bench -p framealloc --bench pool`

mod common;

use std::alloc::{GlobalAlloc, Layout};
use std::hint::black_box;
use std::time::{Duration, Instant};

use common::{NoAllocator, PlainFreeList, shuffled};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use framealloc::{PoolBox, SmartAlloc};
use mimalloc::MiMalloc;

type Obj = common::Obj48;

const OBJECTS: usize = 1000;

fn single(c: &mut Criterion) {
    let mut group = c.benchmark_group("pool/alloc_free_48B");
    group.throughput(Throughput::Elements(1));
    let alloc = SmartAlloc::default();
    group.bench_function("framealloc_pool_box", |b| {
        b.iter(|| {
            let boxed = alloc.pool_box([1u8; 48]);
            black_box(&*boxed);
        });
    });
    group.bench_function("system_box", |b| {
        b.iter(|| {
            let boxed = Box::new([1u8; 48]);
            black_box(&*boxed);
        });
    });
    group.bench_function("mimalloc", |b| {
        let layout = Layout::new::<Obj>();
        b.iter(|| {
            // SAFETY: non-zero layout; written, read, freed once.
            unsafe {
                let p = MiMalloc.alloc(layout).cast::<Obj>();
                p.write([1u8; 48]);
                black_box(&*p);
                MiMalloc.dealloc(p.cast(), layout);
            }
        });
    });
    group.finish();
}

fn shuffled_1000(c: &mut Criterion) {
    let mut group = c.benchmark_group("pool/shuffled_1000x48B");
    group.throughput(Throughput::Elements(OBJECTS as u64));
    let order = shuffled(OBJECTS);
    let alloc = SmartAlloc::default();

    group.bench_function("framealloc_pool_box", |b| {
        let mut slots: Vec<Option<PoolBox<Obj>>> = (0..OBJECTS).map(|_| None).collect();
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                for slot in &mut slots {
                    *slot = Some(alloc.pool_box([2u8; 48]));
                }
                for &i in &order {
                    slots[i] = None;
                }
            }
            start.elapsed()
        });
    });
    group.bench_function("system_box", |b| {
        let mut slots: Vec<Option<Box<Obj>>> = (0..OBJECTS).map(|_| None).collect();
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                for slot in &mut slots {
                    *slot = Some(Box::new([2u8; 48]));
                }
                for &i in &order {
                    slots[i] = None;
                }
            }
            start.elapsed()
        });
    });
    group.bench_function("mimalloc", |b| {
        let layout = Layout::new::<Obj>();
        let mut slots: Vec<*mut Obj> = vec![std::ptr::null_mut(); OBJECTS];
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                for slot in &mut slots {
                    // SAFETY: non-zero layout; each block written once, freed once below.
                    unsafe {
                        let p = MiMalloc.alloc(layout).cast::<Obj>();
                        p.write([2u8; 48]);
                        *slot = p;
                    }
                }
                for &i in &order {
                    // SAFETY: allocated above with this layout, freed once.
                    unsafe { MiMalloc.dealloc(slots[i].cast(), layout) };
                }
            }
            start.elapsed()
        });
    });
    // Reference rows, not allocators: a bare free list (the floor for any free-list
    // pool) and the pattern with no allocator at all (the harness's own cost).
    group.bench_function("baseline_plain_free_list", |b| {
        let mut list = PlainFreeList::new();
        let mut slots: Vec<*mut Obj> = vec![std::ptr::null_mut(); OBJECTS];
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                for slot in &mut slots {
                    let p = list.alloc();
                    // SAFETY: a fresh block of the list.
                    unsafe { p.write([2u8; 48]) };
                    *slot = p;
                }
                for &i in &order {
                    // SAFETY: allocated above, freed once.
                    unsafe { list.free(slots[i]) };
                }
            }
            start.elapsed()
        });
    });
    group.bench_function("baseline_no_allocator", |b| {
        let none = NoAllocator::new(&order);
        let mut slots: Vec<*mut Obj> = vec![std::ptr::null_mut(); OBJECTS];
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                none.round(&mut slots, &order, [2u8; 48]);
            }
            start.elapsed()
        });
    });
    group.finish();
}

fn cross_thread(c: &mut Criterion) {
    let mut group = c.benchmark_group("pool/cross_thread_free_1000x48B");
    group.throughput(Throughput::Elements(OBJECTS as u64));
    let alloc = SmartAlloc::default();
    group.bench_function("framealloc_pool_box", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let batch: Vec<PoolBox<Obj>> =
                    (0..OBJECTS).map(|_| alloc.pool_box([3u8; 48])).collect();
                spent += start.elapsed();
                // Freed on another thread (not timed: thread start-up dominates); the
                // timed allocations of the next round take the remote frees back.
                std::thread::scope(|s| {
                    s.spawn(move || drop(batch));
                });
            }
            spent
        });
    });
    group.bench_function("system_box", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let batch: Vec<Box<Obj>> = (0..OBJECTS).map(|_| Box::new([3u8; 48])).collect();
                spent += start.elapsed();
                std::thread::scope(|s| {
                    s.spawn(move || drop(batch));
                });
            }
            spent
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion_config();
    targets = single, shuffled_1000, cross_thread
}
criterion_main!(benches);
