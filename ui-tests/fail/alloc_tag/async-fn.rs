// A tag belongs to a thread; an async fn's task can move between threads at every .await.
use framealloc::{SmartAlloc, alloc_tag};

#[alloc_tag("loading")]
async fn load(alloc: &SmartAlloc) -> u8 {
    *alloc.pool_box(1u8)
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    drop(load(&alloc));
}
