// `spawn_with_frame` passes the task frame by value: a closure that borrows it cannot
// return a future that keeps the borrow (and could not name its `Send` on stable).
use framealloc::TaskFrame;
use framealloc::tokio::spawn_with_frame;

#[tokio::main]
async fn main() {
    let alloc = framealloc::SmartAlloc::new(Default::default());
    spawn_with_frame(&alloc, |frame: &TaskFrame| async move { frame.bytes_used() });
}
