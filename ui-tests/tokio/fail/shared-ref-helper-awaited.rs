// An async helper taking `&TaskFrame`, awaited in a spawned task: `TaskFrame` is `!Sync`,
// so the `&TaskFrame` held across the helper's await is `!Send`. Take `&mut TaskFrame`.
use framealloc::TaskFrame;
use framealloc::tokio::spawn_with_frame;

async fn parse(frame: &TaskFrame, input: &str) -> usize {
    let s = frame.alloc_str(input);
    tokio::task::yield_now().await;
    s.len()
}

#[tokio::main]
async fn main() {
    let alloc = framealloc::SmartAlloc::new(Default::default());
    spawn_with_frame(&alloc, |frame| async move { parse(&frame, "GET /").await });
}
