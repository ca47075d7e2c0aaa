// `into_str` freezes the string for as long as the guard lives, not longer: it cannot be
// returned out of `frame_scope`.
use framealloc::{SmartAlloc, frame_format};

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let name: &str = alloc.frame_scope(|frame| frame_format!(frame, "entity {}", 7).into_str());
    println!("{name}");
}
