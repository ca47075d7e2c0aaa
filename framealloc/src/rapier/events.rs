//! `FrameEvents`: rapier's event handler with its slots in frame memory.
//!
//! # Why this is sound under rapier's `parallel` feature
//!
//! `rapier3d::pipeline::EventHandler` requires `Sync` (rapier may call it from its worker
//! threads), so the sink holds only what those threads may touch: two slot arrays in frame
//! memory, their atomic lengths and the dropped/tear counters. It never holds the arena
//! (a `Frame` is `!Sync`): the slots were carved out of it once, in [`FrameEvents::new`],
//! and the `'f` borrow of the guard keeps the frame open until the sink is gone.
//!
//! A writer (a `&self` handler call) claims an index with one `fetch_add`; every index
//! below the capacity is handed to exactly one writer, which writes its slot and nothing
//! else. Past the capacity the writer gives its claim back and counts the event as
//! dropped, so the length never falls below the capacity once it reached it and never
//! wraps. Readers go through `&mut self`: holding it proves every `&self` call has
//! returned (rapier's step joins its workers before it returns the borrow), so the first
//! `min(len, capacity)` slots are written and nothing writes them while the slice lives.

use core::cell::UnsafeCell;
use core::fmt;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rapier3d::dynamics::{RigidBodySet, SoftBodySet, SoftBodyTearEvent};
use rapier3d::geometry::{ColliderSet, CollisionEvent, ContactForceEvent, ContactPair};
use rapier3d::math::Real;
use rapier3d::pipeline::EventHandler;

use crate::budget::{BudgetEvent, BudgetScope, Budgets};
use crate::{Error, Frame, Kind};

/// One event slot: written once by the writer that claimed its index, read only through
/// `&mut` of the sink. `repr(transparent)`, so a run of initialised slots is a `[T]`.
#[repr(transparent)]
struct Slot<T>(UnsafeCell<MaybeUninit<T>>);

// SAFETY: a slot is written only by the one writer that claimed its index (a unique
// `fetch_add` result below the capacity), and read only through `&mut` of the owning
// `Sink`, which no writer can hold; so shared access from several threads never races.
// `T: Send` because the value written on a worker thread is read on the owner's.
unsafe impl<T: Send> Sync for Slot<T> {}

/// A fixed-capacity, lock-free append-only buffer of `T` in frame memory.
struct Sink<'f, T> {
    /// Frame memory, `capacity` slots; only this sink reaches it.
    slots: &'f mut [Slot<T>],
    /// Indices claimed so far. Invariant: between calls it is `<= slots.len()`; during a
    /// push it may pass the capacity by the number of concurrent writers, never fall
    /// below the capacity once it reached it, and every index below
    /// `min(len, capacity)` belongs to exactly one writer.
    len: AtomicUsize,
    /// Events that found the sink full.
    dropped: AtomicUsize,
}

impl<'f, T: Copy + Send> Sink<'f, T> {
    /// `capacity` empty slots in `frame`'s memory (`strict`: a `try_` call).
    #[track_caller]
    fn new(frame: &'f Frame<'_>, capacity: usize, strict: bool) -> Result<Self, Error> {
        let empty = |_| Slot(UnsafeCell::new(MaybeUninit::uninit()));
        let slots = if strict {
            frame.try_alloc_slice_fill_with(capacity, empty)?
        } else {
            frame.alloc_slice_fill_with(capacity, empty)
        };
        Ok(Sink {
            slots,
            len: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
        })
    }

    /// Append `value`, or count it as dropped when the sink is full. Any thread.
    #[inline]
    fn push(&self, value: T) {
        // Relaxed: the index only has to be unique; the slot contents are published to
        // the reader by whatever hands it `&mut` (the join at the end of rapier's step).
        let i = self.len.fetch_add(1, Ordering::Relaxed);
        if let Some(slot) = self.slots.get(i) {
            // SAFETY: `i < capacity` came from a `fetch_add` and the length never falls
            // below the capacity again once it reached it, so no other writer got `i`;
            // readers need `&mut self`, which no writer holds while we are in `&self`.
            unsafe { slot.0.get().write(MaybeUninit::new(value)) };
        } else {
            // Give the claim back (the length returns to `>= capacity`, so no index
            // below it is ever handed out twice) and count the event.
            self.len.fetch_sub(1, Ordering::Relaxed);
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Events kept (a snapshot while writers run; exact between steps).
    fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed).min(self.slots.len())
    }

    fn dropped(&self) -> usize {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Events kept plus dropped: what a sink of unlimited capacity would have held.
    fn demand(&self) -> usize {
        self.len().saturating_add(self.dropped())
    }

    fn as_slice(&mut self) -> &[T] {
        let len = (*self.len.get_mut()).min(self.slots.len());
        // SAFETY: `&mut self` proves no `push` is running or can start while the slice
        // lives, and that every push has returned (the caller got `&mut` back from
        // whatever shared the sink, which synchronises with the writers); by the `len`
        // invariant each of the first `len` slots was written by its writer. `Slot<T>`
        // is `repr(transparent)` over `UnsafeCell<MaybeUninit<T>>`, both transparent
        // over `T`, so the slots are laid out as a `[T]`.
        unsafe { core::slice::from_raw_parts(self.slots.as_ptr().cast::<T>(), len) }
    }

    fn clear(&mut self) {
        *self.len.get_mut() = 0;
        *self.dropped.get_mut() = 0;
    }
}

/// Rapier events of one physics step, collected into frame memory.
///
/// Pass `&events` to `PhysicsPipeline::step` (or `PhysicsWorld::step_with_events`) as the
/// event handler; afterwards read [`collisions`](Self::collisions) and
/// [`contact_forces`](Self::contact_forces). The slots are allocated once, up front, in
/// the frame the sink borrows, so collecting an event is one atomic increment and a copy
/// — no channel, no system allocation — and the whole buffer goes away with the frame.
///
/// The capacity is fixed when the sink is made. Events past it are **counted, never
/// silently lost**: [`dropped`](Self::dropped) says how many, and the overflow is
/// reported once (a `log` warning and a [`BudgetEvent`] with
/// [`BudgetScope::EventSink`] to the allocator's
/// [`on_budget_event`](crate::SmartAlloc::on_budget_event) callback) when
/// [`report_overflow`](Self::report_overflow) is called or the sink drops. Use
/// [`EventCapacity`] to size the next step from this one.
///
/// Soft-body tear events own vectors, so they are not copied into frame memory: the sink
/// counts them ([`soft_body_tears`](Self::soft_body_tears)); collect them with rapier's
/// `ChannelEventCollector` if you need their contents.
///
/// ```
/// use framealloc::SmartAlloc;
/// use framealloc::rapier::FrameEvents;
/// use rapier3d::prelude::*;
///
/// let mut world = PhysicsWorld::new();
/// world.insert(RigidBodyBuilder::fixed(), ColliderBuilder::cuboid(10.0, 0.1, 10.0));
/// world.insert(
///     RigidBodyBuilder::dynamic().translation(Vector::new(0.0, 0.6, 0.0)),
///     ColliderBuilder::ball(0.5).active_events(ActiveEvents::COLLISION_EVENTS),
/// );
///
/// let alloc = SmartAlloc::new(Default::default());
/// let mut started = 0;
/// for _ in 0..30 {
///     let frame = alloc.frame();
///     let mut events = FrameEvents::new(&frame, 64);
///     world.step_with_events(&(), &events);
///     started += events.collisions().iter().filter(|e| e.started()).count();
///     assert_eq!(events.dropped(), 0);
/// }
/// assert!(started >= 1, "the ball landed");
/// ```
pub struct FrameEvents<'f> {
    collisions: Sink<'f, CollisionEvent>,
    contact_forces: Sink<'f, ContactForceEvent>,
    soft_body_tears: AtomicUsize,
    overflow: Overflow,
}

/// What an overflow report needs: no arena, only `Send + Sync` data.
struct Overflow {
    /// The allocator's budgets (callback and policy), kept alive for the report.
    budgets: Arc<Budgets>,
    /// The tag current when the sink was made.
    tag: &'static str,
    /// The thread's frame number when the sink was made.
    frame: u64,
    /// Whether the overflow seen so far was reported.
    reported_dropped: usize,
}

impl<'f> FrameEvents<'f> {
    /// A sink with room for `capacity` collision events and `capacity` contact-force
    /// events, in `frame`'s memory.
    ///
    /// # Panics
    ///
    /// On capacity overflow or when the system allocator refuses a chunk (as
    /// [`Frame::alloc_slice_fill_with`]).
    #[track_caller]
    pub fn new(frame: &'f Frame<'_>, capacity: usize) -> Self {
        Self::with_capacities(frame, capacity, capacity)
    }

    /// A sink with separate capacities for collision and contact-force events.
    ///
    /// # Panics
    ///
    /// As [`new`](Self::new).
    #[track_caller]
    pub fn with_capacities(frame: &'f Frame<'_>, collisions: usize, contact_forces: usize) -> Self {
        Self::make(frame, collisions, contact_forces, false).unwrap_or_else(|e| crate::fail(&e))
    }

    /// Fallible [`with_capacities`](Self::with_capacities).
    ///
    /// # Errors
    ///
    /// [`Error::CapacityOverflow`] when a capacity's slots do not fit in memory,
    /// [`Error::OutOfMemory`], or [`Error::BudgetExceeded`] under
    /// `BudgetPolicy::Enforce`.
    ///
    /// ```
    /// use framealloc::{Error, SmartAlloc};
    /// use framealloc::rapier::FrameEvents;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let huge = FrameEvents::try_with_capacities(&frame, usize::MAX / 2, 0);
    /// assert!(matches!(huge, Err(Error::CapacityOverflow)));
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_with_capacities(
        frame: &'f Frame<'_>,
        collisions: usize,
        contact_forces: usize,
    ) -> Result<Self, Error> {
        Self::make(frame, collisions, contact_forces, true)
    }

    #[track_caller]
    fn make(
        frame: &'f Frame<'_>,
        collisions: usize,
        contact_forces: usize,
        strict: bool,
    ) -> Result<Self, Error> {
        Ok(FrameEvents {
            collisions: Sink::new(frame, collisions, strict)?,
            contact_forces: Sink::new(frame, contact_forces, strict)?,
            soft_body_tears: AtomicUsize::new(0),
            overflow: Overflow {
                budgets: frame.allocator_handle().budgets().clone(),
                tag: frame.current_tag(),
                frame: frame.frame_number(),
                reported_dropped: 0,
            },
        })
    }

    /// A sink sized by `capacity` (see [`EventCapacity`]); after the step, pass the sink
    /// to [`EventCapacity::observe`] so the next step is sized from this one.
    ///
    /// # Panics
    ///
    /// As [`new`](Self::new).
    #[track_caller]
    pub fn adaptive(frame: &'f Frame<'_>, capacity: &EventCapacity) -> Self {
        Self::with_capacities(frame, capacity.collisions, capacity.contact_forces)
    }

    /// The collision (and sensor-intersection) events, in the order rapier raised them
    /// (with rapier's `parallel` feature, the order its workers reached the sink).
    pub fn collisions(&mut self) -> &[CollisionEvent] {
        self.collisions.as_slice()
    }

    /// The contact-force events.
    pub fn contact_forces(&mut self) -> &[ContactForceEvent] {
        self.contact_forces.as_slice()
    }

    /// Collision events kept so far.
    pub fn collision_count(&self) -> usize {
        self.collisions.len()
    }

    /// Contact-force events kept so far.
    pub fn contact_force_count(&self) -> usize {
        self.contact_forces.len()
    }

    /// Events of both kinds that found the sink full.
    pub fn dropped(&self) -> usize {
        self.dropped_collisions() + self.dropped_contact_forces()
    }

    /// Collision events that found their slots full.
    pub fn dropped_collisions(&self) -> usize {
        self.collisions.dropped()
    }

    /// Contact-force events that found their slots full.
    pub fn dropped_contact_forces(&self) -> usize {
        self.contact_forces.dropped()
    }

    /// Soft-body tear events seen (counted only: they own vectors, see the type docs).
    pub fn soft_body_tears(&self) -> usize {
        self.soft_body_tears.load(Ordering::Relaxed)
    }

    /// Room for collision events.
    pub fn collision_capacity(&self) -> usize {
        self.collisions.capacity()
    }

    /// Room for contact-force events.
    pub fn contact_force_capacity(&self) -> usize {
        self.contact_forces.capacity()
    }

    /// Forget the events collected so far (and the dropped counts, after reporting an
    /// overflow), so the same slots serve another step in the same frame.
    pub fn clear(&mut self) {
        self.report_overflow();
        self.collisions.clear();
        self.contact_forces.clear();
        *self.soft_body_tears.get_mut() = 0;
        self.overflow.reported_dropped = 0;
    }

    /// Report events dropped since the last report, now: one `log` warning and one
    /// [`BudgetEvent`] ([`BudgetScope::EventSink`]: `limit` is the capacity in events,
    /// `used` the events kept, `requested` the events dropped) to the allocator's budget
    /// callback. Returns whether there was anything to report. Also runs when the sink
    /// drops, so an overflow is never silent; call it to hear of it sooner.
    ///
    /// The callback is user code and may call framealloc back; this sink's state is final
    /// before it runs (docs/soundness.md, "call-outs come last").
    pub fn report_overflow(&mut self) -> bool {
        let dropped = self.dropped();
        if dropped <= self.overflow.reported_dropped {
            return false;
        }
        let requested = dropped - self.overflow.reported_dropped;
        self.overflow.reported_dropped = dropped;
        let event = BudgetEvent {
            tag: self.overflow.tag,
            kind: Kind::Frame,
            scope: BudgetScope::EventSink,
            limit: (self.collisions.capacity() + self.contact_forces.capacity()) as u64,
            used: (self.collisions.len() + self.contact_forces.len()) as u64,
            requested: requested as u64,
            frame: self.overflow.frame,
            refused: true,
        };
        self.overflow.budgets.report(&event);
        true
    }
}

impl Drop for FrameEvents<'_> {
    fn drop(&mut self) {
        self.report_overflow();
    }
}

impl fmt::Debug for FrameEvents<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameEvents")
            .field("collisions", &self.collision_count())
            .field("collision_capacity", &self.collision_capacity())
            .field("contact_forces", &self.contact_force_count())
            .field("contact_force_capacity", &self.contact_force_capacity())
            .field("dropped", &self.dropped())
            .field("soft_body_tears", &self.soft_body_tears())
            .finish()
    }
}

impl EventHandler for FrameEvents<'_> {
    fn handle_collision_event(
        &self,
        _bodies: &RigidBodySet,
        _colliders: &ColliderSet,
        event: CollisionEvent,
        _contact_pair: Option<&ContactPair>,
    ) {
        self.collisions.push(event);
    }

    fn handle_contact_force_event(
        &self,
        dt: Real,
        _bodies: &RigidBodySet,
        _colliders: &ColliderSet,
        contact_pair: &ContactPair,
        total_force_magnitude: Real,
    ) {
        // The same event rapier's `ChannelEventCollector` builds.
        self.contact_forces
            .push(ContactForceEvent::from_contact_pair(
                dt,
                contact_pair,
                total_force_magnitude,
            ));
    }

    fn handle_soft_body_tear_event(&self, _soft_bodies: &SoftBodySet, _event: &SoftBodyTearEvent) {
        self.soft_body_tears.fetch_add(1, Ordering::Relaxed);
    }
}

/// Capacities for the next step's [`FrameEvents`], sized from the steps before.
///
/// Start it with a guess ([`new`](Self::new)); after each step,
/// [`observe`](Self::observe) the sink. The next capacity of each stream is the last
/// step's demand (events kept plus dropped) plus half again as headroom, but at least
/// seven eighths of the current capacity and never below the starting value: a step that
/// overflowed is followed by one with room for the same load at once, while quiet steps
/// shrink the slots back gradually, so a burst of contacts a few steps after a peak (bodies
/// landing in waves) still finds room.
///
/// ```
/// use framealloc::rapier::EventCapacity;
///
/// let mut capacity = EventCapacity::new(16);
/// assert_eq!((capacity.collisions(), capacity.contact_forces()), (16, 16));
/// capacity.observe_demand(100, 4);
/// assert_eq!((capacity.collisions(), capacity.contact_forces()), (150, 16));
/// capacity.observe_demand(0, 0);
/// assert_eq!(capacity.collisions(), 132); // shrinks by an eighth per quiet step
/// for _ in 0..30 {
///     capacity.observe_demand(0, 0);
/// }
/// assert_eq!(capacity.collisions(), 16);
/// assert_eq!(capacity.peak_collisions(), 100);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventCapacity {
    floor: usize,
    collisions: usize,
    contact_forces: usize,
    peak_collisions: usize,
    peak_contact_forces: usize,
}

impl EventCapacity {
    /// Start both streams at `initial` slots, which is also the smallest capacity the
    /// adaptation goes down to.
    pub const fn new(initial: usize) -> Self {
        EventCapacity {
            floor: initial,
            collisions: initial,
            contact_forces: initial,
            peak_collisions: 0,
            peak_contact_forces: 0,
        }
    }

    /// Slots for collision events in the next step.
    pub const fn collisions(&self) -> usize {
        self.collisions
    }

    /// Slots for contact-force events in the next step.
    pub const fn contact_forces(&self) -> usize {
        self.contact_forces
    }

    /// The largest collision-event demand of one step seen so far.
    pub const fn peak_collisions(&self) -> usize {
        self.peak_collisions
    }

    /// The largest contact-force-event demand of one step seen so far.
    pub const fn peak_contact_forces(&self) -> usize {
        self.peak_contact_forces
    }

    /// Size the next step from the demand `events` saw (kept plus dropped).
    pub fn observe(&mut self, events: &FrameEvents<'_>) {
        self.observe_demand(events.collisions.demand(), events.contact_forces.demand());
    }

    /// Size the next step from a step's demand, in events of each kind.
    pub fn observe_demand(&mut self, collisions: usize, contact_forces: usize) {
        let floor = self.floor;
        let next = |current: usize, demand: usize| {
            demand
                .saturating_add(demand / 2)
                .max(current - current / 8)
                .max(floor)
        };
        self.collisions = next(self.collisions, collisions);
        self.contact_forces = next(self.contact_forces, contact_forces);
        self.peak_collisions = self.peak_collisions.max(collisions);
        self.peak_contact_forces = self.peak_contact_forces.max(contact_forces);
    }
}

impl Default for EventCapacity {
    /// 256 slots per stream to start.
    fn default() -> Self {
        EventCapacity::new(256)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapier3d::geometry::{ColliderHandle, CollisionEventFlags};

    #[test]
    fn concurrent_writers_fill_every_slot_once_and_count_the_rest() {
        const THREADS: u32 = 4;
        const EACH: u32 = 200;
        let alloc = crate::SmartAlloc::new(Default::default());
        let frame = alloc.frame();
        let mut events = FrameEvents::with_capacities(&frame, 500, 3);
        let (bodies, colliders) = (RigidBodySet::new(), ColliderSet::new());
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let (events, bodies, colliders) = (&events, &bodies, &colliders);
                s.spawn(move || {
                    for i in 0..EACH {
                        let h = ColliderHandle::from_raw_parts(t, i);
                        let e = CollisionEvent::Started(h, h, CollisionEventFlags::empty());
                        events.handle_collision_event(bodies, colliders, e, None);
                    }
                });
            }
        });
        assert_eq!(events.collision_count(), 500);
        assert_eq!(events.dropped_collisions(), (THREADS * EACH) as usize - 500);
        let mut seen: Vec<_> = events
            .collisions()
            .iter()
            .map(|e| e.collider1().into_raw_parts())
            .collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 500, "no slot written twice, none lost");
        // Each thread's kept events are its first ones, in its own order.
        for t in 0..THREADS {
            let mine: Vec<u32> = events
                .collisions()
                .iter()
                .map(|e| e.collider1().into_raw_parts())
                .filter(|p| p.0 == t)
                .map(|p| p.1)
                .collect();
            assert!(mine.iter().copied().eq(0..mine.len() as u32), "thread {t}");
        }
        // The overflow is reported once; clearing after it leaves nothing to report.
        assert!(events.report_overflow());
        events.clear();
        assert_eq!((events.collisions().len(), events.dropped()), (0, 0));
        assert!(!events.report_overflow());
    }
}
