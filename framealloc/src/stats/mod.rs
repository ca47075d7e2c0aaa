//! Allocation statistics: per tag and kind, summed over every thread.
//!
//! The snapshot layer: [`Stats`] is assembled from the counters (`counters`), the frame
//! arenas and the pool pages, so it sits above all three.

use core::fmt;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::counters::{Kind, ShardSet};

use crate::budget::BudgetEvent;
use crate::frame::arena::ThreadArena;
use crate::frame::registry::ArenaSet;
use crate::tag::{self, TagId};
use crate::tag_scope::TagGuard;
use crate::{Frame, SmartAlloc};

/// Counters of one kind (for one tag, or totalled).
///
/// - `allocated_bytes`, `allocations`: everything allocated so far (for frames, bytes are
///   the arena's growth measured at tag changes and frame ends, so they include alignment
///   padding and guard allocations; `allocations` counts explicit frame handles only);
/// - `live_bytes`: pool/heap bytes not yet freed (exact after frees on any thread); frame
///   bytes in the frames currently open;
/// - `peak_bytes`: the highest `live_bytes` seen (frames: the largest single frame),
///   summed over threads — exact for one thread, an upper bound across several.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct KindStats {
    /// Bytes allocated so far.
    pub allocated_bytes: u64,
    /// Allocations so far.
    pub allocations: u64,
    /// Bytes currently live.
    pub live_bytes: u64,
    /// Highest live bytes seen.
    pub peak_bytes: u64,
}

impl KindStats {
    fn add(&mut self, [allocated, count, live, peak]: [u64; 4]) {
        self.allocated_bytes += allocated;
        self.allocations += count;
        self.live_bytes += live;
        self.peak_bytes += peak;
    }

    fn merge(&mut self, other: KindStats) {
        self.add([
            other.allocated_bytes,
            other.allocations,
            other.live_bytes,
            other.peak_bytes,
        ]);
    }
}

/// The counters of one tag, per kind.
///
/// With the `serde` feature it serializes as
/// `{"name": "physics", "frame": {..}, "pool": {..}, "heap": {..}}`; deserializing
/// interns the name (one copy per distinct name for the life of the process, as for
/// tags).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(into = "TagStatsRepr")
)]
pub struct TagStats {
    /// The tag's name (`"untagged"` for allocations made outside any tag).
    pub name: &'static str,
    kinds: [KindStats; 3],
}

impl TagStats {
    /// The counters of one kind.
    ///
    /// ```
    /// use framealloc::{Kind, SmartAlloc};
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let _mesh = alloc.with_tag("render", |a| a.heap_box([0u8; 256]));
    /// let render = alloc.stats().tag("render").unwrap();
    /// let heap = render.kind(Kind::Heap);
    /// assert_eq!((heap.allocations, heap.live_bytes), (1, 256));
    /// assert_eq!(render.kind(Kind::Pool), Default::default()); // nothing in pools
    /// ```
    pub fn kind(&self, kind: Kind) -> KindStats {
        self.kinds[kind.index()]
    }

    /// All kinds added together.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let _tag = alloc.tag("ai");
    /// let (_a, _b) = (alloc.pool_box(1u64), alloc.heap_box([0u8; 64]));
    /// let ai = alloc.stats().tag("ai").unwrap();
    /// assert_eq!((ai.total().allocations, ai.total().live_bytes), (2, 8 + 64));
    /// ```
    pub fn total(&self) -> KindStats {
        let mut total = KindStats::default();
        for k in self.kinds {
            total.merge(k);
        }
        total
    }
}

/// The serialized shape of [`TagStats`].
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct TagStatsRepr {
    name: crate::tag::Name,
    frame: KindStats,
    pool: KindStats,
    heap: KindStats,
}

// By hand: a derive would see the `&'static str` field and demand `'de: 'static`.
#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for TagStats {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = TagStatsRepr::deserialize(d)?;
        Ok(TagStats {
            name: r.name.0,
            kinds: [r.frame, r.pool, r.heap],
        })
    }
}

#[cfg(feature = "serde")]
impl From<TagStats> for TagStatsRepr {
    fn from(t: TagStats) -> Self {
        let [frame, pool, heap] = t.kinds;
        TagStatsRepr {
            name: crate::tag::Name(t.name),
            frame,
            pool,
            heap,
        }
    }
}

/// A snapshot of an allocator's statistics, from [`SmartAlloc::stats`].
///
/// `Display` renders an aligned table (tag × kind, human-readable sizes); with the
/// `serde` feature it serializes (e.g. to JSON) and deserializes.
///
/// [`SmartAlloc::stats`]: crate::SmartAlloc::stats
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Stats {
    /// The calling thread's frame number.
    pub frame_number: u64,
    /// The calling thread's frame memory in use: bytes of arena use since its last reset
    /// (the current frame's; 0 between frames once the arena has reset). What
    /// `set_thread_frame_budget` limits.
    pub frame_bytes: u64,
    /// The calling thread's largest frame so far, in bytes of arena use still held when
    /// a frame ended or a tag changed (memory a frame gave back in place before it ended
    /// is not in it; the frame rows' `peak_bytes` count it).
    pub frame_peak_bytes: u64,
    /// Frames on the calling thread whose reset waited for explicit handles.
    pub deferred_resets: u64,
    /// Threads that currently hold a frame arena of this allocator.
    pub threads: usize,
    /// Pool pages of exited threads still holding blocks (process-wide).
    pub abandoned_pool_pages: usize,
    /// Per-tag counters, sorted by tag name.
    pub tags: Vec<TagStats>,
}

impl Stats {
    /// One kind, summed over every tag.
    ///
    /// `peak_bytes` of the result is the sum of the tags' peaks, which were reached at
    /// different times: an upper bound of the real peak, not the peak itself (the
    /// `Display` table leaves it out of its total rows).
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// use framealloc::Kind;
    /// let b = alloc.pool_box([0u8; 32]);
    /// assert_eq!(alloc.stats().total(Kind::Pool).live_bytes, 32);
    /// drop(b);
    /// ```
    pub fn total(&self, kind: Kind) -> KindStats {
        let mut total = KindStats::default();
        for t in &self.tags {
            total.merge(t.kind(kind));
        }
        total
    }

    /// The counters of the tag called `name`, if anything was accounted to it.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// use framealloc::Kind;
    /// let b = alloc.with_tag("ai", |a| a.pool_box(0u64));
    /// let stats = alloc.stats();
    /// assert_eq!(stats.tag("ai").unwrap().kind(Kind::Pool).allocations, 1);
    /// assert!(stats.tag("audio").is_none());
    /// drop(b);
    /// ```
    pub fn tag(&self, name: &str) -> Option<TagStats> {
        self.tags.iter().find(|t| t.name == name).cloned()
    }
}

fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "frame #{} ({} in use, peak {}, {} deferred resets), {} thread(s)",
            self.frame_number,
            human(self.frame_bytes),
            human(self.frame_peak_bytes),
            self.deferred_resets,
            self.threads
        )?;
        let name_width = self
            .tags
            .iter()
            .map(|t| t.name.len())
            .chain([5])
            .max()
            .unwrap_or(5);
        writeln!(
            f,
            "{:<name_width$}  {:<5}  {:>12}  {:>10}  {:>12}  {:>12}",
            "tag", "kind", "allocated", "count", "live", "peak"
        )?;
        let mut rows: Vec<(&str, Kind, KindStats)> = Vec::new();
        for t in &self.tags {
            for kind in Kind::ALL {
                let k = t.kind(kind);
                if k != KindStats::default() {
                    rows.push((t.name, kind, k));
                }
            }
        }
        for kind in Kind::ALL {
            rows.push(("total", kind, self.total(kind)));
        }
        let tag_rows = rows.len() - Kind::ALL.len();
        for (i, (name, kind, k)) in rows.into_iter().enumerate() {
            // The total row's peak would be a sum of peaks reached at different times
            // (per tag, per thread): larger than any real peak of the sum, so it is not
            // shown. Tracking the true peak of the sum would put a shared counter on every
            // allocation.
            let peak = if i < tag_rows {
                human(k.peak_bytes)
            } else {
                "-".to_owned()
            };
            writeln!(
                f,
                "{:<name_width$}  {:<5}  {:>12}  {:>10}  {:>12}  {:>12}",
                name,
                kind.name(),
                human(k.allocated_bytes),
                k.allocations,
                human(k.live_bytes),
                peak
            )?;
        }
        f.write_str(
            "allocated: bytes so far. count: allocations so far; frame rows count explicit\n\
             handles only (scoped `frame.alloc` is in the bytes, not the count). live: bytes\n\
             in use. peak: highest live bytes of a row; `-` on total rows, whose tags peaked\n\
             at different times. Frame rows count the bytes bumped in a frame, those given\n\
             back in place too (a vector dropped before the frame ended); the first line's\n\
             peak is the most arena memory still in use when a frame ended or a tag changed.\n",
        )
    }
}

impl SmartAlloc {
    // ----- tags -----

    /// Account this thread's allocations to the tag `name` until the guard drops.
    ///
    /// Tags are per thread (not per allocator) and nest; `name` is interned once, later
    /// pushes of the same name do no hashing and take no lock.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// {
    ///     let _physics = alloc.tag("physics");
    ///     assert_eq!(alloc.current_tag(), "physics");
    /// }
    /// assert_eq!(alloc.current_tag(), "untagged");
    /// ```
    pub fn tag(&self, name: &str) -> TagGuard {
        if cfg!(feature = "minimal") {
            return TagGuard::push(0);
        }
        TagGuard::push(tag::intern(name))
    }

    /// Run `f` with this thread's allocations accounted to the tag `name`, and return its
    /// value. The tag is popped on every exit path.
    ///
    /// ```
    /// # #[derive(Default, Clone, Copy)] struct Contact;
    /// use framealloc::{Kind, SmartAlloc};
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let n = alloc.with_tag("physics", |a| {
    ///     let mut contacts = a.frame_vec::<Contact>();
    ///     contacts.push(Contact);
    ///     contacts.len()
    /// });
    /// alloc.end_frame();
    /// assert_eq!(n, 1);
    /// assert_eq!(alloc.stats().tag("physics").unwrap().kind(Kind::Frame).allocations, 1);
    /// ```
    pub fn with_tag<R>(&self, name: &str, f: impl FnOnce(&SmartAlloc) -> R) -> R {
        let _tag = self.tag(name);
        f(self)
    }

    /// The calling thread's current tag (`"untagged"` outside any tag scope).
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// assert_eq!(alloc.current_tag(), "untagged");
    /// alloc.with_tag("ai", |a| assert_eq!(a.current_tag(), "ai"));
    /// ```
    pub fn current_tag(&self) -> &'static str {
        tag::name_of(tag::current())
    }

    // ----- budgets -----

    /// Limit the frame memory *this thread* may use in one frame of this allocator, in
    /// bytes (arena use since the frame began, alignment padding included). `u64::MAX`
    /// removes the limit.
    ///
    /// Checked on every explicit frame allocation, and for scoped `frame.alloc` when the
    /// arena needs a new chunk, at tag pop and at frame end; what an overrun does depends
    /// on [`AllocConfig::budget_policy`](crate::AllocConfig::budget_policy) (see [`BudgetPolicy`](crate::BudgetPolicy)).
    ///
    /// ```
    /// use framealloc::{AllocConfig, BudgetPolicy, Error, SmartAlloc};
    ///
    /// let alloc = SmartAlloc::new(AllocConfig {
    ///     budget_policy: BudgetPolicy::Enforce,
    ///     ..Default::default()
    /// });
    /// alloc.set_thread_frame_budget(1024);
    /// alloc.begin_frame();
    /// let small = alloc.frame_box([0u8; 512]);
    /// let refused = alloc.try_frame_box([0u8; 1024]);
    /// assert!(matches!(refused, Err(Error::BudgetExceeded { limit: 1024, requested: 1024, .. })));
    /// drop(small);
    /// alloc.end_frame();
    /// ```
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.set_thread_frame_budget(4 << 20);
    /// assert_eq!(alloc.thread_frame_budget(), Some(4 << 20));
    /// ```
    pub fn set_thread_frame_budget(&self, bytes: u64) {
        let limit = (bytes != u64::MAX).then_some(bytes);
        self.arena().set_thread_budget(limit);
    }

    /// This thread's frame budget for this allocator, if any.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// assert_eq!(alloc.thread_frame_budget(), None);
    /// ```
    pub fn thread_frame_budget(&self) -> Option<u64> {
        ArenaSet::current_if_exists(self.arena_set(), ThreadArena::thread_budget).flatten()
    }

    /// Limit the bytes the tag `tag` may have in use on each thread: its frame bytes in
    /// the current frame plus its live pool and heap bytes allocated from that thread.
    /// Applies to every thread of this allocator; `u64::MAX` removes the limit.
    ///
    /// Checked on every explicit frame, pool and heap allocation under the tag, and for
    /// scoped `frame.alloc` when the arena needs a new chunk, at tag pop and at frame
    /// end. Pool and heap allocations see a new budget at once on every thread; frame
    /// allocations on the calling thread at once, on other threads from their next frame
    /// (their frame path reads a thread-local flag, refreshed at frame end).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use framealloc::{BudgetScope, SmartAlloc};
    ///
    /// let alloc = SmartAlloc::new(Default::default()); // BudgetPolicy::Warn
    /// alloc.set_tag_budget("physics", 1000);
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let sink = seen.clone();
    /// alloc.on_budget_event(move |e| sink.lock().unwrap().push(e.clone()));
    ///
    /// let bodies = alloc.with_tag("physics", |a| {
    ///     (0..20).map(|i| a.pool_box([i as u64; 8])).collect::<Vec<_>>() // 20 x 64 B
    /// });
    /// assert_eq!(bodies.len(), 20); // Warn: every allocation succeeded
    /// let events = seen.lock().unwrap();
    /// assert_eq!(events.len(), 1); // once per frame per budget
    /// assert_eq!((events[0].tag, events[0].scope), ("physics", BudgetScope::Tag));
    /// assert_eq!((events[0].used, events[0].requested), (960, 64));
    /// ```
    pub fn set_tag_budget(&self, tag: &str, bytes: u64) {
        let id = crate::tag::intern(tag);
        self.budgets().set_tag(id, bytes);
        self.arena_set().mirror_callouts();
        if bytes != u64::MAX {
            // Pool allocations under the tag take the cold path from now on, on every
            // thread.
            self.arena_set().shards.arm_tag_budget(id);
        }
        // Frame allocations on this thread are checked from now on; on other threads
        // from their next frame (pool and heap allocations everywhere at once).
        let _ = ArenaSet::current_if_exists(self.arena_set(), ThreadArena::refresh_armed);
    }

    /// The budget of the tag `tag`, if it has one.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.set_tag_budget("physics", 8 << 20);
    /// assert_eq!(alloc.tag_budget("physics"), Some(8 << 20));
    /// assert_eq!(alloc.tag_budget("audio"), None);
    /// ```
    pub fn tag_budget(&self, tag: &str) -> Option<u64> {
        self.budgets().tag_limit(crate::tag::intern(tag))
    }

    /// Call `f` with every [`BudgetEvent`] (once per frame per budget on each thread, on
    /// the thread that allocated). Replaces the previous callback. Events also go to
    /// `log::warn!`.
    ///
    /// `f` is your code running inside framealloc, and may call it back: allocate, begin
    /// and end frames, keep handles, push tags, change budgets, replace itself, even drop
    /// the allocator. framealloc finishes its own state changes before calling `f`
    /// (at frame end: after the frame is closed and reset), and events raised on this
    /// thread while `f` runs (e.g. by `f` allocating over budget) are dropped rather
    /// than delivered inside it, so it cannot recurse. If `f` panics, the panic reaches
    /// the allocating call with framealloc's state consistent (during unwinding it is
    /// caught and dropped instead). Keep it quick: it runs on the allocating thread.
    /// See docs/soundness.md.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.set_thread_frame_budget(64);
    /// alloc.on_budget_event(|e| assert_eq!(e.scope, framealloc::BudgetScope::ThreadFrame));
    /// let frame = alloc.frame();
    /// let big = frame.alloc([0u8; 128]); // over budget: the callback runs, the allocation succeeds
    /// assert_eq!(big.len(), 128);
    /// ```
    pub fn on_budget_event(&self, f: impl Fn(&BudgetEvent) + Send + Sync + 'static) {
        self.budgets().set_callback(Arc::new(f));
    }

    // ----- stats -----

    /// A snapshot of this allocator's statistics: per tag and kind, summed over every
    /// thread, plus the calling thread's frame counters.
    ///
    /// ```
    /// use framealloc::{Kind, SmartAlloc};
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let b = alloc.with_tag("physics", |a| a.pool_box([0u64; 4]));
    /// let stats = alloc.stats();
    /// assert_eq!(stats.tag("physics").unwrap().kind(Kind::Pool).live_bytes, 32);
    /// drop(b);
    /// assert_eq!(alloc.stats().total(Kind::Pool).live_bytes, 0);
    /// println!("{stats}");
    /// ```
    pub fn stats(&self) -> Stats {
        let set = self.arena_set();
        let (frame_number, frame_bytes, frame_peak_bytes, deferred_resets) =
            ArenaSet::current_if_exists(set, |arena| {
                arena.checkpoint();
                (
                    arena.frame_number(),
                    arena.frame_bytes(),
                    arena.frame_peak_bytes(),
                    arena.deferred_resets(),
                )
            })
            .unwrap_or((0, 0, 0, 0));
        Stats {
            frame_number,
            frame_bytes,
            frame_peak_bytes,
            deferred_resets,
            threads: set.thread_count(),
            abandoned_pool_pages: crate::pool::thread_heap::abandoned_page_count(),
            tags: tag_stats(&set.shards),
        }
    }

    /// Reset every peak to the current live value (e.g. after loading a level).
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let big = alloc.heap_vec_with_capacity::<u8>(1 << 16);
    /// drop(big);
    /// alloc.reset_peaks(); // e.g. after loading a level
    /// let heap = alloc.stats().total(framealloc::Kind::Heap);
    /// assert_eq!(heap.peak_bytes, heap.live_bytes);
    /// ```
    pub fn reset_peaks(&self) {
        let set = self.arena_set();
        let _ = ArenaSet::current_if_exists(set, ThreadArena::checkpoint);
        set.shards.reset_peaks();
    }

    /// Bytes of chunk memory this thread's frame arena holds for this allocator (bumpalo's
    /// `allocated_bytes`: capacity obtained from the system, kept across frames; 0 before
    /// the thread's first frame).
    ///
    /// ```
    /// let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// frame.alloc([0u8; 100]);
    /// assert!(frame.allocated_bytes() >= 100);
    /// ```
    pub fn allocated_bytes(&self) -> usize {
        self.frame_capacity_bytes()
    }

    /// Pool and heap memory of this allocator still live, per tag and kind, with the
    /// allocation sites when the `debug` feature is on. The same report is logged (with
    /// `debug`) when the last clone drops.
    ///
    /// ```
    /// use framealloc::{Kind, SmartAlloc};
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let mesh = alloc.with_tag("render", |a| a.heap_box([0u8; 4096]));
    /// let report = alloc.live_report();
    /// # #[cfg(not(feature = "minimal"))]
    /// assert_eq!(report.live_bytes(Kind::Heap), 4096);
    /// println!("{report}");
    /// drop(mesh);
    /// assert!(alloc.live_report().is_empty());
    /// ```
    pub fn live_report(&self) -> crate::LiveReport {
        crate::report::build(&tag_stats(&self.arena_set().shards), self.id())
    }

    /// Frames on this thread whose end found explicit handles still alive, so the reset
    /// waited for the last of them. Normal, not misuse.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let kept = alloc.frame_box(1u32);
    /// alloc.end_frame(); // `kept` is alive: the reset waits for it
    /// drop(kept);
    /// assert_eq!(alloc.deferred_resets(), 1);
    /// ```
    pub fn deferred_resets(&self) -> u64 {
        ArenaSet::current_if_exists(self.arena_set(), ThreadArena::deferred_resets).unwrap_or(0)
    }

    /// Times this thread's arena was reset (its memory made reusable).
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.frame_scope(|f| f.alloc(1u8).clone());
    /// assert!(alloc.frame_resets() >= 1);
    /// ```
    pub fn frame_resets(&self) -> u64 {
        ArenaSet::current_if_exists(self.arena_set(), ThreadArena::resets).unwrap_or(0)
    }

    /// Explicit frame handles alive on this thread.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let a = alloc.frame_box(1u32);
    /// assert_eq!(alloc.live_frame_handles(), 1);
    /// drop(a);
    /// assert_eq!(alloc.live_frame_handles(), 0);
    /// alloc.end_frame();
    /// ```
    pub fn live_frame_handles(&self) -> u64 {
        ArenaSet::current_if_exists(self.arena_set(), ThreadArena::live_handles).unwrap_or(0)
    }

    /// Bytes of chunk memory this thread's arena holds (its capacity, kept across frames).
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.frame_scope(|f| f.alloc([0u8; 4096]).len());
    /// assert!(alloc.frame_capacity_bytes() >= 4096); // the arena keeps its chunk
    /// ```
    pub fn frame_capacity_bytes(&self) -> usize {
        ArenaSet::current_if_exists(self.arena_set(), ThreadArena::capacity_bytes).unwrap_or(0)
    }

    /// Number of threads that currently hold a frame arena of this allocator.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.frame_scope(|f| f.alloc(0u8).clone());
    /// assert_eq!(alloc.frame_arena_threads(), 1);
    /// ```
    pub fn frame_arena_threads(&self) -> usize {
        self.arena_set().thread_count()
    }

    /// Pool pages of exited threads that still hold live blocks (or have not been swept
    /// since their last block was freed). Such pages are adopted by the next thread that
    /// runs out of room in their size class, or freed once empty. Process-wide.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// std::thread::scope(|s| {
    ///     s.spawn(|| drop(alloc.pool_box(1u32)));
    /// });
    /// let _pages: usize = alloc.abandoned_pool_pages(); // pages of exited threads not yet adopted
    /// ```
    pub fn abandoned_pool_pages(&self) -> usize {
        crate::pool::thread_heap::abandoned_page_count()
    }
}

impl Frame<'_> {
    /// Run `f` with this thread's allocations accounted to the tag `name`; `f` gets the
    /// frame, so its allocations stay compile-time checked.
    ///
    /// ```
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let n = frame.with_tag("physics", |f| {
    ///     # #[cfg(not(feature = "minimal"))]
    ///     assert_eq!(f.current_tag(), "physics");
    ///     f.alloc_slice_fill_copy(4, 0u32).len() // `f` is the `Frame`: scoped, checked
    /// });
    /// assert_eq!((n, frame.current_tag()), (4, "untagged"));
    /// ```
    pub fn with_tag<R>(&self, name: &str, f: impl FnOnce(&Self) -> R) -> R {
        let _tag = self.allocator_handle().tag(name);
        f(self)
    }
}

/// Sum every shard of `set` into per-tag stats.
pub(crate) fn tag_stats(set: &ShardSet) -> Vec<TagStats> {
    if cfg!(feature = "minimal") {
        // Nothing is recorded per tag.
        return Vec::new();
    }
    let mut by_tag: BTreeMap<TagId, [KindStats; 3]> = BTreeMap::new();
    set.for_each_touched(|tag, kind, values| {
        by_tag.entry(tag).or_default()[kind].add(values);
    });
    let mut tags: Vec<TagStats> = by_tag
        .into_iter()
        .map(|(id, kinds)| TagStats {
            name: tag::name_of(id),
            kinds,
        })
        .collect();
    tags.sort_by(|a, b| a.name.cmp(b.name));
    tags
}
