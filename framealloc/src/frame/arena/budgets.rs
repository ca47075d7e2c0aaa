//! The budget side of a thread's arena (see [`crate::budget`] for the rules): which
//! budgets apply, the refill hook that checks the counter-free scoped path when the
//! arena needs a new chunk, and the checks of explicit, pool and heap allocations.

use core::alloc::Layout;
use core::ptr::NonNull;
use core::sync::atomic::Ordering;

use bumpalo::Bump;

use super::{
    ARMED_BUDGETS, ARMED_TAGS, ARMED_THREAD, CALLOUT_ARMED, ThreadArena, armed_from_flags,
};
use crate::budget::{BudgetEvent, BudgetScope, Overruns};
use crate::tag::{self, TagId};
use crate::{Error, Kind};

impl ThreadArena {
    /// Whether any budget applies to this arena's frame allocations.
    #[inline(always)]
    pub(crate) fn budgets_armed(&self) -> bool {
        self.armed.get() & ARMED_BUDGETS != 0
    }

    /// The instance's call-out flags (`budget::TAG_BUDGETS`, `budget::OBSERVED`).
    #[inline(always)]
    fn callout_flags(&self) -> u8 {
        // SAFETY: `callout_flags` points into the `Budgets` of `self.shard`, which the
        // arena keeps alive (an `Arc`) for as long as it exists.
        unsafe { self.callout_flags.as_ref() }.load(Ordering::Relaxed)
    }

    /// The arena's copy of the instance's call-out flags (see [`ThreadArena::callouts`]).
    #[cfg(not(feature = "minimal"))]
    #[inline(always)]
    pub(crate) fn callouts_copy(&self) -> u8 {
        self.callouts.load(Ordering::Relaxed) & !CALLOUT_ARMED
    }

    /// Whether a frame end has budgets to check or an observer to tell: `armed` is not 0,
    /// or the instance has something for this arena to arm (tag budgets, an observer;
    /// never under `minimal`, which compiles both out and mirrors no flags), in one load
    /// (see [`CALLOUT_ARMED`]).
    #[inline(always)]
    pub(crate) fn armed_or_callouts(&self) -> bool {
        self.callouts.load(Ordering::Relaxed) != 0
    }

    /// Set `armed` and keep [`CALLOUT_ARMED`] in step with it.
    fn set_armed(&self, armed: u8) {
        self.armed.set(armed);
        let bit_set = self.callouts.load(Ordering::Relaxed) & CALLOUT_ARMED != 0;
        if bit_set != (armed != 0) {
            // Read-modify-writes: another thread may be mirroring the instance's flags
            // into the other bits meanwhile (under the set's lock, which this thread does
            // not hold here).
            if armed != 0 {
                self.callouts.fetch_or(CALLOUT_ARMED, Ordering::Relaxed);
            } else {
                self.callouts.fetch_and(!CALLOUT_ARMED, Ordering::Relaxed);
            }
        }
    }

    /// Copy the instance's call-out flags into the arena ([`ThreadArena::callouts`]).
    /// Called only under the arena set's lock (see `ArenaSet::mirror_callouts`), possibly
    /// on another thread than the arena's: it touches nothing but the atomic.
    ///
    /// # Safety
    ///
    /// `arena` points to a live arena (the set's lock keeps it from being freed).
    pub(crate) unsafe fn mirror_callouts(arena: NonNull<ThreadArena>) {
        // SAFETY: live (the caller's contract). Only the two atomics are reached, through
        // raw field pointers: no `&ThreadArena` is made on a thread that does not own it.
        unsafe {
            let arena = arena.as_ptr();
            let flags = (*core::ptr::addr_of!((*arena).callout_flags)).as_ref();
            let copy = &*core::ptr::addr_of!((*arena).callouts);
            // Under `minimal` nothing is armed by the instance (see `armed_or_callouts`).
            let flags = if cfg!(feature = "minimal") {
                0
            } else {
                flags.load(Ordering::Acquire) & !CALLOUT_ARMED
            };
            // One atomic update that keeps the owner's bit (see `CALLOUT_ARMED`).
            let _ = copy.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |copy| {
                Some(copy & CALLOUT_ARMED | flags)
            });
        }
    }

    /// Whether the instance has tag budgets (the only budgets pool and heap allocations
    /// are checked against). Reads the instance's flag, so it is current on every thread.
    #[inline(always)]
    pub(crate) fn tag_budgets_armed(&self) -> bool {
        !cfg!(feature = "minimal") && self.callout_flags() & crate::budget::TAG_BUDGETS != 0
    }

    /// Whether `tag` has a budget that pool and heap allocations must be checked against.
    /// Only a tag that has one pays for the check: a program that budgets "physics" does
    /// not slow down every other tag's pool allocations. Read from the arena's slot
    /// cache (see [`ThreadArena::pool_slot`]).
    #[inline(always)]
    pub(crate) fn tag_budget_applies(&self, tag: TagId) -> bool {
        self.pool_slot(tag).1
    }

    /// Whether `tag` has a budget, from the instance's budgets (the slot cache's slow path).
    pub(crate) fn tag_has_budget(&self, tag: TagId) -> bool {
        self.tag_budgets_armed() && self.shard.budgets().tag_limit(tag).is_some()
    }

    /// Recompute which budgets apply to frame allocations, and the refill limit to match,
    /// and whether frame ends are observed (at frame end, when this thread sets a
    /// budget, and when an observer is installed).
    #[inline(always)]
    pub(crate) fn refresh_armed(&self) {
        if self.armed_or_callouts() {
            self.refresh_armed_slow();
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn refresh_armed_slow(&self) {
        let mut armed = armed_from_flags(self.callout_flags());
        if self.thread_budget.get().is_some() {
            armed |= ARMED_THREAD;
        }
        self.set_armed(armed);
        if armed & ARMED_BUDGETS != 0 || self.bump().allocation_limit().is_some() {
            self.arm_limit();
        }
    }

    /// Set (or, with `None`, clear) this thread's frame budget.
    pub(crate) fn set_thread_budget(&self, limit: Option<u64>) {
        self.thread_budget.set(limit);
        self.refresh_armed_slow();
    }

    /// This thread's frame budget.
    pub(crate) fn thread_budget(&self) -> Option<u64> {
        self.thread_budget.get()
    }

    /// Route the next chunk refill through [`refill`](Self::refill) while budgets apply.
    ///
    /// The scoped path (`frame.alloc`) keeps no counters; SPEC §7 checks its budgets when
    /// the arena needs a new chunk. bumpalo refuses to grow past its allocation limit, so
    /// a limit at the current size makes every refill fail bumpalo's slow path, and the
    /// failure lands in our cold `refill`, which checks, lifts the limit and retries.
    /// Without budgets there is no limit and no cost.
    pub(crate) fn arm_limit(&self) {
        let bump = self.bump();
        let limit = self.budgets_armed().then(|| bump.allocated_bytes());
        bump.set_allocation_limit(limit);
    }

    /// Bump `layout` for a scoped allocation: bumpalo's fast path, and
    /// [`refill`](Self::refill) when the chunk is full. `strict`: a `try_` call (under
    /// `BudgetPolicy::Enforce` a budget refusal is returned rather than handled by
    /// `on_misuse`).
    #[inline(always)]
    #[track_caller]
    pub(crate) fn alloc_layout(&self, layout: Layout, strict: bool) -> Result<NonNull<u8>, Error> {
        match self.bump().try_alloc_layout(layout) {
            Ok(ptr) => Ok(ptr),
            Err(_) => self.refill(layout, strict),
        }
    }

    /// The budget check of a guard-made collection created with room for `bytes` (not a
    /// `try_` call, so a refusal follows `on_misuse`). Out of line: budgets are rare and
    /// this keeps the creation small enough to inline.
    #[cold]
    #[inline(never)]
    #[track_caller]
    pub(crate) fn check_vec_budget(&self, bytes: usize) {
        if let Err(e) = self.check_frame_budgets(bytes as u64, false) {
            crate::fail(&e);
        }
    }

    /// [`alloc_layout`](Self::alloc_layout) of a call that panics on failure, with
    /// everything past bumpalo's own allocation in one out-of-line call (so that the
    /// inlined part needs no `Result` and stays small).
    #[inline(always)]
    #[track_caller]
    pub(crate) fn alloc_layout_or_fail(&self, layout: Layout) -> NonNull<u8> {
        match self.bump().try_alloc_layout(layout) {
            Ok(ptr) => ptr,
            Err(_) => self.refill_or_fail(layout),
        }
    }

    /// [`refill`](Self::refill), failing (`crate::fail`) on error.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn refill_or_fail(&self, layout: Layout) -> NonNull<u8> {
        self.refill(layout, false)
            .unwrap_or_else(|e| crate::fail(&e))
    }

    /// bumpalo could not refill: out of memory, or the budget limit of `arm_limit`.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn refill(&self, layout: Layout, strict: bool) -> Result<NonNull<u8>, Error> {
        if self.bump().allocation_limit().is_none() {
            return Err(Error::OutOfMemory);
        }
        self.check_frame_budgets(layout.size() as u64, strict)?;
        self.retry_layout(layout).ok_or(Error::OutOfMemory)
    }

    /// [`lift_limit_and_retry`](Self::lift_limit_and_retry) for a plain `layout` request.
    /// Not generic and taking the layout by value, so the hot path that calls it on a
    /// failed bump does not build a closure in memory on every allocation (it did: two
    /// stores per `frame_box`).
    #[cold]
    #[inline(never)]
    pub(crate) fn retry_layout(&self, layout: Layout) -> Option<NonNull<u8>> {
        self.lift_limit_and_retry(|bump| bump.try_alloc_layout(layout).ok())
    }

    /// An allocation already checked against the budgets failed in bumpalo: run
    /// `attempt` again without the refill limit (then re-arm it); `None` if it fails
    /// again (out of memory).
    ///
    /// Retried even when no limit is set now: the budget callback that ran during the
    /// check may have removed the budgets (and the limit) after the first attempt hit it.
    #[cold]
    #[inline(never)]
    pub(crate) fn lift_limit_and_retry<R>(
        &self,
        attempt: impl FnOnce(&Bump) -> Option<R>,
    ) -> Option<R> {
        let bump = self.bump();
        bump.set_allocation_limit(None);
        let result = attempt(bump);
        self.arm_limit();
        result
    }

    /// Check this thread's frame budget and the current tag's budget for `requested` more
    /// frame bytes: report an overrun and apply the policy.
    #[cold]
    #[inline(never)]
    #[track_caller]
    pub(crate) fn check_frame_budgets(&self, requested: u64, strict: bool) -> Result<(), Error> {
        // Zero bytes take no room: never refused or reported (as in `check_tag_budget`).
        if requested == 0 {
            return Ok(());
        }
        // This runs on every explicit allocation once budgets exist, so it takes no
        // checkpoint and reports out of line: the thread's use is the arena's, and a
        // tag's uncredited growth is added by `pending_for`.
        let tag = tag::current();
        if let Some(limit) = self.thread_budget.get() {
            let used = self.used_bytes() as u64;
            if used.saturating_add(requested) > limit {
                self.thread_budget_exceeded(tag, limit, used, requested, strict)?;
            }
        }
        if self.armed.get() & ARMED_TAGS != 0 && self.shard.budgets().tag_limit(tag).is_some() {
            self.check_tag_budget_of(tag, Kind::Frame, requested, strict)?;
        }
        Ok(())
    }

    /// The thread budget cannot take `requested` more bytes: report and apply the policy.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn thread_budget_exceeded(
        &self,
        tag: TagId,
        limit: u64,
        used: u64,
        requested: u64,
        strict: bool,
    ) -> Result<(), Error> {
        let budgets = self.shard.budgets();
        let (event, first) =
            self.thread_event(tag, limit, used, requested, budgets.refuses(strict));
        // An allocation in progress: it has taken its hold (explicit) or its frame is
        // open (scoped), and bumps only after this returns, so user code may run now.
        if first {
            budgets.report(&event);
        }
        budgets.verdict(&event, strict)
    }

    /// Frame bytes grown since the last checkpoint that will be credited to `tag`.
    fn pending_for(&self, tag: TagId) -> u64 {
        if cfg!(feature = "minimal") || self.acct_tag.get() != tag {
            return 0;
        }
        self.accrued_bytes().saturating_sub(self.acct_used.get()) as u64
    }

    /// Check the current tag's budget for a pool or heap allocation of `requested` bytes.
    ///
    /// A request of zero bytes (a vector with no capacity, a zero-sized value) takes no
    /// memory, so it cannot pass a budget: never refused, never reported, even when the
    /// tag is over its budget already (found by the model test in session 10: an empty
    /// `try_heap_vec_with_capacity(0)` was refused with `requested: 0`).
    #[cold]
    #[inline(never)]
    #[track_caller]
    pub(crate) fn check_tag_budget(
        &self,
        kind: Kind,
        requested: u64,
        strict: bool,
    ) -> Result<(), Error> {
        if requested == 0 {
            return Ok(());
        }
        self.check_tag_budget_of(tag::current(), kind, requested, strict)
    }

    /// Check `tag`'s budget for `requested` more bytes of `kind`: report an overrun and
    /// apply the policy. The tag's frame bytes count too, the uncredited ones included.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn check_tag_budget_of(
        &self,
        tag: TagId,
        kind: Kind,
        requested: u64,
        strict: bool,
    ) -> Result<(), Error> {
        let budgets = self.shard.budgets();
        match self.shard.tag_overrun(
            tag,
            kind,
            requested,
            self.pending_for(tag),
            self.frame_number(),
            budgets.refuses(strict),
        ) {
            Some((event, first)) => {
                // As in `thread_budget_exceeded`: nothing is half-done here.
                if first {
                    budgets.report(&event);
                }
                budgets.verdict(&event, strict)
            }
            None => Ok(()),
        }
    }

    /// The thread frame budget's overrun event if `requested` more bytes exceed it, and
    /// whether it is the first this frame (see [`thread_event`](Self::thread_event)).
    fn thread_overrun(
        &self,
        tag: TagId,
        requested: u64,
        refusing: bool,
    ) -> Option<(BudgetEvent, bool)> {
        let limit = self.thread_budget.get()?;
        let used = self.used_bytes() as u64;
        if used.saturating_add(requested) <= limit {
            return None;
        }
        Some(self.thread_event(tag, limit, used, requested, refusing))
    }

    /// A thread frame budget event, and whether it is the first this frame (to be
    /// reported, once the caller's state allows user code to run).
    #[cold]
    #[inline(never)]
    fn thread_event(
        &self,
        tag: TagId,
        limit: u64,
        used: u64,
        requested: u64,
        refusing: bool,
    ) -> (BudgetEvent, bool) {
        let frame = self.frame_number();
        let event = BudgetEvent {
            tag: tag::name_of(tag),
            kind: Kind::Frame,
            scope: BudgetScope::ThreadFrame,
            limit,
            used,
            requested,
            frame,
            refused: refusing,
        };
        let first = self.thread_warned.replace(frame + 1) != frame + 1;
        (event, first)
    }

    /// SPEC §7: the scoped path's budgets are checked at frame end. Returns the overruns
    /// to deliver once the frame is closed (and reset, if it may be).
    #[cold]
    #[inline(never)]
    pub(super) fn frame_end_budgets(&self) -> Overruns {
        self.credit();
        self.frame_overruns(self.acct_tag.get())
    }

    /// After the fact (tag change, frame end): the frame budgets that the growth
    /// credited to `tag` took past their limit, first reports only. Nothing can be
    /// refused any more; the caller delivers them when its state is final.
    #[cold]
    #[inline(never)]
    pub(super) fn frame_overruns(&self, tag: TagId) -> Overruns {
        let mut overruns = Overruns::none();
        let budgets = self.shard.budgets_arc();
        if let Some((event, true)) = self.thread_overrun(tag, 0, false) {
            overruns.push(budgets, event);
        }
        if let Some((event, true)) =
            self.shard
                .tag_overrun(tag, Kind::Frame, 0, 0, self.frame_number(), false)
        {
            overruns.push(budgets, event);
        }
        overruns
    }
}
