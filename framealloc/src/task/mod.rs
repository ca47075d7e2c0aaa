//! Task frames: frame memory that an async task (or any unit of work that may move
//! between threads) owns, checked out of a per-allocator arena pool.
//!
//! See `docs/async.md` for the model.

pub(crate) mod boxed;
pub(crate) mod pool;
pub(crate) mod tag_future;
pub(crate) mod vec;

use core::alloc::Layout;
use core::fmt;
use core::mem::MaybeUninit;
use core::ptr::NonNull;
use std::sync::Arc;

use allocator_api2::alloc::{AllocError, Allocator};
use bumpalo::Bump;

use self::boxed::TaskBox;
use self::pool::TaskPool;
use self::vec::{FixedTaskVec, TaskVec};
use crate::SmartAlloc;
use crate::frame_safe::assert_no_destructor;
use crate::tag::{self, TagId};

/// Frame memory owned by a task: `'static`, [`Send`] (it may follow an async task to
/// another worker thread), `!Sync`.
///
/// Made by [`SmartAlloc::task_frame`] or [`SmartAlloc::task_frame_tagged`], which check
/// an arena out of the allocator's pool; dropping the task frame (on any thread, on
/// unwinding too) resets the arena and puts it back, keeping its largest chunk, so tasks
/// in steady state make no system allocation. [`reset`](Self::reset) reuses the memory
/// within one long-lived task (per tick, per request).
///
/// Allocation methods take `&self` and mirror [`Frame`](crate::Frame)'s: everything
/// allocated borrows the task frame, so the borrow checker proves it is gone before
/// `reset` or drop. Values live across `.await` (a `&mut T` from [`alloc`](Self::alloc)
/// is `Send` when `T` is); a `&TaskFrame` itself is not `Send` (pass `&mut TaskFrame` to
/// async helpers, see `docs/async.md`).
///
/// **Accounting.** Its bytes count in [`stats()`](SmartAlloc::stats) as
/// [`Kind::Frame`](crate::Kind::Frame) bytes of the task frame's tag, credited when it is
/// reset or dropped: `allocated_bytes` grows by the bytes it used, `peak_bytes` is at
/// least the largest such use, and they are never `live_bytes` (nor `allocations`, which
/// counts explicit thread-frame handles). A tag budget
/// ([`set_tag_budget`](SmartAlloc::set_tag_budget)) applies to each task frame's use
/// between resets, checked at reset and drop (as the scoped path is at frame end): an
/// overrun is reported through [`on_budget_event`](SmartAlloc::on_budget_event) and
/// `log`, never refused (the memory is already used). Thread frame budgets do not apply.
///
/// It does not dereference to [`SmartAlloc`]: the allocator's frame API is the calling
/// thread's frame, which a task must not mix with its own.
///
/// ```
/// use framealloc::{Kind, SmartAlloc};
///
/// let alloc = SmartAlloc::new(Default::default());
/// let mut frame = alloc.task_frame_tagged("net");
/// // Moved to another thread with everything it owns, dropped there.
/// let worker = std::thread::spawn(move || {
///     for request in 0..3u32 {
///         let header = frame.alloc([request; 16]);
///         let body = frame.alloc_str("hello");
///         assert_eq!((header[15], &*body), (request, "hello"));
///         frame.reset(); // per request: the same memory again
///     }
///     frame.peak_bytes()
/// });
/// let peak = worker.join().unwrap();
/// assert!(peak >= 69);
/// # #[cfg(not(feature = "minimal"))]
/// assert!(alloc.stats().tag("net").unwrap().kind(Kind::Frame).allocated_bytes >= 3 * 69);
/// assert_eq!(alloc.task_arenas_idle(), 1); // back in the pool
/// ```
///
/// What the compiler refuses (each would be a data race or a use after free):
///
/// ```compile_fail,E0277
/// // A `&TaskFrame` shared with another thread (`TaskFrame` is `!Sync`).
/// let alloc = framealloc::SmartAlloc::new(Default::default());
/// let frame = alloc.task_frame();
/// std::thread::scope(|s| {
///     s.spawn(|| frame.alloc(1u32));
/// });
/// ```
///
/// ```compile_fail,E0505
/// // Task-frame data outliving its task frame.
/// let alloc = framealloc::SmartAlloc::new(Default::default());
/// let frame = alloc.task_frame();
/// let xs = frame.alloc_slice_copy(&[1, 2, 3]);
/// drop(frame);
/// assert_eq!(xs[0], 1);
/// ```
///
/// ```compile_fail,E0277
/// // A `TaskVec` (which grows through a `&TaskFrame`) sent to another thread.
/// let alloc = framealloc::SmartAlloc::new(Default::default());
/// let frame = alloc.task_frame();
/// let mut v = frame.task_vec::<u32>();
/// v.push(1);
/// std::thread::scope(|s| {
///     s.spawn(move || v.len());
/// });
/// ```
// `repr(C)` keeps the `Bump` at offset 0, as in `ThreadArena`: the hot loop then passes
// the task frame's own address to bumpalo's refill call (an offset made LLVM spill the
// loop's value to the stack there, measured with callgrind).
#[repr(C)]
pub struct TaskFrame {
    /// The checked-out arena. Only [`reset`](Self::reset) (`&mut self`) and `Drop` reset
    /// it; every allocation borrows `self`, so none is alive then.
    bump: Bump,
    /// The tag its bytes are accounted to.
    tag: TagId,
    /// The largest use before a reset so far.
    peak: usize,
    /// The pool the arena goes back to (kept alive: a task frame may outlive every
    /// `SmartAlloc` clone).
    pool: Arc<TaskPool>,
}

impl TaskFrame {
    fn new(pool: Arc<TaskPool>, tag: TagId) -> TaskFrame {
        TaskFrame {
            bump: pool.checkout(),
            tag,
            peak: 0,
            pool,
        }
    }

    /// The tag this task frame's bytes are accounted to (`"untagged"` under the `minimal`
    /// feature, which compiles tags out).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame_tagged("net");
    /// # #[cfg(not(feature = "minimal"))]
    /// assert_eq!(frame.tag(), "net");
    /// ```
    pub fn tag(&self) -> &'static str {
        tag::name_of(self.tag)
    }

    /// The interned tag (the spawn helpers run the task's polls under it; scratch
    /// scopes account to it).
    pub(crate) fn tag_id(&self) -> TagId {
        self.tag
    }

    /// The pool its arena came from (scratch scopes credit their bytes through it).
    pub(crate) fn pool(&self) -> &TaskPool {
        &self.pool
    }

    /// Move `value` into the task frame and return a plain `&mut` to it, valid until the
    /// task frame is reset or dropped. One pointer bump, no counter.
    ///
    /// The value's destructor never runs, so `T` must have none — checked at compile time,
    /// as for [`Frame::alloc`](crate::Frame::alloc); use [`frame_box`](Self::frame_box)
    /// for types with one.
    ///
    /// ```compile_fail,E0080
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// frame.alloc(String::from("would leak")); // error: never runs destructors
    /// ```
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let xs = frame.alloc([1u32, 2, 3]);
    /// xs[0] = 10;
    /// assert_eq!(xs.iter().sum::<u32>(), 15);
    /// ```
    ///
    /// # Panics
    ///
    /// If the system allocator cannot provide a new chunk.
    #[inline(always)]
    pub fn alloc<T>(&self, value: T) -> &mut T {
        assert_no_destructor!(T, "task_frame.alloc", "use `task_frame.frame_box(value)`");
        self.bump.alloc(value)
    }

    /// Allocate room, then construct the value in place with `f` (no stack copy of large
    /// values). `T` must have no destructor, as for [`alloc`](Self::alloc).
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let big = frame.alloc_with(|| [7u8; 4096]);
    /// assert_eq!(big[4095], 7);
    /// ```
    #[inline(always)]
    pub fn alloc_with<T>(&self, f: impl FnOnce() -> T) -> &mut T {
        assert_no_destructor!(
            T,
            "task_frame.alloc_with",
            "use `task_frame.frame_box(f())`"
        );
        self.bump.alloc_with(f)
    }

    /// Copy a string into the task frame.
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let s = frame.alloc_str("GET /index.html");
    /// s.make_ascii_lowercase();
    /// assert_eq!(s, "get /index.html");
    /// ```
    #[inline]
    pub fn alloc_str(&self, s: &str) -> &mut str {
        self.bump.alloc_str(s)
    }

    /// Copy a slice into the task frame.
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let xs = frame.alloc_slice_copy(&[3u16, 1, 2]);
    /// xs.sort_unstable();
    /// assert_eq!(xs, [1, 2, 3]);
    /// ```
    #[inline]
    pub fn alloc_slice_copy<T: Copy>(&self, src: &[T]) -> &mut [T] {
        self.bump.alloc_slice_copy(src)
    }

    /// A slice of `len` values made by `f(index)`. `T` must have no destructor, as for
    /// [`alloc`](Self::alloc). If `f` panics, the values made so far are abandoned in the
    /// arena (they have no destructor to skip).
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let squares = frame.alloc_slice_fill_with(4, |i| (i * i) as u32);
    /// assert_eq!(squares, [0, 1, 4, 9]);
    /// ```
    #[inline]
    pub fn alloc_slice_fill_with<T>(&self, len: usize, f: impl FnMut(usize) -> T) -> &mut [T] {
        assert_no_destructor!(
            T,
            "task_frame.alloc_slice_fill_with",
            "use `task_frame.task_vec()` or `task_frame.fixed_vec(len)`, which drop their elements"
        );
        self.bump.alloc_slice_fill_with(len, f)
    }

    /// Move `value` into a [`TaskBox`] borrowing this task frame; its destructor runs
    /// when the box drops.
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let mut names = frame.frame_box(vec![String::from("a")]);
    /// names.push("b".into());
    /// assert_eq!(names.len(), 2);
    /// drop(names); // the `Vec` and its `String`s are freed here
    /// ```
    #[inline]
    pub fn frame_box<T>(&self, value: T) -> TaskBox<'_, T> {
        TaskBox::new(self.bump.alloc(value))
    }

    /// An empty growable vector in this task frame (its buffer grows in the arena).
    ///
    /// A `TaskVec` holds a `&TaskFrame`, so it is not `Send`: keep it between two
    /// `.await`s, or freeze it with [`TaskVec::into_slice`] (destructor-free `T`) first;
    /// for a vector that crosses `.await`, use [`fixed_vec`](Self::fixed_vec).
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let mut v = frame.task_vec::<u32>();
    /// v.extend(1..=4);
    /// let frozen: &mut [u32] = v.into_slice();
    /// assert_eq!(frozen, [1, 2, 3, 4]);
    /// ```
    #[inline]
    pub fn task_vec<T>(&self) -> TaskVec<'_, T> {
        TaskVec::new_in(self.allocator())
    }

    /// [`task_vec`](Self::task_vec) with room for `capacity` elements.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let mut v = frame.task_vec_with_capacity::<u32>(8);
    /// let buffer = v.as_ptr();
    /// v.extend(0..8);
    /// assert_eq!((v.len(), v.as_ptr()), (8, buffer)); // no growth
    /// ```
    ///
    /// # Panics
    ///
    /// On capacity overflow or if the system allocator cannot provide a new chunk.
    #[inline]
    pub fn task_vec_with_capacity<T>(&self, capacity: usize) -> TaskVec<'_, T> {
        TaskVec::with_capacity_in(capacity, self.allocator())
    }

    /// A vector with room for exactly `capacity` elements that holds no reference to the
    /// task frame's arena, so it is `Send` when `T` is and may live across `.await`.
    /// [`push`](FixedTaskVec::push) hands the value back when it is full. Its elements
    /// are dropped with it.
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let mut lines = frame.fixed_vec::<String>(2);
    /// lines.push("a".to_string()).unwrap();
    /// lines.push("b".to_string()).unwrap();
    /// assert_eq!(lines.push("c".to_string()), Err("c".to_string()));
    /// assert_eq!(lines.join(","), "a,b");
    /// ```
    ///
    /// # Panics
    ///
    /// On capacity overflow or if the system allocator cannot provide a new chunk.
    #[inline]
    pub fn fixed_vec<T>(&self, capacity: usize) -> FixedTaskVec<'_, T> {
        FixedTaskVec::new(
            self.bump
                .alloc_slice_fill_with(capacity, |_| MaybeUninit::uninit()),
        )
    }

    /// An [`Allocator`] that allocates in this task frame, for allocator-api2 and
    /// hashbrown collections (their blocks are reused at [`reset`](Self::reset), which
    /// the borrow prevents while they live).
    ///
    /// ```
    /// use framealloc::allocator_api2::vec::Vec;
    ///
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let mut v = Vec::new_in(frame.allocator());
    /// v.extend([1, 2, 3]);
    /// assert_eq!(v.iter().sum::<i32>(), 6);
    /// ```
    #[inline]
    pub fn allocator(&self) -> TaskFrameAllocator<'_> {
        TaskFrameAllocator { bump: &self.bump }
    }

    /// Make all of the task frame's memory reusable: for per-tick or per-request reuse in
    /// a long-lived task. Takes `&mut self`, so the borrow checker proves that nothing
    /// allocated from it is alive. The bytes used so far are credited to the tag (and
    /// checked against its budget) first; the arena keeps its largest chunk.
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let mut frame = alloc.task_frame();
    /// let first = frame.alloc(1u64) as *mut u64;
    /// frame.reset();
    /// let again = frame.alloc(2u64) as *mut u64;
    /// assert_eq!(first, again); // the same memory
    /// assert_eq!(frame.bytes_used(), 8);
    /// ```
    ///
    /// ```compile_fail,E0502
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let mut frame = alloc.task_frame();
    /// let x = frame.alloc(1u64);
    /// frame.reset(); // error: `frame` is borrowed by `x`
    /// *x += 1;
    /// ```
    pub fn reset(&mut self) {
        // Sound because of `&mut self`: every allocation (`&mut T`, `TaskBox`, `TaskVec`,
        // `FixedTaskVec`, `TaskFrameAllocator`) borrows `self`, so none is alive here.
        let used = pool::used_bytes(&self.bump);
        self.peak = self.peak.max(used);
        let overruns = self.pool.credit(self.tag, used);
        pool::clear(&mut self.bump);
        // User code (the budget callback) runs last.
        overruns.deliver();
    }

    /// Bytes in use since the last reset (alignment padding and the unused tails of
    /// older chunks included).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// assert_eq!(frame.bytes_used(), 0);
    /// frame.alloc([0u8; 100]);
    /// assert_eq!(frame.bytes_used(), 100);
    /// ```
    pub fn bytes_used(&self) -> usize {
        pool::used_bytes(&self.bump)
    }

    /// The largest [`bytes_used`](Self::bytes_used) so far, over every reset.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let mut frame = alloc.task_frame();
    /// frame.alloc([0u8; 256]);
    /// frame.reset();
    /// assert_eq!((frame.bytes_used(), frame.peak_bytes()), (0, 256));
    /// ```
    pub fn peak_bytes(&self) -> usize {
        self.peak.max(self.bytes_used())
    }

    /// Bytes of chunk memory the arena holds (kept across resets and checkouts).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let mut frame = alloc.task_frame();
    /// frame.alloc([0u8; 100]);
    /// let capacity = frame.capacity_bytes();
    /// frame.reset();
    /// assert!(capacity >= 100 && frame.capacity_bytes() == capacity); // kept across resets
    /// ```
    pub fn capacity_bytes(&self) -> usize {
        self.bump.allocated_bytes()
    }
}

impl Drop for TaskFrame {
    fn drop(&mut self) {
        // Nothing allocated from the arena is alive (everything borrows `self`). An empty
        // `Bump` allocates nothing; the checked-out one goes back to the pool.
        let bump = core::mem::replace(&mut self.bump, Bump::new());
        let used = pool::used_bytes(&bump);
        let overruns = self.pool.give_back(bump, self.tag, used);
        // User code (the budget callback) runs last, with the arena back in the pool.
        overruns.deliver();
    }
}

impl fmt::Debug for TaskFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskFrame")
            .field("tag", &self.tag())
            .field("bytes_used", &self.bytes_used())
            .field("peak_bytes", &self.peak_bytes())
            .finish_non_exhaustive()
    }
}

/// An [`Allocator`] that allocates in a [`TaskFrame`], from
/// [`TaskFrame::allocator`] (or in a scratch scope, from
/// [`Scratch::allocator`](crate::Scratch::allocator)). Borrows the task frame, so it is
/// not `Send`; blocks are freed all at once when the task frame is reset or dropped (a `deallocate` of the
/// latest block gives its room back at once, as in bumpalo).
#[derive(Clone, Copy)]
pub struct TaskFrameAllocator<'f> {
    bump: &'f Bump,
}

impl<'f> TaskFrameAllocator<'f> {
    /// An allocator over `bump` (a task frame's, a scratch scope's or a herd member's
    /// arena), valid while the borrow lasts.
    #[inline]
    pub(crate) fn new(bump: &'f Bump) -> Self {
        TaskFrameAllocator { bump }
    }
}

impl fmt::Debug for TaskFrameAllocator<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskFrameAllocator").finish_non_exhaustive()
    }
}

// SAFETY: every method forwards to bumpalo's `Allocator for &Bump`, which upholds the
// trait's contract. Blocks stay valid while this allocator (or a copy) lives: it borrows
// the `TaskFrame`, whose arena is reset only through `&mut TaskFrame` or its drop.
unsafe impl Allocator for TaskFrameAllocator<'_> {
    #[inline]
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        Allocator::allocate(&self.bump, layout)
    }

    #[inline]
    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees (a block of this arena).
        unsafe { Allocator::deallocate(&self.bump, ptr, layout) }
    }

    #[inline]
    unsafe fn grow(
        &self,
        ptr: NonNull<u8>,
        old_layout: Layout,
        new_layout: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { Allocator::grow(&self.bump, ptr, old_layout, new_layout) }
    }

    #[inline]
    unsafe fn shrink(
        &self,
        ptr: NonNull<u8>,
        old_layout: Layout,
        new_layout: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { Allocator::shrink(&self.bump, ptr, old_layout, new_layout) }
    }
}

impl SmartAlloc {
    /// A [`TaskFrame`] accounted to the calling thread's current tag: frame memory an
    /// async task owns and takes along to whichever thread polls it. Checked out of this
    /// allocator's arena pool (see [`TaskFrame`]).
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.with_tag("io", |a| a.task_frame());
    /// # #[cfg(not(feature = "minimal"))]
    /// assert_eq!(frame.tag(), "io");
    /// ```
    pub fn task_frame(&self) -> TaskFrame {
        TaskFrame::new(self.task_pool().clone(), tag::current())
    }

    /// A [`TaskFrame`] accounted to the tag `tag`.
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame_tagged("net");
    /// # #[cfg(not(feature = "minimal"))]
    /// assert_eq!(frame.tag(), "net");
    /// ```
    pub fn task_frame_tagged(&self, tag: &str) -> TaskFrame {
        let tag = if cfg!(feature = "minimal") {
            0
        } else {
            tag::intern(tag)
        };
        TaskFrame::new(self.task_pool().clone(), tag)
    }

    /// Idle arenas in this allocator's task-frame pool. Arenas are made only when none is
    /// idle, so idle plus [in use](Self::task_arenas_in_use) never exceeds the peak
    /// number of task frames alive at once.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let (a, b) = (alloc.task_frame(), alloc.task_frame());
    /// assert_eq!(alloc.task_arenas_idle(), 0);
    /// drop((a, b));
    /// assert_eq!(alloc.task_arenas_idle(), 2); // back in the pool, ready for the next tasks
    /// ```
    pub fn task_arenas_idle(&self) -> usize {
        self.task_pool_if_any().map_or(0, |p| p.idle())
    }

    /// Task-frame arenas checked out (task frames alive, or leaked).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// assert_eq!(alloc.task_arenas_in_use(), 1);
    /// drop(frame);
    /// assert_eq!(alloc.task_arenas_in_use(), 0);
    /// ```
    pub fn task_arenas_in_use(&self) -> usize {
        self.task_pool_if_any().map_or(0, |p| p.in_use())
    }

    /// Task-frame arenas made so far: the peak number of task frames alive at once.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// for _ in 0..3 {
    ///     let _frame = alloc.task_frame(); // one task at a time: the arena is reused
    /// }
    /// assert_eq!(alloc.task_arenas_made(), 1);
    /// ```
    pub fn task_arenas_made(&self) -> usize {
        self.task_pool_if_any().map_or(0, |p| p.made())
    }
}
