//! Per-step physics scratch for [rapier3d](https://rapier.rs) 0.36 (feature `rapier`).
//!
//! - [`FrameEvents`]: rapier's `EventHandler` with its slots in frame memory; overflow is
//!   counted and reported, [`EventCapacity`] sizes the next step from the last.
//! - [`cast_rays`], [`intersect_ray`], [`intersect_point`], [`intersect_aabb`]: query
//!   results collected into [`FrameVec`](crate::FrameVec)s that cannot outlive the frame.
//! - [`step`](fn@step): one step in a `"physics"`-tagged frame returning a [`StepReport`];
//!   [`PhysicsScene`] holds a world and its capacity.
//! - [`FrameSafe`](crate::FrameSafe) for rapier's plain event, handle and query types.
//!
//! The guide is [`guides::rapier_integration`](crate::guides::rapier_integration).
//! rapier's `unsync-callbacks` feature is never turned on: the sink is `Sync` and sound
//! under rapier's `parallel` feature.

mod events;
mod frame_safe;
mod query;
mod step;

pub use events::{EventCapacity, FrameEvents};
pub use query::{cast_rays, intersect_aabb, intersect_point, intersect_ray};
pub use step::{PHYSICS_TAG, PhysicsScene, StepReport, step};

/// The rapier3d this integration is built against (0.36), so your code names the same
/// types without a separate dependency line.
pub use rapier3d;
