// A frame guard cannot be held across `.await`.
use framealloc::{SmartAlloc, frame_scope};

#[frame_scope]
async fn load(alloc: &SmartAlloc) -> usize {
    alloc.frame_vec::<u8>().len()
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    drop(load(&alloc));
}
