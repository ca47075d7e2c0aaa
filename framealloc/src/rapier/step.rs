//! `step`: one rapier step inside a `"physics"`-tagged frame.

use rapier3d::pipeline::PhysicsWorld;

use super::events::{EventCapacity, FrameEvents};
use crate::Frame;

/// The tag a [`step`] accounts its frame memory to.
pub const PHYSICS_TAG: &str = "physics";

/// What one [`step`] did: its events (in frame memory, valid for the frame only) and the
/// numbers to watch.
#[derive(Debug)]
pub struct StepReport<'f> {
    /// The step's events; read them with [`FrameEvents::collisions`] and
    /// [`FrameEvents::contact_forces`].
    pub events: FrameEvents<'f>,
    /// Collision events that started a contact or intersection.
    pub collisions_started: usize,
    /// Collision events that ended one.
    pub collisions_stopped: usize,
    /// Contact-force events kept.
    pub contact_forces: usize,
    /// Events of both kinds that found the sink full (already reported, see
    /// [`FrameEvents::report_overflow`]).
    pub dropped: usize,
    /// Frame memory the step took on this thread, in bytes (the event slots, padding
    /// included).
    pub frame_bytes: u64,
    /// The largest per-step event demand (collisions or contact forces, kept plus
    /// dropped) seen so far by the [`EventCapacity`] that sized this step.
    pub peak_events: usize,
}

/// Run one physics step of `world` with its events collected into `frame`'s memory,
/// accounted to the `"physics"` tag.
///
/// The event slots are sized by `capacity`, which then learns from this step
/// ([`EventCapacity::observe`]); an overflow is reported (log and budget callback) before
/// this returns. Uses no physics hooks: for hooks, make a [`FrameEvents`] yourself and
/// call `world.step_with_events(&hooks, &events)`.
///
/// ```
/// use framealloc::SmartAlloc;
/// use framealloc::rapier::{EventCapacity, step};
/// use rapier3d::prelude::*;
///
/// let mut world = PhysicsWorld::new();
/// world.insert(RigidBodyBuilder::fixed(), ColliderBuilder::cuboid(10.0, 0.1, 10.0));
/// world.insert(
///     RigidBodyBuilder::dynamic().translation(Vector::new(0.0, 2.0, 0.0)),
///     ColliderBuilder::ball(0.5).active_events(ActiveEvents::COLLISION_EVENTS),
/// );
/// let alloc = SmartAlloc::new(Default::default());
/// let mut capacity = EventCapacity::new(8);
/// let mut started = 0;
/// for _ in 0..120 {
///     let frame = alloc.frame();
///     let report = step(&frame, &mut world, &mut capacity);
///     started += report.collisions_started;
///     assert_eq!(report.dropped, 0);
/// }
/// assert!(started >= 1, "the ball reached the ground");
/// ```
///
/// # Panics
///
/// When the system allocator refuses a chunk for the event slots.
#[track_caller]
pub fn step<'f>(
    frame: &'f Frame<'_>,
    world: &mut PhysicsWorld,
    capacity: &mut EventCapacity,
) -> StepReport<'f> {
    let arena = frame.allocator_handle().arena();
    let tag = frame.tag(PHYSICS_TAG);
    let before = arena.frame_bytes();
    let mut events = FrameEvents::adaptive(frame, capacity);
    world.step_with_events(&(), &events);
    let frame_bytes = arena.frame_bytes().saturating_sub(before);
    drop(tag);
    capacity.observe(&events);
    let dropped = events.dropped();
    let (collisions_started, collisions_stopped) =
        events
            .collisions()
            .iter()
            .fold((0, 0), |(started, stopped), e| {
                if e.started() {
                    (started + 1, stopped)
                } else {
                    (started, stopped + 1)
                }
            });
    let contact_forces = events.contact_force_count();
    // Last: the report runs user code (docs/soundness.md, "call-outs come last").
    events.report_overflow();
    StepReport {
        events,
        collisions_started,
        collisions_stopped,
        contact_forces,
        dropped,
        frame_bytes,
        peak_events: capacity
            .peak_collisions()
            .max(capacity.peak_contact_forces()),
    }
}

/// A rapier world and the [`EventCapacity`] its steps are sized by: the thin holder the
/// `rapier_physics` example uses. Everything is public; reach into `world` for rapier's
/// own API.
#[derive(Default)]
pub struct PhysicsScene {
    /// rapier's own bundle of sets, pipeline and parameters.
    pub world: PhysicsWorld,
    /// Sizes the next step's event slots.
    pub capacity: EventCapacity,
    /// Steps taken through [`step`](Self::step).
    pub steps: u64,
}

impl PhysicsScene {
    /// A scene around `world`, with event slots starting at `initial_capacity` per kind.
    pub fn new(world: PhysicsWorld, initial_capacity: usize) -> Self {
        PhysicsScene {
            world,
            capacity: EventCapacity::new(initial_capacity),
            steps: 0,
        }
    }

    /// One step (see [`step`](fn@step)).
    ///
    /// # Panics
    ///
    /// As [`step`](fn@step).
    #[track_caller]
    pub fn step<'f>(&mut self, frame: &'f Frame<'_>) -> StepReport<'f> {
        self.steps += 1;
        step(frame, &mut self.world, &mut self.capacity)
    }
}
