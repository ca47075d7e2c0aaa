//! The one error type of the crate.

use core::fmt;

/// Everything that can go wrong in framealloc.
///
/// Every fallible operation has a `try_` twin returning `Result<_, Error>`; the plain
/// method calls the twin and, on misuse, follows [`AllocConfig::on_misuse`]
/// (see [`MisusePolicy`]). A call that fails leaves the allocator's state unchanged.
///
/// The `Display` text says what happened and what to do about it.
///
/// [`AllocConfig::on_misuse`]: crate::AllocConfig::on_misuse
/// [`MisusePolicy`]: crate::MisusePolicy
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// `begin_frame` was called while an explicit frame is already open on this thread
    /// for this allocator.
    AlreadyInFrame,
    /// No frame is open on this thread for this allocator: a frame allocation was
    /// requested outside any frame, or `end_frame` had no matching `begin_frame`.
    NotInFrame,
    /// The requested size overflowed: `n * size_of::<T>()` does not fit in `usize`, or
    /// the size rounded up to the alignment exceeds `isize::MAX`.
    CapacityOverflow,
    /// The system allocator could not provide the memory that was asked for (a frame
    /// arena chunk, a pool page or a heap block).
    OutOfMemory,
    /// The allocation would take a budget past its limit and the allocator's
    /// [`BudgetPolicy`](crate::BudgetPolicy) is `Enforce`. `tag` is the tag the
    /// allocation is accounted to; `limit` is the budget (the thread's frame budget or
    /// the tag's) and `requested` the bytes asked for. The matching
    /// [`BudgetEvent`](crate::BudgetEvent) says which budget and how much was in use.
    BudgetExceeded {
        /// The tag the refused allocation is accounted to.
        tag: &'static str,
        /// The budget in bytes.
        limit: u64,
        /// The bytes requested.
        requested: u64,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::AlreadyInFrame => f.write_str(
                "a frame is already open on this thread for this allocator (begin_frame called \
                 twice): call end_frame before the next begin_frame, or use alloc.frame() \
                 guards, which nest",
            ),
            Error::NotInFrame => f.write_str(
                "no frame is open on this thread for this allocator: allocate frame memory \
                 between begin_frame() and end_frame() (or inside alloc.frame() / \
                 #[frame_scope]), and call end_frame only after a matching begin_frame",
            ),
            Error::CapacityOverflow => f.write_str(
                "requested size overflows (count * size_of::<T>() exceeds isize::MAX): \
                 ask for fewer elements",
            ),
            Error::OutOfMemory => f.write_str(
                "out of memory: the system allocator refused a request (frame arena chunk, \
                 pool page or heap block); reduce the request or the memory in use",
            ),
            Error::BudgetExceeded {
                tag,
                limit,
                requested,
            } => write!(
                f,
                "budget exceeded: allocating {requested} B under tag \"{tag}\" would pass a \
                 {limit} B budget (BudgetPolicy::Enforce); free memory, raise the budget with \
                 set_thread_frame_budget / set_tag_budget, or use BudgetPolicy::Warn",
            ),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// The error of a failed allocator-api2 `try_reserve` (collection growth).
    pub(crate) fn from_reserve(e: &allocator_api2::collections::TryReserveError) -> Error {
        match e.kind() {
            allocator_api2::collections::TryReserveErrorKind::CapacityOverflow => {
                Error::CapacityOverflow
            }
            allocator_api2::collections::TryReserveErrorKind::AllocError { .. } => {
                Error::OutOfMemory
            }
        }
    }
}

/// The error of a `try_` constructor whose initialiser can fail too (bumpalo's
/// `AllocOrInitError`, returned by [`Frame::try_alloc_try_with`]): either the frame could
/// not provide the room, or the closure returned its own error.
///
/// ```
/// use framealloc::AllocOrInitError;
/// # let alloc = framealloc::SmartAlloc::new(Default::default());
/// let frame = alloc.frame();
/// let parsed = frame.try_alloc_try_with(|| "42".parse::<u32>());
/// assert_eq!(parsed.map(|n| *n), Ok(42));
/// let bad = frame.try_alloc_try_with(|| "x".parse::<u32>());
/// assert!(matches!(bad, Err(AllocOrInitError::Init(_))));
/// ```
///
/// [`Frame::try_alloc_try_with`]: crate::Frame::try_alloc_try_with
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllocOrInitError<E> {
    /// The room could not be allocated.
    Alloc(Error),
    /// The initialiser returned an error.
    Init(E),
}

impl<E> AllocOrInitError<E> {
    /// Whether the allocation failed.
    #[inline]
    pub fn is_alloc(&self) -> bool {
        matches!(self, AllocOrInitError::Alloc(_))
    }

    /// Whether the initialiser failed.
    #[inline]
    pub fn is_init(&self) -> bool {
        matches!(self, AllocOrInitError::Init(_))
    }
}

impl<E> From<Error> for AllocOrInitError<E> {
    #[inline]
    fn from(e: Error) -> Self {
        AllocOrInitError::Alloc(e)
    }
}

impl<E: fmt::Display> fmt::Display for AllocOrInitError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AllocOrInitError::Alloc(e) => fmt::Display::fmt(e, f),
            AllocOrInitError::Init(e) => write!(f, "initialization failed: {e}"),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for AllocOrInitError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AllocOrInitError::Alloc(e) => Some(e),
            AllocOrInitError::Init(e) => Some(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn error_is_send_sync_static() {
        fn assert_bounds<T: Send + Sync + 'static + std::error::Error>() {}
        assert_bounds::<Error>();
    }

    #[test]
    fn display_says_what_to_do() {
        assert!(Error::AlreadyInFrame.to_string().contains("end_frame"));
        assert!(Error::NotInFrame.to_string().contains("begin_frame()"));
        assert!(
            Error::CapacityOverflow
                .to_string()
                .contains("fewer elements")
        );
        assert!(Error::OutOfMemory.to_string().contains("out of memory"));
        let budget = Error::BudgetExceeded {
            tag: "physics",
            limit: 1024,
            requested: 2048,
        }
        .to_string();
        assert!(budget.contains("\"physics\"") && budget.contains("1024 B budget"));
        assert!(budget.contains("2048 B"));
    }
}
