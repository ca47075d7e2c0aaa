// Herd data cannot outlive the herd (its drop gives the arenas back to the pool).
fn main() {
    let alloc = framealloc::SmartAlloc::new(Default::default());
    let herd = alloc.herd();
    let x = herd.member().alloc(1u32);
    drop(herd);
    assert_eq!(*x, 1);
}
