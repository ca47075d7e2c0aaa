//! The arena pool behind task frames: owned bump arenas checked out by
//! [`TaskFrame`](crate::TaskFrame)s and given back (reset, largest chunk kept) when they
//! drop.
//!
//! # Bound
//!
//! An arena is made only when the pool has none idle, and the check, the count and the
//! checkout happen under one lock: at that moment every arena made so far is checked out.
//! So the number of arenas ever made — and so the pool's size — is the *peak number of
//! task frames alive at once* on this allocator, never more. Each arena keeps only its
//! largest chunk across checkouts, so N concurrent tasks in steady state make no system
//! allocation. The arenas are freed when the last of the allocator and its task frames
//! drops.
//!
//! # Accounting
//!
//! Task frames may be dropped on any thread, so their bytes are credited, with atomic
//! read-modify-writes, to a shard that no thread owns (`ShardSet::detached`), summed into
//! `stats()` like every thread's shard: frame kind, the task frame's tag.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bumpalo::Bump;

use crate::Kind;
use crate::budget::Overruns;
use crate::counters::shard::{FRAME, Shard};
use crate::tag::TagId;

/// One allocator instance's task-frame arenas.
pub(crate) struct TaskPool {
    state: Mutex<PoolState>,
    /// Where task frames' bytes are credited (no owner thread; see the module docs).
    shard: Arc<Shard>,
    /// Task frames ended so far (resets and drops): numbers the budget events, which are
    /// reported once per budget per number, so each ended task frame reports its own.
    ended: std::sync::atomic::AtomicU64,
}

struct PoolState {
    /// Idle arenas, each reset (one chunk, the largest it had, or none).
    idle: Vec<Bump>,
    /// Arenas checked out.
    in_use: usize,
    /// Arenas made. Invariant: `idle.len() + in_use == made` (an arena whose task frame
    /// was leaked stays counted in `in_use`), and `made` is the peak of `in_use`.
    made: usize,
}

impl TaskPool {
    pub(crate) fn new(shard: Arc<Shard>) -> TaskPool {
        TaskPool {
            state: Mutex::new(PoolState {
                idle: Vec::new(),
                in_use: 0,
                made: 0,
            }),
            shard,
            ended: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // The state is consistent at every point a panic could occur (nothing panics
        // while it is locked), so a poisoned lock is safe to keep using.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Check an arena out: an idle one, or a new empty one (which allocates nothing until
    /// its first allocation).
    pub(crate) fn checkout(&self) -> Bump {
        let mut state = self.lock();
        state.in_use += 1;
        if let Some(bump) = state.idle.pop() {
            return bump;
        }
        // Every arena made is in use: this one raises the peak.
        state.made += 1;
        debug_assert_eq!(state.made, state.in_use, "made is the peak of in_use");
        drop(state);
        Bump::new()
    }

    /// Take back an arena whose task frame used `used` bytes under `tag`: credit them,
    /// reset the arena (keeping its largest chunk) and put it back. Returns the budget
    /// overruns to deliver once the caller is done (user code runs last).
    pub(crate) fn give_back(&self, mut bump: Bump, tag: TagId, used: usize) -> Overruns {
        let overruns = self.credit(tag, used);
        clear(&mut bump);
        // Room first, with the lock released: pushing must not allocate under the lock
        // (the global allocator may be user code that uses framealloc).
        let mut state = crate::locked_vec::lock_with_room(|| self.lock(), |s| &mut s.idle);
        state.idle.push(bump);
        state.in_use -= 1;
        debug_assert!(state.idle.len() + state.in_use == state.made);
        overruns
    }

    /// Credit `used` bytes of a task frame that ended (reset or dropped) to `tag`'s frame
    /// counters, and find the tag budget it overran (SPEC §7: after the fact, like the
    /// scoped path at frame end; never refused).
    #[inline]
    pub(crate) fn credit(&self, tag: TagId, used: usize) -> Overruns {
        if self.credit_quiet(tag, used) {
            // Inline and without budgets, nothing is built or copied: a scratch scope's
            // exit spent a third of its instructions moving an empty `Overruns`.
            return Overruns::none();
        }
        let used = used as u64;
        self.shard.slot(tag).kinds[FRAME].on_task_frame(used);
        self.tag_overruns(tag, used)
    }

    /// [`credit`](Self::credit) when the instance has no tag budget (nothing to check or
    /// report); `false`, and nothing done, when it has: then call `credit`.
    #[inline]
    pub(crate) fn credit_quiet(&self, tag: TagId, used: usize) -> bool {
        if cfg!(feature = "minimal") || used == 0 {
            return true;
        }
        if self.shard.budgets_arc().any_tag() {
            return false;
        }
        self.shard.slot(tag).kinds[FRAME].on_task_frame(used as u64);
        true
    }

    /// [`credit`](Self::credit)'s budget check, for an instance with tag budgets.
    #[cold]
    #[inline(never)]
    fn tag_overruns(&self, tag: TagId, used: u64) -> Overruns {
        let mut overruns = Overruns::none();
        let budgets = self.shard.budgets_arc();
        if budgets.tag_limit(tag).is_some() {
            let number = self
                .ended
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                + 1;
            // The detached shard holds no live bytes: the use checked is the task
            // frame's own (`pending`).
            if let Some((event, true)) =
                self.shard
                    .tag_overrun(tag, Kind::Frame, 0, used, number, false)
            {
                overruns.push(budgets, event);
            }
        }
        overruns
    }

    /// Idle arenas.
    pub(crate) fn idle(&self) -> usize {
        self.lock().idle.len()
    }

    /// Arenas checked out (task frames alive, or leaked).
    pub(crate) fn in_use(&self) -> usize {
        self.lock().in_use
    }

    /// Arenas made: the peak number of task frames alive at once.
    pub(crate) fn made(&self) -> usize {
        self.lock().made
    }
}

/// Reset `bump`, keeping its largest chunk (`debug`: poisoned first).
pub(crate) fn clear(bump: &mut Bump) {
    #[cfg(feature = "debug")]
    // SAFETY: `&mut Bump`, and the task frame that used it is being reset or dropped, so
    // nothing allocated from it is in use: its allocated bytes are ours to overwrite;
    // each `(ptr, len)` is an allocated region of a live chunk.
    unsafe {
        for (ptr, len) in bump.iter_allocated_chunks_raw() {
            ptr.write_bytes(crate::debug::FRAME_POISON, len);
        }
    }
    // bumpalo frees every chunk but the current one, which is its largest (each new
    // chunk is at least as big as the previous).
    bump.reset();
}

/// Bytes of `bump` in use: chunk bytes minus the current chunk's free room (older chunks
/// count whole, so padding and chunk tails are included — as for thread arenas).
pub(crate) fn used_bytes(bump: &Bump) -> usize {
    bump.allocated_bytes().saturating_sub(bump.chunk_capacity())
}
