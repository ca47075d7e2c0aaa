// A type with `Drop` would have its destructor skipped silently.
use framealloc::SmartAlloc;

struct Guard(u32);

impl Drop for Guard {
    fn drop(&mut self) {
        println!("released {}", self.0);
    }
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let _g = frame.alloc_with(|| Guard(1));
}
