// A generic type deriving FrameSafe, instantiated with `String`, has a destructor.
use framealloc::{FrameSafe, SmartAlloc};

#[derive(FrameSafe)]
struct Slot<T> {
    value: T,
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let _slot = frame.alloc(Slot { value: String::from("leaked") });
}
