// `reset` needs every member gone: a live member borrows the herd.
fn main() {
    let alloc = framealloc::SmartAlloc::new(Default::default());
    let mut herd = alloc.herd();
    let member = herd.member();
    herd.reset();
    member.alloc(1u32);
}
