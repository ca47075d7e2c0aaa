//! Frame herds: per-frame memory that the workers of a job system (rayon, a thread pool)
//! allocate into in parallel and the main thread reads afterwards (SPEC §12).
//!
//! A [`FrameHerd`] is `Sync` and owns nothing but a list of arenas; each worker makes a
//! [`HerdMember`], which checks an owned arena out of the allocator's task-frame pool
//! (the same pool as [`TaskFrame`](crate::TaskFrame)s) and bumps it alone: no atomics,
//! no lock on the allocation path. A member's allocations have the *herd's* lifetime:
//! when the member drops, its arena (with everything in it) moves into the herd's list,
//! where it stays until [`FrameHerd::reset`] (`&mut self`: the borrow checker proves no
//! member and no allocation is alive) or the herd's drop give it back to the pool, reset
//! to its largest chunk.

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bumpalo::Bump;

use crate::SmartAlloc;
use crate::frame_safe::assert_no_destructor;
use crate::tag::{self, TagId};
use crate::task::pool::{self, TaskPool};
use crate::task::vec::TaskVec;

/// Memory shared by the workers of a job system for one frame (or any batch): `Sync`,
/// from [`SmartAlloc::herd`]; each worker allocates through its own [`HerdMember`].
///
/// It needs no open frame. Everything its members allocate lives until
/// [`reset`](Self::reset) or the herd's drop — typically once per frame — so results
/// made on worker threads (`T: Send`) are read on the main thread with no copy.
///
/// **Memory.** Members check owned arenas out of the allocator's task-frame pool and
/// give them to the herd when they drop; `reset` returns them to the pool, each keeping
/// its largest chunk, so a steady frame loop makes no system allocation.
///
/// **Accounting.** Its bytes count in [`stats()`](SmartAlloc::stats) as
/// [`Kind::Frame`](crate::Kind::Frame) bytes of the herd's tag (the tag current when it
/// was made, or the one given to [`herd_tagged`](SmartAlloc::herd_tagged)), credited as
/// each member drops: `allocated_bytes` grows by the member's bytes, `peak_bytes` is at
/// least the largest member's; a tag budget is checked per member then (reported, never
/// refused).
///
/// ```
/// use framealloc::SmartAlloc;
///
/// let alloc = SmartAlloc::new(Default::default());
/// let mut herd = alloc.herd();
/// for _frame in 0..3 {
///     let results: Vec<&mut [u64]> = std::thread::scope(|s| {
///         let workers: Vec<_> = (0..2u64)
///             .map(|w| {
///                 let herd = &herd;
///                 s.spawn(move || {
///                     let member = herd.member();
///                     member.alloc_slice_fill_with(100, |i| w * 1000 + i as u64)
///                 })
///             })
///             .collect();
///         workers.into_iter().map(|h| h.join().unwrap()).collect()
///     });
///     // Worker data, read on this thread; the members are gone, the data lives on.
///     assert_eq!((results[0][99], results[1][0]), (99, 1000));
///     herd.reset(); // the next frame reuses the arenas
/// }
/// ```
///
/// A reset while herd data is alive does not compile:
///
/// ```compile_fail,E0502
/// let alloc = framealloc::SmartAlloc::new(Default::default());
/// let mut herd = alloc.herd();
/// let x = herd.member().alloc(1u32);
/// herd.reset(); // error: `herd` is borrowed by `x`
/// *x += 1;
/// ```
pub struct FrameHerd {
    /// The pool members check arenas out of and `reset` gives them back to.
    pool: Arc<TaskPool>,
    /// The tag its bytes are accounted to.
    tag: TagId,
    /// Arenas of dropped members: their allocations live until `reset` or drop.
    retired: Mutex<Vec<Bump>>,
}

impl FrameHerd {
    fn new(pool: Arc<TaskPool>, tag: TagId) -> FrameHerd {
        FrameHerd {
            pool,
            tag,
            retired: Mutex::new(Vec::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Bump>> {
        // Nothing panics while the list is locked (room is made before), so a poisoned
        // lock still holds a consistent list.
        self.retired.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A member for the calling worker: allocations through it live as long as the herd
    /// (until [`reset`](Self::reset)), not just as long as the member. One per worker and
    /// batch, e.g. rayon's `map_init(|| herd.member(), ..)`; it stays on its thread
    /// (`!Send`).
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let herd = alloc.herd();
    /// let x = {
    ///     let member = herd.member();
    ///     member.alloc(41u32)
    /// }; // the member is gone, `x` lives on
    /// *x += 1;
    /// assert_eq!(*x, 42);
    /// ```
    pub fn member(&self) -> HerdMember<'_> {
        HerdMember {
            bump: self.pool.checkout(),
            herd: self,
            _not_send: PhantomData,
        }
    }

    /// Release everything the members allocated: their arenas go back to the pool, each
    /// keeping its largest chunk. Takes `&mut self`, so the borrow checker proves that no
    /// member and no allocation is alive.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let mut herd = alloc.herd();
    /// let first = herd.member().alloc(1u64) as *mut u64;
    /// herd.reset();
    /// let again = herd.member().alloc(2u64) as *mut u64;
    /// assert_eq!(first, again); // the same arena, the same memory
    /// ```
    pub fn reset(&mut self) {
        let retired = self
            .retired
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        for bump in retired.drain(..) {
            // Bytes were credited when each member dropped.
            self.pool.give_back(bump, self.tag, 0).deliver();
        }
    }

    /// Arenas holding this herd's data (one per member dropped since the last reset).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let mut herd = alloc.herd();
    /// drop((herd.member(), herd.member()));
    /// assert_eq!(herd.arenas(), 2);
    /// herd.reset();
    /// assert_eq!(herd.arenas(), 0);
    /// ```
    pub fn arenas(&self) -> usize {
        self.lock().len()
    }

    /// Bytes in use in the arenas of the members dropped since the last reset.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let herd = alloc.herd();
    /// herd.member().alloc([0u8; 100]);
    /// assert_eq!(herd.bytes_used(), 100);
    /// ```
    pub fn bytes_used(&self) -> usize {
        self.lock().iter().map(pool::used_bytes).sum()
    }

    /// The tag the herd's bytes are accounted to (`"untagged"` under the `minimal`
    /// feature).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let herd = alloc.herd_tagged("ai");
    /// # #[cfg(not(feature = "minimal"))]
    /// assert_eq!(herd.tag(), "ai");
    /// ```
    pub fn tag(&self) -> &'static str {
        tag::name_of(self.tag)
    }
}

impl Drop for FrameHerd {
    fn drop(&mut self) {
        self.reset();
    }
}

impl fmt::Debug for FrameHerd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameHerd")
            .field("tag", &self.tag())
            .field("arenas", &self.arenas())
            .field("bytes_used", &self.bytes_used())
            .finish_non_exhaustive()
    }
}

/// One worker's allocator in a [`FrameHerd`], from [`FrameHerd::member`]: `!Send`, and
/// allocations live for the herd's borrow `'h`, past the member's drop.
///
/// ```compile_fail,E0277
/// // A member sent to another thread.
/// let alloc = framealloc::SmartAlloc::new(Default::default());
/// let herd = alloc.herd();
/// let member = herd.member();
/// std::thread::scope(|s| {
///     s.spawn(move || member.alloc(1u32));
/// });
/// ```
pub struct HerdMember<'h> {
    /// The checked-out arena; only this member allocates from it. It moves into the
    /// herd's list on drop (its chunks, and so every allocation, stay where they are).
    bump: Bump,
    herd: &'h FrameHerd,
    /// `!Send`: one member per worker thread (and `!Sync` through `Bump`).
    _not_send: PhantomData<*mut ()>,
}

impl<'h> HerdMember<'h> {
    /// Move `value` into herd memory and return a plain `&mut` to it that lives as long
    /// as the herd's borrow. `T` must have no destructor (checked at compile time, as for
    /// [`Frame::alloc`](crate::Frame::alloc)).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let herd = alloc.herd();
    /// let member = herd.member();
    /// let xs = member.alloc([1u32, 2, 3]);
    /// drop(member);
    /// assert_eq!(xs.iter().sum::<u32>(), 6);
    /// ```
    ///
    /// ```compile_fail,E0080
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let herd = alloc.herd();
    /// herd.member().alloc(String::from("would leak")); // error: never runs destructors
    /// ```
    ///
    /// # Panics
    ///
    /// If the system allocator cannot provide a new chunk.
    #[inline(always)]
    pub fn alloc<T>(&self, value: T) -> &'h mut T {
        assert_no_destructor!(T, "member.alloc", "allocate it elsewhere (pool_box)");
        let value = self.bump.alloc(value);
        // SAFETY: the value is in a chunk of this member's arena. The arena is freed or
        // reused only by `FrameHerd::reset` (`&mut FrameHerd`) or the herd's drop, both
        // after every `&'h FrameHerd` borrow ends; the member's drop only moves the
        // `Bump` (a pointer to its chunk list) into the herd, the chunks stay put. The
        // block is fresh, so this is its only reference.
        unsafe { &mut *core::ptr::from_mut(value) }
    }

    /// Allocate room, then construct the value in place with `f`; lives as long as the
    /// herd's borrow. `T` must have no destructor, as for [`alloc`](Self::alloc).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let herd = alloc.herd();
    /// let big = herd.member().alloc_with(|| [7u8; 4096]);
    /// assert_eq!(big[4095], 7);
    /// ```
    #[inline(always)]
    pub fn alloc_with<T>(&self, f: impl FnOnce() -> T) -> &'h mut T {
        assert_no_destructor!(T, "member.alloc_with", "allocate it elsewhere (pool_box)");
        let value = self.bump.alloc_with(f);
        // SAFETY: as in `alloc`: herd memory, freed only after `'h`.
        unsafe { &mut *core::ptr::from_mut(value) }
    }

    /// Copy a string into herd memory.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let herd = alloc.herd();
    /// let name = herd.member().alloc_str("worker-1");
    /// assert_eq!(name, "worker-1");
    /// ```
    #[inline]
    pub fn alloc_str(&self, s: &str) -> &'h mut str {
        let s = self.bump.alloc_str(s);
        // SAFETY: as in `alloc`: herd memory, freed only after `'h`.
        unsafe { &mut *core::ptr::from_mut(s) }
    }

    /// Copy a slice into herd memory.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let herd = alloc.herd();
    /// let xs = herd.member().alloc_slice_copy(&[3u16, 1, 2]);
    /// xs.sort_unstable();
    /// assert_eq!(xs, [1, 2, 3]);
    /// ```
    #[inline]
    pub fn alloc_slice_copy<T: Copy>(&self, src: &[T]) -> &'h mut [T] {
        let xs = self.bump.alloc_slice_copy(src);
        // SAFETY: as in `alloc`: herd memory, freed only after `'h`.
        unsafe { &mut *core::ptr::from_mut(xs) }
    }

    /// A slice of `len` values made by `f(index)` in herd memory. `T` must have no
    /// destructor, as for [`alloc`](Self::alloc).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let herd = alloc.herd();
    /// let squares = herd.member().alloc_slice_fill_with(4, |i| (i * i) as u32);
    /// assert_eq!(squares, [0, 1, 4, 9]);
    /// ```
    #[inline]
    pub fn alloc_slice_fill_with<T>(&self, len: usize, f: impl FnMut(usize) -> T) -> &'h mut [T] {
        assert_no_destructor!(
            T,
            "member.alloc_slice_fill_with",
            "use `member.frame_vec()`, which drops its elements"
        );
        let xs = self.bump.alloc_slice_fill_with(len, f);
        // SAFETY: as in `alloc`: herd memory, freed only after `'h`.
        unsafe { &mut *core::ptr::from_mut(xs) }
    }

    /// An empty growable vector in herd memory. It grows through this member (so it
    /// cannot outlive it); [`HerdVec::into_slice`] freezes it into a slice that lives as
    /// long as the herd.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let herd = alloc.herd();
    /// let evens: &mut [u32] = {
    ///     let member = herd.member();
    ///     let mut v = member.frame_vec();
    ///     v.extend((0..10).filter(|x| x % 2 == 0));
    ///     v.into_slice()
    /// };
    /// assert_eq!(evens, [0, 2, 4, 6, 8]);
    /// ```
    #[inline]
    pub fn frame_vec<T>(&self) -> HerdVec<'_, 'h, T> {
        HerdVec {
            vec: TaskVec::new_in(crate::task::TaskFrameAllocator::new(&self.bump)),
            _herd: PhantomData,
        }
    }

    /// Bytes this member has used so far.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let herd = alloc.herd();
    /// let member = herd.member();
    /// member.alloc([0u8; 64]);
    /// assert_eq!(member.bytes_used(), 64);
    /// ```
    pub fn bytes_used(&self) -> usize {
        pool::used_bytes(&self.bump)
    }
}

impl Drop for HerdMember<'_> {
    fn drop(&mut self) {
        // The allocations live on: the arena moves into the herd, whole.
        let bump = core::mem::take(&mut self.bump);
        let overruns = self
            .herd
            .pool
            .credit(self.herd.tag, pool::used_bytes(&bump));
        // Room first, with the lock released: pushing must not allocate under the lock.
        crate::locked_vec::lock_with_room(|| self.herd.lock(), |v| v).push(bump);
        // User code (the budget callback) runs last.
        overruns.deliver();
    }
}

impl fmt::Debug for HerdMember<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HerdMember")
            .field("bytes_used", &self.bytes_used())
            .finish_non_exhaustive()
    }
}

/// A growable vector in herd memory, from [`HerdMember::frame_vec`]: it grows through its
/// member (lifetime `'m`); [`into_slice`](Self::into_slice) gives its elements the
/// herd's lifetime `'h`. Its elements are dropped with it unless frozen.
pub struct HerdVec<'m, 'h, T> {
    vec: TaskVec<'m, T>,
    /// The herd borrow the memory is valid for.
    _herd: PhantomData<&'h ()>,
}

impl<'h, T> HerdVec<'_, 'h, T> {
    /// Append `value`, growing in the member's arena if needed.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// # let herd = alloc.herd();
    /// let member = herd.member();
    /// let mut v = member.frame_vec();
    /// (0..50).for_each(|i| v.push(i));
    /// assert_eq!((v.len(), v[49]), (50, 49));
    /// ```
    #[inline]
    pub fn push(&mut self, value: T) {
        self.vec.push(value);
    }

    /// Remove and return the last element.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// # let herd = alloc.herd();
    /// let member = herd.member();
    /// let mut v = member.frame_vec();
    /// v.push(1);
    /// assert_eq!((v.pop(), v.pop()), (Some(1), None));
    /// ```
    #[inline]
    pub fn pop(&mut self) -> Option<T> {
        self.vec.pop()
    }

    /// Make room for at least `additional` more elements.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// # let herd = alloc.herd();
    /// let member = herd.member();
    /// let mut v = member.frame_vec::<u64>();
    /// v.reserve(32);
    /// assert!(v.capacity() >= 32);
    /// ```
    #[inline]
    pub fn reserve(&mut self, additional: usize) {
        self.vec.reserve(additional);
    }

    /// Elements it can hold without growing.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// # let herd = alloc.herd();
    /// let member = herd.member();
    /// assert_eq!(member.frame_vec::<u8>().capacity(), 0);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.vec.capacity()
    }

    /// Freeze into a slice with the herd's lifetime (destructor-free `T`: the elements
    /// are abandoned in herd memory).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let herd = alloc.herd();
    /// let xs = {
    ///     let member = herd.member();
    ///     let mut v = member.frame_vec();
    ///     v.extend([3, 1, 2]);
    ///     v.into_slice()
    /// };
    /// xs.sort_unstable();
    /// assert_eq!(xs, [1, 2, 3]);
    /// ```
    pub fn into_slice(self) -> &'h mut [T] {
        let xs = self.vec.into_slice();
        // SAFETY: the buffer is in the member's arena, which is herd memory (see
        // `HerdMember::alloc`): freed only after every `&'h FrameHerd` borrow ends. The
        // vector was made by a member whose herd is borrowed for at least `'h` (the
        // inner vector, which carries no `'h`, is never exposed, so it cannot be swapped
        // for one of another herd).
        unsafe { &mut *core::ptr::from_mut(xs) }
    }
}

impl<T> Deref for HerdVec<'_, '_, T> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        &self.vec
    }
}

impl<T> DerefMut for HerdVec<'_, '_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.vec
    }
}

impl<T> Extend<T> for HerdVec<'_, '_, T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.vec.extend(iter);
    }
}

impl<T: fmt::Debug> fmt::Debug for HerdVec<'_, '_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl SmartAlloc {
    /// A [`FrameHerd`] accounted to the calling thread's current tag: memory that the
    /// workers of a job system fill in parallel through their [`HerdMember`]s. Needs no
    /// open frame.
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let herd = alloc.with_tag("ai", |a| a.herd());
    /// # #[cfg(not(feature = "minimal"))]
    /// assert_eq!(herd.tag(), "ai");
    /// ```
    pub fn herd(&self) -> FrameHerd {
        FrameHerd::new(self.task_pool().clone(), tag::current())
    }

    /// A [`FrameHerd`] accounted to the tag `tag`.
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let herd = alloc.herd_tagged("particles");
    /// # #[cfg(not(feature = "minimal"))]
    /// assert_eq!(herd.tag(), "particles");
    /// ```
    pub fn herd_tagged(&self, tag: &str) -> FrameHerd {
        let tag = if cfg!(feature = "minimal") {
            0
        } else {
            tag::intern(tag)
        };
        FrameHerd::new(self.task_pool().clone(), tag)
    }
}
