//! One thread's frame arena for one allocator instance, and the counters that decide
//! when its memory may be reused.
//!
//! # The reset rule
//!
//! The arena's memory is handed out again (by [`Bump::reset`]) only when all three of
//! these hold (SPEC §4.3–§4.4):
//!
//! - no frame is open (no `Frame` guard, no explicit `begin_frame` frame);
//! - no explicit handle (`FrameBox`, `FrameVec`, …) is alive;
//! - we are on the arena's owner thread (all state here is `Cell`s, and every handle
//!   that can reach the arena is `!Send`).
//!
//! Guard allocations (`frame.alloc`) are counter-free: the borrow checker proves they are
//! dead before their guard drops, and the guard's own open frame protects them.
//! Explicit handles count themselves in `live`, so an `end_frame` while they are alive
//! *defers* the reset to the last drop instead of freeing memory under them.

use core::cell::{Cell, UnsafeCell};
use core::marker::PhantomData;
use core::ptr::NonNull;

use std::sync::Arc;

use bumpalo::Bump;

use crate::budget::Overruns;
use crate::counters::shard::{FRAME, KindSlot, POOL, Shard};
use crate::tag::{self, TagId};

mod budgets;

/// `ThreadArena::armed` bit: this thread has a frame budget.
const ARMED_THREAD: u8 = 1;
/// `ThreadArena::armed` bit: the instance has tag budgets.
const ARMED_TAGS: u8 = 2;
/// `ThreadArena::armed` bits of the budgets (checked on the allocation paths).
const ARMED_BUDGETS: u8 = ARMED_THREAD | ARMED_TAGS;
/// `ThreadArena::armed` bit: outermost frame ends are observed (`on_frame_end`, or the
/// `tracing` feature). Only the frame end looks at it.
const ARMED_OBSERVED: u8 = 4;
/// `ThreadArena::callouts` bit, written only by the owner thread: its `armed` is not 0.
/// With it the frame end tests one byte for budgets and observers, the arena's own and
/// the instance's alike, instead of two. Apart from the instance's flags
/// (`budget::TAG_BUDGETS`, `budget::OBSERVED`), which `mirror_callouts` writes.
const CALLOUT_ARMED: u8 = 0x80;

/// A thread's frame arena for one `SmartAlloc` instance.
///
/// Owned by the instance's [`ArenaSet`](super::registry::ArenaSet); only its owner thread
/// ever touches the `Cell`s (every reference to it lives in a `!Send` handle or in the
/// owner's thread-local cache). Other threads only free it, once nothing can use it.
///
/// # Counters
///
/// The arena may reset when it holds nothing: no frame open and no handle alive. Each is
/// counted as a *pair* of monotonic counters whose difference is the number alive: open
/// frames (guards and the explicit frame) as (`opened`, `closed`), and *holds* — live
/// explicit handles plus the explicit frame while it is open — as (`holds_taken`,
/// `holds_dropped`).
///
/// This is a measured choice. In an allocate-then-drop loop a single up-and-down counter
/// is a read-modify-write chain through memory twice per iteration (two store-forwarding
/// latencies); monotonic pairs are independent chains the CPU overlaps with each other
/// and with the bump pointer. The explicit frame takes a hold so that, inside it, a
/// handle's drop decides "reset now?" with one comparison (the explicit path's loop is
/// allocate-a-box, drop-it). A guard does not (guards once did): its open and close are
/// then one counter each, and a handle dropped inside a guard frame looks at the frame
/// pair too, only when it was the last handle (callgrind: an empty guard frame went from
/// 56 to 51 instructions, the explicit loop unchanged).
///
/// Invariants: `closed <= opened`, `holds_dropped <= holds_taken`, and the explicit frame
/// holds one hold while open. Increments are checked (abort at `u64::MAX`, unreachable in
/// practice), so no difference can wrap to 0 while a frame or handle is alive — not even
/// with `mem::forget` in a loop.
// `repr(C)` keeps the `Bump` at offset 0: the scoped hot loop then passes the arena
// pointer itself to bumpalo's refill call, and LLVM keeps the loop as tight as bumpalo's
// own (measured with callgrind: with the `Bump` at an offset, the loop spilled its value
// to the stack, 24 instead of 16 instructions per allocation).
#[repr(C)]
pub(crate) struct ThreadArena {
    /// The bump arena.
    ///
    /// Invariant: a `&mut Bump` is created only in [`ThreadArena::reset`], which runs only
    /// when no frame is open and no handle is alive. Then no guard, no handle and no
    /// `&Bump` borrowed from this cell is alive, so nothing can observe the memory being
    /// reclaimed.
    bump: UnsafeCell<Bump>,
    /// Frames opened on this arena: one per `Frame` guard and one per explicit
    /// `begin_frame`. Open depth = `opened - closed`. Both are `u64::MAX` until the
    /// first frame reserves the initial capacity (then 0): `u64::MAX` stands for "not
    /// reserved yet" and for "about to overflow", so one compare per open covers both.
    opened: Cell<u64>,
    /// Frames closed (guards dropped, `end_frame` calls that closed the explicit frame).
    closed: Cell<u64>,
    /// Whether the explicit (`begin_frame`/`end_frame`) frame is open. Kept apart from the
    /// guard depth so a guard may open inside an explicit frame and vice versa.
    explicit: Cell<bool>,
    // `armed` and `callouts` sit in `explicit`'s padding, in the cache line of the frame
    // counters: a frame end reads all of them (and `touched`'s summary, at the head of
    // its bitset next to `reclaimed`), so it touches three lines of the arena, not five.
    /// Which budgets apply to frame allocations ([`ARMED_THREAD`], [`ARMED_TAGS`]) and
    /// whether frame ends are observed ([`ARMED_OBSERVED`]); 0 keeps every budget check
    /// and the observer off the hot paths. A `Cell`, not an atomic, on purpose:
    /// an atomic load in `frame_box` made LLVM stage the value on the stack (+11
    /// instructions per call, measured with callgrind). Tag budgets set on another
    /// thread are picked up at the next [`refresh_armed`](Self::refresh_armed) (frame
    /// end).
    armed: Cell<u8>,
    /// A copy of the instance's call-out flags (`callout_flags`) inside the arena, for the
    /// test at every frame end (one load, not a pointer chase: with the chase an empty
    /// frame took ~0.2 ns more). The flags' bits are written only under the arena set's
    /// lock — by [`ArenaSet::mirror_callouts`](super::registry::ArenaSet::mirror_callouts),
    /// on whichever thread sets a call-out, and when the arena joins its set — so every
    /// arena sees a call-out set before its next frame end starts, like the flags. Plus
    /// [`CALLOUT_ARMED`] while `armed` is not 0, so that test reads this byte alone: the
    /// owner sets and clears that bit (atomic read-modify-writes, only when `armed`
    /// changes), and the mirror keeps it.
    callouts: core::sync::atomic::AtomicU8,
    /// Holds taken: explicit handles made (`FrameBox`, `FrameVec`, …) plus explicit
    /// frames begun.
    holds_taken: Cell<u64>,
    /// Holds given back: explicit handles dropped plus explicit frames ended.
    holds_dropped: Cell<u64>,
    /// Holds that are not uncredited handles: explicit frames begun, handles credited
    /// to the stats (up to the last checkpoint) and holds of failed calls. So
    /// `holds_taken - hold_base` counts the handles made since the last checkpoint, and a
    /// frame end that finds the two equal (one compare; `holds_taken` is loaded anyway
    /// for the idle test) has no handle to credit.
    hold_base: Cell<u64>,
    /// Closes that were not the outermost frame's (the depth stayed above 0). Counted
    /// instead of the outermost ones, which are the usual close: a frame end then writes
    /// one counter (`closed`), not two, and the number of frames that ended is
    /// `closed - nested_closes` ([`frames_ended`](Self::frames_ended)). With the
    /// call-out bit ([`CALLOUT_ARMED`]), an empty guard frame 46 -> 43 instructions and
    /// ~2.6 -> ~2.4 ns in a tight loop (session 11, Zen 4).
    nested_closes: Cell<u64>,
    /// Outermost frames whose end found live handles, so the reset waited for them.
    deferred_resets: Cell<u64>,
    /// Resets performed by the last handle's drop after its frame had ended (a deferred
    /// reset). Every other reset is an outermost frame end that was not deferred, so the
    /// total is `frames_ended() - deferred_resets + late_resets`: no counter for it on the
    /// frame's path.
    late_resets: Cell<u64>,
    /// Bytes to reserve when the first frame opens (the arena starts empty, so threads
    /// that only use pools or the heap never pay for one).
    initial_capacity: usize,
    /// Whether the initial capacity was reserved.
    reserved: Cell<bool>,
    /// This thread's accounting shard for the instance.
    pub(crate) shard: Arc<Shard>,
    /// Frame accounting (SPEC §7: the scoped path is counter-free, so frame use is
    /// measured as arena growth between checkpoints — tag changes and frame ends):
    /// the tag the growth since the last checkpoint belongs to,
    acct_tag: Cell<TagId>,
    /// the arena's use at the last checkpoint,
    acct_used: Cell<usize>,
    /// (Not frame accounting: the arena's chunk bytes — bumpalo's `allocated_bytes` —
    /// right after its last reset, when it holds one chunk; still the same at the next
    /// reset means still one chunk. It sits between `acct_used` and `reclaimed` on
    /// purpose: a frame end zeroes both, and as neighbours LLVM merged the two stores into
    /// one 16-byte store, from which the next give-back's 8-byte add to `reclaimed`
    /// could not forward — a store-forwarding stall, ~0.2 ns per frame.)
    reset_capacity: Cell<usize>,
    /// and the bytes given back in place (a dealloc or shrink of the latest block) since
    /// the last checkpoint: the growth to credit is `used + reclaimed - acct_used`, so bytes bumped
    /// and given back between two checkpoints still count as allocated, without a
    /// checkpoint on every dealloc,
    reclaimed: Cell<usize>,
    /// The instance's call-out flags (`budget::TAG_BUDGETS`, `budget::OBSERVED`), read at
    /// every reset (one load instead of three through the shard). Points into the
    /// `Budgets` that `shard` keeps alive.
    callout_flags: NonNull<core::sync::atomic::AtomicU8>,
    /// The frame slot of the last tag a frame ended under (`credit_frame_end`'s cache).
    frame_slot: Cell<(TagId, NonNull<KindSlot>)>,
    /// tags with frame bytes in the current frame (their `frame_live` is cleared at reset),
    touched: TouchedTags,
    /// and the largest frame so far, in bytes.
    frame_peak: Cell<u64>,
    /// The pool slot of the last tag a pool allocation used, and whether that tag has a
    /// budget as of a budget generation: saves the shard and budget lookups while the
    /// tag and the budgets do not change.
    pool_slot: Cell<SlotCache>,
    /// This thread's frame budget in bytes (`set_thread_frame_budget`).
    thread_budget: Cell<Option<u64>>,
    /// Frame number + 1 of the last thread-budget event (once per frame).
    thread_warned: Cell<u64>,
    /// The tag whose frame slot the last crediting of explicit handles counted them
    /// under: where [`LiveToken::failed`] takes back the count of a failed call's hold
    /// that a checkpoint during the call counted (the tag current when the call fails may
    /// be another: a budget callback may leave a tag pushed).
    handles_tag: Cell<TagId>,
}

/// The tags with frame bytes in the current frame, as a fixed bitset: recording one never
/// allocates, so it is safe from inside the global allocator (which may be user code
/// that re-enters framealloc). Tags past the 4096 tracked ones share the `"untagged"`
/// slot, as in the stats.
// `repr(C)`, summary first: every frame end reads it, the words only a checkpoint does.
#[repr(C)]
struct TouchedTags {
    /// Bit `w`: word `w` is not zero.
    summary: Cell<u64>,
    /// Bit `t % 64` of word `t / 64`: tag `t` was touched.
    words: [Cell<u64>; 64],
}

impl TouchedTags {
    fn new() -> Self {
        TouchedTags {
            words: [const { Cell::new(0) }; 64],
            summary: Cell::new(0),
        }
    }

    fn insert(&self, tag: TagId) {
        let tag = if (tag as usize) < 64 * 64 {
            tag as usize
        } else {
            0
        };
        let word = &self.words[tag / 64];
        word.set(word.get() | 1 << (tag % 64));
        self.summary.set(self.summary.get() | 1 << (tag / 64));
    }

    #[inline(always)]
    fn is_empty(&self) -> bool {
        self.summary.get() == 0
    }

    /// Call `f` with every touched tag, in id order (the set stays).
    #[cfg(not(feature = "minimal"))]
    fn for_each(&self, mut f: impl FnMut(TagId)) {
        let mut summary = self.summary.get();
        while summary != 0 {
            let w = summary.trailing_zeros();
            summary &= summary - 1;
            let mut bits = self.words[w as usize].get();
            while bits != 0 {
                let b = bits.trailing_zeros();
                bits &= bits - 1;
                f(w * 64 + b);
            }
        }
    }

    /// Call `f` with every touched tag and clear the set.
    fn drain(&self, mut f: impl FnMut(TagId)) {
        let mut summary = self.summary.replace(0);
        while summary != 0 {
            let w = summary.trailing_zeros();
            summary &= summary - 1;
            let mut bits = self.words[w as usize].replace(0);
            while bits != 0 {
                let b = bits.trailing_zeros();
                bits &= bits - 1;
                f(w * 64 + b);
            }
        }
    }
}

/// `debug`: overwrite every allocated byte of an idle arena about to reset, so stale
/// reads of frame data see the poison pattern, not old values.
#[cfg_attr(not(feature = "debug"), inline(always))]
fn poison(bump: &mut Bump) {
    #[cfg(feature = "debug")]
    // SAFETY: we hold the only `&mut Bump` and nothing allocated from it is in use (the
    // arena is idle), so its allocated bytes are ours to overwrite; each `(ptr, len)` is
    // an allocated region of a live chunk.
    unsafe {
        for (ptr, len) in bump.iter_allocated_chunks_raw() {
            ptr.write_bytes(crate::debug::FRAME_POISON, len);
        }
    }
    #[cfg(not(feature = "debug"))]
    let _ = bump;
}

/// The [`ThreadArena::armed`] bits that the instance's call-out flags turn on (the
/// thread's own frame budget is added by `refresh_armed_slow`).
#[inline]
fn armed_from_flags(flags: u8) -> u8 {
    if cfg!(feature = "minimal") {
        return 0;
    }
    let mut armed = 0;
    if flags & crate::budget::TAG_BUDGETS != 0 {
        armed |= ARMED_TAGS;
    }
    if flags & crate::budget::OBSERVED != 0 {
        armed |= ARMED_OBSERVED;
    }
    armed
}

/// [`ThreadArena::pool_slot`]'s cache.
#[derive(Clone, Copy)]
struct SlotCache {
    tag: TagId,
    /// The tag-budget generation `budgeted` was read at.
    generation: u64,
    budgeted: bool,
    slot: NonNull<KindSlot>,
}

impl ThreadArena {
    /// Called on the thread that owns `shard` (it may create the shard's first segment).
    pub(crate) fn new(initial_capacity: usize, shard: Arc<Shard>) -> Self {
        let armed = armed_from_flags(
            shard
                .budgets()
                .flags()
                .load(core::sync::atomic::Ordering::Acquire),
        );
        let untagged_pool = shard.kind_ptr(0, POOL);
        let untagged_frame = shard.kind_ptr(0, FRAME);
        let callout_flags = NonNull::from(shard.budgets().flags());
        ThreadArena {
            bump: UnsafeCell::new(Bump::new()),
            opened: Cell::new(u64::MAX),
            closed: Cell::new(u64::MAX),
            explicit: Cell::new(false),
            holds_taken: Cell::new(0),
            holds_dropped: Cell::new(0),
            hold_base: Cell::new(0),
            nested_closes: Cell::new(0),
            deferred_resets: Cell::new(0),
            late_resets: Cell::new(0),
            initial_capacity,
            reserved: Cell::new(false),
            shard,
            acct_tag: Cell::new(0),
            acct_used: Cell::new(0),
            reclaimed: Cell::new(0),
            frame_slot: Cell::new((0, untagged_frame)),
            reset_capacity: Cell::new(0),
            callout_flags,
            callouts: core::sync::atomic::AtomicU8::new(if armed != 0 { CALLOUT_ARMED } else { 0 }),
            touched: TouchedTags::new(),
            frame_peak: Cell::new(0),
            pool_slot: Cell::new(SlotCache {
                tag: 0,
                // Never a current generation: the first use fills the budget flag.
                generation: u64::MAX,
                budgeted: false,
                slot: untagged_pool,
            }),
            armed: Cell::new(armed),
            thread_budget: Cell::new(None),
            thread_warned: Cell::new(0),
            handles_tag: Cell::new(0),
        }
    }

    /// The pool slot of the calling (owner) thread's tag `tag`, and whether the tag has
    /// a budget (pool and heap allocations under it are checked).
    #[inline(always)]
    pub(crate) fn pool_slot(&self, tag: TagId) -> (NonNull<KindSlot>, bool) {
        let cached = self.pool_slot.get();
        if cached.tag == tag && cached.generation == crate::budget::tag_budget_generation() {
            (cached.slot, cached.budgeted)
        } else {
            self.pool_slot_slow(tag)
        }
    }

    #[cold]
    #[inline(never)]
    fn pool_slot_slow(&self, tag: TagId) -> (NonNull<KindSlot>, bool) {
        // The generation first: a budget set after this read bumps it again, so the
        // next allocation refills the cache.
        let generation = crate::budget::tag_budget_generation();
        let slot = self.shard.kind_ptr(tag, POOL);
        let budgeted = self.tag_has_budget(tag);
        self.pool_slot.set(SlotCache {
            tag,
            generation,
            budgeted,
            slot,
        });
        (slot, budgeted)
    }

    /// The arena to bump, for as long as `self` is borrowed.
    ///
    /// Callers must hold a reason that prevents a reset while they use the returned
    /// reference (an open frame or a live handle) *or* use it only transiently.
    #[inline(always)]
    pub(crate) fn bump(&self) -> &Bump {
        // SAFETY: the only `&mut Bump` is created in `reset`, which runs only when no
        // frame is open and no handle is alive (see the field invariant). Anyone calling
        // this either is such a frame/handle, or uses the reference before returning
        // control to code that could end the last frame. `Bump`'s own mutation goes
        // through `Cell`s behind `&Bump`, and this type is only used on its owner thread.
        unsafe { &*self.bump.get() }
    }

    /// Whether a frame (guard or explicit) is open.
    #[inline(always)]
    pub(crate) fn in_frame(&self) -> bool {
        self.opened.get() != self.closed.get()
    }

    /// Whether the explicit `begin_frame` frame is open.
    #[inline]
    pub(crate) fn in_explicit_frame(&self) -> bool {
        self.explicit.get()
    }

    /// Number of the current frame (or of the last one, between frames); 0 before the
    /// first frame.
    pub(crate) fn frame_number(&self) -> u64 {
        self.frames_ended() + u64::from(self.in_frame())
    }

    pub(crate) fn deferred_resets(&self) -> u64 {
        self.deferred_resets.get()
    }

    pub(crate) fn resets(&self) -> u64 {
        // Every outermost frame end resets unless it was deferred (see `late_resets`).
        self.frames_ended() - self.deferred_resets.get() + self.late_resets.get()
    }

    /// Explicit handles alive.
    pub(crate) fn live_handles(&self) -> u64 {
        self.holds_taken.get() - self.holds_dropped.get() - u64::from(self.explicit.get())
    }

    /// Take one hold (an explicit handle or the explicit frame).
    #[inline(always)]
    fn take_hold(&self) {
        let taken = self.holds_taken.get();
        self.holds_taken
            .set(taken.checked_add(1).unwrap_or_else(|| counter_overflow()));
    }

    /// Open a frame (a guard, or the explicit frame). Frames nest.
    #[inline(always)]
    pub(crate) fn open_frame(&self) {
        // One compare for the first frame (reserve the initial capacity) and the
        // overflow check (see `opened`). An earlier try compared against a separate
        // "ceiling" field and cost 1 instruction per allocation in the scoped loop of
        // benches/frame_callgrind.rs (LLVM's register choice); this one does not.
        if self.opened.get() == u64::MAX {
            self.first_open_or_overflow();
        }
        self.open_reserved();
    }

    /// `opened` is `u64::MAX`: before the first frame, reserve the initial capacity;
    /// after 2^64 - 1 opens (`mem::forget(alloc.frame())` in a loop for centuries),
    /// stop: wrapping the depth back to zero would allow a reset under a live guard
    /// allocation.
    #[cold]
    #[inline(never)]
    fn first_open_or_overflow(&self) {
        if self.reserved.get() {
            counter_overflow();
        }
        self.reserve_initial();
    }

    /// [`open_frame`](Self::open_frame) once the initial capacity is reserved and
    /// `opened` is below `u64::MAX`.
    #[inline(always)]
    fn open_reserved(&self) {
        // The frame's growth is accounted to `acct_tag`, which is already the thread's
        // current tag: tag changes update the cached arena at once, and an arena that
        // becomes the cached one catches up (`sync_tag`) — every way to reach this call.
        let opened = self.opened.get();
        #[cfg(feature = "debug")]
        let outermost = opened == self.closed.get();
        // No overflow: the callers checked `opened < u64::MAX`.
        debug_assert!(opened < u64::MAX);
        self.opened.set(opened + 1);
        // Last, with the frame open: the report goes to the logger, which is user code.
        #[cfg(feature = "debug")]
        if outermost && self.live_handles() != 0 {
            self.report_stale_handles(self.frames_ended() + 1);
        }
    }

    /// Reserve the configured initial capacity before the first frame.
    #[cold]
    #[inline(never)]
    fn reserve_initial(&self) {
        // First, before the allocation below (which may run a user's global allocator
        // that opens frames here): the counters leave their "not reserved" value.
        debug_assert_eq!((self.opened.get(), self.closed.get()), (u64::MAX, u64::MAX));
        self.opened.set(0);
        self.closed.set(0);
        self.reserved.set(true);
        // Made before looking at the arena: the allocation may run a user's global
        // allocator, which may use this arena (even keep a handle in it).
        let reserved = Bump::with_capacity(self.initial_capacity);
        if self.is_idle() && self.bump().allocated_bytes() == 0 {
            // SAFETY: idle (no frame open, no handle alive), so no reference into the
            // arena or to the `Bump` exists, and nothing runs between this check and
            // the swap; the `Bump` swapped out is empty, so dropping it frees nothing.
            drop(unsafe { core::ptr::replace(self.bump.get(), reserved) });
        }
        self.refresh_armed();
    }

    /// Bytes of the arena in use (chunk bytes minus the current chunk's free room; older
    /// chunks count whole, so padding and chunk tails are included).
    fn used_bytes(&self) -> usize {
        let bump = self.bump();
        // Never wraps: the current chunk's free room is part of the chunk bytes. (Not
        // saturating: two instructions on every frame end.)
        bump.allocated_bytes().wrapping_sub(bump.chunk_capacity())
    }

    /// Bytes bumped since the last checkpoint's baseline: use plus bytes given back in
    /// place meanwhile (see `reclaimed`).
    fn accrued_bytes(&self) -> usize {
        self.used_bytes() + self.reclaimed.get()
    }

    /// The block at `ptr` (with `layout`) goes back to bumpalo, which reclaims it in place
    /// if it is the latest allocation: remember the bytes given back (see `reclaimed`).
    ///
    /// bumpalo reclaims exactly when `ptr` is its bump pointer (the current chunk's
    /// lowest allocated address), moving that pointer up by `layout.size()`. The same
    /// test here, before the call, shares its loads; reading the free room before and
    /// after instead (as `shrink` does) cost ten more instructions per vector dropped:
    /// callgrind-frame `vec16` 123 -> 113 on the session-10 machine.
    ///
    /// # Safety
    ///
    /// As `Allocator::deallocate` for this arena.
    #[inline]
    pub(crate) unsafe fn give_back(&self, ptr: NonNull<u8>, layout: core::alloc::Layout) {
        // SAFETY: the iterator lives for this statement only (nothing is allocated while
        // it does), and of the current chunk only its bump pointer's address is used,
        // nothing is read through it.
        let latest = unsafe { self.bump().iter_allocated_chunks_raw() }
            .next()
            .is_some_and(|(bump_ptr, _)| bump_ptr == ptr.as_ptr());
        // SAFETY: forwarded with the caller's guarantees (block from this arena).
        unsafe { allocator_api2::alloc::Allocator::deallocate(&self.bump(), ptr, layout) };
        // The default `Bump` has no minimum alignment to round the pointer up to, so
        // the room gained is exactly the block's size.
        if !cfg!(feature = "minimal") && latest {
            self.reclaimed.set(self.reclaimed.get() + layout.size());
        }
    }

    /// Add the free room the current chunk gained since it was `before` (bumpalo's
    /// `chunk_capacity`, read before a deallocation or shrink) to `reclaimed`. Giving
    /// back never changes the chunk, so the room gained is exactly the bytes given back
    /// (cheaper than comparing `used_bytes`).
    #[inline(always)]
    pub(crate) fn note_reclaimed(&self, before: usize) {
        if cfg!(feature = "minimal") {
            return;
        }
        let after = self.bump().chunk_capacity();
        self.reclaimed
            .set(self.reclaimed.get() + after.saturating_sub(before));
    }

    /// Bytes of frame memory in use since the last reset (see `used_bytes`).
    pub(crate) fn frame_bytes(&self) -> u64 {
        self.used_bytes() as u64
    }

    /// Explicit handles made since the last checkpoint. Saturating: a failed call's hold
    /// is uncounted after the fact by moving `hold_base`; if a checkpoint in between
    /// (re-entrant user code) has already credited it, the move only makes this 0 until
    /// the next checkpoint, which takes `holds_taken` as the base again (that call stays
    /// counted).
    #[inline(always)]
    fn new_handles(&self) -> u64 {
        self.holds_taken.get().saturating_sub(self.hold_base.get())
    }

    /// Credit the arena growth and explicit handles since the last checkpoint to the tag
    /// that was current then, and start accruing to the thread's current tag.
    pub(crate) fn checkpoint(&self) {
        self.credit();
        self.acct_tag.set(tag::current());
    }

    /// The arena becomes the thread's cached one: if the thread's tag changed meanwhile,
    /// act on the change now (see [`tag_changed`](Self::tag_changed)).
    pub(crate) fn sync_tag(&self) -> Overruns {
        if self.acct_tag.get() == tag::current() {
            return Overruns::none();
        }
        self.tag_changed()
    }

    /// The thread's tag changed (a push or a pop): credit the growth so far to the tag it
    /// belongs to, check that tag's frame budgets (SPEC §7: the scoped path is checked at
    /// tag pop), and start accruing to the new tag. The overruns are for the caller to
    /// deliver after its last use of the arena (the callback may drop the allocator).
    pub(crate) fn tag_changed(&self) -> Overruns {
        let tag = self.acct_tag.get();
        self.credit();
        self.acct_tag.set(tag::current());
        if self.budgets_armed() {
            self.frame_overruns(tag)
        } else {
            Overruns::none()
        }
    }

    /// Credit the arena growth and explicit handles since the last checkpoint to the tag
    /// that was current then.
    fn credit(&self) {
        if cfg!(feature = "minimal") {
            // Stats are compiled out: nothing to credit.
            return;
        }
        if self.accrued_bytes() == self.acct_used.get() && self.new_handles() == 0 {
            return;
        }
        let tag = self.acct_tag.get();
        // First, before reading what to credit: the lookup may make the tag's counters,
        // an allocation, and the global allocator may be user code that uses this arena
        // (allocates, makes handles, even credits). Read after it, the counters include
        // whatever it did.
        let slot = &self.shard.slot(tag).kinds[FRAME];
        let used = self.used_bytes();
        let accrued = used + self.reclaimed.get();
        let bytes = accrued.saturating_sub(self.acct_used.get()) as u64;
        let new_handles = self.new_handles();
        slot.on_frame_delta(bytes, new_handles);
        if new_handles != 0 {
            self.handles_tag.set(tag);
        }
        self.touched.insert(tag);
        if used as u64 > self.frame_peak.get() {
            self.frame_peak.set(used as u64);
        }
        // The new baseline is the use alone: what was given back is credited now.
        self.acct_used.set(used);
        self.reclaimed.set(0);
        self.hold_base.set(self.holds_taken.get());
    }

    /// [`credit`](Self::credit) and the frame's end for a frame with no earlier
    /// checkpoint (no touched tag): one update of `acct_tag`'s frame slot, found through
    /// a one-entry cache.
    ///
    /// Returns the use it credited (the baseline for a reset that cannot happen after all,
    /// see [`reset_used_slow`](Self::reset_used_slow)). `acct_used` and `reclaimed` are
    /// reset with the arena by the caller.
    #[inline]
    fn credit_frame_end(&self) -> usize {
        if cfg!(feature = "minimal") {
            return 0;
        }
        // The lookup first: on a cache miss it may make the tag's counters (see `credit`).
        let slot = self.frame_slot_for(self.acct_tag.get());
        let used = self.used_bytes();
        let accrued = used + self.reclaimed.get();
        let bytes = accrued.saturating_sub(self.acct_used.get()) as u64;
        let new_handles = self.new_handles();
        // SAFETY: a slot of `self.shard`, which this arena keeps alive; slots never move.
        unsafe { slot.as_ref() }.on_frame_end(bytes, new_handles);
        if new_handles != 0 {
            self.handles_tag.set(self.acct_tag.get());
        }
        if used as u64 > self.frame_peak.get() {
            self.frame_peak.set(used as u64);
        }
        self.hold_base.set(self.holds_taken.get());
        used
    }

    /// [`credit_frame_end`](Self::credit_frame_end) for [`reset_used`](Self::reset_used)'s
    /// straight line, which has checked that no tag was touched (so no checkpoint
    /// credited anything this frame: every frame slot's `frame_live` is still 0 from the
    /// last reset, and the frame's peak is its own bytes) and that the frame slot is in
    /// its cache. With no new explicit handle (a guard frame) the handle count is left
    /// alone. A frame with one scoped allocation kept to its end: 113 -> 108
    /// instructions, ~8.2 -> ~6.9 ns in a tight loop (session 11).
    #[inline(always)]
    fn credit_used_frame_end(&self) {
        if cfg!(feature = "minimal") {
            return;
        }
        let (cached_tag, slot) = self.frame_slot.get();
        debug_assert_eq!(cached_tag, self.acct_tag.get());
        let handles_made = self.holds_taken.get() != self.hold_base.get();
        self.credit_untouched(slot, self.used_bytes(), handles_made);
    }

    /// The frame-end credit shared by [`credit_used_frame_end`](Self::credit_used_frame_end),
    /// [`credit_given_back`](Self::credit_given_back) and [`credit_rewound`](Self::credit_rewound):
    /// a frame that touched no tag (so every frame slot's `frame_live` is still 0 from the
    /// last reset, and the frame's peak is its own bytes), credited to `slot`, the cached
    /// frame slot of `acct_tag`. `used`: the arena's use (0 for a frame whose memory was
    /// all given back, which then leaves the arena's frame peak alone at no cost);
    /// `handles_made`: whether explicit handles were made since the last checkpoint
    /// (`holds_taken != hold_base`; `false` leaves the handle count alone). The caller
    /// resets `acct_used` and `reclaimed`.
    #[inline(always)]
    fn credit_untouched(&self, slot: NonNull<KindSlot>, used: usize, handles_made: bool) {
        // Saturating, as in `credit`.
        let bytes = (used + self.reclaimed.get()).saturating_sub(self.acct_used.get()) as u64;
        // SAFETY: a slot of `self.shard`, which this arena keeps alive; slots never move.
        let slot = unsafe { slot.as_ref() };
        if handles_made {
            let taken = self.holds_taken.get();
            slot.on_rewound_frame_end(bytes, taken.saturating_sub(self.hold_base.get()));
            self.hold_base.set(taken);
            self.handles_tag.set(self.acct_tag.get());
        } else {
            slot.on_frame_closed(bytes);
        }
        if used as u64 > self.frame_peak.get() {
            self.frame_peak.set(used as u64);
        }
    }

    /// A scratch scope of this thread ended having used `bytes` under `tag`: credit them
    /// to this thread's frame counters of `tag` with owner stores (no atomic
    /// read-modify-write), through the frame-slot cache. `false`, and nothing done, when
    /// the instance has tag budgets: the caller credits through the task pool, which
    /// checks them.
    #[inline]
    pub(crate) fn credit_scratch(&self, tag: TagId, bytes: u64) -> bool {
        if cfg!(feature = "minimal") {
            return true;
        }
        if self.tag_budgets_armed() {
            return false;
        }
        let slot = self.frame_slot_for(tag);
        // SAFETY: a slot of `self.shard`, which this arena keeps alive; slots never move.
        unsafe { slot.as_ref() }.on_frame_closed(bytes);
        true
    }

    /// `tag`'s frame slot, through the one-entry cache `frame_slot`.
    #[inline(always)]
    fn frame_slot_for(&self, tag: TagId) -> NonNull<KindSlot> {
        let (cached_tag, cached_slot) = self.frame_slot.get();
        if cached_tag == tag {
            cached_slot
        } else {
            self.frame_slot_slow(tag)
        }
    }

    /// [`frame_slot_for`](Self::frame_slot_for)'s cache miss: find `tag`'s frame slot and
    /// remember it.
    #[cold]
    #[inline(never)]
    fn frame_slot_slow(&self, tag: TagId) -> NonNull<KindSlot> {
        let slot = self.shard.kind_ptr(tag, FRAME);
        self.frame_slot.set((tag, slot));
        slot
    }

    /// The largest frame so far, in bytes.
    pub(crate) fn frame_peak_bytes(&self) -> u64 {
        self.frame_peak.get()
    }

    /// Close a frame opened by [`open_frame`](Self::open_frame).
    #[inline(always)]
    pub(crate) fn close_frame(&self) {
        let closed = self.closed.get() + 1;
        debug_assert!(
            closed <= self.opened.get(),
            "close_frame with no frame open"
        );
        self.closed.set(closed);
        if closed == self.opened.get() {
            self.outermost_frame_ended(self.holds_taken.get() == self.holds_dropped.get());
        } else {
            // No overflow: at most `closed` of them.
            self.nested_closes.set(self.nested_closes.get() + 1);
        }
    }

    /// Outermost frames that ended (the depth went back to 0), this one included during
    /// its end: every close after the initial reservation is either an outermost one or
    /// a nested one (see `nested_closes`). 0 before the first frame (`closed` is then
    /// still its "not reserved" value).
    #[inline]
    pub(crate) fn frames_ended(&self) -> u64 {
        if self.reserved.get() {
            self.closed.get() - self.nested_closes.get()
        } else {
            0
        }
    }

    /// Open the explicit frame. Returns `false` (and changes nothing) if it is open.
    #[inline]
    pub(crate) fn begin_explicit(&self) -> bool {
        if self.explicit.get() {
            return false;
        }
        // The initial reservation first: it is installed only while the arena is idle,
        // and the explicit frame's hold below makes it busy.
        if self.opened.get() == u64::MAX {
            self.first_open_or_overflow();
            // The reservation calls the global allocator, which may be user code that
            // began the explicit frame meanwhile: then this call changes nothing.
            if self.explicit.get() {
                return false;
            }
        }
        // The flag and its hold before opening: with `debug`, opening may log (user
        // code), which may end the explicit frame it sees open.
        self.explicit.set(true);
        // Unchecked, unlike a handle's hold: the explicit frame cannot be forgotten (a
        // second `begin_frame` changes nothing), so each of these holds is given back
        // before the next is taken and the counters stay 2^64 begin/end pairs from
        // wrapping (centuries at one pair per nanosecond).
        self.holds_taken.set(self.holds_taken.get() + 1);
        self.hold_base.set(self.hold_base.get() + 1);
        // Reserved above, and `opened < u64::MAX` (a re-entrant reservation would have
        // opened the frame already).
        self.open_reserved();
        true
    }

    /// Close the explicit frame. Returns `false` (and changes nothing) if it is not open.
    #[inline]
    pub(crate) fn end_explicit(&self) -> bool {
        if !self.explicit.get() {
            return false;
        }
        self.explicit.set(false);
        // The frame's hold goes first, without the reset check: the close below decides.
        self.holds_dropped.set(self.holds_dropped.get() + 1);
        self.close_frame();
        true
    }

    /// Register a new explicit handle. Must happen *before* the handle's memory is bumped,
    /// so a re-entrant `end_frame` during the allocation defers instead of resetting.
    #[inline(always)]
    #[cfg_attr(feature = "debug", track_caller)]
    pub(crate) fn acquire(&self) -> LiveToken<'_> {
        self.take_hold();
        LiveToken {
            arena: ArenaRef::new(self),
            #[cfg(feature = "debug")]
            debug_token: self.record_handle(core::panic::Location::caller()),
        }
    }

    /// A call whose hold was already counted as a handle (see [`LiveToken::failed`])
    /// made none: take the count back from the frame slot of the tag it was counted
    /// under (`handles_tag`, not the current tag: a budget callback during the call may
    /// have left a tag pushed).
    #[cold]
    #[inline(never)]
    fn uncount_handle(&self) {
        if cfg!(feature = "minimal") {
            return;
        }
        // The slot exists: the checkpoint that counted the hold credited it.
        self.shard.slot(self.handles_tag.get()).kinds[FRAME].uncount_allocation();
    }

    /// `debug`: record a new explicit handle's site; returns its token.
    #[cfg(feature = "debug")]
    #[cold]
    fn record_handle(&self, location: &'static core::panic::Location<'static>) -> u64 {
        let token = crate::debug::frame_token();
        crate::debug::record(
            crate::debug::Key::Frame(token),
            crate::debug::Site {
                instance: self.shard.instance(),
                thread: crate::ids::thread_token(),
                kind: crate::Kind::Frame,
                tag: tag::current(),
                bytes: 0,
                location,
                frame: self.frame_number(),
            },
        );
        token
    }

    /// `debug`: a new frame began while handles of earlier frames are alive (they hold
    /// the arena's memory, so it cannot be reused): report where they were made. A handle
    /// dropped just after `end_frame`, as in the guide's loop, is gone by now and normal.
    #[cfg(feature = "debug")]
    #[cold]
    #[inline(never)]
    fn report_stale_handles(&self, frame: u64) {
        let stale = crate::debug::stale_frame_handles(
            self.shard.instance(),
            crate::ids::thread_token(),
            frame,
        );
        if stale.is_empty() {
            return;
        }
        let mut sites = String::new();
        for s in &stale {
            use core::fmt::Write as _;
            let _ = write!(
                sites,
                "\n    made in frame {} at {} (tag \"{}\")",
                s.frame,
                s.location,
                tag::name_of(s.tag)
            );
        }
        crate::callout::warn(format_args!(
            "framealloc: frame {frame} began with {} explicit frame handle(s) of earlier \
             frames alive; the arena cannot reset until they drop, so frame memory keeps \
             growing. Drop them before `end_frame`, or keep data that outlives its frame in \
             `pool_box`/`heap_box`:{sites}",
            stale.len()
        ));
    }

    /// An explicit handle dropped: if it was the last hold and no frame is open, the
    /// frame's reset was deferred to this drop.
    #[inline(always)]
    fn release(&self) {
        let dropped = self.holds_dropped.get() + 1;
        debug_assert!(dropped <= self.holds_taken.get(), "hold count underflow");
        self.holds_dropped.set(dropped);
        if dropped == self.holds_taken.get() && !self.in_frame() {
            self.late_reset();
        }
    }

    /// The deferred reset, at the last handle's drop.
    #[inline(never)]
    fn late_reset(&self) {
        self.late_resets.set(self.late_resets.get() + 1);
        self.reset();
    }

    #[inline(always)]
    fn outermost_frame_ended(&self, idle: bool) {
        // One test for budgets and the observer alike, on this arena (`armed`) and on the
        // instance (its call-out flags, set from any thread): a frame end without either
        // pays nothing more, not even `refresh_armed` after the reset.
        if self.armed_or_callouts() {
            self.outermost_frame_ended_armed(idle);
        } else if idle {
            self.reset_quiet();
        } else {
            self.defer_reset();
        }
    }

    /// [`outermost_frame_ended`](Self::outermost_frame_ended) with budgets to check or an
    /// observer to tell. The overruns and the frame's summary are gathered first (the
    /// frame's growth is final), the frame is finished (reset or deferred) *before* any
    /// user code runs, and nothing here touches the arena after it: a callback may open
    /// frames and keep handles, which a reset decided earlier would free under them.
    #[cold]
    #[inline(never)]
    fn outermost_frame_ended_armed(&self, idle: bool) {
        let overruns = if self.budgets_armed() {
            self.frame_end_budgets()
        } else {
            Overruns::none()
        };
        // The arena's own flag, or the instance's (through the arena's copy) for an
        // observer installed since this arena's last reset, possibly by another thread:
        // its first frame end is reported too, even an empty one (no reset, so no
        // `refresh_armed`).
        #[cfg(not(feature = "minimal"))]
        let observed = if self.armed.get() & ARMED_OBSERVED != 0
            || self.callouts_copy() & crate::budget::OBSERVED != 0
        {
            self.frame_end_summary(idle)
        } else {
            None
        };
        self.finish_frame(idle);
        overruns.deliver();
        // Owned: the observer sees no arena state, only the summary.
        #[cfg(not(feature = "minimal"))]
        if let Some(observed) = observed {
            observed.deliver();
        }
    }

    /// The summary of the outermost frame that just ended, for the observer (`None` if
    /// there is nothing to tell). Credits the frame's growth to its tag first.
    #[cfg(not(feature = "minimal"))]
    #[cold]
    #[inline(never)]
    fn frame_end_summary(&self, idle: bool) -> Option<crate::summary::Observed> {
        let budgets = self.shard.budgets();
        let observer = budgets.observer();
        if observer.is_none() && !cfg!(feature = "tracing") {
            return None;
        }
        self.credit();
        let mut tags = crate::summary::take_buffer();
        if observer.is_some() {
            // Only touched tags have frame bytes this frame (since the last reset).
            self.touched.for_each(|tag| {
                tags.push(crate::summary::TagFrameBytes {
                    tag: tag::name_of(tag),
                    bytes: self.shard.slot(tag).kinds[FRAME].read(FRAME)[2],
                    budget: budgets.tag_limit(tag),
                });
            });
        }
        Some(crate::summary::Observed {
            observer,
            head: crate::summary::FrameSummary {
                thread: crate::ids::thread_token(),
                frame: self.frames_ended(),
                bytes: self.used_bytes() as u64,
                chunk_bytes: self.bump().allocated_bytes() as u64,
                deferred: !idle,
                thread_budget: self.thread_budget.get(),
                tags: &[],
            },
            tags,
        })
    }

    /// Reset the arena if it holds nothing (`idle`), else leave the reset to the last
    /// handle's drop.
    #[inline(always)]
    fn finish_frame(&self, idle: bool) {
        // Idle again now, too: the budget check and the observer's summary before this
        // may have allocated, and the global allocator may be user code that began a
        // frame here or kept a handle (see `reset_used_slow`).
        if idle && self.is_idle() {
            self.reset();
        } else {
            self.defer_reset();
        }
    }

    /// A frame ended with explicit handles alive: leave the reset to the last one's drop.
    #[inline(always)]
    fn defer_reset(&self) {
        // Normal (the guide's loop drops its scratch vector after `end_frame`).
        self.deferred_resets.set(self.deferred_resets.get() + 1);
    }

    /// Make the arena's memory reusable, then pick up budgets and observers set since the
    /// last look ([`refresh_armed`](Self::refresh_armed)). Only called when no frame is
    /// open and no handle is alive.
    #[inline(always)]
    fn reset(&self) {
        self.reset_quiet();
        self.refresh_armed();
    }

    /// [`reset`](Self::reset) without `refresh_armed`: for a frame end that has just seen
    /// nothing armed on the arena or the instance.
    #[inline(always)]
    fn reset_quiet(&self) {
        debug_assert!(self.is_idle());
        // Nothing to do when the chunk is already rewound and nothing is left to credit:
        // nothing was allocated since the last reset (an empty frame, or one that only
        // used pools and the heap). The tests are combined with `|` into one branch and
        // everything else is one call: this code is inlined into every guard's drop, and
        // kept this small LLVM inlines the drop into a caller's loop (an empty frame in
        // a loop: ~2.0 -> ~1.65 ns on the Zen 5 machine of session 8).
        let used = self.used_bytes() as u64 | self.touched.summary.get();
        let uncredited =
            self.reclaimed.get() as u64 | (self.holds_taken.get() ^ self.hold_base.get());
        if (used | uncredited) != 0 {
            self.reset_or_credit(used != 0);
        }
    }

    /// [`credit_rewound`](Self::credit_rewound) of a frame that made no explicit handle
    /// (the usual one: guard-made vectors and strings dropped before their frame): only
    /// the bytes to credit, and the frame slot found through the cache. Its usual path
    /// has no call (one would make [`reset_or_credit`](Self::reset_or_credit) save
    /// registers). With the field order around `reset_capacity`: a frame with one
    /// 16-byte vector 5.2 -> 4.9 ns on the Zen 5 machine of session 9.
    #[inline(always)]
    fn credit_given_back(&self) {
        let (cached_tag, slot) = self.frame_slot.get();
        if cfg!(feature = "minimal") || cached_tag != self.acct_tag.get() {
            self.credit_rewound();
            return;
        }
        // No explicit handle was made (the caller checked).
        self.credit_untouched(slot, 0, false);
        self.acct_used.set(0);
        self.reclaimed.set(0);
    }

    /// The frame end of an arena with something to reset or credit: [`reset_used`](Self::reset_used)
    /// if it is in use, else [`credit_given_back`](Self::credit_given_back) or, with
    /// explicit handles to count, [`credit_rewound`](Self::credit_rewound). No use also means
    /// one chunk (older chunks count as used), so bumpalo's reset would change nothing:
    /// everything was given back in place (a frame whose vectors and strings dropped
    /// before it ended) or only explicit handles without bytes were made.
    #[inline(never)]
    fn reset_or_credit(&self, used: bool) {
        if used {
            self.reset_used();
        } else if self.holds_taken.get() == self.hold_base.get() {
            self.credit_given_back();
        } else {
            self.credit_rewound();
        }
    }

    /// [`reset`](Self::reset) of an arena whose allocations were all given back in place
    /// (or whose only allocations were failed explicit calls): credit them, no rewind.
    /// [`credit_frame_end`](Self::credit_frame_end) knowing the use is 0 (so the arena's
    /// frame peak cannot grow) and that nothing was credited since the last reset, with
    /// no call on its usual path (a call there made the function save five registers).
    /// Inlined into [`reset_or_credit`](Self::reset_or_credit).
    #[inline(always)]
    fn credit_rewound(&self) {
        if cfg!(feature = "minimal") {
            self.hold_base.set(self.holds_taken.get());
            self.reclaimed.set(0);
            return;
        }
        let (cached_tag, slot) = self.frame_slot.get();
        if cached_tag != self.acct_tag.get() {
            self.credit_rewound_slow();
            return;
        }
        // Handles were made: `reset_or_credit` comes here only then (`credit_given_back`
        // only under `minimal` or on a slot-cache miss, both handled above).
        self.credit_untouched(slot, 0, true);
        self.acct_used.set(0);
        self.reclaimed.set(0);
    }

    /// [`credit_rewound`](Self::credit_rewound) with the slot cache missed.
    #[cold]
    #[inline(never)]
    fn credit_rewound_slow(&self) {
        // 0 unless the lookup ran user code that allocated here (see `credit`): what was
        // credited is the new baseline.
        let credited = self.credit_frame_end();
        self.acct_used.set(credited);
        self.reclaimed.set(0);
    }

    /// [`reset`](Self::reset) of an arena that was used.
    ///
    /// The usual frame gets a straight line: no checkpoint since the last reset (all of
    /// its growth belongs to `acct_tag`, credited in one slot update), still one chunk,
    /// no `debug` poisoning. Everything else takes [`reset_used_slow`](Self::reset_used_slow).
    #[inline(never)]
    fn reset_used(&self) {
        debug_assert!(self.is_idle());
        // bumpalo's `allocated_bytes` sums every chunk's size: unchanged since the last
        // reset (which left one chunk) means no chunk was added. A frame-slot cache miss
        // goes the slow way too: the lookup may allocate (see `reset_used_slow`).
        if cfg!(feature = "debug")
            || !self.touched.is_empty()
            || self.bump().allocated_bytes() != self.reset_capacity.get()
            || self.frame_slot.get().0 != self.acct_tag.get()
        {
            self.reset_used_slow();
            return;
        }
        self.credit_used_frame_end();
        // SAFETY: as in `reset_used_slow`'s one-chunk branch: idle (no frame open, no
        // handle alive, so no `&Bump` from `bump()` is in use and no allocation from this
        // arena is reachable) — and still idle: the accounting above found the frame slot
        // in its cache, so it called nothing that could run user code — owner thread,
        // and bumpalo's reset of a one-chunk arena frees nothing, so no allocator and no
        // user code runs while this `&mut` lives.
        let bump = unsafe { &mut *self.bump.get() };
        bump.reset();
        // A one-chunk reset leaves the chunk empty: its whole size is free room.
        debug_assert_eq!(self.used_bytes(), 0);
        self.acct_used.set(0);
        self.reclaimed.set(0);
    }

    /// [`reset_used`](Self::reset_used) off its straight line: several chunks, tags
    /// touched during the frame, or `debug` poisoning.
    #[cold]
    #[inline(never)]
    fn reset_used_slow(&self) {
        debug_assert!(self.is_idle());
        let credited = if self.touched.is_empty() {
            // The usual frame: no checkpoint since the last reset, so all of its growth
            // belongs to `acct_tag`: credit it and end the frame in one slot update.
            self.credit_frame_end()
        } else {
            self.credit();
            self.touched
                .drain(|tag| self.shard.slot(tag).kinds[FRAME].end_frame());
            self.acct_used.get()
        };
        // The accounting may have allocated (a tag's first counters), and the global
        // allocator may be user code that began a frame here or kept a handle into this
        // arena: then it is not idle any more, and resetting would hand that handle's
        // memory out again. The reset waits for it, as for any handle alive at a frame
        // end (its drop resets); what was credited is the new baseline.
        if !self.is_idle() {
            self.defer_reset();
            self.acct_used.set(credited);
            self.reclaimed.set(0);
            return;
        }
        // SAFETY: a transient look at the chunk list (footers only), no allocation meanwhile.
        // bumpalo's `allocated_bytes` sums every chunk's size: unchanged since the last
        // reset (which leaves one chunk) means no chunk was added. Otherwise look.
        let one_chunk = self.bump().allocated_bytes() == self.reset_capacity.get()
            || unsafe { self.bump().iter_allocated_chunks_raw() }
                .nth(1)
                .is_none();
        if one_chunk {
            // Steady state: bumpalo's reset frees no chunk, so it calls no allocator and
            // no user code can run during it.
            // SAFETY: no frame is open and no handle is alive (checked by both callers): no
            // guard and no handle exists, so no `&Bump` from `bump()` is in use (the
            // accounting above used it only transiently) and no allocation from this arena
            // is reachable. We are on the owner thread (the type is `!Sync` and only reached
            // through `!Send` handles or the owner's cache). This `&mut` is the only
            // reference for its short life: nothing below calls out.
            let bump = unsafe { &mut *self.bump.get() };
            poison(bump);
            bump.reset();
            self.reset_capacity.set(bump.allocated_bytes());
        } else {
            self.reset_chunks();
        }
        self.acct_used.set(self.used_bytes());
        self.reclaimed.set(0);
    }

    /// [`reset_used`](Self::reset_used) of an arena with older chunks to free.
    ///
    /// The `Bump` is taken out of its cell and reset as an owned value: freeing its older
    /// chunks calls the global allocator, which may be user code that uses this very arena
    /// (a `#[global_allocator]` built on framealloc). It then finds an empty `Bump` in the
    /// cell instead of one we are mutating.
    #[cold]
    #[inline(never)]
    fn reset_chunks(&self) {
        // A reset re-entered meanwhile (on the stand-in) must not trust the recorded
        // one-chunk size: it belongs to the `Bump` taken out.
        self.reset_capacity.set(usize::MAX);
        // SAFETY: as in `reset_used` (idle, owner thread); `Bump::new()` allocates
        // nothing, and the `&mut` to the cell lives only for the swap.
        let mut bump = unsafe { core::ptr::replace(self.bump.get(), Bump::new()) };
        poison(&mut bump);
        bump.reset();
        self.put_back(bump);
    }

    /// Put the `Bump` that [`reset_used`](Self::reset_used) took out back in its cell.
    /// If code re-entered during the reset (through the global allocator) and used the
    /// stand-in, the stand-in stays (its allocations may be alive) and ours is dropped.
    #[cold]
    #[inline(never)]
    fn put_back(&self, bump: Bump) {
        // SAFETY: a shared look at the stand-in; nothing mutates the cell meanwhile.
        let stand_in_used = unsafe { &*self.bump.get() }.allocated_bytes() != 0;
        if stand_in_used {
            // The stand-in was never reset and may hold several chunks: the next reset
            // must look at its chunk list.
            self.reset_capacity.set(usize::MAX);
            drop(bump);
        } else {
            // Ours was reset: one chunk.
            self.reset_capacity.set(bump.allocated_bytes());
            // SAFETY: the stand-in is unused, so no reference into it or to it exists (a
            // `&Bump` from `bump()` is only held by frames, handles and guards, and the
            // arena was idle when the reset began; anyone who used the stand-in would
            // have allocated from it). Dropping it frees nothing.
            drop(unsafe { core::ptr::replace(self.bump.get(), bump) });
        }
    }

    /// Whether the arena may be freed: no frame open and no handle alive.
    pub(crate) fn is_idle(&self) -> bool {
        self.holds_taken.get() == self.holds_dropped.get() && !self.in_frame()
    }

    /// Total bytes of chunk memory the arena holds (capacity, not use).
    pub(crate) fn capacity_bytes(&self) -> usize {
        self.bump().allocated_bytes()
    }
}

/// Proof that one explicit handle is alive on an arena. Dropping it releases the handle
/// and, if it was the last and no frame is open, resets the arena.
///
/// Handle types hold this as their *last* field, so their contents (and destructors) are
/// gone before the count drops.
///
/// It holds the arena as an [`ArenaRef`], whose raw pointer (to
/// [`UseFrameBoxForTransfer`]) is what makes every frame handle `!Send + !Sync`.
pub(crate) struct LiveToken<'a> {
    arena: ArenaRef<'a>,
    /// `debug`: the key of this handle's recorded site.
    #[cfg(feature = "debug")]
    debug_token: u64,
}

impl<'a> LiveToken<'a> {
    /// The arena this token keeps alive.
    #[inline(always)]
    pub(crate) fn arena(&self) -> &'a ThreadArena {
        self.arena.get()
    }

    /// The call that took this hold failed: no handle was made, so it is not counted as
    /// an allocation (`Error`'s rule: a failed call leaves the counts unchanged). The
    /// hold is released as usual.
    /// Returns `error`, for `return Err(live.failed(e))`.
    #[cold]
    pub(crate) fn failed(self, error: crate::Error) -> crate::Error {
        let arena = self.arena.get();
        if arena.hold_base.get() == arena.holds_taken.get() {
            // Every hold is counted: a checkpoint during the call (a budget callback that
            // pushed a tag, say) counted this one as a handle, under the tag it credited
            // (`handles_tag`). Take that count back. (Without a checkpoint this hold is
            // above the baseline, so the two cannot be equal.)
            arena.uncount_handle();
        } else {
            // The baseline of credited handles moves past one hold, so
            // `holds_taken - hold_base` does not count this one. (If a checkpoint counted
            // this hold and re-entrant code took holds after it, the one left uncounted
            // is one of theirs: the total stays exact.)
            arena.hold_base.set(arena.hold_base.get() + 1);
        }
        error
    }
}

impl Drop for LiveToken<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        #[cfg(feature = "debug")]
        crate::debug::forget(crate::debug::Key::Frame(self.debug_token));
        self.arena.get().release();
    }
}

/// Frame memory belongs to the thread that made it: to move frame data to another thread,
/// use [`SmartAlloc::frame_box_for_transfer`](crate::SmartAlloc::frame_box_for_transfer)
/// (or copy the data out).
///
/// This type is never constructed. It exists for its name: every frame handle
/// ([`Frame`](crate::Frame), [`FrameBox`](crate::FrameBox), [`FrameVec`](crate::FrameVec),
/// [`FrameAllocator`](crate::FrameAllocator)) holds its arena through a
/// `NonNull<UseFrameBoxForTransfer>`, which is what makes them `!Send` and `!Sync`. So
/// when frame data is moved into `std::thread::spawn` or sent over a channel, rustc's
/// error reads
///
/// ```text
/// error[E0277]: `NonNull<UseFrameBoxForTransfer>` cannot be sent between threads safely
/// ```
///
/// ```compile_fail,E0277
/// let alloc: &'static framealloc::SmartAlloc =
///     Box::leak(Box::new(framealloc::SmartAlloc::new(Default::default())));
/// alloc.begin_frame();
/// let data = alloc.frame_vec::<u32>();
/// std::thread::spawn(move || data.len()); // error: `NonNull<UseFrameBoxForTransfer>` ...
/// ```
///
/// The fix:
///
/// ```
/// let alloc: &'static framealloc::SmartAlloc =
///     Box::leak(Box::new(framealloc::SmartAlloc::new(Default::default())));
/// alloc.begin_frame();
/// let mut data = alloc.frame_vec::<u32>();
/// data.extend([1, 2, 3]);
/// let handle = alloc.frame_box_for_transfer(data); // `Send`: the data left the frame
/// let worker = std::thread::spawn(move || handle.receive().len());
/// alloc.end_frame();
/// assert_eq!(worker.join().unwrap(), 3);
/// ```
#[derive(Debug)]
pub struct UseFrameBoxForTransfer {
    _never_constructed: (),
}

/// A `&'a ThreadArena` stored as a raw pointer.
///
/// Same meaning as the reference; the raw pointer makes the holder `!Send + !Sync` in
/// one place. It is typed as a pointer to the public [`UseFrameBoxForTransfer`] (and cast
/// back in [`get`](Self::get)), so compile errors for sending frame data to another
/// thread name that type and its fix instead of an internal one or every `Cell` inside
/// the arena. Same size as `&ThreadArena`.
#[derive(Clone, Copy)]
pub(crate) struct ArenaRef<'a> {
    ptr: NonNull<UseFrameBoxForTransfer>,
    _borrow: PhantomData<&'a ()>,
}

impl<'a> ArenaRef<'a> {
    #[inline(always)]
    pub(crate) fn new(arena: &'a ThreadArena) -> Self {
        ArenaRef {
            ptr: NonNull::from(arena).cast(),
            _borrow: PhantomData,
        }
    }

    #[inline(always)]
    pub(crate) fn get(self) -> &'a ThreadArena {
        // SAFETY: made from a `&'a ThreadArena` in `new` (only the pointee type was
        // renamed); the pointer is only a different spelling of that reference.
        unsafe { self.ptr.cast::<ThreadArena>().as_ref() }
    }
}

#[cold]
#[inline(never)]
fn counter_overflow() -> ! {
    // A usize count of frames or handles cannot overflow without ~2^64 leaked guards or
    // handles; if it ever does, wrapping would be unsound, so stop the process.
    std::process::abort()
}

// SAFETY: every method forwards to bumpalo's `Allocator for &Bump`, which upholds the
// trait's contract. Blocks stay valid while the reference lives: every holder of an
// `ArenaRef` (a `FrameVec` with its live token, a `FrameAllocator` borrowing its guard)
// keeps the arena from resetting for at least that long.
unsafe impl allocator_api2::alloc::Allocator for ArenaRef<'_> {
    #[inline]
    fn allocate(
        &self,
        layout: core::alloc::Layout,
    ) -> Result<NonNull<[u8]>, allocator_api2::alloc::AllocError> {
        let arena = self.get();
        if arena.budgets_armed() {
            // Collection growth has no error channel for a budget: under `Enforce` it
            // follows `on_misuse`.
            let _ = arena.check_frame_budgets(layout.size() as u64, false);
        }
        allocator_api2::alloc::Allocator::allocate(&arena.bump(), layout).or_else(|_| {
            arena
                .retry_layout(layout)
                .map(|ptr| NonNull::slice_from_raw_parts(ptr, layout.size()))
                .ok_or(allocator_api2::alloc::AllocError)
        })
    }

    #[inline]
    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: core::alloc::Layout) {
        // bumpalo takes the latest block back in place; the bytes given back still count
        // as allocated to the tag that made them (`reclaimed`), with no checkpoint here.
        // SAFETY: forwarded with the caller's guarantees (block from this arena).
        unsafe { self.get().give_back(ptr, layout) }
    }

    #[inline]
    unsafe fn grow(
        &self,
        ptr: NonNull<u8>,
        old_layout: core::alloc::Layout,
        new_layout: core::alloc::Layout,
    ) -> Result<NonNull<[u8]>, allocator_api2::alloc::AllocError> {
        let arena = self.get();
        if arena.budgets_armed() {
            let extra = new_layout.size().saturating_sub(old_layout.size());
            let _ = arena.check_frame_budgets(extra as u64, false);
        }
        // SAFETY: forwarded with the caller's guarantees (a failed attempt leaves the
        // block untouched, so the retry gets the same guarantees).
        unsafe {
            allocator_api2::alloc::Allocator::grow(&arena.bump(), ptr, old_layout, new_layout)
        }
        .or_else(|_| {
            arena
                .lift_limit_and_retry(|bump| {
                    // SAFETY: as above.
                    unsafe {
                        allocator_api2::alloc::Allocator::grow(&bump, ptr, old_layout, new_layout)
                    }
                    .ok()
                })
                .ok_or(allocator_api2::alloc::AllocError)
        })
    }

    #[inline]
    unsafe fn shrink(
        &self,
        ptr: NonNull<u8>,
        old_layout: core::alloc::Layout,
        new_layout: core::alloc::Layout,
    ) -> Result<NonNull<[u8]>, allocator_api2::alloc::AllocError> {
        // Shrinking the latest block gives bytes back in place: noted as in `deallocate`.
        let arena = self.get();
        let before = arena.bump().chunk_capacity();
        // SAFETY: forwarded with the caller's guarantees.
        let shrunk = unsafe {
            allocator_api2::alloc::Allocator::shrink(&arena.bump(), ptr, old_layout, new_layout)
        };
        arena.note_reclaimed(before);
        shrunk
    }
}
