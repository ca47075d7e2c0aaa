// A `TaskVec` borrows the task frame it grows in: no `reset` while it lives.
fn main() {
    let alloc = framealloc::SmartAlloc::new(Default::default());
    let mut frame = alloc.task_frame();
    let mut v = frame.task_vec::<u32>();
    v.push(1);
    frame.reset();
    v.push(2);
}
