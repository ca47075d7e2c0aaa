// A type error inside a #[frame_scope] body is reported at the user's own line.
use framealloc::{SmartAlloc, frame_scope};

#[frame_scope]
fn count(alloc: &SmartAlloc) -> usize {
    let v = alloc.frame_vec::<u32>();
    let n: usize = v.len();
    let _label: u32 = "not a number";
    n
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    count(&alloc);
}
