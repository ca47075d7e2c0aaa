//! One thread's frame arena for one allocator instance, and the counters that decide
//! when its memory may be reused.
//!
//! # The reset rule
//!
//! The arena's memory is handed out again (by [`Bump::reset`]) only when all three of
//! these hold (SPEC §4.3–§4.4):
//!
//! - no frame is open: `open == 0`, where `open` counts `Frame` guards plus one for an
//!   explicit `begin_frame` frame;
//! - no explicit handle (`FrameBox`, `FrameVec`, …) is alive: `live == 0`;
//! - we are on the arena's owner thread (all state here is `Cell`s, and every handle
//!   that can reach the arena is `!Send`).
//!
//! Guard allocations (`frame.alloc`) are counter-free: the borrow checker proves they are
//! dead before their guard drops, and the guard's own `open` count protects them.
//! Explicit handles count themselves in `live`, so an `end_frame` while they are alive
//! *defers* the reset to the last drop instead of freeing memory under them.

use core::cell::{Cell, UnsafeCell};

use bumpalo::Bump;

/// A thread's frame arena for one `SmartAlloc` instance.
///
/// Owned by the instance's [`ArenaSet`](super::registry::ArenaSet); only its owner thread
/// ever touches the `Cell`s (every reference to it lives in a `!Send` handle or in the
/// owner's thread-local cache). Other threads only free it, once nothing can use it.
pub(crate) struct ThreadArena {
    /// The bump arena.
    ///
    /// Invariant: a `&mut Bump` is created only in [`ThreadArena::reset`], which runs only
    /// when `open == 0 && live == 0`. Then no guard, no handle and no `&Bump` borrowed
    /// from this cell is alive, so nothing can observe the memory being reclaimed.
    bump: UnsafeCell<Bump>,
    /// Frames open on this arena: one per live `Frame` guard, plus one while the explicit
    /// `begin_frame` frame is open.
    open: Cell<usize>,
    /// Whether the explicit (`begin_frame`/`end_frame`) frame is open. Kept apart from the
    /// guard depth so a guard may open inside an explicit frame and vice versa.
    explicit: Cell<bool>,
    /// Explicit frame handles alive (`FrameBox`, `FrameVec`, their iterators).
    live: Cell<usize>,
    /// Outermost frames begun on this arena (the current frame's number while one is open).
    frames_begun: Cell<u64>,
    /// Outermost frames whose end found live handles, so the reset waited for them.
    deferred_resets: Cell<u64>,
    /// Resets performed (each one makes the memory reusable).
    resets: Cell<u64>,
}

impl ThreadArena {
    pub(crate) fn new(initial_capacity: usize) -> Self {
        ThreadArena {
            bump: UnsafeCell::new(Bump::with_capacity(initial_capacity)),
            open: Cell::new(0),
            explicit: Cell::new(false),
            live: Cell::new(0),
            frames_begun: Cell::new(0),
            deferred_resets: Cell::new(0),
            resets: Cell::new(0),
        }
    }

    /// The arena to bump, for as long as `self` is borrowed.
    ///
    /// Callers must hold a reason that prevents a reset while they use the returned
    /// reference (an open frame or a live handle) *or* use it only transiently.
    #[inline(always)]
    pub(crate) fn bump(&self) -> &Bump {
        // SAFETY: the only `&mut Bump` is created in `reset`, which runs only when no
        // frame is open and no handle is alive (see the field invariant). Anyone calling
        // this either is such a frame/handle, or uses the reference before returning
        // control to code that could end the last frame. `Bump`'s own mutation goes
        // through `Cell`s behind `&Bump`, and this type is only used on its owner thread.
        unsafe { &*self.bump.get() }
    }

    /// Whether a frame (guard or explicit) is open.
    #[inline(always)]
    pub(crate) fn in_frame(&self) -> bool {
        self.open.get() != 0
    }

    /// Whether the explicit `begin_frame` frame is open.
    #[inline]
    pub(crate) fn in_explicit_frame(&self) -> bool {
        self.explicit.get()
    }

    /// Number of the current frame (or of the last one, between frames); 0 before the
    /// first frame.
    pub(crate) fn frame_number(&self) -> u64 {
        self.frames_begun.get()
    }

    pub(crate) fn deferred_resets(&self) -> u64 {
        self.deferred_resets.get()
    }

    pub(crate) fn resets(&self) -> u64 {
        self.resets.get()
    }

    pub(crate) fn live_handles(&self) -> usize {
        self.live.get()
    }

    /// Open a frame (a guard, or the explicit frame). Frames nest.
    #[inline]
    pub(crate) fn open_frame(&self) {
        let open = self.open.get();
        if open == 0 {
            self.frames_begun.set(self.frames_begun.get().wrapping_add(1));
        }
        // Checked: `mem::forget(alloc.frame())` in a loop must not wrap the count back to
        // zero and allow a reset under a live guard allocation.
        self.open.set(open.checked_add(1).unwrap_or_else(|| counter_overflow()));
    }

    /// Close a frame opened by [`open_frame`](Self::open_frame).
    #[inline]
    pub(crate) fn close_frame(&self) {
        let open = self.open.get();
        debug_assert!(open > 0, "close_frame with no frame open");
        let open = open - 1;
        self.open.set(open);
        if open == 0 {
            self.outermost_frame_ended();
        }
    }

    /// Open the explicit frame. Returns `false` (and changes nothing) if it is open.
    pub(crate) fn begin_explicit(&self) -> bool {
        if self.explicit.get() {
            return false;
        }
        self.open_frame();
        self.explicit.set(true);
        true
    }

    /// Close the explicit frame. Returns `false` (and changes nothing) if it is not open.
    pub(crate) fn end_explicit(&self) -> bool {
        if !self.explicit.get() {
            return false;
        }
        self.explicit.set(false);
        self.close_frame();
        true
    }

    /// Register a new explicit handle. Must happen *before* the handle's memory is bumped,
    /// so a re-entrant `end_frame` during the allocation defers instead of resetting.
    #[inline(always)]
    pub(crate) fn acquire(&self) -> LiveToken<'_> {
        let live = self.live.get();
        self.live.set(live.checked_add(1).unwrap_or_else(|| counter_overflow()));
        LiveToken { arena: self }
    }

    #[inline(always)]
    fn release(&self) {
        let live = self.live.get();
        debug_assert!(live > 0, "live handle count underflow");
        let live = live - 1;
        self.live.set(live);
        if live == 0 && self.open.get() == 0 {
            self.reset();
        }
    }

    #[cold]
    fn outermost_frame_ended(&self) {
        if self.live.get() == 0 {
            self.reset();
        } else {
            // Normal (the guide's loop drops its scratch vector after `end_frame`): the
            // last handle's drop performs the reset.
            self.deferred_resets.set(self.deferred_resets.get() + 1);
        }
    }

    /// Make the arena's memory reusable. Only called when `open == 0 && live == 0`.
    #[cold]
    #[inline(never)]
    fn reset(&self) {
        debug_assert_eq!(self.open.get(), 0);
        debug_assert_eq!(self.live.get(), 0);
        // SAFETY: `open == 0 && live == 0` (checked by both callers): no guard and no
        // handle exists, so no `&Bump` from `bump()` is in use and no allocation from this
        // arena is reachable. We are on the owner thread (the type is `!Sync` and only
        // reached through `!Send` handles or the owner's cache). This `&mut` is the only
        // reference for its short life.
        let bump = unsafe { &mut *self.bump.get() };
        bump.reset();
        self.resets.set(self.resets.get() + 1);
    }

    /// Whether the arena may be freed: no frame open and no handle alive.
    pub(crate) fn is_idle(&self) -> bool {
        self.open.get() == 0 && self.live.get() == 0
    }

    /// Total bytes of chunk memory the arena holds (capacity, not use).
    pub(crate) fn capacity_bytes(&self) -> usize {
        self.bump().allocated_bytes()
    }
}

/// Proof that one explicit handle is alive on an arena. Dropping it releases the handle
/// and, if it was the last and no frame is open, resets the arena.
///
/// Handle types hold this as their *last* field, so their contents (and destructors) are
/// gone before the count drops.
pub(crate) struct LiveToken<'a> {
    arena: &'a ThreadArena,
}

impl<'a> LiveToken<'a> {
    /// The arena this token keeps alive.
    #[inline(always)]
    pub(crate) fn arena(&self) -> &'a ThreadArena {
        self.arena
    }
}

impl Drop for LiveToken<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        self.arena.release();
    }
}

#[cold]
#[inline(never)]
fn counter_overflow() -> ! {
    // A usize count of frames or handles cannot overflow without ~2^64 leaked guards or
    // handles; if it ever does, wrapping would be unsound, so stop the process.
    std::process::abort()
}
