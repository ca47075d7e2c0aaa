// #[frame_scope] on a free fn: the body compiles unchanged and runs inside a frame.
use framealloc::{Frame, SmartAlloc, frame_scope};
use std::sync::Arc;

fn uses_allocator(alloc: &SmartAlloc) -> bool {
    alloc.is_in_frame()
}

fn uses_frame(frame: &Frame<'_>) -> u32 {
    *frame.alloc(41u32) + 1
}

#[frame_scope]
fn sum(alloc: &SmartAlloc, n: u32) -> u32 {
    assert!(alloc.is_in_frame());
    // Passing `alloc` on to a `fn(&SmartAlloc)` and a `fn(&Frame)` keeps working.
    assert!(uses_allocator(alloc));
    assert_eq!(uses_frame(alloc), 42);
    let mut v = alloc.frame_vec::<u32>();
    v.extend(1..=n);
    let doubled: Vec<u32> = v.iter().map(|x| x * 2).collect();
    // Closures inside the body capture the shadowed `alloc`.
    let push_all = |extra: &[u32]| {
        let mut w = alloc.frame_vec::<u32>();
        w.extend_from_slice(extra);
        w.iter().sum::<u32>()
    };
    push_all(&doubled) / 2
}

#[frame_scope]
fn unit(alloc: &SmartAlloc, out: &mut usize) {
    let b = alloc.frame_box(String::from("dropped at frame end"));
    *out = b.len();
}

#[frame_scope]
fn tail_temporary(alloc: &SmartAlloc) -> usize {
    // The tail temporary `FrameVec` drops before the guard (edition 2024).
    alloc.frame_vec_with_capacity::<u64>(4).capacity()
}

#[frame_scope]
fn through_arc(alloc: &Arc<SmartAlloc>) -> bool {
    alloc.is_in_frame()
}

#[frame_scope]
fn early_return(alloc: &SmartAlloc, bail: bool) -> u8 {
    let x = alloc.alloc(3u8);
    if bail {
        return 0;
    }
    *x
}

#[frame_scope]
pub(crate) fn inner_attrs(alloc: &SmartAlloc) -> bool {
    #![allow(clippy::needless_return)]
    return alloc.is_in_frame();
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    assert_eq!(sum(&alloc, 4), 10);
    assert!(!alloc.is_in_frame());
    let mut len = 0;
    unit(&alloc, &mut len);
    assert_eq!(len, 20);
    assert!(tail_temporary(&alloc) >= 4);
    assert!(through_arc(&Arc::new(SmartAlloc::new(Default::default()))));
    assert_eq!(early_return(&alloc, true), 0);
    assert_eq!(early_return(&alloc, false), 3);
    assert!(inner_attrs(&alloc));
    assert!(!alloc.is_in_frame());
    assert_eq!(alloc.live_frame_handles(), 0);
    // A panic inside the body ends the frame too.
    std::panic::set_hook(Box::new(|_| {}));
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        #[frame_scope]
        fn boom(alloc: &SmartAlloc) {
            let _v = alloc.frame_vec::<u8>();
            panic!("boom");
        }
        boom(&alloc);
    }));
    assert!(caught.is_err());
    assert!(!alloc.is_in_frame());
}
