// `frame.alloc` never runs destructors, so it refuses types that have one.
use framealloc::SmartAlloc;

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let name = frame.alloc(String::from("leaks"));
    name.push('!');
}
