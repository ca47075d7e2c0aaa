//! `FrameVec`: a growable vector in frame memory.

use core::alloc::Layout;
use core::fmt;
use core::ops::{Deref, DerefMut, RangeBounds};

use super::arena::{ArenaRef, LiveToken};
use super::guard::Frame;
use crate::Error;
use allocator_api2::vec::{IntoIter, Vec as ApiVec};

/// A growable vector whose buffer lives in frame memory.
///
/// Made by [`SmartAlloc::frame_vec`](crate::SmartAlloc::frame_vec) (or the same method on
/// a [`Frame`](crate::Frame) guard). It behaves like `Vec<T>`: it derefs to `[T]`, grows
/// on `push`/`extend` (in place when it is the arena's latest allocation), and drops its
/// elements when it drops. Any `T` is allowed, `String` included.
///
/// Made through the explicit API it counts as a live handle, like
/// [`FrameBox`](crate::FrameBox): the frame's memory is not reused while it lives, even
/// past `end_frame`. Made through a [`Frame`](crate::Frame) guard it borrows the guard
/// instead, which keeps the frame open for as long as the vector can be used: no count
/// at all, so it costs what `bumpalo::collections::Vec::new_in` costs, and it may be
/// frozen into a plain slice with [`into_slice`](Self::into_slice). Either way it is
/// `!Send`/`!Sync`.
///
/// `extend_from_slice` of `Copy` data is one reservation and one `memcpy`
/// ([`extend_from_slice_copy`](Self::extend_from_slice_copy) says so in its name, as in
/// bumpalo), and `extend` from an iterator writes the elements its size hint promises
/// without a capacity check per element.
///
/// ```
/// use framealloc::SmartAlloc;
///
/// fn process_data(data: &[f32]) -> f32 {
///     data.iter().sum()
/// }
///
/// let alloc = SmartAlloc::new(Default::default());
/// alloc.begin_frame();
/// let mut scratch = alloc.frame_vec::<f32>();
/// for i in 0..1000 {
///     scratch.push(i as f32);
/// }
/// assert_eq!(process_data(&scratch), 499_500.0);
/// alloc.end_frame();
/// ```
pub struct FrameVec<'a, T> {
    pub(super) vec: ApiVec<T, ArenaRef<'a>>,
    /// The explicit path's live-handle hold. `None` for a vector made through a `Frame`
    /// guard: it borrows the guard for `'a`, and the guard's open frame keeps the arena
    /// from resetting for at least that long. Declared last: dropped after `vec` has
    /// dropped its elements.
    live: Option<LiveToken<'a>>,
}

impl<'f, T> FrameVec<'f, T> {
    /// An empty vector borrowing `frame` (bumpalo's `Vec::new_in`; the same as
    /// `frame.frame_vec()`).
    ///
    /// ```
    /// use framealloc::FrameVec;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = FrameVec::new_in(&frame);
    /// v.push("a");
    /// assert_eq!(v, ["a"]);
    /// ```
    #[inline]
    pub fn new_in(frame: &'f Frame<'_>) -> Self {
        frame.frame_vec()
    }

    /// An empty vector with room for `capacity` elements, borrowing `frame`.
    ///
    /// ```
    /// use framealloc::FrameVec;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = FrameVec::with_capacity_in(8, &frame);
    /// assert_eq!((v.len(), v.capacity()), (0, 8));
    /// v.extend_from_slice(&[1u8; 8]);
    /// assert_eq!(v.capacity(), 8); // filled without growing
    /// ```
    ///
    /// # Panics
    ///
    /// On capacity overflow or when memory runs out.
    #[inline]
    #[track_caller]
    pub fn with_capacity_in(capacity: usize, frame: &'f Frame<'_>) -> Self {
        frame.frame_vec_with_capacity(capacity)
    }

    /// Collect `iter` into a vector borrowing `frame` (see [`CollectIn`](crate::CollectIn)).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let v = framealloc::FrameVec::from_iter_in((0..5).filter(|x| x % 2 == 0), &frame);
    /// assert_eq!(v, [0, 2, 4]);
    /// ```
    pub fn from_iter_in<I: IntoIterator<Item = T>>(iter: I, frame: &'f Frame<'_>) -> Self {
        let mut v = frame.frame_vec();
        v.extend(iter);
        v
    }
}

/// A [`FrameVec`] borrowing a [`Frame`](crate::Frame) guard, written like `vec!`
/// (bumpalo's `vec![in &bump; ..]`): `frame_vec![in &frame]` (empty),
/// `frame_vec![in &frame; a, b, c]` (those elements, one reservation), or
/// `frame_vec![in &frame; elem; n]` (`n` clones of `elem`, as `vec![elem; n]`).
///
/// ```
/// use framealloc::{SmartAlloc, frame_vec};
///
/// let alloc = SmartAlloc::new(Default::default());
/// let frame = alloc.frame();
/// let waypoints = frame_vec![in &frame; [0.0f32, 0.0], [1.0, 0.5], [2.0, 0.0]];
/// assert_eq!(waypoints.len(), 3);
/// let mut visited = frame_vec![in &frame; false; 3];
/// visited[1] = true;
/// assert_eq!(visited, [false, true, false]);
/// let mut open: framealloc::FrameVec<'_, u32> = frame_vec![in &frame];
/// open.push(7);
/// assert_eq!(open, [7]);
/// ```
///
/// # Panics
///
/// As [`FrameVec::with_capacity_in`]: on capacity overflow or when memory runs out.
#[macro_export]
macro_rules! frame_vec {
    (in $frame:expr $(;)?) => {
        $crate::FrameVec::new_in($frame)
    };
    (in $frame:expr; $elem:expr; $n:expr) => {{
        let n: usize = $n;
        let mut v = $crate::FrameVec::with_capacity_in(n, $frame);
        v.resize(n, $elem);
        v
    }};
    (in $frame:expr; $($x:expr),+ $(,)?) => {{
        let mut v = $crate::FrameVec::with_capacity_in(
            <[()]>::len(&[$($crate::frame_vec!(@unit $x)),+]),
            $frame,
        );
        $(v.push($x);)+
        v
    }};
    (@unit $x:expr) => {
        ()
    };
}

#[cold]
#[inline(never)]
#[track_caller]
fn explicit_into_slice() -> ! {
    panic!(
        "framealloc: FrameVec::into_slice needs a vector made through a Frame guard \
         (`frame.frame_vec()`); this one comes from SmartAlloc::frame_vec, whose memory is \
         reused after end_frame: use into_vec(), or make the vector through the guard"
    )
}

impl<'a, T> FrameVec<'a, T> {
    /// An empty vector in the arena of `live`, with room for `capacity` elements.
    pub(crate) fn try_with_capacity(live: LiveToken<'a>, capacity: usize) -> Result<Self, Error> {
        let mut vec = ApiVec::new_in(ArenaRef::new(live.arena()));
        if capacity > 0
            && let Err(e) = vec.try_reserve_exact(capacity)
        {
            return Err(live.failed(Error::from_reserve(&e)));
        }
        Ok(FrameVec {
            vec,
            live: Some(live),
        })
    }

    /// An empty vector made through a `Frame` guard borrowed for `'a` (no hold: the
    /// guard's open frame protects it).
    #[inline(always)]
    pub(crate) fn scoped(arena: ArenaRef<'a>) -> Self {
        FrameVec {
            vec: ApiVec::new_in(arena),
            live: None,
        }
    }

    /// [`scoped`](Self::scoped) with room for `capacity` elements (`strict`: a `try_`
    /// call; the caller checked the frame budgets). The buffer is bumped directly, the
    /// way `frame.alloc` bumps, rather than through the vector's growth path.
    #[inline]
    #[track_caller]
    pub(crate) fn try_scoped_with_capacity(
        arena: ArenaRef<'a>,
        capacity: usize,
        strict: bool,
    ) -> Result<Self, Error> {
        if capacity == 0 || size_of::<T>() == 0 {
            return Ok(Self::scoped(arena));
        }
        let layout = Layout::array::<T>(capacity).map_err(|_| Error::CapacityOverflow)?;
        let ptr = arena.get().alloc_layout(layout, strict)?;
        // SAFETY: `ptr` was allocated from `arena`'s bump with the layout of `capacity`
        // `T`s (what the vector's allocator will be asked to free or grow), and holds no
        // elements yet.
        let vec =
            unsafe { ApiVec::from_raw_parts_in(ptr.cast::<T>().as_ptr(), 0, capacity, arena) };
        Ok(FrameVec { vec, live: None })
    }

    /// A guard-made vector holding a copy of `src`, with exactly its length as capacity
    /// (bumpalo's `String::from_str_in` shape): one bump and one copy, with none of the
    /// growth path's capacity checks. Budgets as for
    /// [`Frame::frame_vec_with_capacity`] (checked at creation when armed; off the
    /// inlined path).
    #[inline]
    #[track_caller]
    pub(crate) fn scoped_copy_of(arena: ArenaRef<'a>, src: &[T]) -> Self
    where
        T: Copy,
    {
        if size_of::<T>() == 0 {
            // Zero-sized elements take no room: only the length is set. (A branch of its
            // own, removed whole for sized `T`: merged with the empty case it kept the
            // vector's growth path in every caller, ~1 200 on LLVM's inlining cost scale
            // against a threshold of 250, so `FrameString::from_str_in` was never inlined.)
            let mut vec = Self::scoped(arena);
            vec.vec.extend_from_slice(src);
            return vec;
        }
        if src.is_empty() {
            return Self::scoped(arena);
        }
        let layout = Layout::for_value(src);
        let a = arena.get();
        if a.budgets_armed() {
            a.check_vec_budget(layout.size());
        }
        let ptr = a.alloc_layout_or_fail(layout).cast::<T>();
        // SAFETY: fresh room for `src.len()` `T`s, bumped from `arena`'s bump with the
        // layout of `src` (= `Layout::array::<T>(src.len())`, what the vector's allocator
        // will be asked to free or grow), disjoint from `src`; `T: Copy`, so a bitwise
        // copy initialises all `src.len()` elements.
        let vec = unsafe {
            ptr.copy_from_nonoverlapping(core::ptr::NonNull::from(src).cast(), src.len());
            ApiVec::from_raw_parts_in(ptr.as_ptr(), src.len(), src.len(), arena)
        };
        FrameVec { vec, live: None }
    }

    /// Whether the vector is a live handle of the explicit API (not guard-made).
    pub(crate) fn is_explicit(&self) -> bool {
        self.live.is_some()
    }

    /// Freeze the vector into a plain slice that lives as long as the [`Frame`] guard it
    /// was made through (bumpalo's `into_bump_slice`). The elements are never dropped,
    /// so `T` must have no destructor (checked at compile time, as for `frame.alloc`).
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let squares = {
    ///     let mut v = frame.frame_vec::<u64>();
    ///     v.extend((1..=4).map(|x| x * x));
    ///     v.into_slice()
    /// };
    /// assert_eq!(squares, [1, 4, 9, 16]);
    /// ```
    ///
    /// # Panics
    ///
    /// If the vector was made through the explicit API (`SmartAlloc::frame_vec`): its
    /// memory is reused once `end_frame` runs and it drops, and a slice borrowing only the
    /// allocator would outlive that. Use [`into_vec`](Self::into_vec), or make the
    /// vector through a `Frame` guard.
    ///
    /// [`Frame`]: crate::Frame
    #[track_caller]
    #[inline]
    pub fn into_slice(self) -> &'a mut [T] {
        crate::frame_safe::assert_no_destructor!(
            T,
            "FrameVec::into_slice",
            "keep the `FrameVec` (it drops its elements), or use `into_vec()`"
        );
        if self.live.is_some() {
            explicit_into_slice();
        }
        let mut vec = core::mem::ManuallyDrop::new(self);
        let len = vec.vec.len();
        let ptr = vec.vec.as_mut_ptr();
        // SAFETY: `ptr` holds `len` initialised elements in frame memory that nothing else
        // owns once the vector is forgotten (its buffer is abandoned, as `frame.alloc`
        // abandons values, and `T` has no destructor). The vector was made through a
        // guard borrowed for `'a` (`live` is `None`), whose open frame keeps the memory
        // from being reused for all of `'a`.
        unsafe { core::slice::from_raw_parts_mut(ptr, len) }
    }

    /// Number of elements.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// v.extend([1, 2, 3]);
    /// assert_eq!(v.len(), 3);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.vec.len()
    }

    /// Whether the vector holds no element.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// assert!(v.is_empty());
    /// v.push(1);
    /// assert!(!v.is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.vec.is_empty()
    }

    /// Number of elements the vector can hold without growing.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec::<u32>();
    /// assert_eq!(v.capacity(), 0); // nothing allocated yet
    /// v.reserve(10);
    /// assert!(v.capacity() >= 10);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.vec.capacity()
    }

    /// Append an element, growing the buffer in frame memory if needed.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// for i in 0..100 {
    ///     v.push(i);
    /// }
    /// assert_eq!((v.len(), v[99]), (100, 99));
    /// ```
    ///
    /// # Panics
    ///
    /// If the new capacity overflows `isize::MAX` bytes. Running out of memory aborts,
    /// as `Vec::push` does; use [`try_reserve`](Self::try_reserve) first to handle it.
    #[inline]
    pub fn push(&mut self, value: T) {
        self.vec.push(value);
    }

    /// Remove and return the last element.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// v.extend([1, 2]);
    /// assert_eq!((v.pop(), v.pop(), v.pop()), (Some(2), Some(1), None));
    /// ```
    #[inline]
    pub fn pop(&mut self) -> Option<T> {
        self.vec.pop()
    }

    /// Insert an element at `index`, shifting the rest right.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// v.extend([1, 3]);
    /// v.insert(1, 2);
    /// assert_eq!(v, [1, 2, 3]);
    /// ```
    ///
    /// # Panics
    ///
    /// If `index > len`.
    pub fn insert(&mut self, index: usize, value: T) {
        self.vec.insert(index, value);
    }

    /// Remove the element at `index`, shifting the rest left.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// v.extend(['a', 'b', 'c']);
    /// assert_eq!(v.remove(0), 'a');
    /// assert_eq!(v, ['b', 'c']);
    /// ```
    ///
    /// # Panics
    ///
    /// If `index >= len`.
    pub fn remove(&mut self, index: usize) -> T {
        self.vec.remove(index)
    }

    /// Remove the element at `index`, replacing it with the last one (O(1)).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// v.extend([1, 2, 3, 4]);
    /// assert_eq!(v.swap_remove(0), 1);
    /// assert_eq!(v, [4, 2, 3]); // the last element took its place
    /// ```
    ///
    /// # Panics
    ///
    /// If `index >= len`.
    #[inline]
    pub fn swap_remove(&mut self, index: usize) -> T {
        self.vec.swap_remove(index)
    }

    /// Keep the first `len` elements, dropping the rest.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// v.extend(0..10);
    /// v.truncate(3);
    /// assert_eq!(v, [0, 1, 2]);
    /// ```
    #[inline]
    pub fn truncate(&mut self, len: usize) {
        self.vec.truncate(len);
    }

    /// Drop every element (the capacity stays).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// v.extend(0..10);
    /// let capacity = v.capacity();
    /// v.clear();
    /// assert_eq!((v.len(), v.capacity()), (0, capacity));
    /// ```
    #[inline]
    pub fn clear(&mut self) {
        self.vec.clear();
    }

    /// Reserve room for at least `additional` more elements.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec::<u64>();
    /// v.reserve(100);
    /// let buffer = v.as_ptr();
    /// v.extend(0..100);
    /// assert_eq!(v.as_ptr(), buffer); // no growth while filling
    /// ```
    ///
    /// # Panics
    ///
    /// If the new capacity overflows; aborts if memory runs out.
    pub fn reserve(&mut self, additional: usize) {
        self.vec.reserve(additional);
    }

    /// Reserve room for at least `additional` more elements, or say why not (amortised
    /// growth, as `reserve`).
    ///
    /// ```
    /// use framealloc::Error;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec::<u64>();
    /// v.try_reserve(64)?;
    /// assert!(v.capacity() >= 64);
    /// assert_eq!(v.try_reserve(usize::MAX), Err(Error::CapacityOverflow));
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::CapacityOverflow`] if the capacity would exceed `isize::MAX` bytes,
    /// [`Error::OutOfMemory`] if the system allocator refuses a new chunk,
    /// [`Error::BudgetExceeded`] under `BudgetPolicy::Enforce` if the growth would take a
    /// frame budget past its limit. Nothing changes on error.
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), Error> {
        let (len, cap) = (self.vec.len(), self.vec.capacity());
        if cap - len >= additional {
            return Ok(());
        }
        let required = len.checked_add(additional).ok_or(Error::CapacityOverflow)?;
        // The growth `reserve` would pick (allocator-api2's, like std's): double, at least
        // what is required, at least a small minimum.
        let min_cap = match size_of::<T>() {
            1 => 8,
            2..=1024 => 4,
            _ => 1,
        };
        self.try_grow_to(required.max(cap.saturating_mul(2)).max(min_cap))
    }

    /// Reserve room for exactly `additional` more elements.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec::<u16>();
    /// v.try_reserve_exact(10)?;
    /// assert_eq!(v.capacity(), 10);
    /// # Ok::<(), framealloc::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`try_reserve`](Self::try_reserve).
    #[inline]
    pub fn try_reserve_exact(&mut self, additional: usize) -> Result<(), Error> {
        let (len, cap) = (self.vec.len(), self.vec.capacity());
        if cap - len >= additional {
            return Ok(());
        }
        self.try_grow_to(len.checked_add(additional).ok_or(Error::CapacityOverflow)?)
    }

    /// Grow the buffer to exactly `target` elements (more than the capacity). Frame
    /// budgets are checked here, strictly, for the bytes the growth asks for: the
    /// allocator's own check (collection growth in general) can only follow
    /// `on_misuse`, so a `try_` call must refuse before it gets there.
    #[inline]
    fn try_grow_to(&mut self, target: usize) -> Result<(), Error> {
        let bytes = Layout::array::<T>(target).map_err(|_| Error::CapacityOverflow)?;
        let arena = self.vec.allocator().get();
        if arena.budgets_armed() && bytes.size() != 0 {
            let current = self.vec.capacity() * size_of::<T>();
            arena.check_frame_budgets((bytes.size() - current) as u64, true)?;
        }
        self.vec
            .try_reserve_exact(target - self.vec.len())
            .map_err(|e| Error::from_reserve(&e))
    }

    /// Append `value`, or return it with [`Error::CapacityOverflow`] /
    /// [`Error::OutOfMemory`] if the vector cannot grow.
    ///
    /// ```
    /// use framealloc::{AllocConfig, BudgetPolicy, Error, SmartAlloc};
    ///
    /// let config = AllocConfig { budget_policy: BudgetPolicy::Enforce, ..Default::default() };
    /// let alloc = SmartAlloc::new(config);
    /// alloc.set_thread_frame_budget(3000);
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec::<[u8; 2048]>();
    /// assert!(v.try_push([1; 2048]).is_ok());
    /// let (refused, e) = v.try_push([2; 2048]).unwrap_err(); // would pass the budget
    /// assert!(refused[0] == 2 && matches!(e, Error::BudgetExceeded { .. }));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`try_reserve`](Self::try_reserve); the value comes back with the error.
    pub fn try_push(&mut self, value: T) -> Result<(), (T, Error)> {
        if let Err(e) = self.try_reserve(1) {
            return Err((value, e));
        }
        self.vec.push(value);
        Ok(())
    }

    /// Keep only the elements for which `f` returns `true`.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// v.extend(1..=6);
    /// v.retain(|x| x % 2 == 0);
    /// assert_eq!(v, [2, 4, 6]);
    /// ```
    pub fn retain(&mut self, f: impl FnMut(&T) -> bool) {
        self.vec.retain(f);
    }

    /// Keep only the elements for which `f` returns `true`, with mutable access.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// v.extend([1, 2, 3, 4]);
    /// v.retain_mut(|x| {
    ///     *x *= 10;
    ///     *x > 15
    /// });
    /// assert_eq!(v, [20, 30, 40]);
    /// ```
    pub fn retain_mut(&mut self, f: impl FnMut(&mut T) -> bool) {
        self.vec.retain_mut(f);
    }

    /// Resize to `new_len`, filling new slots with values from `f`.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// let mut next = 0;
    /// v.resize_with(3, || {
    ///     next += 1;
    ///     next
    /// });
    /// assert_eq!(v, [1, 2, 3]);
    /// ```
    pub fn resize_with(&mut self, new_len: usize, f: impl FnMut() -> T) {
        self.vec.resize_with(new_len, f);
    }

    /// Remove the elements in `range` and iterate over them.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// v.extend(0..6);
    /// let taken: Vec<_> = v.drain(1..3).collect();
    /// assert_eq!((taken, v.as_slice()), (vec![1, 2], &[0, 3, 4, 5][..]));
    /// ```
    ///
    /// # Panics
    ///
    /// If the range is out of bounds.
    pub fn drain(
        &mut self,
        range: impl RangeBounds<usize>,
    ) -> impl DoubleEndedIterator<Item = T> + ExactSizeIterator + '_ {
        self.vec.drain(range)
    }

    /// The elements as a slice.
    ///
    /// ```
    /// fn total(xs: &[u32]) -> u32 {
    ///     xs.iter().sum()
    /// }
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// v.extend([3, 1, 2]);
    /// assert_eq!(total(v.as_slice()), 6);
    /// ```
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        &self.vec
    }

    /// The elements as a mutable slice.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// v.extend([3, 1, 2]);
    /// v.as_mut_slice().sort_unstable();
    /// assert_eq!(v, [1, 2, 3]);
    /// ```
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.vec
    }

    /// Move the elements into a `std` `Vec` on the system heap (one copy), so they can
    /// outlive the frame.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let kept: Vec<String> = {
    ///     let frame = alloc.frame();
    ///     let mut v = frame.frame_vec();
    ///     v.push(String::from("survives the frame"));
    ///     v.into_vec()
    /// };
    /// assert_eq!(kept, ["survives the frame"]);
    /// ```
    pub fn into_vec(self) -> Vec<T> {
        self.into_iter().collect()
    }
}

/// `std::vec::Vec` and bumpalo's `Vec` methods beyond the basics, for code ported from
/// them. Each delegates to allocator-api2's `Vec` where it has the method.
impl<T> FrameVec<'_, T> {
    /// An empty vector in the same arena as `self`, with room for exactly `capacity`
    /// elements, made the way `self` was made (for `Clone` and `split_off`):
    ///
    /// - guard-made (`live` is `None`): no hold, as for `self`. Its type borrows the same
    ///   guard for the same `'a`, whose open frame protects it as it protects `self`. The
    ///   room comes through the growth path (a budget follows `on_misuse`, as for any
    ///   growth of a guard-made vector).
    /// - explicit: a live handle of its own, so it keeps the arena from resetting after
    ///   `self` drops; made by `ThreadArena::try_vec`, as `SmartAlloc::frame_vec` makes
    ///   one (the hold taken before the budget check and the bump, SPEC §4.10; on failure
    ///   the hold is given back uncounted and the call panics). Unlike
    ///   `SmartAlloc::frame_vec` there is no "frame open" check: `self`'s own hold already
    ///   keeps the arena from resetting, and the new vector's memory comes from the arena
    ///   exactly as `self`'s growth would (which is allowed after `end_frame` too); the
    ///   new hold then keeps it until the new vector drops. Requiring an open frame would
    ///   make `v.clone()` panic where `v.push(x)` works.
    #[track_caller]
    fn sibling_with_capacity(&self, capacity: usize) -> Self {
        let arena = *self.vec.allocator();
        if self.live.is_none() {
            let mut sibling = Self::scoped(arena);
            sibling.vec.reserve_exact(capacity);
            return sibling;
        }
        let arena = arena.get();
        // A new explicit handle made without `ArenaSet::current` (which
        // `SmartAlloc::frame_vec` goes through): catch up, as it does, with the tag
        // changes this arena missed while another instance's arena was the thread's
        // cached one, so that the copy is counted under, and checked against, the
        // thread's current tag. The overruns found doing so are reported before the copy
        // is made (the callback may use the arena; `self` keeps the allocator alive).
        arena.sync_tag().deliver();
        arena
            .try_vec(capacity, false)
            .unwrap_or_else(|e| crate::fail(&e))
    }

    /// Reserve room for exactly `additional` more elements (no amortised doubling).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec::<u32>();
    /// v.push(1);
    /// v.reserve_exact(9);
    /// assert_eq!(v.capacity(), 10);
    /// ```
    ///
    /// # Panics
    ///
    /// If the new capacity overflows; aborts if memory runs out (use
    /// [`try_reserve_exact`](Self::try_reserve_exact) to handle it).
    pub fn reserve_exact(&mut self, additional: usize) {
        self.vec.reserve_exact(additional);
    }

    /// Shrink the capacity to the length. When the buffer is the arena's latest
    /// allocation the room past the end is given back to the frame at once.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec_with_capacity::<u64>(64);
    /// v.extend([1, 2, 3]);
    /// v.shrink_to_fit();
    /// assert_eq!((v.capacity(), v.as_slice()), (3, &[1, 2, 3][..]));
    /// ```
    pub fn shrink_to_fit(&mut self) {
        self.vec.shrink_to_fit();
    }

    /// A raw pointer to the buffer (dangling, but aligned and non-null, before the
    /// first allocation). Unlike the slice method it shadows, it creates no reference
    /// to the elements, so pointers taken earlier with `as_mut_ptr` stay usable, as for
    /// `Vec::as_ptr`.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec::<u16>();
    /// v.extend([10, 20, 30]);
    /// let p = v.as_ptr();
    /// // SAFETY: `p` points at the vector's 3 initialised elements.
    /// assert_eq!(unsafe { *p.add(2) }, 30);
    /// ```
    #[inline]
    pub fn as_ptr(&self) -> *const T {
        self.vec.as_ptr()
    }

    /// A raw mutable pointer to the buffer, made without a reference to the elements
    /// (as `Vec::as_mut_ptr`): several such pointers may be used in turn.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec::<u32>();
    /// v.resize(4, 0);
    /// let p = v.as_mut_ptr();
    /// // SAFETY: `p` points at the vector's 4 initialised elements, and nothing else
    /// // uses the vector meanwhile.
    /// unsafe {
    ///     for i in 0..4 {
    ///         p.add(i).write(i as u32 * 10);
    ///     }
    /// }
    /// assert_eq!(v, [0, 10, 20, 30]);
    /// ```
    #[inline]
    pub fn as_mut_ptr(&mut self) -> *mut T {
        self.vec.as_mut_ptr()
    }

    /// Remove and return the last element if `predicate` returns `true` for it
    /// (`Vec::pop_if`).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// v.extend([1, 2, 3, 4]);
    /// assert_eq!(v.pop_if(|x| *x % 2 == 0), Some(4));
    /// assert_eq!(v.pop_if(|x| *x % 2 == 0), None);
    /// assert_eq!(v, [1, 2, 3]);
    /// ```
    pub fn pop_if(&mut self, predicate: impl FnOnce(&mut T) -> bool) -> Option<T> {
        let last = self.vec.last_mut()?;
        if predicate(last) {
            self.vec.pop()
        } else {
            None
        }
    }

    /// Remove consecutive elements that `same_bucket` says are equal, keeping the first
    /// of each run. `same_bucket(a, b)` gets the element `a` that may be removed and the
    /// kept element `b` before it.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// v.extend(["foo", "Foo", "bar", "BAR", "baz"]);
    /// v.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    /// assert_eq!(v, ["foo", "bar", "baz"]);
    /// ```
    pub fn dedup_by(&mut self, same_bucket: impl FnMut(&mut T, &mut T) -> bool) {
        self.vec.dedup_by(same_bucket);
    }

    /// Remove consecutive elements with the same key, keeping the first of each run.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// v.extend([10, 11, 20, 21, 22, 30, 10]);
    /// v.dedup_by_key(|x| *x / 10);
    /// assert_eq!(v, [10, 20, 30, 10]);
    /// ```
    pub fn dedup_by_key<K: PartialEq>(&mut self, key: impl FnMut(&mut T) -> K) {
        self.vec.dedup_by_key(key);
    }

    /// Move every element of `other` to the end of `self`, leaving `other` empty (its
    /// capacity stays). `other` may live in another frame, or another allocator.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut a = frame.frame_vec();
    /// a.extend([1, 2]);
    /// let mut b = frame.frame_vec();
    /// b.extend([3, 4]);
    /// a.append(&mut b);
    /// assert_eq!((a.as_slice(), b.len()), (&[1, 2, 3, 4][..], 0));
    /// ```
    ///
    /// # Panics
    ///
    /// If the new capacity overflows (or a budget refuses it under
    /// `BudgetPolicy::Enforce` with `on_misuse = Panic`); aborts if memory runs out. On a
    /// panic both vectors are unchanged, as with `Vec::append`.
    pub fn append(&mut self, other: &mut FrameVec<'_, T>) {
        // Not allocator-api2's `append`: it takes a vector of the very same type, and
        // `other` may borrow a different frame. The room first: the drain empties `other`
        // as soon as it exists, so a reservation failing inside `extend` would drop
        // `other`'s elements while unwinding. Then `extend` moves them with no capacity
        // check each (a drain's size is exact).
        self.vec.reserve(other.len());
        self.extend(other.vec.drain(..));
    }

    /// Split the vector at `at`: `self` keeps `[0, at)` and its capacity, the returned
    /// vector holds `[at, len)` with exactly that capacity, in the same arena. As for
    /// `Clone`, the new vector is made the way `self` was: borrowing the same `Frame`
    /// guard, or, made through the explicit API, as a live handle of its own that keeps
    /// the frame's memory until it drops.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// v.extend(['a', 'b', 'c', 'd']);
    /// let tail = v.split_off(1);
    /// assert_eq!((v.as_slice(), tail.as_slice()), (&['a'][..], &['b', 'c', 'd'][..]));
    /// assert_eq!(tail.capacity(), 3);
    /// ```
    ///
    /// # Panics
    ///
    /// If `at > len`.
    #[must_use = "use `.truncate()` if you don't need the other half"]
    #[track_caller]
    pub fn split_off(&mut self, at: usize) -> Self {
        if at > self.len() {
            split_off_out_of_bounds(at, self.len());
        }
        let mut tail = self.sibling_with_capacity(self.len() - at);
        tail.extend(self.vec.drain(at..));
        tail
    }

    /// Remove the elements in `range` and insert those of `replace_with` in their place
    /// (`Vec::splice`); the returned iterator yields the removed ones. The replacement
    /// happens when the iterator drops (it must drop, as for `Vec::splice`: leaking it
    /// leaves the vector without the range and without the new elements).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// v.extend([1, 2, 3, 4]);
    /// let removed: Vec<_> = v.splice(1..3, [7, 8, 9]).collect();
    /// assert_eq!((v.as_slice(), removed), (&[1, 7, 8, 9, 4][..], vec![2, 3]));
    /// ```
    ///
    /// # Panics
    ///
    /// If the range is out of bounds, as [`drain`](Self::drain).
    pub fn splice<'s, I>(
        &'s mut self,
        range: impl RangeBounds<usize>,
        replace_with: I,
    ) -> impl DoubleEndedIterator<Item = T> + ExactSizeIterator
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: 's,
    {
        self.vec.splice(range, replace_with)
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn split_off_out_of_bounds(at: usize, len: usize) -> ! {
    panic!("`at` split index (is {at}) should be <= len (is {len})")
}

impl<T: PartialEq> FrameVec<'_, T> {
    /// Remove consecutive equal elements, keeping the first of each run.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// v.extend([1, 1, 2, 3, 3, 3, 1]);
    /// v.dedup();
    /// assert_eq!(v, [1, 2, 3, 1]);
    /// ```
    pub fn dedup(&mut self) {
        self.vec.dedup();
    }
}

impl<T: Clone> FrameVec<'_, T> {
    /// Append clones of the elements in `src`, a range of the vector itself.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// v.extend([0, 1, 2, 3]);
    /// v.extend_from_within(1..3);
    /// v.extend_from_within(..2);
    /// assert_eq!(v, [0, 1, 2, 3, 1, 2, 0, 1]);
    /// ```
    ///
    /// # Panics
    ///
    /// If the range is out of bounds. If a `clone` panics, the clones made so far are
    /// kept (and dropped with the vector), as for `Vec::extend_from_within`.
    pub fn extend_from_within(&mut self, src: impl RangeBounds<usize>) {
        self.vec.extend_from_within(src);
    }
}

/// A copy in the same arena (`reserve_exact(len)`, then the elements cloned in order),
/// made the way the original was made: a vector made through a [`Frame`] guard gives a
/// copy borrowing the same guard (no live handle), one made through the explicit API
/// gives a live handle of its own, which keeps the frame's memory from being reused
/// until it drops (even if the original drops first, and even after `end_frame`).
///
/// If an element's `clone` panics, the clones made so far are dropped and the copy's
/// hold is released.
///
/// ```
/// # let alloc = framealloc::SmartAlloc::new(Default::default());
/// let frame = alloc.frame();
/// let mut names = frame.frame_vec::<String>();
/// names.push("a".into());
/// let mut copy = names.clone();
/// copy.push("b".into());
/// assert_eq!((names.len(), copy.len()), (1, 2));
/// assert_eq!(copy, ["a", "b"]);
/// ```
impl<T: Clone> Clone for FrameVec<'_, T> {
    #[track_caller]
    fn clone(&self) -> Self {
        let mut copy = self.sibling_with_capacity(self.len());
        copy.extend_from_slice(self);
        copy
    }

    /// Reuses `self`'s buffer, arena and hold (allocator-api2's `clone_from`).
    fn clone_from(&mut self, source: &Self) {
        self.vec.clone_from(&source.vec);
    }
}

/// Sets a vector's length when dropped: the count of elements written so far survives a
/// panicking `clone` or iterator (the written prefix is then dropped with the vector).
struct SetLenOnDrop<'v, 'a, T> {
    vec: &'v mut ApiVec<T, ArenaRef<'a>>,
    len: usize,
}

impl<T> Drop for SetLenOnDrop<'_, '_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the first `len` elements are initialised (each write is counted right
        // after it), and `len` never exceeds the capacity (writes stop there).
        unsafe { self.vec.set_len(self.len) };
    }
}

impl<T> FrameVec<'_, T> {
    /// Write elements from `iter` into the spare capacity (no capacity check per
    /// element) until it is full or `iter` ends; returns whether `iter` ended.
    #[inline]
    fn fill_spare(&mut self, iter: &mut impl Iterator<Item = T>) -> bool {
        let cap = self.vec.capacity();
        let base = self.vec.as_mut_ptr();
        let mut len = SetLenOnDrop {
            len: self.vec.len(),
            vec: &mut self.vec,
        };
        while len.len < cap {
            let Some(value) = iter.next() else {
                return true;
            };
            // SAFETY: `len < cap`: the slot is inside the buffer and uninitialised.
            unsafe { base.add(len.len).write(value) };
            len.len += 1;
        }
        false
    }
}

impl<T: Copy> FrameVec<'_, T> {
    /// Append a copy of `other`: one reservation and one `memcpy` (bumpalo's name for
    /// it; [`extend_from_slice`](Self::extend_from_slice) does the same for `Copy` data).
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut bytes = frame.frame_vec::<u8>();
    /// bytes.extend_from_slice_copy(b"hello, ");
    /// bytes.extend_from_slice_copy(b"frame");
    /// assert_eq!(&bytes[..], b"hello, frame");
    /// ```
    ///
    /// # Panics
    ///
    /// If the new capacity overflows, or memory runs out.
    #[inline]
    pub fn extend_from_slice_copy(&mut self, other: &[T]) {
        self.vec.reserve(other.len());
        // SAFETY: room for `other.len()` more elements was reserved; `T: Copy`, so a
        // bitwise copy initialises them. The destination is the vector's spare capacity,
        // which nothing else can reference, so it cannot overlap `other` (a live borrow:
        // of another allocation, or of this vector's elements, which `&mut self` rules
        // out).
        unsafe {
            let len = self.vec.len();
            self.vec
                .as_mut_ptr()
                .add(len)
                .copy_from_nonoverlapping(other.as_ptr(), other.len());
            self.vec.set_len(len + other.len());
        }
    }

    /// Append copies of several slices with one reservation (bumpalo's
    /// `extend_from_slices_copy`).
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec::<u32>();
    /// v.extend_from_slices_copy(&[&[1, 2], &[], &[3]]);
    /// assert_eq!(v, [1, 2, 3]);
    /// ```
    ///
    /// # Panics
    ///
    /// If the new capacity overflows, or memory runs out.
    #[inline]
    pub fn extend_from_slices_copy(&mut self, slices: &[&[T]]) {
        let total = slices
            .iter()
            .try_fold(0usize, |n, s| n.checked_add(s.len()))
            .unwrap_or_else(|| crate::fail(&Error::CapacityOverflow));
        self.vec.reserve(total);
        // One reservation, then the copies with the length in a local (not through
        // `extend_from_slice_copy`, which would check the capacity again per slice).
        let dst = self.vec.as_mut_ptr();
        let mut len = self.vec.len();
        for s in slices {
            // SAFETY: room for `total` (the sum of all the slices' lengths) more elements
            // was reserved, so `len + s.len()` stays within the capacity; `T: Copy`, so a
            // bitwise copy initialises them; the destination is spare capacity, which no
            // live borrow can point into (`&mut self`), so it cannot overlap `s`.
            unsafe { dst.add(len).copy_from_nonoverlapping(s.as_ptr(), s.len()) };
            len += s.len();
        }
        // SAFETY: the first `len` elements are initialised (the old ones, then the copies).
        unsafe { self.vec.set_len(len) };
    }

    /// Fallible [`extend_from_slice_copy`](Self::extend_from_slice_copy).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut bytes = frame.frame_vec::<u8>();
    /// bytes.try_extend_from_slice_copy(b"abc")?;
    /// assert_eq!(bytes, *b"abc");
    /// # Ok::<(), framealloc::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::CapacityOverflow`], [`Error::OutOfMemory`]; nothing is appended.
    #[inline]
    pub fn try_extend_from_slice_copy(&mut self, other: &[T]) -> Result<(), Error> {
        self.try_reserve(other.len())?;
        self.extend_from_slice_copy(other);
        Ok(())
    }
}

impl<T: Clone> FrameVec<'_, T> {
    /// Resize to `new_len`, filling new slots with clones of `value`.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut v = frame.frame_vec();
    /// v.resize(3, 'x');
    /// v.resize(4, 'y');
    /// assert_eq!(v, ['x', 'x', 'x', 'y']);
    /// v.resize(1, 'z');
    /// assert_eq!(v, ['x']);
    /// ```
    pub fn resize(&mut self, new_len: usize, value: T) {
        self.vec.resize(new_len, value);
    }

    /// Append clones of every element of `other`.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let names = [String::from("a"), String::from("b")];
    /// let mut v = frame.frame_vec();
    /// v.extend_from_slice(&names); // clones: `names` is untouched
    /// assert_eq!(v, names);
    /// ```
    pub fn extend_from_slice(&mut self, other: &[T]) {
        self.vec.reserve(other.len());
        // One reservation, then a plain loop over the slice with the length in a local:
        // for `Copy` data LLVM turns it into a `memcpy` (allocator-api2's own version
        // checks the capacity per element, ~0.9 ns per byte).
        let dst = self.vec.as_mut_ptr();
        let mut len = SetLenOnDrop {
            len: self.vec.len(),
            vec: &mut self.vec,
        };
        for value in other {
            // SAFETY: room for `other.len()` more elements was reserved, so the slot is
            // inside the buffer and uninitialised.
            unsafe { dst.add(len.len).write(value.clone()) };
            len.len += 1;
        }
    }
}

impl<T> Deref for FrameVec<'_, T> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        &self.vec
    }
}

impl<T> DerefMut for FrameVec<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.vec
    }
}

impl<T> AsRef<[T]> for FrameVec<'_, T> {
    fn as_ref(&self) -> &[T] {
        self
    }
}

impl<T> AsMut<[T]> for FrameVec<'_, T> {
    fn as_mut(&mut self) -> &mut [T] {
        self
    }
}

impl<T> core::borrow::Borrow<[T]> for FrameVec<'_, T> {
    fn borrow(&self) -> &[T] {
        self
    }
}

impl<T> core::borrow::BorrowMut<[T]> for FrameVec<'_, T> {
    fn borrow_mut(&mut self) -> &mut [T] {
        self
    }
}

impl<T> Extend<T> for FrameVec<'_, T> {
    /// Reserves what the iterator's size hint promises, writes that many elements with
    /// no capacity check each, and pushes any more one by one (a size hint that lies
    /// costs speed, never correctness).
    // Always inlined: left out of line (LLVM's choice for `u8` from a slice), the vector
    // is written field by field through `&mut self` and then moved out of the caller
    // with 16-byte loads that cannot be forwarded from those 8-byte stores: a stall that
    // made a 4-byte `extend` 3x bumpalo's (18 vs 5.6 ns; 9.3 ns inlined).
    #[inline(always)]
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        let mut iter = iter.into_iter();
        loop {
            self.vec.reserve(iter.size_hint().0);
            if self.fill_spare(&mut iter) {
                return;
            }
            // Full: one more element, if any, grows the buffer (amortised doubling).
            match iter.next() {
                Some(value) => self.vec.push(value),
                None => return,
            }
        }
    }
}

impl<'b, T: Copy + 'b> Extend<&'b T> for FrameVec<'_, T> {
    #[inline]
    fn extend<I: IntoIterator<Item = &'b T>>(&mut self, iter: I) {
        self.extend(iter.into_iter().copied());
    }
}

impl<T: fmt::Debug> fmt::Debug for FrameVec<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: PartialEq<U>, U> PartialEq<[U]> for FrameVec<'_, T> {
    fn eq(&self, other: &[U]) -> bool {
        **self == *other
    }
}

impl<T: PartialEq<U>, U, const N: usize> PartialEq<[U; N]> for FrameVec<'_, T> {
    fn eq(&self, other: &[U; N]) -> bool {
        **self == other[..]
    }
}

impl<T: PartialEq<U>, U> PartialEq<&[U]> for FrameVec<'_, T> {
    fn eq(&self, other: &&[U]) -> bool {
        **self == **other
    }
}

impl<T: PartialEq<U>, U> PartialEq<&mut [U]> for FrameVec<'_, T> {
    fn eq(&self, other: &&mut [U]) -> bool {
        **self == **other
    }
}

impl<T: PartialEq<U>, U, const N: usize> PartialEq<&[U; N]> for FrameVec<'_, T> {
    fn eq(&self, other: &&[U; N]) -> bool {
        **self == other[..]
    }
}

impl<T: PartialEq<U>, U, const N: usize> PartialEq<&mut [U; N]> for FrameVec<'_, T> {
    fn eq(&self, other: &&mut [U; N]) -> bool {
        **self == other[..]
    }
}

impl<T: PartialEq<U>, U> PartialEq<Vec<U>> for FrameVec<'_, T> {
    fn eq(&self, other: &Vec<U>) -> bool {
        **self == other[..]
    }
}

impl<'b, T: PartialEq<U>, U> PartialEq<FrameVec<'b, U>> for FrameVec<'_, T> {
    fn eq(&self, other: &FrameVec<'b, U>) -> bool {
        **self == **other
    }
}

impl<T: Eq> Eq for FrameVec<'_, T> {}

/// Lexicographic, as for slices and `Vec`.
impl<'b, T: PartialOrd> PartialOrd<FrameVec<'b, T>> for FrameVec<'_, T> {
    fn partial_cmp(&self, other: &FrameVec<'b, T>) -> Option<core::cmp::Ordering> {
        (**self).partial_cmp(&**other)
    }
}

/// Lexicographic, as for slices and `Vec`.
impl<T: Ord> Ord for FrameVec<'_, T> {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        (**self).cmp(&**other)
    }
}

/// The slice's hash, as `Vec`'s (required by `Borrow<[T]>`).
impl<T: core::hash::Hash> core::hash::Hash for FrameVec<'_, T> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

/// Writing appends, as for `Vec<u8>`: never fails, never writes short.
///
/// ```
/// use std::io::Write;
/// # let alloc = framealloc::SmartAlloc::new(Default::default());
/// let frame = alloc.frame();
/// let mut out = frame.frame_vec::<u8>();
/// write!(out, "{}-{}", 4, 2)?;
/// out.write_all(b"!")?;
/// assert_eq!(out, *b"4-2!");
/// # Ok::<(), std::io::Error>(())
/// ```
impl std::io::Write for FrameVec<'_, u8> {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.extend_from_slice_copy(buf);
        Ok(buf.len())
    }

    fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
        let total = bufs.iter().fold(0usize, |n, b| n.saturating_add(b.len()));
        self.vec.reserve(total);
        for buf in bufs {
            self.extend_from_slice_copy(buf);
        }
        Ok(total)
    }

    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.extend_from_slice_copy(buf);
        Ok(())
    }

    #[inline]
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'b, T> IntoIterator for &'b FrameVec<'_, T> {
    type Item = &'b T;
    type IntoIter = core::slice::Iter<'b, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'b, T> IntoIterator for &'b mut FrameVec<'_, T> {
    type Item = &'b mut T;
    type IntoIter = core::slice::IterMut<'b, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

impl<'a, T> IntoIterator for FrameVec<'a, T> {
    type Item = T;
    type IntoIter = FrameVecIntoIter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        FrameVecIntoIter {
            iter: self.vec.into_iter(),
            _live: self.live,
        }
    }
}

/// The by-value iterator of a [`FrameVec`]: yields its elements, drops those not taken,
/// and keeps the frame memory alive (it is a live handle) until it drops.
pub struct FrameVecIntoIter<'a, T> {
    iter: IntoIter<T, ArenaRef<'a>>,
    /// Declared last: dropped after the remaining elements.
    _live: Option<LiveToken<'a>>,
}

impl<T> Iterator for FrameVecIntoIter<'_, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        self.iter.next()
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.iter.size_hint()
    }
}

impl<T> DoubleEndedIterator for FrameVecIntoIter<'_, T> {
    #[inline]
    fn next_back(&mut self) -> Option<T> {
        self.iter.next_back()
    }
}

impl<T> ExactSizeIterator for FrameVecIntoIter<'_, T> {}

impl<T> core::iter::FusedIterator for FrameVecIntoIter<'_, T> {}

impl<T: fmt::Debug> fmt::Debug for FrameVecIntoIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("FrameVecIntoIter")
            .field(&self.iter.as_slice())
            .finish()
    }
}
