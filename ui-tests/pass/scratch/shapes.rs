// The legitimate shapes of scratch scopes compile: parent data used inside a scope,
// nesting through the inner and the outer handle, values returned, helpers taking
// `&Scratch`, task frames.
use framealloc::{Scratch, SmartAlloc};

fn helper<'s>(s: &'s Scratch<'_>, xs: &[u32]) -> &'s mut [u32] {
    s.alloc_slice_copy(xs)
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let parent = frame.alloc_slice_copy(&[1u32, 2, 3]);
    let total: u32 = frame.scratch(|s| {
        let copy = helper(s, parent);
        copy[0] = 10;
        let inner = s.scratch(|t| {
            let x = t.alloc(5u32);
            *x + s.scratch(|u| *u.alloc(1u32)) + copy[0]
        });
        // Owned results (no borrow of the scope) leave it freely.
        let owned: Vec<u32> = copy.to_vec();
        inner + owned.iter().sum::<u32>()
    });
    parent[0] = 7; // the parent's data is still mutable after the scope
    assert_eq!((total, parent[0]), (16 + 15, 7));

    let task = alloc.task_frame();
    let kept = task.alloc(1u8);
    let n = task.scratch(|s| s.alloc_str("abc").len());
    assert_eq!((n, *kept), (3, 1));
}
