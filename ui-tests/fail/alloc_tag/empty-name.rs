// A tag needs a name: the empty string is rejected at the literal.
use framealloc::{SmartAlloc, alloc_tag};

#[alloc_tag("")]
fn step(alloc: &SmartAlloc) -> u8 {
    *alloc.pool_box(1u8)
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    step(&alloc);
}
