// Frame handles borrow the allocator: they cannot outlive it.
use framealloc::{FrameBox, SmartAlloc};

fn main() {
    let kept: FrameBox<'_, u32>;
    {
        let alloc = SmartAlloc::new(Default::default());
        alloc.begin_frame();
        kept = alloc.frame_box(1);
        alloc.end_frame();
    }
    println!("{}", *kept);
}
