//! Scene queries whose results live in frame memory.
//!
//! Each helper runs one kind of query through a rapier `QueryPipeline` (made with
//! `broad_phase.as_query_pipeline(..)` or `PhysicsWorld::query_pipeline`) and collects
//! `(ColliderHandle, hit)` pairs into a [`FrameVec`] that borrows the frame guard: the
//! results cannot outlive the frame (a compile error), and collecting them makes no
//! system allocation once the arena has grown to the step's size.

use rapier3d::geometry::{ColliderHandle, Ray, RayIntersection};
use rapier3d::math::{Real, Vector};
use rapier3d::parry::bounding_volume::Aabb;
use rapier3d::pipeline::QueryPipeline;

use crate::{Frame, FrameVec};

/// Cast every ray of `rays` and keep each one's first hit: element `i` of the result is
/// ray `i`'s `(collider, intersection)`, or `None` when it hit nothing within `max_toi`.
/// Each ray is rapier's `cast_ray_and_get_normal`.
///
/// ```
/// use framealloc::SmartAlloc;
/// use framealloc::rapier::cast_rays;
/// use rapier3d::prelude::*;
///
/// let mut world = PhysicsWorld::new();
/// let (_, ground) = world.insert(RigidBodyBuilder::fixed(), ColliderBuilder::cuboid(10.0, 0.5, 10.0));
/// world.step(); // builds the broad phase the queries read
///
/// let alloc = SmartAlloc::new(Default::default());
/// let frame = alloc.frame();
/// let down = Ray::new(Vector::new(0.0, 5.0, 0.0), Vector::new(0.0, -1.0, 0.0));
/// let up = Ray::new(Vector::new(0.0, 5.0, 0.0), Vector::new(0.0, 1.0, 0.0));
/// let hits = cast_rays(&frame, &world.query_pipeline(), &[down, up], 100.0, true);
/// let (handle, hit) = hits[0].unwrap();
/// assert_eq!(handle, ground);
/// assert!((hit.time_of_impact - 4.5).abs() < 1e-4);
/// assert!(hits[1].is_none());
/// ```
///
/// # Panics
///
/// When the system allocator refuses a chunk.
#[track_caller]
pub fn cast_rays<'f>(
    frame: &'f Frame<'_>,
    query: &QueryPipeline<'_>,
    rays: &[Ray],
    max_toi: Real,
    solid: bool,
) -> FrameVec<'f, Option<(ColliderHandle, RayIntersection)>> {
    let mut hits = frame.frame_vec_with_capacity(rays.len());
    hits.extend(
        rays.iter()
            .map(|ray| query.cast_ray_and_get_normal(ray, max_toi, solid)),
    );
    hits
}

/// Every collider `ray` passes through within `max_toi`, nearest first (rapier's
/// `intersect_ray`, sorted by time of impact in place, without allocating).
///
/// # Panics
///
/// When the system allocator refuses a chunk.
#[track_caller]
pub fn intersect_ray<'f>(
    frame: &'f Frame<'_>,
    query: &QueryPipeline<'_>,
    ray: Ray,
    max_toi: Real,
    solid: bool,
) -> FrameVec<'f, (ColliderHandle, RayIntersection)> {
    let mut hits = frame.frame_vec();
    hits.extend(
        query
            .intersect_ray(ray, max_toi, solid)
            .map(|(handle, _, hit)| (handle, hit)),
    );
    // Unstable sort: in place, so no scratch buffer from the system allocator.
    hits.sort_unstable_by(|a, b| {
        a.1.time_of_impact
            .total_cmp(&b.1.time_of_impact)
            .then_with(|| a.0.into_raw_parts().cmp(&b.0.into_raw_parts()))
    });
    hits
}

/// Every collider containing `point` (rapier's `intersect_point`), in the broad phase's
/// order.
///
/// # Panics
///
/// When the system allocator refuses a chunk.
#[track_caller]
pub fn intersect_point<'f>(
    frame: &'f Frame<'_>,
    query: &QueryPipeline<'_>,
    point: Vector,
) -> FrameVec<'f, ColliderHandle> {
    let mut hits = frame.frame_vec();
    hits.extend(query.intersect_point(point).map(|(handle, _)| handle));
    hits
}

/// Every collider whose broad-phase bounding box intersects `aabb` (rapier's
/// `intersect_aabb_conservative`: a superset of the colliders touching the box), in the
/// broad phase's order.
///
/// # Panics
///
/// When the system allocator refuses a chunk.
#[track_caller]
pub fn intersect_aabb<'f>(
    frame: &'f Frame<'_>,
    query: &QueryPipeline<'_>,
    aabb: Aabb,
) -> FrameVec<'f, ColliderHandle> {
    let mut hits = frame.frame_vec();
    hits.extend(
        query
            .intersect_aabb_conservative(aabb)
            .map(|(handle, _)| handle),
    );
    hits
}
