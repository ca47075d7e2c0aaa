// The allocator inside a tuple pattern: the error names the pattern and says to bind a name.
use framealloc::{SmartAlloc, frame_scope};

#[frame_scope]
fn step((alloc, n): (&SmartAlloc, usize)) -> usize {
    alloc.frame_vec::<u32>().len() + n
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let _ = step((&alloc, 1));
}
