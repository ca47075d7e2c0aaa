// Budget units are case-sensitive: `mb` is not `MB`.
use framealloc::alloc_tag;

#[alloc_tag("physics", budget = "8 mb")]
fn step() {}

fn main() {
    step();
}
