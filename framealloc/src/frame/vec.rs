//! `FrameVec`: a growable vector in frame memory.

use core::fmt;
use core::ops::{Deref, DerefMut, RangeBounds};

use super::arena::{ArenaRef, LiveToken};
use crate::Error;
use allocator_api2::collections::TryReserveErrorKind;
use allocator_api2::vec::{IntoIter, Vec as ApiVec};

/// A growable vector whose buffer lives in frame memory.
///
/// Made by [`SmartAlloc::frame_vec`](crate::SmartAlloc::frame_vec) (or the same method on
/// a [`Frame`](crate::Frame) guard). It behaves like `Vec<T>`: it derefs to `[T]`, grows
/// on `push`/`extend` (in place when it is the arena's latest allocation), and drops its
/// elements when it drops. Any `T` is allowed, `String` included.
///
/// Like [`FrameBox`](crate::FrameBox) it counts as a live handle (the frame's memory is
/// not reused while it lives) and is `!Send`/`!Sync`.
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
    vec: ApiVec<T, ArenaRef<'a>>,
    /// Declared last: dropped after `vec` has dropped its elements.
    live: LiveToken<'a>,
}

fn map_reserve_error(kind: &TryReserveErrorKind) -> Error {
    match kind {
        TryReserveErrorKind::CapacityOverflow => Error::CapacityOverflow,
        TryReserveErrorKind::AllocError { .. } => Error::OutOfMemory,
    }
}

impl<'a, T> FrameVec<'a, T> {
    /// An empty vector in the arena of `live`, with room for `capacity` elements.
    pub(crate) fn try_with_capacity(live: LiveToken<'a>, capacity: usize) -> Result<Self, Error> {
        let mut vec = ApiVec::new_in(ArenaRef::new(live.arena()));
        if capacity > 0 {
            vec.try_reserve_exact(capacity)
                .map_err(|e| map_reserve_error(&e.kind()))?;
        }
        Ok(FrameVec { vec, live })
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.vec.len()
    }

    /// Whether the vector holds no element.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.vec.is_empty()
    }

    /// Number of elements the vector can hold without growing.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.vec.capacity()
    }

    /// Append an element, growing the buffer in frame memory if needed.
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
    #[inline]
    pub fn pop(&mut self) -> Option<T> {
        self.vec.pop()
    }

    /// Insert an element at `index`, shifting the rest right.
    ///
    /// # Panics
    ///
    /// If `index > len`.
    pub fn insert(&mut self, index: usize, value: T) {
        self.vec.insert(index, value);
    }

    /// Remove the element at `index`, shifting the rest left.
    ///
    /// # Panics
    ///
    /// If `index >= len`.
    pub fn remove(&mut self, index: usize) -> T {
        self.vec.remove(index)
    }

    /// Remove the element at `index`, replacing it with the last one (O(1)).
    ///
    /// # Panics
    ///
    /// If `index >= len`.
    pub fn swap_remove(&mut self, index: usize) -> T {
        self.vec.swap_remove(index)
    }

    /// Keep the first `len` elements, dropping the rest.
    pub fn truncate(&mut self, len: usize) {
        self.vec.truncate(len);
    }

    /// Drop every element (the capacity stays).
    pub fn clear(&mut self) {
        self.vec.clear();
    }

    /// Reserve room for at least `additional` more elements.
    ///
    /// # Panics
    ///
    /// If the new capacity overflows; aborts if memory runs out.
    pub fn reserve(&mut self, additional: usize) {
        self.vec.reserve(additional);
    }

    /// Reserve room for at least `additional` more elements, or say why not.
    ///
    /// # Errors
    ///
    /// [`Error::CapacityOverflow`] if the capacity would exceed `isize::MAX` bytes,
    /// [`Error::OutOfMemory`] if the system allocator refuses a new chunk.
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), Error> {
        self.vec
            .try_reserve(additional)
            .map_err(|e| map_reserve_error(&e.kind()))
    }

    /// Keep only the elements for which `f` returns `true`.
    pub fn retain(&mut self, f: impl FnMut(&T) -> bool) {
        self.vec.retain(f);
    }

    /// Keep only the elements for which `f` returns `true`, with mutable access.
    pub fn retain_mut(&mut self, f: impl FnMut(&mut T) -> bool) {
        self.vec.retain_mut(f);
    }

    /// Resize to `new_len`, filling new slots with values from `f`.
    pub fn resize_with(&mut self, new_len: usize, f: impl FnMut() -> T) {
        self.vec.resize_with(new_len, f);
    }

    /// Remove the elements in `range` and iterate over them.
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
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        &self.vec
    }

    /// The elements as a mutable slice.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.vec
    }

    /// Move the elements into a `std` `Vec` on the system heap (one copy), so they can
    /// outlive the frame.
    pub fn into_vec(self) -> Vec<T> {
        self.into_iter().collect()
    }
}

impl<T: Clone> FrameVec<'_, T> {
    /// Resize to `new_len`, filling new slots with clones of `value`.
    pub fn resize(&mut self, new_len: usize, value: T) {
        self.vec.resize(new_len, value);
    }

    /// Append clones of every element of `other`.
    pub fn extend_from_slice(&mut self, other: &[T]) {
        self.vec.extend_from_slice(other);
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
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.vec.extend(iter);
    }
}

impl<'b, T: Copy + 'b> Extend<&'b T> for FrameVec<'_, T> {
    fn extend<I: IntoIterator<Item = &'b T>>(&mut self, iter: I) {
        self.vec.extend(iter.into_iter().copied());
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
    _live: LiveToken<'a>,
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
