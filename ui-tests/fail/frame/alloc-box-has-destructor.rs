// A `Box` owns a heap allocation that `frame.alloc` would never free.
use framealloc::SmartAlloc;

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let b = frame.try_alloc(Box::new(7u32)).unwrap();
    **b += 1;
}
