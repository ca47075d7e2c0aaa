//! Job-system herds and scratch scopes (issue 20), against their anchors in the same run:
//!
//! - `herd/par_map/{1,2}t`: a rayon parallel map of 1M small results (24 B) into herd
//!   memory (`map_init(|| herd.member(), ..)`), then a reset — vs bumpalo-herd's
//!   `Herd`/`Member`, a `Box` per item, and collecting the values into a `Vec`; on rayon
//!   pools of 1 and 2 threads.
//! - `scratch/enter_exit`: entering a scratch scope, one allocation, leaving it — vs
//!   bump-scope's `scoped`.
//!
//! ```sh
//! cargo bench -p framealloc --bench herd
//! ```

mod common;

use std::hint::black_box;

use common::time_batches;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;

/// Results per parallel map.
const ITEMS: u64 = 1_000_000;

/// One small per-entity result.
#[derive(Clone, Copy)]
struct Result24 {
    id: u64,
    score: f64,
    flags: u64,
}

// SAFETY: plain data, no destructor.
unsafe impl framealloc::FrameSafe for Result24 {}

#[inline]
fn make(i: u64) -> Result24 {
    Result24 {
        id: i,
        score: i as f64 * 0.5,
        flags: i ^ 0x55,
    }
}

/// Read one result whole (all rows do the same work after the map).
fn touch(r: &Result24) {
    black_box(r.id ^ r.flags ^ r.score.to_bits());
}

fn check(results: &[&Result24]) {
    assert_eq!(results.len() as u64, ITEMS);
    touch(results[results.len() / 2]);
}

fn par_map(c: &mut Criterion) {
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut group = c.benchmark_group(format!("herd/par_map/{threads}t"));
        group.throughput(Throughput::Elements(ITEMS));
        group.sample_size(10);

        let alloc = framealloc::SmartAlloc::default();
        let mut herd = alloc.herd();
        group.bench_function("framealloc_herd", |b| {
            b.iter_custom(|iters| {
                time_batches(iters, || {
                    let results: Vec<&Result24> = pool.install(|| {
                        (0..ITEMS)
                            .into_par_iter()
                            .map_init(|| herd.member(), |m, i| &*m.alloc(make(i)))
                            .collect()
                    });
                    check(&results);
                    drop(results);
                    herd.reset();
                })
            });
        });

        let mut bherd = bumpalo_herd::Herd::new();
        group.bench_function("bumpalo_herd", |b| {
            b.iter_custom(|iters| {
                time_batches(iters, || {
                    let results: Vec<&Result24> = pool.install(|| {
                        (0..ITEMS)
                            .into_par_iter()
                            .map_init(|| bherd.get(), |m, i| &*m.alloc(make(i)))
                            .collect()
                    });
                    check(&results);
                    drop(results);
                    bherd.reset();
                })
            });
        });

        group.bench_function("box_per_item", |b| {
            b.iter_custom(|iters| {
                time_batches(iters, || {
                    let results: Vec<Box<Result24>> = pool.install(|| {
                        (0..ITEMS)
                            .into_par_iter()
                            .map(|i| Box::new(make(i)))
                            .collect()
                    });
                    assert_eq!(results.len() as u64, ITEMS);
                    touch(&results[results.len() / 2]);
                })
            });
        });

        group.bench_function("vec_collect", |b| {
            b.iter_custom(|iters| {
                time_batches(iters, || {
                    let results: Vec<Result24> =
                        pool.install(|| (0..ITEMS).into_par_iter().map(make).collect());
                    assert_eq!(results.len() as u64, ITEMS);
                    touch(&results[results.len() / 2]);
                })
            });
        });
        group.finish();
    }
}

fn scratch(c: &mut Criterion) {
    /// Scopes per batch.
    const SCOPES: u64 = 1000;
    let mut group = c.benchmark_group("scratch/enter_exit");
    group.throughput(Throughput::Elements(SCOPES));

    let alloc = framealloc::SmartAlloc::default();
    group.bench_function("framealloc_scratch", |b| {
        let frame = alloc.frame();
        b.iter_custom(|iters| {
            time_batches(iters, || {
                for i in 0..SCOPES {
                    frame.scratch(|s| {
                        black_box(&*s.alloc(i));
                    });
                }
            })
        });
    });

    group.bench_function("bump_scope_scoped", |b| {
        let mut bump: bump_scope::Bump = bump_scope::Bump::new();
        b.iter_custom(|iters| {
            time_batches(iters, || {
                for i in 0..SCOPES {
                    bump.scoped(|scope| {
                        black_box(&*scope.alloc(i));
                    });
                }
            })
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion_config();
    targets = par_map, scratch
}
criterion_main!(benches);
