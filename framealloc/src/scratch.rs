//! Nested scratch scopes: `frame.scratch(|s| ..)` (SPEC §12).
//!
//! Each thread keeps a stack of scratch arenas, separate from its frame arenas: the scope
//! at nesting level k (counted on the thread, whichever handle opened it) uses arena k in
//! place for its lifetime and resets it, keeping its largest chunk, when it ends — on
//! return and on unwinding (in [`Scratch`]'s `Drop`). The closure form makes scopes
//! strictly LIFO on a thread, so the level is the thread's depth counter and no two live
//! scopes share a level. The parent frame's arena is never touched: its allocations stay
//! alive and its fast path is unchanged.
//!
//! # Why the raw pointers are sound
//!
//! The arenas are boxed (`Box::leak`) and listed in a thread-local vector; a scope
//! keeps a pointer to its level's arena, which stays put when the vector grows. Only the
//! thread itself reaches its stack, and a level's arena is used only by the one live
//! scope at that level (allocations through `&Scratch`, the reset through the scope's
//! `Drop` once the closure — and every borrow of the `&Scratch` — has ended). The vector
//! itself is borrowed mutably only to grow, with a `growing` flag set first: a scope
//! opened re-entrantly meanwhile (the growth allocates, and the global allocator may be
//! user code) sees the flag and uses an arena of its own instead, as does a scope during
//! thread teardown (the stack already destroyed). The arenas are freed with the stack
//! at thread exit, when no scope of the thread is live: a scope opened in another
//! thread-local's destructor either ends before the stack's destructor runs or finds the
//! stack gone.
//!
//! Accounting (see [`Scratch`]): a scope opened through a `Frame` is credited to the
//! thread's own frame counters with plain owner stores, one through a `TaskFrame` to the
//! task pool's shared shard; with tag budgets set, both go through the task pool, which
//! checks them.

use core::alloc::Layout;
use core::cell::{Cell, UnsafeCell};
use core::fmt;
use core::mem::MaybeUninit;
use core::ptr::NonNull;

use bumpalo::Bump;

use crate::frame::arena::ThreadArena;
use crate::frame::guard::Frame;
use crate::frame::handles::Prefix;
use crate::frame_safe::assert_no_destructor;
use crate::tag::{self, TagId};
use crate::task::boxed::TaskBox;
use crate::task::pool::{self, TaskPool};
use crate::task::vec::TaskVec;
use crate::task::{TaskFrame, TaskFrameAllocator};
use crate::{Error, SmartAlloc};

thread_local! {
    /// The nesting level of the next scope on this thread. Const-initialised and without
    /// destructor, so it works during thread teardown too.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// This thread's scratch arenas by level (see the module docs).
    static STACK: Stack = const {
        Stack {
            levels: UnsafeCell::new(Vec::new()),
            growing: Cell::new(false),
        }
    };
}

/// A thread's scratch arenas.
struct Stack {
    /// Level k's arena, from `Box::into_raw`, freed in `Drop`. Borrowed mutably only by
    /// [`grow`](Self::grow), with `growing` set.
    levels: UnsafeCell<Vec<NonNull<Bump>>>,
    /// The vector is being grown (a re-entrant scope must not look at it).
    growing: Cell<bool>,
}

impl Stack {
    /// Level `level`'s arena, made if new; `None` while the vector is being grown.
    #[inline(always)]
    fn level(&self, level: usize) -> Option<NonNull<Bump>> {
        if self.growing.get() {
            return None;
        }
        // SAFETY: not growing, so no `&mut` to the vector exists (only `grow` makes one,
        // and it sets the flag first); this thread is the only one that reaches it.
        let levels = unsafe { &*self.levels.get() };
        match levels.get(level) {
            Some(&bump) => Some(bump),
            None => Some(self.grow(level)),
        }
    }

    /// Make arenas up to `level` (empty `Bump`s: no chunk until their first allocation).
    #[cold]
    #[inline(never)]
    fn grow(&self, level: usize) -> NonNull<Bump> {
        self.growing.set(true);
        // Made before the vector is borrowed: the allocations may re-enter (see above).
        let mut made = Vec::new();
        // SAFETY: a shared look at the length; nothing mutates the vector meanwhile.
        let len = unsafe { (*self.levels.get()).len() };
        made.reserve_exact(level + 1 - len);
        for _ in len..=level {
            made.push(NonNull::from(Box::leak(Box::new(Bump::new()))));
        }
        // SAFETY: `growing` is set, so no other reference to the vector exists or is made
        // until it is cleared; the reference ends with the block.
        let levels = unsafe { &mut *self.levels.get() };
        // Room first: a re-entrant scope during this allocation sees `growing` and stays
        // away from the vector.
        levels.reserve(made.len());
        levels.append(&mut made);
        let bump = levels[level];
        self.growing.set(false);
        bump
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        for bump in self.levels.get_mut().drain(..) {
            // SAFETY: from `Box::leak` in `grow`, freed once here; no scope of this thread
            // is live (module docs), so nothing points into it.
            drop(unsafe { Box::from_raw(bump.as_ptr()) });
        }
    }
}

/// A compile-time marker: a [`Scratch`] and everything allocated from it stay on the
/// thread that opened the scope. Rustc names this type when scratch data is sent or
/// shared with another thread (even through `std::thread::scope`); the fix is to return
/// what the other thread needs from the scope's closure (as owned data), or to allocate
/// it in the frame instead of the scope.
///
/// ```compile_fail
/// let alloc = framealloc::SmartAlloc::new(Default::default());
/// let frame = alloc.frame();
/// frame.scratch(|s| {
///     std::thread::scope(|t| {
///         t.spawn(|| s.alloc(1u32)); // error: `NonNull<ScratchStaysOnItsThread>` ...
///     });
/// });
/// ```
#[derive(Debug)]
pub struct ScratchStaysOnItsThread {
    _never_constructed: (),
}

/// Where a scope's bytes are credited.
#[derive(Clone, Copy)]
enum Owner<'s> {
    /// Opened through a `Frame` (or a scope of one): the thread's own frame counters.
    Thread {
        /// The thread's arena (a `&'s ThreadArena`, typed as the marker so that the
        /// compile error for sending a scope names it).
        arena: NonNull<ScratchStaysOnItsThread>,
        alloc: &'s SmartAlloc,
    },
    /// Opened through a `TaskFrame` (or a scope of one): the task pool's shard.
    Task(&'s TaskPool),
}

/// Run `f` in a new scratch scope accounted to `tag` through `owner`.
#[inline]
fn scope<R>(owner: Owner<'_>, tag: TagId, f: impl for<'s> FnOnce(&'s Scratch<'s>) -> R) -> R {
    let level = DEPTH.with(Cell::get);
    // Checked: a depth that overflows is a leak loop, not a program (SPEC §4.10).
    let next = level.checked_add(1).expect("scratch scope depth overflow");
    // The arena first (making one may re-enter: such a scope finds the same level, uses
    // an arena of its own and gives the depth back before this one takes it).
    let scratch = match STACK.try_with(|stack| stack.level(level)) {
        Ok(Some(bump)) => Scratch::new(bump, false, level, owner, tag),
        _ => Scratch::new(own_arena(), true, level, owner, tag),
    };
    DEPTH.with(|d| d.set(next));
    // `scratch` drops here on return and on unwinding, ending the scope.
    f(&scratch)
}

/// bumpalo's allocation failure, as framealloc's error.
#[cold]
fn oom(_: bumpalo::AllocErr) -> Error {
    Error::OutOfMemory
}

/// `len` elements of `T` can be laid out (else [`Error::CapacityOverflow`], which bumpalo
/// would report as an allocation failure).
#[inline]
fn fits<T>(len: usize) -> Result<(), Error> {
    Layout::array::<T>(len)
        .map(|_| ())
        .map_err(|_| Error::CapacityOverflow)
}

/// An arena of a scope's own (re-entry while the stack grows, thread teardown), freed
/// at its end.
#[cold]
#[inline(never)]
fn own_arena() -> NonNull<Bump> {
    NonNull::from(Box::leak(Box::new(Bump::new())))
}

/// A nested scratch scope's allocator, from [`Frame::scratch`],
/// [`TaskFrame::scratch`] or [`Scratch::scratch`]: memory released when the scope's
/// closure returns (or unwinds), while the enclosing frame's data stays.
///
/// It lives only for the closure (`for<'s> FnOnce(&'s Scratch<'s>)`), so nothing
/// allocated from it can escape the scope — a compile error — and it is `!Send` and
/// `!Sync`. Its allocation methods mirror [`Frame`]'s (`alloc`, `alloc_with`, the slice
/// and string constructors, their `try_` twins), with the same rule for values abandoned
/// in the arena ([`alloc`](Self::alloc) takes only destructor-free types); values with
/// destructors go in a [`TaskBox`] ([`frame_box`](Self::frame_box),
/// [`frame_slice`](Self::frame_slice)) or a [`TaskVec`] ([`frame_vec`](Self::frame_vec)),
/// as in a [`TaskFrame`]. There is no scratch `FrameString`: use
/// [`alloc_str`](Self::alloc_str), or an allocator-api2 vector of bytes through
/// [`allocator`](Self::allocator).
///
/// **Memory.** Each thread has a stack of scratch arenas, separate from its frame arena:
/// the scope at nesting level k uses arena k, and resets it on exit keeping its largest
/// chunk, so repeated scopes in steady state make no system allocation. A scope always
/// takes the next free level, even when opened through an outer scope's handle.
///
/// **Accounting.** Its bytes count in [`stats()`](crate::SmartAlloc::stats) as
/// [`Kind::Frame`](crate::Kind::Frame) bytes of the tag current when the scope was opened
/// (a task frame's scopes: the task frame's tag), credited when the scope ends, like a
/// [`TaskFrame`] reset: `allocated_bytes` grows by the bytes used, `peak_bytes` is at
/// least the largest scope; tag budgets are checked then (reported, never refused). A
/// `Frame`'s scopes are credited to the calling thread's own counters (plain stores, no
/// atomic operation) unless the allocator has tag budgets; a `TaskFrame`'s, and any
/// scope's when there are tag budgets, go through the task-frame pool's counters.
///
/// ```
/// use framealloc::SmartAlloc;
///
/// let alloc = SmartAlloc::new(Default::default());
/// let frame = alloc.frame();
/// let kept = frame.alloc_slice_copy(&[1u32, 2, 3]); // frame data, alive throughout
/// let total = frame.scratch(|s| {
///     let squares = s.alloc_slice_fill_with(1000, |i| i as u64 * i as u64);
///     let evens = s.scratch(|inner| {
///         let mut v = inner.frame_vec::<u64>();
///         v.extend(squares.iter().copied().filter(|x| x % 2 == 0));
///         v.len()
///     });
///     squares.iter().sum::<u64>() + evens as u64 + u64::from(kept[2])
/// });
/// assert_eq!(total, 332_833_500 + 500 + 3);
/// assert_eq!(kept, [1, 2, 3]);
/// ```
///
/// Scratch data cannot leave its scope:
///
/// ```compile_fail
/// let alloc = framealloc::SmartAlloc::new(Default::default());
/// let frame = alloc.frame();
/// let escaped = frame.scratch(|s| s.alloc(1u32)); // error: borrowed data escapes
/// ```
pub struct Scratch<'s> {
    /// This scope's arena (a `Bump`): its level's in the thread's stack, or its own
    /// (`is_own`). Typed as the marker, so that a compile error for sending the scope to
    /// another thread names it; this pointer (and `Owner::Thread`'s) makes the scope
    /// `!Send` and `!Sync`.
    bump: NonNull<ScratchStaysOnItsThread>,
    /// Whether `bump` is this scope's own, freed at its end.
    is_own: bool,
    /// The nesting level (the thread's depth when the scope opened).
    level: usize,
    /// Where the bytes are credited.
    owner: Owner<'s>,
    /// The tag they are credited to.
    tag: TagId,
}

impl<'s> Scratch<'s> {
    #[inline(always)]
    fn new(arena: NonNull<Bump>, is_own: bool, level: usize, owner: Owner<'s>, tag: TagId) -> Self {
        Scratch {
            bump: arena.cast(),
            is_own,
            level,
            owner,
            tag,
        }
    }

    /// The scope's arena.
    #[inline(always)]
    fn bump(&self) -> &Bump {
        // SAFETY: live for the scope (a stack level is freed only at thread exit, when no
        // scope is live; an own arena in `Drop`), used only by this scope, and only
        // through shared references until `Drop` (module docs).
        unsafe { self.bump.cast::<Bump>().as_ref() }
    }

    /// Credit `used` bytes to the scope's tag (see [`Scratch`]) when no tag budget can
    /// be overrun; `false`, and nothing done, when the instance has tag budgets.
    #[inline(always)]
    fn credit_quiet(&self, used: usize) -> bool {
        match self.owner {
            Owner::Thread { arena, .. } => {
                // SAFETY: a `&'s ThreadArena` (see `Owner::Thread`), used on its thread
                // (the scope is `!Send`).
                unsafe { arena.cast::<ThreadArena>().as_ref() }
                    .credit_scratch(self.tag, used as u64)
            }
            Owner::Task(pool) => pool.credit_quiet(self.tag, used),
        }
    }

    /// The end of a scope that used `used` bytes on an instance with tag budgets: credit
    /// them through the task pool (which checks the budgets), end the scope, then report
    /// the overruns (user code, last). Out of line: the usual end builds no `Overruns`.
    #[cold]
    #[inline(never)]
    fn end_with_budgets(&mut self, used: usize) {
        let overruns = match self.owner {
            Owner::Thread { alloc, .. } => alloc.task_pool().credit(self.tag, used),
            Owner::Task(pool) => pool.credit(self.tag, used),
        };
        self.end(used);
        overruns.deliver();
    }

    /// Reset the arena if it was used (`used` bytes), free it if it is the scope's own,
    /// and give the level back.
    #[inline(always)]
    fn end(&mut self, used: usize) {
        if used != 0 {
            // SAFETY: nothing allocated from the arena is alive (every allocation borrows
            // the `&Scratch` handed to the closure, which has returned or unwound), so no
            // reference into the arena or to it exists but ours.
            pool::clear(unsafe { self.bump.cast::<Bump>().as_mut() });
        }
        // (Not used: one chunk at most, and empty, since older chunks count as used.)
        if self.is_own {
            // SAFETY: from `own_arena`'s `Box::leak`, freed once here, unused from now on.
            drop(unsafe { Box::from_raw(self.bump.cast::<Bump>().as_ptr()) });
        }
        DEPTH.with(|d| d.set(self.level));
    }
}

impl Drop for Scratch<'_> {
    #[inline]
    fn drop(&mut self) {
        let used = pool::used_bytes(self.bump());
        if used != 0 && !self.credit_quiet(used) {
            self.end_with_budgets(used);
            return;
        }
        self.end(used);
    }
}

impl Frame<'_> {
    /// Run `f` in a nested scratch scope: memory for temporaries that is released when
    /// `f` returns, while this frame's allocations stay alive. See [`Scratch`].
    ///
    /// The scope uses the thread's scratch arenas, not this frame's arena, so calling it
    /// while frame data is borrowed is fine and the frame's own `alloc` is untouched.
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let positions = frame.alloc_slice_fill_with(64, |i| i as f32);
    /// for _ in 0..3 {
    ///     let max = frame.scratch(|s| {
    ///         let doubled = s.alloc_slice_fill_with(positions.len(), |i| positions[i] * 2.0);
    ///         doubled.iter().copied().fold(f32::MIN, f32::max)
    ///     }); // the scratch memory is reused by the next iteration
    ///     assert_eq!(max, 126.0);
    /// }
    /// ```
    pub fn scratch<R>(&self, f: impl for<'s> FnOnce(&'s Scratch<'s>) -> R) -> R {
        let owner = Owner::Thread {
            arena: NonNull::from(self.arena()).cast(),
            alloc: self.allocator_handle(),
        };
        scope(owner, tag::current(), f)
    }
}

impl TaskFrame {
    /// Run `f` in a nested scratch scope of the calling thread, accounted to this task
    /// frame's tag (the scope cannot cross an `.await`: the closure is synchronous). See
    /// [`Scratch`].
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let request = frame.alloc_str("GET /a/b/c");
    /// let depth = frame.scratch(|s| {
    ///     let parts = s.alloc_slice_fill_with(3, |i| request.split('/').nth(i + 1).unwrap());
    ///     parts.len()
    /// });
    /// assert_eq!((depth, &*request), (3, "GET /a/b/c"));
    /// ```
    pub fn scratch<R>(&self, f: impl for<'s> FnOnce(&'s Scratch<'s>) -> R) -> R {
        scope(Owner::Task(self.pool()), self.tag_id(), f)
    }
}

impl Scratch<'_> {
    /// Run `f` in a scope nested in this one (at the thread's next free level, even when
    /// called through an outer scope's handle from inside an inner scope).
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|outer| {
    ///     let a = outer.alloc(1u32);
    ///     outer.scratch(|inner| {
    ///         // `outer.scratch` again, from inside `inner`: a third level, not `inner`'s.
    ///         outer.scratch(|third| {
    ///             assert_eq!((inner.level(), third.level()), (1, 2));
    ///             *third.alloc(2u32) + *inner.alloc(3u32)
    ///         }) + *a
    ///     })
    /// });
    /// ```
    pub fn scratch<R>(&self, f: impl for<'t> FnOnce(&'t Scratch<'t>) -> R) -> R {
        scope(self.owner, self.tag, f)
    }

    /// This scope's nesting level on its thread: 0 for the outermost.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| assert_eq!(s.level(), 0));
    /// ```
    pub fn level(&self) -> usize {
        self.level
    }

    /// Move `value` into the scope and return a plain `&mut` to it. `T` must have no
    /// destructor (checked at compile time, as for [`Frame::alloc`]).
    ///
    /// ```compile_fail,E0080
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| {
    ///     s.alloc(String::from("would leak")); // error: never runs destructors
    /// });
    /// ```
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let sum = frame.scratch(|s| {
    ///     let xs = s.alloc([1u32, 2, 3]);
    ///     xs[0] = 10;
    ///     xs.iter().sum::<u32>()
    /// });
    /// assert_eq!(sum, 15);
    /// ```
    ///
    /// # Panics
    ///
    /// If the system allocator cannot provide a new chunk.
    #[inline(always)]
    pub fn alloc<T>(&self, value: T) -> &mut T {
        assert_no_destructor!(T, "scratch.alloc", "use `scratch.frame_vec()`");
        self.bump().alloc(value)
    }

    /// Allocate room, then construct the value in place with `f`. `T` must have no
    /// destructor, as for [`alloc`](Self::alloc).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| {
    ///     let big = s.alloc_with(|| [7u8; 4096]);
    ///     assert_eq!(big[4095], 7);
    /// });
    /// ```
    #[inline(always)]
    pub fn alloc_with<T>(&self, f: impl FnOnce() -> T) -> &mut T {
        assert_no_destructor!(T, "scratch.alloc_with", "use `scratch.frame_vec()`");
        self.bump().alloc_with(f)
    }

    /// Copy a string into the scope.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| {
    ///     let name = s.alloc_str("Player_One");
    ///     name.make_ascii_lowercase();
    ///     assert_eq!(name, "player_one");
    /// });
    /// ```
    #[inline]
    pub fn alloc_str(&self, s: &str) -> &mut str {
        self.bump().alloc_str(s)
    }

    /// Copy a slice into the scope.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| {
    ///     let xs = s.alloc_slice_copy(&[3u16, 1, 2]);
    ///     xs.sort_unstable();
    ///     assert_eq!(xs, [1, 2, 3]);
    /// });
    /// ```
    #[inline]
    pub fn alloc_slice_copy<T: Copy>(&self, src: &[T]) -> &mut [T] {
        self.bump().alloc_slice_copy(src)
    }

    /// A slice of `len` values made by `f(index)`. `T` must have no destructor, as for
    /// [`alloc`](Self::alloc).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| {
    ///     let squares = s.alloc_slice_fill_with(4, |i| (i * i) as u32);
    ///     assert_eq!(squares, [0, 1, 4, 9]);
    /// });
    /// ```
    #[inline]
    pub fn alloc_slice_fill_with<T>(&self, len: usize, f: impl FnMut(usize) -> T) -> &mut [T] {
        assert_no_destructor!(
            T,
            "scratch.alloc_slice_fill_with",
            "use `scratch.frame_vec()`, which drops its elements"
        );
        self.bump().alloc_slice_fill_with(len, f)
    }

    /// Fallible [`alloc`](Self::alloc) (same compile-time check on `T`); on error `value`
    /// is dropped.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| {
    ///     let hp = s.try_alloc(100u32)?;
    ///     *hp -= 1;
    ///     assert_eq!(*hp, 99);
    ///     Ok::<(), framealloc::Error>(())
    /// })?;
    /// # Ok::<(), framealloc::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::OutOfMemory`] if the system allocator cannot provide a new chunk.
    #[inline]
    pub fn try_alloc<T>(&self, value: T) -> Result<&mut T, Error> {
        assert_no_destructor!(T, "scratch.try_alloc", "use `scratch.try_frame_box(value)`");
        self.bump().try_alloc(value).map_err(oom)
    }

    /// Fallible [`alloc_with`](Self::alloc_with); `f` is not called on error.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let ok = frame.scratch(|s| s.try_alloc_with(|| [1u8; 256]).map(|g| g[255]));
    /// assert_eq!(ok, Ok(1));
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::OutOfMemory`] if the system allocator cannot provide a new chunk.
    #[inline]
    pub fn try_alloc_with<T>(&self, f: impl FnOnce() -> T) -> Result<&mut T, Error> {
        assert_no_destructor!(
            T,
            "scratch.try_alloc_with",
            "use `scratch.try_frame_box(f())`"
        );
        self.bump().try_alloc_with(f).map_err(oom)
    }

    /// Fallible [`alloc_str`](Self::alloc_str).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| assert_eq!(s.try_alloc_str("ok").as_deref(), Ok("ok")));
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::OutOfMemory`] if the system allocator cannot provide a new chunk.
    #[inline]
    pub fn try_alloc_str(&self, s: &str) -> Result<&mut str, Error> {
        self.bump().try_alloc_str(s).map_err(oom)
    }

    /// Fallible [`alloc_slice_copy`](Self::alloc_slice_copy).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| assert_eq!(s.try_alloc_slice_copy(&[1, 2]).as_deref(), Ok(&[1, 2][..])));
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::OutOfMemory`] if the system allocator cannot provide a new chunk.
    #[inline]
    pub fn try_alloc_slice_copy<T: Copy>(&self, src: &[T]) -> Result<&mut [T], Error> {
        self.bump().try_alloc_slice_copy(src).map_err(oom)
    }

    /// Fallible [`alloc_slice_fill_with`](Self::alloc_slice_fill_with).
    ///
    /// ```
    /// use framealloc::Error;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| {
    ///     assert_eq!(s.try_alloc_slice_fill_with(3, |i| i).as_deref(), Ok(&[0, 1, 2][..]));
    ///     let absurd = s.try_alloc_slice_fill_with(usize::MAX, |i| i as u64);
    ///     assert_eq!(absurd.err(), Some(Error::CapacityOverflow));
    /// });
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::CapacityOverflow`] if `len` elements cannot be laid out;
    /// [`Error::OutOfMemory`] if the system allocator cannot provide a new chunk.
    #[inline]
    pub fn try_alloc_slice_fill_with<T>(
        &self,
        len: usize,
        f: impl FnMut(usize) -> T,
    ) -> Result<&mut [T], Error> {
        assert_no_destructor!(
            T,
            "scratch.try_alloc_slice_fill_with",
            "use `scratch.frame_vec()`, which drops its elements"
        );
        fits::<T>(len)?;
        self.bump().try_alloc_slice_fill_with(len, f).map_err(oom)
    }

    /// `len` copies of `value`.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| assert_eq!(s.alloc_slice_fill_copy(3, 7u8), [7, 7, 7]));
    /// ```
    ///
    /// # Panics
    ///
    /// On capacity overflow or if the system allocator cannot provide a new chunk.
    #[inline]
    pub fn alloc_slice_fill_copy<T: Copy>(&self, len: usize, value: T) -> &mut [T] {
        self.bump().alloc_slice_fill_copy(len, value)
    }

    /// Fallible [`alloc_slice_fill_copy`](Self::alloc_slice_fill_copy).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| assert_eq!(s.try_alloc_slice_fill_copy(2, 1u16).as_deref(), Ok(&[1, 1][..])));
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::CapacityOverflow`] or [`Error::OutOfMemory`].
    #[inline]
    pub fn try_alloc_slice_fill_copy<T: Copy>(
        &self,
        len: usize,
        value: T,
    ) -> Result<&mut [T], Error> {
        fits::<T>(len)?;
        self.bump()
            .try_alloc_slice_fill_copy(len, value)
            .map_err(oom)
    }

    /// `len` clones of `value`. `T` must have no destructor, as for [`alloc`](Self::alloc).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| assert_eq!(s.alloc_slice_fill_clone(2, &[1u8, 2]), [[1, 2], [1, 2]]));
    /// ```
    ///
    /// # Panics
    ///
    /// On capacity overflow or if the system allocator cannot provide a new chunk.
    #[inline]
    pub fn alloc_slice_fill_clone<T: Clone>(&self, len: usize, value: &T) -> &mut [T] {
        assert_no_destructor!(
            T,
            "scratch.alloc_slice_fill_clone",
            "use `scratch.frame_vec()`, which drops its elements"
        );
        self.bump().alloc_slice_fill_clone(len, value)
    }

    /// Fallible [`alloc_slice_fill_clone`](Self::alloc_slice_fill_clone).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| assert_eq!(s.try_alloc_slice_fill_clone(1, &3u8).as_deref(), Ok(&[3][..])));
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::CapacityOverflow`] or [`Error::OutOfMemory`].
    #[inline]
    pub fn try_alloc_slice_fill_clone<T: Clone>(
        &self,
        len: usize,
        value: &T,
    ) -> Result<&mut [T], Error> {
        assert_no_destructor!(
            T,
            "scratch.try_alloc_slice_fill_clone",
            "use `scratch.frame_vec()`, which drops its elements"
        );
        fits::<T>(len)?;
        self.bump()
            .try_alloc_slice_fill_clone(len, value)
            .map_err(oom)
    }

    /// `len` default values. `T` must have no destructor (for one that has, use
    /// [`frame_slice`](Self::frame_slice)).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| assert_eq!(s.alloc_slice_fill_default::<u32>(3), [0, 0, 0]));
    /// ```
    ///
    /// # Panics
    ///
    /// On capacity overflow or if the system allocator cannot provide a new chunk.
    #[inline]
    pub fn alloc_slice_fill_default<T: Default>(&self, len: usize) -> &mut [T] {
        assert_no_destructor!(
            T,
            "scratch.alloc_slice_fill_default",
            "use `scratch.frame_slice(len)` (a TaskBox)"
        );
        self.bump().alloc_slice_fill_default(len)
    }

    /// Fallible [`alloc_slice_fill_default`](Self::alloc_slice_fill_default).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| assert_eq!(s.try_alloc_slice_fill_default::<u8>(2).as_deref(), Ok(&[0, 0][..])));
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::CapacityOverflow`] or [`Error::OutOfMemory`].
    #[inline]
    pub fn try_alloc_slice_fill_default<T: Default>(&self, len: usize) -> Result<&mut [T], Error> {
        assert_no_destructor!(
            T,
            "scratch.try_alloc_slice_fill_default",
            "use `scratch.try_frame_slice(len)` (a TaskBox)"
        );
        fits::<T>(len)?;
        self.bump().try_alloc_slice_fill_default(len).map_err(oom)
    }

    /// The items of an exact-size iterator. `T` must have no destructor.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| assert_eq!(s.alloc_slice_fill_iter((1..4).map(|x| x * 10)), [10, 20, 30]));
    /// ```
    ///
    /// # Panics
    ///
    /// If the iterator yields fewer items than its `len()` said (extra items are not
    /// taken), on capacity overflow, or if the system allocator cannot provide a new
    /// chunk.
    #[inline]
    pub fn alloc_slice_fill_iter<T, I>(&self, iter: I) -> &mut [T]
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: ExactSizeIterator,
    {
        assert_no_destructor!(
            T,
            "scratch.alloc_slice_fill_iter",
            "use `scratch.frame_vec()` and `extend` it"
        );
        self.bump().alloc_slice_fill_iter(iter)
    }

    /// Fallible [`alloc_slice_fill_iter`](Self::alloc_slice_fill_iter).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| assert_eq!(s.try_alloc_slice_fill_iter([5u8, 6]).as_deref(), Ok(&[5, 6][..])));
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::CapacityOverflow`] or [`Error::OutOfMemory`].
    ///
    /// # Panics
    ///
    /// If the iterator yields fewer items than its `len()` said.
    #[inline]
    pub fn try_alloc_slice_fill_iter<T, I>(&self, iter: I) -> Result<&mut [T], Error>
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: ExactSizeIterator,
    {
        assert_no_destructor!(
            T,
            "scratch.try_alloc_slice_fill_iter",
            "use `scratch.frame_vec()` and `extend` it"
        );
        let iter = iter.into_iter();
        fits::<T>(iter.len())?;
        self.bump().try_alloc_slice_fill_iter(iter).map_err(oom)
    }

    /// Clones of `src`'s elements. `T` must have no destructor.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| assert_eq!(s.alloc_slice_clone(&[[1u8; 2]; 2]), [[1, 1], [1, 1]]));
    /// ```
    ///
    /// # Panics
    ///
    /// If the system allocator cannot provide a new chunk.
    #[inline]
    pub fn alloc_slice_clone<T: Clone>(&self, src: &[T]) -> &mut [T] {
        assert_no_destructor!(
            T,
            "scratch.alloc_slice_clone",
            "use `scratch.frame_vec()` and `extend_from_slice` it"
        );
        self.bump().alloc_slice_clone(src)
    }

    /// Fallible [`alloc_slice_clone`](Self::alloc_slice_clone).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| assert_eq!(s.try_alloc_slice_clone(&[4u8]).as_deref(), Ok(&[4][..])));
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::OutOfMemory`] if the system allocator cannot provide a new chunk.
    #[inline]
    pub fn try_alloc_slice_clone<T: Clone>(&self, src: &[T]) -> Result<&mut [T], Error> {
        assert_no_destructor!(
            T,
            "scratch.try_alloc_slice_clone",
            "use `scratch.frame_vec()` and `extend_from_slice` it"
        );
        self.bump().try_alloc_slice_clone(src).map_err(oom)
    }

    /// Move `value` into the scope as a [`TaskBox`], whose destructor runs when it drops
    /// (any `T`, `String` included).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let joined = frame.scratch(|s| {
    ///     let mut names = s.frame_box(vec![String::from("a")]);
    ///     names.push(String::from("b"));
    ///     names.join(",")
    /// });
    /// assert_eq!(joined, "a,b");
    /// ```
    ///
    /// # Panics
    ///
    /// If the system allocator cannot provide a new chunk.
    #[inline]
    pub fn frame_box<T>(&self, value: T) -> TaskBox<'_, T> {
        TaskBox::new(self.bump().alloc(value))
    }

    /// Fallible [`frame_box`](Self::frame_box); on error `value` is dropped.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| assert_eq!(s.try_frame_box(String::from("x")).map(|b| b.len()), Ok(1)));
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::OutOfMemory`] if the system allocator cannot provide a new chunk.
    #[inline]
    pub fn try_frame_box<T>(&self, value: T) -> Result<TaskBox<'_, T>, Error> {
        self.bump().try_alloc(value).map(TaskBox::new).map_err(oom)
    }

    /// `len` default values in a [`TaskBox<[T]>`](TaskBox), dropped with it.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| {
    ///     let mut names = s.frame_slice::<String>(2);
    ///     names[1].push_str("b");
    ///     assert_eq!(names.concat(), "b");
    /// });
    /// ```
    ///
    /// # Panics
    ///
    /// On capacity overflow or if the system allocator cannot provide a new chunk.
    #[inline]
    pub fn frame_slice<T: Default>(&self, len: usize) -> TaskBox<'_, [T]> {
        self.try_frame_slice(len)
            .unwrap_or_else(|e| crate::fail(&e))
    }

    /// Fallible [`frame_slice`](Self::frame_slice).
    ///
    /// ```
    /// use framealloc::Error;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| {
    ///     assert_eq!(s.try_frame_slice::<u8>(3).map(|b| b.len()), Ok(3));
    ///     assert_eq!(s.try_frame_slice::<u64>(usize::MAX).err(), Some(Error::CapacityOverflow));
    /// });
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::CapacityOverflow`] or [`Error::OutOfMemory`].
    #[inline]
    pub fn try_frame_slice<T: Default>(&self, len: usize) -> Result<TaskBox<'_, [T]>, Error> {
        self.try_fill_dropping(len, |_| T::default())
    }

    /// `len` values made by `f(index)`, in a [`TaskBox`] (their destructors run). Unlike
    /// bumpalo's fills, a panic in `f` drops the values made so far (SPEC §4.5: no
    /// destructor is skipped) and gives their room back.
    fn try_fill_dropping<T>(
        &self,
        len: usize,
        mut f: impl FnMut(usize) -> T,
    ) -> Result<TaskBox<'_, [T]>, Error> {
        let layout = Layout::array::<T>(len).map_err(|_| Error::CapacityOverflow)?;
        let bump = self.bump();
        let first = bump.try_alloc_layout(layout).map_err(oom)?.cast::<T>();
        let mut prefix = Prefix {
            arena: bump,
            first,
            layout,
            done: 0,
        };
        while prefix.done < len {
            // SAFETY: `done < len`: the slot is inside the `len`-element block.
            unsafe { first.add(prefix.done).write(f(prefix.done)) };
            prefix.done += 1;
        }
        core::mem::forget(prefix);
        // SAFETY: all `len` elements are initialised; the block is this scope's, used by
        // nothing else, and lives as long as the scope borrowed for `'_`.
        Ok(TaskBox::new(unsafe {
            &mut *core::ptr::slice_from_raw_parts_mut(first.as_ptr(), len)
        }))
    }

    /// Room for one `T`, uninitialised, in a [`TaskBox`] (write it, then
    /// `assume_init_*` as with any `MaybeUninit`).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| {
    ///     let mut slot = s.frame_alloc::<u64>();
    ///     slot.write(9);
    ///     // SAFETY: written just above.
    ///     assert_eq!(unsafe { slot.assume_init_read() }, 9);
    /// });
    /// ```
    ///
    /// # Panics
    ///
    /// If the system allocator cannot provide a new chunk.
    #[inline]
    pub fn frame_alloc<T>(&self) -> TaskBox<'_, MaybeUninit<T>> {
        TaskBox::new(self.bump().alloc(MaybeUninit::uninit()))
    }

    /// Fallible [`frame_alloc`](Self::frame_alloc).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| assert!(s.try_frame_alloc::<[u8; 64]>().is_ok()));
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::OutOfMemory`] if the system allocator cannot provide a new chunk.
    #[inline]
    pub fn try_frame_alloc<T>(&self) -> Result<TaskBox<'_, MaybeUninit<T>>, Error> {
        self.bump()
            .try_alloc(MaybeUninit::uninit())
            .map(TaskBox::new)
            .map_err(oom)
    }

    /// A growable vector in the scope with room for `capacity` elements (see
    /// [`frame_vec`](Self::frame_vec)).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| {
    ///     let mut v = s.frame_vec_with_capacity::<u32>(8);
    ///     assert!(v.capacity() >= 8);
    ///     v.extend(0..8);
    ///     assert_eq!(v.len(), 8);
    /// });
    /// ```
    ///
    /// # Panics
    ///
    /// On capacity overflow or if the system allocator cannot provide a new chunk.
    #[inline]
    pub fn frame_vec_with_capacity<T>(&self, capacity: usize) -> TaskVec<'_, T> {
        TaskVec::with_capacity_in(capacity, self.allocator())
    }

    /// Fallible [`frame_vec_with_capacity`](Self::frame_vec_with_capacity).
    ///
    /// ```
    /// use framealloc::Error;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| {
    ///     assert!(s.try_frame_vec_with_capacity::<u8>(100).is_ok());
    ///     let absurd = s.try_frame_vec_with_capacity::<u64>(usize::MAX);
    ///     assert_eq!(absurd.err(), Some(Error::CapacityOverflow));
    /// });
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::CapacityOverflow`] or [`Error::OutOfMemory`].
    #[inline]
    pub fn try_frame_vec_with_capacity<T>(&self, capacity: usize) -> Result<TaskVec<'_, T>, Error> {
        TaskVec::try_with_capacity_in(capacity, self.allocator())
    }

    /// An empty growable vector in the scope (a [`TaskVec`]: its elements are dropped
    /// with it, its buffer is released with the scope).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let longest = frame.scratch(|s| {
    ///     let mut words = s.frame_vec::<String>();
    ///     words.extend("scratch scopes nest".split(' ').map(String::from));
    ///     words.iter().map(String::len).max()
    /// });
    /// assert_eq!(longest, Some(7));
    /// ```
    #[inline]
    pub fn frame_vec<T>(&self) -> TaskVec<'_, T> {
        TaskVec::new_in(self.allocator())
    }

    /// An allocator-api2 [`Allocator`](allocator_api2::alloc::Allocator) that allocates
    /// in the scope, for `hashbrown` maps and allocator-api2 vectors.
    ///
    /// ```
    /// use framealloc::allocator_api2::vec::Vec;
    ///
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| {
    ///     let mut v = Vec::new_in(s.allocator());
    ///     v.extend([1, 2, 3]);
    ///     assert_eq!(v.iter().sum::<i32>(), 6);
    /// });
    /// ```
    #[inline]
    pub fn allocator(&self) -> TaskFrameAllocator<'_> {
        TaskFrameAllocator::new(self.bump())
    }

    /// Bytes in use in this scope (alignment padding and older chunks' tails included).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.scratch(|s| {
    ///     assert_eq!(s.bytes_used(), 0);
    ///     s.alloc([0u8; 100]);
    ///     assert_eq!(s.bytes_used(), 100);
    /// });
    /// ```
    pub fn bytes_used(&self) -> usize {
        pool::used_bytes(self.bump())
    }

    /// Bytes of chunk memory this scope's level holds (kept across scopes).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let first = frame.scratch(|s| {
    ///     s.alloc([0u8; 1000]);
    ///     s.capacity_bytes()
    /// });
    /// // The next scope at the same level gets the same arena, its chunk kept.
    /// assert_eq!(frame.scratch(|s| s.capacity_bytes()), first);
    /// ```
    pub fn capacity_bytes(&self) -> usize {
        self.bump().allocated_bytes()
    }
}

impl fmt::Debug for Scratch<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scratch")
            .field("level", &self.level)
            .field("tag", &tag::name_of(self.tag))
            .field("bytes_used", &self.bytes_used())
            .finish_non_exhaustive()
    }
}
