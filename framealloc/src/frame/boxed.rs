//! `FrameBox`: an owned value in frame memory.

use core::fmt;
use core::marker::PhantomData;
use core::mem::{ManuallyDrop, MaybeUninit};
use core::ops::{Deref, DerefMut};
use core::ptr::{self, NonNull};

use super::arena::LiveToken;

/// An owned `T` in frame memory: like `Box<T>`, but its memory belongs to the current
/// frame of the thread that made it.
///
/// Made by [`SmartAlloc::frame_box`](crate::SmartAlloc::frame_box),
/// [`frame_slice`](crate::SmartAlloc::frame_slice),
/// [`frame_alloc`](crate::SmartAlloc::frame_alloc) or the same methods on a
/// [`Frame`](crate::Frame) guard.
///
/// - `T`'s destructor runs when the box drops.
/// - The box counts as a live handle: while it lives, its memory is never handed out
///   again, even if `end_frame` is called first — the frame's reset is then deferred to
///   the moment the last handle drops.
/// - It is `!Send` and `!Sync`: frame memory belongs to one thread. To move data to
///   another thread use [`SmartAlloc::frame_box_for_transfer`](crate::SmartAlloc::frame_box_for_transfer)
///   or copy it out.
///
/// ```
/// use framealloc::SmartAlloc;
///
/// let alloc = SmartAlloc::new(Default::default());
/// alloc.begin_frame();
/// let mut b = alloc.frame_box([0u8; 64]);
/// b[3] = 7;
/// assert_eq!(b.iter().map(|&x| u32::from(x)).sum::<u32>(), 7);
/// alloc.end_frame();
/// ```
///
/// ```compile_fail
/// # use framealloc::SmartAlloc;
/// let alloc = SmartAlloc::new(Default::default());
/// alloc.begin_frame();
/// let b = alloc.frame_box(5u32);
/// std::thread::spawn(move || println!("{}", *b)); // FrameBox is not Send
/// ```
pub struct FrameBox<'a, T: ?Sized> {
    /// Points to a valid, initialised `T` in the arena that `live` keeps from resetting.
    ptr: NonNull<T>,
    /// Owns a `T` for drop check.
    _owns: PhantomData<T>,
    /// Last field: released after `T` is dropped (see `Drop`).
    live: LiveToken<'a>,
}

impl<'a, T: ?Sized> FrameBox<'a, T> {
    /// Take ownership of an initialised `T` at `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a valid, initialised `T` in the arena of `live`, allocated
    /// after `live` was acquired, and owned by no one else.
    #[inline(always)]
    pub(crate) unsafe fn from_raw(ptr: NonNull<T>, live: LiveToken<'a>) -> Self {
        FrameBox {
            ptr,
            _owns: PhantomData,
            live,
        }
    }

    /// Take the box apart without dropping `T`.
    fn into_parts(this: Self) -> (NonNull<T>, LiveToken<'a>) {
        let this = ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again, so moving the token out of it
        // transfers ownership exactly once.
        let live = unsafe { ptr::read(&raw const this.live) };
        (this.ptr, live)
    }

    /// A raw pointer to the value (valid while the box lives).
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let b = alloc.frame_box(3u32);
    /// assert_eq!(unsafe { *framealloc::FrameBox::as_ptr(&b) }, 3);
    /// drop(b);
    /// alloc.end_frame();
    /// ```
    pub fn as_ptr(this: &Self) -> *const T {
        this.ptr.as_ptr()
    }

    /// A raw mutable pointer to the value (valid while the box lives).
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let mut b = alloc.frame_box(3u32);
    /// unsafe { *framealloc::FrameBox::as_mut_ptr(&mut b) = 4 };
    /// assert_eq!(*b, 4);
    /// drop(b);
    /// alloc.end_frame();
    /// ```
    pub fn as_mut_ptr(this: &mut Self) -> *mut T {
        this.ptr.as_ptr()
    }
}

impl<'a, T> FrameBox<'a, [T]> {
    /// The one element of a one-element slice box, as a box of it.
    pub(crate) fn single(slice: FrameBox<'a, [T]>) -> FrameBox<'a, T> {
        debug_assert_eq!(slice.len(), 1);
        let (ptr, live) = FrameBox::into_parts(slice);
        // SAFETY: a one-element slice's pointer is a pointer to its element, which the box
        // owned; ownership moves to the new box with the same token.
        unsafe { FrameBox::from_raw(ptr.cast::<T>(), live) }
    }
}

impl<'a> FrameBox<'a, [u8]> {
    /// Reinterpret a box of bytes as a box of `str`.
    ///
    /// # Safety
    ///
    /// The bytes are valid UTF-8.
    pub(crate) unsafe fn bytes_into_str(bytes: FrameBox<'a, [u8]>) -> FrameBox<'a, str> {
        let (ptr, live) = FrameBox::into_parts(bytes);
        let ptr = NonNull::new(ptr.as_ptr() as *mut str).unwrap_or_else(|| unreachable!());
        // SAFETY: same allocation and length; valid UTF-8 (the caller's contract); the
        // token moves with it.
        unsafe { FrameBox::from_raw(ptr, live) }
    }
}

impl<T> FrameBox<'_, T> {
    /// Move the value out of frame memory.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let b = alloc.frame_box(String::from("moved out"));
    /// let s: String = framealloc::FrameBox::into_inner(b);
    /// alloc.end_frame();
    /// assert_eq!(s, "moved out");
    /// ```
    pub fn into_inner(this: Self) -> T {
        let (ptr, live) = Self::into_parts(this);
        // SAFETY: the box owned an initialised `T` at `ptr`; it is read once and the box
        // is gone, so it is not dropped twice. The token is released after the read.
        let value = unsafe { ptr.as_ptr().read() };
        drop(live);
        value
    }
}

impl<T> FrameBox<'_, [T]> {
    /// Move the elements out of frame memory into a `Vec` on the system heap (one copy).
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let s = alloc.frame_slice::<u8>(4);
    /// let kept: Vec<u8> = framealloc::FrameBox::into_vec(s); // survives the frame
    /// alloc.end_frame();
    /// assert_eq!(kept, [0; 4]);
    /// ```
    pub fn into_vec(this: Self) -> Vec<T> {
        let (ptr, live) = Self::into_parts(this);
        let len = ptr.len();
        let mut out = Vec::with_capacity(len);
        // SAFETY: the box owned `len` initialised elements at `ptr`; they are moved
        // bitwise into `out`'s fresh buffer (which cannot overlap frame memory) and never
        // dropped in place, since the box is gone. `set_len` then takes ownership.
        unsafe {
            core::ptr::copy_nonoverlapping(ptr.cast::<T>().as_ptr(), out.as_mut_ptr(), len);
            out.set_len(len);
        }
        drop(live);
        out
    }
}

impl<'a, T> FrameBox<'a, MaybeUninit<T>> {
    /// Initialise the value and return the box as `FrameBox<T>`.
    ///
    /// A method (unlike `Box::write`) so that `slot.write(x)` reads naturally; it takes
    /// precedence over `MaybeUninit::write` reached through `DerefMut`.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let slot = alloc.frame_alloc::<[u32; 4]>();
    /// let b = slot.write([1, 2, 3, 4]); // FrameBox<'_, [u32; 4]>
    /// assert_eq!(b[2], 3);
    /// # drop(b);
    /// alloc.end_frame();
    /// ```
    pub fn write(self, value: T) -> FrameBox<'a, T> {
        let (ptr, live) = Self::into_parts(self);
        let ptr = ptr.cast::<T>();
        // SAFETY: `ptr` is valid for writes of `T` (a `MaybeUninit<T>` slot we own).
        unsafe { ptr.as_ptr().write(value) };
        // SAFETY: the value was just initialised; the slot and token move to the new box.
        unsafe { FrameBox::from_raw(ptr, live) }
    }
}

impl<T: ?Sized> Drop for FrameBox<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: we own an initialised `T` at `ptr`, dropped exactly once here. The
        // `live` field is dropped after this body (even if `T::drop` panics), so the
        // arena cannot reset while `T`'s destructor runs.
        unsafe { ptr::drop_in_place(self.ptr.as_ptr()) };
    }
}

impl<T: ?Sized> Deref for FrameBox<'_, T> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        // SAFETY: `ptr` points to an initialised `T` that stays put while `live` keeps the
        // arena from resetting; the borrow of `self` rules out concurrent `&mut`.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T: ?Sized> DerefMut for FrameBox<'_, T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only access.
        unsafe { self.ptr.as_mut() }
    }
}

impl<T: ?Sized> AsRef<T> for FrameBox<'_, T> {
    fn as_ref(&self) -> &T {
        self
    }
}

impl<T: ?Sized> AsMut<T> for FrameBox<'_, T> {
    fn as_mut(&mut self) -> &mut T {
        self
    }
}

impl<T: ?Sized> core::borrow::Borrow<T> for FrameBox<'_, T> {
    fn borrow(&self) -> &T {
        self
    }
}

impl<T: ?Sized> core::borrow::BorrowMut<T> for FrameBox<'_, T> {
    fn borrow_mut(&mut self) -> &mut T {
        self
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for FrameBox<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for FrameBox<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized + PartialEq> PartialEq for FrameBox<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: ?Sized + Eq> Eq for FrameBox<'_, T> {}

impl<'b, T> IntoIterator for &'b FrameBox<'_, [T]> {
    type Item = &'b T;
    type IntoIter = core::slice::Iter<'b, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'b, T> IntoIterator for &'b mut FrameBox<'_, [T]> {
    type Item = &'b mut T;
    type IntoIter = core::slice::IterMut<'b, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}
