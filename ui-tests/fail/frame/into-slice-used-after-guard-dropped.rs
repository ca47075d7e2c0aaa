// A slice frozen with `into_slice` borrows the guard: it cannot be used once the guard drops.
use framealloc::SmartAlloc;

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let mut v = frame.frame_vec::<u32>();
    v.extend([1, 2, 3]);
    let frozen: &mut [u32] = v.into_slice();
    drop(frame);
    frozen[0] = 7;
}
