#![doc = include_str!("../README.md")]
//! ## The guides in this documentation
//!
//! The links above point into the repository; here the same guides are modules:
//! [getting started](guides::getting_started), [patterns](guides::patterns),
//! [budgets](guides::budgets),
//! [performance](guides::performance), [macros](guides::macros),
//! [troubleshooting](guides::troubleshooting), [soundness](guides::soundness),
//! [collections](guides::collections) (coming from bumpalo),
//! [async tasks](guides::async_tasks),
//! [rapier physics](guides::rapier_integration) (feature `rapier`),
//! [observability](guides::observability) (frame-end observer, memory timeline,
//! `tracing`, Tracy) and the
//! [`cargo fa`](guides::cargo_fa) analyser.
//! The methods of [`SmartAlloc`] are listed by topic in its own documentation.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

// Rustdoc lists `SmartAlloc`'s methods module by module, in declaration order, so the
// modules that add them come first, in the order a user learns them (each is preceded by
// a comment, which also keeps rustfmt from sorting them).
// construct, frames, frame handles:
mod smart_alloc;
// bumpalo's slice, string and value constructors (`alloc_slice_copy`, ...):
mod frame;
// frame data to another thread:
mod transfer;
// pools:
mod pool;
// heap:
mod heap;
// tags, budgets and stats:
mod stats;
// task frames:
mod task;
// the frame-end observer:
#[cfg(not(feature = "minimal"))]
mod observe;
// nested scratch scopes (`frame.scratch`):
mod scratch;
// job-system herds (`alloc.herd()`):
mod herd;

mod budget;
mod callout;
mod config;
mod counters;
#[cfg(feature = "debug")]
mod debug;
mod error;
mod frame_safe;
mod ids;
mod locked_vec;
#[cfg(not(feature = "minimal"))]
mod summary;
// rapier3d integration (feature `rapier`):
#[cfg(feature = "rapier")]
pub mod rapier;
mod report;
mod tag;
// `TagGuard` (above `frame`: a tag change is a frame-accounting checkpoint):
mod tag_scope;
// `spawn_with_frame` and `spawn_with_frame_in` (feature `tokio`):
#[cfg(feature = "tokio")]
pub mod tokio;

#[cfg(not(feature = "minimal"))]
pub mod timeline;

#[cfg(all(feature = "tracy", not(feature = "minimal")))]
pub mod tracy;

pub use budget::{BudgetEvent, BudgetPolicy, BudgetScope};
pub use config::{AllocConfig, MisusePolicy};
pub use counters::Kind;
#[cfg(feature = "debug")]
pub use debug::{FRAME_POISON, POOL_POISON};
pub use error::{AllocOrInitError, Error};
pub use frame::arena::UseFrameBoxForTransfer;
pub use frame::boxed::FrameBox;
pub use frame::collect_in::{CollectIn, FromIteratorIn};
pub use frame::guard::{Frame, FrameAllocator};
pub use frame::string::FrameString;
pub use frame::string_conv::{FromUtf8Error, FromUtf16Error};
pub use frame::vec::{FrameVec, FrameVecIntoIter};
pub use frame_safe::FrameSafe;
/// Derives [`FrameSafe`](trait@FrameSafe) for a plain-data struct or enum, checked at
/// compile time: every field must be `FrameSafe` (the error points at the field), type
/// parameters get a `FrameSafe` bound, and a type that implements `Drop` is rejected.
/// It works next to `#[derive(Clone, Copy)]` in any order and with a hand-written
/// `impl Copy`.
///
/// ```
/// use framealloc::{FrameSafe, SmartAlloc};
///
/// #[derive(FrameSafe, Clone, Copy)]
/// struct Particle<'a, T, const N: usize> {
///     pos: [T; N],
///     name: &'a str,
/// }
///
/// let alloc = SmartAlloc::new(Default::default());
/// let frame = alloc.frame();
/// let p = frame.alloc(Particle { pos: [0.0_f32; 3], name: "spark" });
/// p.pos[0] = 1.0;
/// assert_eq!((p.pos[0], p.name), (1.0, "spark"));
/// ```
pub use framealloc_macros::FrameSafe;
/// Accounts a function body's allocations on this thread to a tag (popped on every exit
/// path) and registers the tag, with its optional budget, for [`registered_tags`].
///
/// A budget is an integer literal of bytes or `"<integer> <unit>"` with one space and unit
/// `B`, `KB`/`MB`/`GB` (x1000) or `KiB`/`MiB`/`GiB` (x1024). An empty name, a malformed
/// budget, a non-fn item, `const fn` and `async fn` are compile errors.
///
/// ```
/// use framealloc::{Kind, SmartAlloc, alloc_tag};
///
/// #[alloc_tag("physics", budget = "8 MiB")]
/// fn step(alloc: &SmartAlloc) -> usize {
///     assert_eq!(alloc.current_tag(), "physics");
///     let body = alloc.pool_box([0u8; 64]);
///     body.len()
/// }
///
/// let alloc = SmartAlloc::new(Default::default());
/// assert_eq!(step(&alloc), 64);
/// assert_eq!(alloc.current_tag(), "untagged");
/// let physics = alloc.stats().tag("physics").unwrap();
/// assert_eq!(physics.kind(Kind::Pool).allocations, 1);
/// let info = framealloc::registered_tags().find(|t| t.name == "physics").unwrap();
/// assert_eq!(info.budget, Some(8 << 20));
/// ```
pub use framealloc_macros::alloc_tag;
/// Allows [`cargo fa`](guides::cargo_fa) lints on an item; a no-op for the compiler.
///
/// `#[framealloc::fa_allow(FA105, reason = "..")]` takes one or more codes (`FA` and three
/// digits) and an optional non-empty reason; a malformed argument is a compile error.
/// (`#[allow(framealloc::FA105)]` is error E0710 on stable Rust, hence this attribute.)
///
/// ```
/// use framealloc::{FrameVec, SmartAlloc, fa_allow};
///
/// #[fa_allow(FA105, reason = "built and dropped inside one frame")]
/// struct FrameContext<'f> {
///     contacts: FrameVec<'f, u32>,
/// }
///
/// let alloc = SmartAlloc::new(Default::default());
/// let frame = alloc.frame();
/// let ctx = FrameContext { contacts: frame.frame_vec() };
/// assert!(ctx.contacts.is_empty());
/// ```
///
/// ```compile_fail
/// #[framealloc::fa_allow(FA10, reason = "not a code")]
/// fn f() {}
/// ```
pub use framealloc_macros::fa_allow;
/// Opens a [`Frame`] for the duration of a function body and shadows the `&SmartAlloc`
/// parameter with it, so frame data allocated through it cannot escape the body.
///
/// `#[frame_scope(self.alloc)]` opens the frame on a place expression instead, and
/// `#[frame_scope(frame = EXPR)]` binds `frame` to the guard. `?`, early `return` and
/// panics all end the frame; `async fn` and `const fn` are rejected at compile time.
///
/// ```
/// use framealloc::{SmartAlloc, frame_scope};
///
/// #[frame_scope]
/// fn sum_of_squares(alloc: &SmartAlloc, n: u32) -> u32 {
///     assert!(alloc.is_in_frame());
///     let mut v = alloc.frame_vec::<u32>();
///     v.extend((1..=n).map(|x| x * x));
///     v.iter().sum()
/// }
///
/// let alloc = SmartAlloc::new(Default::default());
/// assert_eq!(sum_of_squares(&alloc, 3), 14);
/// assert!(!alloc.is_in_frame());
/// ```
pub use framealloc_macros::frame_scope;
pub use heap::{HeapAllocator, HeapBox, HeapVec};
pub use herd::{FrameHerd, HerdMember, HerdVec};
pub use pool::allocator::PoolAllocator;
pub use pool::arc::{PoolArc, PoolWeak};
pub use pool::boxed::PoolBox;
pub use report::{LiveEntry, LiveReport, LiveSite};
pub use scratch::{Scratch, ScratchStaysOnItsThread};
pub use smart_alloc::SmartAlloc;
pub use stats::{KindStats, Stats, TagStats};
#[cfg(not(feature = "minimal"))]
pub use summary::{FrameSummary, TagFrameBytes};
pub use tag::{TagInfo, UNTAGGED, registered_tags};
pub use tag_scope::TagGuard;
pub use task::boxed::TaskBox;
pub use task::tag_future::TagFuture;
pub use task::vec::{FixedTaskVec, TaskVec};
pub use task::{TaskFrame, TaskFrameAllocator};
pub use transfer::{IntoTransfer, TransferHandle};

pub(crate) use smart_alloc::fail;

/// The `allocator-api2` crate framealloc implements `Allocator` from (the 0.2 line, the
/// one bumpalo and hashbrown use), re-exported so your collections name the same trait.
pub use allocator_api2;

/// Items used by the code that `framealloc-macros` generates. Not part of the public
/// API: names and signatures may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::frame::guard::Frame;
    pub use crate::smart_alloc::SmartAlloc;
    pub use crate::tag::{StaticTag, TagInfo};
    pub use inventory;
}

/// The guides, rendered here and compiled and run as doctests so their snippets stay true.
///
/// Each module is one file of the repository's `docs/` directory (the package carries a
/// copy under `framealloc/docs/`, see CONTRIBUTING.md). Start with
/// [`getting_started`](guides::getting_started).
pub mod guides {
    #[doc = include_str!("../docs/getting-started.md")]
    pub mod getting_started {}
    #[doc = include_str!("../docs/patterns.md")]
    pub mod patterns {}
    #[doc = include_str!("../docs/budgets.md")]
    pub mod budgets {}
    #[doc = include_str!("../docs/performance.md")]
    pub mod performance {}
    #[doc = include_str!("../docs/macros.md")]
    pub mod macros {}
    #[doc = include_str!("../docs/troubleshooting.md")]
    pub mod troubleshooting {}
    #[doc = include_str!("../docs/soundness.md")]
    pub mod soundness {}
    #[doc = include_str!("../docs/collections.md")]
    pub mod collections {}
    #[doc = include_str!("../docs/async.md")]
    pub mod async_tasks {}
    #[doc = include_str!("../docs/observability.md")]
    #[cfg(not(feature = "minimal"))]
    pub mod observability {}
    #[doc = include_str!("../docs/cargo-fa.md")]
    pub mod cargo_fa {}
    // Its snippets use the integration: without the feature the page is still
    // rendered, and its code blocks are not compiled.
    #[cfg_attr(feature = "rapier", doc = include_str!("../docs/rapier-integration.md"))]
    #[cfg_attr(
        not(feature = "rapier"),
        doc = "The rapier guide (`docs/rapier-integration.md`) needs the `rapier` feature."
    )]
    pub mod rapier_integration {}
}
