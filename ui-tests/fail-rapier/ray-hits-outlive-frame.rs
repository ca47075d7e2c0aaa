// Query results are a `FrameVec` borrowing the frame: they cannot outlive it.
use framealloc::SmartAlloc;
use framealloc::rapier::cast_rays;
use framealloc::rapier::rapier3d::prelude::*;

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let world = PhysicsWorld::new();
    let ray = Ray::new(Vector::ZERO, Vector::Y);
    let hits = {
        let frame = alloc.frame();
        cast_rays(&frame, &world.query_pipeline(), &[ray], 10.0, true)
    };
    println!("{}", hits.len());
}
