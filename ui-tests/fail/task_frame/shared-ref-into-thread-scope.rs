// A `TaskFrame` is `!Sync` (its arena is made of `Cell`s): a `&TaskFrame` cannot be
// shared with another thread, even a scoped one.
fn main() {
    let alloc = framealloc::SmartAlloc::new(Default::default());
    let frame = alloc.task_frame();
    std::thread::scope(|s| {
        s.spawn(|| frame.alloc(1u32));
        let _mine = frame.alloc(2u32);
    });
}
