// A `Scratch` is `!Sync`: its handle cannot be shared with another thread, even a scoped
// one (its level belongs to this thread's scratch stack).
fn main() {
    let alloc = framealloc::SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    frame.scratch(|s| {
        std::thread::scope(|t| {
            t.spawn(|| s.alloc(1u32));
        });
    });
}
