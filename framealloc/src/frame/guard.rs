//! `Frame`: the scoped, compile-time-checked way to use frame memory.
//!
//! # Why this is sound
//!
//! A `Frame<'a>` counts itself as an open frame on its thread's arena for as long as it
//! lives, and the arena resets only when no frame is open and no explicit handle is
//! alive. Every allocation made through the guard borrows the guard (`&'f self`), so the
//! borrow checker proves all of them are dead before the guard's `Drop` can close the
//! frame — the same argument as `bumpalo::Bump::reset` taking `&mut self`. That is why
//! `frame.alloc` needs no counter at all: it compiles to bumpalo's own bump.
//!
//! The guard is `!Send` and `!Sync` (it holds a reference to a thread's arena), so
//! neither it nor anything borrowed from it reaches another thread — except through
//! `std::thread::scope`, which joins before the borrow ends, and only for `T: Send`.

// `frame.alloc(..)` hands out `&mut T` from `&self`, as `bumpalo::Bump::alloc` does: each
// one is fresh arena memory that no other reference can reach.
#![allow(clippy::mut_from_ref)]

use core::alloc::Layout;
use core::fmt;
use core::mem::MaybeUninit;
use core::ops::Deref;
use core::ptr::NonNull;

use allocator_api2::alloc::{AllocError, Allocator};

use super::arena::{ArenaRef, ThreadArena};
use super::boxed::FrameBox;
use super::vec::FrameVec;
use crate::frame_safe::assert_no_destructor;
use crate::{Error, SmartAlloc};

/// A frame guard: the frame is open while it lives and ends when it drops (on every exit
/// path, unwinding included).
///
/// Made by [`SmartAlloc::frame`] (or [`SmartAlloc::frame_scope`], or `#[frame_scope]`).
/// Guards nest, and may be opened inside an explicit `begin_frame`/`end_frame` frame
/// (and vice versa): the memory is reused only once every guard has dropped, the explicit
/// frame is closed and no explicit handle is alive.
///
/// Allocations through the guard borrow it, so they cannot outlive the frame:
///
/// ```
/// use framealloc::SmartAlloc;
///
/// #[derive(Default, Clone, Copy)] // plain data: no destructor to skip
/// struct Particle { pos: [f32; 3], vel: [f32; 3] }
///
/// let alloc = SmartAlloc::new(Default::default());
/// {
///     let frame = alloc.frame();
///     let p: &mut Particle = frame.alloc(Particle::default());
///     p.vel[1] = -9.81;
///     let mut contacts = frame.frame_vec::<u32>();
///     contacts.extend([1, 2, 3]);
///     assert_eq!(contacts.len(), 3);
/// } // frame ends here
/// ```
///
/// ```compile_fail
/// # use framealloc::SmartAlloc;
/// let alloc = SmartAlloc::new(Default::default());
/// let escaped: &mut u32 = {
///     let frame = alloc.frame();
///     frame.alloc(5u32) // error: `frame` does not live long enough
/// };
/// ```
///
/// `Frame` derefs to [`SmartAlloc`], so every allocator method (pools, stats, passing it
/// to a `fn(&SmartAlloc)`) works on a guard too.
pub struct Frame<'a> {
    alloc: &'a SmartAlloc,
    /// The calling thread's arena for `alloc`; holding it directly keeps `frame.alloc`
    /// free of thread-local lookups. Makes the guard `!Send + !Sync`.
    pub(super) arena: ArenaRef<'a>,
}

impl<'a> Frame<'a> {
    /// Open a frame on `arena` (this thread's arena of `alloc`).
    #[inline]
    pub(crate) fn open(alloc: &'a SmartAlloc, arena: &'a ThreadArena) -> Self {
        arena.open_frame();
        Frame {
            alloc,
            arena: ArenaRef::new(arena),
        }
    }

    #[inline(always)]
    pub(crate) fn arena(&self) -> &'a ThreadArena {
        self.arena.get()
    }

    /// The allocator this frame belongs to.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let handle = {
    ///     let frame = alloc.frame();
    ///     frame.allocator_handle() // borrows the allocator, not the guard
    /// };
    /// assert!(!handle.is_in_frame()); // the guard has dropped; the handle is still usable
    /// ```
    #[inline]
    pub fn allocator_handle(&self) -> &'a SmartAlloc {
        self.alloc
    }

    /// Move `value` into frame memory and return a plain `&mut` to it, valid until the
    /// guard drops. No counter, no check: one pointer bump.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let velocity = frame.alloc([0.0f32, -9.8]);
    /// velocity[0] = 1.5;
    /// assert_eq!(*velocity, [1.5, -9.8]);
    /// ```
    ///
    /// The value is abandoned when the frame ends: its destructor never runs. So `T` must
    /// have none — every `Copy` type, every [`FrameSafe`](crate::FrameSafe) type, any
    /// other type without drop glue, and `ManuallyDrop<T>` (which only leaks). A type with a
    /// destructor (`String`, `Vec`, `Box`, a `Drop` impl, or a field holding one) is a
    /// compile error when the call is built (`cargo build`; `cargo check` does not
    /// instantiate generic code, so it does not report it). For such types use
    /// [`frame_box`](Self::frame_box), which runs the destructor.
    ///
    /// ```compile_fail,E0080
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.alloc(String::from("would leak")); // error: `frame.alloc` never runs destructors
    /// ```
    ///
    /// # Panics
    ///
    /// If the system allocator cannot provide a new chunk, or when a new chunk would pass
    /// a budget under `BudgetPolicy::Enforce` with `on_misuse = Panic`.
    #[inline(always)]
    #[track_caller]
    pub fn alloc<T>(&self, value: T) -> &mut T {
        assert_no_destructor!(T, "frame.alloc", "use `frame.frame_box(value)`");
        let ptr = self.bump_plain(Layout::new::<T>()).cast::<T>();
        // SAFETY: fresh arena memory, valid and aligned for a `T`, used by nothing else,
        // alive until the guard drops, which the returned borrow of `self` prevents.
        unsafe {
            ptr.write(value);
            &mut *ptr.as_ptr()
        }
    }

    /// Like [`alloc`](Self::alloc) (same compile-time check on `T`), but reports failure;
    /// on error `value` is dropped.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let hp = frame.try_alloc(100u32)?;
    /// *hp -= 30;
    /// assert_eq!(*hp, 70);
    /// # Ok::<(), framealloc::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::OutOfMemory`] if the system allocator cannot provide a new chunk;
    /// [`Error::BudgetExceeded`] if a new chunk would pass a budget under
    /// `BudgetPolicy::Enforce`.
    #[inline]
    pub fn try_alloc<T>(&self, value: T) -> Result<&mut T, Error> {
        assert_no_destructor!(T, "frame.try_alloc", "use `frame.try_frame_box(value)`");
        let ptr = self
            .arena()
            .alloc_layout(Layout::new::<T>(), true)?
            .cast::<T>();
        // SAFETY: as in `alloc`.
        unsafe {
            ptr.write(value);
            Ok(&mut *ptr.as_ptr())
        }
    }

    /// Allocate room, then construct the value in place with `f` (avoids a stack copy of
    /// large values). `T` must have no destructor, as for [`alloc`](Self::alloc).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let grid = frame.alloc_with(|| [[0u8; 64]; 64]); // built in place, not on the stack
    /// grid[3][5] = 1;
    /// assert_eq!(grid.iter().flatten().filter(|&&cell| cell == 1).count(), 1);
    /// ```
    #[inline(always)]
    #[track_caller]
    pub fn alloc_with<T>(&self, f: impl FnOnce() -> T) -> &mut T {
        assert_no_destructor!(T, "frame.alloc_with", "use `frame.frame_box(f())`");
        let ptr = self.bump_plain(Layout::new::<T>()).cast::<T>();
        // SAFETY: as in `alloc`. If `f` panics the room is simply abandoned.
        unsafe {
            ptr.write(f());
            &mut *ptr.as_ptr()
        }
    }

    /// Copy a slice into frame memory.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let ids = frame.alloc_slice_copy(&[3u32, 1, 2]);
    /// ids.sort_unstable();
    /// assert_eq!(ids, [1, 2, 3]);
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc_slice_copy<T: Copy>(&self, src: &[T]) -> &mut [T] {
        self.copy_slice(src, false)
            .unwrap_or_else(|e| crate::fail(&e))
    }

    /// Copy a string into frame memory.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let name = frame.alloc_str("player-1");
    /// name.make_ascii_uppercase();
    /// assert_eq!(name, "PLAYER-1");
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc_str(&self, s: &str) -> &mut str {
        let bytes = self.alloc_slice_copy(s.as_bytes());
        // SAFETY: a byte-for-byte copy of a `str`, so valid UTF-8.
        unsafe { core::str::from_utf8_unchecked_mut(bytes) }
    }

    /// Raw, uninitialised room for `layout` (bumpalo's `alloc_layout`), valid until the
    /// guard drops. Using it needs `unsafe` (writing through the pointer); getting it
    /// does not. A zero-size layout gets an aligned pointer that takes no room.
    ///
    /// ```
    /// use std::alloc::Layout;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let p = frame.alloc_layout(Layout::from_size_align(256, 64).unwrap());
    /// assert_eq!(p.as_ptr() as usize % 64, 0);
    /// // SAFETY: `p` is 256 writable bytes of this frame's memory.
    /// unsafe { p.as_ptr().write_bytes(0xAB, 256) };
    /// ```
    ///
    /// # Panics
    ///
    /// If the system allocator cannot provide a new chunk, or when a new chunk would pass
    /// a budget under `BudgetPolicy::Enforce` with `on_misuse = Panic`.
    #[inline]
    #[track_caller]
    pub fn alloc_layout(&self, layout: Layout) -> NonNull<u8> {
        self.bump_plain(layout)
    }

    /// Fallible [`alloc_layout`](Self::alloc_layout).
    ///
    /// ```
    /// use std::alloc::Layout;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let p = frame.try_alloc_layout(Layout::new::<[u32; 8]>())?;
    /// assert_eq!(p.as_ptr() as usize % 4, 0);
    /// # Ok::<(), framealloc::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::OutOfMemory`] if the system allocator cannot provide a new chunk;
    /// [`Error::BudgetExceeded`] if a new chunk would pass a budget under
    /// `BudgetPolicy::Enforce`.
    #[inline]
    pub fn try_alloc_layout(&self, layout: Layout) -> Result<NonNull<u8>, Error> {
        self.arena().alloc_layout(layout, true)
    }

    /// Bump `layout` for a plain (non-`try_`) scoped allocation: failures panic, budget
    /// refusals follow `on_misuse`.
    #[inline(always)]
    #[track_caller]
    pub(super) fn bump_plain(&self, layout: Layout) -> NonNull<u8> {
        self.arena().alloc_layout_or_fail(layout)
    }

    /// Move `value` into a [`FrameBox`] borrowing this guard; its destructor runs when the
    /// box drops.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut names = frame.frame_box(vec![String::from("a")]);
    /// names.push(String::from("b"));
    /// assert_eq!(names.join(","), "a,b");
    /// drop(names); // runs `Vec<String>`'s destructor
    /// ```
    ///
    /// # Panics
    ///
    /// If the system allocator cannot provide a new chunk.
    #[track_caller]
    // Always: a call here (the value passed through memory, the box returned in two
    // registers) made `frame_box`+drop 2.3x slower in criterion than the inlined path.
    #[inline(always)]
    pub fn frame_box<T>(&self, value: T) -> FrameBox<'_, T> {
        self.arena()
            .try_box(value, false)
            .unwrap_or_else(|e| crate::fail(&e))
    }

    /// Fallible [`frame_box`](Self::frame_box).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let greeting = frame.try_frame_box(String::from("hi"))?;
    /// assert_eq!(*greeting, "hi");
    /// # Ok::<(), framealloc::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::OutOfMemory`] if the system allocator cannot provide a new chunk.
    #[inline(always)]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_frame_box<T>(&self, value: T) -> Result<FrameBox<'_, T>, Error> {
        self.arena().try_box(value, true)
    }

    /// An empty [`FrameVec`] borrowing this guard. Costs what
    /// `bumpalo::collections::Vec::new_in` costs: the guard's open frame protects it, so
    /// it is not counted as a live handle, and it can be frozen into a slice with
    /// [`FrameVec::into_slice`].
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec::<u32>();
    /// v.extend(0..4);
    /// let frozen: &mut [u32] = v.into_slice();
    /// assert_eq!(frozen, [0, 1, 2, 3]);
    /// ```
    #[inline]
    pub fn frame_vec<T>(&self) -> FrameVec<'_, T> {
        FrameVec::scoped(self.arena)
    }

    /// A [`FrameVec`] with room for `capacity` elements.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec_with_capacity::<u32>(16);
    /// let buffer = v.as_ptr();
    /// v.extend(0..16);
    /// assert_eq!(v.as_ptr(), buffer); // no growth: the room was there
    /// ```
    ///
    /// # Panics
    ///
    /// On capacity overflow or when the system allocator refuses a chunk.
    #[inline]
    #[track_caller]
    pub fn frame_vec_with_capacity<T>(&self, capacity: usize) -> FrameVec<'_, T> {
        self.scoped_vec(capacity, false)
            .unwrap_or_else(|e| crate::fail(&e))
    }

    /// Fallible [`frame_vec_with_capacity`](Self::frame_vec_with_capacity).
    ///
    /// ```
    /// use framealloc::Error;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// assert!(frame.try_frame_vec_with_capacity::<u64>(1024)?.capacity() >= 1024);
    /// let too_big = frame.try_frame_vec_with_capacity::<u64>(usize::MAX);
    /// assert!(matches!(too_big, Err(Error::CapacityOverflow)));
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::CapacityOverflow`] or [`Error::OutOfMemory`].
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_frame_vec_with_capacity<T>(
        &self,
        capacity: usize,
    ) -> Result<FrameVec<'_, T>, Error> {
        self.scoped_vec(capacity, true)
    }

    /// A guard-borrowing vector with room for `capacity` (`strict`: a `try_` call).
    #[inline]
    #[track_caller]
    fn scoped_vec<T>(&self, capacity: usize, strict: bool) -> Result<FrameVec<'_, T>, Error> {
        let arena = self.arena();
        if capacity != 0 && arena.budgets_armed() {
            // Checked here so a `try_` call can return the refusal (the vector's own
            // allocation, through `ArenaRef`, can only follow `on_misuse`).
            let bytes = Layout::array::<T>(capacity).map_err(|_| Error::CapacityOverflow)?;
            arena.check_frame_budgets(bytes.size() as u64, strict)?;
        }
        FrameVec::try_scoped_with_capacity(self.arena, capacity, strict)
    }

    /// `len` default values in a [`FrameBox<[T]>`](FrameBox) borrowing this guard.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut hits = frame.frame_slice::<u32>(8); // eight zeros
    /// hits[2] += 1;
    /// assert_eq!((hits.len(), hits.iter().sum::<u32>()), (8, 1));
    /// ```
    ///
    /// # Panics
    ///
    /// On capacity overflow or when the system allocator refuses a chunk.
    #[track_caller]
    pub fn frame_slice<T: Default>(&self, len: usize) -> FrameBox<'_, [T]> {
        self.arena()
            .try_slice(len, false)
            .unwrap_or_else(|e| crate::fail(&e))
    }

    /// Fallible [`frame_slice`](Self::frame_slice).
    ///
    /// ```
    /// use framealloc::Error;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let names = frame.try_frame_slice::<String>(3)?;
    /// assert!(names.iter().all(String::is_empty));
    /// assert!(matches!(frame.try_frame_slice::<u64>(usize::MAX), Err(Error::CapacityOverflow)));
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::CapacityOverflow`] or [`Error::OutOfMemory`].
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_frame_slice<T: Default>(&self, len: usize) -> Result<FrameBox<'_, [T]>, Error> {
        self.arena().try_slice(len, true)
    }

    /// Uninitialised room for a `T`; [`FrameBox::write`] turns it into a `FrameBox<T>`.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let slot = frame.frame_alloc::<[f32; 3]>(); // uninitialised room
    /// let pos = slot.write([1.0, 2.0, 3.0]); // now a FrameBox<[f32; 3]>
    /// assert_eq!(pos[1], 2.0);
    /// ```
    ///
    /// # Panics
    ///
    /// When the system allocator refuses a chunk.
    #[track_caller]
    pub fn frame_alloc<T>(&self) -> FrameBox<'_, MaybeUninit<T>> {
        self.arena()
            .try_uninit(false)
            .unwrap_or_else(|e| crate::fail(&e))
    }

    /// Fallible [`frame_alloc`](Self::frame_alloc).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let value = frame.try_frame_alloc::<u64>()?.write(42);
    /// assert_eq!(*value, 42);
    /// # Ok::<(), framealloc::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::OutOfMemory`].
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_frame_alloc<T>(&self) -> Result<FrameBox<'_, MaybeUninit<T>>, Error> {
        self.arena().try_uninit(true)
    }

    /// An [`allocator_api2::alloc::Allocator`] over this frame's memory, for
    /// `allocator_api2::vec::Vec`, `hashbrown::HashMap` and friends. Collections made with
    /// it borrow the guard and run their destructors as usual.
    ///
    /// ```
    /// use allocator_api2::vec::Vec;
    ///
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = Vec::new_in(frame.allocator());
    /// v.extend([1u32, 2, 3]);
    /// assert_eq!(v.iter().sum::<u32>(), 6);
    /// ```
    #[inline]
    pub fn allocator(&self) -> FrameAllocator<'_> {
        FrameAllocator { arena: self.arena }
    }
}

impl Deref for Frame<'_> {
    type Target = SmartAlloc;

    #[inline(always)]
    fn deref(&self) -> &SmartAlloc {
        self.alloc
    }
}

impl Drop for Frame<'_> {
    #[inline]
    fn drop(&mut self) {
        self.arena().close_frame();
    }
}

impl fmt::Debug for Frame<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Frame")
            .field("frame_number", &self.arena().frame_number())
            .finish_non_exhaustive()
    }
}

/// An [`Allocator`] handing out the memory of one frame; see [`Frame::allocator`].
///
/// Copyable and borrowing the guard, so nothing allocated with it outlives the frame.
/// Deallocation is free (memory is reclaimed when the frame ends; the latest block is
/// reused at once).
#[derive(Clone, Copy)]
pub struct FrameAllocator<'f> {
    arena: ArenaRef<'f>,
}

impl fmt::Debug for FrameAllocator<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameAllocator").finish_non_exhaustive()
    }
}

// SAFETY: forwards to the arena's allocator; `'f` borrows the `Frame` guard, whose open
// frame keeps the arena from resetting while any block can be used.
unsafe impl Allocator for FrameAllocator<'_> {
    #[inline]
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        self.arena.allocate(layout)
    }

    #[inline]
    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees (block from this allocator).
        unsafe { self.arena.deallocate(ptr, layout) }
    }

    #[inline]
    unsafe fn grow(
        &self,
        ptr: NonNull<u8>,
        old_layout: Layout,
        new_layout: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { self.arena.grow(ptr, old_layout, new_layout) }
    }

    #[inline]
    unsafe fn shrink(
        &self,
        ptr: NonNull<u8>,
        old_layout: Layout,
        new_layout: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { self.arena.shrink(ptr, old_layout, new_layout) }
    }
}
