//! [`TaskBox`]: a value in a task frame whose destructor runs.

use core::fmt;
use core::ops::{Deref, DerefMut};

/// A value in a [`TaskFrame`](crate::TaskFrame), from
/// [`TaskFrame::frame_box`](crate::TaskFrame::frame_box): it borrows the task frame (so it
/// is gone before the frame resets or drops) and drops its value when it drops.
///
/// It holds only the value (a `&'f mut T`), not the task frame: it is `Send` when `T` is,
/// so it may live across `.await` in a task that moves between threads.
///
/// ```
/// let alloc = framealloc::SmartAlloc::new(Default::default());
/// let frame = alloc.task_frame();
/// let greeting = frame.frame_box(String::from("hello"));
/// let handle = std::thread::scope(|s| s.spawn(move || greeting.len()).join().unwrap());
/// assert_eq!(handle, 5);
/// ```
pub struct TaskBox<'f, T: ?Sized> {
    /// Invariant: initialised, owned by this box alone (moved in by `frame_box`), in
    /// arena memory that stays valid for `'f`.
    value: &'f mut T,
}

impl<'f, T: ?Sized> TaskBox<'f, T> {
    /// Own `value`: the caller moved it into arena memory and never uses it again.
    #[inline(always)]
    pub(crate) fn new(value: &'f mut T) -> Self {
        TaskBox { value }
    }
}

impl<T> TaskBox<'_, T> {
    /// Move the value out (its room stays in the arena until the task frame resets).
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.task_frame();
    /// let b = frame.frame_box(vec![1, 2]);
    /// assert_eq!(framealloc::TaskBox::into_inner(b), vec![1, 2]);
    /// ```
    pub fn into_inner(this: Self) -> T {
        let this = core::mem::ManuallyDrop::new(this);
        // SAFETY: the value is initialised and owned by the box (field invariant); the
        // box is never used or dropped again (`ManuallyDrop`), so it is read once.
        unsafe { core::ptr::read(&raw const *this.value) }
    }
}

impl<T: ?Sized> Deref for TaskBox<'_, T> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        self.value
    }
}

impl<T: ?Sized> DerefMut for TaskBox<'_, T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut T {
        self.value
    }
}

impl<T: ?Sized> Drop for TaskBox<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the value is initialised and owned by this box alone (field invariant),
        // and this is its only drop; its memory stays valid for `'f`, and nothing reads
        // it after (the box is being dropped).
        unsafe { core::ptr::drop_in_place(&raw mut *self.value) }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for TaskBox<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for TaskBox<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
