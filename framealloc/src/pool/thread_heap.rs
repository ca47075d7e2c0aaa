//! Per-thread pool heaps: where blocks come from and where they go back.
//!
//! Pool pages are shared process-wide in the mimalloc style: each thread has one heap
//! (whatever `SmartAlloc` it allocates through) owning pages per size class. A block
//! freed on its owner's thread goes straight back on the page's local free list; freed
//! anywhere else it is pushed on the page's remote stack, which the owner takes back on
//! its next miss. When a thread exits, its pages that still hold blocks are *abandoned*:
//! they join a global list, whose lock then guards their owner-only state, and other
//! threads adopt them on a miss (or free them once every block is back).
//!
//! Per class, a heap allocates from one *current* page; its other pages are on the
//! *avail* list (room when last seen) or the *full* list (flagged: the first free on
//! such a page, local or remote, reports back — see `page.rs`). A miss therefore takes
//! a page with room in O(1) and looks at full pages only when one of them reported a
//! remote free; a periodic sweep, whose period grows with the number of pages, releases
//! pages emptied by remote frees. So allocation stays O(1) amortised with millions of
//! live blocks (scanning every page on each miss made filling N pages O(N²)).
//!
//! Thread teardown (SPEC §4.11): the hot-path thread-locals (`CURRENT`, `HEAP`) are
//! const-initialised and have no destructor, so they work at any point of teardown; a
//! separate thread-local (`HEAP_OWNER`) tears the heap down, after pointing `CURRENT` at
//! the no-page sentinels. The free path never creates a heap. Allocations after teardown
//! are served from abandoned pages under the global lock.

use core::cell::Cell;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::page::{ABANDONED, PAGE_SIZE, Page, Queue};
use super::size_class::CLASSES;
use crate::counters::shard::KindSlot;
use crate::ids::{thread_token, thread_token_if_any};
use crate::locked_vec::{lock_with_room, lock_with_room_in};

/// Pages of exited threads that still held blocks, per class.
static ABANDONED_PAGES: Mutex<[Vec<Page>; CLASSES]> = Mutex::new([const { Vec::new() }; CLASSES]);

/// Notification words of torn-down heaps, for reuse by new ones. The words are never
/// freed: a pusher may set a bit in one after its page and heap are gone.
static SPARE_NOTIFY_WORDS: Mutex<Vec<&'static AtomicU32>> = Mutex::new(Vec::new());

/// Bytes of empty pages each thread heap keeps for reuse (the largest
/// `AllocConfig::pool_retain_bytes` of any allocator made so far).
static RETAIN_BYTES: AtomicUsize = AtomicUsize::new(0);

/// Raise the per-thread retain cap to at least `bytes`.
pub(crate) fn raise_retain_cap(bytes: usize) {
    RETAIN_BYTES.fetch_max(bytes, Ordering::Relaxed);
}

fn abandoned() -> MutexGuard<'static, [Vec<Page>; CLASSES]> {
    // The lists are consistent at every point where a panic could occur.
    ABANDONED_PAGES
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// How many abandoned pages of a class one adoption attempt looks at, at most.
const ADOPT_SCAN: usize = 16;

/// The fewest slow-path entries between two sweeps; the period also grows with the
/// number of pages the heap owns (one miss per page), so sweeping costs one page look
/// per miss, amortised.
const SWEEP_EVERY: u32 = 16;

struct ThreadHeap {
    /// The owning thread's token (`ids::thread_token`): never 0, never
    /// [`ABANDONED`], never reused, and never given to another thread's heap (one heap
    /// per thread, never remade after teardown). Using the token rather than a separate
    /// id lets the free path check page *and* accounting-slot ownership against a single
    /// thread-local load.
    id: u64,
    /// The page each class allocates from (in no list), or [`Page::NONE`]. The
    /// allocation hot path reads it through [`CURRENT`].
    current: [Page; CLASSES],
    /// Non-current pages with room when last seen, per class.
    avail: [Vec<Page>; CLASSES],
    /// Non-current pages without room when last seen, flagged, per class.
    full: [Vec<Page>; CLASSES],
    /// Bit `c` set: a page on `full[c]` got a remote free. Set by other threads.
    notify: &'static AtomicU32,
    /// Empty pages kept for reuse (any class), up to the retain cap.
    retained: Vec<Page>,
    /// Pages owned (current, avail and full; not retained).
    owned: usize,
    /// Slow-path entries since the last sweep.
    since_sweep: u32,
    /// Pages looked at on slow paths (the O(1)-amortised test reads it).
    #[cfg(test)]
    examined: usize,
}

/// The current pages of a thread without a usable heap: the hot path's pops fail on
/// them and it takes the slow path.
static NO_PAGES: [Page; CLASSES] = [Page::NONE; CLASSES];

thread_local! {
    /// This thread's heap; null before the first pool allocation, while it is busy and
    /// after teardown.
    static HEAP: Cell<*mut ThreadHeap> = const { Cell::new(ptr::null_mut()) };
    /// The allocation hot path's view of the heap: its `current` pages while `HEAP` is
    /// non-null, else [`NO_PAGES`]. Never null, and every page it shows is owned by this
    /// thread's heap or is [`Page::NONE`], so the hot path is one thread-local load and
    /// a pop (callgrind: the `HEAP` null test and the no-current-page test cost 4
    /// instructions per allocation). Always set together with `HEAP` ([`set_heap`]).
    static CURRENT: Cell<*const [Page; CLASSES]> = const { Cell::new(&raw const NO_PAGES) };
    /// Set once the heap has been torn down: no new heap may be made on this thread.
    static TORN_DOWN: Cell<bool> = const { Cell::new(false) };
    /// Set while the heap runs a slow path (see [`Busy`]).
    static BUSY: Cell<bool> = const { Cell::new(false) };
    /// Tears the heap down when the thread exits.
    static HEAP_OWNER: HeapOwner = const { HeapOwner };
}

struct HeapOwner;

/// Set `HEAP` to `heap` (null: none usable now) and `CURRENT` to match.
fn set_heap(heap: *mut ThreadHeap) {
    HEAP.with(|h| h.set(heap));
    let current = if heap.is_null() {
        &raw const NO_PAGES
    } else {
        // SAFETY: a non-null `heap` is this thread's live heap; only the field's address
        // is taken (derived from the heap's raw pointer, no reference made).
        unsafe { &raw const (*heap).current }
    };
    CURRENT.with(|c| c.set(current));
}

/// This thread's heap is in a slow path (a miss, a page coming back, being made), which
/// may call the global allocator — user code that may allocate or free pool blocks
/// itself (a `#[global_allocator]` built on framealloc). While busy, `HEAP` is null, so
/// such a re-entrant call never makes a second `&mut ThreadHeap`: allocations are served
/// from abandoned pages under the global lock (or fail cleanly), frees of our blocks go
/// on their page's free list without the heap's list work (see `page_woke`).
struct Busy {
    heap: *mut ThreadHeap,
}

impl Busy {
    fn enter(heap: *mut ThreadHeap) -> Busy {
        set_heap(ptr::null_mut());
        BUSY.with(|b| b.set(true));
        Busy { heap }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        BUSY.with(|b| b.set(false));
        set_heap(self.heap);
    }
}

impl Drop for HeapOwner {
    fn drop(&mut self) {
        let heap = HEAP.with(Cell::get);
        set_heap(ptr::null_mut());
        TORN_DOWN.with(|t| t.set(true));
        if !heap.is_null() {
            // SAFETY: made by `Box::into_raw` in `alloc_without_heap`; neither `HEAP`
            // nor `CURRENT` points into it any more, so this is the only reference.
            let heap = unsafe { Box::from_raw(heap) };
            // Our pages keep our id until `tear_down` hands them to the abandoned list,
            // while `HEAP` is already null; no pool block is freed on this thread in
            // between (tear-down frees no pool block), so the free path, which trusts a
            // page with our id to mean a live heap, never sees that window.
            heap.tear_down();
        }
    }
}

impl ThreadHeap {
    fn new() -> Self {
        let id = thread_token();
        debug_assert!(id != 0 && id != ABANDONED);
        let spare = SPARE_NOTIFY_WORDS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        ThreadHeap {
            id,
            current: [Page::NONE; CLASSES],
            avail: [const { Vec::new() }; CLASSES],
            full: [const { Vec::new() }; CLASSES],
            notify: spare.unwrap_or_else(|| Box::leak(Box::new(AtomicU32::new(0)))),
            retained: Vec::new(),
            owned: 0,
            since_sweep: 0,
            #[cfg(test)]
            examined: 0,
        }
    }

    /// Put an owned, unlisted page on `class`'s `queue` list.
    fn enlist(&mut self, class: usize, page: Page, queue: Queue) {
        let list = match queue {
            Queue::Avail => &mut self.avail[class],
            Queue::Full => &mut self.full[class],
            Queue::Unlisted => return,
        };
        // SAFETY: we own `page`.
        unsafe { page.set_queue(queue, list.len()) };
        list.push(page);
    }

    /// Take an owned page off whichever list holds it (O(1), fixing the moved page's
    /// index).
    fn unlist(&mut self, class: usize, page: Page) {
        // SAFETY: we own `page` and every page on our lists.
        let (queue, index) = unsafe { (page.queue(), page.list_index()) };
        let list = match queue {
            Queue::Avail => &mut self.avail[class],
            Queue::Full => &mut self.full[class],
            Queue::Unlisted => return,
        };
        debug_assert_eq!(list[index], page);
        list.swap_remove(index);
        if let Some(&moved) = list.get(index) {
            // SAFETY: as above.
            unsafe { moved.set_queue(queue, index) };
        }
        // SAFETY: as above.
        unsafe { page.set_queue(Queue::Unlisted, 0) };
    }

    /// Make an owned, unlisted page with room `class`'s current page and take a block.
    fn make_current(&mut self, class: usize, page: Page) -> Option<NonNull<u8>> {
        self.current[class] = page;
        // SAFETY: we own the page, not flagged (pages with room are not), now current.
        unsafe {
            page.begin_current();
            page.pop()
        }
    }

    #[cold]
    #[inline(never)]
    fn alloc_slow(&mut self, class: usize) -> Option<NonNull<u8>> {
        // 0. Now and then (more rarely the more pages we own) release pages whose blocks
        //    have all come back, of every class, and sweep the abandoned list.
        self.since_sweep += 1;
        if self.since_sweep >= SWEEP_EVERY.max(u32::try_from(self.owned).unwrap_or(u32::MAX)) {
            self.since_sweep = 0;
            self.sweep();
        }
        // 1. Remote frees on the current page (its local list is empty: `pop` failed);
        //    else it is full: flag it and put it aside.
        let page = core::mem::replace(&mut self.current[class], Page::NONE);
        if page != Page::NONE {
            // SAFETY: we own the page; `pop` just found it exhausted.
            unsafe { page.end_current() };
            // SAFETY: as above.
            if unsafe { page.collect_remote() } > 0 {
                return self.make_current(class, page);
            }
            // SAFETY: as above; the page has no local room.
            if !unsafe { page.retire_full(self.notify) } {
                // Remote frees arrived as we tried to flag it.
                // SAFETY: as above.
                unsafe { page.collect_remote() };
                return self.make_current(class, page);
            }
            self.enlist(class, page, Queue::Full);
        }
        // 2. Full pages that reported remote frees.
        if self.notify.load(Ordering::Relaxed) & (1 << class) != 0 {
            self.take_back_notified(class);
        }
        // 3. A page with room.
        while let Some(&page) = self.avail[class].last() {
            self.unlist(class, page);
            #[cfg(test)]
            {
                self.examined += 1;
            }
            // SAFETY: we own the page.
            if unsafe { page.has_local_room() || page.collect_remote() > 0 } {
                return self.make_current(class, page);
            }
            // No room after all (cannot happen: only the current page hands out blocks).
            self.retire(class, page);
        }
        // 4. Adopt an abandoned page of this class.
        if let Some(page) = self.adopt(class) {
            self.owned += 1;
            return self.make_current(class, page);
        }
        // 5. A retained or fresh page.
        let page = match self.retained.pop() {
            Some(page) => page,
            None => Page::allocate()?,
        };
        // SAFETY: the page is ours and unused (retained pages are unused; fresh ones too).
        unsafe {
            page.format(class);
            page.set_owner(self.id);
        }
        self.owned += 1;
        self.make_current(class, page)
    }

    /// Put an owned, unlisted page without local room on the full list (or, if remote
    /// frees are waiting, on the avail list).
    fn retire(&mut self, class: usize, page: Page) {
        // SAFETY: we own the page and it has no local room.
        if unsafe { page.retire_full(self.notify) } {
            self.enlist(class, page, Queue::Full);
        } else {
            self.enlist(class, page, Queue::Avail);
        }
    }

    /// Some full pages of `class` got remote frees: take them back to the avail list
    /// (pages that are now empty go to the retain cap or the system, but for one if the
    /// avail list is empty).
    fn take_back_notified(&mut self, class: usize) {
        self.notify.fetch_and(!(1 << class), Ordering::Acquire);
        let mut i = 0;
        while i < self.full[class].len() {
            let page = self.full[class][i];
            #[cfg(test)]
            {
                self.examined += 1;
            }
            if page.remote_count() == 0 {
                i += 1;
                continue;
            }
            self.unlist(class, page);
            // SAFETY: we own the page; a full page has an empty local list.
            unsafe { page.collect_remote() };
            // An empty page is released, unless the class has no other page with room:
            // this miss is about to need one.
            // SAFETY: we own the page.
            if unsafe { page.is_empty() } && !self.avail[class].is_empty() {
                self.owned -= 1;
                self.retain_or_free(page);
            } else {
                self.enlist(class, page, Queue::Avail);
            }
        }
    }

    /// Take an abandoned page of `class` with room, or unused (looking at no more than
    /// [`ADOPT_SCAN`] pages; `sweep_abandoned` frees unused ones of every class).
    fn adopt(&mut self, class: usize) -> Option<Page> {
        let mut lists = abandoned();
        let list = &mut lists[class];
        let mut looked = 0;
        let mut i = 0;
        while i < list.len() && looked < ADOPT_SCAN {
            looked += 1;
            let page = list[i];
            #[cfg(test)]
            {
                self.examined += 1;
            }
            // SAFETY: pages on the list are owned by the list; we hold its lock.
            let (unused, fits) = unsafe {
                (
                    page.is_unused(),
                    page.has_local_room() || page.remote_count() > 0,
                )
            };
            if !unused && !fits {
                i += 1;
                continue;
            }
            list.swap_remove(i);
            // SAFETY: we hold the lock, so we own it; the lock's acquire made the
            // previous owner's writes visible. Now it is ours.
            unsafe {
                page.set_owner(self.id);
                page.set_queue(Queue::Unlisted, 0);
                if page.has_local_room() {
                    page.unflag();
                } else {
                    page.collect_remote();
                }
            }
            return Some(page);
        }
        None
    }

    /// `push_local` reported a page of ours: it is empty, or (a flagged full page) it has
    /// room again.
    #[cold]
    #[inline(never)]
    fn page_woke(&mut self, page: Page) {
        // SAFETY: we own the page (its block was freed on our thread's local path).
        let class = unsafe { page.class() };
        if self.current[class] == page {
            return;
        }
        // SAFETY: we own the page.
        let (queue, empty) = unsafe { (page.queue(), page.is_empty()) };
        if queue == Queue::Full {
            self.unlist(class, page);
            // SAFETY: we own the page.
            unsafe { page.unflag() };
            self.enlist(class, page, Queue::Avail);
        } else if empty {
            self.unlist(class, page);
            self.owned -= 1;
            self.retain_or_free(page);
        }
    }

    /// Release every non-current page whose blocks have all come back (every class),
    /// and sweep the abandoned list.
    fn sweep(&mut self) {
        for class in 0..CLASSES {
            for queue in [Queue::Avail, Queue::Full] {
                let mut i = 0;
                loop {
                    let list = match queue {
                        Queue::Avail => &self.avail[class],
                        _ => &self.full[class],
                    };
                    let Some(&page) = list.get(i) else { break };
                    #[cfg(test)]
                    {
                        self.examined += 1;
                    }
                    // SAFETY: we own every page on our lists.
                    if unsafe { page.is_unused() } {
                        self.unlist(class, page);
                        self.owned -= 1;
                        self.retain_or_free(page);
                    } else {
                        i += 1;
                    }
                }
            }
        }
        sweep_abandoned();
    }

    /// Keep an unused, unlisted page of ours for reuse, or give it back to the system.
    fn retain_or_free(&mut self, page: Page) {
        let cap = RETAIN_BYTES.load(Ordering::Relaxed);
        if (self.retained.len() + 1) * PAGE_SIZE <= cap {
            self.retained.push(page);
        } else {
            // SAFETY: ours, unused (no block held, no push pending) and in no list.
            unsafe { page.free() };
        }
    }

    fn tear_down(self) {
        let mut keep: Vec<(usize, Page)> = Vec::new();
        let lists = self.avail.into_iter().chain(self.full);
        let current = self
            .current
            .into_iter()
            .filter(|&p| p != Page::NONE)
            // SAFETY: we own our current pages, which stop being current here.
            .inspect(|&p| unsafe { p.settle_current() })
            .map(|p| vec![p]);
        for page in lists.chain(current).flatten() {
            // SAFETY: we own our pages.
            if unsafe { page.is_unused() } {
                // SAFETY: unused, and dropped from our lists: nobody holds a block.
                unsafe { page.free() };
            } else {
                // SAFETY: we own the page.
                keep.push((unsafe { page.class() }, page));
            }
        }
        for page in self.retained {
            // SAFETY: retained pages are ours, unused and in no other list.
            unsafe { page.free() };
        }
        if !keep.is_empty() {
            // Room first, grown with the lock released: growing calls the global
            // allocator, which may be user code that allocates pool blocks, and on this
            // thread (its heap gone) those come from this very list.
            let mut needs = [0usize; CLASSES];
            for &(class, _) in &keep {
                needs[class] += 1;
            }
            let mut lists = lock_with_room_in(abandoned, |lists, class| &mut lists[class], &needs);
            // By reference: `keep`'s buffer is freed after the lock is released.
            for &(class, page) in &keep {
                // SAFETY: we own the page and hand it to the list (whose lock we hold).
                unsafe {
                    page.set_queue(Queue::Unlisted, 0);
                    page.set_owner(ABANDONED);
                }
                lists[class].push(page);
            }
        }
        // Notifications for our flagged pages may still arrive: the word is reused by a
        // new heap, which at worst looks at its full pages once for nothing.
        self.notify.store(0, Ordering::Relaxed);
        // Grown with the lock released, as the abandoned list is.
        lock_with_room(
            || {
                SPARE_NOTIFY_WORDS
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
            },
            |words| words,
        )
        .push(self.notify);
        sweep_abandoned();
    }
}

/// Free abandoned pages whose blocks have all come back. Skipped if another thread holds
/// the list (it will sweep, or a later call will).
///
/// One page at a time, each freed with the lock released: freeing calls the global
/// allocator, which may be user code that allocates pool blocks, and on a thread without
/// a heap those are served from this list (under its lock).
fn sweep_abandoned() {
    let (mut class, mut i) = (0, 0);
    // At most as many pages freed as were listed when the sweep began: freeing a page may
    // run user code that makes a fresh abandoned page and empties it at once, which the
    // sweep would otherwise find and free again, forever (found by a review in session
    // 10: a livelock, on a live thread's periodic sweep too).
    let mut left = None;
    loop {
        let mut lists = match ABANDONED_PAGES.try_lock() {
            Ok(lists) => lists,
            Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return,
        };
        let left = left.get_or_insert_with(|| lists.iter().map(Vec::len).sum::<usize>());
        if *left == 0 {
            return;
        }
        *left -= 1;
        // Resume where the last page was found; the list may have changed meanwhile
        // (a page missed or looked at twice is fine: this is housekeeping).
        let unused = loop {
            let Some(list) = lists.get_mut(class) else {
                break None;
            };
            let Some(&page) = list.get(i) else {
                (class, i) = (class + 1, 0);
                continue;
            };
            // SAFETY: the list owns its pages and we hold its lock.
            if unsafe { page.is_unused() } {
                list.swap_remove(i);
                break Some(page);
            }
            i += 1;
        };
        drop(lists);
        let Some(page) = unused else { return };
        // SAFETY: unused (no block held, no push pending) and taken off the list under
        // its lock, so in no list and no one else's.
        unsafe { page.free() };
    }
}

/// Allocate a block of `class`. `None` when the system is out of memory.
#[inline(always)]
pub(crate) fn alloc_block(class: usize) -> Option<NonNull<u8>> {
    let current = CURRENT.with(Cell::get);
    // SAFETY: `CURRENT` points to `NO_PAGES` or to the `current` array of this thread's
    // live heap (reset before the heap is busy or torn down); only this thread uses the
    // heap and no `&mut` to it is alive during this call (it exists only while the heap
    // is busy, when `CURRENT` shows `NO_PAGES`).
    let page = unsafe { (*current)[class] };
    // SAFETY: the page is owned by this thread's heap, or it is `Page::NONE`.
    if let Some(block) = unsafe { page.pop() } {
        return Some(block);
    }
    alloc_miss(class)
}

/// The current page of `class` is out of blocks, or there is no usable heap.
#[cold]
#[inline(never)]
fn alloc_miss(class: usize) -> Option<NonNull<u8>> {
    let heap = HEAP.with(Cell::get);
    if heap.is_null() {
        return alloc_without_heap(class);
    }
    // SAFETY: `HEAP` points to this thread's live heap (nulled while busy and before
    // teardown); only this thread uses it and no other reference to it is alive.
    unsafe { alloc_slow(heap, class) }
}

/// The current page of `class` is out of blocks: [`ThreadHeap::alloc_slow`], with the
/// heap marked busy.
///
/// # Safety
///
/// `heap` is this thread's live heap (the value of `HEAP`), not referenced elsewhere.
#[cold]
#[inline(never)]
unsafe fn alloc_slow(heap: *mut ThreadHeap, class: usize) -> Option<NonNull<u8>> {
    let _busy = Busy::enter(heap);
    // SAFETY: the caller's contract; while `_busy` lives `HEAP` is null, so a
    // re-entrant call (the global allocator, from inside the slow path) cannot make a
    // second reference.
    unsafe { &mut *heap }.alloc_slow(class)
}

#[cold]
#[inline(never)]
fn alloc_without_heap(class: usize) -> Option<NonNull<u8>> {
    if BUSY.with(Cell::get) {
        // Re-entered from the heap's own slow path (see `Busy`): the heap is not ours to
        // touch now. The abandoned list's lock may be held further up this very thread,
        // so do not wait for it.
        return match ABANDONED_PAGES.try_lock() {
            Ok(lists) => alloc_abandoned(lists, class),
            Err(std::sync::TryLockError::Poisoned(e)) => alloc_abandoned(e.into_inner(), class),
            Err(std::sync::TryLockError::WouldBlock) => None,
        };
    }
    let can_make_heap = !TORN_DOWN.with(Cell::get) && HEAP_OWNER.try_with(|_| ()).is_ok();
    if can_make_heap {
        let heap = {
            // Making the heap allocates: a re-entrant pool call must not make another.
            let _busy = Busy::enter(ptr::null_mut());
            Box::into_raw(Box::new(ThreadHeap::new()))
        };
        set_heap(heap);
        return alloc_block(class);
    }
    alloc_during_teardown(class)
}

/// After this thread's heap is gone: serve from abandoned pages under the global lock.
fn alloc_during_teardown(class: usize) -> Option<NonNull<u8>> {
    alloc_abandoned(abandoned(), class)
}

/// Serve a block of `class` from the abandoned pages (`lists` is their locked list; a
/// new page, if none has room, is made with it released).
fn alloc_abandoned(
    lists: MutexGuard<'static, [Vec<Page>; CLASSES]>,
    class: usize,
) -> Option<NonNull<u8>> {
    for &page in &lists[class] {
        // SAFETY: the list owns its pages and we hold its lock.
        unsafe {
            if !page.has_local_room() {
                page.collect_remote();
            }
            if let Some(block) = page.pop_counted() {
                return Some(block);
            }
        }
    }
    // A new page, made and handed to the list with the lock released: allocating calls
    // the global allocator, which may be user code that allocates pool blocks, and on a
    // thread without a heap those come from this list.
    drop(lists);
    let page = Page::allocate()?;
    // SAFETY: a fresh page, ours until it is on the list: formatted, one block taken
    // (counted, as on every abandoned page), then handed over.
    let block = unsafe {
        page.format(class);
        let block = page.pop_counted();
        page.set_owner(ABANDONED);
        block
    };
    let mut lists = lock_with_room(abandoned, |lists| &mut lists[class]);
    lists[class].push(page);
    block
}

/// Return a block to its page.
///
/// # Safety
///
/// `block` came from [`alloc_block`] and nothing uses it anymore.
#[inline(always)]
pub(crate) unsafe fn free_block(block: NonNull<u8>) {
    // SAFETY: forwarded.
    unsafe { free_block_as(block, thread_token_if_any()) }
}

/// [`free_block`], with the calling thread's token already read.
///
/// # Safety
///
/// As [`free_block`]; `token` is [`thread_token_if_any`] of the calling thread.
#[inline(always)]
unsafe fn free_block_as(block: NonNull<u8>, token: u64) {
    let page = Page::of(block);
    // The heap id is the thread token, and `token` is 0 when this thread has none: no
    // page holding blocks has owner 0 (fresh pages get their owner before their first
    // block is handed out), and a torn-down heap left no page with its id.
    if page.owner() == token {
        // Only this thread ever stores its heap's id into a page, so reading it back
        // (even Relaxed) proves we own the page, and that our heap is alive.
        // SAFETY: we own the page and the block is outstanding and unused.
        if unsafe { page.push_local(block) } {
            // SAFETY: as just said, this thread's heap is alive.
            unsafe { page_woke(page) };
        }
    } else {
        // SAFETY: the block is outstanding and unused; we do not touch the page after.
        unsafe { page.push_remote(block) };
    }
}

/// Return the block of a pool handle to its page, accounting its `bytes` to `slot` as
/// freed first (the accounting update is the handle's last access to the shard).
///
/// The common case — this thread owns both the page and the slot — is one thread-local
/// load, two compares and three stores besides the free-list push, small enough to
/// inline into the handle's drop (callgrind, shuffled 1000 × 48 B: the separate
/// ownership tests and an out-of-line drop cost ~25 of ~100 instructions per
/// alloc+free). Everything else goes through [`free_block_accounted_slow`].
///
/// # Safety
///
/// `block` came from [`alloc_block`] and nothing uses it anymore; `slot` is the live
/// slot its bytes were accounted to.
#[inline(always)]
pub(crate) unsafe fn free_block_accounted(block: NonNull<u8>, slot: NonNull<KindSlot>, bytes: u64) {
    let token = thread_token_if_any();
    let page = Page::of(block);
    // SAFETY: `slot` is live (caller's contract); the reference ends with the statement.
    if page.owner() == token && unsafe { slot.as_ref() }.is_owned_by(token) {
        // SAFETY: as above; this is the last access to the slot.
        unsafe { slot.as_ref() }.on_free_owner(bytes);
        // SAFETY: `page.owner() == token`: we own the page, see `free_block_as`.
        if unsafe { page.push_local(block) } {
            // SAFETY: we own the page, so our heap is alive.
            unsafe { page_woke(page) };
        }
    } else {
        // SAFETY: forwarded.
        unsafe { free_block_accounted_slow(block, slot, bytes, token) };
    }
}

/// [`free_block_accounted`] when this thread does not own the page or the slot.
///
/// # Safety
///
/// As [`free_block_accounted`]; `token` is [`thread_token_if_any`].
#[cold]
#[inline(never)]
unsafe fn free_block_accounted_slow(
    block: NonNull<u8>,
    slot: NonNull<KindSlot>,
    bytes: u64,
    token: u64,
) {
    // SAFETY: `slot` is live (caller's contract); this is the last access to it.
    unsafe { slot.as_ref() }.on_free_by(token, bytes);
    // SAFETY: forwarded.
    unsafe { free_block_as(block, token) };
}

/// `push_local` reported a page of this thread's heap (empty, or a full page with room).
///
/// # Safety
///
/// This thread's heap owns `page` (so the heap is alive).
#[cold]
#[inline(never)]
unsafe fn page_woke(page: Page) {
    let heap = HEAP.with(Cell::get);
    if heap.is_null() {
        // The heap is busy further up this thread (a free from inside its slow path,
        // through the global allocator; see `Busy`): the block is back on its page, and
        // the page's list move is skipped. A flagged full page then waits for a remote
        // free or the sweep to be looked at again; an empty one for the sweep. Sound,
        // and rare enough not to matter for memory use.
        return;
    }
    let _busy = Busy::enter(heap);
    // SAFETY: the heap that owns `page` is this thread's live heap (`HEAP` is non-null
    // while it lives); `_busy` nulls `HEAP`, so no other reference to it is made during
    // this call, even by a re-entrant free.
    unsafe { &mut *heap }.page_woke(page);
}

/// Pages of exited threads still on the abandoned list.
pub(crate) fn abandoned_page_count() -> usize {
    abandoned().iter().map(Vec::len).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::page::capacity_of;

    /// 48-byte blocks (1308 to a page); under Miri 768-byte blocks (84 to a page), the
    /// same paths with pages that fill in a hundred allocations instead of thousands. Both
    /// counts are even: the test frees every other block of a page.
    const CLASS: usize = if cfg!(miri) { 17 } else { 2 };
    const PER_PAGE: usize = capacity_of(CLASS);
    const _: () = assert!(PER_PAGE.is_multiple_of(2));

    fn with_heap<R>(f: impl FnOnce(&ThreadHeap) -> R) -> R {
        // SAFETY: this thread's live heap, read between pool calls.
        HEAP.with(|h| f(unsafe { &*h.get() }))
    }

    struct Blocks(Vec<NonNull<u8>>);
    // SAFETY: pool blocks may be freed from any thread.
    unsafe impl Send for Blocks {}

    /// A miss looks at O(1) pages amortised, however many pages the heap owns (scanning
    /// every page on each miss made filling N pages O(N²)), and full pages are found
    /// again when they get room, locally or remotely, with no fresh page.
    #[test]
    fn misses_stay_cheap_and_reuse_freed_room() {
        std::thread::spawn(|| {
            let pages = if cfg!(miri) { 3 } else { 300 };
            let blocks: Vec<_> = (0..pages * PER_PAGE)
                .map(|_| alloc_block(CLASS).expect("memory"))
                .collect();
            let (owned, examined) = with_heap(|h| (h.owned, h.examined));
            assert_eq!(owned, pages);
            // One look per miss for the periodic sweep, amortised (the old scan of every
            // page on every miss made this pages² / 2).
            assert!(
                examined <= 2 * pages,
                "{examined} pages looked at for {pages} misses"
            );

            // Every other block of the first page back, locally: the (full) page gets
            // room and is used again before any new page.
            let first = Page::of(blocks[0]);
            for &b in blocks[..PER_PAGE].iter().step_by(2) {
                // SAFETY: ours, unused.
                unsafe { free_block(b) };
            }
            // All but one block of the second page back from another thread: the owner
            // hears of it. (A page emptied this way may be given back to the system.)
            let second = Page::of(blocks[PER_PAGE]);
            let remote = Blocks(blocks[PER_PAGE + 1..2 * PER_PAGE].to_vec());
            std::thread::spawn(move || {
                let remote = remote;
                for &b in &remote.0 {
                    // SAFETY: allocated above, unused; freed once.
                    unsafe { free_block(b) };
                }
            })
            .join()
            .unwrap();
            // The current (last) page is full: the next misses must take the freed room.
            let again: Vec<_> = (0..PER_PAGE / 2 + PER_PAGE - 1)
                .map(|_| alloc_block(CLASS).expect("memory"))
                .collect();
            let from = |p: Page| again.iter().filter(|&&b| Page::of(b) == p).count();
            assert_eq!(from(first), PER_PAGE / 2);
            assert_eq!(from(second), PER_PAGE - 1);
            assert_eq!(with_heap(|h| h.owned), pages, "no page was added");
            let examined = with_heap(|h| h.examined);
            assert!(examined <= 2 * pages + 16, "{examined} pages looked at");

            for &b in blocks[..PER_PAGE].iter().skip(1).step_by(2) {
                // SAFETY: the other half of the first page, never freed yet.
                unsafe { free_block(b) };
            }
            for &b in blocks[PER_PAGE..=PER_PAGE]
                .iter()
                .chain(&blocks[2 * PER_PAGE..])
                .chain(&again)
            {
                // SAFETY: every remaining block, freed once.
                unsafe { free_block(b) };
            }
        })
        .join()
        .unwrap();
    }

    /// Remote frees race the owner flagging pages full, taking notified pages back and
    /// waking full pages on local frees: no block is ever handed out while in use (each
    /// carries a unique id, checked by whoever frees it; under Miri, a block handed out
    /// twice is also a data race), and every block comes back.
    #[test]
    fn remote_frees_race_full_page_bookkeeping() {
        /// 1 KiB blocks: 63 to a page, so pages fill and empty quickly.
        const BIG: usize = 19;
        let rounds: u64 = if cfg!(miri) { 8 } else { 200 };
        let per_round = if cfg!(miri) { 150 } else { 400 };
        let (tx, rx) = std::sync::mpsc::channel::<Blocks>();
        let remote = std::thread::spawn(move || {
            let mut freed = 0;
            for batch in rx {
                for &b in &batch.0 {
                    // SAFETY: a live block handed over by the owner; its first word holds
                    // its id, the second the id again.
                    unsafe {
                        let words = b.cast::<u64>();
                        assert_eq!(words.read(), words.add(1).read(), "block reused while live");
                        free_block(b);
                    }
                    freed += 1;
                }
            }
            freed
        });
        let owner = std::thread::spawn(move || {
            let mut id = 0u64;
            let mut sent = 0;
            for _ in 0..rounds {
                let blocks: Vec<_> = (0..per_round)
                    .map(|_| {
                        let b = alloc_block(BIG).expect("memory");
                        id += 1;
                        // SAFETY: a fresh 1 KiB block.
                        unsafe {
                            b.cast::<u64>().write(id);
                            b.cast::<u64>().add(1).write(id);
                        }
                        b
                    })
                    .collect();
                let (mine, theirs): (Vec<_>, Vec<_>) =
                    blocks.iter().enumerate().partition(|(i, _)| i % 3 == 0);
                sent += theirs.len();
                tx.send(Blocks(theirs.into_iter().map(|(_, &b)| b).collect()))
                    .unwrap();
                for (_, &b) in mine {
                    // SAFETY: ours, live, freed once.
                    unsafe {
                        let words = b.cast::<u64>();
                        assert_eq!(words.read(), words.add(1).read(), "block reused while live");
                        free_block(b);
                    }
                }
            }
            sent
        });
        let sent = owner.join().unwrap();
        assert_eq!(remote.join().unwrap(), sent);
    }

    /// A thread exits with live blocks on its current page, whose allocations were not
    /// counted, and with freed blocks in its `hot` slot and on its free stack: teardown
    /// settles the page's count from those, so the abandoned page is not freed while
    /// blocks live (under Miri a use after free), and is unused once they come back from
    /// another thread. (Other tests may adopt the page meanwhile: it is checked only
    /// while it is on the abandoned list, under its lock.)
    #[test]
    fn exit_settles_the_current_pages_count() {
        let live = std::thread::spawn(|| {
            let blocks: Vec<_> = (0..10)
                .map(|_| alloc_block(CLASS).expect("memory"))
                .collect();
            for &b in &blocks[..4] {
                // SAFETY: ours, unused, freed once (into `hot`, then onto the stack).
                unsafe { free_block(b) };
            }
            // Takes the stack's top (`hot` and two blocks on the stack stay free)...
            let again = alloc_block(CLASS).expect("memory");
            // ...and one more goes onto the stack.
            // SAFETY: ours, unused, freed once.
            unsafe { free_block(blocks[4]) };
            let mut live: Vec<_> = blocks[5..].to_vec();
            live.push(again);
            for (i, &b) in live.iter().enumerate() {
                // SAFETY: a live 48-byte block of ours.
                unsafe { b.cast::<[u8; 48]>().write([i as u8; 48]) };
            }
            Blocks(live)
        })
        .join()
        .unwrap()
        .0;
        let page = Page::of(live[0]);
        assert!(live.iter().all(|&b| Page::of(b) == page));
        let unused_if_listed = || {
            let lists = abandoned();
            // SAFETY: a page on the list is owned by it, and we hold its lock.
            lists[CLASS]
                .contains(&page)
                .then(|| unsafe { page.is_unused() })
        };
        assert_ne!(unused_if_listed(), Some(true), "6 blocks are live");
        for (i, &b) in live.iter().enumerate() {
            // SAFETY: live blocks written above; each freed once, after this check.
            unsafe {
                assert_eq!(b.cast::<[u8; 48]>().read(), [i as u8; 48]);
                free_block(b);
            }
            if i + 1 < live.len() {
                assert_ne!(unused_if_listed(), Some(true), "{} blocks live", 5 - i);
            }
        }
        assert_ne!(unused_if_listed(), Some(false), "every block is back");
    }

    /// The hot path's view of the heap (`CURRENT`): `NO_PAGES` before the first
    /// allocation, the heap's own `current` array after it.
    fn current_is_the_heaps() -> bool {
        let heap = HEAP.with(Cell::get);
        // SAFETY: only the address of this thread's live heap's field is taken.
        !heap.is_null() && CURRENT.with(Cell::get) == unsafe { &raw const (*heap).current }
    }

    /// Every class starts on `Page::NONE`, one sentinel shared by all threads: first
    /// allocations of every class on several threads at once only read it (under Miri a
    /// write would be a data race), fall through to the slow path and leave each class
    /// with a page of its own, which the hot path then sees.
    #[test]
    fn first_allocations_only_read_the_shared_sentinel() {
        let threads: Vec<_> = (0..if cfg!(miri) { 3 } else { 8 })
            .map(|_| {
                std::thread::spawn(|| {
                    assert_eq!(CURRENT.with(Cell::get), &raw const NO_PAGES);
                    let blocks: Vec<_> = (0..CLASSES)
                        .map(|c| alloc_block(c).expect("memory"))
                        .collect();
                    assert!(current_is_the_heaps());
                    with_heap(|h| {
                        for (class, &block) in blocks.iter().enumerate() {
                            assert_eq!(h.current[class], Page::of(block));
                            assert_ne!(h.current[class], Page::NONE);
                        }
                    });
                    for block in blocks {
                        // SAFETY: allocated above, unused, freed once.
                        unsafe { free_block(block) };
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
    }

    /// A thread-local destructor that runs after the heap's teardown (registered
    /// before the heap's owner, so on this platform it runs after it) still allocates
    /// and frees: the hot path then shows `NO_PAGES` and the block comes from the
    /// abandoned pages. Before the teardown (another destructor order) it uses the heap.
    /// (The destructor reports rather than asserts: a panic there aborts.)
    #[test]
    fn allocation_after_heap_teardown_uses_the_abandoned_pages() {
        use std::sync::atomic::AtomicU8;
        const AFTER_TEARDOWN: u8 = 1;
        const BEFORE_TEARDOWN: u8 = 2;
        const WRONG_VIEW: u8 = 3;
        const NO_BLOCK: u8 = 4;
        static OUTCOME: AtomicU8 = AtomicU8::new(0);
        struct LateUser;
        impl Drop for LateUser {
            fn drop(&mut self) {
                let torn_down = TORN_DOWN.with(Cell::get);
                let view_ok = if torn_down {
                    CURRENT.with(Cell::get) == &raw const NO_PAGES && HEAP.with(Cell::get).is_null()
                } else {
                    current_is_the_heaps()
                };
                // With a wrong view the hot path could pop from a freed heap's pages.
                let outcome = match view_ok.then(|| alloc_block(CLASS)) {
                    None => WRONG_VIEW,
                    Some(None) => NO_BLOCK,
                    Some(Some(block)) => {
                        // SAFETY: a fresh 48-byte block, then freed once.
                        unsafe {
                            block.cast::<[u8; 48]>().write([7; 48]);
                            free_block(block);
                        }
                        if torn_down {
                            AFTER_TEARDOWN
                        } else {
                            BEFORE_TEARDOWN
                        }
                    }
                };
                OUTCOME.store(outcome, Ordering::SeqCst);
            }
        }
        thread_local! {
            static LATE: LateUser = const { LateUser };
        }
        std::thread::spawn(|| {
            // Registered before the heap's owner (the first pool allocation below).
            LATE.with(|_| ());
            let block = alloc_block(CLASS).expect("memory");
            assert!(current_is_the_heaps());
            // SAFETY: allocated just above, unused, freed once.
            unsafe { free_block(block) };
        })
        .join()
        .unwrap();
        let outcome = OUTCOME.load(Ordering::SeqCst);
        assert!(
            outcome == AFTER_TEARDOWN || outcome == BEFORE_TEARDOWN,
            "destructor outcome {outcome}"
        );
    }
}
