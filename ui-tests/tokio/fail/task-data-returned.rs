// Task-frame data returned as the task's output would outlive the task frame, which goes
// back to the pool when the task ends.
use framealloc::tokio::spawn_with_frame;

#[tokio::main]
async fn main() {
    let alloc = framealloc::SmartAlloc::new(Default::default());
    let handle = spawn_with_frame(&alloc, |frame| async move {
        let frame = frame;
        let body: &str = frame.alloc_str("response");
        body
    });
    let _ = handle.await;
}
