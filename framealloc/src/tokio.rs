//! Spawning tokio tasks that own a [`TaskFrame`] (feature `tokio`).
//!
//! [`spawn_with_frame`] and [`spawn_with_frame_in`] check a task frame out of the
//! allocator's arena pool, hand it **by value** to a closure that returns the task's
//! future, and spawn that future. The task owns its frame: the frame moves with the task
//! to whichever worker polls it, and goes back to the pool (reset, largest chunk kept)
//! when the future is dropped — when the task finishes, panics (tokio drops a panicking
//! task's future) or is aborted. Why by value: a closure that *borrows* the frame
//! (`|frame: &TaskFrame| async ..`) cannot name its future's `Send` bound on stable Rust.
//!
//! **Tags.** The task inherits the calling thread's current tag: its task frame is
//! accounted to it, and every poll of the task runs with it pushed (as
//! [`SmartAlloc::tag_future`] does), so what the task allocates from the allocator's
//! pools and heap while it runs is accounted to it too. Spawn inside
//! [`with_tag`](SmartAlloc::with_tag) to choose the tag:
//! `alloc.with_tag("net", |a| spawn_with_frame(a, |frame| async move { .. }))`.
//!
//! Needs only tokio's `rt` feature; the functions must be called from inside a tokio
//! runtime (as [`tokio::spawn`]), single- or multi-threaded. See
//! `docs/async.md` ([the async guide](crate::guides::async_tasks)) for the model.
//!
//! ```
//! use framealloc::{Kind, SmartAlloc};
//! use framealloc::tokio::spawn_with_frame;
//!
//! let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
//! let alloc = SmartAlloc::new(Default::default());
//! let served = rt.block_on(async {
//!     let handle = alloc.with_tag("net", |a| {
//!         spawn_with_frame(a, |mut frame| async move {
//!             let mut served = 0;
//!             for request in ["GET /a", "GET /bc"] {
//!                 let path = frame.alloc_str(&request[4..]); // lives across the await
//!                 tokio::task::yield_now().await;
//!                 served += path.len();
//!                 frame.reset(); // next request, same memory
//!             }
//!             served
//!         })
//!     });
//!     handle.await.unwrap()
//! });
//! assert_eq!(served, 5);
//! assert_eq!(alloc.task_arenas_idle(), 1); // the frame went back to the pool
//! # #[cfg(not(feature = "minimal"))]
//! assert!(alloc.stats().tag("net").unwrap().kind(Kind::Frame).allocated_bytes >= 5);
//! ```

use core::future::Future;

use ::tokio::task::{AbortHandle, JoinHandle, JoinSet};

use crate::task::tag_future::TagFuture;
use crate::{SmartAlloc, TaskFrame};

/// Spawn a tokio task that owns a [`TaskFrame`] of `alloc`, accounted to the calling
/// thread's current tag.
///
/// `f` is called at once, on the calling thread, with the task frame; the future it
/// returns is spawned with [`tokio::spawn`], and every poll of it runs
/// with the tag pushed (see the [module docs](self)). The frame goes back to the pool
/// when the future is dropped: after it completes, when it panics, or when the task is
/// aborted (tokio drops an aborted task's future) — by the time the [`JoinHandle`]
/// yields, the arena is back.
///
/// ```
/// use framealloc::SmartAlloc;
/// use framealloc::tokio::spawn_with_frame;
///
/// #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
/// async fn main() {
///     let alloc = SmartAlloc::new(Default::default());
///     let handles: Vec<_> = (0..8u32)
///         .map(|id| {
///             spawn_with_frame(&alloc, move |frame| async move {
///                 // Task-frame data lives across `.await`; the task may resume on
///                 // another worker, its frame comes along.
///                 let ids = frame.alloc_slice_fill_with(16, |i| id * 100 + i as u32);
///                 tokio::task::yield_now().await;
///                 ids.iter().all(|&x| x / 100 == id)
///             })
///         })
///         .collect();
///     for handle in handles {
///         assert!(handle.await.unwrap());
///     }
///     assert_eq!(alloc.task_arenas_in_use(), 0);
///     assert!(alloc.task_arenas_made() <= 8); // at most one arena per live task
/// }
/// ```
///
/// A task that panics or is aborted still gives its arena back:
///
/// ```
/// use framealloc::SmartAlloc;
/// use framealloc::tokio::spawn_with_frame;
///
/// let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// let alloc = SmartAlloc::new(Default::default());
/// rt.block_on(async {
///     let failed = spawn_with_frame(&alloc, |frame| async move {
///         frame.alloc([0u8; 256]);
///         tokio::task::yield_now().await;
///         panic!("request failed");
///     });
///     assert!(failed.await.unwrap_err().is_panic());
///     let stuck = spawn_with_frame(&alloc, |frame| async move {
///         frame.alloc([0u8; 256]);
///         std::future::pending::<()>().await;
///     });
///     stuck.abort();
///     assert!(stuck.await.unwrap_err().is_cancelled());
/// });
/// assert_eq!((alloc.task_arenas_in_use(), alloc.task_arenas_idle()), (0, 1));
/// ```
///
/// # Panics
///
/// When called outside a tokio runtime (as `tokio::spawn`); the task frame goes back to
/// the pool first.
#[track_caller]
pub fn spawn_with_frame<F, Fut>(alloc: &SmartAlloc, f: F) -> JoinHandle<Fut::Output>
where
    F: FnOnce(TaskFrame) -> Fut,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    ::tokio::spawn(task_future(alloc, f))
}

/// [`spawn_with_frame`] into a [`JoinSet`]: the task owns a [`TaskFrame`] of `alloc`,
/// accounted to the calling thread's current tag, and its output is collected by the
/// set (`join_next`). Returns the task's [`AbortHandle`]. Aborting the task, or dropping
/// or [`shutdown`](JoinSet::shutdown)-ing the set, drops its future and so gives its
/// arena back.
///
/// ```
/// use framealloc::SmartAlloc;
/// use framealloc::tokio::spawn_with_frame_in;
/// use tokio::task::JoinSet;
///
/// let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// let alloc = SmartAlloc::new(Default::default());
/// let total = rt.block_on(async {
///     let mut set = JoinSet::new();
///     for n in 1..=4u64 {
///         spawn_with_frame_in(&mut set, &alloc, move |frame| async move {
///             let mut squares = frame.fixed_vec::<u64>(n as usize); // `Send`: crosses awaits
///             for i in 1..=n {
///                 squares.push(i * i).unwrap();
///                 tokio::task::yield_now().await;
///             }
///             squares.iter().sum::<u64>()
///         });
///     }
///     let mut total = 0;
///     while let Some(sum) = set.join_next().await {
///         total += sum.unwrap();
///     }
///     total
/// });
/// assert_eq!(total, 1 + (1 + 4) + (1 + 4 + 9) + (1 + 4 + 9 + 16));
/// assert_eq!(alloc.task_arenas_in_use(), 0);
/// ```
///
/// # Panics
///
/// When called outside a tokio runtime (as [`JoinSet::spawn`]); the task frame goes back
/// to the pool first.
#[track_caller]
pub fn spawn_with_frame_in<T, F, Fut>(
    join_set: &mut JoinSet<T>,
    alloc: &SmartAlloc,
    f: F,
) -> AbortHandle
where
    T: Send + 'static,
    F: FnOnce(TaskFrame) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    join_set.spawn(task_future(alloc, f))
}

/// The spawned future: `f`'s future, its polls under the task frame's tag.
fn task_future<F, Fut>(alloc: &SmartAlloc, f: F) -> TagFuture<Fut>
where
    F: FnOnce(TaskFrame) -> Fut,
{
    let frame = alloc.task_frame();
    let tag = frame.tag_id();
    TagFuture::new(tag, f(frame))
}
