//! bumpalo's own benchmarks (`benches/benches.rs` of fitzgen/bumpalo), ported to
//! framealloc as a bumpalo user would port them, each group with a `bumpalo` row (bumpalo's
//! code) and a `framealloc` row (the same work through a `Frame` guard) in the same run.
//!
//! Every bumpalo group is here with bumpalo's sizes, element types and iteration counts:
//! `extend {len} bytes`, `extend_from_slices num_slices=.., is_preallocated=..`, `alloc`
//! (small, big, `from_str_in`, `push_str`), `alloc-with`, `alloc-try-with`,
//! `alloc-try-with-err`, `try-alloc`, `try-alloc-with`, `try-alloc-try-with`,
//! `try-alloc-try-with-err`, `format-realloc`. Group ids are `bumpalo_port/<bumpalo's
//! group>`, benchmark ids `bumpalo/<bumpalo's function>` and `framealloc/<same>`.
//!
//! How the arenas are made and reset mirrors bumpalo's bench exactly: where bumpalo makes a
//! `Bump` inside the timed closure (the `alloc*` / `try-alloc*` groups), framealloc opens a
//! frame there; where bumpalo calls `bump.reset()` at the start of each iteration, the
//! framealloc row opens a frame for the iteration (`let frame = alloc.frame();`, closed
//! when it drops). The framealloc side uses `SmartAlloc::default()` as a new user would.
//!
//! Ported as a user would, where framealloc has no twin: `Frame` has no `alloc_try_with`
//! / `try_alloc_try_with` (allocate a `Result` in place and give the room back on `Err`),
//! so those rows call the closure first and allocate the `Ok` value
//! (`f().map(|v| frame.alloc(v))`, `f().map(|v| frame.try_alloc(v))`).
//!
//! One deviation from bumpalo's bodies, the same on both rows: results that are
//! collections go to `black_box` by reference (`black_box(&vec)`), not by value (SPEC
//! §4.10: a multi-word value passed by value measures a store-forwarding stall, not the
//! allocator); `&mut T` results (one word) go by value, as in bumpalo.
//!
//! Extra rows (issue 13): an empty frame vs `bump.reset()`; a frame plus an empty
//! `FrameVec` vs a reset plus `bumpalo::collections::Vec::new_in`; `FrameVec` /
//! bumpalo `Vec` push; `alloc_slice_copy` of 16 KiB; a hashbrown map in
//! `frame.allocator()` vs in `&bump`; an allocator-api2 `Vec` pushed in each.
//!
//! Before timing, every group checks once that both rows produce the same contents.
//!
//! `cargo bench -p framealloc --bench bumpalo_port` (or `scripts/bumpalo-ratios` for a
//! short run and the table of ratios).

mod common;

use std::hint::black_box;

use bumpalo::Bump;
use bumpalo::collections::{String as BString, Vec as BVec};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use framealloc::{Frame, FrameString, FrameVec, SmartAlloc, frame_format};

#[derive(Default, PartialEq, Debug)]
struct Small(u8);

#[derive(Default, PartialEq, Debug)]
struct Big([usize; 32]);

const ALLOCATIONS: usize = 10_000;

// ---------------------------------------------------------------------------------------
// Single allocations: bumpalo makes a `Bump` per call; framealloc opens a frame per call.

fn bp_alloc<T: Default>(n: usize) {
    let arena = Bump::with_capacity(n * size_of::<T>());
    for _ in 0..n {
        let arena = black_box(&arena);
        let val: &mut T = arena.alloc(black_box(Default::default()));
        black_box(val);
    }
}

fn fa_alloc<T: Default>(alloc: &SmartAlloc, n: usize) {
    let frame = alloc.frame();
    for _ in 0..n {
        let frame = black_box(&frame);
        let val: &mut T = frame.alloc(black_box(Default::default()));
        black_box(val);
    }
}

fn bp_alloc_with<T: Default>(n: usize) {
    let arena = Bump::with_capacity(n * size_of::<T>());
    for _ in 0..n {
        let arena = black_box(&arena);
        let val: &mut T = arena.alloc_with(|| black_box(Default::default()));
        black_box(val);
    }
}

fn fa_alloc_with<T: Default>(alloc: &SmartAlloc, n: usize) {
    let frame = alloc.frame();
    for _ in 0..n {
        let frame = black_box(&frame);
        let val: &mut T = frame.alloc_with(|| black_box(Default::default()));
        black_box(val);
    }
}

fn bp_alloc_try_with<T: Default, E>(n: usize) {
    let arena = Bump::with_capacity(n * size_of::<Result<T, E>>());
    for _ in 0..n {
        let arena = black_box(&arena);
        let val: Result<&mut T, E> = arena.alloc_try_with(|| black_box(Ok(Default::default())));
        let _ = black_box(val);
    }
}

fn fa_alloc_try_with<T: Default, E>(alloc: &SmartAlloc, n: usize) {
    let frame = alloc.frame();
    for _ in 0..n {
        let frame = black_box(&frame);
        let f = || black_box(Ok::<T, E>(Default::default()));
        let val: Result<&mut T, E> = f().map(|v| frame.alloc(v));
        let _ = black_box(val);
    }
}

fn bp_alloc_try_with_err<T, E: Default>(n: usize) {
    // Only enough capacity for one, since the allocation is undone.
    let arena = Bump::with_capacity(size_of::<Result<T, E>>());
    for _ in 0..n {
        let arena = black_box(&arena);
        let val: Result<&mut T, E> = arena.alloc_try_with(|| black_box(Err(Default::default())));
        let _ = black_box(val);
    }
}

fn fa_alloc_try_with_err<T, E: Default>(alloc: &SmartAlloc, n: usize) {
    let frame = alloc.frame();
    for _ in 0..n {
        let frame = black_box(&frame);
        let f = || black_box(Err::<T, E>(Default::default()));
        let val: Result<&mut T, E> = f().map(|v| frame.alloc(v));
        let _ = black_box(val);
    }
}

fn bp_try_alloc<T: Default>(n: usize) {
    let arena = Bump::with_capacity(n * size_of::<T>());
    for _ in 0..n {
        let arena = black_box(&arena);
        let val: Result<&mut T, _> = arena.try_alloc(black_box(Default::default()));
        let _ = black_box(val);
    }
}

fn fa_try_alloc<T: Default>(alloc: &SmartAlloc, n: usize) {
    let frame = alloc.frame();
    for _ in 0..n {
        let frame = black_box(&frame);
        let val: Result<&mut T, _> = frame.try_alloc(black_box(Default::default()));
        let _ = black_box(val);
    }
}

fn bp_try_alloc_with<T: Default>(n: usize) {
    let arena = Bump::with_capacity(n * size_of::<T>());
    for _ in 0..n {
        let arena = black_box(&arena);
        let val: Result<&mut T, _> = arena.try_alloc_with(|| black_box(Default::default()));
        let _ = black_box(val);
    }
}

fn fa_try_alloc_with<T: Default>(alloc: &SmartAlloc, n: usize) {
    let frame = alloc.frame();
    for _ in 0..n {
        let frame = black_box(&frame);
        let val: Result<&mut T, _> = frame.try_alloc_with(|| black_box(Default::default()));
        let _ = black_box(val);
    }
}

fn bp_try_alloc_try_with<T: Default, E>(n: usize) {
    let arena = Bump::with_capacity(n * size_of::<Result<T, E>>());
    for _ in 0..n {
        let arena = black_box(&arena);
        let val: Result<&mut T, bumpalo::AllocOrInitError<E>> =
            arena.try_alloc_try_with(|| black_box(Ok(Default::default())));
        let _ = black_box(val);
    }
}

fn fa_try_alloc_try_with<T: Default, E>(alloc: &SmartAlloc, n: usize) {
    let frame = alloc.frame();
    for _ in 0..n {
        let frame = black_box(&frame);
        let f = || black_box(Ok::<T, E>(Default::default()));
        let val: Result<Result<&mut T, framealloc::Error>, E> = f().map(|v| frame.try_alloc(v));
        let _ = black_box(val);
    }
}

fn bp_try_alloc_try_with_err<T, E: Default>(n: usize) {
    // Only enough capacity for one, since the allocation is undone.
    let arena = Bump::with_capacity(size_of::<Result<T, E>>());
    for _ in 0..n {
        let arena = black_box(&arena);
        let val: Result<&mut T, bumpalo::AllocOrInitError<E>> =
            arena.try_alloc_try_with(|| black_box(Err(Default::default())));
        let _ = black_box(val);
    }
}

fn fa_try_alloc_try_with_err<T, E: Default>(alloc: &SmartAlloc, n: usize) {
    let frame = alloc.frame();
    for _ in 0..n {
        let frame = black_box(&frame);
        let f = || black_box(Err::<T, E>(Default::default()));
        let val: Result<Result<&mut T, framealloc::Error>, E> = f().map(|v| frame.try_alloc(v));
        let _ = black_box(val);
    }
}

/// Both sides hand back the same value for one call of each constructor the single
/// allocation groups use (their bodies return nothing: the arena dies in the body).
fn check_single<
    T: Default + PartialEq + std::fmt::Debug,
    E: Default + PartialEq + std::fmt::Debug,
>(
    alloc: &SmartAlloc,
) {
    let bump = Bump::new();
    let frame = alloc.frame();
    assert_eq!(bump.alloc(T::default()), frame.alloc(T::default()));
    assert_eq!(bump.alloc_with(T::default), frame.alloc_with(T::default));
    assert_eq!(
        bump.try_alloc(T::default()).unwrap(),
        frame.try_alloc(T::default()).unwrap()
    );
    assert_eq!(
        bump.try_alloc_with(T::default).unwrap(),
        frame.try_alloc_with(T::default).unwrap()
    );
    let ok = || Ok::<T, E>(T::default());
    assert_eq!(
        bump.alloc_try_with(ok).ok(),
        ok().map(|v| frame.alloc(v)).ok()
    );
    assert_eq!(
        bump.try_alloc_try_with(ok).ok(),
        ok().map(|v| frame.try_alloc(v).unwrap()).ok()
    );
    let err = || Err::<T, E>(E::default());
    assert_eq!(
        bump.alloc_try_with(err).err(),
        err().map(|v| frame.alloc(v)).err()
    );
    let bumpalo_err = match bump.try_alloc_try_with(err) {
        Err(bumpalo::AllocOrInitError::Init(e)) => Some(e),
        _ => None,
    };
    assert_eq!(bumpalo_err, err().map(|v| frame.try_alloc(v)).err());
}

macro_rules! single_group {
    ($c:expr, $alloc:expr, $name:literal, $bp:ident, $fa:ident, [$($label:literal => [$($ty:ty),+]),+ $(,)?]) => {{
        let mut group = $c.benchmark_group(concat!("bumpalo_port/", $name));
        group.throughput(Throughput::Elements(ALLOCATIONS as u64));
        $(
            group.bench_function(BenchmarkId::new("bumpalo", $label), |b| {
                b.iter(|| $bp::<$($ty),+>(ALLOCATIONS))
            });
            group.bench_function(BenchmarkId::new("framealloc", $label), |b| {
                b.iter(|| $fa::<$($ty),+>($alloc, ALLOCATIONS))
            });
        )+
        group.finish();
    }};
}

fn bench_alloc(c: &mut Criterion) {
    let alloc = SmartAlloc::default();
    check_single::<Small, Small>(&alloc);
    check_single::<Small, Big>(&alloc);
    check_single::<Big, Small>(&alloc);
    check_single::<Big, Big>(&alloc);
    // bumpalo's "alloc" group also holds `from_str_in` and `push_str`: see
    // `bench_string_from_str_in` / `bench_string_push_str` (same group id).
    single_group!(c, &alloc, "alloc", bp_alloc, fa_alloc, ["small" => [Small], "big" => [Big]]);
    single_group!(c, &alloc, "alloc-with", bp_alloc_with, fa_alloc_with,
        ["small" => [Small], "big" => [Big]]);
    single_group!(c, &alloc, "alloc-try-with", bp_alloc_try_with, fa_alloc_try_with, [
        "small, small" => [Small, Small],
        "small, big" => [Small, Big],
        "big, small" => [Big, Small],
        "big, big" => [Big, Big],
    ]);
    single_group!(c, &alloc, "alloc-try-with-err", bp_alloc_try_with_err, fa_alloc_try_with_err, [
        "small, small" => [Small, Small],
        "small, big" => [Small, Big],
        "big, small" => [Big, Small],
        "big, big" => [Big, Big],
    ]);
    single_group!(c, &alloc, "try-alloc", bp_try_alloc, fa_try_alloc,
        ["small" => [Small], "big" => [Big]]);
    single_group!(c, &alloc, "try-alloc-with", bp_try_alloc_with, fa_try_alloc_with,
        ["small" => [Small], "big" => [Big]]);
    single_group!(c, &alloc, "try-alloc-try-with", bp_try_alloc_try_with, fa_try_alloc_try_with, [
        "small, small" => [Small, Small],
        "small, big" => [Small, Big],
        "big, small" => [Big, Small],
        "big, big" => [Big, Big],
    ]);
    single_group!(c, &alloc, "try-alloc-try-with-err", bp_try_alloc_try_with_err,
        fa_try_alloc_try_with_err, [
        "small, small" => [Small, Small],
        "small, big" => [Small, Big],
        "big, small" => [Big, Small],
        "big, big" => [Big, Big],
    ]);
}

// ---------------------------------------------------------------------------------------
// Collections: bumpalo resets its `Bump` at the start of each iteration; framealloc opens
// a frame for the iteration.

fn bp_format_realloc(bump: &Bump, n: usize) -> BString<'_> {
    let n = black_box(n);
    bumpalo::format!(in bump, "Hello {:.*}", n, "World! ")
}

fn fa_format_realloc<'f>(frame: &'f Frame<'_>, n: usize) -> FrameString<'f> {
    let n = black_box(n);
    frame_format!(frame, "Hello {:.*}", n, "World! ")
}

fn bp_string_from_str_in<'b>(bump: &'b Bump, str: &str) -> BString<'b> {
    let str = black_box(str);
    BString::from_str_in(str, bump)
}

fn fa_string_from_str_in<'f>(frame: &'f Frame<'_>, str: &str) -> FrameString<'f> {
    let str = black_box(str);
    FrameString::from_str_in(str, frame)
}

fn bp_string_push_str<'b>(bump: &'b Bump, str: &str) -> BString<'b> {
    let str = black_box(str);
    let mut s = BString::with_capacity_in(str.len(), bump);
    s.push_str(str);
    s
}

fn fa_string_push_str<'f>(frame: &'f Frame<'_>, str: &str) -> FrameString<'f> {
    let str = black_box(str);
    let mut s = FrameString::with_capacity_in(str.len(), frame);
    s.push_str(str);
    s
}

fn bp_extend_u8<'b>(bump: &'b Bump, slice: &[u8]) -> BVec<'b, u8> {
    let slice = black_box(slice);
    let mut vec = BVec::<u8>::with_capacity_in(slice.len(), bump);
    vec.extend(slice.iter().copied());
    vec
}

fn fa_extend_u8<'f>(frame: &'f Frame<'_>, slice: &[u8]) -> FrameVec<'f, u8> {
    let slice = black_box(slice);
    let mut vec = FrameVec::<u8>::with_capacity_in(slice.len(), frame);
    vec.extend(slice.iter().copied());
    vec
}

fn bp_extend_from_slice_u8<'b>(bump: &'b Bump, slice: &[u8]) -> BVec<'b, u8> {
    let slice = black_box(slice);
    let mut vec = BVec::<u8>::with_capacity_in(slice.len(), bump);
    vec.extend_from_slice(slice);
    vec
}

fn fa_extend_from_slice_u8<'f>(frame: &'f Frame<'_>, slice: &[u8]) -> FrameVec<'f, u8> {
    let slice = black_box(slice);
    let mut vec = FrameVec::<u8>::with_capacity_in(slice.len(), frame);
    vec.extend_from_slice(slice);
    vec
}

fn bp_extend_from_slice_copy_u8<'b>(bump: &'b Bump, slice: &[u8]) -> BVec<'b, u8> {
    let slice = black_box(slice);
    let mut vec = BVec::<u8>::with_capacity_in(slice.len(), bump);
    vec.extend_from_slice_copy(slice);
    vec
}

fn fa_extend_from_slice_copy_u8<'f>(frame: &'f Frame<'_>, slice: &[u8]) -> FrameVec<'f, u8> {
    let slice = black_box(slice);
    let mut vec = FrameVec::<u8>::with_capacity_in(slice.len(), frame);
    vec.extend_from_slice_copy(slice);
    vec
}

type BpVecBody = for<'b> fn(&'b Bump, &[u8]) -> BVec<'b, u8>;
type FaVecBody = for<'f, 'a> fn(&'f Frame<'a>, &[u8]) -> FrameVec<'f, u8>;

fn bench_extend_from_slice_copy(c: &mut Criterion) {
    let alloc = SmartAlloc::default();
    let lengths = &[
        4usize,
        5,
        8,
        11,
        16,
        64,
        128,
        331,
        1024,
        4 * 1024,
        16 * 1024,
    ];
    let bodies: [(&str, BpVecBody, FaVecBody); 3] = [
        ("extend", bp_extend_u8, fa_extend_u8),
        (
            "extend_from_slice",
            bp_extend_from_slice_u8,
            fa_extend_from_slice_u8,
        ),
        (
            "extend_from_slice_copy",
            bp_extend_from_slice_copy_u8,
            fa_extend_from_slice_copy_u8,
        ),
    ];

    for len in lengths.iter().copied() {
        let str = "x".repeat(len);
        let mut group = c.benchmark_group(format!("bumpalo_port/extend {len} bytes"));
        group.throughput(Throughput::Elements(len as u64));
        for (name, bp, fa) in bodies {
            {
                let bump = Bump::new();
                let frame = alloc.frame();
                assert_eq!(
                    bp(&bump, str.as_bytes()).as_slice(),
                    fa(&frame, str.as_bytes()).as_slice()
                );
            }
            group.bench_function(BenchmarkId::new("bumpalo", name), |b| {
                let mut bump = Bump::with_capacity(len);
                b.iter(|| {
                    bump.reset();
                    let vec = bp(&bump, str.as_bytes());
                    black_box(&vec);
                });
            });
            group.bench_function(BenchmarkId::new("framealloc", name), |b| {
                b.iter(|| {
                    let frame = alloc.frame();
                    let vec = fa(&frame, str.as_bytes());
                    black_box(&vec);
                });
            });
        }
        group.finish();
    }
}

fn bench_extend_from_slices_copy(c: &mut Criterion) {
    let alloc = SmartAlloc::default();
    // The number of slices that will be copied into the Vec
    let slice_counts = &[1, 2, 4, 8, 16, 32];

    // Whether the Bump and its Vec have will already enough space to store the data without
    // requiring reallocation
    let is_preallocated_settings = &[false, true];

    // Slices that can be used to extend the Vec; each may be used more than once.
    let data: [&[u8]; 4] = [
        black_box(b"wwwwwwwwwwwwwwww"),
        black_box(b"xxxxxxxxxxxxxxxx"),
        black_box(b"yyyyyyyyyyyyyyyy"),
        black_box(b"zzzzzzzzzzzzzzzz"),
    ];

    for is_preallocated in is_preallocated_settings {
        for num_slices in slice_counts.iter().copied() {
            let mut group = c.benchmark_group(format!(
                "bumpalo_port/extend_from_slices num_slices={num_slices}, is_preallocated={is_preallocated}"
            ));

            let slices = data
                .iter()
                .copied()
                .cycle()
                .take(num_slices)
                .collect::<Vec<_>>();
            let total_size = slices.iter().map(|s| s.len()).sum();

            let size_to_allocate = if *is_preallocated { total_size } else { 0 };
            let mut bump = Bump::with_capacity(size_to_allocate);

            {
                let frame = alloc.frame();
                let mut a = BVec::<u8>::with_capacity_in(size_to_allocate, &bump);
                let mut b = FrameVec::<u8>::with_capacity_in(size_to_allocate, &frame);
                for slice in &slices {
                    a.extend_from_slice_copy(slice);
                    b.extend_from_slice_copy(slice);
                }
                assert_eq!(a.as_slice(), b.as_slice());
                let mut a2 = BVec::<u8>::with_capacity_in(size_to_allocate, &bump);
                let mut b2 = FrameVec::<u8>::with_capacity_in(size_to_allocate, &frame);
                a2.extend_from_slices_copy(&slices);
                b2.extend_from_slices_copy(&slices);
                assert_eq!(a2.as_slice(), b2.as_slice());
                assert_eq!(a.as_slice(), a2.as_slice());
            }
            bump.reset();

            // Looping over the slice-of-slices, calling `extend_from_slice_copy` (and
            // transitively `reserve`) for each slice.
            group.bench_function(
                BenchmarkId::new("bumpalo", "loop over extend_from_slice_copy"),
                |b| {
                    b.iter(|| {
                        bump.reset();
                        let mut vec = BVec::<u8>::with_capacity_in(size_to_allocate, &bump);
                        for slice in black_box(&slices) {
                            vec.extend_from_slice_copy(slice);
                        }
                        black_box(&vec);
                    });
                },
            );
            group.bench_function(
                BenchmarkId::new("framealloc", "loop over extend_from_slice_copy"),
                |b| {
                    b.iter(|| {
                        let frame = alloc.frame();
                        let mut vec = FrameVec::<u8>::with_capacity_in(size_to_allocate, &frame);
                        for slice in black_box(&slices) {
                            vec.extend_from_slice_copy(slice);
                        }
                        black_box(&vec);
                    });
                },
            );

            // A single call to `extend_from_slices_copy`: one `reserve`, then every slice.
            group.bench_function(
                BenchmarkId::new("bumpalo", "extend_from_slices_copy"),
                |b| {
                    b.iter(|| {
                        bump.reset();
                        let mut vec = BVec::<u8>::with_capacity_in(size_to_allocate, &bump);
                        vec.extend_from_slices_copy(black_box(slices.as_slice()));
                        black_box(&vec);
                    });
                },
            );
            group.bench_function(
                BenchmarkId::new("framealloc", "extend_from_slices_copy"),
                |b| {
                    b.iter(|| {
                        let frame = alloc.frame();
                        let mut vec = FrameVec::<u8>::with_capacity_in(size_to_allocate, &frame);
                        vec.extend_from_slices_copy(black_box(slices.as_slice()));
                        black_box(&vec);
                    });
                },
            );

            group.finish();
        }
    }
}

fn bench_format_realloc(c: &mut Criterion) {
    let alloc = SmartAlloc::default();
    let mut group = c.benchmark_group("bumpalo_port/format-realloc");

    for n in (1..5).map(|n| n * n * n * 10) {
        {
            let bump = Bump::new();
            let frame = alloc.frame();
            assert_eq!(
                bp_format_realloc(&bump, n).as_str(),
                fa_format_realloc(&frame, n).as_str()
            );
        }
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("bumpalo", n), &n, |b, n| {
            let mut bump = Bump::new();
            b.iter(|| {
                bump.reset();
                let s = bp_format_realloc(&bump, *n);
                black_box(&s);
            });
        });
        group.bench_with_input(BenchmarkId::new("framealloc", n), &n, |b, n| {
            b.iter(|| {
                let frame = alloc.frame();
                let s = fa_format_realloc(&frame, *n);
                black_box(&s);
            });
        });
    }
    group.finish();
}

fn bench_string_from_str_in(c: &mut Criterion) {
    let alloc = SmartAlloc::default();
    let len: usize = 16;
    let str = "x".repeat(len);
    {
        let bump = Bump::new();
        let frame = alloc.frame();
        assert_eq!(
            bp_string_from_str_in(&bump, &str).as_str(),
            fa_string_from_str_in(&frame, &str).as_str()
        );
    }

    let mut group = c.benchmark_group("bumpalo_port/alloc");
    group.throughput(Throughput::Elements(len as u64));
    group.bench_function(BenchmarkId::new("bumpalo", "from_str_in"), |b| {
        let mut bump = Bump::with_capacity(len);
        b.iter(|| {
            bump.reset();
            let s = bp_string_from_str_in(&bump, &str);
            black_box(&s);
        });
    });
    group.bench_function(BenchmarkId::new("framealloc", "from_str_in"), |b| {
        b.iter(|| {
            let frame = alloc.frame();
            let s = fa_string_from_str_in(&frame, &str);
            black_box(&s);
        });
    });
    group.finish();
}

fn bench_string_push_str(c: &mut Criterion) {
    let alloc = SmartAlloc::default();
    let len: usize = 16 * 1024; // 16 KiB
    let str = "x".repeat(len);
    {
        let bump = Bump::new();
        let frame = alloc.frame();
        assert_eq!(
            bp_string_push_str(&bump, &str).as_str(),
            fa_string_push_str(&frame, &str).as_str()
        );
    }

    let mut group = c.benchmark_group("bumpalo_port/alloc");
    group.throughput(Throughput::Elements(len as u64));
    group.bench_function(BenchmarkId::new("bumpalo", "push_str"), |b| {
        let mut bump = Bump::with_capacity(len);
        b.iter(|| {
            bump.reset();
            let s = bp_string_push_str(&bump, &str);
            black_box(&s);
        });
    });
    group.bench_function(BenchmarkId::new("framealloc", "push_str"), |b| {
        b.iter(|| {
            let frame = alloc.frame();
            let s = fa_string_push_str(&frame, &str);
            black_box(&s);
        });
    });
    group.finish();
}

// ---------------------------------------------------------------------------------------
// Extra rows from issue 13.

const PUSHES: u64 = 1000;
const MAP_INSERTS: u64 = 1000;

/// `n` times: one letter and a two-byte piece pushed onto a string.
fn bp_build_text(bump: &Bump, n: u64) -> BString<'_> {
    let mut s = BString::new_in(bump);
    for i in 0..n {
        s.push(char::from(b'a' + (black_box(i) % 26) as u8));
        s.push_str(black_box(", "));
    }
    s
}

/// `bp_build_text` on a frame.
fn fa_build_text<'f>(frame: &'f Frame<'_>, n: u64) -> FrameString<'f> {
    let mut s = FrameString::new_in(frame);
    for i in 0..n {
        s.push(char::from(b'a' + (black_box(i) % 26) as u8));
        s.push_str(black_box(", "));
    }
    s
}

/// `n` lists of three values, each built in a vector and frozen into the arena.
fn bp_child_lists(bump: &Bump, n: u64) -> BVec<'_, &[u64]> {
    let mut lists = BVec::new_in(bump);
    for i in 0..n {
        let mut children = BVec::with_capacity_in(4, bump);
        children.extend_from_slice(&[black_box(i), i + 1, i + 2]);
        lists.push(children.into_bump_slice());
    }
    lists
}

/// `bp_child_lists` on a frame.
fn fa_child_lists<'f>(frame: &'f Frame<'_>, n: u64) -> FrameVec<'f, &'f [u64]> {
    let mut lists = FrameVec::new_in(frame);
    for i in 0..n {
        let mut children = FrameVec::with_capacity_in(4, frame);
        children.extend_from_slice(&[black_box(i), i + 1, i + 2]);
        lists.push(&*children.into_slice());
    }
    lists
}

#[allow(clippy::too_many_lines)] // one group: its row pairs read best side by side
fn bench_extra(c: &mut Criterion) {
    let alloc = SmartAlloc::default();
    // Touch the arena once so the thread's arena exists.
    alloc.frame().alloc(0u8);
    let mut group = c.benchmark_group("bumpalo_port/extra");

    // An empty frame vs a bare reset (as in `frame.rs`: the guard is not put through
    // `black_box`, which would measure a store-forwarding stall).
    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new("bumpalo", "empty frame (reset)"), |b| {
        let mut bump = Bump::with_capacity(1 << 16);
        bump.alloc(0u8);
        b.iter(|| {
            black_box(&mut bump).reset();
        });
    });
    group.bench_function(BenchmarkId::new("framealloc", "empty frame (reset)"), |b| {
        b.iter(|| {
            drop(alloc.frame());
        });
    });

    // A frame (reset) with one value kept to its end: the frame end of a used arena.
    group.bench_function(BenchmarkId::new("bumpalo", "frame + one alloc"), |b| {
        let mut bump = Bump::with_capacity(1 << 16);
        b.iter(|| {
            bump.reset();
            black_box(bump.alloc(7u64));
        });
    });
    group.bench_function(BenchmarkId::new("framealloc", "frame + one alloc"), |b| {
        b.iter(|| {
            let frame = alloc.frame();
            black_box(frame.alloc(7u64));
        });
    });

    // A frame (reset) plus an empty vector.
    group.bench_function(BenchmarkId::new("bumpalo", "frame + empty vec"), |b| {
        let mut bump = Bump::with_capacity(1 << 16);
        b.iter(|| {
            bump.reset();
            let v = BVec::<u64>::new_in(&bump);
            black_box(&v);
        });
    });
    group.bench_function(BenchmarkId::new("framealloc", "frame + empty vec"), |b| {
        b.iter(|| {
            let frame = alloc.frame();
            let v = FrameVec::<u64>::new_in(&frame);
            black_box(&v);
        });
    });

    // `alloc_slice_copy` of 16 KiB.
    let data = vec![7u8; 16 * 1024];
    {
        let bump = Bump::new();
        let frame = alloc.frame();
        assert_eq!(bump.alloc_slice_copy(&data), frame.alloc_slice_copy(&data));
    }
    group.throughput(Throughput::Elements(data.len() as u64));
    group.bench_function(
        BenchmarkId::new("bumpalo", "alloc_slice_copy 16 KiB"),
        |b| {
            let mut bump = Bump::with_capacity(data.len());
            b.iter(|| {
                bump.reset();
                let s = bump.alloc_slice_copy(black_box(&data[..]));
                black_box(s.as_ptr());
            });
        },
    );
    group.bench_function(
        BenchmarkId::new("framealloc", "alloc_slice_copy 16 KiB"),
        |b| {
            b.iter(|| {
                let frame = alloc.frame();
                let s = frame.alloc_slice_copy(black_box(&data[..]));
                black_box(s.as_ptr());
            });
        },
    );

    // Push into an empty vector (growth by doubling included), per push.
    {
        let bump = Bump::new();
        let frame = alloc.frame();
        let mut a = BVec::new_in(&bump);
        let mut b = FrameVec::new_in(&frame);
        for i in 0..PUSHES {
            a.push(i);
            b.push(i);
        }
        assert_eq!(a.as_slice(), b.as_slice());
    }
    group.throughput(Throughput::Elements(PUSHES));
    group.bench_function(BenchmarkId::new("bumpalo", "vec push 1000 u64"), |b| {
        let mut bump = Bump::with_capacity(1 << 16);
        b.iter(|| {
            bump.reset();
            let mut v = BVec::new_in(&bump);
            for i in 0..PUSHES {
                v.push(black_box(i));
            }
            black_box(&v);
        });
    });
    group.bench_function(BenchmarkId::new("framealloc", "vec push 1000 u64"), |b| {
        b.iter(|| {
            let frame = alloc.frame();
            let mut v = FrameVec::new_in(&frame);
            for i in 0..PUSHES {
                v.push(black_box(i));
            }
            black_box(&v);
        });
    });

    // allocator-api2 `Vec` in each allocator.
    {
        let bump = Bump::new();
        let frame = alloc.frame();
        let mut a = allocator_api2::vec::Vec::new_in(&bump);
        let mut b = allocator_api2::vec::Vec::new_in(frame.allocator());
        for i in 0..PUSHES {
            a.push(i);
            b.push(i);
        }
        assert_eq!(a.as_slice(), b.as_slice());
    }
    group.bench_function(
        BenchmarkId::new("bumpalo", "allocator-api2 Vec push 1000 u64"),
        |b| {
            let mut bump = Bump::with_capacity(1 << 16);
            b.iter(|| {
                bump.reset();
                let mut v = allocator_api2::vec::Vec::new_in(&bump);
                for i in 0..PUSHES {
                    v.push(black_box(i));
                }
                black_box(&v);
            });
        },
    );
    group.bench_function(
        BenchmarkId::new("framealloc", "allocator-api2 Vec push 1000 u64"),
        |b| {
            b.iter(|| {
                let frame = alloc.frame();
                let mut v = allocator_api2::vec::Vec::new_in(frame.allocator());
                for i in 0..PUSHES {
                    v.push(black_box(i));
                }
                black_box(&v);
            });
        },
    );

    // Client shapes: a string built a character and a short piece at a time (a text
    // buffer, a code generator), and a list of small slices each built in a vector and
    // frozen into the arena (an AST's child lists: bumpalo's `into_bump_slice`,
    // framealloc's `into_slice`), per element.
    {
        let bump = Bump::new();
        let frame = alloc.frame();
        assert_eq!(
            bp_build_text(&bump, PUSHES).as_str(),
            fa_build_text(&frame, PUSHES).as_str()
        );
        let a = bp_child_lists(&bump, PUSHES);
        let b = fa_child_lists(&frame, PUSHES);
        assert!(a.iter().map(|s| &**s).eq(b.iter().map(|s| &**s)));
    }
    group.throughput(Throughput::Elements(PUSHES));
    group.bench_function(BenchmarkId::new("bumpalo", "string build 1000"), |b| {
        let mut bump = Bump::with_capacity(1 << 16);
        b.iter(|| {
            bump.reset();
            black_box(bp_build_text(&bump, PUSHES).len());
        });
    });
    group.bench_function(BenchmarkId::new("framealloc", "string build 1000"), |b| {
        b.iter(|| {
            let frame = alloc.frame();
            black_box(fa_build_text(&frame, PUSHES).len());
        });
    });
    group.bench_function(BenchmarkId::new("bumpalo", "child lists 1000"), |b| {
        let mut bump = Bump::with_capacity(1 << 16);
        b.iter(|| {
            bump.reset();
            black_box(bp_child_lists(&bump, PUSHES).len());
        });
    });
    group.bench_function(BenchmarkId::new("framealloc", "child lists 1000"), |b| {
        b.iter(|| {
            let frame = alloc.frame();
            black_box(fa_child_lists(&frame, PUSHES).len());
        });
    });

    // A hashbrown map in each allocator: 1000 inserts into an empty map (its growth
    // reallocates through the allocator).
    {
        let bump = Bump::new();
        let frame = alloc.frame();
        let mut a = hashbrown::HashMap::new_in(&bump);
        let mut b = hashbrown::HashMap::new_in(frame.allocator());
        for i in 0..MAP_INSERTS {
            a.insert(i, i * 3);
            b.insert(i, i * 3);
        }
        assert_eq!(a.len(), b.len());
        assert!(a.iter().all(|(k, v)| b.get(k) == Some(v)));
    }
    group.throughput(Throughput::Elements(MAP_INSERTS));
    group.bench_function(
        BenchmarkId::new("bumpalo", "hashbrown insert 1000 u64"),
        |b| {
            let mut bump = Bump::with_capacity(1 << 16);
            b.iter(|| {
                bump.reset();
                let mut m = hashbrown::HashMap::new_in(&bump);
                for i in 0..MAP_INSERTS {
                    m.insert(black_box(i), i);
                }
                black_box(&m);
            });
        },
    );
    group.bench_function(
        BenchmarkId::new("framealloc", "hashbrown insert 1000 u64"),
        |b| {
            b.iter(|| {
                let frame = alloc.frame();
                let mut m = hashbrown::HashMap::new_in(frame.allocator());
                for i in 0..MAP_INSERTS {
                    m.insert(black_box(i), i);
                }
                black_box(&m);
            });
        },
    );
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion_config();
    targets = bench_extend_from_slice_copy,
        bench_extend_from_slices_copy,
        bench_alloc,
        bench_format_realloc,
        bench_string_from_str_in,
        bench_string_push_str,
        bench_extra
}
criterion_main!(benches);
