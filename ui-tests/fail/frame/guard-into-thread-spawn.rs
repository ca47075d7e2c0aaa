// A Frame guard is tied to its thread's arena.
use framealloc::SmartAlloc;

fn main() {
    let alloc: &'static SmartAlloc = Box::leak(Box::new(SmartAlloc::new(Default::default())));
    let frame = alloc.frame();
    std::thread::spawn(move || {
        let _x = frame.alloc(1u8);
    });
}
