// #[alloc_tag] on every legitimate shape: free fn, method, generic fn, `Result` with `?`,
// composed with #[frame_scope] in both orders; the tag is pushed for the body only, is
// registered with its budget and location, and pool allocations in the body count to it.
use std::num::ParseIntError;

use framealloc::{Kind, SmartAlloc, alloc_tag, frame_scope, registered_tags};

#[alloc_tag("physics")]
fn step(alloc: &SmartAlloc) -> &'static str {
    let body = alloc.pool_box(7u64);
    assert_eq!(*body, 7);
    alloc.current_tag()
}

struct World {
    alloc: SmartAlloc,
}

impl World {
    #[alloc_tag("world", budget = "8 MiB")]
    fn update(&self) -> &'static str {
        self.alloc.current_tag()
    }

    #[alloc_tag("world-mut", budget = 4096)]
    fn update_mut(&mut self) -> &'static str {
        self.alloc.current_tag()
    }
}

#[alloc_tag("generic", budget = "1 KB")]
fn generic<T: Clone + Default>(alloc: &SmartAlloc, x: &T) -> (T, &'static str) {
    #![allow(clippy::redundant_clone)]
    (x.clone(), alloc.current_tag())
}

#[alloc_tag("parse")]
fn parse(alloc: &SmartAlloc, text: &str) -> Result<(u32, &'static str), ParseIntError> {
    let n: u32 = text.parse()?; // `?` pops the tag too
    Ok((n, alloc.current_tag()))
}

// alloc_tag outside: the frame is opened first, then the tag is pushed.
#[alloc_tag("tag-outer")]
#[frame_scope]
fn tag_outer(alloc: &SmartAlloc) -> (bool, &'static str) {
    let mut v = alloc.frame_vec::<u32>();
    v.push(1);
    (alloc.is_in_frame(), alloc.current_tag())
}

// frame_scope outside: the tag is pushed first, then the frame is opened.
#[frame_scope]
#[alloc_tag("frame-outer", budget = "2 GiB")]
fn frame_outer(alloc: &SmartAlloc) -> (bool, &'static str) {
    let mut v = alloc.frame_vec::<u32>();
    v.push(1);
    (alloc.is_in_frame(), alloc.current_tag())
}

#[alloc_tag("outer")]
fn nested(alloc: &SmartAlloc) -> (&'static str, &'static str) {
    let inner = step(alloc);
    (inner, alloc.current_tag())
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    assert_eq!(alloc.current_tag(), "untagged");

    assert_eq!(step(&alloc), "physics");
    assert_eq!(alloc.current_tag(), "untagged");
    let physics = alloc.stats().tag("physics").unwrap();
    assert_eq!(physics.kind(Kind::Pool).allocations, 1);

    let mut world = World { alloc: alloc.clone() };
    assert_eq!(world.update(), "world");
    assert_eq!(world.update_mut(), "world-mut");
    assert_eq!(generic(&alloc, &String::from("x")), (String::from("x"), "generic"));
    assert_eq!(generic(&alloc, &3u8), (3, "generic"));
    assert_eq!(parse(&alloc, "42"), Ok((42, "parse")));
    assert!(parse(&alloc, "x").is_err());
    assert_eq!(alloc.current_tag(), "untagged"); // popped on the error path as well

    assert_eq!(tag_outer(&alloc), (true, "tag-outer"));
    assert_eq!(frame_outer(&alloc), (true, "frame-outer"));
    assert!(!alloc.is_in_frame());
    assert_eq!(nested(&alloc), ("physics", "outer"));
    assert_eq!(alloc.current_tag(), "untagged");

    // Every tag is registered once, with its budget and the line of its fn.
    let info = |name: &str| {
        let mut found = registered_tags().filter(|t| t.name == name);
        let info = found.next().unwrap_or_else(|| panic!("{name} is not registered"));
        assert!(found.next().is_none(), "{name} is registered twice");
        assert_eq!(info.module_path, module_path!());
        assert!(info.file.ends_with("shapes.rs"), "{}", info.file);
        (info.budget, info.line)
    };
    assert_eq!(info("physics"), (None, 9));
    assert_eq!(info("world"), (Some(8 << 20), 21));
    assert_eq!(info("world-mut"), (Some(4096), 26));
    assert_eq!(info("generic"), (Some(1000), 32));
    assert_eq!(info("parse"), (None, 38));
    assert_eq!(info("tag-outer"), (None, 46));
    assert_eq!(info("frame-outer"), (Some(2 << 30), 55));
    assert_eq!(info("outer"), (None, 62));
}
