// A type with a destructor cannot be FrameSafe: frame memory never runs it.
use framealloc::FrameSafe;

#[derive(FrameSafe)]
struct Handle {
    id: u32,
}

impl Drop for Handle {
    fn drop(&mut self) {
        println!("released {}", self.id);
    }
}

fn main() {}
