// A thread `Frame` guard held across `.await` in `tokio::spawn`.
use framealloc::SmartAlloc;

#[tokio::main]
async fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let a = alloc.clone();
    tokio::spawn(async move {
        let frame = a.frame();
        tokio::task::yield_now().await;
        *frame.alloc(1u32)
    });
}
