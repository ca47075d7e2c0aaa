// Type parameters get a `FrameSafe` bound: `Slot<String>` is not `FrameSafe`, and code
// that asks for `T: FrameSafe` learns it under `cargo check`.
use framealloc::FrameSafe;

#[derive(FrameSafe)]
struct Slot<T> {
    value: T,
}

fn needs_frame_safe<T: FrameSafe>(_: &T) {}

fn main() {
    needs_frame_safe(&Slot { value: String::from("owned") });
}
