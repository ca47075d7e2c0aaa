// Frame data from a #[frame_scope] body cannot be moved into a spawned thread.
use framealloc::{SmartAlloc, frame_scope};

#[frame_scope]
fn spawn_work(alloc: &SmartAlloc) {
    let mut v = alloc.frame_vec::<u32>();
    v.push(1);
    std::thread::spawn(move || v.len());
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    spawn_work(&alloc);
}
