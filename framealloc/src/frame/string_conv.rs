//! `FrameString` conversions and operators from bumpalo's `collections::String`:
//! `from_utf8` (with [`FromUtf8Error`] giving the bytes back), `from_utf8_lossy_in`,
//! `from_utf16_in`, `from_iter_in`, `replace_range`, `+`/`+=`, `BorrowMut<str>`,
//! `Extend<Cow<str>>`, and comparisons with `str`, `String` and `Cow<str>` both ways.

use std::borrow::Cow;
use std::fmt;
use std::ops::{Add, AddAssign, Bound, RangeBounds};
use std::str::Utf8Error;

use super::guard::Frame;
use super::string::FrameString;
use super::vec::FrameVec;

/// The error of [`FrameString::from_utf8`]: the bytes were not UTF-8. The vector comes
/// back with [`into_bytes`](Self::into_bytes).
pub struct FromUtf8Error<'f> {
    bytes: FrameVec<'f, u8>,
    error: Utf8Error,
}

impl<'f> FromUtf8Error<'f> {
    /// The bytes that were not UTF-8.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let e = framealloc::FrameString::from_utf8(framealloc::frame_vec![in &frame; 0xff, b'a']).unwrap_err();
    /// assert_eq!(e.as_bytes(), [0xff, b'a']);
    /// ```
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes, given back.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let e = framealloc::FrameString::from_utf8(framealloc::frame_vec![in &frame; 0xc3]).unwrap_err();
    /// assert_eq!(e.into_bytes(), [0xc3]);
    /// ```
    #[inline]
    pub fn into_bytes(self) -> FrameVec<'f, u8> {
        self.bytes
    }

    /// Where the bytes stopped being UTF-8, as `std::str::from_utf8` reports it.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let e = framealloc::FrameString::from_utf8(framealloc::frame_vec![in &frame; b'o', b'k', 0xff]).unwrap_err();
    /// assert_eq!(e.utf8_error().valid_up_to(), 2);
    /// ```
    #[inline]
    pub fn utf8_error(&self) -> Utf8Error {
        self.error
    }
}

impl fmt::Debug for FromUtf8Error<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FromUtf8Error")
            .field("bytes", &self.bytes)
            .field("error", &self.error)
            .finish()
    }
}

impl fmt::Display for FromUtf8Error<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for FromUtf8Error<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// The error of [`FrameString::from_utf16_in`]: the input held a lone surrogate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromUtf16Error(());

impl fmt::Display for FromUtf16Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid utf-16: lone surrogate found")
    }
}

impl std::error::Error for FromUtf16Error {}

impl<'f> FrameString<'f> {
    /// The string of `bytes` if they are UTF-8, without copying (bumpalo's and `std`'s
    /// `from_utf8`); a vector of either path (guard-made or explicit) keeps its kind.
    ///
    /// ```
    /// use framealloc::{FrameString, frame_vec};
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let heart = frame_vec![in &frame; 240, 159, 146, 150];
    /// assert_eq!(FrameString::from_utf8(heart).unwrap(), "💖");
    /// assert!(FrameString::from_utf8(frame_vec![in &frame; 0, 159]).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`FromUtf8Error`] (holding the vector) if `bytes` are not UTF-8.
    pub fn from_utf8(bytes: FrameVec<'f, u8>) -> Result<Self, FromUtf8Error<'f>> {
        match core::str::from_utf8(&bytes) {
            Ok(_) => Ok(FrameString::from_utf8_vec(bytes)),
            Err(error) => Err(FromUtf8Error { bytes, error }),
        }
    }

    /// A string of `bytes` with each invalid sequence replaced by U+FFFD
    /// (`String::from_utf8_lossy`), borrowing `frame`.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let s = framealloc::FrameString::from_utf8_lossy_in(b"Hello \xF0\x90\x80World", &frame);
    /// assert_eq!(s, "Hello �World");
    /// ```
    ///
    /// # Panics
    ///
    /// When memory runs out.
    #[track_caller]
    pub fn from_utf8_lossy_in(bytes: &[u8], frame: &'f Frame<'_>) -> Self {
        let mut s = FrameString::with_capacity_in(bytes.len(), frame);
        for chunk in bytes.utf8_chunks() {
            s.push_str(chunk.valid());
            if !chunk.invalid().is_empty() {
                s.push(char::REPLACEMENT_CHARACTER);
            }
        }
        s
    }

    /// Decode UTF-16 into a string borrowing `frame` (`String::from_utf16`).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let music = [0xD834, 0xDD1E, 0x006d, 0x0075, 0x0073, 0x0069, 0x0063];
    /// assert_eq!(framealloc::FrameString::from_utf16_in(&music, &frame).unwrap(), "𝄞music");
    /// let lone = [0xD834, 0x006d];
    /// assert!(framealloc::FrameString::from_utf16_in(&lone, &frame).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`FromUtf16Error`] if `v` holds a lone surrogate.
    pub fn from_utf16_in(v: &[u16], frame: &'f Frame<'_>) -> Result<Self, FromUtf16Error> {
        let mut s = FrameString::with_capacity_in(v.len(), frame);
        for c in char::decode_utf16(v.iter().copied()) {
            s.push(c.map_err(|_| FromUtf16Error(()))?);
        }
        Ok(s)
    }

    /// Collect `char`s into a string borrowing `frame` (bumpalo's
    /// `String::from_iter_in`; see also [`CollectIn`](crate::CollectIn)).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let s = framealloc::FrameString::from_iter_in("abc".chars().rev(), &frame);
    /// assert_eq!(s, "cba");
    /// ```
    pub fn from_iter_in<I: IntoIterator<Item = char>>(iter: I, frame: &'f Frame<'_>) -> Self {
        <Self as crate::FromIteratorIn<'f, char>>::from_iter_in(iter, frame)
    }
}

impl FrameString<'_> {
    /// Replace the bytes in `range` with `replace_with` (`String::replace_range`).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = framealloc::FrameString::from_str_in("α is alpha, β is beta", &frame);
    /// let beta_offset = s.find('β').unwrap();
    /// s.replace_range(..beta_offset, "Α is capital alpha; ");
    /// assert_eq!(s, "Α is capital alpha; β is beta");
    /// ```
    ///
    /// # Panics
    ///
    /// If the range is out of bounds, decreasing, or its start or end is not on a
    /// `char` boundary (with the messages of slicing a `str`). Nothing changes then.
    #[track_caller]
    pub fn replace_range(&mut self, range: impl RangeBounds<usize>, replace_with: &str) {
        let bounds: (Bound<usize>, Bound<usize>) =
            (range.start_bound().cloned(), range.end_bound().cloned());
        // Slicing checks the range and the `char` boundaries as `String` does.
        let _ = &self.as_str()[bounds];
        // The room first, so that the splice cannot fail half-way through a `char`.
        self.bytes.reserve(replace_with.len());
        drop(self.bytes.splice(bounds, replace_with.bytes()));
    }
}

/// `s + "tail"` appends in place, as for `String`.
///
/// ```
/// # let alloc = framealloc::SmartAlloc::new(Default::default());
/// let frame = alloc.frame();
/// let s = framealloc::FrameString::from_str_in("frame", &frame) + " " + "7";
/// assert_eq!(s, "frame 7");
/// ```
impl Add<&str> for FrameString<'_> {
    type Output = Self;

    #[inline]
    fn add(mut self, other: &str) -> Self {
        self.push_str(other);
        self
    }
}

/// `s += "tail"` appends, as for `String`.
///
/// ```
/// # let alloc = framealloc::SmartAlloc::new(Default::default());
/// let frame = alloc.frame();
/// let mut s = frame.frame_string();
/// s += "hp=";
/// s += "9";
/// assert_eq!(s, "hp=9");
/// ```
impl AddAssign<&str> for FrameString<'_> {
    #[inline]
    fn add_assign(&mut self, other: &str) {
        self.push_str(other);
    }
}

impl core::borrow::BorrowMut<str> for FrameString<'_> {
    #[inline]
    fn borrow_mut(&mut self) -> &mut str {
        self.as_mut_str()
    }
}

impl<'s> Extend<Cow<'s, str>> for FrameString<'_> {
    fn extend<I: IntoIterator<Item = Cow<'s, str>>>(&mut self, iter: I) {
        for s in iter {
            self.push_str(&s);
        }
    }
}

impl PartialEq<Cow<'_, str>> for FrameString<'_> {
    #[inline]
    fn eq(&self, other: &Cow<'_, str>) -> bool {
        self.as_str() == &**other
    }
}

impl PartialEq<FrameString<'_>> for str {
    #[inline]
    fn eq(&self, other: &FrameString<'_>) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<FrameString<'_>> for &str {
    #[inline]
    fn eq(&self, other: &FrameString<'_>) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<FrameString<'_>> for String {
    #[inline]
    fn eq(&self, other: &FrameString<'_>) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<FrameString<'_>> for Cow<'_, str> {
    #[inline]
    fn eq(&self, other: &FrameString<'_>) -> bool {
        &**self == other.as_str()
    }
}
