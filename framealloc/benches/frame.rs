//! Frame allocation hot paths against bumpalo, `Box` on the system allocator and
//! mimalloc, in the same run.
//!
//! Every arena is reset each batch, in the peers too: a bench that never resets measures
//! page faults, not allocation. Handles are never passed to `black_box` by value (a
//! two-word handle passed by value costs a store-forwarding stall that is not part of
//! the allocator); the pointer to the data is, as for bumpalo's `&mut T`.
//!
//! `cargo bench -p framealloc --bench frame`

mod common;

use std::alloc::{GlobalAlloc, Layout};
use std::hint::black_box;
use std::time::{Duration, Instant};

use bumpalo::Bump;
use common::time_batches;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use framealloc::SmartAlloc;
use mimalloc::MiMalloc;

/// Allocations per frame (per reset).
const BATCH: u64 = 1000;

type Payload = [u8; 64];

#[inline(always)]
fn payload() -> Payload {
    [7u8; 64]
}

fn alloc_64(c: &mut Criterion) {
    let mut group = c.benchmark_group("frame/alloc_64B");
    group.throughput(Throughput::Elements(BATCH));

    group.bench_function("bumpalo", |b| {
        let mut bump = Bump::with_capacity(1 << 20);
        b.iter_custom(|iters| {
            time_batches(iters, || {
                for _ in 0..BATCH {
                    black_box(bump.alloc(payload()));
                }
                bump.reset();
            })
        });
    });

    let alloc = SmartAlloc::default();
    group.bench_function("framealloc_scoped", |b| {
        b.iter_custom(|iters| {
            time_batches(iters, || {
                let frame = alloc.frame();
                for _ in 0..BATCH {
                    black_box(frame.alloc(payload()));
                }
            })
        });
    });

    group.bench_function("framealloc_explicit_box_drop", |b| {
        b.iter_custom(|iters| {
            time_batches(iters, || {
                alloc.begin_frame();
                for _ in 0..BATCH {
                    let boxed = alloc.frame_box(payload());
                    black_box(&*boxed);
                }
                alloc.end_frame();
            })
        });
    });

    group.bench_function("framealloc_explicit_kept", |b| {
        let mut kept = Vec::with_capacity(BATCH as usize);
        b.iter_custom(|iters| {
            time_batches(iters, || {
                alloc.begin_frame();
                for _ in 0..BATCH {
                    let boxed = alloc.frame_box(payload());
                    black_box(&*boxed);
                    kept.push(boxed);
                }
                kept.clear();
                alloc.end_frame();
            })
        });
    });

    group.bench_function("bumpalo_refs_in_vec", |b| {
        let mut bump = Bump::with_capacity(1 << 20);
        let mut kept: Vec<*mut Payload> = Vec::with_capacity(BATCH as usize);
        b.iter_custom(|iters| {
            time_batches(iters, || {
                for _ in 0..BATCH {
                    let r = bump.alloc(payload());
                    let r = black_box(r);
                    kept.push(r);
                }
                kept.clear();
                bump.reset();
            })
        });
    });

    group.bench_function("system_box_drop", |b| {
        b.iter_custom(|iters| {
            time_batches(iters, || {
                for _ in 0..BATCH {
                    let boxed = Box::new(payload());
                    black_box(&*boxed);
                }
            })
        });
    });

    group.bench_function("mimalloc_alloc_dealloc", |b| {
        let layout = Layout::new::<Payload>();
        b.iter_custom(|iters| {
            time_batches(iters, || {
                for _ in 0..BATCH {
                    // SAFETY: non-zero layout; the block is written, then freed once.
                    unsafe {
                        let p = MiMalloc.alloc(layout).cast::<Payload>();
                        p.write(payload());
                        black_box(&*p);
                        MiMalloc.dealloc(p.cast(), layout);
                    }
                }
            })
        });
    });
    group.finish();
}

/// Issue 15: a task frame's `alloc` is bumpalo's, on an owned arena; its `reset` credits
/// the bytes to the tag (one slot lookup, two atomics per reset). Same group as
/// `alloc_64`, so the row sits beside bumpalo's in the same run.
fn task_frame_alloc_64(c: &mut Criterion) {
    let mut group = c.benchmark_group("frame/alloc_64B");
    group.throughput(Throughput::Elements(BATCH));
    let alloc = SmartAlloc::default();
    group.bench_function("framealloc_task_frame", |b| {
        let mut frame = alloc.task_frame();
        b.iter_custom(|iters| {
            time_batches(iters, || {
                for _ in 0..BATCH {
                    black_box(frame.alloc(payload()));
                }
                frame.reset();
            })
        });
    });
    group.finish();
}

fn empty_frame(c: &mut Criterion) {
    let mut group = c.benchmark_group("frame/empty_frame");
    group.throughput(Throughput::Elements(1));
    let alloc = SmartAlloc::default();
    // Touch the arena once so the thread's arena exists.
    alloc.frame_scope(|f| {
        f.alloc(0u8);
    });
    group.bench_function("framealloc_guard", |b| {
        b.iter(|| {
            // Not `black_box(&frame)`: that forces the guard through the stack and
            // measures a store-forwarding stall, not the frame.
            drop(alloc.frame());
        });
    });
    group.bench_function("framealloc_begin_end", |b| {
        b.iter(|| {
            alloc.begin_frame();
            alloc.end_frame();
        });
    });
    group.bench_function("bumpalo_reset", |b| {
        let mut bump = Bump::with_capacity(1 << 16);
        bump.alloc(0u8);
        b.iter(|| {
            black_box(&mut bump).reset();
        });
    });
    group.finish();
}

fn end_frame_cost(c: &mut Criterion) {
    let mut group = c.benchmark_group("frame/end_frame_after_n");
    let alloc = SmartAlloc::default();
    for n in [10u64, 10_000] {
        group.bench_with_input(BenchmarkId::new("framealloc_guard", n), &n, |b, &n| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    let frame = alloc.frame();
                    for _ in 0..n {
                        black_box(frame.alloc(payload()));
                    }
                    let start = Instant::now();
                    drop(frame);
                    spent += start.elapsed();
                }
                spent
            });
        });
        group.bench_with_input(BenchmarkId::new("bumpalo_reset", n), &n, |b, &n| {
            let mut bump = Bump::with_capacity(1 << 20);
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    for _ in 0..n {
                        black_box(bump.alloc(payload()));
                    }
                    let start = Instant::now();
                    bump.reset();
                    spent += start.elapsed();
                }
                spent
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion_config();
    targets = alloc_64, task_frame_alloc_64, empty_frame, end_frame_cost
}
criterion_main!(benches);
