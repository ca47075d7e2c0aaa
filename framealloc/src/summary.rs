//! What the frame-end observer is told ([`FrameSummary`]) and its delivery: a low layer
//! (callout only), so the arena and the budget table can carry summaries and the
//! observer without depending on the allocator above them. The hook itself,
//! `SmartAlloc::on_frame_end`, is in `observe`.

use std::sync::Arc;

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

/// What [`SmartAlloc::on_frame_end`](crate::SmartAlloc::on_frame_end)'s observer is told about a frame that closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FrameSummary<'a> {
    /// The thread, as framealloc numbers them: unique in the process, never reused,
    /// never 0. Stable for a thread's life (its name is `std::thread::current().name()`,
    /// which the observer may ask for).
    pub thread: u64,
    /// The frame's number on this thread (`SmartAlloc::frame_number` inside it): 1
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
