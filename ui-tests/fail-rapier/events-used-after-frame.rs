// Event slices live in frame memory: they cannot be read after the frame ends.
use framealloc::SmartAlloc;
use framealloc::rapier::FrameEvents;
use framealloc::rapier::rapier3d::prelude::*;

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let mut world = PhysicsWorld::new();
    let collisions: &[CollisionEvent] = {
        let frame = alloc.frame();
        let mut events = FrameEvents::new(&frame, 64);
        world.step_with_events(&(), &events);
        let slice: &[CollisionEvent] = events.collisions();
        slice
    };
    println!("{}", collisions.len());
}
