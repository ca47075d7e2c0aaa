//! Seeing memory: the frame-end observer ([`SmartAlloc::on_frame_end`]) and what it is
//! told ([`FrameSummary`]).
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

/// The observer as stored (`Arc`: cloned out of its lock for each call, so it may
/// replace itself while it runs).
pub(crate) type Observer = Arc<dyn Fn(&FrameSummary<'_>) + Send + Sync>;

/// One tag's frame bytes in the frame a [`FrameSummary`] describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagFrameBytes {
    /// The tag (`"untagged"` for allocations outside any tag scope).
    pub tag: &'static str,
    /// Frame bytes allocated under the tag since the arena's last reset: normally this
    /// frame; when an earlier frame's reset was deferred (a handle outlived it), that
    /// frame's bytes too. Bytes given back in place (a vector's last block shrunk)
    /// still count.
    pub bytes: u64,
    /// The tag's budget, if it has one. A tag budget caps the tag's frame bytes plus
    /// its live pool and heap bytes on the thread (see [`crate::BudgetScope::Tag`]).
    pub budget: Option<u64>,
}

/// What [`SmartAlloc::on_frame_end`]'s observer is told about a frame that closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FrameSummary<'a> {
    /// The thread, as framealloc numbers them: unique in the process, never reused,
    /// never 0. Stable for a thread's life (its name is `std::thread::current().name()`,
    /// which the observer may ask for).
    pub thread: u64,
    /// The frame's number on this thread ([`SmartAlloc::frame_number`] inside it): 1
    /// for the first frame.
    pub frame: u64,
    /// Bytes of the arena in use when the frame closed: alignment padding and the
    /// unused tails of full chunks included (what a thread frame budget measures).
    pub bytes: u64,
    /// Bytes of chunk memory the arena held when the frame closed (its capacity).
    pub chunk_bytes: u64,
    /// Whether the arena's reset was deferred because explicit handles (`FrameBox`,
    /// `FrameVec`, ...) outlived the frame; the last one to drop resets it.
    pub deferred: bool,
    /// This thread's frame budget (`set_thread_frame_budget`), if any.
    pub thread_budget: Option<u64>,
    /// Frame bytes per tag, in tag-id order (the order tags were first used in the
    /// process), only tags with bytes since the last reset.
    pub tags: &'a [TagFrameBytes],
}

impl FrameSummary<'_> {
    /// The sum of the per-tag bytes.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let log = seen.clone();
    /// alloc.on_frame_end(move |s| log.lock().unwrap().push((s.frame, s.tagged_bytes())));
    /// {
    ///     let frame = alloc.frame();
    ///     frame.alloc([0u64; 8]);
    /// }
    /// assert_eq!(*seen.lock().unwrap(), [(1, 64)]);
    /// ```
    #[must_use]
    pub fn tagged_bytes(&self) -> u64 {
        self.tags.iter().map(|t| t.bytes).sum()
    }

    /// The bytes of `tag` in this frame (0 if it has none).
    #[must_use]
    pub fn tag_bytes(&self, tag: &str) -> u64 {
        self.tags
            .iter()
            .find(|t| t.tag == tag)
            .map_or(0, |t| t.bytes)
    }
}

/// A frame end's summary, owned, gathered before the arena resets and delivered after
/// (it holds no reference to the arena).
pub(crate) struct Observed {
    pub(crate) observer: Option<Observer>,
    /// Everything but the tags (`tags` empty).
    pub(crate) head: FrameSummary<'static>,
    pub(crate) tags: Vec<TagFrameBytes>,
}

impl Observed {
    /// Tell the observer (and `tracing`): user code, so the caller's state is final and
    /// nothing touches the arena afterwards.
    pub(crate) fn deliver(self) {
        let Observed {
            observer,
            head,
            tags,
        } = self;
        let summary = FrameSummary {
            tags: &tags,
            ..head
        };
        #[cfg(feature = "tracing")]
        crate::callout::run(|| {
            tracing::debug!(
                target: "framealloc::frame",
                frame = summary.frame,
                bytes = summary.bytes,
                chunks = summary.chunk_bytes,
                deferred = summary.deferred,
                thread = summary.thread,
                "frame end"
            );
        });
        if let Some(observer) = observer {
            crate::callout::run(|| observer(&summary));
            // The observer's last clone may go here (it replaced itself): its captures
            // drop outside the call-out, like a replaced budget callback's.
        }
        put_buffer(tags);
    }
}

thread_local! {
    /// The per-tag list's buffer, reused from frame to frame so an observed frame end
    /// does not allocate in a steady state. Taken while in use: a frame end inside the
    /// observer finds it empty and makes its own.
    static TAGS: core::cell::Cell<Vec<TagFrameBytes>> = const { core::cell::Cell::new(Vec::new()) };
}

/// The reusable per-tag buffer, empty (a fresh one during thread teardown).
pub(crate) fn take_buffer() -> Vec<TagFrameBytes> {
    TAGS.try_with(core::cell::Cell::take).unwrap_or_default()
}

/// Give the buffer back for the next frame end.
fn put_buffer(mut tags: Vec<TagFrameBytes>) {
    tags.clear();
    let _ = TAGS.try_with(|cell| {
        // Keep the larger buffer; the other drops outside the cell.
        let other = cell.replace(Vec::new());
        cell.set(if other.capacity() > tags.capacity() {
            other
        } else {
            core::mem::take(&mut tags)
        });
    });
}

impl SmartAlloc {
    /// Call `f` with a [`FrameSummary`] each time the outermost frame of a thread closes
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
        ArenaSet::current_if_exists(
            self.arena_set(),
            crate::frame::arena::ThreadArena::refresh_armed_slow,
        );
    }
}
