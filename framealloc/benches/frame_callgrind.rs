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

#[inline(never)]
fn begin_end(alloc: &SmartAlloc) {
    alloc.begin_frame();
    alloc.end_frame();
}

fn main() {
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
    vec16(&alloc);
    bumpalo_empty_vec(&mut bump);
    bumpalo_vec16(&mut bump);
    bumpalo_reset(&mut bump);
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
            "vec16" => vec16(&alloc),
            "bumpalo_empty_vec" => bumpalo_empty_vec(&mut bump),
            "bumpalo_vec16" => bumpalo_vec16(&mut bump),
            other => panic!("unknown mode {other}"),
        }
    }
}
