//! The slice, string and value constructors bumpalo users reach for — `alloc_with`,
//! `alloc_str`, `alloc_slice_copy`, `alloc_slice_clone`, `alloc_slice_fill_{copy, clone,
//! default, with, iter}` — with their `try_` twins:
//!
//! - on [`Frame`] they return plain `&mut` references that borrow the guard (no counter,
//!   as `frame.alloc`); the values are abandoned when the frame ends, so `T` must have no
//!   destructor (checked at compile time);
//! - on [`SmartAlloc`] they return [`FrameBox`] handles (live handles of the explicit
//!   path), which run destructors, so any `T` works.
//!
//! A fill closure, `Clone` or iterator that panics part-way gives the room back (at once
//! when it is the arena's latest allocation, as in bumpalo); on the explicit path the
//! values made so far are dropped first.

// `frame.alloc_*(..)` hands out `&mut` from `&self`, as `bumpalo::Bump` does: each one is
// fresh arena memory that no other reference can reach.
#![allow(clippy::mut_from_ref)]

use core::alloc::Layout;
use core::ptr::NonNull;

use allocator_api2::alloc::Allocator;

use super::arena::ArenaRef;
use super::boxed::FrameBox;
use super::guard::Frame;
use crate::frame_safe::assert_no_destructor;
use crate::{Error, SmartAlloc};

/// Room being filled on the scoped path: given back if filling panics or fails (the
/// values are plain data, so nothing needs dropping), kept with `mem::forget` once the
/// value or slice is in place. Also used by `try_with`'s fallible initialisers.
pub(super) struct Filling<'a> {
    pub(super) arena: ArenaRef<'a>,
    pub(super) ptr: NonNull<u8>,
    pub(super) layout: Layout,
}

impl Drop for Filling<'_> {
    fn drop(&mut self) {
        // SAFETY: the room was allocated from this arena with this layout and was never
        // handed out (filling panicked or failed), so nothing refers to it.
        unsafe { self.arena.deallocate(self.ptr, self.layout) };
    }
}

/// The panic of a slice filled from an `ExactSizeIterator` that ended before its `len()`;
/// `method` names the call.
#[cold]
#[inline(never)]
#[track_caller]
pub(super) fn iterator_too_short(method: &str, got: usize, promised: usize) -> ! {
    panic!(
        "framealloc: {method}: the iterator's len() promised {promised} elements but it \
         ended after {got}"
    )
}

impl Frame<'_> {
    /// Allocate a `len`-element slice and fill it with `f(index)` (`strict`: a `try_`
    /// call). `T` has no destructor (checked by every caller).
    #[inline]
    #[track_caller]
    fn fill<T>(
        &self,
        len: usize,
        strict: bool,
        mut f: impl FnMut(usize) -> T,
    ) -> Result<&mut [T], Error> {
        self.try_fill(len, strict, |i| Ok::<T, core::convert::Infallible>(f(i)))
            .map(|filled| filled.unwrap_or_else(|never| match never {}))
    }

    /// [`fill`](Self::fill) with an `f` that may fail: its first `Err` stops the filling,
    /// gives the room back and is returned inside the `Ok` (the outer `Err` is the
    /// allocation's). `T` has no destructor (checked by every caller).
    #[inline]
    #[track_caller]
    pub(super) fn try_fill<T, E>(
        &self,
        len: usize,
        strict: bool,
        mut f: impl FnMut(usize) -> Result<T, E>,
    ) -> Result<Result<&mut [T], E>, Error> {
        let layout = Layout::array::<T>(len).map_err(|_| Error::CapacityOverflow)?;
        let first = self.arena().alloc_layout(layout, strict)?;
        let filling = Filling {
            arena: self.arena,
            ptr: first,
            layout,
        };
        let first = first.cast::<T>();
        for i in 0..len {
            // On `Err` (or a panic) `filling` gives the room back; the elements written
            // so far are plain data, abandoned with it.
            let value = match f(i) {
                Ok(value) => value,
                Err(e) => return Ok(Err(e)),
            };
            // SAFETY: `i < len`, inside the fresh `len`-element room.
            unsafe { first.add(i).write(value) };
        }
        core::mem::forget(filling);
        // SAFETY: all `len` elements are initialised; the room is ours until the guard
        // drops, which the returned borrow of `self` prevents.
        Ok(Ok(unsafe {
            core::slice::from_raw_parts_mut(first.as_ptr(), len)
        }))
    }

    /// A slice of `len` values made by `f(index)`. `T` must have no destructor, as for
    /// [`alloc`](Self::alloc). If `f` panics, the room is given back.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let squares = frame.alloc_slice_fill_with(4, |i| i * i);
    /// assert_eq!(squares, [0, 1, 4, 9]);
    /// ```
    ///
    /// # Panics
    ///
    /// If `len * size_of::<T>()` overflows `isize`; when memory runs out.
    #[inline]
    #[track_caller]
    pub fn alloc_slice_fill_with<T>(&self, len: usize, f: impl FnMut(usize) -> T) -> &mut [T] {
        assert_no_destructor!(
            T,
            "frame.alloc_slice_fill_with",
            "use `frame.frame_vec()` and `extend` it"
        );
        self.fill(len, false, f).unwrap_or_else(|e| crate::fail(&e))
    }

    /// Fallible [`alloc_slice_fill_with`](Self::alloc_slice_fill_with).
    ///
    /// ```
    /// use framealloc::Error;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let xs = frame.try_alloc_slice_fill_with(3, |i| i as f32 * 0.5)?;
    /// assert_eq!(xs, [0.0, 0.5, 1.0]);
    /// let huge = frame.try_alloc_slice_fill_with(usize::MAX, |_| 0u64);
    /// assert!(matches!(huge, Err(Error::CapacityOverflow)));
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::CapacityOverflow`], [`Error::OutOfMemory`], [`Error::BudgetExceeded`]
    /// (under `BudgetPolicy::Enforce`, when the arena needs a new chunk).
    #[inline]
    #[track_caller]
    pub fn try_alloc_slice_fill_with<T>(
        &self,
        len: usize,
        f: impl FnMut(usize) -> T,
    ) -> Result<&mut [T], Error> {
        assert_no_destructor!(
            T,
            "frame.try_alloc_slice_fill_with",
            "use `frame.frame_vec()` and `extend` it"
        );
        self.fill(len, true, f)
    }

    /// A slice of `len` copies of `value`.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// assert_eq!(frame.alloc_slice_fill_copy(3, 7u8), [7, 7, 7]);
    /// ```
    ///
    /// # Panics
    ///
    /// As [`alloc_slice_fill_with`](Self::alloc_slice_fill_with).
    #[inline]
    #[track_caller]
    pub fn alloc_slice_fill_copy<T: Copy>(&self, len: usize, value: T) -> &mut [T] {
        self.fill(len, false, |_| value)
            .unwrap_or_else(|e| crate::fail(&e))
    }

    /// Fallible [`alloc_slice_fill_copy`](Self::alloc_slice_fill_copy).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// assert_eq!(frame.try_alloc_slice_fill_copy(2, 'x')?, ['x', 'x']);
    /// # Ok::<(), framealloc::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`try_alloc_slice_fill_with`](Self::try_alloc_slice_fill_with).
    #[inline]
    pub fn try_alloc_slice_fill_copy<T: Copy>(
        &self,
        len: usize,
        value: T,
    ) -> Result<&mut [T], Error> {
        self.fill(len, true, |_| value)
    }

    /// A slice of `len` clones of `value`. `T` must have no destructor.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let spans = frame.alloc_slice_fill_clone(2, &(0..4u32)); // `Range` is Clone, not Copy
    /// spans[1].start = 2;
    /// assert_eq!(spans, [0..4, 2..4]);
    /// ```
    ///
    /// # Panics
    ///
    /// As [`alloc_slice_fill_with`](Self::alloc_slice_fill_with).
    #[inline]
    #[track_caller]
    pub fn alloc_slice_fill_clone<T: Clone>(&self, len: usize, value: &T) -> &mut [T] {
        assert_no_destructor!(
            T,
            "frame.alloc_slice_fill_clone",
            "use `alloc.alloc_slice_fill_clone` on the SmartAlloc (a FrameBox)"
        );
        self.fill(len, false, |_| value.clone())
            .unwrap_or_else(|e| crate::fail(&e))
    }

    /// Fallible [`alloc_slice_fill_clone`](Self::alloc_slice_fill_clone).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let spans = frame.try_alloc_slice_fill_clone(3, &(1..2u8))?;
    /// assert_eq!(spans.iter().map(|r| r.len()).sum::<usize>(), 3);
    /// # Ok::<(), framealloc::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`try_alloc_slice_fill_with`](Self::try_alloc_slice_fill_with).
    pub fn try_alloc_slice_fill_clone<T: Clone>(
        &self,
        len: usize,
        value: &T,
    ) -> Result<&mut [T], Error> {
        assert_no_destructor!(
            T,
            "frame.try_alloc_slice_fill_clone",
            "use `alloc.try_alloc_slice_fill_clone` on the SmartAlloc (a FrameBox)"
        );
        self.fill(len, true, |_| value.clone())
    }

    /// A slice of `len` default values. `T` must have no destructor.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let counts = frame.alloc_slice_fill_default::<u16>(4);
    /// counts[1] = 9;
    /// assert_eq!(counts, [0, 9, 0, 0]);
    /// ```
    ///
    /// # Panics
    ///
    /// As [`alloc_slice_fill_with`](Self::alloc_slice_fill_with).
    #[inline]
    #[track_caller]
    pub fn alloc_slice_fill_default<T: Default>(&self, len: usize) -> &mut [T] {
        assert_no_destructor!(
            T,
            "frame.alloc_slice_fill_default",
            "use `frame.frame_slice(len)` (a FrameBox)"
        );
        self.fill(len, false, |_| T::default())
            .unwrap_or_else(|e| crate::fail(&e))
    }

    /// Fallible [`alloc_slice_fill_default`](Self::alloc_slice_fill_default).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let flags: &mut [bool] = frame.try_alloc_slice_fill_default(3)?;
    /// assert_eq!(flags, [false; 3]);
    /// # Ok::<(), framealloc::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`try_alloc_slice_fill_with`](Self::try_alloc_slice_fill_with).
    pub fn try_alloc_slice_fill_default<T: Default>(&self, len: usize) -> Result<&mut [T], Error> {
        assert_no_destructor!(
            T,
            "frame.try_alloc_slice_fill_default",
            "use `frame.try_frame_slice(len)` (a FrameBox)"
        );
        self.fill(len, true, |_| T::default())
    }

    /// A slice holding the items of an exact-size iterator. `T` must have no destructor.
    ///
    /// Items past the iterator's `len()` are not taken (as in bumpalo).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let doubled = frame.alloc_slice_fill_iter([1, 2, 3].iter().map(|x| x * 2));
    /// assert_eq!(doubled, [2, 4, 6]);
    /// ```
    ///
    /// # Panics
    ///
    /// If the iterator ends before its `len()` (the room is given back); as
    /// [`alloc_slice_fill_with`](Self::alloc_slice_fill_with) otherwise.
    #[inline]
    #[track_caller]
    pub fn alloc_slice_fill_iter<T, I>(&self, iter: I) -> &mut [T]
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: ExactSizeIterator,
    {
        assert_no_destructor!(
            T,
            "frame.alloc_slice_fill_iter",
            "use `frame.frame_vec()` and `extend` it"
        );
        let mut iter = iter.into_iter();
        let len = iter.len();
        self.fill(len, false, |i| {
            iter.next()
                .unwrap_or_else(|| iterator_too_short("alloc_slice_fill_iter", i, len))
        })
        .unwrap_or_else(|e| crate::fail(&e))
    }

    /// Fallible [`alloc_slice_fill_iter`](Self::alloc_slice_fill_iter).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let countdown = frame.try_alloc_slice_fill_iter((1..4).rev())?;
    /// assert_eq!(countdown, [3, 2, 1]);
    /// # Ok::<(), framealloc::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`try_alloc_slice_fill_with`](Self::try_alloc_slice_fill_with).
    ///
    /// # Panics
    ///
    /// If the iterator ends before its `len()` (the room is given back).
    #[track_caller]
    pub fn try_alloc_slice_fill_iter<T, I>(&self, iter: I) -> Result<&mut [T], Error>
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: ExactSizeIterator,
    {
        assert_no_destructor!(
            T,
            "frame.try_alloc_slice_fill_iter",
            "use `frame.frame_vec()` and `extend` it"
        );
        let mut iter = iter.into_iter();
        let len = iter.len();
        self.fill(len, true, |i| {
            iter.next()
                .unwrap_or_else(|| iterator_too_short("alloc_slice_fill_iter", i, len))
        })
    }

    /// Clones of `src`'s elements. `T` must have no destructor (a `Copy` type is better
    /// served by [`alloc_slice_copy`](Self::alloc_slice_copy)).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let spans = [0..2, 5..7]; // `Range` is Clone, not Copy
    /// let copy = frame.alloc_slice_clone(&spans);
    /// copy[0].end = 1;
    /// assert_eq!(copy, [0..1, 5..7]);
    /// ```
    ///
    /// # Panics
    ///
    /// As [`alloc_slice_fill_with`](Self::alloc_slice_fill_with); if a `clone` panics,
    /// the room is given back.
    #[inline]
    #[track_caller]
    pub fn alloc_slice_clone<T: Clone>(&self, src: &[T]) -> &mut [T] {
        assert_no_destructor!(
            T,
            "frame.alloc_slice_clone",
            "use `alloc.alloc_slice_clone` on the SmartAlloc (a FrameBox that drops them)"
        );
        self.fill(src.len(), false, |i| src[i].clone())
            .unwrap_or_else(|e| crate::fail(&e))
    }

    /// Fallible [`alloc_slice_clone`](Self::alloc_slice_clone).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let copy = frame.try_alloc_slice_clone(&[0..2, 5..7])?;
    /// assert_eq!(copy.len(), 2);
    /// assert_eq!(copy[1], 5..7);
    /// # Ok::<(), framealloc::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`try_alloc_slice_fill_with`](Self::try_alloc_slice_fill_with).
    pub fn try_alloc_slice_clone<T: Clone>(&self, src: &[T]) -> Result<&mut [T], Error> {
        assert_no_destructor!(
            T,
            "frame.try_alloc_slice_clone",
            "use `alloc.try_alloc_slice_clone` on the SmartAlloc (a FrameBox)"
        );
        self.fill(src.len(), true, |i| src[i].clone())
    }

    /// Fallible [`alloc_slice_copy`](Self::alloc_slice_copy).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let weights = frame.try_alloc_slice_copy(&[1.5f32, 2.5])?;
    /// assert_eq!(weights.iter().sum::<f32>(), 4.0);
    /// # Ok::<(), framealloc::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`try_alloc_slice_fill_with`](Self::try_alloc_slice_fill_with).
    #[inline]
    pub fn try_alloc_slice_copy<T: Copy>(&self, src: &[T]) -> Result<&mut [T], Error> {
        self.copy_slice(src, true)
    }

    /// A copy of `src` in frame memory (`strict`: a `try_` call); `alloc_slice_copy` and
    /// its `try_` twin.
    #[inline]
    #[track_caller]
    pub(super) fn copy_slice<T: Copy>(&self, src: &[T], strict: bool) -> Result<&mut [T], Error> {
        let ptr = self
            .arena()
            .alloc_layout(Layout::for_value(src), strict)?
            .cast::<T>();
        // SAFETY: fresh room for `src.len()` `T`s (the layout of `src`), disjoint from
        // `src`; `T: Copy`, so a bitwise copy initialises it. The room is ours until the
        // guard drops, which the returned borrow of `self` prevents.
        unsafe {
            ptr.copy_from_nonoverlapping(NonNull::from(src).cast(), src.len());
            Ok(core::slice::from_raw_parts_mut(ptr.as_ptr(), src.len()))
        }
    }

    /// Fallible [`alloc_str`](Self::alloc_str).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let s = frame.try_alloc_str("héllo")?;
    /// assert_eq!((&*s, s.len()), ("héllo", 6));
    /// # Ok::<(), framealloc::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`try_alloc_slice_fill_with`](Self::try_alloc_slice_fill_with).
    #[inline]
    pub fn try_alloc_str(&self, s: &str) -> Result<&mut str, Error> {
        let bytes = self.try_alloc_slice_copy(s.as_bytes())?;
        // SAFETY: a byte-for-byte copy of a `str`, so valid UTF-8.
        Ok(unsafe { core::str::from_utf8_unchecked_mut(bytes) })
    }

    /// Fallible [`alloc_with`](Self::alloc_with): the room is allocated first, then `f`
    /// runs (given back if it panics).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let table = frame.try_alloc_with(|| [7u32; 256])?;
    /// assert_eq!(table.iter().sum::<u32>(), 7 * 256);
    /// # Ok::<(), framealloc::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`try_alloc_slice_fill_with`](Self::try_alloc_slice_fill_with).
    #[inline]
    pub fn try_alloc_with<T>(&self, f: impl FnOnce() -> T) -> Result<&mut T, Error> {
        assert_no_destructor!(T, "frame.try_alloc_with", "use `frame.try_frame_box(f())`");
        let mut f = Some(f);
        let slot = self.fill(1, true, |_| (f.take().expect("called once"))())?;
        Ok(&mut slot[0])
    }
}

impl SmartAlloc {
    /// Construct a value in frame memory with `f` (room first, then `f`), as a
    /// [`FrameBox`] whose destructor runs; the explicit twin of
    /// [`Frame::alloc_with`].
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let log = alloc.alloc_with(|| vec![String::from("frame start")]);
    /// assert_eq!(log.len(), 1);
    /// drop(log); // the `Vec` and its `String` are dropped
    /// alloc.end_frame();
    /// ```
    ///
    /// # Panics
    ///
    /// With no frame open and `on_misuse = Panic`; when memory runs out.
    #[track_caller]
    pub fn alloc_with<T>(&self, f: impl FnOnce() -> T) -> FrameBox<'_, T> {
        self.try_alloc_with_impl(f, false)
            .unwrap_or_else(|e| crate::fail(&e))
    }

    /// Fallible [`SmartAlloc::alloc_with`].
    ///
    /// ```
    /// use framealloc::Error;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// assert!(matches!(alloc.try_alloc_with(|| 1u8), Err(Error::NotInFrame)));
    /// alloc.begin_frame();
    /// assert_eq!(*alloc.try_alloc_with(|| [2u8; 16])?, [2; 16]);
    /// alloc.end_frame();
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotInFrame`], [`Error::OutOfMemory`], [`Error::BudgetExceeded`].
    #[track_caller]
    pub fn try_alloc_with<T>(&self, f: impl FnOnce() -> T) -> Result<FrameBox<'_, T>, Error> {
        self.try_alloc_with_impl(f, true)
    }

    #[track_caller]
    fn try_alloc_with_impl<T>(
        &self,
        f: impl FnOnce() -> T,
        strict: bool,
    ) -> Result<FrameBox<'_, T>, Error> {
        let mut f = Some(f);
        let slice = self
            .explicit_arena(strict)?
            .try_fill(1, strict, |_| (f.take().expect("called once"))())?;
        Ok(FrameBox::single(slice))
    }

    /// The arena for an explicit allocation: a frame must be open (`strict`), or under
    /// `MisusePolicy::Log` one is opened.
    #[track_caller]
    fn explicit_arena(&self, strict: bool) -> Result<&super::arena::ThreadArena, Error> {
        if strict {
            self.try_arena_in_frame()
        } else {
            Ok(self.arena_in_frame())
        }
    }

    /// A copy of `s` in frame memory, as a `FrameBox<str>`.
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let name = alloc.alloc_str("player-1");
    /// assert_eq!(&*name, "player-1");
    /// drop(name);
    /// alloc.end_frame();
    /// ```
    ///
    /// # Panics
    ///
    /// With no frame open and `on_misuse = Panic`; when memory runs out.
    #[track_caller]
    pub fn alloc_str(&self, s: &str) -> FrameBox<'_, str> {
        self.try_alloc_str_impl(s, false)
            .unwrap_or_else(|e| crate::fail(&e))
    }

    /// Fallible [`SmartAlloc::alloc_str`].
    ///
    /// ```
    /// use framealloc::Error;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// assert!(matches!(alloc.try_alloc_str("x"), Err(Error::NotInFrame)));
    /// alloc.begin_frame();
    /// assert_eq!(&*alloc.try_alloc_str("in frame")?, "in frame");
    /// alloc.end_frame();
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotInFrame`], [`Error::OutOfMemory`], [`Error::BudgetExceeded`].
    #[track_caller]
    pub fn try_alloc_str(&self, s: &str) -> Result<FrameBox<'_, str>, Error> {
        self.try_alloc_str_impl(s, true)
    }

    #[track_caller]
    fn try_alloc_str_impl(&self, s: &str, strict: bool) -> Result<FrameBox<'_, str>, Error> {
        let bytes = self
            .explicit_arena(strict)?
            .try_copy(s.as_bytes(), strict)?;
        // SAFETY: a byte-for-byte copy of a `str`, so valid UTF-8.
        Ok(unsafe { FrameBox::bytes_into_str(bytes) })
    }

    /// A copy of `src` in frame memory, as a `FrameBox<[T]>`.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let mut ids = alloc.alloc_slice_copy(&[3u32, 1, 2]);
    /// ids.sort_unstable();
    /// assert_eq!(*ids, [1, 2, 3]);
    /// drop(ids);
    /// alloc.end_frame();
    /// ```
    ///
    /// # Panics
    ///
    /// With no frame open and `on_misuse = Panic`; when memory runs out.
    #[track_caller]
    pub fn alloc_slice_copy<T: Copy>(&self, src: &[T]) -> FrameBox<'_, [T]> {
        self.explicit_arena(false)
            .and_then(|a| a.try_copy(src, false))
            .unwrap_or_else(|e| crate::fail(&e))
    }

    /// Fallible [`SmartAlloc::alloc_slice_copy`].
    ///
    /// ```
    /// use framealloc::Error;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// assert!(matches!(alloc.try_alloc_slice_copy(&[1, 2]), Err(Error::NotInFrame)));
    /// alloc.begin_frame();
    /// assert_eq!(*alloc.try_alloc_slice_copy(&[1, 2])?, [1, 2]);
    /// alloc.end_frame();
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotInFrame`], [`Error::OutOfMemory`], [`Error::BudgetExceeded`].
    #[track_caller]
    pub fn try_alloc_slice_copy<T: Copy>(&self, src: &[T]) -> Result<FrameBox<'_, [T]>, Error> {
        self.try_arena_in_frame()?.try_copy(src, true)
    }

    /// `len` values made by `f(index)` in frame memory, as a `FrameBox<[T]>` that drops
    /// them. If `f` panics, the values made so far are dropped and the room given back.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let labels = alloc.alloc_slice_fill_with(3, |i| format!("unit-{i}"));
    /// assert_eq!(labels.join(" "), "unit-0 unit-1 unit-2");
    /// drop(labels); // the three `String`s are dropped
    /// alloc.end_frame();
    /// ```
    ///
    /// # Panics
    ///
    /// With no frame open and `on_misuse = Panic`; on capacity overflow or when memory
    /// runs out.
    #[track_caller]
    pub fn alloc_slice_fill_with<T>(
        &self,
        len: usize,
        f: impl FnMut(usize) -> T,
    ) -> FrameBox<'_, [T]> {
        self.explicit_arena(false)
            .and_then(|a| a.try_fill(len, false, f))
            .unwrap_or_else(|e| crate::fail(&e))
    }

    /// Fallible [`SmartAlloc::alloc_slice_fill_with`].
    ///
    /// ```
    /// use framealloc::Error;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// assert_eq!(*alloc.try_alloc_slice_fill_with(3, |i| i * 10)?, [0, 10, 20]);
    /// let huge = alloc.try_alloc_slice_fill_with(usize::MAX, |_| 0u64);
    /// assert!(matches!(huge, Err(Error::CapacityOverflow)));
    /// alloc.end_frame();
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotInFrame`], [`Error::CapacityOverflow`], [`Error::OutOfMemory`],
    /// [`Error::BudgetExceeded`].
    #[track_caller]
    pub fn try_alloc_slice_fill_with<T>(
        &self,
        len: usize,
        f: impl FnMut(usize) -> T,
    ) -> Result<FrameBox<'_, [T]>, Error> {
        self.try_arena_in_frame()?.try_fill(len, true, f)
    }

    /// `len` copies of `value`, as a `FrameBox<[T]>`.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let mut row = alloc.alloc_slice_fill_copy(4, b'.');
    /// row[0] = b'@';
    /// assert_eq!(&*row, b"@...");
    /// drop(row);
    /// alloc.end_frame();
    /// ```
    ///
    /// # Panics
    ///
    /// As [`SmartAlloc::alloc_slice_fill_with`].
    #[track_caller]
    pub fn alloc_slice_fill_copy<T: Copy>(&self, len: usize, value: T) -> FrameBox<'_, [T]> {
        self.alloc_slice_fill_with(len, |_| value)
    }

    /// Fallible [`SmartAlloc::alloc_slice_fill_copy`].
    ///
    /// ```
    /// use framealloc::Error;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// assert!(matches!(alloc.try_alloc_slice_fill_copy(2, 0u8), Err(Error::NotInFrame)));
    /// alloc.begin_frame();
    /// assert_eq!(*alloc.try_alloc_slice_fill_copy(2, 7u8)?, [7, 7]);
    /// alloc.end_frame();
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`SmartAlloc::try_alloc_slice_fill_with`].
    #[track_caller]
    pub fn try_alloc_slice_fill_copy<T: Copy>(
        &self,
        len: usize,
        value: T,
    ) -> Result<FrameBox<'_, [T]>, Error> {
        self.try_alloc_slice_fill_with(len, |_| value)
    }

    /// `len` clones of `value`, as a `FrameBox<[T]>` that drops them.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let names = alloc.alloc_slice_fill_clone(2, &String::from("npc"));
    /// assert_eq!(*names, ["npc", "npc"]);
    /// drop(names); // both clones are dropped
    /// alloc.end_frame();
    /// ```
    ///
    /// # Panics
    ///
    /// As [`SmartAlloc::alloc_slice_fill_with`].
    #[track_caller]
    pub fn alloc_slice_fill_clone<T: Clone>(&self, len: usize, value: &T) -> FrameBox<'_, [T]> {
        self.alloc_slice_fill_with(len, |_| value.clone())
    }

    /// Fallible [`SmartAlloc::alloc_slice_fill_clone`].
    ///
    /// ```
    /// use framealloc::Error;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// assert!(matches!(alloc.try_alloc_slice_fill_clone(1, &vec![0u8]), Err(Error::NotInFrame)));
    /// alloc.begin_frame();
    /// let rows = alloc.try_alloc_slice_fill_clone(2, &vec![0u8; 3])?;
    /// assert_eq!(rows.iter().map(Vec::len).sum::<usize>(), 6);
    /// drop(rows);
    /// alloc.end_frame();
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`SmartAlloc::try_alloc_slice_fill_with`].
    #[track_caller]
    pub fn try_alloc_slice_fill_clone<T: Clone>(
        &self,
        len: usize,
        value: &T,
    ) -> Result<FrameBox<'_, [T]>, Error> {
        self.try_alloc_slice_fill_with(len, |_| value.clone())
    }

    /// `len` default values, as a `FrameBox<[T]>` (the same as
    /// [`frame_slice`](Self::frame_slice), under bumpalo's name).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let mut buckets = alloc.alloc_slice_fill_default::<Vec<u32>>(4);
    /// buckets[2].push(7);
    /// assert_eq!(buckets.iter().map(Vec::len).collect::<Vec<_>>(), [0, 0, 1, 0]);
    /// drop(buckets);
    /// alloc.end_frame();
    /// ```
    ///
    /// # Panics
    ///
    /// As [`SmartAlloc::alloc_slice_fill_with`].
    #[track_caller]
    pub fn alloc_slice_fill_default<T: Default>(&self, len: usize) -> FrameBox<'_, [T]> {
        self.frame_slice(len)
    }

    /// Fallible [`SmartAlloc::alloc_slice_fill_default`].
    ///
    /// ```
    /// use framealloc::Error;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// assert!(matches!(alloc.try_alloc_slice_fill_default::<u8>(1), Err(Error::NotInFrame)));
    /// alloc.begin_frame();
    /// assert_eq!(*alloc.try_alloc_slice_fill_default::<u8>(3)?, [0, 0, 0]);
    /// alloc.end_frame();
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`SmartAlloc::try_alloc_slice_fill_with`].
    pub fn try_alloc_slice_fill_default<T: Default>(
        &self,
        len: usize,
    ) -> Result<FrameBox<'_, [T]>, Error> {
        self.try_frame_slice(len)
    }

    /// The items of an exact-size iterator, as a `FrameBox<[T]>` that drops them. Items
    /// past its `len()` are not taken.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let words = alloc.alloc_slice_fill_iter(["a", "b"].iter().map(|s| s.repeat(2)));
    /// assert_eq!(*words, ["aa", "bb"]);
    /// drop(words);
    /// alloc.end_frame();
    /// ```
    ///
    /// # Panics
    ///
    /// If the iterator ends before its `len()` (the items taken are dropped, the room
    /// given back); as [`SmartAlloc::alloc_slice_fill_with`] otherwise.
    #[track_caller]
    pub fn alloc_slice_fill_iter<T, I>(&self, iter: I) -> FrameBox<'_, [T]>
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: ExactSizeIterator,
    {
        let mut iter = iter.into_iter();
        let len = iter.len();
        self.alloc_slice_fill_with(len, |i| {
            iter.next()
                .unwrap_or_else(|| iterator_too_short("alloc_slice_fill_iter", i, len))
        })
    }

    /// Fallible [`SmartAlloc::alloc_slice_fill_iter`].
    ///
    /// ```
    /// use framealloc::Error;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// assert!(matches!(alloc.try_alloc_slice_fill_iter(0..3), Err(Error::NotInFrame)));
    /// alloc.begin_frame();
    /// assert_eq!(*alloc.try_alloc_slice_fill_iter((0..3).map(|x| x * x))?, [0, 1, 4]);
    /// alloc.end_frame();
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`SmartAlloc::try_alloc_slice_fill_with`].
    ///
    /// # Panics
    ///
    /// If the iterator ends before its `len()`.
    #[track_caller]
    pub fn try_alloc_slice_fill_iter<T, I>(&self, iter: I) -> Result<FrameBox<'_, [T]>, Error>
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: ExactSizeIterator,
    {
        let mut iter = iter.into_iter();
        let len = iter.len();
        self.try_alloc_slice_fill_with(len, |i| {
            iter.next()
                .unwrap_or_else(|| iterator_too_short("alloc_slice_fill_iter", i, len))
        })
    }

    /// Clones of `src`'s elements, as a `FrameBox<[T]>` that drops them. If a `clone`
    /// panics, the clones made so far are dropped and the room given back.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let names = [String::from("a"), String::from("b")];
    /// let copy = alloc.alloc_slice_clone(&names);
    /// assert_eq!(*copy, names);
    /// drop(copy); // the clones are dropped; `names` is untouched
    /// alloc.end_frame();
    /// ```
    ///
    /// # Panics
    ///
    /// As [`SmartAlloc::alloc_slice_fill_with`].
    #[track_caller]
    pub fn alloc_slice_clone<T: Clone>(&self, src: &[T]) -> FrameBox<'_, [T]> {
        self.alloc_slice_fill_with(src.len(), |i| src[i].clone())
    }

    /// Fallible [`SmartAlloc::alloc_slice_clone`].
    ///
    /// ```
    /// use framealloc::Error;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let names = [String::from("a")];
    /// assert!(matches!(alloc.try_alloc_slice_clone(&names), Err(Error::NotInFrame)));
    /// alloc.begin_frame();
    /// assert_eq!(*alloc.try_alloc_slice_clone(&names)?, names);
    /// alloc.end_frame();
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`SmartAlloc::try_alloc_slice_fill_with`].
    #[track_caller]
    pub fn try_alloc_slice_clone<T: Clone>(&self, src: &[T]) -> Result<FrameBox<'_, [T]>, Error> {
        self.try_alloc_slice_fill_with(src.len(), |i| src[i].clone())
    }
}
