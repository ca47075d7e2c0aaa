// The tag name is registered at compile time, so it must be a string literal.
use framealloc::alloc_tag;

#[alloc_tag(physics)]
fn step() {}

fn main() {
    step();
}
