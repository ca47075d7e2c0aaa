//! The macros: `#[derive(FrameSafe)]` proves a type may be abandoned in frame memory,
//! `#[frame_scope]` runs a function body inside a frame whose data cannot escape it.
//! (`#[alloc_tag]` is shown in `05_tags_and_budgets`.)
//!
//! Run with `cargo run --example 06_macros`.

use framealloc::{FrameSafe, SmartAlloc, frame_scope};

/// Plain data: the derive checks every field at compile time (a `String` field or a
/// `Drop` impl would be a compile error pointing at the culprit).
#[derive(FrameSafe, Debug, Default, Clone, Copy)]
struct Contact {
    a: u32,
    b: u32,
    depth: f32,
    normal: [f32; 3],
}

/// Generic parameters get a `FrameSafe` bound; lifetimes are fine.
#[derive(FrameSafe, Debug)]
struct Labelled<'a, T> {
    label: &'a str,
    value: T,
}

struct Physics {
    alloc: SmartAlloc,
    bodies: Vec<[f32; 3]>,
}

impl Physics {
    /// The frame is opened on `self.alloc` for the whole body; `frame` is the guard, so
    /// allocations through it are compile-time checked.
    #[frame_scope(frame = self.alloc)]
    fn step(&mut self, dt: f32) -> usize {
        let mut contacts = frame.frame_vec::<Contact>();
        for (i, body) in self.bodies.iter_mut().enumerate() {
            body[1] -= 9.81 * dt;
            if body[1] < 0.0 {
                contacts.push(Contact {
                    a: i as u32,
                    b: u32::MAX,
                    depth: -body[1],
                    normal: [0.0, 1.0, 0.0],
                });
                body[1] = 0.0;
            }
        }
        // Resting contacts (depth ~ 0) do not count as new impacts.
        contacts
            .iter()
            .filter(|c| c.a != c.b && c.normal[1] > 0.0 && c.depth > 0.01)
            .count()
    }
}

/// `alloc` is shadowed by the frame guard inside the body: `alloc.frame_vec()` borrows
/// the guard, so returning `scratch` instead of a number would not compile.
#[frame_scope]
fn summarize(alloc: &SmartAlloc, values: &[f32]) -> Result<f32, String> {
    let mut scratch = alloc.frame_vec::<f32>();
    scratch.extend(values.iter().map(|v| v * 2.0));
    let tag = alloc.alloc(Labelled {
        label: "doubled",
        value: scratch.len(),
    });
    if tag.value == 0 {
        return Err(format!("{}: nothing to summarize", tag.label)); // the frame ends here too
    }
    let max = scratch.iter().copied().fold(f32::MIN, f32::max);
    Ok(max)
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let mut physics = Physics {
        alloc: alloc.clone(),
        bodies: (0..100)
            .map(|i| [i as f32, 1.0 + (i % 5) as f32 * 0.1, 0.0])
            .collect(),
    };
    let mut total = 0;
    for _ in 0..60 {
        total += physics.step(1.0 / 60.0);
    }
    println!(
        "physics: {total} impacts over 60 steps, in frame now: {}",
        alloc.is_in_frame()
    );

    match summarize(&alloc, &[1.0, 4.0, 2.5]) {
        Ok(max) => println!("summarize: max doubled value {max}"),
        Err(e) => println!("summarize failed: {e}"),
    }
    match summarize(&alloc, &[]) {
        Ok(max) => println!("summarize: {max}"),
        Err(e) => println!(
            "summarize of nothing: {e} (frame closed: {})",
            !alloc.is_in_frame()
        ),
    }
    println!("frames run on this thread: {}", alloc.frame_number());
}
