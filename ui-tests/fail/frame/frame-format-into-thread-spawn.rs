// A `frame_format!` string lives in this thread's frame: it cannot be sent to a thread.
use framealloc::{SmartAlloc, frame_format};

fn main() {
    let alloc: &'static SmartAlloc = Box::leak(Box::new(SmartAlloc::new(Default::default())));
    let frame = alloc.frame();
    let line = frame_format!(frame, "frame {}", alloc.frame_number());
    std::thread::spawn(move || println!("{line}"));
}
