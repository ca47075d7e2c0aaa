//! `TagGuard`: a tag scope on the calling thread.
//!
//! Above `tag` (the interned names and the thread's current tag) and `frame`: pushing or
//! popping a tag is a checkpoint of the thread's frame accounting (the growth so far
//! belongs to the previous tag), so the guard tells the frame registry.

use core::marker::PhantomData;

use crate::tag::{self, StaticTag, TagId};

/// An active tag scope: allocations on this thread are accounted to the tag until the
/// guard drops (on every exit path, unwinding included), which restores the previous tag.
///
/// Made by [`SmartAlloc::tag`](crate::SmartAlloc::tag); `with_tag` and `#[alloc_tag]`
/// use it. `!Send`: the tag belongs to the thread that pushed it.
///
/// Dropping a guard restores the tag that was current when it was made and ends every
/// tag scope opened inside it: if guards are dropped out of order, the inner guards
/// dropped later change nothing (the thread is back at the outer guard's previous tag,
/// not at a tag whose guard is gone).
#[must_use = "the tag is popped as soon as the guard drops"]
pub struct TagGuard {
    previous: TagId,
    tag: TagId,
    /// Guards alive on this thread when this one was made, itself included.
    depth: u64,
    _thread: PhantomData<*const ()>,
}

impl TagGuard {
    pub(crate) fn push(tag: TagId) -> TagGuard {
        if cfg!(feature = "minimal") {
            // Tag recording is compiled out: the guard only marks the scope.
            return TagGuard {
                previous: 0,
                tag: 0,
                depth: 0,
                _thread: PhantomData,
            };
        }
        let depth = tag::enter_scope();
        let previous = tag::set_current(tag);
        // Frame growth so far belongs to the previous tag; from here on, to `tag`.
        crate::frame::tag_changed_on_current_thread();
        TagGuard {
            previous,
            tag,
            depth,
            _thread: PhantomData,
        }
    }

    /// The tag this guard pushed.
    pub fn name(&self) -> &'static str {
        tag::name_of(self.tag)
    }
}

impl Drop for TagGuard {
    fn drop(&mut self) {
        if cfg!(feature = "minimal") {
            return;
        }
        // False if an outer guard was dropped first and ended this scope already.
        if !tag::leave_scope(self.depth) {
            return;
        }
        tag::set_current(self.previous);
        // Frame growth since the push belongs to this guard's tag.
        crate::frame::tag_changed_on_current_thread();
    }
}

impl core::fmt::Debug for TagGuard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TagGuard")
            .field("tag", &self.name())
            .finish()
    }
}

impl StaticTag {
    /// Push this tag for the calling thread (what `#[alloc_tag]` expands to).
    pub fn push(&self) -> TagGuard {
        if cfg!(feature = "minimal") {
            return TagGuard::push(0);
        }
        TagGuard::push(self.id())
    }
}
