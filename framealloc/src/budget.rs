//! Budgets: per-thread frame budgets and per-tag budgets, their policy and events.
//!
//! # What is measured
//!
//! - A **thread frame budget** (`set_thread_frame_budget`) caps the bytes of frame memory
//!   one thread uses in one frame (arena use since the last reset, alignment padding and
//!   chunk tails included) for one allocator.
//! - A **tag budget** (`set_tag_budget`, or `#[alloc_tag(.., budget = ..)]`) caps the
//!   bytes a tag has in use *on one thread*: its frame bytes in the current frame plus
//!   its live pool and heap bytes allocated from that thread. Per thread, like the rest
//!   of the accounting, so a check never reads other threads' counters.
//!
//! # When it is checked
//!
//! Every explicit frame allocation (`frame_box`, `frame_vec` growth, …), every pool and
//! heap allocation (including collection growth through their `Allocator`s), and for the
//! counter-free scoped path (`frame.alloc`) whenever the arena needs a new chunk and at
//! tag pop and frame end (SPEC §7). Checks cost one load and a branch until a budget
//! exists.
//!
//! # What happens
//!
//! An allocation that would take a budget past its limit produces a [`BudgetEvent`]:
//! sent to the callback of [`SmartAlloc::on_budget_event`] and to `log::warn!`, once per
//! frame per budget on each thread. Then [`BudgetPolicy`] decides: `Warn` lets it
//! succeed; `Enforce` makes the `try_` twin return [`Error::BudgetExceeded`] and the
//! plain call follow [`AllocConfig::on_misuse`](crate::AllocConfig::on_misuse) (panic,
//! or log and allocate). Overruns found after the fact (at tag pop or frame end, on the
//! scoped path) can only be reported.
//!
//! [`SmartAlloc::on_budget_event`]: crate::SmartAlloc::on_budget_event

use core::fmt;
use core::sync::atomic::{AtomicPtr, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use crate::tag::TagId;
use crate::{Error, Kind, MisusePolicy};

/// What happens when an allocation would exceed a budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum BudgetPolicy {
    /// The allocation succeeds; a [`BudgetEvent`] is reported (default).
    #[default]
    Warn,
    /// The `try_` twins return [`Error::BudgetExceeded`]; plain calls follow
    /// [`AllocConfig::on_misuse`](crate::AllocConfig::on_misuse). A [`BudgetEvent`] is
    /// reported too.
    Enforce,
}

/// Which budget a [`BudgetEvent`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum BudgetScope {
    /// The calling thread's frame budget (`set_thread_frame_budget`).
    ThreadFrame,
    /// The budget of the event's tag (`set_tag_budget` or `#[alloc_tag]`).
    Tag,
    /// A fixed-capacity event sink in frame memory was full (`framealloc::rapier`'s
    /// `FrameEvents`, feature `rapier`). Here `limit` is the sink's capacity, `used` the
    /// events it kept and `requested` the events it dropped — counted in events, not bytes
    /// — and `refused` is `true`. Reported after the step, at most once per sink unless
    /// more events are dropped.
    EventSink,
}

/// A budget was (or would have been) exceeded. Reported to the callback registered with
/// [`SmartAlloc::on_budget_event`](crate::SmartAlloc::on_budget_event) and to
/// `log::warn!`, once per frame per budget on each thread.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BudgetEvent {
    /// The tag the allocation is accounted to (for a tag budget, the budgeted tag).
    pub tag: &'static str,
    /// The kind of memory being allocated when the budget was found exceeded.
    pub kind: Kind,
    /// Which budget.
    pub scope: BudgetScope,
    /// The budget, in bytes.
    pub limit: u64,
    /// Bytes in use before the request: for a thread budget, the arena's use in this
    /// frame; for a tag budget, the tag's frame bytes this frame plus its live pool and
    /// heap bytes allocated from this thread.
    pub used: u64,
    /// Bytes requested (0 when found at tag pop or frame end, after the fact).
    pub requested: u64,
    /// The thread's frame number (`SmartAlloc::frame_number`; 0 before the first frame).
    pub frame: u64,
    /// Whether the allocation was refused (`BudgetPolicy::Enforce` and a `try_` call).
    pub refused: bool,
}

/// What a [`BudgetEvent`] deserializes from (the same fields; the tag name is interned).
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct EventRepr {
    tag: crate::tag::Name,
    kind: Kind,
    scope: BudgetScope,
    limit: u64,
    used: u64,
    requested: u64,
    frame: u64,
    refused: bool,
}

// By hand: a derive would see the `&'static str` field and demand `'de: 'static`.
#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for BudgetEvent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let EventRepr {
            tag,
            kind,
            scope,
            limit,
            used,
            requested,
            frame,
            refused,
        } = EventRepr::deserialize(d)?;
        Ok(BudgetEvent {
            tag: tag.0,
            kind,
            scope,
            limit,
            used,
            requested,
            frame,
            refused,
        })
    }
}

impl fmt::Display for BudgetEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written piece by piece, never through a `String`: a suppressed repeat of this
        // message (a budget overrun every frame) must not allocate.
        match self.scope {
            BudgetScope::ThreadFrame => f.write_str("thread frame budget")?,
            BudgetScope::Tag => write!(f, "budget of tag \"{}\"", self.tag)?,
            BudgetScope::EventSink => {
                return write!(
                    f,
                    "event sink of tag \"{}\" full in frame {}: {} events kept, {} dropped \
                     (capacity {} events; raise it, or size it from the last step with \
                     `EventCapacity`)",
                    self.tag, self.frame, self.used, self.requested, self.limit,
                );
            }
        }
        write!(
            f,
            " exceeded in frame {}: {} B in use + {} B {} requested > limit {} B",
            self.frame,
            self.used,
            self.requested,
            self.kind.name(),
            self.limit,
        )?;
        if self.refused {
            f.write_str(" (refused)")?;
        }
        Ok(())
    }
}

type Callback = Arc<dyn Fn(&BudgetEvent) + Send + Sync>;

/// Tags per segment / segments in the tag budget table (tags past 4096 have no budget,
/// as they have no stats).
const SEGMENT: usize = 64;
const SEGMENTS: usize = 64;

/// Bumped whenever any instance sets or removes a tag budget. Each thread arena caches,
/// with its current tag's pool slot, whether that tag has a budget, and the generation
/// the answer was read at: the pool and heap paths then test one load at a fixed
/// address and a cached flag, instead of walking to the instance's budgets (three
/// dependent loads) on every allocation — and a tag without a budget pays nothing when
/// other tags have one. A budget set on another thread is seen by the next allocation.
static TAG_BUDGET_GENERATION: AtomicU64 = AtomicU64::new(0);

/// The current [`TAG_BUDGET_GENERATION`]. `Acquire`: a cache filled after reading it
/// sees the budgets set before the bump.
#[inline(always)]
pub(crate) fn tag_budget_generation() -> u64 {
    TAG_BUDGET_GENERATION.load(Ordering::Acquire)
}

/// The budgets of one allocator instance (thread budgets live in each thread's arena).
pub(crate) struct Budgets {
    pub(crate) policy: BudgetPolicy,
    pub(crate) on_misuse: MisusePolicy,
    /// Which call-outs the instance has ([`TAG_BUDGETS`], [`OBSERVED`]): the one load the
    /// hot paths pay (`any_tag` for pool and heap allocations, any bit at a reset).
    flags: AtomicU8,
    /// Tag budgets by tag id, as `limit + 1` (0 = none), in lazily made segments that
    /// never move.
    tags: [AtomicPtr<[AtomicU64; SEGMENT]>; SEGMENTS],
    callback: RwLock<Option<Callback>>,
    /// The frame-end observer (`SmartAlloc::on_frame_end`).
    #[cfg(not(feature = "minimal"))]
    observer: RwLock<Option<crate::summary::Observer>>,
}

/// [`Budgets::flags`] bit: some tag has (has ever had) a budget.
pub(crate) const TAG_BUDGETS: u8 = 1;
/// [`Budgets::flags`] bit: frame ends are observed (an `on_frame_end` observer, or the
/// `tracing` feature's events).
pub(crate) const OBSERVED: u8 = 2;

impl Budgets {
    pub(crate) fn new(policy: BudgetPolicy, on_misuse: MisusePolicy) -> Budgets {
        Budgets {
            policy,
            on_misuse,
            // With `tracing`, every frame end is reported (as an event).
            flags: AtomicU8::new(
                if cfg!(all(feature = "tracing", not(feature = "minimal"))) {
                    OBSERVED
                } else {
                    0
                },
            ),
            tags: [const { AtomicPtr::new(core::ptr::null_mut()) }; SEGMENTS],
            callback: RwLock::new(None),
            #[cfg(not(feature = "minimal"))]
            observer: RwLock::new(None),
        }
    }

    /// Whether any tag has a budget (has ever had one) on this instance.
    #[inline(always)]
    pub(crate) fn any_tag(&self) -> bool {
        self.flags.load(Ordering::Relaxed) & TAG_BUDGETS != 0
    }

    /// The flags [`any_tag`](Self::any_tag) reads (arenas keep a pointer to them).
    pub(crate) fn flags(&self) -> &AtomicU8 {
        &self.flags
    }

    /// Set the budget of `tag` (any thread); `u64::MAX` removes it.
    pub(crate) fn set_tag(&self, tag: TagId, limit: u64) {
        let tag = tag as usize;
        if tag >= SEGMENT * SEGMENTS {
            crate::callout::warn(format_args!(
                "framealloc: tag id {tag} is past the 4096 tracked tags; its budget is ignored"
            ));
            return;
        }
        let slot = &self.tags[tag / SEGMENT];
        let mut segment = slot.load(Ordering::Acquire);
        if segment.is_null() {
            let fresh = Box::into_raw(Box::new([const { AtomicU64::new(0) }; SEGMENT]));
            match slot.compare_exchange(
                core::ptr::null_mut(),
                fresh,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => segment = fresh,
                Err(existing) => {
                    // SAFETY: `fresh` came from `Box::into_raw` above and was never
                    // published (the exchange failed).
                    drop(unsafe { Box::from_raw(fresh) });
                    segment = existing;
                }
            }
        }
        let raw = if limit == u64::MAX { 0 } else { limit + 1 };
        // SAFETY: published segments stay allocated until `self` drops.
        let segment = unsafe { &*segment };
        segment[tag % SEGMENT].store(raw, Ordering::Relaxed);
        self.flags.fetch_or(TAG_BUDGETS, Ordering::Release);
        TAG_BUDGET_GENERATION.fetch_add(1, Ordering::Release);
    }

    /// The budget of `tag`, if it has one.
    #[inline]
    pub(crate) fn tag_limit(&self, tag: TagId) -> Option<u64> {
        let tag = tag as usize;
        if tag >= SEGMENT * SEGMENTS {
            return None;
        }
        let segment = self.tags[tag / SEGMENT].load(Ordering::Acquire);
        if segment.is_null() {
            return None;
        }
        // SAFETY: as in `set_tag`.
        let segment = unsafe { &*segment };
        segment[tag % SEGMENT]
            .load(Ordering::Relaxed)
            .checked_sub(1)
    }

    pub(crate) fn set_callback(&self, f: Callback) {
        let old = self
            .callback
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .replace(f);
        // Dropped after the lock is released: freeing the old callback's captures may
        // run user code (its destructors, a user global allocator) that raises events.
        drop(old);
    }

    /// Install the frame-end observer (replacing any) and mark frame ends observed.
    #[cfg(not(feature = "minimal"))]
    pub(crate) fn set_observer(&self, f: crate::summary::Observer) {
        let old = self
            .observer
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .replace(f);
        self.flags.fetch_or(OBSERVED, Ordering::Release);
        // Dropped after the lock is released, as in `set_callback`.
        drop(old);
    }

    /// The frame-end observer, cloned out of the lock (it may replace itself).
    #[cfg(not(feature = "minimal"))]
    pub(crate) fn observer(&self) -> Option<crate::summary::Observer> {
        self.observer
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Report `event` to the log and the callback: user code (see [`crate::callout`]),
    /// so callers have finished their own state changes. Dropped if this thread is
    /// already running a callback or framealloc's log line (no recursion).
    #[cold]
    pub(crate) fn report(&self, event: &BudgetEvent) {
        crate::callout::run(|| {
            crate::callout::emit(format_args!("framealloc: {event}"));
            #[cfg(feature = "tracing")]
            trace_budget_event(event);
            #[cfg(feature = "tracy")]
            tracy_budget_message(event);
            // Cloned out of the lock: the callback may replace itself.
            let callback = self
                .callback
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            if let Some(callback) = callback {
                callback(event);
            }
        });
    }

    /// Whether an allocation over budget does not happen (`Enforce`, and a `try_` call
    /// or `on_misuse = Panic`).
    pub(crate) fn refuses(&self, strict: bool) -> bool {
        self.policy == BudgetPolicy::Enforce && (strict || self.on_misuse == MisusePolicy::Panic)
    }

    /// Decide what an exceeded budget does to the allocation: `Ok` to go ahead, or the
    /// error for a `try_` call (`strict`). Plain calls under `Enforce` follow `on_misuse`.
    #[cold]
    #[track_caller]
    pub(crate) fn verdict(&self, event: &BudgetEvent, strict: bool) -> Result<(), Error> {
        if self.policy == BudgetPolicy::Warn {
            return Ok(());
        }
        let error = Error::BudgetExceeded {
            tag: event.tag,
            limit: event.limit,
            requested: event.requested,
        };
        if strict {
            return Err(error);
        }
        match self.on_misuse {
            MisusePolicy::Panic => crate::fail(&error),
            // Allocate anyway. The event was logged (once per frame per budget, like every
            // budget event): no line per allocation, which would flood the log.
            MisusePolicy::Log => Ok(()),
        }
    }
}

impl Drop for Budgets {
    fn drop(&mut self) {
        for segment in &mut self.tags {
            let ptr = *segment.get_mut();
            if !ptr.is_null() {
                // SAFETY: made by `Box::into_raw` in `set_tag`, freed once here.
                drop(unsafe { Box::from_raw(ptr) });
            }
        }
    }
}

impl fmt::Debug for Budgets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Budgets")
            .field("policy", &self.policy)
            .field("any_tag", &self.any_tag())
            .finish_non_exhaustive()
    }
}

/// Budget overruns found where user code must not run yet (a frame closing, a tag
/// changing): collected first, delivered with [`deliver`](Overruns::deliver) once the
/// caller's state is final (see [`crate::callout`]).
#[must_use = "overruns must be delivered once the state is final"]
pub(crate) struct Overruns {
    /// The instance's budgets (kept alive: the callback may drop the last allocator
    /// clone), present when there is something to deliver.
    budgets: Option<Arc<Budgets>>,
    events: [Option<BudgetEvent>; 2],
}

impl Overruns {
    /// Nothing to deliver.
    #[inline(always)]
    pub(crate) const fn none() -> Overruns {
        Overruns {
            budgets: None,
            events: [None, None],
        }
    }

    /// Queue `event` (at most two: the thread budget's and the tag's).
    pub(crate) fn push(&mut self, budgets: &Arc<Budgets>, event: BudgetEvent) {
        if let Some(free) = self.events.iter_mut().find(|e| e.is_none()) {
            *free = Some(event);
            self.budgets.get_or_insert_with(|| budgets.clone());
        } else {
            debug_assert!(false, "more than two overruns at one checkpoint");
        }
    }

    /// Report the queued events (user code runs here: call this last).
    #[inline(always)]
    pub(crate) fn deliver(self) {
        if let Some(budgets) = self.budgets {
            Self::deliver_slow(&budgets, self.events);
        }
    }

    #[cold]
    #[inline(never)]
    fn deliver_slow(budgets: &Budgets, events: [Option<BudgetEvent>; 2]) {
        for event in events.into_iter().flatten() {
            budgets.report(&event);
        }
    }
}

/// `tracing`: a budget event as a warn event of target `framealloc::budget` (called
/// inside the budget call-out: the subscriber is user code).
#[cfg(feature = "tracing")]
fn trace_budget_event(event: &BudgetEvent) {
    tracing::warn!(
        target: "framealloc::budget",
        tag = event.tag,
        kind = event.kind.name(),
        scope = ?event.scope,
        limit = event.limit,
        used = event.used,
        requested = event.requested,
        frame = event.frame,
        refused = event.refused,
        "{event}"
    );
}

/// `tracy`: a budget event as a Tracy message (called inside the budget call-out).
#[cfg(feature = "tracy")]
fn tracy_budget_message(event: &BudgetEvent) {
    if let Some(client) = tracy_client::Client::running() {
        client.message(&format!("framealloc: {event}"), 0);
    }
}
