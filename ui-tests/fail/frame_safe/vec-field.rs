// A `Vec` field owns a heap buffer, also inside a tuple struct.
use framealloc::FrameSafe;

#[derive(FrameSafe)]
struct Path(u32, Vec<[f32; 2]>);

fn main() {}
