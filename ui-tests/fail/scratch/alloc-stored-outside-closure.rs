// Scratch data cannot leave its scope: storing an allocation in a variable outside the
// closure is rejected.
fn main() {
    let alloc = framealloc::SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let mut kept: Option<&mut [u8]> = None;
    frame.scratch(|s| {
        kept = Some(s.alloc_slice_copy(&[1, 2, 3]));
    });
    assert_eq!(kept.unwrap()[0], 1);
}
