//! What collecting one physics step's rapier events costs: into frame memory
//! ([`FrameEvents`]), into a `Vec` made per step (behind the `Mutex` a `Sync` handler
//! needs), and through rapier's `ChannelEventCollector` (drained after the step).
//!
//! The events are a real step's: a 300-body scene is stepped until its contacts settle,
//! then the handler calls of one step (its collision events and the contact pairs of its
//! force events) are recorded and replayed, so the numbers are the handler's cost alone,
//! not rapier's. Run with `cargo bench -p framealloc --bench rapier --features rapier`.

use std::hint::black_box;
use std::sync::Mutex;
use std::sync::mpsc::channel;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use framealloc::SmartAlloc;
use framealloc::rapier::FrameEvents;
use framealloc::rapier::rapier3d::prelude::*;

/// The recorded handler calls of one step.
struct Recorded {
    world: PhysicsWorld,
    collisions: Vec<CollisionEvent>,
    forces: Vec<(ContactPair, Real)>,
}

/// A `Sync` handler over per-step `Vec`s: the straightforward alternative.
struct VecEvents {
    collisions: Mutex<Vec<CollisionEvent>>,
    forces: Mutex<Vec<ContactForceEvent>>,
}

impl EventHandler for VecEvents {
    fn handle_collision_event(
        &self,
        _: &RigidBodySet,
        _: &ColliderSet,
        event: CollisionEvent,
        _: Option<&ContactPair>,
    ) {
        self.collisions.lock().unwrap().push(event);
    }
    fn handle_contact_force_event(
        &self,
        dt: Real,
        _: &RigidBodySet,
        _: &ColliderSet,
        pair: &ContactPair,
        magnitude: Real,
    ) {
        let event = ContactForceEvent::from_contact_pair(dt, pair, magnitude);
        self.forces.lock().unwrap().push(event);
    }
    fn handle_soft_body_tear_event(&self, _: &SoftBodySet, _: &SoftBodyTearEvent) {}
}

fn record() -> Recorded {
    let mut world = PhysicsWorld::new();
    world.insert(
        RigidBodyBuilder::fixed(),
        ColliderBuilder::cuboid(30.0, 0.5, 30.0),
    );
    let events = ActiveEvents::COLLISION_EVENTS | ActiveEvents::CONTACT_FORCE_EVENTS;
    for i in 0..300 {
        let x = (i % 10) as f32 * 1.05 - 5.0;
        let z = ((i / 10) % 10) as f32 * 1.05 - 5.0;
        let y = 1.5 + (i / 100) as f32 * 1.2;
        world.insert(
            RigidBodyBuilder::dynamic().translation(Vector::new(x, y, z)),
            ColliderBuilder::ball(0.5)
                .active_events(events)
                .contact_force_event_threshold(0.0),
        );
    }
    for _ in 0..60 {
        world.step();
    }
    // Replay the pairs with touching contacts: each raises a force event past threshold 0;
    // started events for the same pairs stand in for a step's collision stream.
    let mut collisions = Vec::new();
    let mut forces = Vec::new();
    for pair in world.narrow_phase.contact_pairs() {
        if pair.has_any_active_contact() {
            collisions.push(CollisionEvent::Started(
                pair.collider1,
                pair.collider2,
                CollisionEventFlags::empty(),
            ));
            forces.push((pair.clone(), 1.0));
        }
    }
    Recorded {
        world,
        collisions,
        forces,
    }
}

fn replay(r: &Recorded, handler: &dyn EventHandler) {
    let dt = r.world.integration_parameters.dt;
    for e in &r.collisions {
        handler.handle_collision_event(&r.world.bodies, &r.world.colliders, *e, None);
    }
    for (pair, magnitude) in &r.forces {
        handler.handle_contact_force_event(
            dt,
            &r.world.bodies,
            &r.world.colliders,
            pair,
            *magnitude,
        );
    }
}

fn rapier_events(c: &mut Criterion) {
    let r = record();
    let n = (r.collisions.len() + r.forces.len()) as u64;
    assert!(n > 300, "a real step's worth of events: {n}");
    let mut group = c.benchmark_group("rapier_events");
    group.throughput(Throughput::Elements(n));

    let alloc = SmartAlloc::default();
    group.bench_function("frame_events", |b| {
        b.iter(|| {
            let frame = alloc.frame();
            let mut events = FrameEvents::new(&frame, 1024);
            replay(&r, &events);
            black_box(events.collisions().len() + events.contact_forces().len())
        });
    });
    group.bench_function("vec_per_step", |b| {
        b.iter(|| {
            let events = VecEvents {
                collisions: Mutex::new(Vec::new()),
                forces: Mutex::new(Vec::new()),
            };
            replay(&r, &events);
            let collisions = events.collisions.into_inner().unwrap();
            let forces = events.forces.into_inner().unwrap();
            black_box(collisions.len() + forces.len())
        });
    });
    let (cs, cr) = channel();
    let (fs, fr) = channel();
    let (ts, _tr) = channel();
    let collector = ChannelEventCollector::new(cs, fs, ts);
    group.bench_function("channel_collector", |b| {
        b.iter(|| {
            replay(&r, &collector);
            black_box(cr.try_iter().count() + fr.try_iter().count())
        });
    });
    group.finish();
}

criterion_group!(benches, rapier_events);
criterion_main!(benches);
