// The legitimate shapes of frame use compile.
use framealloc::{Frame, FrameSafe, FrameVec, SmartAlloc};

#[derive(Default, Clone, Copy)]
struct Particle {
    pos: [f32; 3],
}
// SAFETY: plain data.
unsafe impl FrameSafe for Particle {}

fn step(frame: &Frame<'_>) -> f32 {
    let p = frame.alloc(Particle::default());
    p.pos[0] += 1.0;
    p.pos[0]
}

fn collect<'f>(frame: &'f Frame<'_>) -> FrameVec<'f, String> {
    let mut v = frame.frame_vec::<String>();
    v.push("returned to the caller, still inside the frame".into());
    v
}

fn uses_allocator(alloc: &SmartAlloc) -> bool {
    alloc.is_in_frame()
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    {
        let frame = alloc.frame();
        assert_eq!(step(&frame), 1.0);
        let v = collect(&frame);
        assert_eq!(v.len(), 1);
        assert!(uses_allocator(&frame));
        // Lending frame data to scoped threads is fine.
        let data = frame.alloc([1u32; 8]);
        std::thread::scope(|s| {
            s.spawn(|| data.iter_mut().for_each(|x| *x *= 2));
        });
        assert_eq!(data[0], 2);
    }
    let n = alloc.frame_scope(|frame| *frame.alloc(3u8));
    assert_eq!(n, 3);

    alloc.begin_frame();
    let b = alloc.frame_box(String::from("explicit"));
    alloc.end_frame();
    drop(b); // dropped after end_frame: the reset is deferred, not an error
}
