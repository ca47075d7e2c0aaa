// Frame data cannot reach a 'static thread.
use framealloc::SmartAlloc;

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let data = alloc.frame_box([0u8; 64]);
    std::thread::spawn(move || {
        println!("{}", data[0]);
    });
    alloc.end_frame();
}
