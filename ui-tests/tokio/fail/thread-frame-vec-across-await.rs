// A thread `FrameVec` held across `.await` in `tokio::spawn`: the task may resume on
// another worker and grow the first worker's arena from there.
use framealloc::SmartAlloc;

#[tokio::main]
async fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let a = alloc.clone();
    tokio::spawn(async move {
        a.begin_frame();
        let mut ids = a.frame_vec::<u32>();
        ids.push(1);
        tokio::task::yield_now().await;
        let n = ids.len();
        drop(ids);
        a.end_frame();
        n
    });
}
