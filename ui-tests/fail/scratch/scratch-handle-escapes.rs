// The `Scratch` handle itself cannot leave its scope (a later scope would otherwise share
// its level).
fn main() {
    let alloc = framealloc::SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let handle = frame.scratch(|s| s);
    handle.alloc(1u32);
}
