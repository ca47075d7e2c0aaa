//! Frame allocation under game-like workloads, against bumpalo, bump-scope, `Box` on the
//! system allocator and mimalloc, all in the same run.
//!
//! Groups:
//!
//! - `frame/single/{64B,1KiB,64KiB}`: one allocation per iteration, a batch of them per
//!   frame, arenas reset every batch;
//! - `frame/batch/{100,1000,10000}x64B`: N allocations kept until the frame ends, then the
//!   reset (or the frees);
//! - `frame/workload/{physics,render,particles}`: mixed-size frames, every allocation kept
//!   until the frame ends;
//! - `frame/scoped_vs_macro`: a hand-written guard fn, the same body under
//!   `#[frame_scope]`, and the explicit path;
//! - `frame/threads/{1,2}`: threads each running frames of 10 000 scoped allocations.
//!
//! Conventions (as in `frame.rs`): every arena is reset each frame, in the peers too;
//! handles are never passed to `black_box` by value (a two-word handle by value costs a
//! store-forwarding stall that is not part of the allocator) — the pointer to the data is,
//! as for bumpalo's `&mut T`; slices go through `black_box` as their thin data pointer.
//!
//! `cargo bench -p framealloc --bench workloads`

mod common;

use std::alloc::{GlobalAlloc, Layout, handle_alloc_error};
use std::hint::black_box;
use std::mem::size_of;
use std::ptr;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use bump_scope::{Bump as ScopeBump, BumpScope};
use bumpalo::Bump;
use common::time_batches;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use framealloc::{AllocConfig, Frame, FrameBox, FrameSafe, SmartAlloc, frame_scope};
use mimalloc::MiMalloc;

/// Capacity every arena gets up front, framealloc's per-thread arenas
/// (`initial_frame_capacity`) and the peers' alike, so every side runs from one chunk of
/// the same size and history (no growth in the timed loop, same page/THP placement).
const ARENA_BYTES: usize = 4 << 20;

fn smart_alloc() -> SmartAlloc {
    SmartAlloc::new(AllocConfig {
        initial_frame_capacity: ARENA_BYTES,
        ..Default::default()
    })
}

#[inline(always)]
fn filled<const N: usize>() -> [u8; N] {
    [7u8; N]
}

// ---------------------------------------------------------------------------------------
// Payload types: plain data of the sizes the workloads name.

/// 96 B: a rigid body's simulation state.
#[derive(FrameSafe, Clone, Copy)]
#[allow(dead_code)] // payload: written, never read back; only its size and layout matter
struct RigidBody {
    pos: [f32; 3],
    vel: [f32; 3],
    orient: [f32; 4],
    ang_vel: [f32; 3],
    inv_mass: f32,
    inv_inertia: [f32; 9],
    id: u32,
}

/// 256 B: a contact manifold.
#[derive(FrameSafe, Clone, Copy)]
#[allow(dead_code)] // payload: written, never read back
struct Manifold {
    points: [[f32; 4]; 4],
    normal: [f32; 4],
    impulses: [f32; 40],
    bodies: [u32; 2],
    count: u32,
    flags: u32,
}

/// 64 B: a broad-phase proxy.
#[derive(FrameSafe, Clone, Copy)]
#[allow(dead_code)] // payload: written, never read back
struct Proxy {
    min: [f32; 4],
    max: [f32; 4],
    vel: [f32; 4],
    body: u32,
    layer: u32,
    mask: u32,
    next: u32,
}

/// 24 B: a draw-call sort key.
#[derive(FrameSafe, Clone, Copy)]
#[allow(dead_code)] // payload: written, never read back
struct DrawKey {
    sort_key: u64,
    mesh: u32,
    material: u32,
    instance: u32,
    pass: u32,
}

/// 32 B: per-instance render data.
#[derive(FrameSafe, Clone, Copy)]
#[allow(dead_code)] // payload: written, never read back
struct Instance {
    translation_scale: [f32; 4],
    color: [f32; 4],
}

/// 48 B: a particle.
#[derive(FrameSafe, Clone, Copy)]
#[allow(dead_code)] // payload: written, never read back
struct Particle {
    pos: [f32; 3],
    vel: [f32; 3],
    color: [f32; 4],
    age: f32,
    life: f32,
}

type Blob64 = [u8; 64];

const _: () = {
    assert!(size_of::<RigidBody>() == 96);
    assert!(size_of::<Manifold>() == 256);
    assert!(size_of::<Proxy>() == 64);
    assert!(size_of::<DrawKey>() == 24);
    assert!(size_of::<Instance>() == 32);
    assert!(size_of::<Particle>() == 48);
};

/// A value that can be allocated by every peer and kept (typed) until the frame ends.
trait Payload: FrameSafe + Copy + Stored + 'static {
    fn make(i: u32) -> Self;
}

/// Typed per-frame storage for the peers whose handles must be dropped one by one
/// (`Box`, `FrameBox`, mimalloc pointers); the arena peers keep plain pointers.
macro_rules! payload_storage {
    ($($ty:ty => $field:ident),* $(,)?) => {
        #[derive(Default)]
        struct BoxKept { $($field: Vec<Box<$ty>>,)* }
        #[derive(Default)]
        struct FrameBoxKept<'a> { $($field: Vec<FrameBox<'a, $ty>>,)* }
        #[derive(Default)]
        struct RawKept { $($field: Vec<*mut $ty>,)* }

        impl BoxKept {
            fn clear(&mut self) { $(self.$field.clear();)* }
        }
        impl FrameBoxKept<'_> {
            fn clear(&mut self) { $(self.$field.clear();)* }
        }
        impl RawKept {
            fn free_all(&mut self) {
                $(for p in self.$field.drain(..) {
                    // SAFETY: every pointer was returned by `MiMalloc.alloc` with this
                    // type's layout (`MiSink::put`) and is freed exactly once here.
                    unsafe { MiMalloc.dealloc(p.cast(), Layout::new::<$ty>()) };
                })*
            }
        }
        $(impl Stored for $ty {
            #[inline(always)]
            fn boxes(kept: &mut BoxKept) -> &mut Vec<Box<Self>> { &mut kept.$field }
            #[inline(always)]
            fn frame_boxes<'s, 'a>(kept: &'s mut FrameBoxKept<'a>) -> &'s mut Vec<FrameBox<'a, Self>> {
                &mut kept.$field
            }
            #[inline(always)]
            fn raw(kept: &mut RawKept) -> &mut Vec<*mut Self> { &mut kept.$field }
        })*
    };
}

/// Where each payload type's handles are kept (implemented by `payload_storage!`).
trait Stored: Sized {
    fn boxes(kept: &mut BoxKept) -> &mut Vec<Box<Self>>;
    fn frame_boxes<'s, 'a>(kept: &'s mut FrameBoxKept<'a>) -> &'s mut Vec<FrameBox<'a, Self>>;
    fn raw(kept: &mut RawKept) -> &mut Vec<*mut Self>;
}

payload_storage! {
    RigidBody => rigid_bodies,
    Manifold => manifolds,
    Proxy => proxies,
    DrawKey => draw_keys,
    Instance => instances,
    Particle => particles,
    Blob64 => blobs,
}

macro_rules! payload_impl {
    ($ty:ty, |$i:ident| $make:expr) => {
        impl Payload for $ty {
            #[inline(always)]
            fn make($i: u32) -> Self {
                $make
            }
        }
    };
}

payload_impl!(RigidBody, |i| RigidBody {
    pos: [i as f32, 0.0, 0.0],
    vel: [0.0, -9.81, 0.0],
    orient: [0.0, 0.0, 0.0, 1.0],
    ang_vel: [0.0; 3],
    inv_mass: 1.0,
    inv_inertia: [1.0; 9],
    id: i,
});
payload_impl!(Manifold, |i| Manifold {
    points: [[0.0; 4]; 4],
    normal: [0.0, 1.0, 0.0, 0.0],
    impulses: [0.0; 40],
    bodies: [i, i + 1],
    count: 4,
    flags: 0,
});
payload_impl!(Proxy, |i| Proxy {
    min: [i as f32, 0.0, 0.0, 0.0],
    max: [i as f32 + 1.0, 1.0, 1.0, 0.0],
    vel: [0.0; 4],
    body: i,
    layer: 1,
    mask: u32::MAX,
    next: u32::MAX,
});
payload_impl!(DrawKey, |i| DrawKey {
    sort_key: u64::from(i) << 32,
    mesh: i,
    material: i & 63,
    instance: i,
    pass: 0,
});
payload_impl!(Instance, |i| Instance {
    translation_scale: [i as f32, 0.0, 0.0, 1.0],
    color: [1.0; 4],
});
payload_impl!(Particle, |i| Particle {
    pos: [i as f32, 0.0, 0.0],
    vel: [0.0, 1.0, 0.0],
    color: [1.0, 0.5, 0.0, 1.0],
    age: 0.0,
    life: 2.0,
});
payload_impl!(Blob64, |_i| filled::<64>());

// ---------------------------------------------------------------------------------------
// Peers: one `Sink` per allocator; a frame's allocations all go through `put`.

trait Sink {
    fn put<T: Payload>(&mut self, value: T);
}

struct BumpaloSink<'s> {
    bump: &'s Bump,
    kept: &'s mut Vec<*mut u8>,
}

impl Sink for BumpaloSink<'_> {
    #[inline(always)]
    fn put<T: Payload>(&mut self, value: T) {
        let r = black_box(self.bump.alloc(value));
        self.kept.push(ptr::from_mut(r).cast());
    }
}

struct BumpScopeSink<'s, 'b> {
    bump: &'s BumpScope<'b>,
    kept: &'s mut Vec<*mut u8>,
}

impl Sink for BumpScopeSink<'_, '_> {
    #[inline(always)]
    fn put<T: Payload>(&mut self, value: T) {
        let r = black_box(self.bump.alloc(value).into_mut());
        self.kept.push(ptr::from_mut(r).cast());
    }
}

struct ScopedSink<'s, 'f> {
    frame: &'s Frame<'f>,
    kept: &'s mut Vec<*mut u8>,
}

impl Sink for ScopedSink<'_, '_> {
    #[inline(always)]
    fn put<T: Payload>(&mut self, value: T) {
        let r = black_box(self.frame.alloc(value));
        self.kept.push(ptr::from_mut(r).cast());
    }
}

struct ExplicitSink<'s, 'a> {
    alloc: &'a SmartAlloc,
    kept: &'s mut FrameBoxKept<'a>,
}

impl Sink for ExplicitSink<'_, '_> {
    #[inline(always)]
    fn put<T: Payload>(&mut self, value: T) {
        let boxed = self.alloc.frame_box(value);
        black_box(&*boxed);
        T::frame_boxes(self.kept).push(boxed);
    }
}

struct BoxSink<'s> {
    kept: &'s mut BoxKept,
}

impl Sink for BoxSink<'_> {
    #[inline(always)]
    fn put<T: Payload>(&mut self, value: T) {
        let boxed = Box::new(value);
        black_box(&*boxed);
        T::boxes(self.kept).push(boxed);
    }
}

struct MiSink<'s> {
    kept: &'s mut RawKept,
}

impl Sink for MiSink<'_> {
    #[inline(always)]
    fn put<T: Payload>(&mut self, value: T) {
        let layout = Layout::new::<T>();
        // SAFETY: the payloads are not zero-sized; a null result is handled before use.
        let p = unsafe { MiMalloc.alloc(layout) }.cast::<T>();
        if p.is_null() {
            handle_alloc_error(layout);
        }
        // SAFETY: `p` is a fresh, non-null block of `T`'s layout; it is written before
        // the shared reference is made and freed only by `RawKept::free_all`.
        unsafe {
            p.write(value);
            black_box(&*p);
        }
        T::raw(self.kept).push(p);
    }
}

// ---------------------------------------------------------------------------------------
// Workloads: what one frame allocates.

trait Workload {
    /// Allocations per frame (criterion's throughput elements).
    const ELEMENTS: u64;
    fn run(sink: &mut impl Sink);
}

/// 500 × 96 B + 100 × 256 B + 200 × 64 B.
struct Physics;

impl Workload for Physics {
    const ELEMENTS: u64 = 800;
    #[inline(always)]
    fn run(sink: &mut impl Sink) {
        for i in 0..500 {
            sink.put(RigidBody::make(i));
        }
        for i in 0..100 {
            sink.put(Manifold::make(i));
        }
        for i in 0..200 {
            sink.put(Proxy::make(i));
        }
    }
}

/// 2 000 × 24 B + 5 500 × 32 B.
struct Render;

impl Workload for Render {
    const ELEMENTS: u64 = 7500;
    #[inline(always)]
    fn run(sink: &mut impl Sink) {
        for i in 0..2000 {
            sink.put(DrawKey::make(i));
        }
        for i in 0..5500 {
            sink.put(Instance::make(i));
        }
    }
}

/// 50 000 × 48 B.
struct Particles;

impl Workload for Particles {
    const ELEMENTS: u64 = 50_000;
    #[inline(always)]
    fn run(sink: &mut impl Sink) {
        for i in 0..50_000 {
            sink.put(Particle::make(i));
        }
    }
}

/// N × 64 B.
struct Batch<const N: u32>;

impl<const N: u32> Workload for Batch<N> {
    const ELEMENTS: u64 = N as u64;
    #[inline(always)]
    fn run(sink: &mut impl Sink) {
        for i in 0..N {
            sink.put(Blob64::make(i));
        }
    }
}

/// One group: the workload's frames on every peer, each frame reset (or freed) at its end.
fn bench_workload<W: Workload>(c: &mut Criterion, group_name: &str) {
    let mut group = c.benchmark_group(group_name);
    group.throughput(Throughput::Elements(W::ELEMENTS));
    if W::ELEMENTS >= 10_000 {
        // Frames of ~1 ms: 20 samples fit the measurement time.
        group.sample_size(20);
    }
    let frame_len = W::ELEMENTS as usize;

    group.bench_function("bumpalo", |b| {
        let mut bump = Bump::with_capacity(ARENA_BYTES);
        let mut kept = Vec::with_capacity(frame_len);
        b.iter_custom(|iters| {
            time_batches(iters, || {
                W::run(&mut BumpaloSink {
                    bump: &bump,
                    kept: &mut kept,
                });
                kept.clear();
                bump.reset();
            })
        });
    });

    group.bench_function("bump_scope", |b| {
        let mut bump: ScopeBump = ScopeBump::with_size(ARENA_BYTES);
        let mut kept = Vec::with_capacity(frame_len);
        b.iter_custom(|iters| {
            time_batches(iters, || {
                bump.scoped(|scope| {
                    W::run(&mut BumpScopeSink {
                        bump: scope,
                        kept: &mut kept,
                    });
                    kept.clear();
                });
            })
        });
    });

    let alloc = smart_alloc();
    group.bench_function("framealloc_scoped", |b| {
        let mut kept = Vec::with_capacity(frame_len);
        b.iter_custom(|iters| {
            time_batches(iters, || {
                let frame = alloc.frame();
                W::run(&mut ScopedSink {
                    frame: &frame,
                    kept: &mut kept,
                });
                kept.clear();
            })
        });
    });

    group.bench_function("framealloc_explicit_kept", |b| {
        let mut kept = FrameBoxKept::default();
        b.iter_custom(|iters| {
            time_batches(iters, || {
                alloc.begin_frame();
                W::run(&mut ExplicitSink {
                    alloc: &alloc,
                    kept: &mut kept,
                });
                kept.clear();
                alloc.end_frame();
            })
        });
    });

    group.bench_function("system_box_kept", |b| {
        let mut kept = BoxKept::default();
        b.iter_custom(|iters| {
            time_batches(iters, || {
                W::run(&mut BoxSink { kept: &mut kept });
                kept.clear();
            })
        });
    });

    group.bench_function("mimalloc_kept", |b| {
        let mut kept = RawKept::default();
        b.iter_custom(|iters| {
            time_batches(iters, || {
                W::run(&mut MiSink { kept: &mut kept });
                kept.free_all();
            })
        });
    });
    group.finish();
}

fn workloads(c: &mut Criterion) {
    bench_workload::<Physics>(c, "frame/workload/physics");
    bench_workload::<Render>(c, "frame/workload/render");
    bench_workload::<Particles>(c, "frame/workload/particles");
}

fn batches(c: &mut Criterion) {
    bench_workload::<Batch<100>>(c, "frame/batch/100x64B");
    bench_workload::<Batch<1000>>(c, "frame/batch/1000x64B");
    bench_workload::<Batch<10_000>>(c, "frame/batch/10000x64B");
}

// ---------------------------------------------------------------------------------------
// One allocation per iteration.

/// One `[u8; N]` per iteration, `per_frame` per batch, reset per batch; explicit, `Box`
/// and mimalloc free each allocation at once (alloc + free is their steady state).
fn single_fixed<const N: usize>(c: &mut Criterion, label: &str, per_frame: u64) {
    let mut group = c.benchmark_group(format!("frame/single/{label}"));
    group.throughput(Throughput::Elements(per_frame));

    group.bench_function("bumpalo", |b| {
        let mut bump = Bump::with_capacity(ARENA_BYTES);
        b.iter_custom(|iters| {
            time_batches(iters, || {
                for _ in 0..per_frame {
                    black_box(bump.alloc(filled::<N>()));
                }
                bump.reset();
            })
        });
    });

    group.bench_function("bump_scope", |b| {
        let mut bump: ScopeBump = ScopeBump::with_size(ARENA_BYTES);
        b.iter_custom(|iters| {
            time_batches(iters, || {
                bump.scoped(|scope| {
                    for _ in 0..per_frame {
                        black_box(scope.alloc(filled::<N>()).into_mut());
                    }
                });
            })
        });
    });

    let alloc = smart_alloc();
    group.bench_function("framealloc_scoped", |b| {
        b.iter_custom(|iters| {
            time_batches(iters, || {
                let frame = alloc.frame();
                for _ in 0..per_frame {
                    black_box(frame.alloc(filled::<N>()));
                }
            })
        });
    });

    group.bench_function("framealloc_explicit_box_drop", |b| {
        b.iter_custom(|iters| {
            time_batches(iters, || {
                alloc.begin_frame();
                for _ in 0..per_frame {
                    let boxed = alloc.frame_box(filled::<N>());
                    black_box(&*boxed);
                }
                alloc.end_frame();
            })
        });
    });

    group.bench_function("system_box_drop", |b| {
        b.iter_custom(|iters| {
            time_batches(iters, || {
                for _ in 0..per_frame {
                    let boxed = Box::new(filled::<N>());
                    black_box(&*boxed);
                }
            })
        });
    });

    group.bench_function("mimalloc_alloc_dealloc", |b| {
        let layout = Layout::new::<[u8; N]>();
        b.iter_custom(|iters| {
            time_batches(iters, || {
                for _ in 0..per_frame {
                    // SAFETY: non-zero layout; the block is written, read, then freed once.
                    unsafe {
                        let p = MiMalloc.alloc(layout).cast::<[u8; N]>();
                        p.write(filled::<N>());
                        black_box(&*p);
                        MiMalloc.dealloc(p.cast(), layout);
                    }
                }
            })
        });
    });
    group.finish();
}

/// 64 KiB blocks as zero-filled slices: every peer allocates uninitialised room and fills
/// it in place (no 64 KiB stack copy on any side).
fn single_64k(c: &mut Criterion) {
    const LEN: usize = 64 * 1024;
    const PER_FRAME: u64 = 16;
    let mut group = c.benchmark_group("frame/single/64KiB");
    group.throughput(Throughput::Elements(PER_FRAME));

    group.bench_function("bumpalo", |b| {
        let mut bump = Bump::with_capacity(ARENA_BYTES);
        b.iter_custom(|iters| {
            time_batches(iters, || {
                for _ in 0..PER_FRAME {
                    let s = bump.alloc_slice_fill_with(LEN, |_| 0u8);
                    black_box(s.as_mut_ptr());
                }
                bump.reset();
            })
        });
    });

    group.bench_function("bump_scope", |b| {
        let mut bump: ScopeBump = ScopeBump::with_size(ARENA_BYTES);
        b.iter_custom(|iters| {
            time_batches(iters, || {
                bump.scoped(|scope| {
                    for _ in 0..PER_FRAME {
                        let s = scope.alloc_slice_fill_with(LEN, || 0u8).into_mut();
                        black_box(s.as_mut_ptr());
                    }
                });
            })
        });
    });

    let alloc = smart_alloc();
    group.bench_function("framealloc_scoped", |b| {
        b.iter_custom(|iters| {
            time_batches(iters, || {
                let frame = alloc.frame();
                for _ in 0..PER_FRAME {
                    let s = frame.alloc_slice_fill_with(LEN, |_| 0u8);
                    black_box(s.as_mut_ptr());
                }
            })
        });
    });

    group.bench_function("framealloc_explicit_box_drop", |b| {
        b.iter_custom(|iters| {
            time_batches(iters, || {
                alloc.begin_frame();
                for _ in 0..PER_FRAME {
                    let mut s = alloc.frame_slice::<u8>(LEN);
                    black_box(s.as_mut_ptr());
                }
                alloc.end_frame();
            })
        });
    });

    group.bench_function("system_box_drop", |b| {
        b.iter_custom(|iters| {
            time_batches(iters, || {
                for _ in 0..PER_FRAME {
                    let mut s = Box::<[u8]>::new_uninit_slice(LEN);
                    for byte in &mut s {
                        byte.write(0);
                    }
                    // SAFETY: every byte was written just above.
                    let mut s = unsafe { s.assume_init() };
                    black_box(s.as_mut_ptr());
                }
            })
        });
    });

    group.bench_function("mimalloc_alloc_dealloc", |b| {
        let layout = Layout::array::<u8>(LEN).expect("64 KiB layout");
        b.iter_custom(|iters| {
            time_batches(iters, || {
                for _ in 0..PER_FRAME {
                    // SAFETY: non-zero layout; null is checked; the block is filled, then
                    // freed once with the layout it was allocated with.
                    unsafe {
                        let p = MiMalloc.alloc(layout);
                        if p.is_null() {
                            handle_alloc_error(layout);
                        }
                        for i in 0..LEN {
                            p.add(i).write(0);
                        }
                        black_box(p);
                        MiMalloc.dealloc(p, layout);
                    }
                }
            })
        });
    });
    group.finish();
}

fn single(c: &mut Criterion) {
    single_fixed::<64>(c, "64B", 1000);
    single_fixed::<1024>(c, "1KiB", 1000);
    single_64k(c);
}

// ---------------------------------------------------------------------------------------
// `#[frame_scope]` against the hand-written guard.

const MACRO_N: u64 = 1000;

#[inline(never)]
fn guard_fn(alloc: &SmartAlloc) {
    let frame = alloc.frame();
    for _ in 0..MACRO_N {
        black_box(frame.alloc(filled::<64>()));
    }
}

#[frame_scope]
#[inline(never)]
fn macro_fn(alloc: &SmartAlloc) {
    for _ in 0..MACRO_N {
        black_box(alloc.alloc(filled::<64>()));
    }
}

#[inline(never)]
fn explicit_fn(alloc: &SmartAlloc) {
    alloc.begin_frame();
    for _ in 0..MACRO_N {
        let boxed = alloc.frame_box(filled::<64>());
        black_box(&*boxed);
    }
    alloc.end_frame();
}

#[inline(never)]
fn bumpalo_fn(bump: &mut Bump) {
    for _ in 0..MACRO_N {
        black_box(bump.alloc(filled::<64>()));
    }
    bump.reset();
}

fn scoped_vs_macro(c: &mut Criterion) {
    let mut group = c.benchmark_group("frame/scoped_vs_macro");
    group.throughput(Throughput::Elements(MACRO_N));
    let alloc = smart_alloc();
    group.bench_function("bumpalo", |b| {
        let mut bump = Bump::with_capacity(ARENA_BYTES);
        b.iter_custom(|iters| time_batches(iters, || bumpalo_fn(&mut bump)));
    });
    group.bench_function("framealloc_guard_fn", |b| {
        b.iter_custom(|iters| time_batches(iters, || guard_fn(&alloc)));
    });
    group.bench_function("framealloc_frame_scope_macro", |b| {
        b.iter_custom(|iters| time_batches(iters, || macro_fn(&alloc)));
    });
    group.bench_function("framealloc_explicit_box_drop", |b| {
        b.iter_custom(|iters| time_batches(iters, || explicit_fn(&alloc)));
    });
    group.finish();
}

// ---------------------------------------------------------------------------------------
// Threads: each runs its own frames on its own arena.

/// Allocations per frame per thread.
const THREAD_N: u64 = 10_000;

/// Spawns `threads` threads once per criterion sample; each makes its state, warms it up
/// with one frame, waits at a barrier, then runs `iters` frames. The clock runs from the
/// barrier to the join, so thread start-up and first-frame arena growth are not timed.
fn run_threads<S>(
    threads: usize,
    iters: u64,
    make: impl Fn() -> S + Sync,
    frame: impl Fn(&mut S) + Sync,
) -> Duration {
    let barrier = Barrier::new(threads + 1);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut state = make();
                frame(&mut state);
                barrier.wait();
                for _ in 0..iters {
                    frame(&mut state);
                }
            });
        }
        barrier.wait();
        Instant::now()
    })
    .elapsed()
}

fn threads(c: &mut Criterion) {
    let alloc = smart_alloc();
    for threads in [1usize, 2] {
        let mut group = c.benchmark_group(format!("frame/threads/{threads}"));
        // Time per allocation over all threads: perfect scaling halves it at 2 threads.
        group.throughput(Throughput::Elements(THREAD_N * threads as u64));
        group.bench_function("bumpalo", |b| {
            b.iter_custom(|iters| {
                run_threads(
                    threads,
                    iters,
                    || Bump::with_capacity(ARENA_BYTES),
                    |bump| {
                        for _ in 0..THREAD_N {
                            black_box(bump.alloc(filled::<64>()));
                        }
                        bump.reset();
                    },
                )
            });
        });
        group.bench_function("framealloc_scoped", |b| {
            b.iter_custom(|iters| {
                run_threads(
                    threads,
                    iters,
                    || (),
                    |()| {
                        let frame = alloc.frame();
                        for _ in 0..THREAD_N {
                            black_box(frame.alloc(filled::<64>()));
                        }
                    },
                )
            });
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::criterion_config();
    targets = single, batches, workloads, scoped_vs_macro, threads
}
criterion_main!(benches);
