//! Constructors of explicit frame handles, shared by `SmartAlloc` and `Frame`.
//!
//! Each one acquires the live token *before* bumping (SPEC §4.10: a re-entrant
//! `end_frame` during the allocation then defers instead of resetting), and lets the
//! token drop on failure so an error leaves the counts unchanged.

use core::alloc::Layout;
use core::mem::MaybeUninit;
use core::ptr::NonNull;

use allocator_api2::alloc::Allocator;

use super::arena::{ArenaRef, ThreadArena};
use super::boxed::FrameBox;
use super::vec::FrameVec;
use crate::Error;

/// The initialised prefix of a slice being filled: if filling panics part-way, its
/// elements are dropped and the room is given back (reclaimed at once when it is the
/// arena's latest allocation, as bumpalo does); forgotten once the slice is complete.
/// `A` is the arena the room came from (a frame's, or a scratch scope's `&Bump`).
pub(crate) struct Prefix<A: Allocator + Copy, T> {
    pub(crate) arena: A,
    pub(crate) first: NonNull<T>,
    pub(crate) layout: Layout,
    pub(crate) done: usize,
}

impl<A: Allocator + Copy, T> Drop for Prefix<A, T> {
    fn drop(&mut self) {
        /// Gives the room back even if an element's destructor panics.
        struct GiveBack<A: Allocator>(A, NonNull<u8>, Layout);
        impl<A: Allocator> Drop for GiveBack<A> {
            fn drop(&mut self) {
                // SAFETY: the room was allocated from this arena with this layout, and
                // nothing refers to it any more (the slice was never returned).
                unsafe { self.0.deallocate(self.1, self.2) };
            }
        }
        let _give_back = GiveBack(self.arena, self.first.cast(), self.layout);
        let prefix = NonNull::slice_from_raw_parts(self.first, self.done);
        // SAFETY: exactly the first `done` elements were initialised, and the slice is
        // abandoned (never returned) when this runs.
        unsafe { prefix.drop_in_place() };
    }
}

impl ThreadArena {
    /// Bump `layout` out of the arena for an explicit handle, checking the frame budgets
    /// first when any apply (`strict`: a `try_` call, see `alloc_layout`).
    #[inline(always)]
    fn try_bump(&self, layout: Layout, strict: bool) -> Result<NonNull<u8>, Error> {
        if self.budgets_armed() {
            self.check_frame_budgets(layout.size() as u64, strict)?;
        }
        match self.bump().try_alloc_layout(layout) {
            Ok(ptr) => Ok(ptr),
            Err(_) => self.retry_layout(layout).ok_or(Error::OutOfMemory),
        }
    }

    /// Move `value` into frame memory.
    #[inline(always)]
    #[cfg_attr(feature = "debug", track_caller)]
    pub(crate) fn try_box<T>(&self, value: T, strict: bool) -> Result<FrameBox<'_, T>, Error> {
        let live = self.acquire();
        let ptr = match self.try_bump(Layout::new::<T>(), strict) {
            Ok(ptr) => ptr.cast::<T>(),
            Err(e) => return Err(live.failed(e)),
        };
        // SAFETY: `ptr` is fresh arena memory, valid and aligned for a `T`.
        unsafe { ptr.as_ptr().write(value) };
        // SAFETY: `ptr` holds the initialised `T`, allocated after `live` was acquired,
        // owned by nothing else.
        Ok(unsafe { FrameBox::from_raw(ptr, live) })
    }

    /// Uninitialised room for a `T` in frame memory.
    #[inline]
    #[track_caller]
    pub(crate) fn try_uninit<T>(
        &self,
        strict: bool,
    ) -> Result<FrameBox<'_, MaybeUninit<T>>, Error> {
        let live = self.acquire();
        let ptr = match self.try_bump(Layout::new::<T>(), strict) {
            Ok(ptr) => ptr.cast::<MaybeUninit<T>>(),
            Err(e) => return Err(live.failed(e)),
        };
        // SAFETY: a `MaybeUninit<T>` needs no initialisation; `ptr` is fresh, aligned
        // arena memory owned by nothing else.
        Ok(unsafe { FrameBox::from_raw(ptr, live) })
    }

    /// `len` default values of `T` in frame memory.
    #[track_caller]
    pub(crate) fn try_slice<T: Default>(
        &self,
        len: usize,
        strict: bool,
    ) -> Result<FrameBox<'_, [T]>, Error> {
        self.try_fill(len, strict, |_| T::default())
    }

    /// `len` values made by `f(index)` in frame memory. If `f` panics, the values made so
    /// far are dropped and the room is given back.
    #[track_caller]
    pub(crate) fn try_fill<T>(
        &self,
        len: usize,
        strict: bool,
        mut f: impl FnMut(usize) -> T,
    ) -> Result<FrameBox<'_, [T]>, Error> {
        let layout = Layout::array::<T>(len).map_err(|_| Error::CapacityOverflow)?;
        let live = self.acquire();
        let first = match self.try_bump(layout, strict) {
            Ok(ptr) => ptr.cast::<T>(),
            Err(e) => return Err(live.failed(e)),
        };

        let mut prefix = Prefix {
            arena: ArenaRef::new(self),
            first,
            layout,
            done: 0,
        };
        while prefix.done < len {
            // SAFETY: `done < len`, so the slot is inside the `len`-element allocation.
            unsafe { first.add(prefix.done).write(f(prefix.done)) };
            prefix.done += 1;
        }
        core::mem::forget(prefix);
        let slice = NonNull::slice_from_raw_parts(first, len);
        // SAFETY: all `len` elements are initialised; the memory was allocated after
        // `live` and is owned by nothing else.
        Ok(unsafe { FrameBox::from_raw(slice, live) })
    }

    /// A copy of `src` in frame memory.
    #[inline]
    #[track_caller]
    pub(crate) fn try_copy<T: Copy>(
        &self,
        src: &[T],
        strict: bool,
    ) -> Result<FrameBox<'_, [T]>, Error> {
        let live = self.acquire();
        let first = match self.try_bump(Layout::for_value(src), strict) {
            Ok(ptr) => ptr.cast::<T>(),
            Err(e) => return Err(live.failed(e)),
        };
        // SAFETY: fresh room for `src.len()` `T`s, disjoint from `src`; `T: Copy`, so a
        // bitwise copy initialises it.
        unsafe { first.copy_from_nonoverlapping(NonNull::from(src).cast(), src.len()) };
        let slice = NonNull::slice_from_raw_parts(first, src.len());
        // SAFETY: all elements are initialised; allocated after `live`, owned by no one.
        Ok(unsafe { FrameBox::from_raw(slice, live) })
    }

    /// An empty `FrameVec` with room for `capacity` elements.
    #[inline]
    #[track_caller]
    pub(crate) fn try_vec<T>(
        &self,
        capacity: usize,
        strict: bool,
    ) -> Result<FrameVec<'_, T>, Error> {
        let live = self.acquire();
        if capacity != 0 && self.budgets_armed() {
            // Checked here so a `try_` call can return the refusal (the vector's own
            // allocation, through `ArenaRef`, can only follow `on_misuse`).
            let checked = Layout::array::<T>(capacity)
                .map_err(|_| Error::CapacityOverflow)
                .and_then(|bytes| self.check_frame_budgets(bytes.size() as u64, strict));
            if let Err(e) = checked {
                return Err(live.failed(e));
            }
        }
        FrameVec::try_with_capacity(live, capacity)
    }
}
