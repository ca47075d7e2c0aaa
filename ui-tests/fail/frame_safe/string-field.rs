// A `String` field owns a heap buffer: abandoning it in frame memory would leak it.
use framealloc::FrameSafe;

#[derive(FrameSafe)]
struct Enemy {
    hp: u32,
    name: String,
}

fn main() {}
