// A `FrameEvents` borrows its frame: it cannot be kept for the next frame.
use framealloc::SmartAlloc;
use framealloc::rapier::FrameEvents;
use framealloc::rapier::rapier3d::prelude::*;

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let mut world = PhysicsWorld::new();
    let mut kept: Option<FrameEvents<'_>> = None;
    for _ in 0..2 {
        let frame = alloc.frame();
        let events = kept.take().unwrap_or_else(|| FrameEvents::new(&frame, 64));
        world.step_with_events(&(), &events);
        kept = Some(events);
    }
}
