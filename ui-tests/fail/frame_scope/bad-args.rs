// Argument-syntax errors: each is a spanned error, never a panic in the macro.
use framealloc::{SmartAlloc, frame_scope};

#[frame_scope(1)]
fn literal(_alloc: &SmartAlloc) {}

#[frame_scope(alloc, extra)]
fn two_args(_alloc: &SmartAlloc) {}

#[frame_scope(frame =)]
fn missing_expr(_alloc: &SmartAlloc) {}

#[frame_scope(budget = "1 MB")]
fn not_a_tag(_alloc: &SmartAlloc) {}

#[frame_scope]
const fn constant(_alloc: &SmartAlloc) {}

#[frame_scope]
fn ambiguous(_a: &SmartAlloc, _b: &SmartAlloc) {}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    literal(&alloc);
    two_args(&alloc);
    missing_expr(&alloc);
    not_a_tag(&alloc);
    constant(&alloc);
    ambiguous(&alloc, &alloc);
}
