// #[frame_scope] is for functions and methods.
use framealloc::{SmartAlloc, frame_scope};

#[frame_scope]
struct System<'a> {
    alloc: &'a SmartAlloc,
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let _s = System { alloc: &alloc };
}
