//! Accounting counters: the per-(thread, instance) shards and their slots, the set of
//! shards of one allocator instance, and the [`Kind`]s they count.
//!
//! Below `frame`, `pool`, `heap` and `task` (which write the counters) and below `stats`
//! (which sums them into a snapshot); above `budget`, `tag` and `ids`.

pub(crate) mod shard;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use shard::Shard;

use crate::tag::TagId;

/// The three allocation strategies, as accounted in [`Stats`](crate::Stats).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Kind {
    /// Frame memory (scoped and explicit).
    Frame,
    /// Pool memory (`pool_box`, `pool_arc`, `pool_allocator`).
    Pool,
    /// Heap memory (`heap_box`, `heap_vec`, `heap_allocator`).
    Heap,
}

impl Kind {
    /// All kinds, in display order.
    pub const ALL: [Kind; 3] = [Kind::Frame, Kind::Pool, Kind::Heap];

    pub(crate) fn index(self) -> usize {
        match self {
            Kind::Frame => shard::FRAME,
            Kind::Pool => shard::POOL,
            Kind::Heap => shard::HEAP,
        }
    }

    /// Lower-case name (`"frame"`, `"pool"`, `"heap"`).
    ///
    /// ```
    /// use framealloc::Kind;
    ///
    /// let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
    /// assert_eq!(names, ["frame", "pool", "heap"]);
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Kind::Frame => "frame",
            Kind::Pool => "pool",
            Kind::Heap => "heap",
        }
    }
}

/// The shards of one allocator instance.
pub(crate) struct ShardSet {
    list: Mutex<ShardList>,
    budgets: Arc<crate::budget::Budgets>,
    instance: u64,
    /// Passed to each shard (see `Shard::frame_number`).
    frame_number: fn(u64) -> u64,
}

#[derive(Default)]
struct ShardList {
    all: Vec<Arc<Shard>>,
    retired: Vec<Arc<Shard>>,
}

impl ShardSet {
    /// The shards of instance `instance`; `frame_number(instance)` gives the calling
    /// thread's current frame number (for budget events).
    pub(crate) fn new(
        budgets: Arc<crate::budget::Budgets>,
        instance: u64,
        frame_number: fn(u64) -> u64,
    ) -> ShardSet {
        ShardSet {
            list: Mutex::new(ShardList::default()),
            budgets,
            instance,
            frame_number,
        }
    }

    fn lock(&self) -> MutexGuard<'_, ShardList> {
        self.list.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A shard for thread `token`: a retired one (its counters keep adding up) or new.
    ///
    /// Nothing that allocates runs under the list's lock (see [`crate::locked_vec`]).
    pub(crate) fn acquire(&self, token: u64) -> Arc<Shard> {
        let retired = self.lock().retired.pop();
        let shard = retired.unwrap_or_else(|| self.new_shard());
        let _list = self.lock();
        // Under the lock: a handover is ordered after the previous owner's last update.
        shard.set_owner(token);
        shard
    }

    /// A shard no thread ever owns, summed into the stats like the others: the task
    /// frames' (their frame bytes are credited to it from any thread, with atomic
    /// read-modify-writes, see [`shard::KindSlot::on_task_frame`]).
    pub(crate) fn detached(&self) -> Arc<Shard> {
        self.new_shard()
    }

    /// A new shard, listed (summed into the stats) but owned by no thread yet.
    fn new_shard(&self) -> Arc<Shard> {
        let shard = Arc::new(Shard::new(
            self.budgets.clone(),
            self.instance,
            self.frame_number,
        ));
        crate::locked_vec::lock_with_room(|| self.lock(), |l| &mut l.all)
            .all
            .push(shard.clone());
        shard
    }

    /// The owner thread is gone: the shard waits for the next thread.
    pub(crate) fn retire(&self, shard: &Arc<Shard>) {
        let mut list = crate::locked_vec::lock_with_room(|| self.lock(), |l| &mut l.retired);
        shard.retire();
        list.retired.push(shard.clone());
    }

    /// Call `f` with every tag, kind and counter snapshot of every shard (see
    /// [`Shard::for_each_touched`]).
    pub(crate) fn for_each_touched(&self, mut f: impl FnMut(TagId, usize, [u64; 4])) {
        for shard in &self.lock().all {
            shard.for_each_touched(&mut f);
        }
    }

    pub(crate) fn reset_peaks(&self) {
        for shard in &self.lock().all {
            shard.reset_peaks();
        }
    }

    /// `tag` just got a budget in the instance's table: keep its pool slots on the
    /// cold path (where the budget is checked) in every shard.
    pub(crate) fn arm_tag_budget(&self, tag: TagId) {
        // Pairs with the fence in `Shard::new_segment`: either a segment published
        // concurrently is seen here, or its maker sees the budget.
        core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
        for shard in &self.lock().all {
            shard.arm_tag_budget(tag);
        }
    }
}

/// Shards of dropped allocators that pool handles still point into. Swept (freed once
/// their last handle is gone) whenever an allocator drops.
static ORPHANS: Mutex<Vec<Arc<Shard>>> = Mutex::new(Vec::new());

impl Drop for ShardSet {
    fn drop(&mut self) {
        let list = self.list.get_mut().unwrap_or_else(PoisonError::into_inner);
        list.retired.clear();
        let mut orphans = ORPHANS.lock().unwrap_or_else(PoisonError::into_inner);
        // Pool handles outliving their allocator point into its shards (without a
        // reference count, to keep the pool path cheap): keep such shards until their
        // last handle is freed. A handle's free ends with a Release update of its freed
        // bytes, which `has_outstanding_pool_handles` reads with Acquire, so a shard
        // seen with no live pool bytes is no longer touched by any free. Pool and heap
        // allocators hold an `Arc` of their own.
        orphans.extend(list.all.drain(..));
        orphans.retain(|shard| shard.has_outstanding_pool_handles());
    }
}
