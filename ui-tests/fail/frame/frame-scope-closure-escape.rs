// Nothing allocated through the closure's `&Frame` can leave `frame_scope`.
use framealloc::SmartAlloc;

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let leaked = alloc.frame_scope(|frame| frame.frame_vec::<u32>());
    drop(leaked);
}
