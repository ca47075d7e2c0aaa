//! Scoped constructors whose initialiser can fail (bumpalo's `alloc_try_with`,
//! `try_alloc_try_with`, `alloc_slice_try_fill_with`, `alloc_slice_try_fill_iter`): the
//! closure's error comes back to the caller, and the room it was to fill is given back
//! (at once when it is the arena's latest allocation, as in bumpalo).

// `frame.alloc_*(..)` hands out `&mut` from `&self`, as `bumpalo::Bump` does: each one is
// fresh arena memory that no other reference can reach.
#![allow(clippy::mut_from_ref)]

use core::alloc::Layout;

use super::guard::Frame;
use super::slices::{Filling, iterator_too_short};
use crate::AllocOrInitError;
use crate::frame_safe::assert_no_destructor;

impl Frame<'_> {
    /// Write `f()` into `room` (sized and aligned for a `Result<T, E>`): the `T` on
    /// success (the room is kept), the error otherwise (the room is given back).
    #[inline(always)]
    #[allow(
        clippy::unused_self,
        reason = "the returned `&mut T` borrows the guard, which keeps the room alive"
    )]
    fn finish_try_with<T, E>(
        &self,
        room: Filling<'_>,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Result<&mut T, E> {
        let slot = room.ptr.cast::<Result<T, E>>();
        // SAFETY: `room` is fresh arena memory with the layout of a `Result<T, E>`, used
        // by nothing else; written once here, in place (no stack copy of a large `T`).
        let result = unsafe {
            slot.write(f());
            &mut *slot.as_ptr()
        };
        match result {
            Ok(value) => {
                core::mem::forget(room);
                // The `Ok` payload stays in the room, alive until the guard drops (the
                // returned borrow of `self` prevents that); `T` has no destructor.
                Ok(value)
            }
            Err(e) => {
                // SAFETY: `e` is a valid `E`; it is moved out once, and the room it sat in
                // is given back below without being read or dropped again.
                let e = unsafe { core::ptr::read(e) };
                drop(room);
                Err(e)
            }
        }
    }

    /// Make a value in place with `f`, which may fail (bumpalo's `alloc_try_with`). On
    /// `Err` the room is given back and the error returned. `T` must have no destructor,
    /// as for [`alloc`](Self::alloc); `E` may have one.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let n = frame.alloc_try_with(|| "17".parse::<u32>())?;
    /// assert_eq!(*n, 17);
    /// assert!(frame.alloc_try_with(|| "x".parse::<u32>()).is_err());
    /// # Ok::<(), std::num::ParseIntError>(())
    /// ```
    ///
    /// # Panics
    ///
    /// As [`alloc`](Self::alloc), when the room cannot be had. If `f` panics, the room
    /// is given back.
    #[inline(always)]
    #[track_caller]
    pub fn alloc_try_with<T, E>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<&mut T, E> {
        assert_no_destructor!(T, "frame.alloc_try_with", "use `frame.frame_box(f()?)`");
        let layout = Layout::new::<Result<T, E>>();
        let room = Filling {
            arena: self.arena,
            ptr: self.bump_plain(layout),
            layout,
        };
        self.finish_try_with(room, f)
    }

    /// Fallible [`alloc_try_with`](Self::alloc_try_with) (bumpalo's
    /// `try_alloc_try_with`): both failures come back, told apart by
    /// [`AllocOrInitError`].
    ///
    /// ```
    /// use framealloc::AllocOrInitError;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let v = frame.try_alloc_try_with(|| Ok::<_, &str>([1u8; 4]))?;
    /// assert_eq!(*v, [1; 4]);
    /// let e = frame.try_alloc_try_with(|| Err::<u8, _>("bad input"));
    /// assert_eq!(e, Err(AllocOrInitError::Init("bad input")));
    /// # Ok::<(), AllocOrInitError<&str>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`AllocOrInitError::Alloc`] with [`Error::OutOfMemory`] or
    /// [`Error::BudgetExceeded`] (under `BudgetPolicy::Enforce`) when the room cannot be
    /// had (`f` is not called); [`AllocOrInitError::Init`] with `f`'s error.
    ///
    /// [`Error::OutOfMemory`]: crate::Error::OutOfMemory
    /// [`Error::BudgetExceeded`]: crate::Error::BudgetExceeded
    #[inline]
    pub fn try_alloc_try_with<T, E>(
        &self,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Result<&mut T, AllocOrInitError<E>> {
        assert_no_destructor!(
            T,
            "frame.try_alloc_try_with",
            "use `frame.try_frame_box(f()?)`"
        );
        let layout = Layout::new::<Result<T, E>>();
        let room = Filling {
            arena: self.arena,
            ptr: self.try_alloc_layout(layout)?,
            layout,
        };
        self.finish_try_with(room, f)
            .map_err(AllocOrInitError::Init)
    }

    /// A slice of `len` values made by `f(index)`, which may fail (bumpalo's
    /// `alloc_slice_try_fill_with`): the first error stops the filling, gives the room
    /// back and is returned. `T` must have no destructor, as for
    /// [`alloc`](Self::alloc).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let words = ["3", "1", "4"];
    /// let nums = frame.alloc_slice_try_fill_with(3, |i| words[i].parse::<u8>())?;
    /// assert_eq!(nums, [3, 1, 4]);
    /// assert!(frame.alloc_slice_try_fill_with(2, |i| ["1", "?"][i].parse::<u8>()).is_err());
    /// # Ok::<(), std::num::ParseIntError>(())
    /// ```
    ///
    /// # Panics
    ///
    /// As [`alloc_slice_fill_with`](Self::alloc_slice_fill_with); if `f` panics, the room
    /// is given back.
    #[inline]
    #[track_caller]
    pub fn alloc_slice_try_fill_with<T, E>(
        &self,
        len: usize,
        f: impl FnMut(usize) -> Result<T, E>,
    ) -> Result<&mut [T], E> {
        assert_no_destructor!(
            T,
            "frame.alloc_slice_try_fill_with",
            "use `frame.frame_vec()` and push into it"
        );
        self.try_fill(len, false, f)
            .unwrap_or_else(|e| crate::fail(&e))
    }

    /// A slice of the `Ok` values of an exact-size iterator of `Result`s (bumpalo's
    /// `alloc_slice_try_fill_iter`): the first `Err` stops the filling, gives the room
    /// back and is returned.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let nums = frame.alloc_slice_try_fill_iter(["7", "8"].iter().map(|s| s.parse::<u8>()))?;
    /// assert_eq!(nums, [7, 8]);
    /// # Ok::<(), std::num::ParseIntError>(())
    /// ```
    ///
    /// # Panics
    ///
    /// If the iterator ends before its `len()` (the room is given back); as
    /// [`alloc_slice_try_fill_with`](Self::alloc_slice_try_fill_with) otherwise.
    #[inline]
    #[track_caller]
    pub fn alloc_slice_try_fill_iter<T, E, I>(&self, iter: I) -> Result<&mut [T], E>
    where
        I: IntoIterator<Item = Result<T, E>>,
        I::IntoIter: ExactSizeIterator,
    {
        let mut iter = iter.into_iter();
        let len = iter.len();
        self.alloc_slice_try_fill_with(len, |i| {
            iter.next()
                .unwrap_or_else(|| iterator_too_short("alloc_slice_try_fill_iter", i, len))
        })
    }
}
