//! Nested scratch scopes: `frame.scratch(|s| ..)` (SPEC §12).
//!
//! Each thread keeps a stack of scratch arenas, separate from its frame arenas: the scope
//! at nesting level k (counted on the thread, whichever handle opened it) takes arena k
//! *out* of the stack for its lifetime and puts it back, reset to its largest chunk, when
//! it ends — on return and on unwinding (the [`Scratch`] owns the arena and gives it back
//! in its `Drop`). The closure form makes scopes strictly LIFO on a thread, so the level
//! is the thread's depth counter; a live level's slot is empty, so no scope can ever
//! reuse it. The parent frame's arena is never touched: its allocations stay alive and
//! its fast path is unchanged.
//!
//! Nothing here is `unsafe`: the arena is moved, never aliased. During thread teardown
//! (the arena stack's thread-local already destroyed) a scope uses a fresh arena that it
//! frees at its end.

use core::cell::{Cell, RefCell};
use core::fmt;
use core::marker::PhantomData;

use bumpalo::Bump;

use crate::frame::guard::Frame;
use crate::frame_safe::assert_no_destructor;
use crate::tag::{self, TagId};
use crate::task::pool::{self, TaskPool};
use crate::task::vec::TaskVec;
use crate::task::{TaskFrame, TaskFrameAllocator};

thread_local! {
    /// The nesting level of the next scope on this thread. Const-initialised and without
    /// destructor, so it works during thread teardown too.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// Idle arenas by level; a live scope's slot holds an empty `Bump` (no chunk: its
    /// `Scratch` holds the level's arena). Freed when the thread exits.
    static LEVELS: RefCell<Vec<Bump>> = const { RefCell::new(Vec::new()) };
}

/// Take this thread's arena for `level` (a new empty one, which allocates nothing yet, if
/// the level is new). The second value says whether it goes back to the stack.
fn take_level(level: usize) -> (Bump, bool) {
    LEVELS
        .try_with(|levels| {
            // A failed borrow means re-entry from inside `take_level` itself (a global
            // allocator that opens a scratch scope): that scope gets its own arena.
            let mut levels = levels.try_borrow_mut().ok()?;
            if levels.len() <= level {
                levels.resize_with(level + 1, Bump::new);
            }
            // The empty `Bump` left in the slot allocates nothing.
            Some((core::mem::take(&mut levels[level]), true))
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| (Bump::new(), false))
}

/// Put `bump` (already reset) back as `level`'s arena.
fn return_level(level: usize, bump: Bump) {
    // Storing into an existing slot allocates nothing. If the stack is gone (teardown) or
    // borrowed (re-entry), the arena is freed instead.
    let _ = LEVELS.try_with(|levels| {
        if let Ok(mut levels) = levels.try_borrow_mut()
            && let Some(slot) = levels.get_mut(level)
        {
            // The slot's empty stand-in is dropped: it holds no chunk.
            *slot = bump;
        }
    });
}

/// Run `f` in a new scratch scope accounted to `tag` through `pool`.
fn scope<R>(pool: &TaskPool, tag: TagId, f: impl for<'s> FnOnce(&'s Scratch<'s>) -> R) -> R {
    let level = DEPTH.with(Cell::get);
    // Checked: a depth that overflows is a leak loop, not a program (SPEC §4.10).
    let next = level.checked_add(1).expect("scratch scope depth overflow");
    let (bump, on_stack) = take_level(level);
    DEPTH.with(|d| d.set(next));
    let scratch = Scratch {
        bump,
        level,
        on_stack,
        pool,
        tag,
        _not_send: PhantomData,
    };
    // `scratch` drops here on return and on unwinding, giving its level back.
    f(&scratch)
}

/// A nested scratch scope's allocator, from [`Frame::scratch`],
/// [`TaskFrame::scratch`] or [`Scratch::scratch`]: memory released when the scope's
/// closure returns (or unwinds), while the enclosing frame's data stays.
///
/// It lives only for the closure (`for<'s> FnOnce(&'s Scratch<'s>)`), so nothing
/// allocated from it can escape the scope — a compile error — and it is `!Send` and
/// `!Sync`. Its allocation methods mirror [`Frame`]'s, with the same rule for values
/// abandoned in the arena ([`alloc`](Self::alloc) takes only destructor-free types).
///
/// **Memory.** Each thread has a stack of scratch arenas, separate from its frame arena:
/// the scope at nesting level k uses arena k, and resets it on exit keeping its largest
/// chunk, so repeated scopes in steady state make no system allocation. A scope always
/// takes the next free level, even when opened through an outer scope's handle.
///
/// **Accounting.** Its bytes count in [`stats()`](crate::SmartAlloc::stats) as
/// [`Kind::Frame`](crate::Kind::Frame) bytes of the tag current when the scope was opened
/// (a task frame's scopes: the task frame's tag), credited when the scope ends, exactly
/// like a [`TaskFrame`] reset: `allocated_bytes` grows by the bytes used, `peak_bytes` is
/// at least the largest scope; tag budgets are checked then (reported, never refused).
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
    /// This scope's arena, taken out of the thread's stack (or fresh, during teardown).
    bump: Bump,
    /// The nesting level (the thread's depth when the scope opened).
    level: usize,
    /// Whether the arena goes back to the thread's stack at the end.
    on_stack: bool,
    /// Where the bytes are credited (the allocator's task pool).
    pool: &'s TaskPool,
    /// The tag they are credited to.
    tag: TagId,
    /// `!Send`: the level belongs to this thread's stack.
    _not_send: PhantomData<*mut ()>,
}

impl Drop for Scratch<'_> {
    fn drop(&mut self) {
        // Nothing allocated from the arena is alive: every allocation borrows the
        // `&Scratch` handed to the closure, which has returned (or unwound).
        let mut bump = core::mem::take(&mut self.bump);
        let overruns = self.pool.credit(self.tag, pool::used_bytes(&bump));
        pool::clear(&mut bump);
        if self.on_stack {
            return_level(self.level, bump);
        }
        DEPTH.with(|d| d.set(self.level));
        // User code (the budget callback) runs last, with the level given back.
        overruns.deliver();
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
        scope(self.task_pool(), tag::current(), f)
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
        scope(self.pool(), self.tag_id(), f)
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
        scope(self.pool, self.tag, f)
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
        self.bump.alloc(value)
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
        self.bump.alloc_with(f)
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
        self.bump.alloc_str(s)
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
        self.bump.alloc_slice_copy(src)
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
        self.bump.alloc_slice_fill_with(len, f)
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
        TaskFrameAllocator::new(&self.bump)
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
        pool::used_bytes(&self.bump)
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
        self.bump.allocated_bytes()
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
