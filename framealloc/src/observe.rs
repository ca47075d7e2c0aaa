//! Seeing memory: the frame-end observer ([`SmartAlloc::on_frame_end`]) and what it is
//! told ([`FrameSummary`](crate::FrameSummary)).
//!
//! The observer runs when the outermost frame of a thread closes (the last `Frame` guard
//! drops, or `end_frame` closes the explicit frame with no guard open), after the
//! frame's state is final: its bytes are credited to their tags and the arena is reset
//! (or the reset is deferred to a live handle). It is user code and follows the
//! call-out rules of docs/soundness.md: it may allocate, open and end frames, replace
//! itself; frame ends and budget events raised on the thread while it runs are not
//! reported (no recursion).
//!
//! Without an observer (and without the `tracing` feature) a frame end pays one test of
//! a flag it already tests for budgets.

use std::sync::Arc;

use crate::SmartAlloc;
use crate::frame::registry::ArenaSet;
use crate::summary::FrameSummary;

impl SmartAlloc {
    /// Call `f` with a [`FrameSummary`](crate::FrameSummary) each time the outermost frame of a thread closes
    /// (a `Frame` guard or the explicit frame; nested frames report once, when the last
    /// one closes). Replaces the previous observer. Takes effect on the calling thread
    /// at once, on other threads from their next frame.
    ///
    /// `f` runs on the thread whose frame closed, after the frame is final: its bytes are
    /// credited to their tags and the arena is reset (or the reset deferred). It is your
    /// code running inside framealloc and may call it back — allocate, open and end
    /// frames, keep handles, replace itself; frames that close while `f` runs on the
    /// same thread are not reported (no recursion), nor are budget events they raise.
    /// Budget events go to [`on_budget_event`](Self::on_budget_event), before `f`. If
    /// `f` panics, the panic reaches the code that closed the frame with the frame
    /// closed. Keep it quick: it runs at every frame end. A closure that keeps a clone
    /// of this allocator keeps the allocator alive (a cycle) until replaced.
    ///
    /// Without an observer a frame end costs what it did; with one it gathers the
    /// per-tag bytes (no allocation in a steady state). Compiled out under the
    /// `minimal` feature (which has no per-tag stats).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let frames = Arc::new(Mutex::new(Vec::new()));
    /// let log = frames.clone();
    /// alloc.on_frame_end(move |s| {
    ///     log.lock().unwrap().push((s.frame, s.tag_bytes("ai"), s.deferred));
    /// });
    /// for _ in 0..2 {
    ///     alloc.begin_frame();
    ///     let ai = alloc.tag("ai");
    ///     let path = alloc.frame_box([0u32; 16]);
    ///     drop(ai);
    ///     alloc.end_frame(); // `path` is alive: the reset waits for it
    ///     drop(path);
    /// }
    /// assert_eq!(*frames.lock().unwrap(), [(1, 64, true), (2, 64, true)]);
    /// ```
    pub fn on_frame_end(&self, f: impl Fn(&FrameSummary<'_>) + Send + Sync + 'static) {
        self.budgets().set_observer(Arc::new(f));
        self.arena_set().mirror_callouts();
        ArenaSet::current_if_exists(
            self.arena_set(),
            crate::frame::arena::ThreadArena::refresh_armed_slow,
        );
    }
}
