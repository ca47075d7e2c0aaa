// Generic fns, fns returning `Result` with `?`, and an allocator chosen by name.
use framealloc::{SmartAlloc, frame_scope};
use std::num::ParseIntError;

#[frame_scope]
fn parse_all(alloc: &SmartAlloc, input: &str) -> Result<usize, ParseIntError> {
    let mut v = alloc.frame_vec::<i64>();
    for word in input.split_whitespace() {
        v.push(word.parse()?);
    }
    Ok(v.len())
}

#[frame_scope]
fn largest<'s, T: Copy + PartialOrd + Default>(alloc: &SmartAlloc, items: &'s [T]) -> T
where
    T: core::fmt::Debug,
{
    let mut v = alloc.frame_vec::<T>();
    v.extend_from_slice(items);
    let mut best = T::default();
    for &x in v.iter() {
        if x > best {
            best = x;
        }
    }
    best
}

#[frame_scope(render)]
fn pick(update: &SmartAlloc, render: &SmartAlloc) -> (bool, bool) {
    (update.is_in_frame(), render.is_in_frame())
}

struct Ctx {
    alloc: SmartAlloc,
}

#[frame_scope(alloc = ctx.alloc)]
fn from_context(ctx: &Ctx) -> Result<u8, String> {
    let b = alloc.frame_box(String::from("7"));
    b.parse::<u8>().map_err(|e| e.to_string())
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    assert_eq!(parse_all(&alloc, "1 2 3"), Ok(3));
    assert!(parse_all(&alloc, "1 x 3").is_err());
    assert!(!alloc.is_in_frame());
    assert_eq!(largest(&alloc, &[3, 9, 2]), 9);
    assert_eq!(largest(&alloc, &[0.5, 0.25]), 0.5);
    let other = SmartAlloc::new(Default::default());
    assert_eq!(pick(&alloc, &other), (false, true));
    let ctx = Ctx { alloc: SmartAlloc::new(Default::default()) };
    assert_eq!(from_context(&ctx), Ok(7));
    assert!(!ctx.alloc.is_in_frame());
    assert_eq!(alloc.live_frame_handles(), 0);
}
