//! Accounting shards: the counters one thread writes for one allocator instance.
//!
//! Every `(thread, instance)` pair owns a [`Shard`]; each tag gets a [`TagSlot`] in it
//! with one [`KindSlot`] per kind (frame, pool, heap). The owner thread updates its
//! counters with plain relaxed load + store pairs (no read-modify-write, no lock);
//! another thread that frees (or, through a shared allocator, allocates) on the slot
//! uses the separate `remote_*` counters with `fetch_add`. Snapshots sum everything, so
//! live bytes are exact after drops on any thread.
//!
//! Slots live in fixed segments that never move, so handles may keep a pointer to their
//! `KindSlot`. A shard passes to the next thread of the same instance when its owner
//! exits; when the instance drops, a shard that pool handles still point into is kept
//! (leaked, a few KiB) rather than freed under them. "Still point into" is decided by
//! the pool kind's live bytes: every pool handle without an `Arc` of the shard
//! (`PoolBox`, `PoolArc`) holds a non-empty block, and zero-size boxes never touch
//! their slot when dropped.

use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicBool, AtomicI64, AtomicPtr, AtomicU64, Ordering, fence};

use std::sync::Arc;

use crate::Kind;
use crate::budget::{BudgetEvent, BudgetScope, Budgets};
use crate::tag::{self, TagId};

/// Tags per segment and segments per shard: tags past 4096 are accounted as "untagged".
const SEGMENT: usize = 64;
const SEGMENTS: usize = 64;
const _: () = assert!(SEGMENT * SEGMENTS == tag::TRACKED_TAGS as usize);

/// Kinds, as indices.
pub(crate) const FRAME: usize = 0;
pub(crate) const POOL: usize = 1;
pub(crate) const HEAP: usize = 2;

/// Owner of a shard that no thread owns (retired, or not yet handed out). Thread tokens
/// are never 0 nor `u64::MAX`, and a thread that has no token yet reads 0 from
/// [`thread_token_if_any`](crate::ids::thread_token_if_any), so no thread
/// ever matches this.
const NO_OWNER: u64 = u64::MAX;

#[inline(always)]
fn add_local(counter: &AtomicU64, n: u64) {
    // Single writer (the owner thread): a plain load + store is enough and is what a
    // relaxed RMW-free update compiles to.
    counter.store(
        counter.load(Ordering::Relaxed).wrapping_add(n),
        Ordering::Relaxed,
    );
}

/// The counters of one (tag, kind) in one shard.
///
/// Pool/heap live bytes are `allocated_bytes - freed_bytes + remote_live`. The pool hot
/// path pays for the fewest counter updates that keep them (and the peak) exact
/// (measured with `scripts/callgrind-pool`): an owner allocation updates
/// `allocated_bytes` and `allocations` and compares against `peak_bytes`, an owner free
/// updates `freed_bytes` only. There is no free *count*: whether handles are still
/// outstanding is read from live bytes (see the module docs).
#[derive(Default)]
pub(crate) struct KindSlot {
    /// Token of the owning thread (shared by all slots of a shard), or [`NO_OWNER`].
    owner: AtomicU64,
    /// Owner-only.
    allocated_bytes: AtomicU64,
    /// Owner-only.
    allocations: AtomicU64,
    /// Owner-only. Its (Release) update is an owner free's only access to the slot.
    freed_bytes: AtomicU64,
    /// Highest live byte count the owner saw (frame kind: highest bytes in one frame).
    peak_bytes: AtomicU64,
    /// Frame kind only: bytes in the current frame.
    frame_live: AtomicU64,
    /// Other threads: bytes allocated (for `allocated_bytes`).
    remote_allocated_bytes: AtomicU64,
    /// Other threads: allocations.
    remote_allocations: AtomicU64,
    /// Other threads: bytes allocated minus bytes freed (wrapping; a thread that frees
    /// what the owner allocated takes it below zero). One counter, so the owner's peak
    /// check reads one remote word, and a remote free is a single `fetch_sub`.
    remote_live: AtomicU64,
    /// Pool/heap: the owner's live bytes (`allocated_bytes - freed_bytes`, signed) above
    /// which an owner allocation may be a new peak: `peak_bytes - remote_live` as of the
    /// last recompute ([`new_high`](Self::new_high)). The hot path compares against it
    /// and never reads `remote_live` or `peak_bytes`. Stale only on the safe side
    /// (too low: a needless recompute) — except after what raises live bytes or lowers
    /// the peak behind the owner's back, a remote allocation (a clone on another
    /// thread) or `reset_peaks`, which store `i64::MIN` to force a recompute. A tag
    /// that may have a budget (`may_have_budget`) keeps it at `i64::MIN`, so every owner
    /// allocation takes the cold path, which checks the budget before counting.
    threshold: AtomicI64,
    /// Pool kind: the slot's tag has (or had) a budget in this instance, so the
    /// threshold stays `i64::MIN` (see [`Shard::arm_tag_budget`]). Never cleared: a
    /// removed budget leaves its tag on the cold path, which then finds no budget.
    may_have_budget: AtomicBool,
}

impl KindSlot {
    #[inline(always)]
    fn is_owner(&self) -> bool {
        self.is_owned_by(crate::ids::thread_token())
    }

    /// Whether `token` (the calling thread's token, or 0 if it has none) owns this slot.
    /// Lets the pool free path test page and slot ownership with one thread-local read.
    #[inline(always)]
    pub(crate) fn is_owned_by(&self, token: u64) -> bool {
        self.owner.load(Ordering::Relaxed) == token
    }

    /// Account an allocation of `bytes` (pool/heap), from any thread.
    #[inline(always)]
    pub(crate) fn on_alloc(&self, bytes: u64) {
        if cfg!(feature = "minimal") {
            return;
        }
        if self.is_owner() {
            self.on_alloc_owner(bytes);
        } else {
            self.on_alloc_remote(bytes);
        }
    }

    #[inline(never)]
    fn on_alloc_remote(&self, bytes: u64) {
        self.remote_allocated_bytes
            .fetch_add(bytes, Ordering::Relaxed);
        self.remote_allocations.fetch_add(1, Ordering::Relaxed);
        // SeqCst, then the threshold store: see `new_high` (the owner re-reads
        // `remote_live` after storing a threshold, so one of the two sees the other).
        self.remote_live.fetch_add(bytes, Ordering::SeqCst);
        self.threshold.store(i64::MIN, Ordering::SeqCst);
    }

    /// Account an allocation of `bytes` (pool/heap) made by the owner thread (through
    /// its own arena's shard), its budget already checked.
    #[inline(always)]
    pub(crate) fn on_alloc_owner(&self, bytes: u64) {
        if !self.try_alloc_owner(bytes) {
            self.on_alloc_owner_cold(bytes);
        }
    }

    /// The owner's hot path: account an allocation of `bytes` and return `true`, unless
    /// the owner's live bytes would cross the threshold (a possible new peak, or a tag
    /// that may have a budget): then count nothing and return `false`; the caller checks
    /// the budget if [`may_have_budget`](Self::may_have_budget), then calls
    /// [`on_alloc_owner_cold`](Self::on_alloc_owner_cold).
    #[inline(always)]
    pub(crate) fn try_alloc_owner(&self, bytes: u64) -> bool {
        if cfg!(feature = "minimal") {
            return true;
        }
        debug_assert!(self.is_owner());
        let allocated = self
            .allocated_bytes
            .load(Ordering::Relaxed)
            .wrapping_add(bytes);
        // The owner's live bytes from the value just computed and one load; only above
        // the threshold can live bytes (owner's plus remote) be a new peak.
        let owner_live = allocated
            .wrapping_sub(self.freed_bytes.load(Ordering::Relaxed))
            .cast_signed();
        if owner_live > self.threshold.load(Ordering::Relaxed) {
            return false;
        }
        self.allocated_bytes.store(allocated, Ordering::Relaxed);
        add_local(&self.allocations, 1);
        true
    }

    /// Whether the slot's tag may have a budget (the cold path of a pool allocation then
    /// checks it before counting).
    #[inline]
    pub(crate) fn may_have_budget(&self) -> bool {
        self.may_have_budget.load(Ordering::SeqCst)
    }

    /// Owner only: account an allocation of `bytes` that [`try_alloc_owner`] left to
    /// the cold path: count it, record an exact peak, recompute the threshold.
    ///
    /// [`try_alloc_owner`]: Self::try_alloc_owner
    #[cold]
    #[inline(never)]
    pub(crate) fn on_alloc_owner_cold(&self, bytes: u64) {
        if cfg!(feature = "minimal") {
            return;
        }
        let allocated = self
            .allocated_bytes
            .load(Ordering::Relaxed)
            .wrapping_add(bytes);
        self.allocated_bytes.store(allocated, Ordering::Relaxed);
        add_local(&self.allocations, 1);
        let owner_live = allocated
            .wrapping_sub(self.freed_bytes.load(Ordering::Relaxed))
            .cast_signed();
        self.new_high(owner_live);
    }

    /// Owner only: live bytes crossed the threshold (owner's live bytes `owner_live`):
    /// record an exact peak, then recompute the threshold.
    fn new_high(&self, owner_live: i64) {
        let remote = self.remote_live.load(Ordering::SeqCst).cast_signed();
        // Signed: in-flight remote updates may make it momentarily negative, which is
        // never a peak.
        let live = owner_live.wrapping_add(remote);
        let mut peak = self.peak_bytes.load(Ordering::Relaxed).cast_signed();
        if live > peak {
            self.peak_bytes
                .store(live.cast_unsigned(), Ordering::Relaxed);
            peak = live;
        }
        self.recompute_threshold(remote, peak);
    }

    /// Owner only: `threshold = peak - remote`, from values just read. A remote
    /// allocation, `reset_peaks` or a budget set may have happened since they were read,
    /// and its `i64::MIN` store may come before ours: each stores with `SeqCst` after
    /// changing what it changes (`SeqCst` too), and we re-read all three after our store,
    /// so either their store comes after ours or we see their change and keep the
    /// threshold at `i64::MIN`.
    fn recompute_threshold(&self, remote: i64, peak: i64) {
        self.threshold
            .store(peak.wrapping_sub(remote), Ordering::SeqCst);
        if self.remote_live.load(Ordering::SeqCst).cast_signed() != remote
            || self.peak_bytes.load(Ordering::SeqCst).cast_signed() != peak
            || self.may_have_budget.load(Ordering::SeqCst)
        {
            self.threshold.store(i64::MIN, Ordering::SeqCst);
        }
    }

    /// Account a free of `bytes` (pool/heap), from any thread. The update is the last
    /// access to the slot (Release), so whoever sees all frees done may free the shard.
    #[inline(always)]
    pub(crate) fn on_free(&self, bytes: u64) {
        self.on_free_by(crate::ids::thread_token_if_any(), bytes);
    }

    /// [`on_free`](Self::on_free) with the calling thread's token (0 if it has none)
    /// already read.
    #[inline(always)]
    pub(crate) fn on_free_by(&self, token: u64, bytes: u64) {
        if cfg!(feature = "minimal") {
            return;
        }
        if self.is_owned_by(token) {
            self.on_free_owner(bytes);
        } else {
            self.on_free_remote(bytes);
        }
    }

    /// [`on_free`](Self::on_free) on the owner thread (the caller checked
    /// [`is_owned_by`](Self::is_owned_by)).
    #[inline(always)]
    pub(crate) fn on_free_owner(&self, bytes: u64) {
        let freed = self.freed_bytes.load(Ordering::Relaxed).wrapping_add(bytes);
        self.freed_bytes.store(freed, Ordering::Release);
    }

    /// [`on_free`](Self::on_free) on any other thread.
    #[inline]
    fn on_free_remote(&self, bytes: u64) {
        self.remote_live.fetch_sub(bytes, Ordering::Release);
    }

    /// Account a resize from `old` to `new` bytes (heap `grow`/`shrink`).
    pub(crate) fn on_resize(&self, old: u64, new: u64) {
        if cfg!(feature = "minimal") {
            return;
        }
        let owner = self.is_owner();
        if new >= old {
            let delta = new - old;
            if owner {
                add_local(&self.allocated_bytes, delta);
            } else {
                self.remote_allocated_bytes
                    .fetch_add(delta, Ordering::Relaxed);
                // Live bytes rise behind the owner's back: as in `on_alloc_remote`.
                self.remote_live.fetch_add(delta, Ordering::SeqCst);
                self.threshold.store(i64::MIN, Ordering::SeqCst);
            }
        } else {
            let delta = old - new;
            if owner {
                add_local(&self.freed_bytes, delta);
            } else {
                self.remote_live.fetch_sub(delta, Ordering::Relaxed);
            }
        }
    }

    /// Owner only: account frame bytes and explicit handles bumped since the last
    /// checkpoint.
    pub(crate) fn on_frame_delta(&self, bytes: u64, handles: u64) {
        if cfg!(feature = "minimal") {
            return;
        }
        add_local(&self.allocated_bytes, bytes);
        add_local(&self.allocations, handles);
        let live = self.frame_live.load(Ordering::Relaxed) + bytes;
        self.frame_live.store(live, Ordering::Relaxed);
        if live > self.peak_bytes.load(Ordering::Relaxed) {
            self.peak_bytes.store(live, Ordering::Relaxed);
        }
    }

    /// Owner only: the frame's last growth, `bytes` and `handles` (as
    /// [`on_frame_delta`](Self::on_frame_delta)), and its reset (as
    /// [`end_frame`](Self::end_frame)) in one update.
    #[inline]
    pub(crate) fn on_frame_end(&self, bytes: u64, handles: u64) {
        if cfg!(feature = "minimal") {
            return;
        }
        add_local(&self.allocated_bytes, bytes);
        add_local(&self.allocations, handles);
        let live = self.frame_live.load(Ordering::Relaxed) + bytes;
        if live > self.peak_bytes.load(Ordering::Relaxed) {
            self.peak_bytes.store(live, Ordering::Relaxed);
        }
        self.frame_live.store(0, Ordering::Relaxed);
    }

    /// Owner only: [`on_frame_end`](Self::on_frame_end) of a frame with nothing credited
    /// before its end (so its `frame_live` is 0): a frame whose bytes were all given back
    /// in place: [`on_frame_closed`](Self::on_frame_closed) (its peak is its `bytes`)
    /// plus its handles.
    #[inline(always)]
    pub(crate) fn on_rewound_frame_end(&self, bytes: u64, handles: u64) {
        if cfg!(feature = "minimal") {
            return;
        }
        debug_assert_eq!(self.frame_live.load(Ordering::Relaxed), 0);
        add_local(&self.allocations, handles);
        self.on_frame_closed(bytes);
    }

    /// Owner only: a frame that holds nothing anymore ended having used `bytes` — a
    /// scratch scope of this thread, or a frame whose bytes were all given back — as a
    /// task frame's reset ([`on_task_frame`](Self::on_task_frame)) but with owner
    /// stores: its bytes count as allocated and the largest such frame as a peak.
    #[inline(always)]
    pub(crate) fn on_frame_closed(&self, bytes: u64) {
        if cfg!(feature = "minimal") {
            return;
        }
        add_local(&self.allocated_bytes, bytes);
        if bytes > self.peak_bytes.load(Ordering::Relaxed) {
            self.peak_bytes.store(bytes, Ordering::Relaxed);
        }
    }

    /// Owner only: one handle counted by a checkpoint was never made after all (its call
    /// failed): take its count back.
    pub(crate) fn uncount_allocation(&self) {
        if cfg!(feature = "minimal") {
            return;
        }
        // Saturating: the count was taken by a checkpoint under this tag, so it is at
        // least 1; never wrap if that ever fails to hold.
        let count = self.allocations.load(Ordering::Relaxed);
        self.allocations
            .store(count.saturating_sub(1), Ordering::Relaxed);
    }

    /// Owner only: the frame was reset.
    pub(crate) fn end_frame(&self) {
        if cfg!(feature = "minimal") {
            return;
        }
        self.frame_live.store(0, Ordering::Relaxed);
    }

    /// The slot's tag has a budget now: keep the threshold at `i64::MIN` (flag first,
    /// see [`recompute_threshold`](Self::recompute_threshold)).
    fn arm_budget(&self) {
        self.may_have_budget.store(true, Ordering::SeqCst);
        self.threshold.store(i64::MIN, Ordering::SeqCst);
    }

    /// Pool/heap live bytes. The freed counters are read first (Acquire, pairing with
    /// the frees' Release updates): a free seen here makes every allocation that
    /// happened before it visible to the loads that follow, so a handle that is still
    /// alive is never missed (e.g. a clone made just before the original was dropped).
    #[inline(always)]
    pub(crate) fn live_bytes(&self) -> u64 {
        let freed = self.freed_bytes.load(Ordering::Acquire);
        let remote = self.remote_live.load(Ordering::Acquire);
        let allocated = self.allocated_bytes.load(Ordering::Relaxed);
        let live = allocated
            .wrapping_sub(freed)
            .wrapping_add(remote)
            .cast_signed();
        live.max(0).cast_unsigned()
    }

    /// A snapshot of this slot: `(allocated_bytes, allocations, live_bytes, peak_bytes)`.
    pub(crate) fn read(&self, kind: usize) -> [u64; 4] {
        let live = if kind == FRAME {
            self.frame_live.load(Ordering::Relaxed)
        } else {
            self.live_bytes()
        };
        [
            self.allocated_bytes.load(Ordering::Relaxed)
                + self.remote_allocated_bytes.load(Ordering::Relaxed),
            self.allocations.load(Ordering::Relaxed)
                + self.remote_allocations.load(Ordering::Relaxed),
            live,
            self.peak_bytes.load(Ordering::Relaxed).max(live),
        ]
    }

    /// Reset the peak to the current live value (owner or not: a racy but benign store).
    pub(crate) fn reset_peak(&self, kind: usize) {
        let live = if kind == FRAME {
            self.frame_live.load(Ordering::Relaxed)
        } else {
            self.live_bytes()
        };
        self.peak_bytes.store(live, Ordering::SeqCst);
        // The owner's threshold was computed from the old peak: force a recompute (see
        // `recompute_threshold` for the order).
        self.threshold.store(i64::MIN, Ordering::SeqCst);
    }

    /// Frame kind of the task-frame shard, from any thread: a task frame that used
    /// `bytes` was reset or dropped. Its bytes count as allocated, and the largest one as
    /// the peak (a task frame between resets is one frame); they are never live, as the
    /// frame has ended by the time it is credited.
    pub(crate) fn on_task_frame(&self, bytes: u64) {
        if cfg!(feature = "minimal") {
            return;
        }
        self.remote_allocated_bytes
            .fetch_add(bytes, Ordering::Relaxed);
        // A load first: most credits (scratch scopes, steady task frames) do not raise
        // the peak, and the compare-exchange loop of `fetch_max` is the costly part.
        if bytes > self.peak_bytes.load(Ordering::Relaxed) {
            self.peak_bytes.fetch_max(bytes, Ordering::Relaxed);
        }
    }

    fn touched(&self) -> bool {
        self.allocations.load(Ordering::Relaxed) != 0
            || self.remote_allocations.load(Ordering::Relaxed) != 0
            || self.allocated_bytes.load(Ordering::Relaxed) != 0
            || self.remote_allocated_bytes.load(Ordering::Relaxed) != 0
    }
}

/// Account an allocation of `bytes` on `slot` from any thread (a clone of a pool handle).
///
/// # Safety
///
/// `slot` is the slot of a live pool handle. Under `minimal` it is not touched at all:
/// nothing is counted, so the orphan rule does not keep its shard alive.
#[inline(always)]
pub(crate) unsafe fn account_alloc(slot: NonNull<KindSlot>, bytes: u64) {
    #[cfg(not(feature = "minimal"))]
    // SAFETY: the caller's guarantee; the shard outlives its pool handles (orphan rule).
    unsafe { slot.as_ref() }.on_alloc(bytes);
    #[cfg(feature = "minimal")]
    let _ = (slot, bytes);
}

/// One tag's slots.
#[derive(Default)]
pub(crate) struct TagSlot {
    pub(crate) kinds: [KindSlot; 3],
    /// Frame number + 1 of the last budget event for this tag on this thread (events are
    /// reported once per frame per budget).
    warned: AtomicU64,
}

impl TagSlot {
    /// Bytes the tag has in use on this shard's thread: frame bytes of the current frame
    /// (as of the last checkpoint) plus live pool and heap bytes.
    fn in_use(&self) -> u64 {
        self.kinds[FRAME].frame_live.load(Ordering::Relaxed)
            + self.kinds[POOL].live_bytes()
            + self.kinds[HEAP].live_bytes()
    }
}

type Segment = [TagSlot; SEGMENT];

/// The counters one thread keeps for one allocator instance.
pub(crate) struct Shard {
    /// Owning thread's token ([`NO_OWNER`] while retired). Mirrored into every slot
    /// (`owner`).
    owner: AtomicU64,
    segments: [AtomicPtr<Segment>; SEGMENTS],
    /// The instance's budgets (shared by all its shards).
    budgets: Arc<Budgets>,
    /// The instance's id (to find the calling thread's arena for a frame number).
    instance: u64,
    /// The calling thread's frame number for an instance, to date budget events raised
    /// where no arena is at hand (the frame registry's lookup, passed down so this layer
    /// does not use `frame`).
    frame_number: fn(u64) -> u64,
}

impl Shard {
    pub(crate) fn new(budgets: Arc<Budgets>, instance: u64, frame_number: fn(u64) -> u64) -> Shard {
        Shard {
            owner: AtomicU64::new(NO_OWNER),
            segments: [const { AtomicPtr::new(ptr::null_mut()) }; SEGMENTS],
            budgets,
            instance,
            frame_number,
        }
    }

    /// The instance's budgets.
    #[inline(always)]
    pub(crate) fn budgets(&self) -> &Budgets {
        &self.budgets
    }

    /// The instance's budgets, shared (to deliver events after the caller returns).
    pub(crate) fn budgets_arc(&self) -> &Arc<Budgets> {
        &self.budgets
    }

    /// If `tag` has a budget that `requested` more bytes of `kind` would exceed, the
    /// event, and whether it is the first for this budget in frame `frame` (to be
    /// reported: the caller does that once its state allows user code to run, see
    /// [`crate::callout`]). `pending`: the tag's frame bytes not yet credited to its slot.
    ///
    /// Called on the owner thread, or by a pool/heap allocator on another thread for a
    /// tag whose slot exists (so `slot` creates nothing).
    #[cold]
    #[inline(never)]
    pub(crate) fn tag_overrun(
        &self,
        tag: TagId,
        kind: Kind,
        requested: u64,
        pending: u64,
        frame: u64,
        refusing: bool,
    ) -> Option<(BudgetEvent, bool)> {
        // Under `minimal` nothing is accounted to tags, so tag budgets cannot be checked.
        if cfg!(feature = "minimal") || !self.budgets.any_tag() {
            return None;
        }
        let limit = self.budgets.tag_limit(tag)?;
        let slot = self.slot(tag);
        let used = slot.in_use() + pending;
        if used.saturating_add(requested) <= limit {
            return None;
        }
        let event = BudgetEvent {
            tag: tag::name_of(tag),
            kind,
            scope: BudgetScope::Tag,
            limit,
            used,
            requested,
            frame,
            refused: refusing,
        };
        let first = slot.warned.swap(frame + 1, Ordering::Relaxed) != frame + 1;
        Some((event, first))
    }

    /// The instance this shard belongs to.
    pub(crate) fn instance(&self) -> u64 {
        self.instance
    }

    /// Give the shard to thread `token`. Called under the instance's shard lock, so a
    /// handover is ordered after the previous owner's last update.
    pub(crate) fn set_owner(&self, token: u64) {
        self.owner.store(token, Ordering::Relaxed);
        for segment in &self.segments {
            let segment = segment.load(Ordering::Acquire);
            if !segment.is_null() {
                // SAFETY: segments are created once and freed only when the shard drops.
                for slot in unsafe { &*segment } {
                    for kind in &slot.kinds {
                        kind.owner.store(token, Ordering::Relaxed);
                    }
                }
            }
        }
    }

    /// The slot of `tag` (owner thread only: it may create the segment; other threads only
    /// for a tag whose slot is known to exist — except on the detached task-frame shard,
    /// which no thread owns and whose segments any thread may create).
    #[inline(always)]
    pub(crate) fn slot(&self, tag: TagId) -> &TagSlot {
        let tag = tag as usize;
        let (segment, index) = if tag < SEGMENT * SEGMENTS {
            (tag / SEGMENT, tag % SEGMENT)
        } else {
            (0, 0)
        };
        let mut ptr = self.segments[segment].load(Ordering::Acquire);
        if ptr.is_null() {
            ptr = self.new_segment(segment);
        }
        // SAFETY: a published segment stays put until the shard drops, and the shard
        // outlives every reference handed out (see the module docs).
        unsafe { &(*ptr)[index] }
    }

    #[cold]
    #[inline(never)]
    fn new_segment(&self, segment: usize) -> *mut Segment {
        let owner = self.owner.load(Ordering::Relaxed);
        let fresh: Box<Segment> = Box::new(core::array::from_fn(|_| TagSlot::default()));
        for slot in fresh.iter() {
            for kind in &slot.kinds {
                kind.owner.store(owner, Ordering::Relaxed);
            }
        }
        let ptr = Box::into_raw(fresh);
        // A thread shard's segments are made by its owner only, but the task-frame shard
        // (see [`ShardSet::detached`](super::ShardSet::detached)) is credited from any
        // thread: publish with a compare-exchange, and a loser frees its copy. Release
        // publishes the initialised slots to snapshot readers.
        match self.segments[segment].compare_exchange(
            ptr::null_mut(),
            ptr,
            Ordering::SeqCst,
            Ordering::Acquire,
        ) {
            Ok(_) => {
                // Budgets set before the segment was published (a setter that did not
                // see it arms nothing in it; see `arm_tag_budget` for the fences).
                fence(Ordering::SeqCst);
                if self.budgets.any_tag() {
                    // SAFETY: just published, stays put until the shard drops.
                    for (i, slot) in unsafe { &*ptr }.iter().enumerate() {
                        let tag = (segment * SEGMENT + i) as TagId;
                        if self.budgets.tag_limit(tag).is_some() {
                            slot.kinds[POOL].arm_budget();
                        }
                    }
                }
                ptr
            }
            Err(existing) => {
                // SAFETY: `ptr` came from `Box::into_raw` above and was never published,
                // so nothing else can reach it.
                drop(unsafe { Box::from_raw(ptr) });
                existing
            }
        }
    }

    /// `tag` got a budget (any thread; the budget is already in the instance's table,
    /// followed by a `SeqCst` fence): keep its pool slot on the cold path, where the
    /// budget is checked. Touches only existing segments — one made later reads the
    /// budget table itself (see `new_segment`); the fences on both sides make sure one
    /// of the two sees the other.
    pub(crate) fn arm_tag_budget(&self, tag: TagId) {
        let tag = tag as usize;
        if tag >= SEGMENT * SEGMENTS {
            return;
        }
        let segment = self.segments[tag / SEGMENT].load(Ordering::SeqCst);
        if !segment.is_null() {
            // SAFETY: as in `slot`.
            unsafe { &(*segment)[tag % SEGMENT] }.kinds[POOL].arm_budget();
        }
    }

    /// Visit every slot that saw any activity: `f(tag, kind, [allocated, count, live, peak])`.
    pub(crate) fn for_each_touched(&self, mut f: impl FnMut(TagId, usize, [u64; 4])) {
        for (s, segment) in self.segments.iter().enumerate() {
            let segment = segment.load(Ordering::Acquire);
            if segment.is_null() {
                continue;
            }
            // SAFETY: as in `slot`.
            for (i, slot) in unsafe { &*segment }.iter().enumerate() {
                for (kind, k) in slot.kinds.iter().enumerate() {
                    if k.touched() {
                        f((s * SEGMENT + i) as TagId, kind, k.read(kind));
                    }
                }
            }
        }
    }

    /// Reset every peak to the current live value.
    pub(crate) fn reset_peaks(&self) {
        self.for_each_slot(|kind, k| k.reset_peak(kind));
    }

    /// The owner thread is gone: nobody owns the shard until it is handed out again.
    pub(crate) fn retire(&self) {
        self.set_owner(NO_OWNER);
    }

    /// Whether any pool handle still points into this shard: live pool bytes (see the
    /// module docs; `live_bytes` reads the frees first, with Acquire).
    pub(crate) fn has_outstanding_pool_handles(&self) -> bool {
        let mut any = false;
        self.for_each_slot(|kind, k| any |= kind == POOL && k.live_bytes() != 0);
        any
    }

    fn for_each_slot(&self, mut f: impl FnMut(usize, &KindSlot)) {
        for segment in &self.segments {
            let segment = segment.load(Ordering::Acquire);
            if segment.is_null() {
                continue;
            }
            // SAFETY: as in `slot`.
            for slot in unsafe { &*segment } {
                for (kind, k) in slot.kinds.iter().enumerate() {
                    f(kind, k);
                }
            }
        }
    }

    /// A pointer to a kind slot, for handles that account their own free.
    #[inline(always)]
    pub(crate) fn kind_ptr(&self, tag: TagId, kind: usize) -> NonNull<KindSlot> {
        NonNull::from(&self.slot(tag).kinds[kind])
    }
}

impl Drop for Shard {
    fn drop(&mut self) {
        for segment in &mut self.segments {
            let ptr = *segment.get_mut();
            if !ptr.is_null() {
                // SAFETY: made by `Box::into_raw` in `new_segment`, freed once here;
                // nothing points into a shard that is being dropped.
                drop(unsafe { Box::from_raw(ptr) });
            }
        }
    }
}

/// A kind slot together with the shard that holds it: what a pool or heap *allocator*
/// value carries, so its accounting target lives as long as any copy of it.
#[derive(Clone)]
pub(crate) struct SlotHandle {
    /// Keeps the shard (and so `slot`) alive.
    shard: std::sync::Arc<Shard>,
    slot: NonNull<KindSlot>,
    tag: TagId,
}

// SAFETY: `slot` points into the shard kept alive by the `Arc`; every `KindSlot` method
// is safe from any thread (owner-only counters are written only by the owner thread).
unsafe impl Send for SlotHandle {}
// SAFETY: as for `Send`: all access through `&self` is thread-safe.
unsafe impl Sync for SlotHandle {}

impl SlotHandle {
    /// The `kind` slot of `tag` in `shard` (called on the shard's owner thread).
    pub(crate) fn new(shard: &std::sync::Arc<Shard>, tag: TagId, kind: usize) -> SlotHandle {
        SlotHandle {
            slot: shard.kind_ptr(tag, kind),
            shard: shard.clone(),
            tag,
        }
    }

    /// Check the handle's tag budget for `requested` more bytes of `kind` (collection
    /// growth: under `Enforce` a refusal follows `on_misuse`, there being no error
    /// channel but `AllocError`, which collections turn into an abort).
    #[inline(always)]
    #[track_caller]
    pub(crate) fn check_budget(&self, kind: Kind, requested: u64) {
        let budgets = self.shard.budgets();
        if budgets.any_tag() && budgets.tag_limit(self.tag).is_some() {
            self.check_budget_slow(kind, requested);
        }
    }

    #[cold]
    #[inline(never)]
    #[track_caller]
    fn check_budget_slow(&self, kind: Kind, requested: u64) {
        let budgets = self.shard.budgets();
        let frame = (self.shard.frame_number)(self.shard.instance());
        if let Some((event, first)) =
            self.shard
                .tag_overrun(self.tag, kind, requested, 0, frame, budgets.refuses(false))
        {
            // Collection growth: nothing is half-done here (the collection's own state
            // changes after its allocator returns), so the callback may run now.
            if first {
                budgets.report(&event);
            }
            let _ = budgets.verdict(&event, false);
        }
    }

    /// The tag the slot belongs to.
    #[cfg(feature = "debug")]
    pub(crate) fn tag(&self) -> TagId {
        self.tag
    }

    /// The instance the slot's shard belongs to.
    #[cfg(feature = "debug")]
    pub(crate) fn instance(&self) -> u64 {
        self.shard.instance()
    }

    /// The slot.
    #[inline(always)]
    pub(crate) fn get(&self) -> &KindSlot {
        // SAFETY: see the `Send` impl.
        unsafe { self.slot.as_ref() }
    }
}
