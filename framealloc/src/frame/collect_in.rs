//! `CollectIn` / `FromIteratorIn`: `collect` into frame memory (bumpalo's traits of the
//! same names, with a [`Frame`] guard where bumpalo takes `&Bump`).

use super::guard::Frame;
use super::string::FrameString;
use super::vec::FrameVec;

/// A collection that can be built from an iterator in a [`Frame`] guard's memory
/// (bumpalo's `FromIteratorIn`; the target of [`CollectIn::collect_in`]). Implemented
/// for [`FrameVec`], for [`FrameString`] (from whatever it extends with: `char`s,
/// `&str`s, `String`s, ...), and, as `std`'s `FromIterator` is, for `Option` and
/// `Result` of those: the first `None` or `Err` stops the collection and is returned.
///
/// ```
/// use framealloc::{CollectIn, FrameVec};
/// # let alloc = framealloc::SmartAlloc::new(Default::default());
/// let frame = alloc.frame();
/// let parsed: Result<FrameVec<'_, u8>, _> = ["1", "2"].iter().map(|s| s.parse::<u8>()).collect_in(&frame);
/// assert_eq!(parsed.unwrap(), [1, 2]);
/// let failed: Result<FrameVec<'_, u8>, _> = ["1", "x"].iter().map(|s| s.parse::<u8>()).collect_in(&frame);
/// assert!(failed.is_err());
/// ```
pub trait FromIteratorIn<'f, A>: Sized {
    /// Build `Self` from `iter` in `frame`'s memory.
    fn from_iter_in<I: IntoIterator<Item = A>>(iter: I, frame: &'f Frame<'_>) -> Self;
}

impl<'f, T> FromIteratorIn<'f, T> for FrameVec<'f, T> {
    #[inline]
    fn from_iter_in<I: IntoIterator<Item = T>>(iter: I, frame: &'f Frame<'_>) -> Self {
        FrameVec::from_iter_in(iter, frame)
    }
}

/// Anything a `FrameString` extends with: `char`s, `&char`s, `&str`s, `String`s,
/// `Cow<str>`s, other `FrameString`s.
impl<'f, A> FromIteratorIn<'f, A> for FrameString<'f>
where
    FrameString<'f>: Extend<A>,
{
    #[inline]
    fn from_iter_in<I: IntoIterator<Item = A>>(iter: I, frame: &'f Frame<'_>) -> Self {
        let mut s = frame.frame_string();
        s.extend(iter);
        s
    }
}

impl<'f, T, V: FromIteratorIn<'f, T>> FromIteratorIn<'f, Option<T>> for Option<V> {
    fn from_iter_in<I: IntoIterator<Item = Option<T>>>(iter: I, frame: &'f Frame<'_>) -> Self {
        iter.into_iter()
            .map(|x| x.ok_or(()))
            .collect_in::<Result<V, ()>>(frame)
            .ok()
    }
}

impl<'f, T, E, V: FromIteratorIn<'f, T>> FromIteratorIn<'f, Result<T, E>> for Result<V, E> {
    fn from_iter_in<I: IntoIterator<Item = Result<T, E>>>(iter: I, frame: &'f Frame<'_>) -> Self {
        let mut iter = iter.into_iter();
        let mut error = None;
        let collected = V::from_iter_in(
            core::iter::from_fn(|| match iter.next()? {
                Ok(x) => Some(x),
                Err(e) => {
                    error = Some(e);
                    None
                }
            }),
            frame,
        );
        match error {
            Some(e) => Err(e),
            None => Ok(collected),
        }
    }
}

/// Collect an iterator into frame memory in one call (bumpalo's `CollectIn`):
/// `iter.collect_in::<FrameVec<'_, _>>(&frame)`, `chars.collect_in::<FrameString<'_>>(&frame)`,
/// or with the type given by the binding, as for `collect`. Implemented for every
/// iterator.
///
/// ```
/// use framealloc::{CollectIn, FrameString, FrameVec, SmartAlloc};
///
/// let alloc = SmartAlloc::new(Default::default());
/// let frame = alloc.frame();
/// let evens = (0..10).filter(|x| x % 2 == 0).collect_in::<FrameVec<'_, _>>(&frame);
/// assert_eq!(evens, [0, 2, 4, 6, 8]);
/// let upper: FrameString = "abc".chars().map(|c| c.to_ascii_uppercase()).collect_in(&frame);
/// assert_eq!(upper, "ABC");
/// ```
pub trait CollectIn: Iterator + Sized {
    /// Collect into a `C` in `frame`'s memory.
    #[inline]
    fn collect_in<'f, C: FromIteratorIn<'f, Self::Item>>(self, frame: &'f Frame<'_>) -> C {
        C::from_iter_in(self, frame)
    }
}

impl<I: Iterator> CollectIn for I {}
