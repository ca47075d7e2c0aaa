// Scratch data cannot leave its scope: the closure may not return an allocation.
fn main() {
    let alloc = framealloc::SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let escaped = frame.scratch(|s| s.alloc(1u32));
    *escaped += 1;
}
