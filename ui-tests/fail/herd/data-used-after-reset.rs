// Herd memory is reused by `reset`: data allocated before it cannot be used after it.
fn main() {
    let alloc = framealloc::SmartAlloc::new(Default::default());
    let mut herd = alloc.herd();
    let xs = herd.member().alloc_slice_copy(&[1u32, 2, 3]);
    herd.reset();
    assert_eq!(xs[0], 1);
}
