// A `HerdVec` frozen with `into_slice` has the herd's lifetime: `reset` still ends it.
fn main() {
    let alloc = framealloc::SmartAlloc::new(Default::default());
    let mut herd = alloc.herd();
    let xs = {
        let member = herd.member();
        let mut v = member.frame_vec();
        v.push(1u32);
        v.into_slice()
    };
    herd.reset();
    xs[0] += 1;
}
