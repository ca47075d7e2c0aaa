// A `HerdMember` belongs to the worker that made it (`!Send`): moving it to another
// thread is rejected.
fn main() {
    let alloc = framealloc::SmartAlloc::new(Default::default());
    let herd = alloc.herd();
    let member = herd.member();
    std::thread::scope(|s| {
        s.spawn(move || *member.alloc(1u32));
    });
}
