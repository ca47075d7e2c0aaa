//! [`TagFuture`]: a tag that follows a future across `.await`.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::SmartAlloc;
use crate::tag::{self, TagId};
use crate::tag_scope::TagGuard;

/// A future whose polls run with a tag pushed, from [`SmartAlloc::tag_future`].
///
/// Tags are per thread, and an async task may be polled on a different thread each time;
/// this wrapper pushes its tag at the start of every `poll` and pops it at the end, so
/// everything the wrapped future allocates *while it runs* is accounted to the tag, and
/// nothing allocated by other tasks between its polls is. Runtime-agnostic; `Send` when
/// the wrapped future is (it holds only the future and a tag id).
pub struct TagFuture<F> {
    tag: TagId,
    future: F,
}

impl<F> TagFuture<F> {
    /// Wrap `future` with an interned tag.
    pub(crate) fn new(tag: TagId, future: F) -> TagFuture<F> {
        TagFuture { tag, future }
    }

    /// The tag its polls run under.
    pub fn tag(&self) -> &'static str {
        tag::name_of(self.tag)
    }

    /// The wrapped future.
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for TagFuture<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // Popped when `_tag` drops: at the end of this poll, on return and on unwinding.
        let _tag = TagGuard::push(self.tag);
        // SAFETY: structural pinning of `future`: it is never moved out of a pinned
        // `TagFuture` (no `&mut F` is handed out except this pinned one, `into_inner`
        // takes `self` by value, which needs `Self: Unpin` once pinned), `TagFuture` has
        // no `Drop` impl that could move it, and `TagFuture<F>: Unpin` only when `F: Unpin`
        // (the auto trait follows the field).
        let future = unsafe { self.map_unchecked_mut(|s| &mut s.future) };
        future.poll(cx)
    }
}

impl<F> fmt::Debug for TagFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TagFuture")
            .field("tag", &self.tag())
            .finish_non_exhaustive()
    }
}

impl SmartAlloc {
    /// Wrap `future` so that every poll of it runs with the tag `tag` pushed on the
    /// polling thread (see [`TagFuture`]). Tags are per thread, so the wrapper does not
    /// borrow the allocator.
    ///
    /// ```
    /// use std::future::Future;
    /// use std::pin::pin;
    /// use std::task::{Context, Poll, Waker};
    ///
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let a = alloc.clone();
    /// let fut = alloc.tag_future("net", async move { a.current_tag() });
    /// let mut fut = pin!(fut);
    /// let mut cx = Context::from_waker(Waker::noop());
    /// let polled = fut.as_mut().poll(&mut cx);
    /// # #[cfg(not(feature = "minimal"))]
    /// assert_eq!(polled, Poll::Ready("net"));
    /// assert_eq!(alloc.current_tag(), "untagged"); // popped after the poll
    /// ```
    pub fn tag_future<F: Future>(&self, tag: &str, future: F) -> TagFuture<F> {
        let tag = if cfg!(feature = "minimal") {
            0
        } else {
            tag::intern(tag)
        };
        TagFuture::new(tag, future)
    }
}
