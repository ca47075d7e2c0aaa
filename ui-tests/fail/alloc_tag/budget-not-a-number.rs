// A budget is a whole number of bytes or of a unit: no fractions, no expressions.
use framealloc::alloc_tag;

#[alloc_tag("physics", budget = "1.5 MiB")]
fn fraction() {}

#[alloc_tag("render", budget = "lots")]
fn word() {}

const LIMIT: u64 = 1 << 20;

#[alloc_tag("audio", budget = LIMIT)]
fn constant() {}

fn main() {
    fraction();
    word();
    constant();
    let _ = LIMIT;
}
