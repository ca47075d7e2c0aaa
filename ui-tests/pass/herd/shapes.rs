// The legitimate shapes of herd use compile: members per scoped worker, `T: Send`
// results returned to the main thread, data kept past the members, a reset per frame,
// a herd in a struct, a member passed to helpers.
use framealloc::{FrameHerd, HerdMember, SmartAlloc};

struct World {
    herd: FrameHerd,
}

fn build<'h>(member: &HerdMember<'h>, i: u64) -> &'h mut [u64] {
    member.alloc_slice_fill_with(4, |k| i + k as u64)
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let mut world = World { herd: alloc.herd() };
    for _frame in 0..2 {
        let herd = &world.herd;
        let parts: Vec<&mut [u64]> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..2)
                .map(|i| s.spawn(move || build(&herd.member(), i)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let sum: u64 = parts.iter().map(|p| p.iter().sum::<u64>()).sum();
        assert_eq!(sum, 6 + 10);
        world.herd.reset();
    }
    // `&FrameHerd` crosses threads; a member made inside the worker.
    let herd = &world.herd;
    std::thread::scope(|s| {
        s.spawn(|| herd.member().alloc(1u32));
    });
}
