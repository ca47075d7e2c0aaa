//! The scoped, compile-time-checked API: `Frame` guards.

use framealloc::{FrameSafe, SmartAlloc};
use framealloc_tests::Entity;

#[derive(Default, Debug, Clone, Copy, PartialEq)]
struct Particle {
    pos: [f32; 3],
    vel: [f32; 3],
}
// SAFETY: plain data, no destructor.
unsafe impl FrameSafe for Particle {}

#[test]
fn guard_allocations_are_usable_and_reused_next_frame() {
    let alloc = SmartAlloc::new(Default::default());
    let mut first = None;
    for step in 0..framealloc_tests::iterations(20, 3) {
        let frame = alloc.frame();
        let p: &mut Particle = frame.alloc(Particle::default());
        p.vel[1] = -9.81;
        p.pos[1] += p.vel[1];
        let q = frame.alloc(Particle::default());
        assert_ne!(std::ptr::from_mut(p), std::ptr::from_mut(q));
        assert_eq!(p.pos[1], -9.81);
        assert_eq!(*q, Particle::default());
        let addr = std::ptr::from_mut(p) as usize;
        assert_eq!(*first.get_or_insert(addr), addr, "step {step}");
        assert_eq!(frame.frame_number(), step as u64 + 1);
    }
    assert!(!alloc.is_in_frame());
}

#[test]
fn guard_helpers() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let s = frame.alloc_str("hello frame");
    s.make_ascii_uppercase();
    assert_eq!(s, "HELLO FRAME");
    let xs = frame.alloc_slice_copy(&[1u16, 2, 3]);
    xs[0] = 10;
    assert_eq!(xs, &[10, 2, 3]);
    let sq = frame.alloc_slice_fill_with(5, |i| i * i);
    assert_eq!(sq, &[0, 1, 4, 9, 16]);
    let big = frame.alloc_with(|| [7u64; 512]);
    assert!(big.iter().all(|&x| x == 7));
    let e = frame
        .try_alloc(Entity {
            id: 3,
            pos: [1.0; 3],
        })
        .unwrap();
    assert_eq!(e.id, 3);
    // Explicit handles through the guard run destructors and borrow the guard.
    let mut names = frame.frame_vec::<String>();
    names.push("a".into());
    let boxed = frame.frame_box(String::from("b"));
    let slice = frame.frame_slice::<u8>(4);
    let slot = frame.frame_alloc::<u32>().write(9);
    assert_eq!(
        (names[0].as_str(), boxed.as_str(), &*slice, *slot),
        ("a", "b", &[0u8; 4][..], 9)
    );
    // The boxes count as live handles; the guard's vector borrows the guard instead
    // (no count: it cannot outlive the frame).
    assert_eq!(frame.live_frame_handles(), 3);
}

#[test]
fn frame_scope_returns_the_closure_value() {
    let alloc = SmartAlloc::new(Default::default());
    let n = alloc.frame_scope(|frame| {
        let v = frame.alloc([2u32; 8]);
        let mut w = frame.frame_vec::<u32>();
        w.extend_from_slice(v);
        assert!(alloc.is_in_frame());
        w.iter().sum::<u32>()
    });
    assert_eq!(n, 16);
    assert!(!alloc.is_in_frame());
}

#[test]
fn guards_nest_and_reset_only_at_the_outermost() {
    let alloc = SmartAlloc::new(Default::default());
    let outer = alloc.frame();
    let a = outer.alloc(1u64);
    let resets = alloc.frame_resets();
    {
        let inner = alloc.frame();
        let b = inner.alloc(2u64);
        assert_eq!(*b, 2);
    }
    assert_eq!(alloc.frame_resets(), resets, "inner guard must not reset");
    let c = outer.alloc(3u64);
    assert_eq!((*a, *c), (1, 3));
    assert_eq!(alloc.frame_number(), 1, "nested guards are one frame");
    drop(outer);
    assert_eq!(alloc.frame_resets(), resets + 1);
}

/// Frame numbers and resets count outermost frame ends only, however guards and the
/// explicit frame interleave (the arena counts the nested closes and derives the rest).
#[test]
fn frame_numbers_count_outermost_frames_across_every_nesting() {
    let alloc = SmartAlloc::new(Default::default());
    assert_eq!((alloc.frame_number(), alloc.frame_resets()), (0, 0));
    // A guard inside a guard: one frame.
    {
        let outer = alloc.frame();
        assert_eq!(alloc.frame_number(), 1);
        let inner = alloc.frame();
        inner.alloc(1u8);
        drop(inner);
        assert_eq!(alloc.frame_number(), 1, "still inside the outer guard");
        outer.alloc(2u8);
    }
    assert_eq!((alloc.frame_number(), alloc.frame_resets()), (1, 1));
    // The explicit frame begun inside a guard, the guard dropped first, then `end_frame`.
    {
        let guard = alloc.frame();
        guard.alloc(3u8);
        alloc.begin_frame();
        drop(guard);
        assert_eq!(
            alloc.frame_number(),
            2,
            "the explicit frame keeps frame 2 open"
        );
        assert_eq!(alloc.frame_resets(), 1);
        alloc.end_frame();
    }
    assert_eq!((alloc.frame_number(), alloc.frame_resets()), (2, 2));
    // A guard inside the explicit frame, three deep.
    alloc.begin_frame();
    {
        let a = alloc.frame();
        let b = alloc.frame();
        b.alloc(4u8);
        drop(a);
        drop(b);
    }
    assert_eq!(alloc.frame_number(), 3);
    alloc.end_frame();
    assert_eq!((alloc.frame_number(), alloc.frame_resets()), (3, 3));
    // Plain frames of both kinds.
    for n in 4..=7 {
        if n % 2 == 0 {
            alloc.frame_scope(|f| {
                f.alloc(n);
            });
        } else {
            alloc.begin_frame();
            alloc.end_frame();
        }
        assert_eq!((alloc.frame_number(), alloc.frame_resets()), (n, n));
    }
    assert_eq!(alloc.stats().frame_number, 7);
}

/// SPEC §4.4: `end_frame` while a guard's allocation is alive must not free it.
#[test]
fn end_frame_while_a_guard_allocation_is_alive_does_not_free_it() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let frame = alloc.frame(); // joins the explicit frame
    let kept: &mut [u64; 16] = frame.alloc([0xAB; 16]);
    let kept_addr = kept.as_ptr() as usize;
    let resets = alloc.frame_resets();
    alloc.end_frame(); // explicit frame closed, guard still open
    assert!(alloc.is_in_frame());
    assert!(!alloc.is_in_explicit_frame());
    assert_eq!(
        alloc.frame_resets(),
        resets,
        "reset under a live guard allocation"
    );
    // New allocations, including a new explicit frame, do not reuse `kept`.
    alloc.begin_frame();
    for _ in 0..64 {
        let other = frame.alloc([0u64; 16]);
        assert_ne!(other.as_ptr() as usize, kept_addr);
        let b = alloc.frame_box([1u64; 16]);
        assert_ne!(b.as_ptr() as usize, kept_addr);
    }
    alloc.end_frame();
    assert_eq!(*kept, [0xAB; 16]);
    drop(frame);
    assert_eq!(alloc.frame_resets(), resets + 1);
}

#[test]
fn begin_frame_inside_a_guard() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let x = frame.alloc(5u8);
    alloc.begin_frame();
    let b = alloc.frame_box(6u8);
    alloc.end_frame();
    assert_eq!((*x, *b), (5, 6));
    drop(b);
    assert!(alloc.is_in_frame());
    drop(frame);
    assert!(!alloc.is_in_frame());
}

#[test]
fn guard_ends_on_unwind() {
    let alloc = SmartAlloc::new(Default::default());
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        alloc.frame_scope(|frame| {
            frame.alloc(1u32);
            panic!("boom");
        })
    }));
    assert!(r.is_err());
    assert!(!alloc.is_in_frame());
    assert_eq!(alloc.frame_resets(), 1);
}

#[test]
fn forgotten_guards_keep_memory_alive_instead_of_wrapping() {
    let alloc = SmartAlloc::new(Default::default());
    for _ in 0..framealloc_tests::iterations(10_000, 50) {
        std::mem::forget(alloc.frame());
    }
    assert!(alloc.is_in_frame());
    assert_eq!(alloc.frame_resets(), 0);
}

#[test]
fn frame_derefs_to_the_allocator() {
    fn takes_alloc(a: &SmartAlloc) -> bool {
        a.is_in_frame()
    }
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    assert!(takes_alloc(&frame));
    assert_eq!(frame.config(), alloc.config());
}

#[test]
fn scoped_workers_may_borrow_guard_data() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let data = frame.alloc_slice_fill_with(1000, |i| i as u64);
    let (left, right) = data.split_at_mut(500);
    std::thread::scope(|s| {
        s.spawn(|| left.iter_mut().for_each(|x| *x *= 2));
        s.spawn(|| right.iter_mut().for_each(|x| *x += 1));
    });
    assert_eq!(data[10], 20);
    assert_eq!(data[600], 601);
}

#[test]
fn allocator_api2_collections_in_frame_memory() {
    use allocator_api2::vec::Vec as ApiVec;
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let mut v = ApiVec::new_in(frame.allocator());
    for i in 0..1000u32 {
        v.push(i.to_string());
    }
    assert_eq!(v[999], "999");
    assert_eq!(v.len(), 1000);
    let mut map = hashbrown::HashMap::new_in(frame.allocator());
    for (i, s) in v.iter().enumerate().take(200) {
        map.insert(s.as_str(), i);
    }
    assert_eq!(map.get("150"), Some(&150));
    assert_eq!(map.len(), 200);
    assert_eq!(
        frame.live_frame_handles(),
        0,
        "allocator-api2 collections are not handles"
    );
}
