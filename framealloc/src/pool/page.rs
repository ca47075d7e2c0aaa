//! Pool pages: `PAGE_SIZE`-aligned slabs of equal blocks, found from any block by masking
//! its address.
//!
//! # Ownership
//!
//! A page is owned either by one thread heap (`owner` = that heap's id) or, after its
//! thread exited, by the global abandoned list (`owner` = [`ABANDONED`], owner-only
//! fields guarded by that list's lock). Only the owner touches the owner-only fields
//! (`free_head`, `local_free`, `carved`, `outstanding`, ...); everyone else frees blocks by
//! pushing them onto the `remote` stack.
//!
//! # Remote frees (SPEC §4.11)
//!
//! `remote` packs (head offset, count) in one atomic word. Other threads only *push*
//! (CAS); the owner only *swaps the whole stack out* — push-only plus swap-all is free of
//! ABA. Because the packed count comes along, the swapped list becomes the owner's local
//! free list without walking it (walking costs a cross-core miss per block). A pusher
//! never touches the page after its successful CAS: the owner may free the page at once.
//!
//! # Full pages
//!
//! A page with no block left (`retire_full`) leaves its heap's allocation path and is
//! *flagged*: bit 63 of `remote` asks for one notification. The first remote free after
//! that clears the flag in its CAS and sets the class's bit in the owner heap's
//! notification word (`notify`, read before the CAS; notification words are never freed,
//! so a late or misdirected notification is harmless: at worst a needless look at the
//! full pages of one class). The first *local* free is reported by `push_local` itself:
//! a full page's `outstanding` is kept biased by `capacity - 1`, so the free that takes it
//! to zero is the first one, and the hot path tests for zero as it does to see a page
//! empty. So a miss never scans pages that have no room (SPEC §4.11: a miss that scans
//! every page of a class is quadratic at scale).
//!
//! Block pointers are always derived from the raw page pointer (whose provenance spans
//! the whole page), never from a `&PageHeader`.

use core::alloc::Layout;
use core::cell::Cell;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};

use super::size_class::CLASS_SIZES;

/// Size (and alignment) of a pool page.
pub(crate) const PAGE_SIZE: usize = 64 * 1024;

/// Offset of the first block: the header rounded up to a cache line multiple.
pub(crate) const FIRST_BLOCK: usize = 128;

/// `owner` of a page whose thread exited; it belongs to the abandoned list.
pub(crate) const ABANDONED: u64 = u64::MAX;

/// The header at the start of every page.
#[repr(C)]
pub(crate) struct PageHeader {
    /// Owning heap id, or [`ABANDONED`]. Written by the owner (or the abandoned list's
    /// lock holder) with `Release`, read by anyone.
    owner: AtomicU64,
    /// Remote-free stack: low 32 bits head offset (0 = empty), high 32 bits count.
    remote: AtomicU64,
    /// Size class (immutable while the page is in use).
    class: Cell<u32>,
    /// Block size in bytes (immutable while the page is in use).
    block_size: Cell<u32>,
    /// Number of blocks the page holds (immutable while the page is in use).
    capacity: Cell<u32>,
    /// Owner-only: the first block of the local free list (null = empty). The local
    /// lists hold block *pointers* (each free block's first eight bytes point to the
    /// next, or are null), not offsets: a pop or push then needs no offset-to-address
    /// conversion (callgrind, shuffled 1000 × 48 B: 3 instructions per alloc+free).
    /// The remote stack keeps offsets (it packs head and count in one atomic word), but
    /// its pushers write pointer links too, so a collected stack is a local list as is.
    free_head: Cell<*mut u8>,
    /// Owner-only: the blocks freed on the owner's thread (null = empty). Allocation
    /// pops `free_head` and frees push here, so an allocation right after a free does
    /// not wait for the free's store to the same word (as mimalloc's `local_free`);
    /// `pop` takes this list over when `free_head` runs out.
    local_free: Cell<*mut u8>,
    /// Owner-only: blocks carved from the never-used tail so far.
    carved: Cell<u32>,
    /// Owner-only: blocks handed out and not yet returned (locally, or by a collected
    /// remote stack), minus `bias`. 0 with no bias means the page is empty.
    ///
    /// Not kept while the page is its heap's *current* page: allocation from it does not
    /// count (callgrind: 1 instruction per allocation), and local frees count down from
    /// [`UNCOUNTED`] (reaching zero there only wakes the heap for nothing: it ignores its
    /// current page). The count is settled when the page stops being current — it is
    /// then exhausted, so every block is out ([`end_current`](Page::end_current)) — or
    /// at thread exit by walking its free lists ([`settle_current`](Page::settle_current)).
    outstanding: Cell<u32>,
    /// Owner-only: this page's index in its heap's list (`queue`).
    list_index: Cell<u32>,
    /// Owner-only: which of its heap's lists holds the page ([`Queue`]).
    queue: Cell<Queue>,
    /// Owner-only: subtracted from `outstanding` while the page is flagged full
    /// (`capacity - 1`, else 0), so `push_local`'s test for zero also reports a full
    /// page's first local free. The true count is `outstanding + bias`.
    bias: Cell<u32>,
    /// The owner heap's notification word, for the first remote free on a flagged
    /// full page. Written by the owner before it flags the page (Release on `remote`).
    notify: AtomicPtr<AtomicU32>,
}

/// Which list of its heap a page is on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Queue {
    /// None: a class's current page, a retained page, or a page being moved.
    Unlisted,
    /// Not current, with room (or remote frees) when last seen.
    Avail,
    /// Not current, no room when last seen, flagged for notification.
    Full,
}

/// `outstanding` of a current page (see there): far from zero, so local frees of a long
/// run of allocations and frees do not take it there.
const UNCOUNTED: u32 = 1 << 31;

/// Bit of `remote`: the owner wants to hear of the next remote free (a full page).
const FLAGGED: u64 = 1 << 63;

const _: () = assert!(size_of::<PageHeader>() <= FIRST_BLOCK);

impl PageHeader {
    /// Blocks handed out and not returned (see `bias`). Owner only.
    fn true_outstanding(&self) -> u32 {
        self.outstanding.get() + self.bias.get()
    }

    /// Whether a block is ready without collecting remote frees (owner only).
    fn has_local_room(&self) -> bool {
        !self.free_head.get().is_null()
            || !self.local_free.get().is_null()
            || self.carved.get() < self.capacity.get()
    }

    /// Drop the full page's bias (owner only).
    fn unbias(&self) {
        self.outstanding.set(self.true_outstanding());
        self.bias.set(0);
    }
}

const fn pack(head: u32, count: u32) -> u64 {
    (head as u64) | ((count as u64) << 32)
}

const fn unpack(word: u64) -> (u32, u32) {
    (word as u32, ((word & !FLAGGED) >> 32) as u32)
}

impl PageHeader {
    /// A header with no block, no room and no owner (fresh pages and the sentinel).
    const fn empty() -> PageHeader {
        PageHeader {
            owner: AtomicU64::new(0),
            remote: AtomicU64::new(0),
            class: Cell::new(0),
            block_size: Cell::new(16),
            capacity: Cell::new(0),
            free_head: Cell::new(core::ptr::null_mut()),
            local_free: Cell::new(core::ptr::null_mut()),
            carved: Cell::new(0),
            outstanding: Cell::new(0),
            list_index: Cell::new(0),
            queue: Cell::new(Queue::Unlisted),
            bias: Cell::new(0),
            notify: AtomicPtr::new(core::ptr::null_mut()),
        }
    }
}

/// The header of [`Page::NONE`]: no block, no room (`carved == capacity == 0`).
#[repr(C, align(16))]
struct Sentinel(PageHeader);

// SAFETY: nothing ever writes to the sentinel's header, so sharing it between threads
// races with nothing: the only operation ever applied to `Page::NONE` is `pop`, which
// finds both free lists empty and no block to carve and returns `None` after reads
// only; every other page operation is applied to owned pages, which `Page::NONE` never
// is (`ThreadHeap` tests for it before any other use of a current page).
unsafe impl Sync for Sentinel {}

static SENTINEL: Sentinel = Sentinel(PageHeader::empty());

fn page_layout() -> Layout {
    // SAFETY: PAGE_SIZE is a non-zero power of two and a multiple of itself.
    unsafe { Layout::from_size_align_unchecked(PAGE_SIZE, PAGE_SIZE) }
}

/// A raw page pointer. Copyable; all access is through `unsafe` methods whose contracts
/// say who may call them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Page(NonNull<u8>);

// SAFETY: a `Page` is an address. Which thread may use which part of the page is the
// ownership protocol in the module docs, enforced by the callers' contracts.
unsafe impl Send for Page {}
// SAFETY: as for `Send`: a `&Page` gives only a copy of the address (`Page` is `Copy`,
// and all its methods take `self`); what may be done with it is the same protocol.
unsafe impl Sync for Page {}

impl Page {
    /// No page: a class's current page before it has one. It never has a block, so
    /// [`pop`](Self::pop) on it returns `None` (without writing anything), which lets
    /// the allocation hot path pop from its current page without first testing that
    /// it has one (callgrind: 2 instructions per allocation). Not a real page: no other
    /// method may be called on it.
    pub(crate) const NONE: Page =
        // SAFETY: the address of a static is not null.
        Page(unsafe { NonNull::new_unchecked((&raw const SENTINEL).cast_mut().cast::<u8>()) });

    /// Allocate a fresh page from the system. `None` when the system refuses.
    pub(crate) fn allocate() -> Option<Page> {
        // SAFETY: the layout has non-zero size.
        let base = NonNull::new(unsafe { std::alloc::alloc(page_layout()) })?;
        let header = base.cast::<PageHeader>();
        // SAFETY: `base` is a fresh, aligned allocation large enough for the header.
        unsafe { header.write(PageHeader::empty()) };
        Some(Page(base))
    }

    /// Return the page to the system.
    ///
    /// # Safety
    ///
    /// The caller owns the page, it is empty (`outstanding == 0` after collecting remote
    /// frees, so no block is held and no remote push is pending), and it is in no list.
    pub(crate) unsafe fn free(self) {
        // SAFETY: allocated in `allocate` with this layout; nothing refers to it anymore
        // (caller's contract).
        unsafe { std::alloc::dealloc(self.0.as_ptr(), page_layout()) }
    }

    /// The page holding the block at `block`.
    #[inline(always)]
    pub(crate) fn of(block: NonNull<u8>) -> Page {
        // Keep the block pointer's provenance (it was derived from the page pointer and
        // spans the whole page), only clear the in-page offset.
        Page(block.map_addr(|a| {
            // SAFETY: a block is never at offset 0 of its page (the header is there), so
            // masking leaves the page's non-zero base address.
            unsafe { core::num::NonZeroUsize::new_unchecked(a.get() & !(PAGE_SIZE - 1)) }
        }))
    }

    #[inline(always)]
    #[allow(
        clippy::cast_ptr_alignment,
        reason = "pages are PAGE_SIZE-aligned, more than the header needs"
    )]
    fn header(self) -> *const PageHeader {
        self.0.as_ptr().cast::<PageHeader>()
    }

    /// The block at `offset` (a block start, or 0 for none: null), derived from the
    /// page pointer so it carries the whole page's provenance.
    #[inline(always)]
    fn block_at(self, offset: u32) -> *mut u8 {
        if offset == 0 {
            core::ptr::null_mut()
        } else {
            self.0.as_ptr().wrapping_add(offset as usize)
        }
    }

    /// The free-list link of a block: its first eight bytes, holding the next free
    /// block's pointer (or null). Blocks are 16-aligned and at least 16 bytes.
    #[inline(always)]
    #[allow(
        clippy::cast_ptr_alignment,
        reason = "blocks are 16-aligned (multiples of 16 in a PAGE_SIZE-aligned page)"
    )]
    fn link(block: *mut u8) -> *mut *mut u8 {
        block.cast::<*mut u8>()
    }

    /// The owner's header fields.
    ///
    /// # Safety
    ///
    /// The caller owns the page (its heap, or the abandoned list's lock).
    #[inline(always)]
    unsafe fn owned(&self) -> &PageHeader {
        // SAFETY: the header was initialised in `allocate`; owner-only `Cell`s are only
        // used by the owner (caller's contract), the atomics by anyone.
        unsafe { &*self.header() }
    }

    /// The page's owner id (anyone may read it).
    #[inline(always)]
    pub(crate) fn owner(self) -> u64 {
        // SAFETY: the header outlives every block, and the caller holds a block (or owns
        // the page); the field is atomic.
        unsafe { &(*self.header()).owner }.load(Ordering::Relaxed)
    }

    /// Hand the page to a new owner (a heap id or [`ABANDONED`]).
    ///
    /// # Safety
    ///
    /// The caller owns the page and gives it up (or takes it from the abandoned list
    /// under its lock).
    pub(crate) unsafe fn set_owner(self, owner: u64) {
        // SAFETY: caller owns the page; the field is atomic. Release publishes the
        // owner-only fields to whoever takes the page next (they also synchronise
        // through the abandoned list's lock).
        unsafe { self.owned() }
            .owner
            .store(owner, Ordering::Release);
    }

    /// Prepare an owned, unused page to serve `class` (discarding any remote stack).
    ///
    /// # Safety
    ///
    /// The caller owns the page and it is unused ([`is_unused`](Self::is_unused)).
    pub(crate) unsafe fn format(self, class: usize) {
        // SAFETY: caller owns the page.
        let h = unsafe { self.owned() };
        h.remote.store(0, Ordering::Relaxed);
        h.outstanding.set(0);
        let block = CLASS_SIZES[class];
        h.class.set(class as u32);
        h.block_size.set(block);
        h.capacity
            .set(((PAGE_SIZE - FIRST_BLOCK) / block as usize) as u32);
        h.free_head.set(core::ptr::null_mut());
        h.local_free.set(core::ptr::null_mut());
        h.carved.set(0);
        h.queue.set(Queue::Unlisted);
        h.bias.set(0);
    }

    /// The page's size class.
    ///
    /// # Safety
    ///
    /// The caller owns the page or holds one of its blocks (the class is fixed then).
    pub(crate) unsafe fn class(self) -> usize {
        // SAFETY: the field only changes in `format`, which needs an empty page.
        unsafe { self.owned() }.class.get() as usize
    }

    /// Index in the owner's list that holds the page ([`queue`](Self::queue)).
    ///
    /// # Safety
    ///
    /// The caller owns the page.
    pub(crate) unsafe fn list_index(self) -> usize {
        // SAFETY: caller owns the page.
        unsafe { self.owned() }.list_index.get() as usize
    }

    /// Which of the owner's lists holds the page.
    ///
    /// # Safety
    ///
    /// The caller owns the page.
    pub(crate) unsafe fn queue(self) -> Queue {
        // SAFETY: caller owns the page.
        unsafe { self.owned() }.queue.get()
    }

    /// Record which of the owner's lists holds the page, at `index`.
    ///
    /// # Safety
    ///
    /// The caller owns the page.
    pub(crate) unsafe fn set_queue(self, queue: Queue, index: usize) {
        // SAFETY: caller owns the page.
        let h = unsafe { self.owned() };
        h.queue.set(queue);
        h.list_index.set(index as u32);
    }

    /// Retire a page with no local room from allocation: ask for a notification on
    /// `notify` (the class's bit) at the next remote free, and for `push_local` to
    /// report the next local one. Fails (changing nothing) if remote frees are already
    /// waiting: collect them instead.
    ///
    /// # Safety
    ///
    /// The caller owns the page and it has no local room.
    pub(crate) unsafe fn retire_full(self, notify: &'static AtomicU32) -> bool {
        // SAFETY: caller owns the page.
        let h = unsafe { self.owned() };
        debug_assert!(!h.has_local_room());
        debug_assert_eq!((h.outstanding.get(), h.bias.get()), (h.capacity.get(), 0));
        h.notify
            .store(core::ptr::from_ref(notify).cast_mut(), Ordering::Relaxed);
        // Release: a pusher that sees the flag (Acquire) sees `notify`.
        let flagged = h
            .remote
            .compare_exchange(0, FLAGGED, Ordering::Release, Ordering::Relaxed)
            .is_ok();
        if flagged {
            // A full page has every block out: `outstanding == capacity`, so this
            // leaves 1, and the first local free reaches 0.
            let bias = h.capacity.get() - 1;
            h.bias.set(bias);
            h.outstanding.set(h.outstanding.get() - bias);
        }
        flagged
    }

    /// Undo [`retire_full`](Self::retire_full): no notification wanted any more (one
    /// may still arrive; it is harmless).
    ///
    /// # Safety
    ///
    /// The caller owns the page.
    pub(crate) unsafe fn unflag(self) {
        // SAFETY: caller owns the page.
        let h = unsafe { self.owned() };
        h.unbias();
        h.remote.fetch_and(!FLAGGED, Ordering::Relaxed);
    }

    /// Whether the page has no block outstanding at all (before collecting remote
    /// frees: after `collect_remote`, an unused page is empty).
    ///
    /// # Safety
    ///
    /// The caller owns the page.
    pub(crate) unsafe fn is_empty(self) -> bool {
        // SAFETY: caller owns the page.
        unsafe { self.owned() }.true_outstanding() == 0
    }

    /// Make the owned page its heap's current page: from now on its allocations are not
    /// counted (see `outstanding`).
    ///
    /// # Safety
    ///
    /// The caller owns the page, which is not flagged full.
    pub(crate) unsafe fn begin_current(self) {
        // SAFETY: caller owns the page.
        let h = unsafe { self.owned() };
        debug_assert_eq!(h.bias.get(), 0);
        h.outstanding.set(UNCOUNTED);
    }

    /// The current page is exhausted (`pop` found no block) and stops being current:
    /// every block is out, so its count is its capacity again.
    ///
    /// # Safety
    ///
    /// The caller owns the page, which was current and has no local room.
    pub(crate) unsafe fn end_current(self) {
        // SAFETY: caller owns the page.
        let h = unsafe { self.owned() };
        debug_assert!(!h.has_local_room());
        h.outstanding.set(h.capacity.get());
    }

    /// Settle the count of a current page that stops being current with local room (at
    /// thread exit): carved blocks minus those on the local free lists, which it walks.
    ///
    /// # Safety
    ///
    /// The caller owns the page, which was current.
    pub(crate) unsafe fn settle_current(self) {
        // SAFETY: caller owns the page.
        let h = unsafe { self.owned() };
        let mut free = 0;
        for mut block in [h.free_head.get(), h.local_free.get()] {
            while !block.is_null() {
                free += 1;
                // SAFETY: a free block of this page (see `pop`), whose first eight bytes
                // link to the next.
                block = unsafe { Self::link(block).read() };
            }
        }
        h.outstanding.set(h.carved.get() - free);
    }

    /// [`pop`](Self::pop), counting the block: for a page that is not a heap's current
    /// page (an abandoned page, under the list's lock).
    ///
    /// # Safety
    ///
    /// The caller owns the page and it is not a heap's current page.
    pub(crate) unsafe fn pop_counted(self) -> Option<NonNull<u8>> {
        // SAFETY: forwarded.
        let block = unsafe { self.pop() }?;
        // SAFETY: caller owns the page.
        let h = unsafe { self.owned() };
        h.outstanding.set(h.outstanding.get() + 1);
        Some(block)
    }

    /// Take a block: from the local free list, else from the never-used tail. Not
    /// counted (a current page's allocations are not; see `outstanding`). On
    /// [`Page::NONE`] (shared by every thread) this returns `None` after reads only.
    ///
    /// # Safety
    ///
    /// The caller owns the page and it is its heap's current page, or it is
    /// [`Page::NONE`].
    #[inline(always)]
    pub(crate) unsafe fn pop(self) -> Option<NonNull<u8>> {
        // SAFETY: caller owns the page (or it is the sentinel, whose fields are only
        // read below: both lists are null and `carved == capacity`).
        let h = unsafe { self.owned() };
        let mut head = h.free_head.get();
        if head.is_null() {
            head = h.local_free.get();
            if !head.is_null() {
                h.local_free.set(core::ptr::null_mut());
            }
        }
        let block = if head.is_null() {
            let carved = h.carved.get();
            if carved == h.capacity.get() {
                return None;
            }
            h.carved.set(carved + 1);
            // SAFETY: a block start inside the page (`carved < capacity`), derived from
            // the page pointer.
            unsafe {
                self.0
                    .as_ptr()
                    .add(FIRST_BLOCK + (carved * h.block_size.get()) as usize)
            }
        } else {
            // SAFETY: `head` is a free block of this page (derived from the page pointer
            // by `pop`/`block_at`, or a block this page handed out), whose first eight
            // bytes hold the next free block or null (written by `push_local` /
            // `push_remote`).
            let next = unsafe { Self::link(head).read() };
            h.free_head.set(next);
            head
        };
        // SAFETY: a block start inside the page: non-null.
        Some(unsafe { NonNull::new_unchecked(block) })
    }

    /// Return a block on the owner's thread. Returns whether the page is now empty or,
    /// if it was flagged full, has room again (see `bias`).
    ///
    /// # Safety
    ///
    /// The caller owns the page, and `block` is an outstanding block of it that nothing
    /// uses anymore.
    #[inline(always)]
    pub(crate) unsafe fn push_local(self, block: NonNull<u8>) -> bool {
        // SAFETY: caller owns the page.
        let h = unsafe { self.owned() };
        let block = block.as_ptr();
        // SAFETY: the block is free now, 16-aligned and at least 16 bytes; its first
        // eight bytes become the link. `block` was derived from the page pointer when
        // `pop` handed it out, so it carries the page's provenance.
        unsafe { Self::link(block).write(h.local_free.get()) };
        h.local_free.set(block);
        // Wrapping: a current page's count is not kept (see `outstanding`).
        let outstanding = h.outstanding.get().wrapping_sub(1);
        h.outstanding.set(outstanding);
        outstanding == 0
    }

    /// Return a block from a thread that does not own the page. After this returns the
    /// caller must not touch the page again (its owner may free it at once).
    ///
    /// # Safety
    ///
    /// `block` is an outstanding block of this page that nothing uses anymore.
    pub(crate) unsafe fn push_remote(self, block: NonNull<u8>) {
        let offset = self.offset_of(block);
        let header = self.header();
        // SAFETY: the header outlives the outstanding block we hold; `remote` is atomic.
        let remote = unsafe { &(*header).remote };
        let link = Self::link(self.block_at(offset));
        // Acquire (here and on failure): if the page is flagged, its `notify` is visible.
        let mut old = remote.load(Ordering::Acquire);
        loop {
            let (head, count) = unpack(old);
            // Read before the CAS: after it, the page may be gone. The class is fixed
            // while we hold a block.
            let notify = if old & FLAGGED == 0 {
                None
            } else {
                // SAFETY: as for `remote`; `class` does not change while blocks are out.
                unsafe {
                    Some((
                        (*header).notify.load(Ordering::Relaxed),
                        (*header).class.get(),
                    ))
                }
            };
            // SAFETY: the block is ours until the CAS publishes it; the link is its first
            // eight bytes: the current head block, as the owner's local lists link.
            unsafe { link.write(self.block_at(head)) };
            // Release: the link write happens-before the owner's Acquire swap. The new
            // word has no flag: one notification per flagging.
            match remote.compare_exchange_weak(
                old,
                pack(offset, count + 1),
                Ordering::Release,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    if let Some((word, class)) = notify {
                        // SAFETY: notification words are never freed (`retire_full` takes
                        // a `&'static`), so this is valid even if the page and its heap
                        // are gone.
                        unsafe { &*word }.fetch_or(1 << class, Ordering::Release);
                    }
                    return;
                }
                Err(now) => old = now,
            }
        }
    }

    /// Number of blocks waiting on the remote stack (a hint: it may grow at any time).
    pub(crate) fn remote_count(self) -> u32 {
        // SAFETY: the header is alive (caller owns the page or the list holding it).
        unpack(unsafe { &(*self.header()).remote }.load(Ordering::Relaxed)).1
    }

    /// Take every remotely freed block back as the local free list (no walking: the
    /// packed count comes along). Returns how many blocks came back. Leaves the page
    /// unflagged (see [`retire_full`](Self::retire_full)).
    ///
    /// # Safety
    ///
    /// The caller owns the page and its local free lists are empty.
    pub(crate) unsafe fn collect_remote(self) -> u32 {
        // SAFETY: caller owns the page.
        let h = unsafe { self.owned() };
        debug_assert!(h.free_head.get().is_null() && h.local_free.get().is_null());
        // SAFETY: the header is alive while we own the page; `remote` is atomic.
        let remote = unsafe { &(*self.header()).remote };
        // Acquire: pairs with the pushers' Release, so their link writes are visible.
        // (Clears the full flag too: a page whose remote frees are taken back has room.)
        let (head, count) = unpack(remote.swap(0, Ordering::Acquire));
        h.unbias();
        if count != 0 {
            h.free_head.set(self.block_at(head));
            h.outstanding.set(h.outstanding.get() - count);
        }
        count
    }

    /// Whether the page has a block ready without collecting remote frees.
    ///
    /// # Safety
    ///
    /// The caller owns the page.
    pub(crate) unsafe fn has_local_room(self) -> bool {
        // SAFETY: caller owns the page.
        let h = unsafe { self.owned() };
        h.has_local_room()
    }

    /// Whether no block of the page is held by anyone: every outstanding block is on the
    /// remote stack. Then no push can still come, and the page may be freed or
    /// reformatted (which discards the remote stack).
    ///
    /// # Safety
    ///
    /// The caller owns the page.
    pub(crate) unsafe fn is_unused(self) -> bool {
        // SAFETY: caller owns the page.
        let h = unsafe { self.owned() };
        // SAFETY: the header is alive while we own the page; `remote` is atomic.
        let remote = unsafe { &(*self.header()).remote };
        // Acquire: if the counts match, the pushers' writes into the blocks happen-before
        // our reuse of the memory.
        h.true_outstanding() == unpack(remote.load(Ordering::Acquire)).1
    }

    fn offset_of(self, block: NonNull<u8>) -> u32 {
        let offset = block.as_ptr() as usize - self.0.as_ptr() as usize;
        debug_assert!((FIRST_BLOCK..PAGE_SIZE).contains(&offset));
        offset as u32
    }
}
