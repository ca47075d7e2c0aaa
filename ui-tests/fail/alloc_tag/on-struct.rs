// #[alloc_tag] is for functions and methods.
use framealloc::alloc_tag;

#[alloc_tag("physics")]
struct Physics {
    gravity: f32,
}

fn main() {
    let p = Physics { gravity: 9.81 };
    let _ = p.gravity;
}
