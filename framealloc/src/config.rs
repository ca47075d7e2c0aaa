//! Allocator configuration.

use crate::BudgetPolicy;

/// What a plain (non-`try_`) method does when it is misused: a second `begin_frame`, an
/// unmatched `end_frame`, or a frame allocation with no frame open.
///
/// The `try_` twins always return the [`Error`](crate::Error); this policy only decides
/// what their plain counterparts do with it. Failures that are not misuse
/// ([`Error::OutOfMemory`](crate::Error::OutOfMemory),
/// [`Error::CapacityOverflow`](crate::Error::CapacityOverflow)) panic under either policy,
/// as `Vec` does, because there is no value to carry on with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum MisusePolicy {
    /// Panic with a message naming the error and the caller's location (default).
    #[default]
    Panic,
    /// Report through the [`log`] facade (`warn!`) and carry on safely: a second
    /// `begin_frame` is ignored, an unmatched `end_frame` is a no-op, and an allocation
    /// with no frame open opens an implicit frame that the next `end_frame` closes.
    Log,
}

/// Configuration of a [`SmartAlloc`](crate::SmartAlloc), fixed at construction and shared
/// by all of its clones.
///
/// Build it with struct-update syntax:
///
/// ```
/// use framealloc::{AllocConfig, MisusePolicy, SmartAlloc};
///
/// let alloc = SmartAlloc::new(AllocConfig {
///     on_misuse: MisusePolicy::Log,
///     ..Default::default()
/// });
/// assert_eq!(alloc.config().on_misuse, MisusePolicy::Log);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct AllocConfig {
    /// What plain methods do on misuse. Default: [`MisusePolicy::Panic`].
    pub on_misuse: MisusePolicy,
    /// Bytes reserved for a thread's frame arena when that thread first uses this
    /// allocator. The arena grows on demand past it and keeps its largest chunk across
    /// frames, so this only saves the first few frames' growth. Default: 64 KiB.
    pub initial_frame_capacity: usize,
    /// Bytes of empty pool pages each thread keeps for reuse instead of returning them to
    /// the system. Pool pages are shared process-wide (one pool heap per thread), so the
    /// cap in force is the largest `pool_retain_bytes` of any `SmartAlloc` made so far.
    /// A steady workload whose pages fit under it makes no system calls. Default: 1 MiB.
    pub pool_retain_bytes: usize,
    /// What an allocation over a budget does (see [`BudgetPolicy`]). Default:
    /// [`BudgetPolicy::Warn`].
    pub budget_policy: BudgetPolicy,
}

impl AllocConfig {
    /// The default `initial_frame_capacity`: 64 KiB.
    pub const DEFAULT_INITIAL_FRAME_CAPACITY: usize = 64 * 1024;
    /// The default `pool_retain_bytes`: 1 MiB.
    pub const DEFAULT_POOL_RETAIN_BYTES: usize = 1024 * 1024;
}

impl Default for AllocConfig {
    fn default() -> Self {
        AllocConfig {
            on_misuse: MisusePolicy::Panic,
            initial_frame_capacity: Self::DEFAULT_INITIAL_FRAME_CAPACITY,
            pool_retain_bytes: Self::DEFAULT_POOL_RETAIN_BYTES,
            budget_policy: BudgetPolicy::Warn,
        }
    }
}
