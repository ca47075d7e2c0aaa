// Frame data cannot be returned from the function that owns the guard.
use framealloc::SmartAlloc;

fn make(alloc: &SmartAlloc) -> &mut [f32; 4] {
    let frame = alloc.frame();
    frame.alloc([0.0; 4])
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    make(&alloc)[0] = 1.0;
}
