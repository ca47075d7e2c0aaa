//! Vectors in a task frame: [`TaskVec`] (growable, borrows the task frame) and
//! [`FixedTaskVec`] (fixed capacity, holds no arena reference, `Send` when `T` is).

use core::fmt;
use core::mem::MaybeUninit;
use core::ops::{Deref, DerefMut};

use super::TaskFrameAllocator;
use crate::frame_safe::assert_no_destructor;

/// A growable vector in a [`TaskFrame`](crate::TaskFrame), from
/// [`TaskFrame::task_vec`](crate::TaskFrame::task_vec). Its elements are dropped with it.
///
/// It grows through the task frame, so it holds a `&TaskFrame` and is not `Send`: use it
/// between two `.await`s, and freeze it with [`into_slice`](Self::into_slice) (a plain
/// `&mut [T]`, `Send` when `T` is) to keep the data across one.
///
/// ```
/// let alloc = framealloc::SmartAlloc::new(Default::default());
/// let frame = alloc.task_frame();
/// let mut words = frame.task_vec::<&str>();
/// for w in "a task owns its frame".split(' ') {
///     words.push(w);
/// }
/// assert_eq!(words.len(), 5);
/// assert_eq!(words.pop(), Some("frame"));
/// ```
pub struct TaskVec<'f, T> {
    vec: allocator_api2::vec::Vec<T, TaskFrameAllocator<'f>>,
}

impl<'f, T> TaskVec<'f, T> {
    #[inline]
    pub(crate) fn new_in(alloc: TaskFrameAllocator<'f>) -> Self {
        TaskVec {
            vec: allocator_api2::vec::Vec::new_in(alloc),
        }
    }

    #[inline]
    pub(crate) fn with_capacity_in(capacity: usize, alloc: TaskFrameAllocator<'f>) -> Self {
        TaskVec {
            vec: allocator_api2::vec::Vec::with_capacity_in(capacity, alloc),
        }
    }

    /// [`with_capacity_in`](Self::with_capacity_in) that reports failure.
    pub(crate) fn try_with_capacity_in(
        capacity: usize,
        alloc: TaskFrameAllocator<'f>,
    ) -> Result<Self, crate::Error> {
        let mut vec = allocator_api2::vec::Vec::new_in(alloc);
        vec.try_reserve_exact(capacity)
            .map_err(|e| crate::Error::from_reserve(&e))?;
        Ok(TaskVec { vec })
    }

    /// Append `value`, growing in the task frame if needed.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let mut v = frame.task_vec();
    /// (0..50).for_each(|i| v.push(i));
    /// assert_eq!((v.len(), v[49]), (50, 49));
    /// ```
    ///
    /// # Panics
    ///
    /// On capacity overflow or if the system allocator cannot provide a new chunk.
    #[inline]
    pub fn push(&mut self, value: T) {
        self.vec.push(value);
    }

    /// Remove and return the last element.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let mut v = frame.task_vec();
    /// v.push("first");
    /// assert_eq!((v.pop(), v.pop()), (Some("first"), None));
    /// ```
    #[inline]
    pub fn pop(&mut self) -> Option<T> {
        self.vec.pop()
    }

    /// Elements it can hold without growing.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let mut v = frame.task_vec::<u8>();
    /// assert_eq!(v.capacity(), 0);
    /// v.push(1);
    /// assert!(v.capacity() >= 1);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.vec.capacity()
    }

    /// Make room for at least `additional` more elements.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let mut v = frame.task_vec::<u64>();
    /// v.reserve(32);
    /// assert!(v.capacity() >= 32);
    /// ```
    ///
    /// # Panics
    ///
    /// As for [`push`](Self::push).
    #[inline]
    pub fn reserve(&mut self, additional: usize) {
        self.vec.reserve(additional);
    }

    /// Drop every element past `len`.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let mut v = frame.task_vec();
    /// v.extend(0..5);
    /// v.truncate(2);
    /// assert_eq!(*v, [0, 1]);
    /// ```
    #[inline]
    pub fn truncate(&mut self, len: usize) {
        self.vec.truncate(len);
    }

    /// Drop every element.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let mut v = frame.task_vec();
    /// v.extend_from_slice(&[String::from("a"), String::from("b")]);
    /// v.clear(); // drops both strings
    /// assert!(v.is_empty());
    /// ```
    #[inline]
    pub fn clear(&mut self) {
        self.vec.clear();
    }

    /// Append clones of `src`'s elements.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let mut v = frame.task_vec();
    /// v.extend_from_slice(&["a", "b"]);
    /// v.extend_from_slice(&["c"]);
    /// assert_eq!(v.concat(), "abc");
    /// ```
    #[inline]
    pub fn extend_from_slice(&mut self, src: &[T])
    where
        T: Clone,
    {
        self.vec.extend_from_slice(src);
    }

    /// Freeze the vector into a plain slice that lives as long as the task frame's
    /// borrow: no arena reference left, so it may be kept across `.await`. `T` must have
    /// no destructor (the slice never drops its elements) — a compile-time check, as for
    /// [`TaskFrame::alloc`](crate::TaskFrame::alloc).
    ///
    /// In an `async` block, build and freeze the vector inside a block
    /// (`let ids = { let mut v = frame.task_vec(); ..; v.into_slice() };`): a moved-from
    /// `TaskVec` variable still in scope at an `.await` counts as held across it.
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let mut v = frame.task_vec();
    /// v.extend([3u8, 1, 2]);
    /// let s = v.into_slice();
    /// s.sort_unstable();
    /// assert_eq!(s, [1, 2, 3]);
    /// ```
    #[inline]
    pub fn into_slice(self) -> &'f mut [T] {
        assert_no_destructor!(
            T,
            "TaskVec::into_slice",
            "keep the `TaskVec`, or use `task_frame.fixed_vec(capacity)`"
        );
        self.vec.leak()
    }
}

impl<T> Deref for TaskVec<'_, T> {
    type Target = [T];

    #[inline(always)]
    fn deref(&self) -> &[T] {
        &self.vec
    }
}

impl<T> DerefMut for TaskVec<'_, T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.vec
    }
}

impl<T> Extend<T> for TaskVec<'_, T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.vec.extend(iter);
    }
}

impl<T: fmt::Debug> fmt::Debug for TaskVec<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// A vector with a fixed capacity in a [`TaskFrame`](crate::TaskFrame), from
/// [`TaskFrame::fixed_vec`](crate::TaskFrame::fixed_vec).
///
/// It holds only its slots (a `&'f mut [MaybeUninit<T>]`) and its length, no reference
/// to the arena: it is `Send` when `T` is (`Sync` when `T` is), so it may live across
/// `.await` in a task that moves between threads. [`push`](Self::push) hands the value
/// back when it is full; the elements are dropped with it.
///
/// ```
/// let alloc = framealloc::SmartAlloc::new(Default::default());
/// let frame = alloc.task_frame();
/// let mut ids = frame.fixed_vec::<u64>(3);
/// ids.push(7).unwrap();
/// ids.push(9).unwrap();
/// assert_eq!((&ids[..], ids.capacity(), ids.is_full()), (&[7, 9][..], 3, false));
/// let total = std::thread::scope(|s| s.spawn(move || ids.iter().sum::<u64>()).join().unwrap());
/// assert_eq!(total, 16);
/// ```
pub struct FixedTaskVec<'f, T> {
    /// Invariant: `slots[..len]` are initialised and owned by this vector.
    slots: &'f mut [MaybeUninit<T>],
    len: usize,
}

impl<'f, T> FixedTaskVec<'f, T> {
    #[inline]
    pub(crate) fn new(slots: &'f mut [MaybeUninit<T>]) -> Self {
        FixedTaskVec { slots, len: 0 }
    }

    /// Append `value`, or hand it back as `Err(value)` if the vector is full.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let mut v = frame.fixed_vec(1);
    /// assert_eq!(v.push('a'), Ok(()));
    /// assert_eq!(v.push('b'), Err('b')); // full: the value comes back
    /// ```
    ///
    /// # Errors
    ///
    /// `Err(value)` when `len() == capacity()`.
    #[inline]
    pub fn push(&mut self, value: T) -> Result<(), T> {
        match self.slots.get_mut(self.len) {
            Some(slot) => {
                slot.write(value);
                self.len += 1;
                Ok(())
            }
            None => Err(value),
        }
    }

    /// Remove and return the last element.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let mut v = frame.fixed_vec(2);
    /// v.push(1).unwrap();
    /// assert_eq!((v.pop(), v.pop()), (Some(1), None));
    /// ```
    #[inline]
    pub fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        // SAFETY: slot `len` (the old last) was initialised (field invariant) and is no
        // longer counted, so it is read out exactly once.
        Some(unsafe { self.slots[self.len].assume_init_read() })
    }

    /// The fixed number of elements it can hold.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let v = frame.fixed_vec::<u32>(4);
    /// assert_eq!((v.len(), v.capacity()), (0, 4));
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Whether [`push`](Self::push) would hand its value back.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let mut v = frame.fixed_vec(1);
    /// assert!(!v.is_full());
    /// v.push(1).unwrap();
    /// assert!(v.is_full());
    /// ```
    #[inline]
    pub fn is_full(&self) -> bool {
        self.len == self.slots.len()
    }

    /// Drop every element.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let mut v = frame.fixed_vec(2);
    /// v.push(String::from("a")).unwrap();
    /// v.clear(); // drops the string; the slots stay
    /// assert!(v.is_empty() && v.capacity() == 2);
    /// ```
    pub fn clear(&mut self) {
        let len = self.len;
        // First, so a panicking destructor leaks the rest instead of dropping twice.
        self.len = 0;
        let init: *mut [T] =
            core::ptr::slice_from_raw_parts_mut(self.slots.as_mut_ptr().cast(), len);
        // SAFETY: the first `len` slots were initialised and owned (field invariant) and
        // are no longer counted, so each is dropped once.
        unsafe { core::ptr::drop_in_place(init) }
    }

    /// Freeze the vector into a plain slice of its elements, as long-lived as its slots.
    /// `T` must have no destructor (the slice never drops its elements) — a compile-time
    /// check.
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let mut v = frame.fixed_vec(4);
    /// v.push(1u16).unwrap();
    /// assert_eq!(v.into_slice(), [1]);
    /// ```
    pub fn into_slice(mut self) -> &'f mut [T] {
        assert_no_destructor!(
            T,
            "FixedTaskVec::into_slice",
            "keep the `FixedTaskVec`, which drops its elements"
        );
        let len = core::mem::take(&mut self.len);
        let slots = core::mem::take(&mut self.slots);
        // SAFETY: the first `len` slots are initialised (field invariant) and, taken out
        // of `self` (which now owns nothing), are handed to the caller for `'f`.
        unsafe { core::slice::from_raw_parts_mut(slots.as_mut_ptr().cast::<T>(), len) }
    }
}

impl<T> Deref for FixedTaskVec<'_, T> {
    type Target = [T];

    #[inline(always)]
    fn deref(&self) -> &[T] {
        // SAFETY: the first `len` slots are initialised (field invariant).
        unsafe { core::slice::from_raw_parts(self.slots.as_ptr().cast::<T>(), self.len) }
    }
}

impl<T> DerefMut for FixedTaskVec<'_, T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: the first `len` slots are initialised (field invariant), and `&mut self`
        // makes the slice unique.
        unsafe { core::slice::from_raw_parts_mut(self.slots.as_mut_ptr().cast::<T>(), self.len) }
    }
}

impl<T> Drop for FixedTaskVec<'_, T> {
    fn drop(&mut self) {
        self.clear();
    }
}

impl<T: fmt::Debug> fmt::Debug for FixedTaskVec<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
