//! Pool pages: `PAGE_SIZE`-aligned slabs of equal blocks, found from any block by masking
//! its address.
//!
//! # Ownership
//!
//! A page is owned either by one thread heap (`owner` = that heap's id) or, after its
//! thread exited, by the global abandoned list (`owner` = [`ABANDONED`], owner-only
//! fields guarded by that list's lock). Only the owner touches the owner-only fields
//! (`hot`, the free stack, `free_head`, `carved`, `outstanding`, ...); everyone else
//! frees blocks by pushing them onto the `remote` stack.
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
//! # Local frees
//!
//! A block freed on the owner's thread goes into the page's `hot` slot if it is empty,
//! else onto the page's *free stack*: an array of `u16` block offsets right after the
//! header (room for every block of the page, so it never overflows). Allocation takes
//! the top of the stack, then `hot`, then the collected remote list, then the never-used
//! tail. Popping a linked free list waits for a load from the block itself (its link)
//! before the next pop can start; popping the stack reads a contiguous array whose
//! address is already known, so consecutive allocations overlap (a standalone
//! prototype, shuffled 1000 × 48 B: 2.4 -> 1.65 ns per alloc+free; the pool in
//! `pool_callgrind ratio`: median 1.22 -> 0.94× mimalloc). `hot` keeps the
//! free-then-allocate pattern off the stack's top counter (in the prototype, without it
//! that pattern took 2.6 instead of 0.9 ns). The stack is looked at first because the
//! shuffled pattern pops it 999 times in 1000 (callgrind: 74 -> 70 instructions per
//! alloc+free). The price is two bytes per block (4 % fewer 48-byte blocks per page,
//! 11 % fewer 16-byte ones).
//!
//! Block pointers are always derived from the raw page pointer (whose provenance spans
//! the whole page), never from a `&PageHeader`.

use core::alloc::Layout;
use core::cell::Cell;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};

use super::size_class::{CLASS_SIZES, CLASSES};

/// Size (and alignment) of a pool page.
pub(crate) const PAGE_SIZE: usize = 64 * 1024;

/// Offset of the free stack: the header rounded up to a cache line multiple. The
/// blocks follow the stack ([`page_shape`]).
const STACK_OFFSET: usize = 128;

/// The shape of a page of `block`-byte blocks: (offset of the first block, number of
/// blocks). The free stack needs two bytes per block and ends on a 16-byte boundary, so
/// blocks stay 16-aligned.
const fn page_shape(block: usize) -> (usize, usize) {
    const fn first_block(capacity: usize) -> usize {
        STACK_OFFSET + (capacity * 2).next_multiple_of(16)
    }
    let mut capacity = (PAGE_SIZE - STACK_OFFSET) / (block + 2);
    while first_block(capacity + 1) + (capacity + 1) * block <= PAGE_SIZE {
        capacity += 1;
    }
    while first_block(capacity) + capacity * block > PAGE_SIZE {
        capacity -= 1;
    }
    (first_block(capacity), capacity)
}

/// [`page_shape`] of every size class, computed once.
const SHAPES: [(u32, u32); CLASSES] = {
    let mut shapes = [(0, 0); CLASSES];
    let mut class = 0;
    while class < CLASSES {
        let (first, capacity) = page_shape(CLASS_SIZES[class] as usize);
        shapes[class] = (first as u32, capacity as u32);
        class += 1;
    }
    shapes
};

/// Blocks in a page of `class`.
#[cfg(test)]
pub(crate) const fn capacity_of(class: usize) -> usize {
    SHAPES[class].1 as usize
}

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
    /// Owner-only: the last block freed on the owner's thread while the slot was empty
    /// (null = empty). See the module docs.
    hot: Cell<*mut u8>,
    /// Owner-only: entries on the free stack (offsets of blocks freed on the owner's
    /// thread; see the module docs).
    top: Cell<u32>,
    /// Offset of the first block, after the free stack (immutable while the page is in
    /// use).
    first_block: Cell<u32>,
    /// Owner-only: the collected remote frees, a linked list of block *pointers* (each
    /// free block's first eight bytes point to the next, or are null; null = empty).
    /// The remote stack keeps offsets (it packs head and count in one atomic word), but
    /// its pushers write pointer links, so a collected stack is this list as is.
    free_head: Cell<*mut u8>,
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

const _: () = assert!(size_of::<PageHeader>() <= STACK_OFFSET);

impl PageHeader {
    /// Blocks handed out and not returned (see `bias`). Owner only.
    fn true_outstanding(&self) -> u32 {
        self.outstanding.get() + self.bias.get()
    }

    /// Whether a block is ready without collecting remote frees (owner only).
    fn has_local_room(&self) -> bool {
        !self.hot.get().is_null()
            || self.top.get() != 0
            || !self.free_head.get().is_null()
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
            hot: Cell::new(core::ptr::null_mut()),
            top: Cell::new(0),
            first_block: Cell::new(STACK_OFFSET as u32),
            free_head: Cell::new(core::ptr::null_mut()),
            carved: Cell::new(0),
            outstanding: Cell::new(0),
            list_index: Cell::new(0),
            queue: Cell::new(Queue::Unlisted),
            bias: Cell::new(0),
            notify: AtomicPtr::new(core::ptr::null_mut()),
        }
    }
}

/// The header of [`Page::NONE`]: no block, no room (`hot` null, `top == 0`, `carved ==
/// capacity == 0`).
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
        // Blocks freed through the `Allocator` API come back with provenance narrowed to
        // the block (`raw::deallocate_foreign`), and are given the page's back from here.
        let _ = base.as_ptr().expose_provenance();
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

    /// The free stack: `u16` block offsets right after the header, derived from the page
    /// pointer (so it carries the whole page's provenance). Only real pages have one.
    #[inline(always)]
    #[allow(
        clippy::cast_ptr_alignment,
        reason = "STACK_OFFSET is a multiple of 16 in a PAGE_SIZE-aligned page"
    )]
    fn stack(self) -> *mut u16 {
        self.0.as_ptr().wrapping_add(STACK_OFFSET).cast::<u16>()
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
        let (first_block, capacity) = SHAPES[class];
        h.class.set(class as u32);
        h.block_size.set(CLASS_SIZES[class]);
        h.capacity.set(capacity);
        h.first_block.set(first_block);
        h.hot.set(core::ptr::null_mut());
        h.top.set(0);
        h.free_head.set(core::ptr::null_mut());
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
    /// thread exit): carved blocks minus the free ones (`hot`, the stack, and the
    /// collected remote list, which it walks).
    ///
    /// # Safety
    ///
    /// The caller owns the page, which was current.
    pub(crate) unsafe fn settle_current(self) {
        // SAFETY: caller owns the page.
        let h = unsafe { self.owned() };
        let mut free = u32::from(!h.hot.get().is_null()) + h.top.get();
        let mut block = h.free_head.get();
        while !block.is_null() {
            free += 1;
            // SAFETY: a free block of this page (see `pop`), whose first eight bytes link
            // to the next.
            block = unsafe { Self::link(block).read() };
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

    /// Take a block: the top of the free stack, else `hot`, else the collected remote
    /// list, else the never-used tail. Not counted (a current page's allocations are not;
    /// see `outstanding`). On [`Page::NONE`] (shared by every thread) this returns
    /// `None` after reads only.
    ///
    /// # Safety
    ///
    /// The caller owns the page and it is its heap's current page, or it is
    /// [`Page::NONE`].
    #[inline(always)]
    pub(crate) unsafe fn pop(self) -> Option<NonNull<u8>> {
        // SAFETY: caller owns the page (or it is the sentinel, whose fields are only
        // read below: `hot` and `free_head` are null, `top == 0`, `carved == capacity`).
        let h = unsafe { self.owned() };
        let top = h.top.get();
        let block = if top != 0 {
            h.top.set(top - 1);
            // SAFETY: entries below `top` are initialised offsets of free blocks of this
            // page (written by `push_local`); the stack lies inside the page, after the
            // header, and only the owner uses it.
            let offset = unsafe { self.stack().add(top as usize - 1).read() };
            // SAFETY: a block start inside the page, derived from the page pointer.
            unsafe { self.0.as_ptr().add(offset as usize) }
        } else if !h.hot.get().is_null() {
            let hot = h.hot.get();
            h.hot.set(core::ptr::null_mut());
            hot
        } else {
            let head = h.free_head.get();
            if head.is_null() {
                let carved = h.carved.get();
                if carved == h.capacity.get() {
                    return None;
                }
                h.carved.set(carved + 1);
                // SAFETY: a block start inside the page (`carved < capacity`), derived
                // from the page pointer.
                unsafe {
                    self.0
                        .as_ptr()
                        .add((h.first_block.get() + carved * h.block_size.get()) as usize)
                }
            } else {
                // SAFETY: `head` is a free block of this page (derived from the page
                // pointer by `block_at`), whose first eight bytes hold the next free
                // block or null (written by `push_remote`).
                let next = unsafe { Self::link(head).read() };
                h.free_head.set(next);
                head
            }
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
        if h.hot.get().is_null() {
            h.hot.set(block.as_ptr());
        } else {
            let top = h.top.get();
            debug_assert!(top < h.capacity.get(), "free stack overflow");
            // SAFETY: the stack has room for every block of the page and at most
            // `capacity - 1` of them are free besides `hot` while this one is still
            // outstanding, so `top < capacity`; the stack lies inside the page, after
            // the header, and only the owner uses it.
            unsafe {
                self.stack()
                    .add(top as usize)
                    .write(self.offset_of(block) as u16);
            }
            h.top.set(top + 1);
        }
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
    /// The caller owns the page and it has no free block at hand (`hot`, the free stack
    /// and the collected list are empty).
    pub(crate) unsafe fn collect_remote(self) -> u32 {
        // SAFETY: caller owns the page.
        let h = unsafe { self.owned() };
        debug_assert!(h.free_head.get().is_null() && h.hot.get().is_null() && h.top.get() == 0);
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
        debug_assert!((STACK_OFFSET..PAGE_SIZE).contains(&offset));
        offset as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every class's page holds its free stack (two bytes per block) and its blocks,
    /// 16-aligned, and no more blocks would fit.
    #[test]
    fn page_shapes_fit_the_stack_and_as_many_blocks_as_possible() {
        for (class, &block) in CLASS_SIZES.iter().enumerate() {
            let (first, capacity) = SHAPES[class];
            let (first, capacity, block) = (first as usize, capacity as usize, block as usize);
            assert_eq!(first % 16, 0, "class {class}");
            assert!(
                STACK_OFFSET + 2 * capacity <= first,
                "class {class}: stack overlaps"
            );
            assert!(
                first + capacity * block <= PAGE_SIZE,
                "class {class}: past the page"
            );
            let more = STACK_OFFSET + (2 * (capacity + 1)).next_multiple_of(16);
            assert!(
                more + (capacity + 1) * block > PAGE_SIZE,
                "class {class}: room left"
            );
            let last = first + (capacity - 1) * block;
            assert!(
                u16::try_from(last).is_ok(),
                "class {class}: offsets fit a u16"
            );
        }
        assert_eq!(capacity_of(2), 1308, "48-byte blocks");
    }

    /// Local frees go to `hot`, then onto the stack; allocation takes the stack's top,
    /// then `hot`, then the never-used tail, and every block comes back exactly once.
    #[test]
    fn local_frees_come_back_hot_first_then_from_the_stack() {
        let page = Page::allocate().expect("memory");
        // SAFETY: a fresh page, owned by this test and unused; made current, so pops are
        // not counted and pushes count down from `UNCOUNTED`.
        unsafe {
            page.format(2);
            page.set_owner(u64::MAX - 1);
            page.begin_current();
        }
        // SAFETY: we own the current page.
        let pop = || unsafe { page.pop() }.expect("room");
        let blocks: Vec<NonNull<u8>> = (0..5).map(|_| pop()).collect();
        let first = SHAPES[2].0 as usize;
        for (i, b) in blocks.iter().enumerate() {
            assert_eq!(
                b.as_ptr() as usize - page.0.as_ptr() as usize,
                first + 48 * i
            );
        }
        for &b in &blocks[..4] {
            // SAFETY: outstanding blocks of our page, each pushed once.
            assert!(!unsafe { page.push_local(b) });
        }
        // `hot` holds blocks[0]; the stack holds 1, 2, 3 (3 on top).
        let again: Vec<NonNull<u8>> = (0..5).map(|_| pop()).collect();
        assert_eq!(&again[..4], &[blocks[3], blocks[2], blocks[1], blocks[0]]);
        assert_eq!(
            again[4].as_ptr() as usize - page.0.as_ptr() as usize,
            first + 48 * 5
        );
        // SAFETY: we own the page; give every block back, then free the page (its count
        // is settled from `hot` and the stack: 6 carved, 6 free).
        unsafe {
            for &b in again.iter().chain(&blocks[4..]) {
                page.push_local(b);
            }
            page.settle_current();
            assert!(page.is_empty());
            page.free();
        }
    }
}
