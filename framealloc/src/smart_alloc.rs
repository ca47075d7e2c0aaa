//! `SmartAlloc`: the allocator handle.

use core::fmt;
use core::mem::MaybeUninit;
use std::sync::Arc;

use crate::budget::Budgets;
use crate::frame::arena::ThreadArena;
use crate::frame::registry::{self, ArenaSet};
use crate::{AllocConfig, Error, Frame, FrameBox, FrameVec, MisusePolicy};

/// The allocator: frame memory per thread, pools for small persistent objects and the
/// heap for large ones, behind one cheap, cloneable, `Send + Sync` handle.
///
/// Clones share the configuration and bookkeeping; each thread bumps its own frame
/// arena, found through a lock-free thread-local cache. See the [crate docs](crate) for
/// the two ways to use frame memory (scoped guards and the explicit
/// `begin_frame`/`end_frame` API).
///
/// # Methods by topic
///
/// Rustdoc lists the methods below topic by topic in this order, the order to learn them in. Every plain method that can fail has a `try_` twin returning
/// [`Result<_, Error>`](crate::Error) (its rustdoc sits next to it below).
///
/// 1. **Construct:** [`new`](Self::new) (and `clone`), [`config`](Self::config).
/// 2. **Frames:** scoped [`frame`](Self::frame), [`frame_scope`](Self::frame_scope);
///    explicit [`begin_frame`](Self::begin_frame), [`end_frame`](Self::end_frame);
///    state [`is_in_frame`](Self::is_in_frame),
///    [`is_in_explicit_frame`](Self::is_in_explicit_frame),
///    [`frame_number`](Self::frame_number).
/// 3. **Frame data (handles):** [`frame_box`](Self::frame_box),
///    [`frame_vec`](Self::frame_vec),
///    [`frame_vec_with_capacity`](Self::frame_vec_with_capacity),
///    [`frame_slice`](Self::frame_slice), [`frame_alloc`](Self::frame_alloc),
///    bumpalo's grid [`alloc_with`](Self::alloc_with), [`alloc_str`](Self::alloc_str),
///    [`alloc_slice_copy`](Self::alloc_slice_copy),
///    [`alloc_slice_clone`](Self::alloc_slice_clone),
///    [`alloc_slice_fill_with`](Self::alloc_slice_fill_with),
///    [`alloc_slice_fill_copy`](Self::alloc_slice_fill_copy),
///    [`alloc_slice_fill_clone`](Self::alloc_slice_fill_clone),
///    [`alloc_slice_fill_default`](Self::alloc_slice_fill_default),
///    [`alloc_slice_fill_iter`](Self::alloc_slice_fill_iter),
///    [`frame_string`](Self::frame_string); to another thread
///    [`frame_box_for_transfer`](Self::frame_box_for_transfer).
/// 4. **Pools:** [`pool_box`](Self::pool_box), [`pool_arc`](Self::pool_arc),
///    [`pool_allocator`](Self::pool_allocator).
/// 5. **Heap:** [`heap_box`](Self::heap_box), [`heap_vec`](Self::heap_vec),
///    [`heap_vec_with_capacity`](Self::heap_vec_with_capacity),
///    [`heap_allocator`](Self::heap_allocator).
/// 6. **Tags and budgets:** [`with_tag`](Self::with_tag), [`tag`](Self::tag),
///    [`current_tag`](Self::current_tag),
///    [`set_thread_frame_budget`](Self::set_thread_frame_budget),
///    [`thread_frame_budget`](Self::thread_frame_budget),
///    [`set_tag_budget`](Self::set_tag_budget), [`tag_budget`](Self::tag_budget),
///    [`on_budget_event`](Self::on_budget_event).
/// 7. **Stats and diagnostics:** [`stats`](Self::stats),
///    [`reset_peaks`](Self::reset_peaks), [`allocated_bytes`](Self::allocated_bytes),
///    [`live_frame_handles`](Self::live_frame_handles),
///    [`deferred_resets`](Self::deferred_resets), [`frame_resets`](Self::frame_resets),
///    [`frame_capacity_bytes`](Self::frame_capacity_bytes),
///    [`frame_arena_threads`](Self::frame_arena_threads),
///    [`abandoned_pool_pages`](Self::abandoned_pool_pages),
///    [`live_report`](Self::live_report) (with allocation sites under `debug`).
/// 8. **Async tasks:** [`task_frame`](Self::task_frame),
///    [`task_frame_tagged`](Self::task_frame_tagged), [`tag_future`](Self::tag_future);
///    the arena pool [`task_arenas_in_use`](Self::task_arenas_in_use),
///    [`task_arenas_idle`](Self::task_arenas_idle),
///    [`task_arenas_made`](Self::task_arenas_made). See the
///    [async guide](crate::guides::async_tasks).
/// 9. **Observing and job systems:** [`on_frame_end`](Self::on_frame_end) (see the
///    [observability guide](crate::guides::observability)), [`herd`](Self::herd),
///    [`herd_tagged`](Self::herd_tagged).
///
/// # Example
///
/// ```
/// use framealloc::SmartAlloc;
///
/// let alloc = SmartAlloc::new(Default::default());
/// for _ in 0..3 {
///     alloc.begin_frame();
///     let mut scratch = alloc.frame_vec::<f32>();
///     scratch.extend((0..100).map(|i| i as f32));
///     assert_eq!(scratch.len(), 100);
///     alloc.end_frame();
/// }
/// ```
#[derive(Clone)]
pub struct SmartAlloc {
    inner: Arc<Inner>,
}

struct Inner {
    /// Unique instance id (≥ 1, never reused): the key of the thread-local arena cache.
    id: u64,
    config: AllocConfig,
    frames: Arc<ArenaSet>,
    budgets: Arc<Budgets>,
    /// The task-frame arena pool, made at the first `task_frame` (see `task::pool`).
    tasks: std::sync::OnceLock<Arc<crate::task::pool::TaskPool>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The last clone is gone. Handles may outlive it (they stay valid); with `debug`,
        // say what is still out there and where it was allocated.
        #[cfg(feature = "debug")]
        {
            let report =
                crate::report::build(&crate::stats::tag_stats(&self.frames.shards), self.id);
            if !report.is_empty() {
                crate::callout::warn(format_args!(
                    "framealloc: last SmartAlloc clone dropped with live handles (they stay \
                     valid):\n{report}"
                ));
            }
        }
    }
}

impl Default for SmartAlloc {
    fn default() -> Self {
        SmartAlloc::new(AllocConfig::default())
    }
}

impl fmt::Debug for SmartAlloc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmartAlloc")
            .field("id", &self.inner.id)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// Panic with the error's message (at the caller's location).
#[cold]
#[inline(never)]
#[track_caller]
pub(crate) fn fail(error: &Error) -> ! {
    panic!("framealloc: {error} [Error::{error:?}]")
}

impl SmartAlloc {
    /// A new allocator with its own frame arenas.
    ///
    /// Tags declared with a budget (`#[alloc_tag("physics", budget = "8 MiB")]`) start
    /// with that budget (the smallest one, if a name is declared more than once);
    /// [`set_tag_budget`](Self::set_tag_budget) overrides it.
    ///
    /// ```
    /// use framealloc::{AllocConfig, SmartAlloc};
    ///
    /// let alloc = SmartAlloc::new(AllocConfig::default());
    /// let same = alloc.clone(); // cheap: shares pools, stats and config
    /// assert_eq!(same.frame_number(), alloc.frame_number());
    /// ```
    pub fn new(config: AllocConfig) -> Self {
        let id = crate::ids::new_instance_id();
        let budgets = Arc::new(Budgets::new(config.budget_policy, config.on_misuse));
        let frames = ArenaSet::new(id, config.initial_frame_capacity, budgets.clone());
        crate::pool::thread_heap::raise_retain_cap(config.pool_retain_bytes);
        let alloc = SmartAlloc {
            inner: Arc::new(Inner {
                id,
                config,
                frames,
                budgets,
                tasks: std::sync::OnceLock::new(),
            }),
        };
        let mut declared: Vec<(&str, u64)> = crate::registered_tags()
            .filter_map(|info| Some((info.name, info.budget?)))
            .collect();
        // Smallest first wins: sort descending so the smallest is set last.
        declared.sort_by_key(|&(_, budget)| core::cmp::Reverse(budget));
        for (name, budget) in declared {
            alloc.set_tag_budget(name, budget);
        }
        alloc
    }

    /// This allocator's unique id.
    #[inline(always)]
    pub(crate) fn id(&self) -> u64 {
        self.inner.id
    }

    /// The configuration this allocator was made with.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// assert_eq!(alloc.config().on_misuse, framealloc::MisusePolicy::Panic);
    /// ```
    pub fn config(&self) -> &AllocConfig {
        &self.inner.config
    }

    /// The instance's budgets (the budget methods, and the rapier event sink, which
    /// reports overflows through them).
    pub(crate) fn budgets(&self) -> &Arc<Budgets> {
        &self.inner.budgets
    }

    /// The instance's arenas and accounting shards.
    pub(crate) fn arena_set(&self) -> &Arc<ArenaSet> {
        &self.inner.frames
    }

    /// The task-frame arena pool (made on first use).
    pub(crate) fn task_pool(&self) -> &Arc<crate::task::pool::TaskPool> {
        self.inner.tasks.get_or_init(|| {
            Arc::new(crate::task::pool::TaskPool::new(
                self.inner.frames.shards.detached(),
            ))
        })
    }

    /// The task-frame arena pool, if a task frame was ever made.
    pub(crate) fn task_pool_if_any(&self) -> Option<&Arc<crate::task::pool::TaskPool>> {
        self.inner.tasks.get()
    }

    /// The calling thread's arena (created on first use).
    #[inline(always)]
    pub(crate) fn arena(&self) -> &ThreadArena {
        ArenaSet::current(&self.inner.frames, self.inner.id)
    }

    /// Handle misuse `error` under the configured policy: panic, or log and let the
    /// caller carry on with its safe fallback.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn misuse(&self, error: &Error, what: &str) {
        match self.inner.config.on_misuse {
            MisusePolicy::Panic => fail(error),
            MisusePolicy::Log => {
                let at = core::panic::Location::caller();
                crate::callout::warn(format_args!("framealloc: {what} at {at}: {error}"));
            }
        }
    }

    /// The arena, with a frame guaranteed open: under `MisusePolicy::Log` an allocation
    /// outside any frame opens an implicit explicit frame that the next `end_frame`
    /// closes.
    #[inline(always)]
    #[track_caller]
    pub(crate) fn arena_in_frame(&self) -> &ThreadArena {
        let arena = self.arena();
        if !arena.in_frame() {
            self.implicit_frame(arena);
        }
        arena
    }

    #[cold]
    #[inline(never)]
    #[track_caller]
    fn implicit_frame(&self, arena: &ThreadArena) {
        // The frame first: the log line goes to the logger, user code that may use this
        // allocator (under `Panic` nothing is opened: the call panics).
        if self.inner.config.on_misuse == MisusePolicy::Log {
            arena.begin_explicit();
        }
        self.misuse(
            &Error::NotInFrame,
            "frame allocation with no frame open; opening an implicit frame that the next end_frame closes",
        );
    }

    /// The arena if a frame is open, else `Error::NotInFrame`.
    #[inline(always)]
    pub(crate) fn try_arena_in_frame(&self) -> Result<&ThreadArena, Error> {
        let arena = self.arena();
        if arena.in_frame() {
            Ok(arena)
        } else {
            Err(Error::NotInFrame)
        }
    }

    // ----- explicit frames -----

    // ----- scoped frames -----

    /// Open a frame guard on this thread: the frame lasts until the guard drops, and
    /// everything allocated through the guard borrows it (compile-time checked).
    /// Joins the explicit frame or an enclosing guard if one is open.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// {
    ///     let frame = alloc.frame(); // the frame begins
    ///     let x = frame.alloc(41u32);
    ///     *x += 1;
    ///     assert_eq!(*x, 42);
    /// } // ...and ends with the guard
    /// assert!(!alloc.is_in_frame());
    /// ```
    #[inline]
    pub fn frame(&self) -> Frame<'_> {
        Frame::open(self, self.arena())
    }

    /// Run `f` inside a frame and return its value; the frame ends when `f` returns or
    /// unwinds. Nothing allocated through the `&Frame` can escape `f`.
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let total = alloc.frame_scope(|frame| {
    ///     let xs = frame.alloc([1u32, 2, 3, 4]);
    ///     xs.iter().sum::<u32>()
    /// });
    /// assert_eq!(total, 10);
    /// ```
    #[inline]
    pub fn frame_scope<R>(&self, f: impl FnOnce(&Frame<'_>) -> R) -> R {
        let frame = self.frame();
        f(&frame)
    }

    // ----- explicit frames -----

    /// Begin the explicit frame on this thread.
    ///
    /// # Panics
    ///
    /// If the explicit frame is already open and `on_misuse` is `Panic` (under `Log` the
    /// call is reported and ignored).
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// assert!(alloc.is_in_explicit_frame());
    /// let scratch = alloc.frame_vec::<u32>();
    /// alloc.end_frame();
    /// drop(scratch); // a handle dropped after end_frame is fine: the reset waits for it
    /// ```
    #[inline]
    #[track_caller]
    pub fn begin_frame(&self) {
        // Not through `try_begin_frame`: the `Result` would be built in memory and
        // tested on every frame.
        if !self.arena().begin_explicit() {
            self.misuse(&Error::AlreadyInFrame, "begin_frame ignored");
        }
    }

    /// Begin the explicit frame on this thread.
    ///
    /// A `Frame` guard may already be open (the explicit frame then joins it), and guards
    /// may be opened inside the explicit frame.
    ///
    /// # Errors
    ///
    /// [`Error::AlreadyInFrame`] if the explicit frame is already open; nothing changes.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.try_begin_frame().unwrap();
    /// assert!(matches!(alloc.try_begin_frame(), Err(framealloc::Error::AlreadyInFrame)));
    /// alloc.end_frame();
    /// ```
    #[inline]
    pub fn try_begin_frame(&self) -> Result<(), Error> {
        if self.arena().begin_explicit() {
            Ok(())
        } else {
            Err(Error::AlreadyInFrame)
        }
    }

    /// End the explicit frame on this thread: once no guard is open and no explicit
    /// handle is alive, its memory is reused by the next frame.
    ///
    /// Handles still alive (e.g. a `FrameVec` dropped at the end of the loop body, after
    /// `end_frame`) are fine: the reset waits for the last of them.
    ///
    /// # Panics
    ///
    /// If no explicit frame is open and `on_misuse` is `Panic` (under `Log` the call is
    /// reported and is a no-op).
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let before = alloc.frame_number();
    /// alloc.begin_frame();
    /// alloc.end_frame();
    /// assert_eq!(alloc.frame_number(), before + 1);
    /// ```
    #[inline]
    #[track_caller]
    pub fn end_frame(&self) {
        // As in `begin_frame`: no `Result` on the way.
        if !self.arena().end_explicit() {
            self.misuse(&Error::NotInFrame, "end_frame ignored");
        }
    }

    /// End the explicit frame on this thread.
    ///
    /// # Errors
    ///
    /// [`Error::NotInFrame`] if no explicit frame is open; nothing changes.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// assert!(matches!(alloc.try_end_frame(), Err(framealloc::Error::NotInFrame)));
    /// ```
    #[inline]
    pub fn try_end_frame(&self) -> Result<(), Error> {
        if self.arena().end_explicit() {
            Ok(())
        } else {
            Err(Error::NotInFrame)
        }
    }

    /// Whether a frame (explicit or a guard) is open on this thread.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// assert!(!alloc.is_in_frame());
    /// let frame = alloc.frame();
    /// assert!(frame.is_in_frame());
    /// ```
    pub fn is_in_frame(&self) -> bool {
        self.arena().in_frame()
    }

    /// Whether the explicit `begin_frame` frame is open on this thread.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// assert!(!frame.is_in_explicit_frame()); // a guard is not the explicit frame
    /// ```
    pub fn is_in_explicit_frame(&self) -> bool {
        self.arena().in_explicit_frame()
    }

    /// This thread's frame number: the number of outermost frames begun on it so far
    /// (the current one included). 0 before the first frame.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let n = alloc.frame_number();
    /// alloc.frame_scope(|_| ());
    /// assert_eq!(alloc.frame_number(), n + 1);
    /// ```
    pub fn frame_number(&self) -> u64 {
        registry::ArenaSet::current_if_exists(&self.inner.frames, ThreadArena::frame_number)
            .unwrap_or(0)
    }

    // ----- explicit frame handles -----

    /// Move `value` into frame memory. Its destructor runs when the box drops.
    ///
    /// # Panics
    ///
    /// With no frame open and `on_misuse = Panic`; always when memory runs out.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let mut b = alloc.frame_box([0u8; 64]);
    /// b[0] = 7;
    /// assert_eq!(b[0], 7);
    /// alloc.end_frame();
    /// ```
    #[track_caller]
    // Always: a call here (the value passed through memory, the box returned in two
    // registers) made `frame_box`+drop 2.3x slower in criterion than the inlined path.
    #[inline(always)]
    pub fn frame_box<T>(&self, value: T) -> FrameBox<'_, T> {
        self.arena_in_frame()
            .try_box(value, false)
            .unwrap_or_else(|e| fail(&e))
    }

    /// Fallible [`frame_box`](Self::frame_box). On error `value` is dropped.
    ///
    /// # Errors
    ///
    /// [`Error::NotInFrame`] with no frame open; [`Error::OutOfMemory`].
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// assert!(matches!(alloc.try_frame_box(1u32), Err(framealloc::Error::NotInFrame)));
    /// ```
    #[inline(always)]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_frame_box<T>(&self, value: T) -> Result<FrameBox<'_, T>, Error> {
        self.try_arena_in_frame()?.try_box(value, true)
    }

    /// An empty growable vector in frame memory.
    ///
    /// # Panics
    ///
    /// With no frame open and `on_misuse = Panic`.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let mut names = alloc.frame_vec::<String>(); // any T: destructors run
    /// names.push("a".to_owned());
    /// assert_eq!(names.len(), 1);
    /// alloc.end_frame();
    /// ```
    #[track_caller]
    #[inline]
    pub fn frame_vec<T>(&self) -> FrameVec<'_, T> {
        self.frame_vec_with_capacity(0)
    }

    /// Fallible [`frame_vec`](Self::frame_vec).
    ///
    /// # Errors
    ///
    /// [`Error::NotInFrame`] with no frame open.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let v = alloc.try_frame_vec::<u32>().unwrap();
    /// assert!(v.is_empty());
    /// alloc.end_frame();
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_frame_vec<T>(&self) -> Result<FrameVec<'_, T>, Error> {
        self.try_frame_vec_with_capacity(0)
    }

    /// A vector in frame memory with room for `capacity` elements.
    ///
    /// # Panics
    ///
    /// With no frame open and `on_misuse = Panic`; always on capacity overflow or when
    /// memory runs out.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let v = alloc.frame_vec_with_capacity::<u32>(100);
    /// assert!(v.capacity() >= 100);
    /// alloc.end_frame();
    /// ```
    #[track_caller]
    pub fn frame_vec_with_capacity<T>(&self, capacity: usize) -> FrameVec<'_, T> {
        self.arena_in_frame()
            .try_vec(capacity, false)
            .unwrap_or_else(|e| fail(&e))
    }

    /// Fallible [`frame_vec_with_capacity`](Self::frame_vec_with_capacity).
    ///
    /// # Errors
    ///
    /// [`Error::NotInFrame`], [`Error::CapacityOverflow`], [`Error::OutOfMemory`].
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// assert!(alloc.try_frame_vec_with_capacity::<u64>(usize::MAX).is_err());
    /// alloc.end_frame();
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_frame_vec_with_capacity<T>(
        &self,
        capacity: usize,
    ) -> Result<FrameVec<'_, T>, Error> {
        self.try_arena_in_frame()?.try_vec(capacity, true)
    }

    /// `len` default values of `T` in frame memory.
    ///
    /// # Panics
    ///
    /// With no frame open and `on_misuse = Panic`; always on capacity overflow or when
    /// memory runs out.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let s = alloc.frame_slice::<u32>(8); // T: Default
    /// assert_eq!(&*s, &[0; 8]);
    /// alloc.end_frame();
    /// ```
    #[track_caller]
    pub fn frame_slice<T: Default>(&self, len: usize) -> FrameBox<'_, [T]> {
        self.arena_in_frame()
            .try_slice(len, false)
            .unwrap_or_else(|e| fail(&e))
    }

    /// Fallible [`frame_slice`](Self::frame_slice).
    ///
    /// # Errors
    ///
    /// [`Error::NotInFrame`]; [`Error::CapacityOverflow`] if `len * size_of::<T>()`
    /// exceeds `isize::MAX`; [`Error::OutOfMemory`].
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// assert!(alloc.try_frame_slice::<u64>(usize::MAX).is_err());
    /// alloc.end_frame();
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_frame_slice<T: Default>(&self, len: usize) -> Result<FrameBox<'_, [T]>, Error> {
        self.try_arena_in_frame()?.try_slice(len, true)
    }

    /// Uninitialised room for a `T` in frame memory; `.write(value)` turns it into a
    /// `FrameBox<T>`.
    ///
    /// # Panics
    ///
    /// With no frame open and `on_misuse = Panic`; always when memory runs out.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let slot = alloc.frame_alloc::<u64>();
    /// let v = slot.write(5);
    /// assert_eq!(*v, 5);
    /// alloc.end_frame();
    /// ```
    #[track_caller]
    pub fn frame_alloc<T>(&self) -> FrameBox<'_, MaybeUninit<T>> {
        self.arena_in_frame()
            .try_uninit(false)
            .unwrap_or_else(|e| fail(&e))
    }

    /// Fallible [`frame_alloc`](Self::frame_alloc).
    ///
    /// # Errors
    ///
    /// [`Error::NotInFrame`]; [`Error::OutOfMemory`].
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let v = alloc.try_frame_alloc::<u64>().unwrap().write(5);
    /// assert_eq!(*v, 5);
    /// alloc.end_frame();
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_frame_alloc<T>(&self) -> Result<FrameBox<'_, MaybeUninit<T>>, Error> {
        self.try_arena_in_frame()?.try_uninit(true)
    }
}
