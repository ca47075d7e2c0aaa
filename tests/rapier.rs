//! `framealloc::rapier` against rapier's own collector and query pipeline, on
//! deterministic scenes: identical events, identical query results, overflow counted
//! exactly and reported, adaptive capacity, and no system allocation from framealloc's
//! side in a steady-state step.
//!
//! Its own test binary (feature `rapier`) because it installs a per-thread counting
//! `#[global_allocator]`. Slow under Miri (rapier): ignored there.
#![cfg(not(miri))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};

use framealloc::rapier::rapier3d::prelude::*;
use framealloc::rapier::{
    EventCapacity, FrameEvents, PhysicsScene, cast_rays, intersect_aabb, intersect_point,
    intersect_ray, step,
};
use framealloc::{BudgetEvent, BudgetScope, SmartAlloc};

struct Counting;

thread_local! {
    // Const, destructor-free: usable from inside the allocator at any time.
    static SYSTEM_CALLS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    let _ = SYSTEM_CALLS.try_with(|c| c.set(c.get() + 1));
}

fn system_calls() -> u64 {
    SYSTEM_CALLS.with(Cell::get)
}

// SAFETY: forwards to `System`, only counting calls (per thread, so other test threads
// do not disturb the count).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A ground, a sensor slab and `n` balls and boxes dropped from a grid of heights: every
/// collider reports collision and contact-force events.
fn scene(n: usize) -> PhysicsWorld {
    let mut world = PhysicsWorld::new();
    world.insert(
        RigidBodyBuilder::fixed(),
        ColliderBuilder::cuboid(20.0, 0.5, 20.0)
            .active_events(ActiveEvents::COLLISION_EVENTS | ActiveEvents::CONTACT_FORCE_EVENTS),
    );
    world.insert(
        RigidBodyBuilder::fixed().translation(Vector::new(0.0, 1.5, 0.0)),
        ColliderBuilder::cuboid(20.0, 0.2, 20.0)
            .sensor(true)
            .active_events(ActiveEvents::COLLISION_EVENTS),
    );
    for i in 0..n {
        let x = (i % 8) as f32 * 1.3 - 4.5;
        let z = ((i / 8) % 8) as f32 * 1.3 - 4.5;
        let y = 3.0 + (i / 64) as f32 * 1.5 + (i % 3) as f32 * 0.4;
        let body = RigidBodyBuilder::dynamic().translation(Vector::new(x, y, z));
        let collider = if i % 2 == 0 {
            ColliderBuilder::ball(0.5)
        } else {
            ColliderBuilder::cuboid(0.45, 0.45, 0.45)
        };
        world.insert(
            body,
            collider
                .restitution(0.3)
                .active_events(ActiveEvents::COLLISION_EVENTS | ActiveEvents::CONTACT_FORCE_EVENTS)
                .contact_force_event_threshold(5.0),
        );
    }
    world
}

/// An allocator whose budget events (overflow reports included) are recorded.
fn recording_budget_events() -> (SmartAlloc, Arc<Mutex<Vec<BudgetEvent>>>) {
    let alloc = SmartAlloc::new(Default::default());
    let seen: Arc<Mutex<Vec<BudgetEvent>>> = Arc::default();
    let sink = seen.clone();
    alloc.on_budget_event(move |e| sink.lock().unwrap().push(e.clone()));
    (alloc, seen)
}

/// What makes a collision event itself (`CollisionEvent` has no `PartialEq`).
fn key(e: &CollisionEvent) -> (bool, ColliderHandle, ColliderHandle, bool, bool) {
    (
        e.started(),
        e.collider1(),
        e.collider2(),
        e.sensor(),
        e.removed(),
    )
}

#[test]
fn events_equal_rapiers_channel_collector_step_by_step() {
    let mut reference = scene(96);
    let mut ours = scene(96);
    let alloc = SmartAlloc::new(Default::default());
    let mut capacity = EventCapacity::new(4);
    let (cs, cr) = channel();
    let (fs, fr) = channel();
    let (ts, _tr) = channel();
    let collector = ChannelEventCollector::new(cs, fs, ts);
    let (mut started, mut stopped, mut forces, mut sensor) = (0, 0, 0, 0);
    for n in 0..240 {
        reference.step_with_events(&(), &collector);
        let expected: Vec<_> = cr.try_iter().collect();
        let expected_forces: Vec<_> = fr.try_iter().collect();

        let frame = alloc.frame();
        let mut report = step(&frame, &mut ours, &mut capacity);
        let dropped = report.dropped;
        let (dropped_collisions, dropped_forces) = (
            report.events.dropped_collisions(),
            report.events.dropped_contact_forces(),
        );
        let got = report.events.collisions();
        // The adaptive capacity may be too small on a step whose load jumps: then what
        // was kept is exactly the start of rapier's sequence and the rest is counted.
        assert_eq!(got.len() + dropped_collisions, expected.len(), "step {n}");
        for (g, e) in got.iter().zip(&expected) {
            assert_eq!(key(g), key(e), "step {n}");
        }
        let got_forces = report.events.contact_forces();
        assert_eq!(
            got_forces.len() + dropped_forces,
            expected_forces.len(),
            "step {n}"
        );
        assert_eq!(got_forces, &expected_forces[..got_forces.len()], "step {n}");
        assert_eq!(
            report.collisions_started + report.collisions_stopped + report.contact_forces + dropped,
            expected.len() + expected_forces.len()
        );
        started += expected.iter().filter(|e| e.started()).count();
        stopped += expected.iter().filter(|e| e.stopped()).count();
        sensor += expected.iter().filter(|e| e.sensor()).count();
        forces += expected_forces.len();
    }
    // The scene is not trivial: bodies land, bounce, cross the sensor.
    assert!(started > 96, "started {started}");
    assert!(
        stopped > 0 && sensor > 0 && forces > 96,
        "{stopped} {sensor} {forces}"
    );
    // Same positions: both worlds are the same simulation.
    for ((h, a), (_, b)) in reference.bodies.iter().zip(ours.bodies.iter()) {
        assert_eq!(a.translation(), b.translation(), "{h:?}");
    }
}

#[test]
fn full_capacity_collects_everything_and_drops_nothing() {
    let mut reference = scene(64);
    let mut ours = scene(64);
    let alloc = SmartAlloc::new(Default::default());
    let (cs, cr) = channel();
    let (fs, fr) = channel();
    let (ts, _tr) = channel();
    let collector = ChannelEventCollector::new(cs, fs, ts);
    let (mut total_ref, mut total_ours) = (0, 0);
    for _ in 0..150 {
        reference.step_with_events(&(), &collector);
        total_ref += cr.try_iter().count() + fr.try_iter().count();
        let frame = alloc.frame();
        let mut events = FrameEvents::new(&frame, 4096);
        ours.step_with_events(&(), &events);
        assert_eq!(events.dropped(), 0);
        total_ours += events.collisions().len() + events.contact_forces().len();
        assert!(!events.report_overflow());
    }
    assert_eq!(total_ours, total_ref);
    assert!(total_ref > 100, "{total_ref}");
}

#[test]
fn overflow_is_counted_exactly_and_reported_once_per_sink() {
    let (alloc, seen) = recording_budget_events();

    let mut big = scene(64);
    let mut small = scene(64);
    let mut overflowed_steps = 0;
    for n in 0..120 {
        let frame = alloc.frame();
        let mut all = FrameEvents::new(&frame, 4096);
        big.step_with_events(&(), &all);
        let demand = (all.collisions().len(), all.contact_forces().len());
        let full: Vec<_> = all.collisions().iter().map(key).collect();
        drop(all);

        let _physics = frame.tag("physics");
        let mut events = FrameEvents::with_capacities(&frame, 3, 2);
        small.step_with_events(&(), &events);
        assert_eq!(events.collision_count(), demand.0.min(3), "step {n}");
        assert_eq!(
            events.dropped_collisions(),
            demand.0.saturating_sub(3),
            "step {n}"
        );
        assert_eq!(
            events.dropped_contact_forces(),
            demand.1.saturating_sub(2),
            "step {n}"
        );
        let kept: Vec<_> = events.collisions().iter().map(key).collect();
        assert_eq!(
            kept,
            full[..kept.len()],
            "the first events are kept, in order"
        );
        let dropped = events.dropped();
        let before = seen.lock().unwrap().len();
        assert_eq!(events.report_overflow(), dropped > 0);
        assert!(!events.report_overflow(), "reported once");
        drop(events);
        let reports = seen.lock().unwrap();
        if dropped > 0 {
            overflowed_steps += 1;
            assert_eq!(reports.len(), before + 1, "step {n}");
            let e = reports.last().unwrap();
            assert_eq!(e.scope, BudgetScope::EventSink);
            assert_eq!(
                (e.tag, e.limit, e.requested),
                ("physics", 5, dropped as u64)
            );
            assert_eq!(e.used, (demand.0.min(3) + demand.1.min(2)) as u64);
            assert!(e.refused);
            assert!(
                e.to_string().contains("event sink of tag \"physics\" full"),
                "{e}"
            );
        } else {
            assert_eq!(reports.len(), before, "nothing to report at step {n}");
        }
    }
    assert!(overflowed_steps > 5, "{overflowed_steps}");
}

#[test]
fn an_unread_overflowing_sink_reports_when_dropped() {
    let (alloc, seen) = recording_budget_events();
    let mut world = scene(32);
    let mut dropped = 0;
    for _ in 0..60 {
        let frame = alloc.frame();
        let events = FrameEvents::new(&frame, 0);
        world.step_with_events(&(), &events);
        dropped += events.dropped();
    }
    let reports = seen.lock().unwrap();
    assert!(dropped > 0);
    assert_eq!(
        reports.iter().map(|e| e.requested).sum::<u64>(),
        dropped as u64
    );
    assert!(reports.iter().all(|e| e.used == 0 && e.limit == 0));
}

#[test]
fn adaptive_capacity_follows_the_last_steps_demand() {
    let alloc = SmartAlloc::new(Default::default());
    let mut scene = PhysicsScene::new(scene(96), 1);
    let mut peak = 0;
    let mut overflowed = 0;
    let mut total = 0;
    for _ in 0..200 {
        let frame = alloc.frame();
        let capacity_before = scene.capacity;
        let mut report = scene.step(&frame);
        let demand = (
            report.events.collisions().len() + report.events.dropped_collisions(),
            report.events.contact_forces().len() + report.events.dropped_contact_forces(),
        );
        assert_eq!(
            report.events.collision_capacity(),
            capacity_before.collisions()
        );
        assert_eq!(
            report.events.contact_force_capacity(),
            capacity_before.contact_forces()
        );
        // Next capacity: demand plus half, at least 7/8 of the current one, at least 1.
        let next =
            |current: usize, demand: usize| (demand + demand / 2).max(current - current / 8).max(1);
        assert_eq!(
            scene.capacity.collisions(),
            next(capacity_before.collisions(), demand.0)
        );
        assert_eq!(
            scene.capacity.contact_forces(),
            next(capacity_before.contact_forces(), demand.1)
        );
        peak = peak.max(demand.0).max(demand.1);
        assert_eq!(report.peak_events, peak);
        overflowed += usize::from(report.dropped > 0);
        total += demand.0 + demand.1;
        assert!(report.frame_bytes > 0);
    }
    assert_eq!(scene.steps, 200);
    // The first steps overflowed their single slot; most later steps fit.
    assert!((1..40).contains(&overflowed), "{overflowed}");
    assert!(total > 200, "{total}");
}

#[test]
fn query_results_equal_rapiers_query_pipeline() {
    let mut world = scene(96);
    for _ in 0..90 {
        world.step();
    }
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let query = world.query_pipeline();

    let rays: Vec<Ray> = (0..64)
        .map(|i| {
            let x = (i % 8) as f32 * 1.3 - 4.7;
            let z = (i / 8) as f32 * 1.3 - 4.4;
            Ray::new(Vector::new(x, 12.0, z), Vector::new(0.0, -1.0, 0.0))
        })
        .chain([Ray::new(
            Vector::new(0.0, 12.0, 0.0),
            Vector::new(0.0, 1.0, 0.0),
        )])
        .collect();
    let hits = cast_rays(&frame, &query, &rays, 100.0, true);
    assert_eq!(hits.len(), rays.len());
    let mut found = 0;
    for (ray, hit) in rays.iter().zip(hits.iter()) {
        let expected = query.cast_ray_and_get_normal(ray, 100.0, true);
        assert_eq!(hit.map(|h| h.0), expected.map(|h| h.0));
        assert_eq!(
            hit.map(|h| h.1.time_of_impact),
            expected.map(|h| h.1.time_of_impact)
        );
        found += usize::from(hit.is_some());
    }
    assert!(
        found >= 64,
        "every downward ray hits at least the ground: {found}"
    );
    assert!(hits[64].is_none(), "the upward ray hits nothing");

    let down = Ray::new(Vector::new(0.0, 12.0, 0.0), Vector::new(0.0, -1.0, 0.0));
    let through = intersect_ray(&frame, &query, down, 100.0, true);
    let mut expected: Vec<_> = query
        .intersect_ray(down, 100.0, true)
        .map(|(h, _, hit)| (h, hit.time_of_impact))
        .collect();
    expected.sort_by(|a, b| a.1.total_cmp(&b.1));
    let got: Vec<_> = through
        .iter()
        .map(|(h, hit)| (*h, hit.time_of_impact))
        .collect();
    assert_eq!(got.len(), expected.len());
    assert!(got.windows(2).all(|w| w[0].1 <= w[1].1), "nearest first");
    let mut got_handles: Vec<_> = got.iter().map(|g| g.0.into_raw_parts()).collect();
    let mut exp_handles: Vec<_> = expected.iter().map(|e| e.0.into_raw_parts()).collect();
    got_handles.sort_unstable();
    exp_handles.sort_unstable();
    assert_eq!(got_handles, exp_handles);
    assert!(got.len() >= 2, "ground and sensor at least: {}", got.len());

    let point = Vector::new(0.0, 0.0, 0.0);
    let inside = intersect_point(&frame, &query, point);
    let expected: Vec<_> = query.intersect_point(point).map(|(h, _)| h).collect();
    assert_eq!(&inside[..], &expected[..]);
    assert!(!inside.is_empty(), "the origin is inside the ground");

    let aabb = Aabb::new(Vector::new(-2.0, -1.0, -2.0), Vector::new(2.0, 3.0, 2.0));
    let near = intersect_aabb(&frame, &query, aabb);
    let expected: Vec<_> = query
        .intersect_aabb_conservative(aabb)
        .map(|(h, _)| h)
        .collect();
    assert_eq!(&near[..], &expected[..]);
    assert!(near.len() > 2, "{}", near.len());
}

/// Steps `count` steps of a fresh scene, counting this thread's system allocations per
/// step from `from` on; `ours` collects events and queries into frame memory, the
/// baseline uses rapier's `()` handler.
fn system_calls_per_step(ours: bool, from: usize, count: usize) -> Vec<u64> {
    let alloc = SmartAlloc::new(Default::default());
    let mut world = scene(64);
    let mut capacity = EventCapacity::new(64);
    let down = Ray::new(Vector::new(0.0, 12.0, 0.0), Vector::new(0.0, -1.0, 0.0));
    let rays = [down; 16];
    let mut calls = Vec::with_capacity(count);
    for n in 0..from + count {
        let before = system_calls();
        if ours {
            let frame = alloc.frame();
            let mut report = step(&frame, &mut world, &mut capacity);
            let hits = cast_rays(&frame, &world.query_pipeline(), &rays, 100.0, true);
            std::hint::black_box((report.events.collisions().len(), hits.len()));
        } else {
            world.step_with_events(&(), &());
            let query = world.query_pipeline();
            for ray in &rays {
                std::hint::black_box(query.cast_ray_and_get_normal(ray, 100.0, true));
            }
        }
        if n >= from {
            calls.push(system_calls() - before);
        }
    }
    calls
}

#[test]
fn steady_state_steps_make_no_system_allocation_from_framealloc() {
    // Warm: the arena has grown to a step's size by step 150, and the capacity settled.
    let baseline = system_calls_per_step(false, 150, 50);
    let ours = system_calls_per_step(true, 150, 50);
    assert_eq!(
        ours, baseline,
        "framealloc added system allocations to a step"
    );
}
