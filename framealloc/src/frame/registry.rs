//! Finding the calling thread's arena for an allocator instance without a lock.
//!
//! Each `SmartAlloc` instance owns an [`ArenaSet`]: one [`ThreadArena`] per thread that
//! used it, keyed by a per-thread token that is never reused (SPEC §4.10: the
//! `thread_local` crate recycles a dead thread's slot while that thread's TLS destructors
//! may still hold frame handles, so it must not own arenas).
//!
//! The hot path is a const-initialised, destructor-free thread-local one-entry cache of
//! `(instance id, arena pointer)`. Instance ids come from a global counter (starting at
//! 1; 0 means "empty") and are never reused, so a cache entry left behind by a dropped
//! instance can never match a new one — unlike an address, which the next instance may
//! reuse. A const initialiser without destructor means the cache still works during
//! thread teardown.
//!
//! When a thread exits, a second thread-local (with a destructor) frees that thread's
//! idle arenas; an arena still in use by a later TLS destructor is freed when the
//! instance drops instead.

use core::cell::{Cell, RefCell};
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use super::arena::ThreadArena;
use crate::counters::shard::KindSlot;
use crate::ids::thread_token;

#[derive(Clone, Copy)]
struct CacheEntry {
    /// Instance id, or 0 for "empty".
    id: u64,
    arena: *const ThreadArena,
    /// `id` while `pool_slot` is valid, else 0: the pool hot path tests the two with
    /// one compare (a separate null test cost 4 instructions per allocation).
    pool_id: u64,
    /// The pool slot of the thread's current tag in `arena`'s shard (null unless
    /// `pool_id != 0`; a raw pointer, not `NonNull`: with a `NonNull` field the entry's
    /// niche made `LocalKey::with` test it on every read, 2 instructions): the pool hot path's accounting target, found with the same
    /// thread-local load as the arena (SPEC §4.12). Valid only until it may be stale:
    /// set by [`cache_pool_slot`] for the cached arena; `pool_id` is cleared on every
    /// tag change ([`tag_changed_on_current_thread`]) and whenever the entry changes
    /// (another instance, or the arena released: its shard is retired and may pass to
    /// another thread, so a late TLS destructor must not write into it through a stale
    /// pointer).
    pool_slot: *const KindSlot,
}

impl CacheEntry {
    const EMPTY: CacheEntry = CacheEntry {
        id: 0,
        arena: ptr::null(),
        pool_id: 0,
        pool_slot: ptr::null(),
    };
}

thread_local! {
    /// One-entry cache of the last arena this thread looked up.
    ///
    /// Invariant: if `id != 0`, `arena` points to this thread's live arena in the
    /// `ArenaSet` of instance `id`. Entries are cleared before their arena is freed on
    /// thread exit; an instance that drops frees its arenas, but its id is never used
    /// again, so its stale entry never matches.
    static CACHE: Cell<CacheEntry> = const {
        Cell::new(CacheEntry::EMPTY)
    };

    /// Tag-change checkpoints running on this thread (see
    /// [`tag_changed_on_current_thread`]): they use the cached arena with no allocator
    /// held, so while one runs this thread's arenas are buried instead of freed.
    static CHECKPOINTS: Cell<u32> = const { Cell::new(0) };

    /// The instances that made an arena on this thread, to release on thread exit.
    static THREAD_EXIT: ThreadExit = const { ThreadExit { sets: RefCell::new(Vec::new()) } };

    /// Set when this thread's [`ThreadExit`] runs: from then on no arena is cached (see
    /// [`Entry::orphaned`]). Const and without destructor, so it reads during teardown.
    static EXITED: Cell<bool> = const { Cell::new(false) };
}

/// Whether this thread's [`ThreadExit`] has run (or its thread-locals are gone).
fn thread_exited() -> bool {
    EXITED.try_with(Cell::get).unwrap_or(true)
}

/// Releases this thread's idle arenas when the thread exits.
struct ThreadExit {
    sets: RefCell<Vec<Weak<ArenaSet>>>,
}

impl Drop for ThreadExit {
    fn drop(&mut self) {
        // First: the arenas kept below (not idle) must never be cached again.
        let _ = EXITED.try_with(|e| e.set(true));
        for set in self.sets.get_mut().drain(..) {
            if let Some(set) = set.upgrade() {
                set.release_current_thread();
            }
        }
        free_buried(thread_token());
    }
}

/// Arenas of dropped instances whose owner thread is another, live one.
///
/// A thread's cache may still name such an arena, and a tag push or pop on that thread
/// checkpoints the cached arena without holding any `SmartAlloc` (tags are per thread),
/// so the dropping thread must not free it: the owner does, at its next cache miss or
/// at its exit (`free_buried`). (An arena whose thread has exited is not buried but
/// freed by the dropping set: see [`Entry::orphaned`].)
static BURIED: Mutex<Vec<Entry>> = Mutex::new(Vec::new());
/// Number of entries in `BURIED`, so cache misses skip its lock when it is empty.
static BURIED_COUNT: AtomicU64 = AtomicU64::new(0);

/// Free the buried arenas of thread `token` (called on that thread).
fn free_buried(token: u64) {
    if BURIED_COUNT.load(Ordering::Acquire) == 0 {
        return;
    }
    if in_checkpoint() {
        // The checkpoint may be using one of them: it frees them when it ends.
        return;
    }
    // One at a time, and nothing allocated under the lock: freeing an arena, or growing
    // a list, may run a global allocator that is user code, which may miss the cache and
    // come back here.
    loop {
        let entry = {
            let mut buried = BURIED.lock().unwrap_or_else(PoisonError::into_inner);
            let Some(index) = buried.iter().position(|e| e.token == token) else {
                return;
            };
            let entry = buried.swap_remove(index);
            BURIED_COUNT.store(buried.len() as u64, Ordering::Release);
            entry
        };
        let _ = CACHE.try_with(|c| {
            if ptr::eq(c.get().arena, entry.arena.0.as_ptr()) {
                c.set(CacheEntry::EMPTY);
            }
        });
        // SAFETY: created by `Box::leak` in `current_slow`, moved here by the dropping
        // set (so freed once); we are its owner thread and just cleared the cache entry
        // naming it, so nothing can reach it any more (its instance is gone, so no
        // guard or handle exists).
        drop(unsafe { Box::from_raw(entry.arena.0.as_ptr()) });
    }
}

/// A raw pointer to an arena owned by an [`ArenaSet`].
struct ArenaPtr(NonNull<ThreadArena>);

// SAFETY: the pointee is only *used* by its owner thread (see `ThreadArena`); other
// threads only move this pointer around inside the set's mutex and free the arena when
// nothing can use it (the set drops, or the owner thread exits with the arena idle).
// `ThreadArena` itself is `Send` (a `Bump` and `Cell`s), so freeing it elsewhere is fine.
unsafe impl Send for ArenaPtr {}

struct Entry {
    token: u64,
    arena: ArenaPtr,
    /// Its thread has run its [`ThreadExit`] and kept the arena (not idle then: a
    /// forgotten guard or handle, or one a later thread-local destructor still holds),
    /// or made it afterwards. Such a thread caches no arena any more (`EXITED`), so
    /// nothing but a `SmartAlloc` clone reaches the arena, and the set frees it when it
    /// drops, on whichever thread (burying it would leak it: only its own thread frees
    /// buried arenas, and it is gone).
    orphaned: bool,
}

/// All frame arenas of one allocator instance, one per thread that used it.
pub(crate) struct ArenaSet {
    id: u64,
    initial_capacity: usize,
    /// Accounting shards, one per thread (retired ones are handed to new threads).
    pub(crate) shards: crate::counters::ShardSet,
    /// Arenas by thread token. Only locked on a cache miss (first use on a thread, or
    /// alternating between instances) and on thread exit.
    arenas: Mutex<Vec<Entry>>,
}

impl ArenaSet {
    pub(crate) fn new(
        id: u64,
        initial_capacity: usize,
        budgets: Arc<crate::budget::Budgets>,
    ) -> Arc<Self> {
        Arc::new(ArenaSet {
            id,
            initial_capacity,
            shards: crate::counters::ShardSet::new(budgets, id, cached_frame_number),
            arenas: Mutex::new(Vec::new()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Entry>> {
        // The vector is consistent at every point a panic could occur, so a poisoned lock
        // is safe to keep using.
        self.arenas.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The calling thread's arena, found through the thread-local cache.
    ///
    /// `this` is the `Arc` that owns `self` (needed to register the thread-exit hook when
    /// an arena is created); `id` is `self.id`, passed in so the hit path reads no
    /// memory of the set.
    #[inline(always)]
    pub(crate) fn current(this: &Arc<Self>, id: u64) -> &ThreadArena {
        debug_assert_eq!(id, this.id);
        let entry = CACHE.with(Cell::get);
        if entry.id == id {
            // SAFETY: cache invariant: a non-zero id names this thread's live arena in
            // that instance's set. The set (`this`) is alive for `'a`, and it frees an
            // arena only when dropped or after clearing this entry on thread exit.
            unsafe { &*entry.arena }
        } else {
            Self::current_slow(this)
        }
    }

    #[cold]
    #[inline(never)]
    fn current_slow(this: &Arc<Self>) -> &ThreadArena {
        let token = thread_token();
        let found = this
            .lock()
            .iter()
            .find(|e| e.token == token)
            .map(|e| e.arena.0);
        let arena = match found {
            Some(arena) => arena,
            None => Self::add_current_thread(this, token),
        };
        // Not after this thread's exit hook has run: its arenas are orphaned (freed by
        // their set on any thread), so no cache entry may name them. Lookups take this
        // slow path from then on (thread teardown only).
        if !thread_exited() {
            CACHE.with(|c| {
                c.set(CacheEntry {
                    id: this.id,
                    arena: arena.as_ptr(),
                    ..CacheEntry::EMPTY
                });
            });
        }
        // The cache no longer names a buried arena of ours: free them.
        free_buried(token);
        // SAFETY: the arena is owned by `this`, which is alive for the returned lifetime;
        // it is freed only when the set drops or, on this thread's exit, after the cache
        // entry is cleared. It is this thread's arena, so using its `Cell`s here is fine.
        let arena = unsafe { arena.as_ref() };
        // Tag changes checkpoint only the cached arena: while another one was cached,
        // this arena missed them. Its growth so far belongs to its accounting tag; from
        // here on, to the thread's current one. Overruns found doing so are delivered
        // last (the callback may use the arena; the caller's `&SmartAlloc` keeps the set
        // alive across it).
        arena.sync_tag().deliver();
        arena
    }

    /// Make the calling thread's arena and add it to the set.
    ///
    /// Nothing that allocates runs under the set's lock (see [`crate::locked_vec`]): the
    /// global allocator may be user code that uses this allocator on this thread, and
    /// come back here.
    #[cold]
    #[inline(never)]
    fn add_current_thread(this: &Arc<Self>, token: u64) -> NonNull<ThreadArena> {
        let shard = this.shards.acquire(token);
        let made = NonNull::from(Box::leak(Box::new(ThreadArena::new(
            this.initial_capacity,
            shard,
        ))));
        let mut arenas = crate::locked_vec::lock_with_room(|| this.lock(), |v| v);
        if let Some(existing) = arenas.iter().find(|e| e.token == token) {
            // A re-entrant call on this thread (through the global allocator) added one
            // meanwhile: use it, and give ours back.
            let existing = existing.arena.0;
            drop(arenas);
            // SAFETY: made above by `Box::leak` and never published.
            let ours = unsafe { Box::from_raw(made.as_ptr()) };
            this.shards.retire(&ours.shard);
            drop(ours);
            return existing;
        }
        arenas.push(Entry {
            token,
            arena: ArenaPtr(made),
            // Made during teardown, after the exit hook: it will not run again for it.
            orphaned: thread_exited(),
        });
        // Under the lock: a call-out set before this point is in the flags now, and one
        // set later mirrors into this arena, which is in the set (`mirror_callouts`).
        // SAFETY: `made` is alive (owned by the set, which is locked).
        unsafe { ThreadArena::mirror_callouts(made) };
        drop(arenas);
        // During thread teardown this may fail; the arena is then freed when the
        // instance drops. Also when the list is borrowed further up this thread (a global
        // allocator that uses framealloc, re-entered from the push below): that arena,
        // too, is freed when its instance drops.
        let _ = THREAD_EXIT.try_with(|exit| {
            if let Ok(mut sets) = exit.sets.try_borrow_mut() {
                sets.retain(|s| s.strong_count() > 0);
                sets.push(Arc::downgrade(this));
            }
        });
        made
    }

    /// Called on thread exit: free this thread's arena if nothing uses it.
    fn release_current_thread(&self) {
        let token = thread_token();
        let mut arenas = self.lock();
        let Some(index) = arenas.iter().position(|e| e.token == token) else {
            return;
        };
        // SAFETY: this is the calling thread's own arena, still owned by the set.
        let idle = unsafe { arenas[index].arena.0.as_ref() }.is_idle();
        if !idle {
            // A frame or handle was forgotten, or a TLS destructor that runs later still
            // holds one: the set frees the arena when it drops, on whichever thread.
            // Uncached first (`EXITED` keeps it so: only clones reach it from now on),
            // then marked, under the lock (clearing the entry allocates nothing).
            CACHE.with(|c| {
                if c.get().id == self.id {
                    c.set(CacheEntry::EMPTY);
                }
            });
            arenas[index].orphaned = true;
            return;
        }
        let entry = arenas.swap_remove(index);
        // Unreachable first, before anything that may allocate (`retire` below): the
        // global allocator may be user code that uses this allocator on this thread, and
        // must then make a new arena, not keep a handle in this one (which is freed
        // below).
        CACHE.with(|c| {
            if c.get().id == self.id {
                c.set(CacheEntry::EMPTY);
            }
        });
        drop(arenas);
        // SAFETY: still allocated (freed below); this thread's own arena.
        self.shards.retire(&unsafe { entry.arena.0.as_ref() }.shard);
        // SAFETY: created by `Box::leak` in `current_slow`, removed from the set (so no
        // one frees it twice), the cache entry pointing at it is cleared, and it is idle:
        // no guard or handle refers to it.
        drop(unsafe { Box::from_raw(entry.arena.0.as_ptr()) });
    }

    /// Run `f` on the calling thread's arena, if this thread has one; never creates one.
    ///
    /// Only the calling thread's arena can be inspected: other threads' `Cell`s are not
    /// ours to read.
    pub(crate) fn current_if_exists<R>(
        this: &Arc<Self>,
        f: impl FnOnce(&ThreadArena) -> R,
    ) -> Option<R> {
        let entry = CACHE.with(Cell::get);
        if entry.id == this.id {
            // SAFETY: as in `current`.
            return Some(f(unsafe { &*entry.arena }));
        }
        let token = thread_token();
        let arenas = this.lock();
        let arena = arenas.iter().find(|e| e.token == token)?.arena.0;
        drop(arenas);
        // SAFETY: this thread's arena, owned by the set that `this` keeps alive.
        Some(f(unsafe { arena.as_ref() }))
    }

    /// Copy the instance's call-out flags into every arena of the set
    /// ([`ThreadArena::mirror_callouts`]); call after setting one (a tag budget, an
    /// observer), from any thread.
    pub(crate) fn mirror_callouts(&self) {
        for entry in self.lock().iter() {
            // SAFETY: an arena in the set is freed only after it is removed under this
            // lock (thread exit) or when the set drops, which `&self` rules out.
            unsafe { ThreadArena::mirror_callouts(entry.arena.0) };
        }
    }

    /// Number of threads that currently have an arena in this set.
    pub(crate) fn thread_count(&self) -> usize {
        self.lock().len()
    }
}

impl Drop for ArenaSet {
    fn drop(&mut self) {
        let token = thread_token();
        let mut others = Vec::new();
        for entry in self
            .arenas
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
        {
            if entry.orphaned && entry.token != token {
                // Its thread has exited (or is past its exit hook) and caches no arena:
                // nothing but a clone of this dropping instance reaches it.
                // SAFETY: as below, with no cache entry naming it (see `Entry::orphaned`);
                // `ThreadArena` is `Send`, so another thread may free it.
                drop(unsafe { Box::from_raw(entry.arena.0.as_ptr()) });
                continue;
            }
            if entry.token != token || in_checkpoint() {
                // Its thread's cache may name it: that thread frees it (see `BURIED`).
                // This thread's too while a checkpoint runs: the checkpoint may be using
                // it (a budget callback or the global allocator dropped the last clone
                // during it); it is freed when the checkpoint ends.
                others.push(entry);
                continue;
            }
            let _ = CACHE.try_with(|c| {
                if c.get().id == self.id {
                    c.set(CacheEntry::EMPTY);
                }
            });
            // SAFETY: every handle, guard and cache hit borrows a `SmartAlloc` clone,
            // which keeps this set alive; the set is dropping, so none exists, and the
            // cache entry naming the arena (the one reference without a clone, used on
            // tag changes) is cleared above. Created by `Box::leak`, freed once here.
            drop(unsafe { Box::from_raw(entry.arena.0.as_ptr()) });
        }
        for entry in others {
            // With room made first: nothing is allocated under the lock (a global
            // allocator that is user code may come back to `free_buried`).
            let mut buried = crate::locked_vec::lock_with_room(
                || BURIED.lock().unwrap_or_else(PoisonError::into_inner),
                |list| list,
            );
            buried.push(entry);
            BURIED_COUNT.store(buried.len() as u64, Ordering::Release);
        }
    }
}

/// Whether a tag-change checkpoint runs on this thread (see `CHECKPOINTS`).
fn in_checkpoint() -> bool {
    CHECKPOINTS.try_with(Cell::get).unwrap_or(0) != 0
}

/// Counts a running checkpoint in `CHECKPOINTS`; the outermost one's end frees the
/// arenas buried meanwhile (on every exit path, unwinding included).
struct Checkpoint;

impl Checkpoint {
    fn enter() -> Checkpoint {
        let _ = CHECKPOINTS.try_with(|c| c.set(c.get() + 1));
        Checkpoint
    }
}

impl Drop for Checkpoint {
    fn drop(&mut self) {
        let outermost = CHECKPOINTS
            .try_with(|c| c.replace(c.get() - 1) == 1)
            .unwrap_or(false);
        if outermost {
            free_buried(thread_token());
        }
    }
}

/// The thread's tag changed: credit frame growth to the tag it belongs to on the arena
/// this thread used last (and check that tag's frame budgets).
pub(crate) fn tag_changed_on_current_thread() {
    let Ok(entry) = CACHE.try_with(|c| {
        let entry = c.get();
        // The cached pool slot belongs to the previous tag.
        c.set(CacheEntry {
            pool_id: 0,
            ..entry
        });
        entry
    }) else {
        return;
    };
    if entry.id != 0 {
        // No allocator is held here: crediting may allocate (a tag's first counters), and
        // the global allocator may be user code that drops the last clone of this arena's
        // allocator, or uses another one whose miss frees buried arenas. While this
        // checkpoint runs, this thread's arenas are buried instead, and freed at its end.
        let checkpoint = Checkpoint::enter();
        // SAFETY: cache invariant: a non-zero id names this thread's live arena, and the
        // checkpoint keeps it from being freed until the end of this use.
        let overruns = unsafe { &*entry.arena }.tag_changed();
        drop(checkpoint);
        // After the last use of the arena: nothing here keeps its allocator alive, and
        // the budget callback may drop the last clone (freeing the arena).
        overruns.deliver();
    }
}

/// The calling thread's pool slot for the current tag of instance `id`, if cached (see
/// [`CacheEntry::pool_slot`]). Budgets need no check here: a slot whose tag has a budget
/// sends every allocation to its cold path (`KindSlot::try_alloc_owner`).
#[inline(always)]
pub(crate) fn cached_pool_slot(id: u64) -> Option<NonNull<KindSlot>> {
    let entry = CACHE.with(Cell::get);
    // `id` is never 0, so an invalid slot (`pool_id == 0`) never matches.
    if entry.pool_id == id {
        // SAFETY: `pool_id != 0` only beside a slot stored from a `NonNull` by
        // `cache_pool_slot`.
        Some(unsafe { NonNull::new_unchecked(entry.pool_slot.cast_mut()) })
    } else {
        None
    }
}

/// Cache `slot`, the pool slot of the current tag in the calling thread's arena of
/// instance `id`. Does nothing unless that arena is the cached one.
pub(crate) fn cache_pool_slot(id: u64, slot: NonNull<KindSlot>) {
    let _ = CACHE.try_with(|c| {
        let entry = c.get();
        if entry.id == id && id != 0 {
            c.set(CacheEntry {
                pool_id: id,
                pool_slot: slot.as_ptr(),
                ..entry
            });
        }
    });
}

/// The calling thread's frame number for instance `id` if its arena is the cached one,
/// else 0 (used to date budget events raised where no arena is at hand).
pub(crate) fn cached_frame_number(id: u64) -> u64 {
    match CACHE.try_with(Cell::get) {
        // SAFETY: cache invariant, as in `ArenaSet::current`.
        Ok(entry) if entry.id == id && id != 0 => unsafe { &*entry.arena }.frame_number(),
        _ => 0,
    }
}
