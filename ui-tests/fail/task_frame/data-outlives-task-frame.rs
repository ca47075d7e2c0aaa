// Task-frame data cannot outlive its task frame (the arena goes back to the pool).
fn main() {
    let alloc = framealloc::SmartAlloc::new(Default::default());
    let frame = alloc.task_frame();
    let name = frame.alloc_str("request");
    drop(frame);
    assert_eq!(name, "request");
}
