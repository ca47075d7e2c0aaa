// #[frame_scope] needs an allocator to open the frame on.
use framealloc::frame_scope;

#[frame_scope]
fn update(dt: f32) -> f32 {
    dt * 2.0
}

fn main() {
    assert_eq!(update(1.0), 2.0);
}
