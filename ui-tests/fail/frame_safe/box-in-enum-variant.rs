// Fields of every enum variant are checked.
use framealloc::FrameSafe;

#[derive(FrameSafe)]
enum Shape {
    Point,
    Circle { radius: f32 },
    Poly(Box<[f32]>),
}

fn main() {}
