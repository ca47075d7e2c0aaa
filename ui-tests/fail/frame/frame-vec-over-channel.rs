// A FrameVec cannot be sent over a channel to another thread.
use std::sync::mpsc;
use framealloc::{FrameVec, SmartAlloc};

fn main() {
    let alloc: &'static SmartAlloc = Box::leak(Box::new(SmartAlloc::new(Default::default())));
    let (tx, rx) = mpsc::channel::<FrameVec<'static, u32>>();
    let worker = std::thread::spawn(move || rx.recv().map(|v| v.len()));
    alloc.begin_frame();
    let data = alloc.frame_vec::<u32>();
    tx.send(data).unwrap();
    alloc.end_frame();
    worker.join().unwrap().unwrap();
}
