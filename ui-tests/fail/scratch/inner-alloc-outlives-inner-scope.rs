// Nesting: an inner scope's data cannot be kept in the outer scope after the inner one
// ends.
fn main() {
    let alloc = framealloc::SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    frame.scratch(|outer| {
        let mut kept: &mut u32 = outer.alloc(0u32);
        outer.scratch(|inner| {
            kept = inner.alloc(1u32);
        });
        assert_eq!(*kept, 1);
    });
}
