//! The operation language of the reliability suite, and the model that checks it.
//!
//! An [`Op`] is decoded from [`OP_BYTES`] bytes, so the proptest model
//! (`integration/model.rs`, which generates byte records) and the libFuzzer target
//! (`fuzz/fuzz_targets/ops.rs`, which gets raw bytes) drive the same language through the
//! same [`run`]. Every operation of the public API is in it: explicit frames and two
//! allocators' nested guards, explicit and scoped allocations of random size and
//! alignment, `FrameVec` growth, pool boxes, arcs and weaks (some dropped on another
//! thread), heap boxes and vectors, tags, tag and thread budgets under both policies,
//! transfer handles received on another thread, and task frames.
//!
//! After every step [`run`] checks: the contents of everything live (fill patterns), that
//! no two live blocks overlap, alignment, that each `try_` call returned what the model
//! predicts (`NotInFrame`, `AlreadyInFrame`, `CapacityOverflow`, `BudgetExceeded` with its
//! fields), the frame state of both allocators, and `stats()`: pool and heap
//! `live_bytes` per tag exactly, explicit frame handles per tag exactly, frame bytes of
//! an open frame at least what the model allocated under each tag and zero once the
//! frame is over, task-frame bytes credited exactly at reset and drop.

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use framealloc::{
    AllocConfig, BudgetEvent, BudgetPolicy, BudgetScope, Error, Frame, FrameBox, FrameVec, HeapBox,
    HeapVec, MisusePolicy, PoolArc, PoolBox, PoolWeak, SmartAlloc, TaskFrame, TransferHandle,
};

/// Bytes one operation is decoded from.
pub const OP_BYTES: usize = 8;

/// Tag names the model pushes (interned once per process).
pub const TAGS: [&str; 3] = ["rel.model.a", "rel.model.b", "rel.model.c"];

/// Budget sizes the model sets (`None` removes the budget).
const BUDGETS: [Option<u64>; 6] = [
    Some(64),
    Some(300),
    Some(1024),
    Some(4096),
    Some(1 << 16),
    None,
];

/// Whether a failed explicit frame call made inside a frame (`CapacityOverflow`, a
/// budget refusal) still counts in `Kind::Frame` `allocations`. It did (the constructors
/// take the handle's hold before they can fail), against `Error`'s "a call that fails
/// leaves the allocator's state unchanged"; fixed, so the model expects `false`
/// (`model::failed_frame_calls_are_not_allocations`).
const FAILED_CALLS_COUNTED: bool = false;

/// Element shape of a frame or task allocation: size and alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `u8`: size 1, align 1.
    U8,
    /// `u64`: size 8, align 8.
    U64,
    /// [`A64`]: size 64, align 64.
    A64,
    /// One [`A4096`]: size 4096, align 4096 (the length is ignored).
    A4096,
}

/// 64 bytes aligned to 64.
#[repr(C, align(64))]
#[derive(Debug, Default, Clone, Copy)]
pub struct A64(pub [u64; 8]);

/// 4096 bytes aligned to 4096.
#[repr(C, align(4096))]
#[derive(Debug, Clone, Copy)]
pub struct A4096(pub [u8; 4096]);

/// Size of a pool allocation: three pool classes, one too big for the pools and one too
/// aligned (both served by the pool's fallback).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolSize {
    /// `[u64; 1]`.
    B8,
    /// `[u64; 4]`.
    B32,
    /// `[u64; 32]`.
    B256,
    /// `[u64; 256]`, past the largest class.
    B2048,
    /// [`A64`], past the largest pool alignment.
    A64,
}

/// One operation. `a` picks one of the two allocators (0: `BudgetPolicy::Warn`,
/// 1: `Enforce` with `MisusePolicy::Log`); `pick` indexes a list of live things (modulo
/// its length; nothing happens if it is empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Op {
    Begin {
        a: usize,
    },
    End {
        a: usize,
    },
    OpenGuard {
        a: usize,
    },
    CloseGuard {
        a: usize,
    },
    /// `try_frame_slice` (or `try_frame_box` for `A4096`), filled with a pattern.
    FrameSlice {
        a: usize,
        shape: Shape,
        len: usize,
    },
    /// `try_frame_vec::<u32>()`.
    FrameVec {
        a: usize,
    },
    /// Push `n` elements onto a live `FrameVec` (growth).
    VecPush {
        pick: usize,
        n: usize,
    },
    /// Drop an explicit frame handle.
    DropFrame {
        pick: usize,
    },
    /// Allocate through the innermost guard of `a` (scoped path).
    Scoped {
        a: usize,
        shape: Shape,
        len: usize,
    },
    /// Requests whose size overflows: frame slice, frame vec and heap vec.
    Overflow {
        a: usize,
    },
    PoolBox {
        a: usize,
        size: PoolSize,
    },
    PoolArc {
        a: usize,
        size: PoolSize,
    },
    ArcClone {
        pick: usize,
    },
    Downgrade {
        pick: usize,
    },
    Upgrade {
        pick: usize,
    },
    /// Drop a pool box, arc or weak, here or on the worker thread.
    DropPool {
        pick: usize,
        remote: bool,
    },
    HeapBox {
        a: usize,
    },
    /// A new `HeapVec<u8>` with room for `n`, filled.
    HeapVec {
        a: usize,
        n: usize,
    },
    /// Push `n` bytes onto a live `HeapVec` (growth through the heap allocator).
    HeapPush {
        pick: usize,
        n: usize,
    },
    DropHeap {
        pick: usize,
        remote: bool,
    },
    PushTag {
        tag: usize,
    },
    PopTag,
    TagBudget {
        a: usize,
        tag: usize,
        budget: usize,
    },
    ThreadBudget {
        a: usize,
        budget: usize,
    },
    /// A `FrameVec<u32>` of `n` elements into a `TransferHandle`, kept.
    Transfer {
        a: usize,
        n: usize,
    },
    /// Receive a kept transfer handle on the worker thread.
    Receive {
        pick: usize,
    },
    TaskFrame {
        a: usize,
        tag: usize,
    },
    TaskAlloc {
        pick: usize,
        shape: Shape,
        len: usize,
    },
    TaskReset {
        pick: usize,
    },
    TaskDrop {
        pick: usize,
        remote: bool,
    },
}

const SHAPES: [Shape; 4] = [Shape::U8, Shape::U64, Shape::A64, Shape::A4096];
const POOL_SIZES: [PoolSize; 5] = [
    PoolSize::B8,
    PoolSize::B32,
    PoolSize::B256,
    PoolSize::B2048,
    PoolSize::A64,
];

impl Op {
    /// Decode one operation from a record. Every record decodes to some operation.
    pub fn decode(b: [u8; OP_BYTES]) -> Op {
        let a = usize::from(b[1] & 1);
        let pick = usize::from(u16::from_le_bytes([b[2], b[3]]));
        let remote = b[1] & 2 != 0;
        let shape = SHAPES[usize::from(b[4]) % SHAPES.len()];
        let size = POOL_SIZES[usize::from(b[4]) % POOL_SIZES.len()];
        // Lengths mostly small, sometimes past an arena chunk (up to 16 KiB of `u8`,
        // 64 KiB of `u64`, 128 KiB of `A64`).
        let len = if b[5] & 0xC0 == 0xC0 {
            let long = usize::from(u16::from_le_bytes([b[6], b[7]]));
            if shape == Shape::A64 {
                long % 2048
            } else {
                long % 8192
            }
        } else {
            usize::from(b[6])
        };
        // Under Miri every byte costs: small blocks (the paths are the same).
        let len = if cfg!(miri) { len % 16 } else { len };
        let tag = usize::from(b[5]) % TAGS.len();
        let budget = usize::from(b[7]) % BUDGETS.len();
        match b[0] % 30 {
            0 => Op::Begin { a },
            1 => Op::End { a },
            2 => Op::OpenGuard { a },
            3 => Op::CloseGuard { a },
            4 | 5 => Op::FrameSlice { a, shape, len },
            6 => Op::FrameVec { a },
            7 => Op::VecPush { pick, n: len },
            8 => Op::DropFrame { pick },
            9 => Op::Scoped { a, shape, len },
            10 => Op::Overflow { a },
            11 => Op::PoolBox { a, size },
            12 => Op::PoolArc { a, size },
            13 => Op::ArcClone { pick },
            14 => Op::Downgrade { pick },
            15 => Op::Upgrade { pick },
            16 => Op::DropPool { pick, remote },
            17 => Op::HeapBox { a },
            18 => Op::HeapVec { a, n: len },
            19 => Op::HeapPush { pick, n: len },
            20 => Op::DropHeap { pick, remote },
            21 => Op::PushTag { tag },
            22 => Op::PopTag,
            23 => Op::TagBudget { a, tag, budget },
            24 => Op::ThreadBudget { a, budget },
            25 => Op::Transfer { a, n: len },
            26 => Op::Receive { pick },
            27 => Op::TaskFrame { a, tag },
            28 => Op::TaskAlloc { pick, shape, len },
            _ => match b[1] >> 2 & 3 {
                0 | 1 => Op::TaskDrop { pick, remote },
                _ => Op::TaskReset { pick },
            },
        }
    }

    /// Decode every whole record of `bytes` (a trailing partial record is ignored).
    pub fn decode_all(bytes: &[u8]) -> Vec<Op> {
        bytes
            .chunks_exact(OP_BYTES)
            .map(|c| Op::decode(c.try_into().expect("chunks_exact gives whole records")))
            .collect()
    }
}

/// The pattern byte `i` of a block filled with `seed`.
fn pattern(seed: u8, i: usize) -> u8 {
    (i as u8).wrapping_mul(31) ^ seed
}

/// Fill `len` bytes at `ptr` with the pattern of `seed`.
///
/// # Safety
///
/// `ptr` is valid for writes of `len` bytes.
unsafe fn fill(ptr: *mut u8, len: usize, seed: u8) {
    for i in 0..len {
        // SAFETY: in bounds by the caller's guarantee.
        unsafe { ptr.add(i).write(pattern(seed, i)) };
    }
}

/// Check the pattern of `seed` in `len` bytes at `ptr`.
///
/// # Safety
///
/// `ptr` is valid for reads of `len` initialised bytes.
unsafe fn check(ptr: *const u8, len: usize, seed: u8, what: &str) {
    for i in 0..len {
        // SAFETY: in bounds by the caller's guarantee.
        let got = unsafe { ptr.add(i).read() };
        assert_eq!(got, pattern(seed, i), "{what}: byte {i} of {len} changed");
    }
}

/// Check a block after a step: every byte of a small block; of a large one both ends and
/// every 61st byte in between (it is checked in full when it is dropped).
///
/// # Safety
///
/// As [`check`].
unsafe fn check_sampled(ptr: *const u8, len: usize, seed: u8, what: &str) {
    const ENDS: usize = 64;
    if len <= 4 * ENDS {
        // SAFETY: forwarded.
        return unsafe { check(ptr, len, seed, what) };
    }
    let inner = (ENDS..len - ENDS).step_by(61);
    for i in (0..ENDS).chain(inner).chain(len - ENDS..len) {
        // SAFETY: in bounds by the caller's guarantee.
        let got = unsafe { ptr.add(i).read() };
        assert_eq!(got, pattern(seed, i), "{what}: byte {i} of {len} changed");
    }
}

impl Block {
    /// Check every byte (before the block is dropped).
    fn check_full(&self) {
        if let Some(seed) = self.seed {
            // SAFETY: a live block of the model (see `Model::check`).
            unsafe { check(self.ptr, self.len, seed, self.what) };
        }
    }
}

/// A block of memory the model checks: where, how long, the pattern, what it is.
#[derive(Debug, Clone, Copy)]
struct Block {
    ptr: *const u8,
    len: usize,
    align: usize,
    /// The fill pattern, or `None` for blocks checked for overlap only.
    seed: Option<u8>,
    what: &'static str,
}

/// An explicit frame handle.
enum FrameHandle<'a> {
    U8(FrameBox<'a, [u8]>),
    U64(FrameBox<'a, [u64]>),
    A64(FrameBox<'a, [A64]>),
    A4096(FrameBox<'a, A4096>),
    Vec(FrameVec<'a, u32>),
}

impl FrameHandle<'_> {
    fn block(&self, seed: u8) -> Block {
        let (ptr, len, align, what) = match self {
            FrameHandle::U8(b) => (b.as_ptr(), b.len(), 1, "frame slice u8"),
            FrameHandle::U64(b) => (b.as_ptr().cast(), b.len() * 8, 8, "frame slice u64"),
            FrameHandle::A64(b) => (b.as_ptr().cast(), b.len() * 64, 64, "frame slice A64"),
            FrameHandle::A4096(b) => (FrameBox::as_ptr(b).cast(), 4096, 4096, "frame box A4096"),
            FrameHandle::Vec(v) => (v.as_ptr().cast(), v.capacity() * 4, 4, "frame vec"),
        };
        // Vectors are checked element by element (`Model::check`).
        let seed = (!matches!(self, FrameHandle::Vec(_))).then_some(seed);
        Block {
            ptr,
            len,
            align,
            seed,
            what,
        }
    }

    fn bytes_mut(&mut self) -> (*mut u8, usize) {
        match self {
            FrameHandle::U8(b) => (b.as_mut_ptr(), b.len()),
            FrameHandle::U64(b) => (b.as_mut_ptr().cast(), b.len() * 8),
            FrameHandle::A64(b) => (b.as_mut_ptr().cast(), b.len() * 64),
            FrameHandle::A4096(b) => (core::ptr::from_mut(&mut **b).cast(), 4096),
            FrameHandle::Vec(v) => (v.as_mut_ptr().cast(), v.len() * 4),
        }
    }
}

struct LiveFrame<'a> {
    a: usize,
    seed: u8,
    handle: FrameHandle<'a>,
}

/// A pool handle of one of the model's sizes.
enum PoolHandle {
    B8(PoolBox<[u64; 1]>),
    B32(PoolBox<[u64; 4]>),
    B256(PoolBox<[u64; 32]>),
    B2048(PoolBox<[u64; 256]>),
    A64(PoolBox<A64>),
    Arc32(PoolArc<[u64; 4]>),
    Arc256(PoolArc<[u64; 32]>),
    Weak32(PoolWeak<[u64; 4]>),
    Weak256(PoolWeak<[u64; 32]>),
}

/// Bytes accounted for a `PoolArc<T>`: the two counts, the slot pointer and the value.
const fn arc_bytes<T>() -> u64 {
    (3 * size_of::<usize>() + size_of::<T>()) as u64
}

impl PoolHandle {
    /// The value's bytes, if this is a strong handle.
    fn bytes(&self) -> Option<(*const u8, usize, usize)> {
        fn of<T>(r: &T) -> (*const u8, usize, usize) {
            (
                core::ptr::from_ref(r).cast(),
                size_of::<T>(),
                align_of::<T>(),
            )
        }
        Some(match self {
            PoolHandle::B8(b) => of(&**b),
            PoolHandle::B32(b) => of(&**b),
            PoolHandle::B256(b) => of(&**b),
            PoolHandle::B2048(b) => of(&**b),
            PoolHandle::A64(b) => of(&**b),
            PoolHandle::Arc32(b) => of(&**b),
            PoolHandle::Arc256(b) => of(&**b),
            PoolHandle::Weak32(_) | PoolHandle::Weak256(_) => return None,
        })
    }

    fn is_box(&self) -> bool {
        !matches!(
            self,
            PoolHandle::Arc32(_)
                | PoolHandle::Arc256(_)
                | PoolHandle::Weak32(_)
                | PoolHandle::Weak256(_)
        )
    }
}

/// A pool object of the model: who accounts it, and its references.
struct PoolObject {
    a: usize,
    tag: &'static str,
    bytes: u64,
    seed: u8,
    strong: usize,
    weak: usize,
}

struct LivePool {
    id: usize,
    handle: PoolHandle,
}

enum HeapHandle {
    Box(HeapBox<[u64; 64]>),
    Vec(HeapVec<u8>),
}

struct LiveHeap {
    a: usize,
    tag: &'static str,
    seed: u8,
    handle: HeapHandle,
}

impl LiveHeap {
    /// Bytes accounted: the box's size or the vector's capacity.
    fn accounted(&self) -> u64 {
        match &self.handle {
            HeapHandle::Box(_) => 512,
            HeapHandle::Vec(v) => v.capacity() as u64,
        }
    }

    fn block(&self) -> Block {
        let (ptr, len, align) = match &self.handle {
            HeapHandle::Box(b) => (b.as_ptr().cast(), 512, 8),
            HeapHandle::Vec(v) => (v.as_ptr(), v.len(), 1),
        };
        Block {
            ptr,
            len,
            align,
            seed: Some(self.seed),
            what: "heap",
        }
    }
}

struct LiveTask {
    a: usize,
    tag: &'static str,
    frame: TaskFrame,
    blocks: Vec<Block>,
}

/// A job for the worker thread; its result is checked by the model.
type Job = Box<dyn FnOnce() -> Result<(), String> + Send>;

/// A second thread that runs jobs one at a time, each acknowledged before the model's
/// next step (so `stats()` after a step sees its effects).
struct Worker {
    jobs: Option<mpsc::Sender<Job>>,
    done: mpsc::Receiver<Result<(), String>>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    fn new() -> Worker {
        let (jobs, rx) = mpsc::channel::<Job>();
        let (tx, done) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            for job in rx {
                if tx.send(job()).is_err() {
                    break;
                }
            }
        });
        Worker {
            jobs: Some(jobs),
            done,
            thread: Some(thread),
        }
    }

    fn run(&self, job: impl FnOnce() -> Result<(), String> + Send + 'static) {
        self.jobs
            .as_ref()
            .expect("worker running")
            .send(Box::new(job))
            .expect("worker alive");
        let result = self.done.recv().expect("worker answered");
        if let Err(e) = result {
            panic!("worker: {e}");
        }
    }
}

impl Worker {
    /// Drop `value` on the worker thread (and wait until it is gone).
    fn drop_there(&self, value: impl Send + 'static) {
        self.run(move || {
            drop(value);
            Ok(())
        });
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(t) = self.thread.take() {
            // A worker panic was already reported through its job's result.
            let _ = t.join();
        }
    }
}

/// What the model knows per allocator.
#[derive(Default)]
struct AllocModel {
    explicit: bool,
    guards: usize,
    /// Explicit frame handles made, per tag (cumulative: `allocations` of `Kind::Frame`).
    handles_made: BTreeMap<&'static str, u64>,
    /// Bytes the model asked for under each tag in the current frame.
    frame_bytes: BTreeMap<&'static str, u64>,
    tag_budgets: BTreeMap<&'static str, u64>,
    thread_budget: Option<u64>,
}

impl AllocModel {
    fn in_frame(&self) -> bool {
        self.explicit || self.guards > 0
    }
}

/// Run `ops` against two fresh allocators, checking everything after every step. With
/// `FRAMEALLOC_MODEL_TRACE` set, each step is printed to stderr first (run the test with
/// `--nocapture`).
///
/// # Panics
///
/// When the allocator disagrees with the model (that is the point).
pub fn run(ops: &[Op]) {
    let allocs = [
        SmartAlloc::new(AllocConfig::default()),
        SmartAlloc::new(AllocConfig {
            budget_policy: BudgetPolicy::Enforce,
            on_misuse: MisusePolicy::Log,
            ..AllocConfig::default()
        }),
    ];
    let events: [Arc<Mutex<Vec<BudgetEvent>>>; 2] = Default::default();
    for (alloc, sink) in allocs.iter().zip(&events) {
        let sink = sink.clone();
        alloc.on_budget_event(move |e| {
            sink.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(e.clone());
        });
    }
    let mut m = Model {
        allocs: &allocs,
        models: Default::default(),
        guards: [Vec::new(), Vec::new()],
        frames: Vec::new(),
        scoped: [Vec::new(), Vec::new()],
        objects: Vec::new(),
        pool: Vec::new(),
        heap: Vec::new(),
        tags: Vec::new(),
        transfers: Vec::new(),
        tasks: Vec::new(),
        events: &events,
        worker: Worker::new(),
        next_seed: 0,
    };
    for (step, op) in ops.iter().enumerate() {
        if std::env::var_os("FRAMEALLOC_MODEL_TRACE").is_some() {
            eprintln!("step {step}: {op:?}");
        }
        m.step(*op);
        m.check(step, *op);
    }
    m.finish();
}

/// Run the operations decoded from `bytes` (the fuzz target's entry point).
pub fn run_bytes(bytes: &[u8]) {
    run(&Op::decode_all(bytes));
}

struct Model<'a> {
    allocs: &'a [SmartAlloc; 2],
    models: [AllocModel; 2],
    guards: [Vec<Frame<'a>>; 2],
    frames: Vec<LiveFrame<'a>>,
    /// Scoped allocations, valid while their allocator's frame is open.
    scoped: [Vec<Block>; 2],
    objects: Vec<Option<PoolObject>>,
    pool: Vec<LivePool>,
    heap: Vec<LiveHeap>,
    tags: Vec<framealloc::TagGuard>,
    transfers: Vec<(TransferHandle<Vec<u32>>, u8)>,
    tasks: Vec<LiveTask>,
    events: &'a [Arc<Mutex<Vec<BudgetEvent>>>; 2],
    worker: Worker,
    next_seed: u8,
}

fn pick<T>(list: &[T], i: usize) -> Option<usize> {
    (!list.is_empty()).then(|| i % list.len())
}

impl<'a> Model<'a> {
    fn seed(&mut self) -> u8 {
        self.next_seed = self.next_seed.wrapping_add(1);
        self.next_seed
    }

    fn tag(&self) -> &'static str {
        self.allocs[0].current_tag()
    }

    /// The tag's frame bytes in `a`'s stats (checkpointed by `stats()` itself).
    fn frame_live(&self, a: usize, tag: &str) -> u64 {
        self.allocs[a]
            .stats()
            .tag(tag)
            .map_or(0, |t| t.kind(framealloc::Kind::Frame).live_bytes)
    }

    /// Pool plus heap bytes the model has live under `tag` on `a`.
    fn persistent_live(&self, a: usize, tag: &str) -> u64 {
        let pool: u64 = self
            .objects
            .iter()
            .flatten()
            .filter(|o| o.a == a && o.tag == tag)
            .map(|o| o.bytes)
            .sum();
        let heap: u64 = self
            .heap
            .iter()
            .filter(|h| h.a == a && h.tag == tag)
            .map(LiveHeap::accounted)
            .sum();
        pool + heap
    }

    /// What a `try_` pool or heap allocation of `bytes` on `a` must return: refused under
    /// `Enforce` iff the current tag's budget would be passed.
    fn persistent_verdict(&self, a: usize, bytes: u64) -> Result<(), Error> {
        let tag = self.tag();
        let Some(&limit) = self.models[a].tag_budgets.get(tag) else {
            return Ok(());
        };
        if a == 0 || cfg!(feature = "minimal") {
            return Ok(());
        }
        let used = self.frame_live(a, tag) + self.persistent_live(a, tag);
        if used + bytes > limit {
            Err(Error::BudgetExceeded {
                tag,
                limit,
                requested: bytes,
            })
        } else {
            Ok(())
        }
    }

    /// A frame allocation's error is one the model allows: `NotInFrame` exactly when no
    /// frame is open; a budget refusal only under `Enforce` with a budget that applies.
    fn frame_error(&mut self, a: usize, e: &Error, requested: u64) {
        if !self.models[a].in_frame() {
            assert_eq!(*e, Error::NotInFrame);
            return;
        }
        self.failed_in_frame(a, 1);
        let m = &self.models[a];
        match e {
            Error::BudgetExceeded {
                tag,
                limit,
                requested: r,
            } if a == 1 => {
                assert_eq!(*tag, self.tag());
                let tag_limit = m.tag_budgets.get(tag).copied();
                assert!(
                    Some(*limit) == m.thread_budget || Some(*limit) == tag_limit,
                    "refused with limit {limit}, budgets {:?}/{tag_limit:?}",
                    m.thread_budget
                );
                assert!(*r >= requested, "requested {r} < {requested}");
            }
            other => panic!("frame allocation failed in a frame: {other:?}"),
        }
    }

    /// `calls` explicit frame calls failed inside a frame (see [`FAILED_CALLS_COUNTED`]).
    fn failed_in_frame(&mut self, a: usize, calls: u64) {
        if FAILED_CALLS_COUNTED {
            let tag = self.tag();
            *self.models[a].handles_made.entry(tag).or_default() += calls;
        }
    }

    fn new_frame(&mut self, a: usize, handle: FrameHandle<'a>, bytes: u64) {
        let seed = self.seed();
        let mut live = LiveFrame { a, seed, handle };
        let (ptr, len) = live.handle.bytes_mut();
        if !matches!(live.handle, FrameHandle::Vec(_)) {
            // SAFETY: the handle's own bytes; every shape is plain data.
            unsafe { fill(ptr, len, seed) };
        }
        let tag = self.tag();
        *self.models[a].handles_made.entry(tag).or_default() += 1;
        *self.models[a].frame_bytes.entry(tag).or_default() += bytes;
        self.frames.push(live);
    }

    #[allow(clippy::too_many_lines)]
    fn step(&mut self, op: Op) {
        let allocs = self.allocs;
        match op {
            Op::Begin { a } => {
                let r = allocs[a].try_begin_frame();
                if self.models[a].explicit {
                    assert_eq!(r, Err(Error::AlreadyInFrame));
                } else {
                    assert_eq!(r, Ok(()));
                    self.models[a].explicit = true;
                }
            }
            Op::End { a } => {
                let r = allocs[a].try_end_frame();
                if self.models[a].explicit {
                    assert_eq!(r, Ok(()));
                    self.models[a].explicit = false;
                } else {
                    assert_eq!(r, Err(Error::NotInFrame));
                }
            }
            Op::OpenGuard { a } => {
                self.guards[a].push(allocs[a].frame());
                self.models[a].guards += 1;
            }
            Op::CloseGuard { a } => {
                if self.guards[a].pop().is_some() {
                    self.models[a].guards -= 1;
                }
            }
            Op::FrameSlice { a, shape, len } => self.frame_slice(a, shape, len),
            Op::FrameVec { a } => match allocs[a].try_frame_vec::<u32>() {
                Ok(v) => self.new_frame(a, FrameHandle::Vec(v), 0),
                Err(e) => self.frame_error(a, &e, 0),
            },
            Op::VecPush { pick: i, n } => {
                let Some(i) = pick(&self.frames, i) else {
                    return;
                };
                let tag = self.tag();
                let live = &mut self.frames[i];
                if let FrameHandle::Vec(v) = &mut live.handle {
                    let before = v.capacity();
                    let seed = u32::from(live.seed);
                    let start = v.len();
                    v.extend((start..start + n).map(|i| seed ^ i as u32));
                    let grown = (v.capacity() - before) as u64 * 4;
                    // Growth is this frame's only if the vector's frame is the open one.
                    let m = &mut self.models[live.a];
                    if m.in_frame() {
                        *m.frame_bytes.entry(tag).or_default() += grown;
                    }
                }
            }
            Op::DropFrame { pick: i } => {
                if let Some(i) = pick(&self.frames, i) {
                    let live = self.frames.swap_remove(i);
                    live.handle.block(live.seed).check_full();
                }
            }
            Op::Scoped { a, shape, len } => self.scoped_alloc(a, shape, len),
            Op::Overflow { a } => {
                let huge = usize::MAX / 4;
                let expect = if self.models[a].in_frame() {
                    self.failed_in_frame(a, 2);
                    Error::CapacityOverflow
                } else {
                    Error::NotInFrame
                };
                assert_eq!(
                    allocs[a].try_frame_slice::<u64>(huge).err(),
                    Some(expect.clone())
                );
                assert_eq!(
                    allocs[a].try_frame_vec_with_capacity::<u64>(huge).err(),
                    Some(expect)
                );
                assert_eq!(
                    allocs[a].try_heap_vec_with_capacity::<u64>(huge).err(),
                    Some(Error::CapacityOverflow)
                );
            }
            Op::PoolBox { a, size } => self.pool_box(a, size),
            Op::PoolArc { a, size } => self.pool_arc(a, size),
            Op::ArcClone { pick: i } => {
                let Some(i) = pick(&self.pool, i) else { return };
                let live = &self.pool[i];
                let handle = match &live.handle {
                    PoolHandle::Arc32(x) => PoolHandle::Arc32(x.clone()),
                    PoolHandle::Arc256(x) => PoolHandle::Arc256(x.clone()),
                    PoolHandle::Weak32(x) => PoolHandle::Weak32(x.clone()),
                    PoolHandle::Weak256(x) => PoolHandle::Weak256(x.clone()),
                    _ => return,
                };
                let id = live.id;
                let object = self.objects[id].as_mut().expect("live object");
                if handle.bytes().is_some() {
                    object.strong += 1;
                } else {
                    object.weak += 1;
                }
                self.pool.push(LivePool { id, handle });
            }
            Op::Downgrade { pick: i } => {
                let Some(i) = pick(&self.pool, i) else { return };
                let live = &self.pool[i];
                let handle = match &live.handle {
                    PoolHandle::Arc32(x) => PoolHandle::Weak32(PoolArc::downgrade(x)),
                    PoolHandle::Arc256(x) => PoolHandle::Weak256(PoolArc::downgrade(x)),
                    _ => return,
                };
                let id = live.id;
                self.objects[id].as_mut().expect("live object").weak += 1;
                self.pool.push(LivePool { id, handle });
            }
            Op::Upgrade { pick: i } => {
                let Some(i) = pick(&self.pool, i) else { return };
                let live = &self.pool[i];
                let id = live.id;
                let upgraded = match &live.handle {
                    PoolHandle::Weak32(w) => w.upgrade().map(PoolHandle::Arc32),
                    PoolHandle::Weak256(w) => w.upgrade().map(PoolHandle::Arc256),
                    _ => return,
                };
                let object = self.objects[id].as_mut().expect("live object");
                assert_eq!(upgraded.is_some(), object.strong > 0, "upgrade");
                if let Some(handle) = upgraded {
                    object.strong += 1;
                    self.pool.push(LivePool { id, handle });
                }
            }
            Op::DropPool { pick: i, remote } => {
                let Some(i) = pick(&self.pool, i) else { return };
                let live = self.pool.swap_remove(i);
                let id = live.id;
                let strong = live.handle.bytes().is_some();
                if remote {
                    self.worker.drop_there(live.handle);
                } else {
                    drop(live);
                }
                let object = self.objects[id].as_mut().expect("live object");
                if strong {
                    object.strong -= 1;
                } else {
                    object.weak -= 1;
                }
                if object.strong == 0 && object.weak == 0 {
                    self.objects[id] = None;
                }
            }
            Op::HeapBox { a } => {
                let verdict = self.persistent_verdict(a, 512);
                let r = allocs[a].try_heap_box([0u64; 64]);
                assert_eq!(r.as_ref().err(), verdict.err().as_ref(), "try_heap_box");
                if let Ok(mut b) = r {
                    let seed = self.seed();
                    // SAFETY: the box's own 512 bytes of plain data.
                    unsafe { fill(b.as_mut_ptr().cast(), 512, seed) };
                    let tag = self.tag();
                    self.heap.push(LiveHeap {
                        a,
                        tag,
                        seed,
                        handle: HeapHandle::Box(b),
                    });
                }
            }
            Op::HeapVec { a, n } => {
                let verdict = if n == 0 {
                    Ok(())
                } else {
                    self.persistent_verdict(a, n as u64)
                };
                let r = allocs[a].try_heap_vec_with_capacity::<u8>(n);
                assert_eq!(r.as_ref().err(), verdict.err().as_ref(), "try_heap_vec");
                if let Ok(mut v) = r {
                    let seed = self.seed();
                    v.extend((0..n).map(|i| pattern(seed, i)));
                    let tag = self.tag();
                    self.heap.push(LiveHeap {
                        a,
                        tag,
                        seed,
                        handle: HeapHandle::Vec(v),
                    });
                }
            }
            Op::HeapPush { pick: i, n } => {
                let Some(i) = pick(&self.heap, i) else { return };
                let live = &mut self.heap[i];
                let seed = live.seed;
                if let HeapHandle::Vec(v) = &mut live.handle {
                    // Growth is checked against the budget but, as a collection's
                    // allocator cannot return an error, under `MisusePolicy::Log` it
                    // allocates anyway.
                    let start = v.len();
                    v.extend((start..start + n).map(|i| pattern(seed, i)));
                }
            }
            Op::DropHeap { pick: i, remote } => {
                let Some(i) = pick(&self.heap, i) else { return };
                let live = self.heap.swap_remove(i);
                live.block().check_full();
                if remote {
                    self.worker.drop_there(live.handle);
                }
            }
            Op::PushTag { tag } => {
                self.tags.push(allocs[0].tag(TAGS[tag]));
            }
            Op::PopTag => drop(self.tags.pop()),
            Op::TagBudget { a, tag, budget } => {
                let name = TAGS[tag];
                allocs[a].set_tag_budget(name, BUDGETS[budget].unwrap_or(u64::MAX));
                match BUDGETS[budget] {
                    Some(b) => self.models[a].tag_budgets.insert(name, b),
                    None => self.models[a].tag_budgets.remove(name),
                };
                assert_eq!(allocs[a].tag_budget(name), BUDGETS[budget]);
            }
            Op::ThreadBudget { a, budget } => {
                allocs[a].set_thread_frame_budget(BUDGETS[budget].unwrap_or(u64::MAX));
                self.models[a].thread_budget = BUDGETS[budget];
                assert_eq!(allocs[a].thread_frame_budget(), BUDGETS[budget]);
            }
            Op::Transfer { a, n } => match allocs[a].try_frame_vec::<u32>() {
                Ok(mut v) => {
                    let seed = self.seed();
                    v.extend((0..n).map(|i| u32::from(seed) ^ i as u32));
                    let tag = self.tag();
                    *self.models[a].handles_made.entry(tag).or_default() += 1;
                    *self.models[a].frame_bytes.entry(tag).or_default() += n as u64 * 4;
                    let handle = allocs[a].frame_box_for_transfer(v);
                    assert_eq!(handle.get().len(), n);
                    self.transfers.push((handle, seed));
                }
                Err(e) => self.frame_error(a, &e, 0),
            },
            Op::Receive { pick: i } => {
                let Some(i) = pick(&self.transfers, i) else {
                    return;
                };
                let (handle, seed) = self.transfers.swap_remove(i);
                self.worker.run(move || {
                    let data = handle.receive();
                    for (i, x) in data.iter().enumerate() {
                        if *x != u32::from(seed) ^ i as u32 {
                            return Err(format!("transfer element {i} is {x}"));
                        }
                    }
                    Ok(())
                });
            }
            Op::TaskFrame { a, tag } => {
                let frame = allocs[a].task_frame_tagged(TAGS[tag]);
                #[cfg(not(feature = "minimal"))]
                assert_eq!(frame.tag(), TAGS[tag]);
                self.tasks.push(LiveTask {
                    a,
                    tag: TAGS[tag],
                    frame,
                    blocks: Vec::new(),
                });
            }
            Op::TaskAlloc {
                pick: i,
                shape,
                len,
            } => {
                let Some(i) = pick(&self.tasks, i) else {
                    return;
                };
                let seed = self.seed();
                let task = &mut self.tasks[i];
                let block = alloc_block(shape, len, seed, |s, len| match s {
                    Shape::U8 => task.frame.alloc_slice_fill_with(len, |_| 0u8).as_mut_ptr(),
                    Shape::U64 => task
                        .frame
                        .alloc_slice_fill_with(len, |_| 0u64)
                        .as_mut_ptr()
                        .cast(),
                    Shape::A64 => task
                        .frame
                        .alloc_slice_fill_with(len, |_| A64::default())
                        .as_mut_ptr()
                        .cast(),
                    Shape::A4096 => core::ptr::from_mut(task.frame.alloc(A4096([0; 4096]))).cast(),
                });
                task.blocks.push(block);
            }
            Op::TaskReset { pick: i } => {
                let Some(i) = pick(&self.tasks, i) else {
                    return;
                };
                let (a, tag) = (self.tasks[i].a, self.tasks[i].tag);
                let used = self.tasks[i].frame.bytes_used() as u64;
                let before = self.frame_allocated(a, tag);
                let task = &mut self.tasks[i];
                task.blocks.clear();
                task.frame.reset();
                assert_eq!(task.frame.bytes_used(), 0);
                self.check_task_credit(a, tag, before, used);
            }
            Op::TaskDrop { pick: i, remote } => {
                let Some(i) = pick(&self.tasks, i) else {
                    return;
                };
                let task = self.tasks.swap_remove(i);
                let (a, tag) = (task.a, task.tag);
                let used = task.frame.bytes_used() as u64;
                let before = self.frame_allocated(a, tag);
                if remote {
                    self.worker.drop_there(task.frame);
                } else {
                    drop(task);
                }
                self.check_task_credit(a, tag, before, used);
            }
        }
    }

    /// `Kind::Frame` `allocated_bytes` of `tag` on `a`.
    fn frame_allocated(&self, a: usize, tag: &str) -> u64 {
        self.allocs[a]
            .stats()
            .tag(tag)
            .map_or(0, |t| t.kind(framealloc::Kind::Frame).allocated_bytes)
    }

    /// A task frame reset or dropped credits exactly its use to its tag.
    fn check_task_credit(&self, a: usize, tag: &str, before: u64, used: u64) {
        if cfg!(feature = "minimal") {
            return;
        }
        let after = self.frame_allocated(a, tag);
        assert_eq!(after - before, used, "task frame bytes credited to {tag}");
    }

    fn frame_slice(&mut self, a: usize, shape: Shape, len: usize) {
        let alloc: &'a SmartAlloc = &self.allocs[a];
        let (r, bytes) = match shape {
            Shape::U8 => (alloc.try_frame_slice::<u8>(len).map(FrameHandle::U8), len),
            Shape::U64 => (
                alloc.try_frame_slice::<u64>(len).map(FrameHandle::U64),
                len * 8,
            ),
            Shape::A64 => (
                alloc.try_frame_slice::<A64>(len).map(FrameHandle::A64),
                len * 64,
            ),
            Shape::A4096 => (
                alloc
                    .try_frame_box(A4096([0; 4096]))
                    .map(FrameHandle::A4096),
                4096,
            ),
        };
        match r {
            Ok(h) => {
                assert!(self.models[a].in_frame(), "allocated with no frame open");
                self.new_frame(a, h, bytes as u64);
            }
            Err(e) => self.frame_error(a, &e, bytes as u64),
        }
    }

    fn scoped_alloc(&mut self, a: usize, shape: Shape, len: usize) {
        let seed = self.seed();
        let Some(guard) = self.guards[a].last() else {
            return;
        };
        let block = alloc_block(shape, len, seed, |s, len| match s {
            Shape::U8 => guard.alloc_slice_fill_with(len, |_| 0u8).as_mut_ptr(),
            Shape::U64 => guard
                .alloc_slice_fill_with(len, |_| 0u64)
                .as_mut_ptr()
                .cast(),
            Shape::A64 => guard
                .alloc_slice_fill_with(len, |_| A64::default())
                .as_mut_ptr()
                .cast(),
            Shape::A4096 => core::ptr::from_mut(guard.alloc(A4096([0; 4096]))).cast(),
        });
        let tag = self.tag();
        *self.models[a].frame_bytes.entry(tag).or_default() += block.len as u64;
        self.scoped[a].push(block);
    }

    fn pool_box(&mut self, a: usize, size: PoolSize) {
        let alloc = &self.allocs[a];
        let bytes: u64 = match size {
            PoolSize::B8 => 8,
            PoolSize::B32 => 32,
            PoolSize::B256 => 256,
            PoolSize::B2048 => 2048,
            PoolSize::A64 => 64,
        };
        let verdict = self.persistent_verdict(a, bytes);
        let r = match size {
            PoolSize::B8 => alloc.try_pool_box([0u64; 1]).map(PoolHandle::B8),
            PoolSize::B32 => alloc.try_pool_box([0u64; 4]).map(PoolHandle::B32),
            PoolSize::B256 => alloc.try_pool_box([0u64; 32]).map(PoolHandle::B256),
            PoolSize::B2048 => alloc.try_pool_box([0u64; 256]).map(PoolHandle::B2048),
            PoolSize::A64 => alloc.try_pool_box(A64::default()).map(PoolHandle::A64),
        };
        assert_eq!(r.as_ref().err(), verdict.as_ref().err(), "try_pool_box");
        if let Ok(handle) = r {
            self.new_pool(a, bytes, handle);
        }
    }

    fn pool_arc(&mut self, a: usize, size: PoolSize) {
        let alloc = &self.allocs[a];
        let big = matches!(size, PoolSize::B256 | PoolSize::B2048);
        let bytes = if big {
            arc_bytes::<[u64; 32]>()
        } else {
            arc_bytes::<[u64; 4]>()
        };
        let verdict = self.persistent_verdict(a, bytes);
        let r = if big {
            alloc.try_pool_arc([0u64; 32]).map(PoolHandle::Arc256)
        } else {
            alloc.try_pool_arc([0u64; 4]).map(PoolHandle::Arc32)
        };
        assert_eq!(r.as_ref().err(), verdict.as_ref().err(), "try_pool_arc");
        if let Ok(handle) = r {
            self.new_pool(a, bytes, handle);
        }
    }

    fn new_pool(&mut self, a: usize, bytes: u64, mut handle: PoolHandle) {
        let seed = self.seed();
        let (ptr, len, _) = handle.bytes().expect("a new strong handle");
        // A fresh arc is unique: writing through its pointer is writing to our value.
        let ptr = match &mut handle {
            PoolHandle::B8(b) => b.as_mut_ptr().cast(),
            PoolHandle::B32(b) => b.as_mut_ptr().cast(),
            PoolHandle::B256(b) => b.as_mut_ptr().cast(),
            PoolHandle::B2048(b) => b.as_mut_ptr().cast(),
            PoolHandle::A64(b) => core::ptr::from_mut(&mut **b).cast(),
            _ => ptr.cast_mut(),
        };
        if handle.is_box() {
            // SAFETY: the box's own bytes, plain data, uniquely borrowed.
            unsafe { fill(ptr, len, seed) };
        }
        let tag = self.tag();
        self.objects.push(Some(PoolObject {
            a,
            tag,
            bytes,
            seed,
            strong: 1,
            weak: 0,
        }));
        self.pool.push(LivePool {
            id: self.objects.len() - 1,
            handle,
        });
    }

    /// Every live block the model can see.
    fn blocks(&self) -> Vec<Block> {
        let mut blocks: Vec<Block> = self.frames.iter().map(|f| f.handle.block(f.seed)).collect();
        blocks.extend(self.scoped.iter().flatten().copied());
        blocks.extend(self.tasks.iter().flat_map(|t| t.blocks.iter().copied()));
        let mut arcs_seen = std::collections::BTreeSet::new();
        for live in &self.pool {
            if let Some((ptr, len, align)) = live.handle.bytes() {
                let object = self.objects[live.id].as_ref().expect("live object");
                let first = arcs_seen.insert(live.id);
                if live.handle.is_box() {
                    blocks.push(Block {
                        ptr,
                        len,
                        align,
                        seed: Some(object.seed),
                        what: "pool box",
                    });
                } else if first {
                    // Arc values are shared (never written): checked for overlap only.
                    blocks.push(Block {
                        ptr,
                        len,
                        align,
                        seed: None,
                        what: "pool arc",
                    });
                }
            }
        }
        blocks.extend(self.heap.iter().map(LiveHeap::block));
        blocks
    }

    fn check(&mut self, step: usize, op: Op) {
        for a in 0..2 {
            let alloc = &self.allocs[a];
            let m = &mut self.models[a];
            assert_eq!(
                alloc.is_in_explicit_frame(),
                m.explicit,
                "step {step} {op:?}"
            );
            assert_eq!(alloc.is_in_frame(), m.in_frame(), "step {step} {op:?}");
            if !m.in_frame() {
                // The frame is over: its scoped memory may be reused by the next one.
                self.scoped[a].clear();
                m.frame_bytes.clear();
            }
            let handles = self.frames.iter().filter(|f| f.a == a).count() as u64;
            assert_eq!(alloc.live_frame_handles(), handles, "step {step} {op:?}");
        }
        // Contents, alignment, no overlap.
        let mut blocks = self.blocks();
        for b in &blocks {
            assert_eq!(b.ptr as usize % b.align, 0, "{} misaligned", b.what);
            if let Some(seed) = b.seed {
                // SAFETY: every block is live memory of `b.len` initialised bytes (the
                // model drops a block before its memory can be reused).
                unsafe { check_sampled(b.ptr, b.len, seed, b.what) };
            }
        }
        for f in &self.frames {
            if let FrameHandle::Vec(v) = &f.handle {
                for (i, x) in v.iter().enumerate() {
                    assert_eq!(*x, u32::from(f.seed) ^ i as u32, "frame vec element {i}");
                }
            }
        }
        blocks.retain(|b| b.len > 0);
        blocks.sort_by_key(|b| b.ptr as usize);
        for w in blocks.windows(2) {
            assert!(
                w[0].ptr as usize + w[0].len <= w[1].ptr as usize,
                "step {step} {op:?}: {} at {:p}+{} overlaps {} at {:p}",
                w[0].what,
                w[0].ptr,
                w[0].len,
                w[1].what,
                w[1].ptr
            );
        }
        #[cfg(not(feature = "minimal"))]
        self.check_stats(step, op);
        self.check_events();
    }

    #[cfg(not(feature = "minimal"))]
    fn check_stats(&self, step: usize, op: Op) {
        use framealloc::Kind;
        for a in 0..2 {
            let stats = self.allocs[a].stats();
            let m = &self.models[a];
            let names = TAGS.iter().copied().chain([framealloc::UNTAGGED]);
            let mut frame_live_total = 0;
            for tag in names {
                let t = stats.tag(tag);
                let kind = |k| t.as_ref().map(|t| t.kind(k)).unwrap_or_default();
                let pool: u64 = self
                    .objects
                    .iter()
                    .flatten()
                    .filter(|o| o.a == a && o.tag == tag)
                    .map(|o| o.bytes)
                    .sum();
                assert_eq!(
                    kind(Kind::Pool).live_bytes,
                    pool,
                    "step {step} {op:?}: pool live bytes of {tag} on allocator {a}"
                );
                let heap: u64 = self
                    .heap
                    .iter()
                    .filter(|h| h.a == a && h.tag == tag)
                    .map(LiveHeap::accounted)
                    .sum();
                assert_eq!(
                    kind(Kind::Heap).live_bytes,
                    heap,
                    "step {step} {op:?}: heap live bytes of {tag} on allocator {a}"
                );
                let frame = kind(Kind::Frame);
                assert_eq!(
                    frame.allocations,
                    m.handles_made.get(tag).copied().unwrap_or(0),
                    "step {step} {op:?}: explicit frame handles of {tag} on allocator {a}"
                );
                // A frame that ended with explicit handles alive keeps its bytes live
                // until the deferred reset (the last handle's drop).
                let reset = !m.in_frame() && !self.frames.iter().any(|f| f.a == a);
                if m.in_frame() {
                    let asked = m.frame_bytes.get(tag).copied().unwrap_or(0);
                    assert!(
                        frame.live_bytes >= asked,
                        "step {step} {op:?}: frame live bytes of {tag} on allocator {a}: \
                         {} < {asked} allocated",
                        frame.live_bytes
                    );
                } else if reset {
                    assert_eq!(
                        frame.live_bytes, 0,
                        "step {step} {op:?}: frame live bytes of {tag} with no frame open"
                    );
                }
                frame_live_total += frame.live_bytes;
            }
            assert_eq!(
                stats.tags.len(),
                stats
                    .tags
                    .iter()
                    .filter(|t| TAGS.contains(&t.name) || t.name == framealloc::UNTAGGED)
                    .count(),
                "only the model's tags appear"
            );
            assert!(
                !m.in_frame() || frame_live_total >= stats.frame_bytes,
                "step {step} {op:?}: tags' frame bytes {frame_live_total} < frame_bytes {}",
                stats.frame_bytes
            );
        }
    }

    /// Every budget event names a budget the model set, with the right policy.
    fn check_events(&self) {
        for (a, sink) in self.events.iter().enumerate() {
            let events = core::mem::take(&mut *sink.lock().unwrap_or_else(PoisonError::into_inner));
            for e in events {
                // A budget the model set, really passed, refused only under `Enforce`.
                assert!(BUDGETS.contains(&Some(e.limit)), "{e:?}");
                assert!(e.used.saturating_add(e.requested) > e.limit, "{e:?}");
                assert!(!e.refused || a == 1, "a Warn allocator refused: {e:?}");
                if e.scope == BudgetScope::Tag {
                    assert!(TAGS.contains(&e.tag), "{e:?}");
                }
            }
        }
    }

    fn finish(mut self) {
        self.transfers.clear();
        self.tasks.clear();
        self.frames.clear();
        self.pool.clear();
        self.objects.clear();
        self.heap.clear();
        for a in 0..2 {
            self.scoped[a].clear();
            while self.guards[a].pop().is_some() {}
            if self.models[a].explicit {
                self.allocs[a].end_frame();
            }
            assert!(!self.allocs[a].is_in_frame());
            assert_eq!(self.allocs[a].live_frame_handles(), 0);
        }
        while self.tags.pop().is_some() {}
        drop(self.worker);
        #[cfg(not(feature = "minimal"))]
        for alloc in self.allocs {
            let stats = alloc.stats();
            for kind in framealloc::Kind::ALL {
                assert_eq!(stats.total(kind).live_bytes, 0, "{kind:?} bytes left");
            }
        }
    }
}

/// Allocate a block of `shape` with `alloc` (which returns its first byte), fill it and
/// describe it.
fn alloc_block(
    shape: Shape,
    len: usize,
    seed: u8,
    alloc: impl FnOnce(Shape, usize) -> *mut u8,
) -> Block {
    let (size, align) = match shape {
        Shape::U8 => (1, 1),
        Shape::U64 => (8, 8),
        Shape::A64 => (64, 64),
        Shape::A4096 => (4096, 4096),
    };
    let len = if shape == Shape::A4096 { 1 } else { len };
    let ptr = alloc(shape, len);
    let bytes = len * size;
    // SAFETY: `alloc` returned `bytes` bytes of fresh plain data.
    unsafe { fill(ptr, bytes, seed) };
    Block {
        ptr,
        len: bytes,
        align,
        seed: Some(seed),
        what: "scoped or task block",
    }
}
