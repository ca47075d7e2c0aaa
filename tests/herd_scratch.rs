//! Job-system herds and nested scratch scopes (issue 20, SPEC §12): contents, levels,
//! unwinding, accounting, arena reuse, and zero system allocations in a steady state.
//!
//! Its own test binary because it installs a counting `#[global_allocator]` (counts per
//! thread, so concurrent tests do not disturb each other). Runs under Miri except the
//! rayon tests.

use std::alloc::Layout;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use framealloc::{Error, FrameHerd, HerdMember, Scratch, SmartAlloc};
use framealloc_tests::counting::{CountingAlloc, SystemCall};
use framealloc_tests::iterations;

thread_local! {
    // Const, destructor-free: usable from inside the allocator at any time.
    static SYSTEM_CALLS: Cell<u64> = const { Cell::new(0) };
}

fn on_call(_call: SystemCall, _layout: Layout) {
    let _ = SYSTEM_CALLS.try_with(|c| c.set(c.get() + 1));
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc(on_call);

/// System allocator calls made by this thread so far.
fn system_calls() -> u64 {
    SYSTEM_CALLS.with(Cell::get)
}

/// The address of an allocation.
fn addr<T: ?Sized>(r: &T) -> usize {
    core::ptr::from_ref(r).cast::<u8>().addr()
}

fn assert_sync<T: Sync>() {}
fn assert_send<T: Send>() {}

#[test]
fn auto_traits() {
    assert_sync::<FrameHerd>();
    assert_send::<FrameHerd>();
    // `&mut T` in herd memory goes back to the main thread when `T: Send`.
    assert_send::<&'static mut u64>();
    // `HerdMember` and `Scratch` are `!Send`/`!Sync`: trybuild cases in ui-tests.
    let _ = (
        core::mem::size_of::<HerdMember<'static>>(),
        core::mem::size_of::<Scratch<'static>>(),
    );
}

// ---------------------------------------------------------------- scratch scopes

/// Parent data stays alive and intact, scratch data is released at the end of each scope,
/// and the frame's own bump pointer is untouched by scratch use.
#[test]
fn scratch_leaves_parent_frame_alone() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let parent = frame.alloc_slice_fill_with(16, |i| i as u32);
    let before = addr(frame.alloc(0u64));
    let sum = frame.scratch(|s| {
        let tmp = s.alloc_slice_fill_with(10_000, |i| u64::from(parent[i % 16]));
        tmp.iter().sum::<u64>()
    });
    let after = addr(frame.alloc(0u64));
    assert_eq!(sum, (0..10_000u64).map(|i| i % 16).sum::<u64>());
    // bumpalo bumps downwards: the next frame allocation is right below the previous one.
    assert_eq!(
        before - after,
        8,
        "the scratch scope must not bump the frame arena"
    );
    assert_eq!(parent, (0..16).collect::<Vec<u32>>().as_slice());
}

/// Levels follow the thread's nesting depth; each scope ends where it began and its arena
/// is reused (same first address) by the next scope at that level.
#[test]
fn scratch_levels_nest_and_reuse_arenas() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let mut firsts = Vec::new();
    for _ in 0..3 {
        let (a, b, c) = frame.scratch(|s0| {
            assert_eq!(s0.level(), 0);
            let a = addr(s0.alloc(1u64));
            s0.scratch(|s1| {
                assert_eq!(s1.level(), 1);
                let b = addr(s1.alloc(2u64));
                s1.scratch(|s2| {
                    assert_eq!(s2.level(), 2);
                    (a, b, addr(s2.alloc(3u64)))
                })
            })
        });
        assert!(a != b && b != c && a != c, "levels use distinct arenas");
        firsts.push((a, b, c));
    }
    assert!(firsts.windows(2).all(|w| w[0] == w[1]), "{firsts:?}");
    // Back at level 0 after the nest.
    frame.scratch(|s| assert_eq!(s.level(), 0));
}

/// Calling an outer scope's `scratch` from inside an inner scope takes the next free
/// level: the inner scope's live data is never overwritten.
#[test]
fn outer_handle_inside_inner_scope_takes_next_level() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    frame.scratch(|outer| {
        let kept_outer = outer.alloc([0xAAu8; 256]);
        outer.scratch(|inner| {
            let kept_inner = inner.alloc([0xBBu8; 256]);
            let (level, addr) = outer.scratch(|third| {
                let x = third.alloc([0xCCu8; 256]);
                (third.level(), x.as_ptr() as usize)
            });
            assert_eq!(level, 2);
            let inner_addr = kept_inner.as_ptr() as usize;
            assert!(
                addr.abs_diff(inner_addr) >= 256,
                "third scope reused the inner arena"
            );
            assert!(kept_inner.iter().all(|&b| b == 0xBB));
            // And through the outermost frame handle too.
            frame.scratch(|again| assert_eq!(again.level(), 2));
        });
        assert!(kept_outer.iter().all(|&b| b == 0xAA));
    });
}

/// A panic inside a scope gives its level (and every inner level) back.
#[test]
fn panic_inside_scope_restores_levels() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let first = frame.scratch(|s| addr(s.alloc(0u32)));
    let caught = catch_unwind(AssertUnwindSafe(|| {
        frame.scratch(|s0| {
            s0.alloc([1u8; 64]);
            s0.scratch(|s1| {
                s1.alloc([2u8; 64]);
                panic!("boom in level {}", s1.level());
            })
        })
    }));
    assert!(caught.is_err());
    // Level 0 again, with its arena reset (same first address).
    let (level, again) = frame.scratch(|s| (s.level(), addr(s.alloc(0u32))));
    assert_eq!((level, again), (0, first));
    frame.scratch(|s0| s0.scratch(|s1| assert_eq!(s1.level(), 1)));
}

/// The rest of `Frame`'s constructor grid on a scope: contents, `try_` errors, lying
/// iterators, destructors of boxed values run exactly once, nothing escapes.
#[test]
fn scratch_offers_the_frame_constructor_grid() {
    use std::rc::Rc;
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let drops = Rc::new(Cell::new(0));
    struct Counted(Rc<Cell<u32>>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    frame.scratch(|s| {
        assert_eq!(*s.try_alloc(5u8).unwrap(), 5);
        assert_eq!(*s.try_alloc_with(|| [2u16; 3]).unwrap(), [2, 2, 2]);
        assert_eq!(s.try_alloc_str("ab").unwrap(), "ab");
        assert_eq!(s.try_alloc_slice_copy(&[1u32, 2]).unwrap(), [1, 2]);
        assert_eq!(
            s.try_alloc_slice_fill_with(3, |i| i * 2).unwrap(),
            [0, 2, 4]
        );
        assert_eq!(s.alloc_slice_fill_copy(2, 9i64), [9, 9]);
        assert_eq!(s.try_alloc_slice_fill_copy(1, 'x').unwrap(), ['x']);
        assert_eq!(s.alloc_slice_fill_clone(2, &[1u8, 2]), [[1, 2], [1, 2]]);
        assert_eq!(s.try_alloc_slice_fill_clone(1, &7u8).unwrap(), [7]);
        assert_eq!(s.alloc_slice_fill_default::<u64>(2), [0, 0]);
        assert_eq!(s.try_alloc_slice_fill_default::<u8>(1).unwrap(), [0]);
        assert_eq!(s.alloc_slice_fill_iter([3u8, 4]), [3, 4]);
        assert_eq!(s.try_alloc_slice_fill_iter(0..3u32).unwrap(), [0, 1, 2]);
        assert_eq!(s.alloc_slice_clone(&[[5u8; 2]]), [[5, 5]]);
        assert_eq!(s.try_alloc_slice_clone(&[6u8]).unwrap(), [6]);
        // Absurd lengths are errors, not panics or UB.
        for e in [
            s.try_alloc_slice_fill_with(usize::MAX, |i| i as u64).err(),
            s.try_alloc_slice_fill_copy(usize::MAX, 0u32).err(),
            s.try_alloc_slice_fill_default::<u16>(usize::MAX).err(),
            s.try_frame_slice::<u64>(usize::MAX).err(),
            s.try_frame_vec_with_capacity::<u64>(usize::MAX).err(),
        ] {
            assert_eq!(e, Some(Error::CapacityOverflow));
        }
        // A lying iterator: too long is cut at its `len()`, too short panics.
        struct Lying(u32, usize);
        impl Iterator for Lying {
            type Item = u32;
            fn next(&mut self) -> Option<u32> {
                self.0 += 1;
                (self.0 <= 5).then_some(self.0)
            }
        }
        impl ExactSizeIterator for Lying {
            fn len(&self) -> usize {
                self.1
            }
        }
        assert_eq!(s.alloc_slice_fill_iter(Lying(0, 3)), [1, 2, 3]);
        let short = catch_unwind(AssertUnwindSafe(|| {
            s.alloc_slice_fill_iter(Lying(0, 9)).len()
        }));
        assert!(short.is_err());
        // Boxes run their destructors once.
        let b = s.frame_box(Counted(drops.clone()));
        let t = s.try_frame_box(Counted(drops.clone())).unwrap();
        let mut slice = s.frame_slice::<Option<Counted>>(3);
        slice[1] = Some(Counted(drops.clone()));
        let mut slot = s.try_frame_alloc::<[u8; 16]>().unwrap();
        slot.write([1; 16]);
        let mut v = s.frame_vec_with_capacity::<Counted>(2);
        assert!(v.capacity() >= 2);
        v.push(Counted(drops.clone()));
        drop((b, t, slice, v));
        assert_eq!(drops.get(), 4);
    });
    assert_eq!(drops.get(), 4);
}

/// Scratch scopes opened from a thread-local's destructor, both before and after the
/// thread's scratch stack is destroyed (destructors run in reverse order of
/// registration): each works, nests, and leaves its thread's stats right.
/// A `Default` that panics midway through `Scratch::frame_slice`: the elements made so
/// far are dropped (as `Frame::frame_slice` does; bumpalo's own fill would skip them),
/// and the scope stays usable.
#[test]
fn scratch_frame_slice_drops_the_prefix_when_default_panics() {
    thread_local! {
        static MADE: Cell<u32> = const { Cell::new(0) };
        static DROPPED: Cell<u32> = const { Cell::new(0) };
    }
    struct Counted;
    impl Default for Counted {
        fn default() -> Counted {
            let n = MADE.with(|m| {
                m.set(m.get() + 1);
                m.get()
            });
            assert!(n <= 2, "the third default panics");
            Counted
        }
    }
    impl Drop for Counted {
        fn drop(&mut self) {
            DROPPED.with(|d| d.set(d.get() + 1));
        }
    }
    let counts = || (MADE.with(Cell::get), DROPPED.with(Cell::get));
    let reset = || {
        MADE.with(|m| m.set(0));
        DROPPED.with(|d| d.set(0));
    };
    let alloc = SmartAlloc::default();
    let frame = alloc.frame();
    assert!(catch_unwind(AssertUnwindSafe(|| frame.frame_slice::<Counted>(5).len())).is_err());
    assert_eq!(counts(), (3, 2), "Frame::frame_slice");
    reset();
    frame.scratch(|s| {
        let panicked = catch_unwind(AssertUnwindSafe(|| s.frame_slice::<Counted>(5).len()));
        assert!(panicked.is_err());
        assert_eq!(counts(), (3, 2), "Scratch::frame_slice drops what it made");
        reset();
        let panicked = catch_unwind(AssertUnwindSafe(|| s.try_frame_slice::<Counted>(4).is_ok()));
        assert!(panicked.is_err());
        assert_eq!(counts(), (3, 2), "Scratch::try_frame_slice too");
        // The scope still works, and a full slice drops every element once.
        reset();
        let two = s.frame_slice::<Counted>(2);
        assert_eq!(two.len(), 2);
        drop(two);
        assert_eq!(counts(), (2, 2));
        let numbers = s.frame_slice::<u64>(3);
        assert_eq!(*numbers, [0, 0, 0]);
    });
}

#[test]
fn scratch_scopes_in_thread_local_destructors() {
    struct AtExit {
        alloc: SmartAlloc,
        results: std::sync::mpsc::Sender<(usize, u64)>,
    }
    impl Drop for AtExit {
        fn drop(&mut self) {
            let frame = self.alloc.frame();
            let got = frame.scratch(|s| {
                let xs = s.alloc_slice_fill_with(500, |i| i as u64);
                let inner = s.scratch(|t| (t.level(), *t.alloc(7u64)));
                (inner.0, xs.iter().sum::<u64>() + inner.1)
            });
            let _ = self.results.send(got);
        }
    }
    thread_local! {
        static AT_EXIT: std::cell::RefCell<Option<AtExit>> = const { std::cell::RefCell::new(None) };
    }
    let alloc = SmartAlloc::new(Default::default());
    for register_first in [true, false] {
        let (tx, rx) = std::sync::mpsc::channel();
        let a = alloc.clone();
        std::thread::spawn(move || {
            let arm = |tx| {
                AT_EXIT.with(|slot| {
                    *slot.borrow_mut() = Some(AtExit {
                        alloc: a.clone(),
                        results: tx,
                    });
                });
            };
            if register_first {
                // Registered before the scratch stack: destroyed after it.
                arm(tx.clone());
            }
            let frame = a.frame();
            let inner_level = frame.scratch(|s| s.scratch(|t| t.alloc(t.level()).to_owned()));
            assert_eq!(inner_level, 1);
            drop(frame);
            if !register_first {
                arm(tx);
            }
        })
        .join()
        .unwrap();
        assert_eq!(
            rx.recv().unwrap(),
            (1, (0..500).sum::<u64>() + 7),
            "{register_first}"
        );
    }
}

/// Everything `Frame` offers: strings, slices, vectors with destructors, allocators.
#[test]
fn scratch_allocation_methods() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    frame.scratch(|s| {
        let name = s.alloc_str("Scratch");
        name.make_ascii_uppercase();
        assert_eq!(name, "SCRATCH");
        let xs = s.alloc_slice_copy(&[5u8, 4, 3]);
        xs.sort_unstable();
        assert_eq!(xs, [3, 4, 5]);
        let big = s.alloc_with(|| [9u16; 2048]);
        assert_eq!(big[2047], 9);
        let mut words = s.frame_vec::<String>();
        words.extend(["a", "bb", "ccc"].map(String::from));
        assert_eq!(words.iter().map(String::len).sum::<usize>(), 6);
        let mut v = allocator_api2::vec::Vec::new_in(s.allocator());
        v.extend(0..100u32);
        assert_eq!(v.iter().sum::<u32>(), 4950);
        assert!(s.bytes_used() >= 4096 + 3 + 7);
        assert!(s.capacity_bytes() >= s.bytes_used());
    });
}

/// Task frames nest scratch scopes too, accounted to the task frame's tag.
#[test]
fn task_frame_scratch() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.task_frame_tagged("task-scratch");
    let kept = frame.alloc_str("kept");
    let n = frame.scratch(|s| s.scratch(|t| t.alloc_slice_copy(&[1u8; 40]).len() + s.level()));
    assert_eq!((n, &*kept), (40, "kept"));
    #[cfg(not(feature = "minimal"))]
    {
        let stats = alloc.stats();
        let tag = stats.tag("task-scratch").unwrap();
        assert_eq!(tag.kind(framealloc::Kind::Frame).allocated_bytes, 40);
    }
}

/// Scratch bytes are frame bytes of the tag current at the scope's start.
#[cfg(not(feature = "minimal"))]
#[test]
fn scratch_is_accounted_as_frame_bytes_of_the_current_tag() {
    use framealloc::Kind;
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    frame.with_tag("scratch-acct", |f| {
        f.scratch(|s| {
            s.alloc([0u8; 1000]);
            s.scratch(|t| {
                t.alloc([0u8; 300]);
            });
        });
        f.scratch(|s| {
            s.alloc([0u8; 200]);
        });
    });
    let stats = alloc.stats();
    let kind = stats.tag("scratch-acct").unwrap().kind(Kind::Frame);
    assert_eq!(kind.allocated_bytes, 1500);
    assert!(kind.peak_bytes >= 1000, "{kind:?}");
    assert_eq!(kind.live_bytes, 0);
}

/// Repeated scoped use in steady state: no system allocation.
#[test]
#[cfg_attr(
    feature = "debug",
    ignore = "`debug` records allocation sites in a map, which allocates"
)]
fn scratch_steady_state_makes_no_system_allocations() {
    fn work(frame: &framealloc::Frame<'_>, n: usize) -> usize {
        frame.scratch(|s| {
            let xs = s.alloc_slice_fill_with(n, |i| i as u32);
            let mut v = s.frame_vec::<u64>();
            v.extend(xs.iter().map(|&x| u64::from(x) * 2));
            s.scratch(|t| t.alloc_slice_copy(&v).len()) + s.scratch(|t| t.alloc_str("x").len())
        })
    }
    let alloc = SmartAlloc::new(Default::default());
    let n = iterations(20_000, 500);
    for _ in 0..3 {
        let frame = alloc.frame();
        assert_eq!(work(&frame, n), n + 1);
    }
    let before = system_calls();
    for _ in 0..iterations(100, 5) {
        let frame = alloc.frame();
        assert_eq!(work(&frame, n), n + 1);
    }
    assert_eq!(system_calls() - before, 0);
}

// ---------------------------------------------------------------- herds

/// Workers of a `std::thread::scope` allocate into the herd; the main thread reads every
/// result after the workers (and their members) are gone.
#[test]
fn herd_results_flow_back_from_scoped_threads() {
    let alloc = SmartAlloc::new(Default::default());
    let mut herd = alloc.herd();
    let per_worker = iterations(1000, 50);
    for frame in 0..3u64 {
        let results: Vec<&mut [u64]> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..3u64)
                .map(|w| {
                    let herd = &herd;
                    s.spawn(move || {
                        let member = herd.member();
                        let xs = member.alloc_slice_fill_with(per_worker, |i| {
                            frame * 1_000_000 + w * 10_000 + i as u64
                        });
                        let tag = member.alloc_str("done");
                        assert_eq!(tag, "done");
                        xs
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (w, xs) in results.iter().enumerate() {
            assert_eq!(xs.len(), per_worker);
            for (i, &x) in xs.iter().enumerate() {
                assert_eq!(x, frame * 1_000_000 + w as u64 * 10_000 + i as u64);
            }
        }
        assert_eq!(herd.arenas(), 3);
        herd.reset();
        assert_eq!(herd.arenas(), 0);
    }
    // Three members at once at most: three arenas made, all back in the pool.
    assert_eq!((alloc.task_arenas_made(), alloc.task_arenas_idle()), (3, 3));
}

/// `reset` hands the arenas back and the next batch gets them (same addresses); dropping
/// the herd does too.
#[test]
fn herd_reset_reuses_arenas() {
    let alloc = SmartAlloc::new(Default::default());
    let mut herd = alloc.herd();
    let first = addr(herd.member().alloc(1u64));
    assert_eq!((alloc.task_arenas_in_use(), herd.arenas()), (1, 1));
    herd.reset();
    assert_eq!(alloc.task_arenas_in_use(), 0);
    let again = addr(herd.member().alloc(2u64));
    assert_eq!(first, again);
    drop(herd);
    assert_eq!(
        (alloc.task_arenas_in_use(), alloc.task_arenas_idle()),
        (0, 1)
    );
}

/// A leaked member keeps its arena (and its data) forever: sound, counted as in use.
#[test]
#[cfg_attr(miri, ignore = "leaks an arena chunk by design (Miri's leak check)")]
fn leaked_member_keeps_its_arena() {
    let alloc = SmartAlloc::new(Default::default());
    let mut herd = alloc.herd();
    let member = herd.member();
    let x = member.alloc(7u32);
    core::mem::forget(member);
    assert_eq!(*x, 7);
    herd.reset();
    assert_eq!((alloc.task_arenas_in_use(), herd.arenas()), (1, 0));
}

/// Growable vectors freeze into herd-lifetime slices; unfrozen ones drop their elements.
#[test]
fn herd_vec_into_slice_and_drop() {
    use std::rc::Rc;
    let alloc = SmartAlloc::new(Default::default());
    let herd = alloc.herd();
    let counter = Rc::new(());
    let frozen = {
        let member = herd.member();
        let mut v = member.frame_vec();
        v.extend((0..100u32).rev());
        v.reserve(10);
        assert!(v.capacity() >= 110);
        v.push(1000);
        assert_eq!(v.pop(), Some(1000));
        v.sort_unstable();
        let mut owned = member.frame_vec::<Rc<()>>();
        owned.push(counter.clone());
        owned.push(counter.clone());
        assert_eq!(Rc::strong_count(&counter), 3);
        drop(owned);
        v.into_slice()
    };
    assert_eq!(Rc::strong_count(&counter), 1);
    assert_eq!(frozen.len(), 100);
    assert!(frozen.iter().enumerate().all(|(i, &x)| x == i as u32));
}

/// Member bytes are frame bytes of the herd's tag, credited as each member drops.
#[cfg(not(feature = "minimal"))]
#[test]
fn herd_stats_merge_members_under_the_tag() {
    use framealloc::Kind;
    let alloc = SmartAlloc::new(Default::default());
    let herd = alloc.with_tag("herd-acct", framealloc::SmartAlloc::herd);
    assert_eq!(herd.tag(), "herd-acct");
    std::thread::scope(|s| {
        for w in 1..=2usize {
            let herd = &herd;
            s.spawn(move || {
                let member = herd.member();
                member.alloc_slice_fill_with(w * 100, |i| i as u64);
                assert_eq!(member.bytes_used(), w * 800);
            });
        }
    });
    assert_eq!(herd.bytes_used(), 2400);
    let stats = alloc.stats();
    let kind = stats.tag("herd-acct").unwrap().kind(Kind::Frame);
    assert_eq!(kind.allocated_bytes, 2400);
    assert!(kind.peak_bytes >= 1600, "{kind:?}");
}

/// Steady state: members checking arenas out, allocating, dropping, and the reset make
/// no system allocation (counted on each worker thread around its member's life, and on
/// the main thread around the reset).
#[test]
#[cfg_attr(
    feature = "debug",
    ignore = "`debug` records allocation sites in a map, which allocates"
)]
fn herd_steady_state_makes_no_system_allocations() {
    let alloc = SmartAlloc::new(Default::default());
    let mut herd = alloc.herd();
    let n = iterations(10_000, 200);
    let mut calls = Vec::new();
    for round in 0..6 {
        let worker_calls: Vec<u64> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let herd = &herd;
                    s.spawn(move || {
                        let before = system_calls();
                        let member = herd.member();
                        let xs = member.alloc_slice_fill_with(n, |i| i as u32);
                        let mut v = member.frame_vec::<u32>();
                        v.extend(xs.iter().copied());
                        let total = v.into_slice().len();
                        drop(member);
                        assert_eq!(total, n);
                        system_calls() - before
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let before = system_calls();
        herd.reset();
        let reset_calls = system_calls() - before;
        if round >= 3 {
            calls.extend(worker_calls);
            calls.push(reset_calls);
        }
    }
    assert_eq!(calls, vec![0; 9]);
}

/// rayon: `map_init` gives each worker batch a member; results flow back intact.
#[test]
#[cfg_attr(miri, ignore = "rayon's thread pool is too slow under Miri")]
fn herd_with_rayon_map_init() {
    use rayon::prelude::*;
    let alloc = SmartAlloc::new(Default::default());
    let mut herd = alloc.herd_tagged("rayon-herd");
    for frame in 0..3u64 {
        let results: Vec<&mut [u64; 4]> = (0..10_000u64)
            .into_par_iter()
            .map_init(|| herd.member(), |m, i| m.alloc([frame, i, i * 2, i * 3]))
            .collect();
        assert_eq!(results.len(), 10_000);
        for (i, r) in results.iter().enumerate() {
            let i = i as u64;
            assert_eq!(**r, [frame, i, i * 2, i * 3]);
        }
        assert!(herd.arenas() >= 1);
        #[cfg(not(feature = "minimal"))]
        assert!(
            alloc
                .stats()
                .tag("rayon-herd")
                .unwrap()
                .kind(framealloc::Kind::Frame)
                .allocated_bytes
                >= (frame + 1) * 10_000 * 32
        );
        herd.reset();
    }
    // rayon may run several batches per worker (one member each): no more arenas than
    // members alive at once, all idle now.
    assert_eq!(alloc.task_arenas_in_use(), 0);
}
