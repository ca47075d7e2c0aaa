//! `FrameSafe` for rapier's plain event, handle and query types.
//!
//! Each impl sits behind a compile-time `!needs_drop` assertion: if a rapier upgrade
//! gives one of these types a destructor (a field that owns memory), framealloc stops
//! building instead of letting `frame.alloc` abandon it and leak.

use rapier3d::dynamics::{
    ImpulseJointHandle, MultibodyJointHandle, RigidBodyHandle, SoftBodyHandle,
};
use rapier3d::geometry::{
    ColliderHandle, CollisionEvent, CollisionEventFlags, ContactForceEvent, PointProjection, Ray,
    RayIntersection,
};
use rapier3d::parry::bounding_volume::Aabb;

use crate::FrameSafe;

macro_rules! frame_safe_plain {
    ($($t:ty),* $(,)?) => {
        $(
            const _: () = assert!(
                !::core::mem::needs_drop::<$t>(),
                concat!(
                    "rapier's `", stringify!($t), "` now has a destructor: it can no longer \
                     be abandoned in frame memory; remove its `FrameSafe` impl"
                )
            );
            // SAFETY: the assertion above proves at compile time that the type has no
            // drop glue, so abandoning a value of it runs no code; it is plain data
            // (handles are indices, events and query results are handles and numbers),
            // owning no resource that forgetting it could leak.
            unsafe impl FrameSafe for $t {}
        )*
    };
}

frame_safe_plain!(
    CollisionEvent,
    CollisionEventFlags,
    ContactForceEvent,
    ColliderHandle,
    RigidBodyHandle,
    ImpulseJointHandle,
    MultibodyJointHandle,
    SoftBodyHandle,
    Ray,
    RayIntersection,
    PointProjection,
    Aabb,
);

#[cfg(test)]
mod tests {
    use super::*;

    fn frame_safe<T: FrameSafe + ?Sized>() {}

    #[test]
    fn event_and_handle_types_are_frame_safe_and_frame_alloc_takes_them() {
        frame_safe::<CollisionEvent>();
        frame_safe::<ContactForceEvent>();
        frame_safe::<[(ColliderHandle, RayIntersection)]>();
        frame_safe::<Option<(RigidBodyHandle, Aabb)>>();
        let alloc = crate::SmartAlloc::new(Default::default());
        let frame = alloc.frame();
        let h = ColliderHandle::from_raw_parts(7, 3);
        let e = frame.alloc(CollisionEvent::Started(h, h, CollisionEventFlags::SENSOR));
        assert!(e.started() && e.sensor());
        assert_eq!(e.collider1().into_raw_parts(), (7, 3));
    }
}
