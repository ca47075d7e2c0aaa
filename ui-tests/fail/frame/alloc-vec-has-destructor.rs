// A `Vec` owns a heap buffer that `frame.alloc` would never free.
use framealloc::SmartAlloc;

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let v = frame.alloc(vec![1u32, 2, 3]);
    v.push(4);
}
