//! rapier3d physics with per-step scratch in frame memory (feature `rapier`).
//!
//! 400 balls and boxes fall onto a ground for 600 steps. Each step runs inside a frame:
//! rapier's collision and contact-force events go into a [`FrameEvents`] sink sized from
//! the previous step ([`EventCapacity`]), 64 rays are cast down into the pile and their
//! hits collected into a `FrameVec`, and everything is reclaimed when the frame ends.
//! The last lines show that the bodies came to rest above the ground, the events per
//! step, and the `"physics"` tag's frame memory. The sink starts at 256 slots per kind;
//! when the stacks land, one step raises more contact-force events than that: the
//! "event sink ... full" warning on stderr is framealloc reporting the overflow (it is
//! also a `BudgetEvent` for `on_budget_event`), and the next step has room.
//!
//! Run with `cargo run --example rapier_physics --features rapier` (rapier3d and parry3d
//! are optimised even in dev builds; see the workspace `Cargo.toml`).
//!
//! [`FrameEvents`]: framealloc::rapier::FrameEvents
//! [`EventCapacity`]: framealloc::rapier::EventCapacity

use framealloc::rapier::rapier3d::prelude::*;
use framealloc::rapier::{PhysicsScene, cast_rays};
use framealloc::{Kind, SmartAlloc};

const BODIES: usize = 400;
const STEPS: usize = 600;
const GROUND_TOP: f32 = 0.5;

fn build_world() -> PhysicsWorld {
    let mut world = PhysicsWorld::new();
    world.insert(
        RigidBodyBuilder::fixed(),
        ColliderBuilder::cuboid(30.0, GROUND_TOP, 30.0),
    );
    let events = ActiveEvents::COLLISION_EVENTS | ActiveEvents::CONTACT_FORCE_EVENTS;
    for i in 0..BODIES {
        let x = (i % 10) as f32 * 1.2 - 5.4;
        let z = ((i / 10) % 10) as f32 * 1.2 - 5.4;
        let y = 2.0 + (i / 100) as f32 * 1.5;
        let collider = if i % 2 == 0 {
            ColliderBuilder::ball(0.5)
        } else {
            ColliderBuilder::cuboid(0.45, 0.45, 0.45)
        };
        world.insert(
            RigidBodyBuilder::dynamic().translation(Vector::new(x, y, z)),
            collider
                .restitution(0.2)
                .active_events(events)
                .contact_force_event_threshold(20.0),
        );
    }
    world
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let mut scene = PhysicsScene::new(build_world(), 256);
    let rays: Vec<Ray> = (0..64)
        .map(|i| {
            let x = (i % 8) as f32 * 1.5 - 5.25;
            let z = (i / 8) as f32 * 1.5 - 5.25;
            Ray::new(Vector::new(x, 20.0, z), Vector::new(0.0, -1.0, 0.0))
        })
        .collect();

    let (mut started, mut stopped, mut forces, mut dropped) = (0, 0, 0, 0);
    let (mut max_events, mut ray_hits_on_bodies) = (0, 0);
    for n in 0..STEPS {
        let frame = alloc.frame();
        let report = scene.step(&frame);
        started += report.collisions_started;
        stopped += report.collisions_stopped;
        forces += report.contact_forces;
        dropped += report.dropped;
        let per_step =
            report.collisions_started + report.collisions_stopped + report.contact_forces;
        max_events = max_events.max(per_step);

        let world = &scene.world;
        let hits = cast_rays(&frame, &world.query_pipeline(), &rays, 100.0, true);
        // A ray stopped above the ground's top hit a body, not the ground.
        let on_bodies = hits
            .iter()
            .flatten()
            .filter(|(_, hit)| 20.0 - hit.time_of_impact > GROUND_TOP + 0.01)
            .count();
        if n == STEPS - 1 {
            ray_hits_on_bodies = on_bodies;
        }
        if n % 150 == 0 {
            println!(
                "step {n:3}: {per_step:4} events ({} started, {} stopped, {} force), \
                 {on_bodies}/{} rays on bodies, {} B of frame memory",
                report.collisions_started,
                report.collisions_stopped,
                report.contact_forces,
                rays.len(),
                report.frame_bytes,
            );
        }
    } // each frame ends here: events and ray hits are reclaimed together

    let world = &scene.world;
    let dynamic: Vec<_> = world
        .bodies
        .iter()
        .filter(|(_, b)| b.is_dynamic())
        .collect();
    let lowest = dynamic
        .iter()
        .map(|(_, b)| b.translation().y)
        .fold(f32::INFINITY, f32::min);
    let resting = dynamic
        .iter()
        .filter(|(_, b)| b.linvel().length() < 0.1 && b.translation().y > GROUND_TOP)
        .count();
    println!(
        "{} bodies after {STEPS} steps: {resting} at rest, lowest centre {lowest:.2} m above \
         the ground's top at {GROUND_TOP} m",
        dynamic.len()
    );
    println!(
        "events: {started} started, {stopped} stopped, {forces} contact forces, {dropped} \
         dropped; busiest step {max_events}, next capacity {} collision / {} force slots",
        scene.capacity.collisions(),
        scene.capacity.contact_forces(),
    );
    println!(
        "{ray_hits_on_bodies}/{} rays hit a body on the last step",
        rays.len()
    );
    if let Some(physics) = alloc.stats().tag("physics") {
        let frame = physics.kind(Kind::Frame);
        println!(
            "tag \"physics\": {} B of frame memory over {STEPS} steps, peak {} B live",
            frame.allocated_bytes, frame.peak_bytes
        );
    }
    assert!(started > 0 && forces > 0, "the scene produced events");
    assert!(lowest > GROUND_TOP, "no body fell through the ground");
}
