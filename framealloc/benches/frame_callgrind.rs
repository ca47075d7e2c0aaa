//! Instruction-count probe for the frame hot paths, run under callgrind by
//! `scripts/callgrind-frame` (timings on shared 2-core machines are noisy; instruction
//! counts are repeatable). Each mode runs 1000 frames of 1000 allocations of 64 B (or
//! 1000 empty frames); the script subtracts the `none` baseline.
//!
//! Run directly: `cargo bench -p framealloc --bench frame_callgrind -- MODE`.

mod common;

use std::hint::black_box;

use common::probe_mode;
use framealloc::SmartAlloc;

const N: usize = 1000;
const FRAMES: usize = 1000;

#[inline(never)]
fn explicit_box_drop(alloc: &SmartAlloc) {
    alloc.begin_frame();
    for _ in 0..N {
        let b = alloc.frame_box([7u8; 64]);
        black_box(&*b);
    }
    alloc.end_frame();
}

#[inline(never)]
fn explicit_tagged(alloc: &SmartAlloc) {
    alloc.begin_frame();
    alloc.with_tag("physics", |a| {
        for _ in 0..N {
            let b = a.frame_box([7u8; 64]);
            black_box(&*b);
        }
    });
    alloc.end_frame();
}

#[inline(never)]
fn scoped(alloc: &SmartAlloc) {
    let frame = alloc.frame();
    for _ in 0..N {
        black_box(frame.alloc([7u8; 64]));
    }
}

/// The scoped loop written with `#[frame_scope]`: must cost what `scoped` costs.
#[inline(never)]
#[framealloc::frame_scope]
fn scoped_macro(alloc: &SmartAlloc) {
    for _ in 0..N {
        black_box(alloc.alloc([7u8; 64]));
    }
}

#[inline(never)]
fn bumpalo(bump: &mut bumpalo::Bump) {
    for _ in 0..N {
        black_box(bump.alloc([7u8; 64]));
    }
    bump.reset();
}

/// Issue 15: a task frame's loop and reset (the reset credits the bytes to the tag).
#[inline(never)]
fn task_frame(frame: &mut framealloc::TaskFrame) {
    for _ in 0..N {
        black_box(frame.alloc([7u8; 64]));
    }
    frame.reset();
}

#[inline(never)]
fn empty_guard(alloc: &SmartAlloc) {
    drop(alloc.frame());
}

#[inline(never)]
fn bumpalo_reset(bump: &mut bumpalo::Bump) {
    bump.reset();
}

/// A frame with one value kept to its end (bumpalo: a reset and one `alloc`): the
/// frame end of a used arena (accounting and bumpalo's reset).
#[inline(never)]
fn one_alloc(alloc: &SmartAlloc) {
    let frame = alloc.frame();
    black_box(frame.alloc(7u64));
}

/// `one_alloc` on bumpalo.
#[inline(never)]
fn bumpalo_one_alloc(bump: &mut bumpalo::Bump) {
    bump.reset();
    black_box(bump.alloc(7u64));
}

/// A frame with one empty vector (bumpalo: a reset and an empty `Vec::new_in`).
#[inline(never)]
fn empty_vec(alloc: &SmartAlloc) {
    let frame = alloc.frame();
    let v = frame.frame_vec::<u64>();
    black_box(&v);
}

/// bumpalo's `from_str_in` shape: a frame with one 16-byte string.
#[inline(never)]
fn vec16(alloc: &SmartAlloc) {
    let frame = alloc.frame();
    let mut v = framealloc::FrameVec::with_capacity_in(16, &frame);
    v.extend_from_slice_copy(b"0123456789abcdef");
    black_box(&v);
}

/// `vec16` on bumpalo: a reset, then `Vec::with_capacity_in(16)` and a copy.
#[inline(never)]
fn bumpalo_vec16(bump: &mut bumpalo::Bump) {
    {
        let mut v = bumpalo::collections::Vec::with_capacity_in(16, &*bump);
        v.extend_from_slice_copy(b"0123456789abcdef");
        black_box(&v);
    }
    bump.reset();
}

#[inline(never)]
fn bumpalo_empty_vec(bump: &mut bumpalo::Bump) {
    {
        let v = allocator_api2::vec::Vec::<u64, _>::new_in(&*bump);
        black_box(&v);
    }
    bump.reset();
}

/// bumpalo's `extend 4 bytes / extend_from_slice` workload (`benches/bumpalo_port.rs`):
/// a frame, a vector with room for 4 bytes, one `extend_from_slice`.
#[inline(never)]
fn extend4(alloc: &SmartAlloc) {
    let frame = alloc.frame();
    let mut v = framealloc::FrameVec::<u8>::with_capacity_in(4, &frame);
    v.extend_from_slice(black_box(b"abcd"));
    black_box(&v);
}

/// `extend4` on bumpalo: a reset, then `Vec::with_capacity_in(4)` and `extend_from_slice`.
#[inline(never)]
fn bumpalo_extend4(bump: &mut bumpalo::Bump) {
    bump.reset();
    let mut v = bumpalo::collections::Vec::<u8>::with_capacity_in(4, &*bump);
    v.extend_from_slice(black_box(b"abcd"));
    black_box(&v);
}

/// `extend4` exactly as `benches/bumpalo_port.rs` runs it: the body behind a function
/// pointer, returning the vector to the caller, which drops it and then the frame.
fn fa_extend_body<'f>(
    frame: &'f framealloc::Frame<'_>,
    slice: &[u8],
) -> framealloc::FrameVec<'f, u8> {
    let slice = black_box(slice);
    let mut vec = framealloc::FrameVec::<u8>::with_capacity_in(slice.len(), frame);
    vec.extend_from_slice(slice);
    vec
}

/// `fa_extend_body` on bumpalo.
fn bp_extend_body<'b>(bump: &'b bumpalo::Bump, slice: &[u8]) -> bumpalo::collections::Vec<'b, u8> {
    let slice = black_box(slice);
    let mut vec = bumpalo::collections::Vec::<u8>::with_capacity_in(slice.len(), bump);
    vec.extend_from_slice(slice);
    vec
}

const SLICES16: [&[u8]; 16] = [b"wwwwwwwwwwwwwwww"; 16];

/// The port's `extend_from_slices num_slices=16, is_preallocated=true` shape.
#[inline(never)]
fn slices16(alloc: &SmartAlloc) {
    let frame = alloc.frame();
    let mut vec = framealloc::FrameVec::<u8>::with_capacity_in(256, &frame);
    vec.extend_from_slices_copy(black_box(&SLICES16));
    black_box(&vec);
}

/// `slices16` on bumpalo.
#[inline(never)]
fn bumpalo_slices16(bump: &mut bumpalo::Bump) {
    bump.reset();
    let mut vec = bumpalo::collections::Vec::<u8>::with_capacity_in(256, &*bump);
    vec.extend_from_slices_copy(black_box(&SLICES16));
    black_box(&vec);
}

/// A scratch scope inside an open frame, with one allocation (benches/herd.rs
/// `scratch/enter_exit`, which compares with bump-scope's `scoped`).
#[inline(never)]
fn scratch_scope(frame: &framealloc::Frame<'_>) {
    frame.scratch(|s| {
        black_box(&*s.alloc(7u64));
    });
}

type FaBody = for<'f, 'a> fn(&'f framealloc::Frame<'a>, &[u8]) -> framealloc::FrameVec<'f, u8>;
type BpBody = for<'b> fn(&'b bumpalo::Bump, &[u8]) -> bumpalo::collections::Vec<'b, u8>;

/// The port's framealloc row of `extend 4 bytes / extend_from_slice`.
#[inline(never)]
fn port_extend4(alloc: &SmartAlloc, body: FaBody) {
    let frame = alloc.frame();
    let vec = body(&frame, b"abcd");
    black_box(&vec);
}

/// The port's bumpalo row of `extend 4 bytes / extend_from_slice`.
#[inline(never)]
fn bumpalo_port_extend4(bump: &mut bumpalo::Bump, body: BpBody) {
    bump.reset();
    let vec = body(bump, b"abcd");
    black_box(&vec);
}

#[inline(never)]
fn begin_end(alloc: &SmartAlloc) {
    alloc.begin_frame();
    alloc.end_frame();
}

/// `time MODE...`: wall-clock ns per call of each per-frame mode, the best of 7 rounds of
/// 2 000 000 calls, rounds interleaved across modes (so load on a shared machine hits all
/// of them alike). A quick check that an instruction saving is a time saving.
fn time_modes(modes: &[String]) {
    let alloc = SmartAlloc::default();
    let mut bump = bumpalo::Bump::with_capacity(1 << 20);
    // The port's bumpalo rows make their `Bump` with the workload's size.
    let mut small = bumpalo::Bump::with_capacity(4);
    let mut best = vec![f64::INFINITY; modes.len()];
    for _ in 0..7 {
        for (i, mode) in modes.iter().enumerate() {
            let start = std::time::Instant::now();
            for _ in 0..2_000_000 {
                // The same rows as `main`'s loop, written out again on purpose: the
                // callgrind numbers include each row's `match` dispatch (measured so since
                // session 5), and a shared helper changed them by ~10 instructions.
                match mode.as_str() {
                    "empty_guard" => empty_guard(&alloc),
                    "begin_end" => begin_end(&alloc),
                    "bumpalo_reset" => bumpalo_reset(&mut bump),
                    "empty_vec" => empty_vec(&alloc),
                    "one_alloc_in_frame" => one_alloc(&alloc),
                    "bumpalo_kept_alloc1" => bumpalo_one_alloc(&mut bump),
                    "vec16" => vec16(&alloc),
                    "bumpalo_empty_vec" => bumpalo_empty_vec(&mut bump),
                    "bumpalo_vec16" => bumpalo_vec16(&mut bump),
                    "extend4" => extend4(&alloc),
                    "bumpalo_extend4" => bumpalo_extend4(&mut bump),
                    "slices16" => slices16(&alloc),
                    "bumpalo_slices16" => bumpalo_slices16(&mut bump),
                    "port_extend4" => port_extend4(&alloc, black_box(fa_extend_body)),
                    "bumpalo_port_extend4" => {
                        bumpalo_port_extend4(&mut small, black_box(bp_extend_body));
                    }
                    other => panic!("unknown per-frame mode {other}"),
                }
            }
            let ns = start.elapsed().as_secs_f64() * 1e9 / 2e6;
            best[i] = best[i].min(ns);
        }
    }
    for (mode, ns) in modes.iter().zip(best) {
        println!("{mode:<20} {ns:8.2} ns");
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if args.first().map(String::as_str) == Some("time") {
        time_modes(&args[1..]);
        return;
    }
    let mode = probe_mode();
    let alloc = SmartAlloc::default();
    // The same allocator shape with budgets that never trigger (the per-call check).
    let budgeted = SmartAlloc::default();
    budgeted.set_thread_frame_budget(u64::MAX - 1);
    budgeted.set_tag_budget("physics", u64::MAX - 1);
    let mut bump = bumpalo::Bump::with_capacity(1 << 20);
    let mut task = alloc.task_frame();
    // Warm up every path once so first-use costs are in the baseline.
    scoped(&alloc);
    scoped_macro(&alloc);
    explicit_box_drop(&alloc);
    explicit_box_drop(&budgeted);
    explicit_tagged(&alloc);
    bumpalo(&mut bump);
    task_frame(&mut task);
    empty_guard(&alloc);
    begin_end(&alloc);
    empty_vec(&alloc);
    one_alloc(&alloc);
    bumpalo_one_alloc(&mut bump);
    vec16(&alloc);
    bumpalo_empty_vec(&mut bump);
    bumpalo_vec16(&mut bump);
    bumpalo_reset(&mut bump);
    extend4(&alloc);
    bumpalo_extend4(&mut bump);
    let scratch_alloc = SmartAlloc::default();
    let scratch_frame = scratch_alloc.frame();
    scratch_scope(&scratch_frame);
    for _ in 0..FRAMES {
        match mode.as_str() {
            "none" => {}
            "bumpalo" => bumpalo(&mut bump),
            "task_frame" => task_frame(&mut task),
            "scoped" => scoped(&alloc),
            "scoped_macro" => scoped_macro(&alloc),
            "explicit" => explicit_box_drop(&alloc),
            "explicit_budgeted" => explicit_box_drop(&budgeted),
            "explicit_tagged" => explicit_tagged(&alloc),
            "empty_guard" => empty_guard(&alloc),
            "begin_end" => begin_end(&alloc),
            "bumpalo_reset" => bumpalo_reset(&mut bump),
            "empty_vec" => empty_vec(&alloc),
            "one_alloc_in_frame" => one_alloc(&alloc),
            "bumpalo_kept_alloc1" => bumpalo_one_alloc(&mut bump),
            "vec16" => vec16(&alloc),
            "bumpalo_empty_vec" => bumpalo_empty_vec(&mut bump),
            "bumpalo_vec16" => bumpalo_vec16(&mut bump),
            "extend4" => extend4(&alloc),
            "bumpalo_extend4" => bumpalo_extend4(&mut bump),
            "scratch" => scratch_scope(&scratch_frame),
            "slices16" => slices16(&alloc),
            "bumpalo_slices16" => bumpalo_slices16(&mut bump),
            "port_extend4" => port_extend4(&alloc, black_box(fa_extend_body)),
            "bumpalo_port_extend4" => bumpalo_port_extend4(&mut bump, black_box(bp_extend_body)),
            other => panic!("unknown mode {other}"),
        }
    }
}
