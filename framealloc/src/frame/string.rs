//! `FrameString`: a growable UTF-8 string in frame memory.

use core::fmt;
use core::iter::FusedIterator;
use core::ops::{Bound, Deref, DerefMut, RangeBounds};

use super::guard::Frame;
use super::vec::FrameVec;
use crate::Error;

/// A growable UTF-8 string whose buffer lives in frame memory: bumpalo's
/// `collections::String` for frames.
///
/// Made by [`Frame::frame_string`], [`FrameString::from_str_in`],
/// [`Frame::format`] / [`frame_format!`](crate::frame_format) (and, as an explicit
/// handle, [`SmartAlloc::frame_string`](crate::SmartAlloc::frame_string)). It derefs to
/// `str`, implements `fmt::Write`, `Display` and `Debug`, and grows in place while it is
/// the arena's latest allocation. Like [`FrameVec`], which it is built on, it is a live
/// handle when made through the explicit API and borrows the guard when made through a
/// `Frame`; only then can [`into_str`](Self::into_str) freeze it into a `&'f mut str`.
///
/// ```
/// use core::fmt::Write;
/// use framealloc::{FrameString, SmartAlloc};
///
/// let alloc = SmartAlloc::new(Default::default());
/// let frame = alloc.frame();
/// let mut s = FrameString::from_str_in("entity ", &frame);
/// write!(s, "#{} at ({}, {})", 7, 1.5, -2).unwrap();
/// s.push('!');
/// assert_eq!(s, "entity #7 at (1.5, -2)!");
/// let frozen: &mut str = s.into_str();
/// frozen.make_ascii_uppercase();
/// assert_eq!(frozen, "ENTITY #7 AT (1.5, -2)!");
/// ```
pub struct FrameString<'f> {
    /// Valid UTF-8 at all times.
    pub(super) bytes: FrameVec<'f, u8>,
}

impl<'f> FrameString<'f> {
    /// Wrap bytes that are valid UTF-8.
    pub(crate) fn from_utf8_vec(bytes: FrameVec<'f, u8>) -> Self {
        debug_assert!(core::str::from_utf8(&bytes).is_ok());
        FrameString { bytes }
    }

    /// An empty string borrowing `frame` (as [`Frame::frame_string`]).
    ///
    /// ```
    /// use framealloc::FrameString;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = FrameString::new_in(&frame);
    /// s.push_str("hp: ");
    /// s.push('9');
    /// assert_eq!(s, "hp: 9");
    /// ```
    #[inline]
    pub fn new_in(frame: &'f Frame<'_>) -> Self {
        frame.frame_string()
    }

    /// An empty string with room for `capacity` bytes, borrowing `frame`.
    ///
    /// ```
    /// use framealloc::FrameString;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = FrameString::with_capacity_in(16, &frame);
    /// let buffer = s.as_ptr();
    /// s.push_str("sixteen bytes!!!");
    /// assert_eq!((s.len(), s.as_ptr()), (16, buffer)); // no growth
    /// ```
    ///
    /// # Panics
    ///
    /// On capacity overflow or when memory runs out.
    #[inline]
    #[track_caller]
    pub fn with_capacity_in(capacity: usize, frame: &'f Frame<'_>) -> Self {
        FrameString {
            bytes: frame.frame_vec_with_capacity(capacity),
        }
    }

    /// A copy of `s` in frame memory, borrowing `frame` (bumpalo's `String::from_str_in`).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let s = framealloc::FrameString::from_str_in("hello", &frame);
    /// assert_eq!((s.as_str(), s.len()), ("hello", 5));
    /// ```
    #[inline]
    #[track_caller]
    pub fn from_str_in(s: &str, frame: &'f Frame<'_>) -> Self {
        // One bump and one copy (not `with_capacity_in` + `push_str`, whose capacity
        // checks and budget branch made this too big for LLVM to inline into a caller's
        // loop: ~2.6x bumpalo's `from_str_in` per 16-byte string, measured in session 8).
        Self::from_utf8_vec(FrameVec::scoped_copy_of(frame.arena, s.as_bytes()))
    }

    /// The string as `&str`.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let s = framealloc::FrameString::from_str_in("a,b", &frame);
    /// let fields: Vec<&str> = s.as_str().split(',').collect();
    /// assert_eq!(fields, ["a", "b"]);
    /// ```
    #[inline]
    pub fn as_str(&self) -> &str {
        // SAFETY: `bytes` is valid UTF-8 (type invariant).
        unsafe { core::str::from_utf8_unchecked(&self.bytes) }
    }

    /// The string as `&mut str`.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = framealloc::FrameString::from_str_in("abc", &frame);
    /// s.as_mut_str().make_ascii_uppercase();
    /// assert_eq!(s, "ABC");
    /// ```
    #[inline]
    pub fn as_mut_str(&mut self) -> &mut str {
        // SAFETY: `bytes` is valid UTF-8, and a `&mut str` can only be changed in ways
        // that keep it so.
        unsafe { core::str::from_utf8_unchecked_mut(&mut self.bytes) }
    }

    /// Length in bytes.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let s = framealloc::FrameString::from_str_in("héllo", &frame);
    /// assert_eq!(s.len(), 6); // bytes, not chars
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the string is empty.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = frame.frame_string();
    /// assert!(s.is_empty());
    /// s.push('x');
    /// assert!(!s.is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Bytes the string can hold without growing.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = frame.frame_string();
    /// assert_eq!(s.capacity(), 0); // nothing allocated yet
    /// s.reserve(32);
    /// assert!(s.capacity() >= 32);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.bytes.capacity()
    }

    /// Append `s` (one reservation and one `memcpy`).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = frame.frame_string();
    /// s.push_str("frame ");
    /// s.push_str("42");
    /// assert_eq!(s, "frame 42");
    /// ```
    ///
    /// # Panics
    ///
    /// On capacity overflow or when memory runs out.
    #[inline]
    pub fn push_str(&mut self, s: &str) {
        self.bytes.extend_from_slice_copy(s.as_bytes());
    }

    /// Fallible [`push_str`](Self::push_str).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = frame.frame_string();
    /// s.try_push_str("ok")?;
    /// assert_eq!(s, "ok");
    /// # Ok::<(), framealloc::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::CapacityOverflow`], [`Error::OutOfMemory`]; nothing is appended.
    #[inline]
    pub fn try_push_str(&mut self, s: &str) -> Result<(), Error> {
        self.bytes.try_extend_from_slice_copy(s.as_bytes())
    }

    /// Append `c`.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = frame.frame_string();
    /// s.push('é');
    /// s.push('!');
    /// assert_eq!((s.as_str(), s.len()), ("é!", 3));
    /// ```
    ///
    /// # Panics
    ///
    /// On capacity overflow or when memory runs out.
    #[inline]
    pub fn push(&mut self, c: char) {
        match c.len_utf8() {
            1 => self.bytes.push(c as u8),
            _ => self.push_str(c.encode_utf8(&mut [0; 4])),
        }
    }

    /// Remove and return the last character.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = framealloc::FrameString::from_str_in("hé", &frame);
    /// assert_eq!(s.pop(), Some('é'));
    /// assert_eq!(s, "h");
    /// ```
    #[inline]
    pub fn pop(&mut self) -> Option<char> {
        let c = self.as_str().chars().next_back()?;
        self.bytes.truncate(self.len() - c.len_utf8());
        Some(c)
    }

    /// Shorten the string to `new_len` bytes (no effect if it is not shorter).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = framealloc::FrameString::from_str_in("hello world", &frame);
    /// s.truncate(5);
    /// assert_eq!(s, "hello");
    /// ```
    ///
    /// # Panics
    ///
    /// If `new_len` is not on a `char` boundary.
    #[inline]
    pub fn truncate(&mut self, new_len: usize) {
        if new_len < self.len() {
            assert!(
                self.as_str().is_char_boundary(new_len),
                "FrameString::truncate: {new_len} is not a char boundary"
            );
            self.bytes.truncate(new_len);
        }
    }

    /// Remove everything (the capacity stays).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = framealloc::FrameString::from_str_in("old line", &frame);
    /// let capacity = s.capacity();
    /// s.clear();
    /// assert_eq!((s.len(), s.capacity()), (0, capacity));
    /// ```
    #[inline]
    pub fn clear(&mut self) {
        self.bytes.clear();
    }

    /// Reserve room for `additional` more bytes.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = frame.frame_string();
    /// s.reserve(64);
    /// let buffer = s.as_ptr();
    /// s.push_str(&"x".repeat(64));
    /// assert_eq!(s.as_ptr(), buffer); // no growth while filling
    /// ```
    ///
    /// # Panics
    ///
    /// On capacity overflow or when memory runs out.
    #[inline]
    pub fn reserve(&mut self, additional: usize) {
        self.bytes.reserve(additional);
    }

    /// Fallible [`reserve`](Self::reserve).
    ///
    /// ```
    /// use framealloc::Error;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = frame.frame_string();
    /// s.try_reserve(100)?;
    /// assert!(s.capacity() >= 100);
    /// assert_eq!(s.try_reserve(usize::MAX), Err(Error::CapacityOverflow));
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::CapacityOverflow`], [`Error::OutOfMemory`].
    #[inline]
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), Error> {
        self.bytes.try_reserve(additional)
    }

    /// The bytes, as a `FrameVec`.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let bytes = framealloc::FrameString::from_str_in("hi", &frame).into_bytes();
    /// assert_eq!(bytes, *b"hi");
    /// ```
    #[inline]
    pub fn into_bytes(self) -> FrameVec<'f, u8> {
        self.bytes
    }

    /// Freeze the string into a `&'f mut str` that lives as long as the `Frame` guard it
    /// was made through (bumpalo's `into_bump_str`).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let name: &mut str = {
    ///     let mut s = frame.frame_string();
    ///     s.push_str("unit-7");
    ///     s.into_str() // lives as long as `frame`
    /// };
    /// assert_eq!(name, "unit-7");
    /// ```
    ///
    /// # Panics
    ///
    /// If the string was made through the explicit API (see
    /// [`FrameVec::into_slice`]).
    #[track_caller]
    #[inline]
    pub fn into_str(self) -> &'f mut str {
        if self.bytes.is_explicit() {
            explicit_into_str();
        }
        let bytes = self.bytes.into_slice();
        // SAFETY: the bytes of a `FrameString` are valid UTF-8.
        unsafe { core::str::from_utf8_unchecked_mut(bytes) }
    }

    /// A copy on the system heap.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let kept: String = {
    ///     let frame = alloc.frame();
    ///     framealloc::FrameString::from_str_in("log line", &frame).to_std_string()
    /// };
    /// assert_eq!(kept, "log line");
    /// ```
    pub fn to_std_string(&self) -> String {
        self.as_str().to_owned()
    }
}

/// `std::string::String` and bumpalo's `String` methods beyond the basics. Every method
/// that takes a byte index panics when it is not on a `char` boundary (or past the end),
/// where `String`'s does, and changes nothing then.
impl FrameString<'_> {
    /// Insert `c` at byte index `idx`.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = framealloc::FrameString::from_str_in("hllo", &frame);
    /// s.insert(1, 'é');
    /// assert_eq!(s, "héllo");
    /// ```
    ///
    /// # Panics
    ///
    /// If `idx` is past the end or not on a `char` boundary.
    #[track_caller]
    pub fn insert(&mut self, idx: usize, c: char) {
        self.insert_at("insert", idx, c.encode_utf8(&mut [0; 4]));
    }

    /// Insert `s` at byte index `idx`.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = framealloc::FrameString::from_str_in("frame 7", &frame);
    /// s.insert_str(6, "#");
    /// assert_eq!(s, "frame #7");
    /// ```
    ///
    /// # Panics
    ///
    /// If `idx` is past the end or not on a `char` boundary.
    #[track_caller]
    pub fn insert_str(&mut self, idx: usize, s: &str) {
        self.insert_at("insert_str", idx, s);
    }

    /// `insert_str`, with `method` named if `idx` is not a `char` boundary.
    #[track_caller]
    fn insert_at(&mut self, method: &str, idx: usize, s: &str) {
        self.check_boundary(method, idx);
        let (len, n) = (self.len(), s.len());
        // Append, move the tail right over the new bytes, write `s` in the gap: the
        // string is valid UTF-8 again when this returns, and nothing can panic or look
        // at it in between (the append either panics before changing anything or
        // succeeds; the copies are in bounds).
        self.bytes.extend_from_slice_copy(s.as_bytes());
        self.bytes.copy_within(idx..len, idx + n);
        self.bytes[idx..idx + n].copy_from_slice(s.as_bytes());
    }

    /// Remove the `char` at byte index `idx` and return it.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = framealloc::FrameString::from_str_in("aéb", &frame);
    /// assert_eq!(s.remove(1), 'é');
    /// assert_eq!(s, "ab");
    /// ```
    ///
    /// # Panics
    ///
    /// If `idx` is not on a `char` boundary, or is the length or past it (no `char`
    /// there), with `String::remove`'s messages.
    #[track_caller]
    pub fn remove(&mut self, idx: usize) -> char {
        let Some(c) = self.as_str()[idx..].chars().next() else {
            panic!("cannot remove a char from the end of a string");
        };
        drop(self.bytes.drain(idx..idx + c.len_utf8()));
        c
    }

    /// Keep only the `char`s for which `f` returns `true`, in order. If `f` panics, the
    /// string keeps the `char`s kept so far and loses the rest (as `String::retain`):
    /// it is valid UTF-8 either way.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = framealloc::FrameString::from_str_in("f_r-a m é", &frame);
    /// s.retain(|c| c.is_alphabetic());
    /// assert_eq!(s, "framé");
    /// ```
    pub fn retain(&mut self, mut f: impl FnMut(char) -> bool) {
        /// Cuts the bytes to the kept prefix when dropped, unwinding included.
        struct Kept<'v, 'f> {
            bytes: &'v mut FrameVec<'f, u8>,
            len: usize,
        }
        impl Drop for Kept<'_, '_> {
            fn drop(&mut self) {
                self.bytes.truncate(self.len);
            }
        }

        let len = self.len();
        let mut kept = Kept {
            bytes: &mut self.bytes,
            len: 0,
        };
        let mut read = 0;
        while read < len {
            // SAFETY: the bytes from `read` on are the string's own, untouched (every copy
            // below lands before `read`: `kept.len <= read`), and `read` is a `char`
            // boundary of that valid UTF-8 (it advances a whole `char` at a time).
            let tail = unsafe { core::str::from_utf8_unchecked(&kept.bytes[read..]) };
            let Some(c) = tail.chars().next() else { break };
            let n = c.len_utf8();
            if f(c) {
                kept.bytes.copy_within(read..read + n, kept.len);
                kept.len += n;
            }
            read += n;
        }
    }

    /// Split the string at byte index `at`: `self` keeps `[0, at)` and its capacity, the
    /// returned string holds the rest, in the same arena and made the way `self` was
    /// (see [`FrameVec::split_off`]).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = framealloc::FrameString::from_str_in("key=välue", &frame);
    /// let value = s.split_off(4);
    /// assert_eq!((s.as_str(), value.as_str()), ("key=", "välue"));
    /// ```
    ///
    /// # Panics
    ///
    /// If `at` is past the end or not on a `char` boundary.
    #[must_use = "use `.truncate()` if you don't need the other half"]
    #[track_caller]
    pub fn split_off(&mut self, at: usize) -> Self {
        self.check_boundary("split_off", at);
        FrameString::from_utf8_vec(self.bytes.split_off(at))
    }

    /// Remove the bytes in `range` and iterate over their `char`s. The range is removed
    /// when the iterator drops, whether or not it was used up (if it is leaked, the
    /// string is unchanged).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = framealloc::FrameString::from_str_in("α is alpha, β is beta", &frame);
    /// let beta_at = s.find('β').unwrap();
    /// let taken: String = s.drain(..beta_at).collect();
    /// assert_eq!((taken.as_str(), s.as_str()), ("α is alpha, ", "β is beta"));
    /// ```
    ///
    /// # Panics
    ///
    /// If the range is out of bounds, decreasing, or its start or end is not on a
    /// `char` boundary (with the messages of slicing a `str`).
    #[track_caller]
    pub fn drain(
        &mut self,
        range: impl RangeBounds<usize>,
    ) -> impl DoubleEndedIterator<Item = char> + FusedIterator + '_ {
        let bounds = (range.start_bound().cloned(), range.end_bound().cloned());
        // Slicing checks the range as `String::drain` does; once it passes, neither
        // bound can overflow below.
        let _ = &self.as_str()[bounds];
        let start = match bounds.0 {
            Bound::Included(i) => i,
            Bound::Excluded(i) => i + 1,
            Bound::Unbounded => 0,
        };
        let end = match bounds.1 {
            Bound::Included(i) => i + 1,
            Bound::Excluded(i) => i,
            Bound::Unbounded => self.len(),
        };
        Drain {
            string: self,
            start,
            end,
            front: start,
            back: end,
        }
    }

    /// Reserve room for exactly `additional` more bytes.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = frame.frame_string();
    /// s.push('x');
    /// s.reserve_exact(7);
    /// assert_eq!(s.capacity(), 8);
    /// ```
    ///
    /// # Panics
    ///
    /// On capacity overflow; aborts when memory runs out.
    pub fn reserve_exact(&mut self, additional: usize) {
        self.bytes.reserve_exact(additional);
    }

    /// Shrink the capacity to the length (see [`FrameVec::shrink_to_fit`]).
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = framealloc::FrameString::with_capacity_in(64, &frame);
    /// s.push_str("short");
    /// s.shrink_to_fit();
    /// assert_eq!((s.capacity(), s.as_str()), (5, "short"));
    /// ```
    pub fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
    }

    /// Panic (naming `method`) unless `idx` is a `char` boundary within the string.
    #[track_caller]
    fn check_boundary(&self, method: &str, idx: usize) {
        if !self.is_char_boundary(idx) {
            not_a_char_boundary(method, idx);
        }
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn not_a_char_boundary(method: &str, idx: usize) -> ! {
    panic!("FrameString::{method}: {idx} is not a char boundary")
}

/// The iterator of [`FrameString::drain`]: the `char`s of `start..end`, whose bytes are
/// removed when it drops. The string stays untouched (valid UTF-8) until then.
struct Drain<'s, 'f> {
    string: &'s mut FrameString<'f>,
    /// The drained range, in bytes.
    start: usize,
    end: usize,
    /// What is left to yield: `front..back`, on `char` boundaries within `start..end`.
    front: usize,
    back: usize,
}

impl Iterator for Drain<'_, '_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let c = self.string.as_str()[self.front..self.back].chars().next()?;
        self.front += c.len_utf8();
        Some(c)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let bytes = self.back - self.front;
        (bytes.div_ceil(4), Some(bytes))
    }
}

impl DoubleEndedIterator for Drain<'_, '_> {
    fn next_back(&mut self) -> Option<char> {
        let c = self.string.as_str()[self.front..self.back]
            .chars()
            .next_back()?;
        self.back -= c.len_utf8();
        Some(c)
    }
}

impl FusedIterator for Drain<'_, '_> {}

impl Drop for Drain<'_, '_> {
    fn drop(&mut self) {
        // Whole `char`s out of valid UTF-8: what is left is valid UTF-8.
        drop(self.string.bytes.drain(self.start..self.end));
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn explicit_into_str() -> ! {
    panic!(
        "framealloc: FrameString::into_str needs a string made through a Frame guard \
         (`frame.frame_string()`, `FrameString::from_str_in`, `frame_format!`); this one \
         comes from SmartAlloc::frame_string, whose memory is reused after end_frame: use \
         to_std_string(), or make the string through the guard"
    )
}

impl Deref for FrameString<'_> {
    type Target = str;

    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl DerefMut for FrameString<'_> {
    #[inline]
    fn deref_mut(&mut self) -> &mut str {
        self.as_mut_str()
    }
}

impl fmt::Write for FrameString<'_> {
    #[inline]
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push_str(s);
        Ok(())
    }

    #[inline]
    fn write_char(&mut self, c: char) -> fmt::Result {
        self.push(c);
        Ok(())
    }
}

impl fmt::Display for FrameString<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for FrameString<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl AsRef<str> for FrameString<'_> {
    fn as_ref(&self) -> &str {
        self
    }
}

impl AsRef<[u8]> for FrameString<'_> {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl core::borrow::Borrow<str> for FrameString<'_> {
    fn borrow(&self) -> &str {
        self
    }
}

impl PartialEq for FrameString<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for FrameString<'_> {}

impl PartialEq<str> for FrameString<'_> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for FrameString<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for FrameString<'_> {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialOrd for FrameString<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for FrameString<'_> {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl core::hash::Hash for FrameString<'_> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl Extend<char> for FrameString<'_> {
    fn extend<I: IntoIterator<Item = char>>(&mut self, iter: I) {
        let iter = iter.into_iter();
        self.reserve(iter.size_hint().0);
        for c in iter {
            self.push(c);
        }
    }
}

impl<'s> Extend<&'s str> for FrameString<'_> {
    fn extend<I: IntoIterator<Item = &'s str>>(&mut self, iter: I) {
        for s in iter {
            self.push_str(s);
        }
    }
}

impl<'s> Extend<&'s char> for FrameString<'_> {
    fn extend<I: IntoIterator<Item = &'s char>>(&mut self, iter: I) {
        self.extend(iter.into_iter().copied());
    }
}

impl Extend<String> for FrameString<'_> {
    fn extend<I: IntoIterator<Item = String>>(&mut self, iter: I) {
        for s in iter {
            self.push_str(&s);
        }
    }
}

impl<'g> Extend<FrameString<'g>> for FrameString<'_> {
    fn extend<I: IntoIterator<Item = FrameString<'g>>>(&mut self, iter: I) {
        for s in iter {
            self.push_str(&s);
        }
    }
}

/// A copy in the same arena, made the way the original was (see [`FrameVec`]'s
/// `Clone`): borrowing the same [`Frame`] guard, or a live handle of its own.
///
/// ```
/// # let alloc = framealloc::SmartAlloc::new(Default::default());
/// let frame = alloc.frame();
/// let s = framealloc::FrameString::from_str_in("base", &frame);
/// let mut t = s.clone();
/// t.push_str("+1");
/// assert_eq!((s.as_str(), t.as_str()), ("base", "base+1"));
/// ```
impl Clone for FrameString<'_> {
    #[track_caller]
    fn clone(&self) -> Self {
        FrameString {
            bytes: self.bytes.clone(),
        }
    }

    fn clone_from(&mut self, source: &Self) {
        self.bytes.clone_from(&source.bytes);
    }
}

impl Frame<'_> {
    /// An empty [`FrameString`] borrowing this guard.
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut s = frame.frame_string();
    /// s.push_str("abc");
    /// assert_eq!(s, "abc");
    /// ```
    #[inline]
    pub fn frame_string(&self) -> FrameString<'_> {
        FrameString {
            bytes: self.frame_vec(),
        }
    }

    /// Format `args` into a [`FrameString`] borrowing this guard (bumpalo's
    /// `format!(in &bump, ..)`); [`frame_format!`](crate::frame_format) is the macro form.
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let s = frame.format(format_args!("{} + {} = {}", 1, 2, 1 + 2));
    /// assert_eq!(s, "1 + 2 = 3");
    /// ```
    ///
    /// # Panics
    ///
    /// When memory runs out, or a `Display` impl returns an error.
    #[track_caller]
    pub fn format(&self, args: fmt::Arguments<'_>) -> FrameString<'_> {
        let mut s = self.frame_string();
        match args.as_str() {
            Some(literal) => s.push_str(literal),
            None => fmt::Write::write_fmt(&mut s, args)
                .expect("a formatting trait implementation returned an error"),
        }
        s
    }
}

/// Format into frame memory: `frame_format!(frame, "{x} {}", y)` is
/// `frame.format(format_args!("{x} {}", y))`, a [`FrameString`] borrowing the guard
/// (bumpalo's `format!(in &bump, ..)`).
///
/// ```
/// use framealloc::{SmartAlloc, frame_format};
///
/// let alloc = SmartAlloc::new(Default::default());
/// let frame = alloc.frame();
/// let name = "probe";
/// let s = frame_format!(frame, "{name}: {:.1} ms", 16.66);
/// assert_eq!(s, "probe: 16.7 ms");
/// ```
#[macro_export]
macro_rules! frame_format {
    ($frame:expr, $($arg:tt)*) => {
        ($frame).format(::core::format_args!($($arg)*))
    };
}

impl crate::SmartAlloc {
    /// An empty [`FrameString`] in this thread's frame (the explicit API: a live handle,
    /// like [`frame_vec`](Self::frame_vec)).
    ///
    /// ```
    /// use core::fmt::Write;
    ///
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let mut log_line = alloc.frame_string();
    /// write!(log_line, "frame {}", alloc.frame_number()).unwrap();
    /// assert_eq!(log_line, "frame 1");
    /// alloc.end_frame();
    /// ```
    ///
    /// # Panics
    ///
    /// With no frame open and `on_misuse = Panic`.
    #[track_caller]
    pub fn frame_string(&self) -> FrameString<'_> {
        FrameString::from_utf8_vec(self.frame_vec())
    }
}
