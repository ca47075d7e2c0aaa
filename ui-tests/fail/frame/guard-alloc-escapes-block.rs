// A `&mut T` from `frame.alloc` cannot outlive its guard.
use framealloc::SmartAlloc;

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let escaped: &mut u32 = {
        let frame = alloc.frame();
        frame.alloc(5u32)
    };
    *escaped += 1;
}
