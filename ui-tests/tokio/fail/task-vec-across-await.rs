// A `TaskVec` grows through a `&TaskFrame`, so it is `!Send`: it cannot be held across
// `.await` in a spawned task (freeze it with `into_slice`, or use `fixed_vec`).
use framealloc::tokio::spawn_with_frame;

#[tokio::main]
async fn main() {
    let alloc = framealloc::SmartAlloc::new(Default::default());
    spawn_with_frame(&alloc, |frame| async move {
        let mut ids = frame.task_vec::<u32>();
        ids.push(1);
        tokio::task::yield_now().await;
        ids.push(2);
        ids.len()
    });
}
