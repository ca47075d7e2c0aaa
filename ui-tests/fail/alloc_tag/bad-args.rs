// Argument-syntax errors: each is a spanned error, never a panic in the macro. The function
// is still emitted (untagged), so `main` sees no follow-up errors.
use framealloc::alloc_tag;

#[alloc_tag]
fn no_name() {}

#[alloc_tag(budget = "8 MiB")]
fn only_budget() {}

#[alloc_tag("physics", "8 MiB")]
fn positional_budget() {}

#[alloc_tag("physics", limit = "8 MiB")]
fn unknown_key() {}

#[alloc_tag("physics", budget = 1, budget = 2)]
fn duplicate_budget() {}

#[alloc_tag("physics", budget = "8MiB")]
fn missing_space() {}

#[alloc_tag("physics", budget = "99999999999 GiB")]
fn overflow() {}

#[alloc_tag("physics", budget = -1)]
fn negative() {}

#[alloc_tag("untagged")]
fn reserved() {}

#[alloc_tag("physics")]
const fn constant() {}

#[alloc_tag("", budget = "8 mb", colour = 1)]
fn several_at_once() {}

fn main() {
    no_name();
    only_budget();
    positional_budget();
    unknown_key();
    duplicate_budget();
    missing_space();
    overflow();
    negative();
    reserved();
    constant();
    several_at_once();
}
