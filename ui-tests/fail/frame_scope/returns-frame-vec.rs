// In a #[frame_scope] fn, `alloc.frame_vec()` borrows the frame guard: it cannot be returned.
use framealloc::{FrameVec, SmartAlloc, frame_scope};

#[frame_scope]
fn visible(alloc: &SmartAlloc) -> FrameVec<'_, u32> {
    let mut v = alloc.frame_vec::<u32>();
    v.push(1);
    v
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let _v = visible(&alloc);
}
