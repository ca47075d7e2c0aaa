// `reset` takes `&mut self`: an allocation still in use borrows the task frame.
fn main() {
    let alloc = framealloc::SmartAlloc::new(Default::default());
    let mut frame = alloc.task_frame();
    let x = frame.alloc(1u64);
    frame.reset();
    *x += 1;
}
