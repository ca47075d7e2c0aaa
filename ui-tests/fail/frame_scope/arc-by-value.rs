// An `Arc<SmartAlloc>` taken by value: the error says to take `&Arc<SmartAlloc>`.
use std::sync::Arc;

use framealloc::{SmartAlloc, frame_scope};

#[frame_scope]
fn step(alloc: Arc<SmartAlloc>) -> usize {
    alloc.frame_vec::<u32>().len()
}

fn main() {
    let _ = step(Arc::new(SmartAlloc::new(Default::default())));
}
