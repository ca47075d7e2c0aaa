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
//! Thread teardown (SPEC §4.11): the hot-path thread-local (`HEAP`) is const-initialised
//! and has no destructor, so it works at any point of teardown; a separate thread-local
//! (`HEAP_OWNER`) tears the heap down. The free path never creates a heap. Allocations
//! after teardown are served from abandoned pages under the global lock.

use core::cell::Cell;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::page::{ABANDONED, PAGE_SIZE, Page};
use super::size_class::CLASSES;
use crate::frame::registry::{thread_token, thread_token_if_any};
use crate::stats::shard::KindSlot;

/// Pages of exited threads that still held blocks.
static ABANDONED_PAGES: Mutex<Vec<Page>> = Mutex::new(Vec::new());

/// Bytes of empty pages each thread heap keeps for reuse (the largest
/// `AllocConfig::pool_retain_bytes` of any allocator made so far).
static RETAIN_BYTES: AtomicUsize = AtomicUsize::new(0);

/// Raise the per-thread retain cap to at least `bytes`.
pub(crate) fn raise_retain_cap(bytes: usize) {
    RETAIN_BYTES.fetch_max(bytes, Ordering::Relaxed);
}

fn abandoned() -> MutexGuard<'static, Vec<Page>> {
    // The list is consistent at every point where a panic could occur.
    ABANDONED_PAGES
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

struct ThreadHeap {
    /// The owning thread's token (`registry::thread_token`): never 0, never
    /// [`ABANDONED`], never reused, and never given to another thread's heap (one heap
    /// per thread, never remade after teardown). Using the token rather than a separate
    /// id lets the free path check page *and* accounting-slot ownership against a single
    /// thread-local load.
    id: u64,
    /// The page each class allocates from.
    current: [Option<Page>; CLASSES],
    /// Every page this heap owns, per class (the current one included).
    pages: [Vec<Page>; CLASSES],
    /// Empty pages kept for reuse (any class), up to the retain cap.
    retained: Vec<Page>,
    /// Slow-path entries so far; every `SWEEP_EVERY`th also sweeps the other classes and
    /// the abandoned list.
    misses: u32,
}

/// How often (in slow-path entries) a heap sweeps all its classes and the abandoned list
/// for pages whose blocks have all come back.
const SWEEP_EVERY: u32 = 16;

thread_local! {
    /// This thread's heap; null before the first pool allocation and after teardown.
    static HEAP: Cell<*mut ThreadHeap> = const { Cell::new(ptr::null_mut()) };
    /// Set once the heap has been torn down: no new heap may be made on this thread.
    static TORN_DOWN: Cell<bool> = const { Cell::new(false) };
    /// Tears the heap down when the thread exits.
    static HEAP_OWNER: HeapOwner = const { HeapOwner };
}

struct HeapOwner;

impl Drop for HeapOwner {
    fn drop(&mut self) {
        let heap = HEAP.with(|h| h.replace(ptr::null_mut()));
        TORN_DOWN.with(|t| t.set(true));
        if !heap.is_null() {
            // SAFETY: made by `Box::into_raw` in `alloc_without_heap`; `HEAP` no longer
            // points to it, so this is the only reference.
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
        ThreadHeap {
            id,
            current: [None; CLASSES],
            pages: core::array::from_fn(|_| Vec::new()),
            retained: Vec::new(),
            misses: 0,
        }
    }

    /// Add an owned page to `class`'s list and make it current.
    fn install(&mut self, class: usize, page: Page) {
        // SAFETY: we own `page`.
        unsafe { page.set_list_index(self.pages[class].len()) };
        self.pages[class].push(page);
        self.current[class] = Some(page);
    }

    #[cold]
    #[inline(never)]
    fn alloc_slow(&mut self, class: usize) -> Option<NonNull<u8>> {
        // 0. Release pages whose blocks have all come back (freed here or, remotely, on
        //    other threads) — this class every time, the rest and the abandoned list
        //    now and then — so emptied pages return to the retain cap or the system.
        self.misses = self.misses.wrapping_add(1);
        self.release_unused(class);
        if self.misses.is_multiple_of(SWEEP_EVERY) {
            for other in (0..CLASSES).filter(|&c| c != class) {
                self.release_unused(other);
            }
            sweep_abandoned();
        }
        // 1. Remote frees on the current page (its local list is empty: `pop` failed).
        if let Some(page) = self.current[class] {
            // SAFETY: we own the page; `pop` just found its local list empty.
            if unsafe { page.collect_remote() } > 0 {
                // SAFETY: we own the page.
                return unsafe { page.pop() };
            }
        }
        // 2. Another page of the class with room; else the one with most remote frees.
        let mut best: Option<(Page, u32)> = None;
        for &page in &self.pages[class] {
            // SAFETY: we own every page in our lists.
            if unsafe { page.has_local_room() } {
                self.current[class] = Some(page);
                // SAFETY: we own the page.
                return unsafe { page.pop() };
            }
            let remote = page.remote_count();
            if remote > best.map_or(0, |(_, n)| n) {
                best = Some((page, remote));
            }
        }
        if let Some((page, _)) = best {
            // SAFETY: we own the page; it has no local room, so its local list is empty.
            unsafe { page.collect_remote() };
            self.current[class] = Some(page);
            // SAFETY: we own the page.
            return unsafe { page.pop() };
        }
        // 3. Adopt an abandoned page of this class (and free unused ones on the way).
        if let Some(page) = self.adopt(class) {
            self.install(class, page);
            // SAFETY: we own the adopted page.
            return unsafe { page.pop() };
        }
        // 4. A retained or fresh page.
        let page = match self.retained.pop() {
            Some(page) => page,
            None => Page::allocate()?,
        };
        // SAFETY: the page is ours and unused (retained pages are unused; fresh ones too).
        unsafe {
            page.format(class);
            page.set_owner(self.id);
        }
        self.install(class, page);
        // SAFETY: we own the page.
        unsafe { page.pop() }
    }

    fn adopt(&mut self, class: usize) -> Option<Page> {
        let mut list = abandoned();
        let mut adopted = None;
        let mut i = 0;
        while i < list.len() {
            let page = list[i];
            // SAFETY: pages on the list are owned by the list; we hold its lock.
            if unsafe { page.is_unused() } {
                list.swap_remove(i);
                // SAFETY: unused and now in no list: nobody holds a block of it.
                unsafe { page.free() };
                continue;
            }
            // SAFETY: as above.
            let fits = unsafe {
                page.class() == class && (page.has_local_room() || page.remote_count() > 0)
            };
            if adopted.is_none() && fits {
                list.swap_remove(i);
                // SAFETY: we hold the lock, so we own it; the lock's acquire made the
                // previous owner's writes visible. Now it is ours.
                unsafe {
                    page.set_owner(self.id);
                    if !page.has_local_room() {
                        page.collect_remote();
                    }
                }
                adopted = Some(page);
                continue;
            }
            i += 1;
        }
        adopted
    }

    /// A non-current page of ours became empty: keep it for reuse or free it.
    #[cold]
    #[inline(never)]
    fn page_emptied(&mut self, page: Page) {
        // SAFETY: we own the page (its block was freed on our thread's local path).
        let class = unsafe { page.class() };
        if self.current[class] == Some(page) {
            return;
        }
        // SAFETY: we own the page.
        let index = unsafe { page.list_index() };
        self.unlist(class, index);
        self.retain_or_free(page);
    }

    /// Release every non-current page of `class` whose blocks have all come back.
    fn release_unused(&mut self, class: usize) {
        let mut i = 0;
        while i < self.pages[class].len() {
            let page = self.pages[class][i];
            // SAFETY: we own every page in our lists.
            if self.current[class] != Some(page) && unsafe { page.is_unused() } {
                self.unlist(class, i);
                self.retain_or_free(page);
            } else {
                i += 1;
            }
        }
    }

    /// Remove the page at `index` from `class`'s list (O(1), fixing the moved page's
    /// index).
    fn unlist(&mut self, class: usize, index: usize) {
        let list = &mut self.pages[class];
        list.swap_remove(index);
        if let Some(&moved) = list.get(index) {
            // SAFETY: we own every page in our lists.
            unsafe { moved.set_list_index(index) };
        }
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
        let mut keep = Vec::new();
        for page in self.pages.into_iter().flatten() {
            // SAFETY: we own our pages.
            if unsafe { page.is_unused() } {
                // SAFETY: unused, and dropped from our lists: nobody holds a block.
                unsafe { page.free() };
            } else {
                keep.push(page);
            }
        }
        for page in self.retained {
            // SAFETY: retained pages are ours, unused and in no other list.
            unsafe { page.free() };
        }
        if !keep.is_empty() {
            let mut list = abandoned();
            for page in keep {
                // SAFETY: we own the page and hand it to the list (whose lock we hold).
                unsafe { page.set_owner(ABANDONED) };
                list.push(page);
            }
        }
        sweep_abandoned();
    }
}

/// Free abandoned pages whose blocks have all come back. Skipped if another thread holds
/// the list (it will sweep, or a later call will).
fn sweep_abandoned() {
    let mut list = match ABANDONED_PAGES.try_lock() {
        Ok(list) => list,
        Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
        Err(std::sync::TryLockError::WouldBlock) => return,
    };
    let mut i = 0;
    while i < list.len() {
        let page = list[i];
        // SAFETY: the list owns its pages and we hold its lock.
        if unsafe { page.is_unused() } {
            list.swap_remove(i);
            // SAFETY: unused (no block held, no push pending) and now in no list.
            unsafe { page.free() };
        } else {
            i += 1;
        }
    }
}

/// Allocate a block of `class`. `None` when the system is out of memory.
#[inline(always)]
pub(crate) fn alloc_block(class: usize) -> Option<NonNull<u8>> {
    let heap = HEAP.with(Cell::get);
    if heap.is_null() {
        return alloc_without_heap(class);
    }
    // SAFETY: `HEAP` points to this thread's live heap (nulled before teardown); only
    // this thread uses it and no other reference to it is alive during this call.
    let heap = unsafe { &mut *heap };
    if let Some(page) = heap.current[class] {
        // SAFETY: the current page is owned by this heap.
        if let Some(block) = unsafe { page.pop() } {
            return Some(block);
        }
    }
    heap.alloc_slow(class)
}

#[cold]
#[inline(never)]
fn alloc_without_heap(class: usize) -> Option<NonNull<u8>> {
    let can_make_heap = !TORN_DOWN.with(Cell::get) && HEAP_OWNER.try_with(|_| ()).is_ok();
    if can_make_heap {
        let heap = Box::new(ThreadHeap::new());
        HEAP.with(|h| h.set(Box::into_raw(heap)));
        return alloc_block(class);
    }
    alloc_during_teardown(class)
}

/// After this thread's heap is gone: serve from abandoned pages under the global lock.
fn alloc_during_teardown(class: usize) -> Option<NonNull<u8>> {
    let mut list = abandoned();
    for &page in list.iter() {
        // SAFETY: the list owns its pages and we hold its lock.
        unsafe {
            if page.class() == class {
                if !page.has_local_room() {
                    page.collect_remote();
                }
                if let Some(block) = page.pop() {
                    return Some(block);
                }
            }
        }
    }
    let page = Page::allocate()?;
    // SAFETY: fresh page; handed to the list (we hold its lock) before use.
    unsafe {
        page.format(class);
        page.set_owner(ABANDONED);
        list.push(page);
        page.pop()
    }
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
            unsafe { page_emptied(page) };
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
            unsafe { page_emptied(page) };
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

/// A page of this thread's heap became empty on the local free path.
///
/// # Safety
///
/// This thread's heap owns `page` (so the heap is alive).
#[cold]
#[inline(never)]
unsafe fn page_emptied(page: Page) {
    let heap = HEAP.with(Cell::get);
    // SAFETY: the heap that owns `page` is this thread's live heap (`HEAP` is non-null
    // while it lives); no other reference to it is alive during this call.
    unsafe { &mut *heap }.page_emptied(page);
}

/// Pages of exited threads still on the abandoned list.
pub(crate) fn abandoned_page_count() -> usize {
    abandoned().len()
}
