// `frame.alloc` and friends take every type without a destructor: foreign `Copy` types
// (no `FrameSafe` impl, and the orphan rule forbids deriving one), `Copy` types of a
// helper module, `ManuallyDrop`, and `#[derive(FrameSafe)]` next to `Copy` in any form.
use core::any::TypeId;
use core::mem::ManuallyDrop;
use core::time::Duration;
use std::net::Ipv4Addr;

use framealloc::allocator_api2::alloc::AllocError;
use framealloc::{Frame, FrameSafe, SmartAlloc};

mod math {
    // A glam-like vector: `Copy`, no `FrameSafe`.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct Vec3 {
        pub x: f32,
        pub y: f32,
        pub z: f32,
    }
}
use math::Vec3;

#[derive(FrameSafe, Clone, Copy)]
struct DeriveFirst(u32);

#[derive(Clone, Copy, FrameSafe)]
struct DeriveLast(u32);

#[derive(FrameSafe)]
#[derive(Clone, Copy)]
struct CopyOnNextLine(u32);

#[derive(Clone, Copy)]
#[derive(FrameSafe)]
struct CopyOnLineBefore(u32);

#[derive(FrameSafe)]
struct HandWrittenCopy(u32);
impl Clone for HandWrittenCopy {
    fn clone(&self) -> Self {
        *self
    }
}
impl Copy for HandWrittenCopy {}

// Not `Copy`, plain data all the same.
#[derive(FrameSafe)]
struct NotCopy {
    hits: core::cell::Cell<u32>,
    name: &'static str,
}

fn is_frame_safe<T: FrameSafe>() {}

// Generic code needs no bound beyond what it knows: the check runs per instantiation.
fn stash<'f, T: Copy>(frame: &'f Frame<'_>, value: T) -> &'f mut T {
    frame.alloc(value)
}

fn main() {
    is_frame_safe::<DeriveFirst>();
    is_frame_safe::<DeriveLast>();
    is_frame_safe::<CopyOnNextLine>();
    is_frame_safe::<CopyOnLineBefore>();
    is_frame_safe::<HandWrittenCopy>();
    is_frame_safe::<NotCopy>();
    is_frame_safe::<ManuallyDrop<String>>();

    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();

    let ip = frame.alloc(Ipv4Addr::LOCALHOST);
    assert!(ip.is_loopback());
    assert_eq!(*frame.alloc(Duration::from_millis(16)), Duration::from_millis(16));
    assert_eq!(*frame.alloc(TypeId::of::<u32>()), TypeId::of::<u32>());
    assert_eq!(*frame.alloc(AllocError), AllocError);
    let v = frame.alloc(Vec3 { x: 1.0, y: 2.0, z: 3.0 });
    v.y = 5.0;
    assert_eq!(*v, Vec3 { x: 1.0, y: 5.0, z: 3.0 });
    let w = frame.try_alloc(Vec3 { x: 0.0, y: 0.0, z: 1.0 }).unwrap();
    assert_eq!(w.z, 1.0);
    let big = frame.alloc_with(|| [Vec3 { x: 1.0, y: 1.0, z: 1.0 }; 64]);
    assert_eq!(big[63].x, 1.0);
    let ips = frame.alloc_slice_fill_with(4, |i| Ipv4Addr::new(10, 0, 0, i as u8));
    assert_eq!(ips[3], Ipv4Addr::new(10, 0, 0, 3));
    assert_eq!(*stash(&frame, Duration::from_secs(2)), Duration::from_secs(2));

    // `ManuallyDrop` opted out of its destructor: accepted, and it only leaks.
    let leaked = frame.alloc(ManuallyDrop::new(String::from("leaks on purpose")));
    assert_eq!(leaked.as_str(), "leaks on purpose");

    assert_eq!(frame.alloc(DeriveFirst(1)).0, 1);
    assert_eq!(frame.alloc(DeriveLast(2)).0, 2);
    assert_eq!(frame.alloc(CopyOnNextLine(3)).0, 3);
    assert_eq!(frame.alloc(CopyOnLineBefore(4)).0, 4);
    assert_eq!(frame.alloc(HandWrittenCopy(5)).clone().0, 5);
    let plain = frame.alloc(NotCopy { hits: core::cell::Cell::new(0), name: "goblin" });
    plain.hits.set(plain.hits.get() + 1);
    assert_eq!((plain.hits.get(), plain.name), (1, "goblin"));
}
