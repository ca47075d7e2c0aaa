// The derive cannot check unions.
use framealloc::FrameSafe;

#[derive(FrameSafe)]
union Bits {
    int: u32,
    float: f32,
}

fn main() {}
