//! The cost of tagging, budgets, and what the `minimal` and `prefetch` features buy.
//!
//! The group is named after the build: `features/default` or `features/minimal`, so two
//! back-to-back runs of the same command, one with `--features minimal`, land side by
//! side in BENCHMARKS.md (`scripts/bench-report`):
//!
//! ```sh
//! cargo bench -p framealloc --bench features
//! cargo bench -p framealloc --bench features --features minimal
//! ```
//!
//! Tagged vs untagged compares in the same run: explicit `frame_box`+drop with the batch
//! under one tag (what `#[alloc_tag]` on a system function does), with a tag pushed
//! around every allocation (the worst case), and with none.

mod common;

use std::hint::black_box;

use common::{shuffled, time_batches};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use framealloc::{PoolBox, SmartAlloc};

/// Allocations per frame.
const BATCH: u64 = 1000;
const OBJECTS: usize = 1000;

fn mode() -> &'static str {
    if cfg!(feature = "minimal") {
        "minimal"
    } else {
        "default"
    }
}

/// One explicit frame of `BATCH` 64 B `frame_box`+drop.
fn explicit_frame(alloc: &SmartAlloc) {
    alloc.begin_frame();
    for _ in 0..BATCH {
        let boxed = alloc.frame_box([7u8; 64]);
        black_box(&*boxed);
    }
    alloc.end_frame();
}

fn features(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("features/{}", mode()));
    group.throughput(Throughput::Elements(BATCH));
    let alloc = SmartAlloc::default();

    group.bench_function("explicit_untagged", |b| {
        b.iter_custom(|iters| time_batches(iters, || explicit_frame(&alloc)));
    });

    group.bench_function("explicit_tagged", |b| {
        b.iter_custom(|iters| {
            time_batches(iters, || {
                alloc.begin_frame();
                alloc.with_tag("physics", |a| {
                    for _ in 0..BATCH {
                        let boxed = a.frame_box([7u8; 64]);
                        black_box(&*boxed);
                    }
                });
                alloc.end_frame();
            })
        });
    });

    group.bench_function("explicit_tag_per_alloc", |b| {
        b.iter_custom(|iters| {
            time_batches(iters, || {
                alloc.begin_frame();
                for _ in 0..BATCH {
                    let _tag = alloc.tag("physics");
                    let boxed = alloc.frame_box([7u8; 64]);
                    black_box(&*boxed);
                }
                alloc.end_frame();
            })
        });
    });

    // A budget that never triggers: what the per-call check costs once budgets exist.
    let budgeted = SmartAlloc::default();
    budgeted.set_thread_frame_budget(u64::MAX - 1);
    budgeted.set_tag_budget("physics", u64::MAX - 1);
    group.bench_function("explicit_with_budgets", |b| {
        b.iter_custom(|iters| time_batches(iters, || explicit_frame(&budgeted)));
    });

    group.bench_function("scoped", |b| {
        b.iter_custom(|iters| {
            time_batches(iters, || {
                let frame = alloc.frame();
                for _ in 0..BATCH {
                    black_box(frame.alloc([7u8; 64]));
                }
            })
        });
    });

    let order = shuffled(OBJECTS);
    group.bench_function("pool_shuffled_48B", |b| {
        let mut slots: Vec<Option<PoolBox<[u8; 48]>>> = (0..OBJECTS).map(|_| None).collect();
        b.iter_custom(|iters| {
            time_batches(iters, || {
                for slot in &mut slots {
                    *slot = Some(alloc.pool_box([2u8; 48]));
                }
                for &i in &order {
                    slots[i] = None;
                }
            })
        });
    });

    group.bench_function("pool_shuffled_48B_tagged", |b| {
        let mut slots: Vec<Option<PoolBox<[u8; 48]>>> = (0..OBJECTS).map(|_| None).collect();
        b.iter_custom(|iters| {
            time_batches(iters, || {
                let _tag = alloc.tag("entities");
                for slot in &mut slots {
                    *slot = Some(alloc.pool_box([2u8; 48]));
                }
                for &i in &order {
                    slots[i] = None;
                }
            })
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion_config();
    targets = features
}
criterion_main!(benches);
