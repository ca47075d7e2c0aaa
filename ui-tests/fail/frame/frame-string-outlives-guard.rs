// A `FrameString` made through a guard borrows it: it cannot be kept past the guard.
use framealloc::{FrameString, SmartAlloc};

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let kept;
    {
        let frame = alloc.frame();
        kept = FrameString::from_str_in("outlives its frame", &frame);
    }
    println!("{kept}");
}
