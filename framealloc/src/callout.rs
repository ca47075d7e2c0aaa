//! Calls into code that is not ours: the budget callback and the `log` backend.
//!
//! Such code may call framealloc back — open and end frames, allocate, drop handles,
//! change tags, set budgets, drop an allocator — or panic. Two rules keep that sound
//! (docs/soundness.md has the whole list):
//!
//! 1. **Call-outs come last.** framealloc finishes every change to its own state (a
//!    frame's reset included) before it calls out, and touches nothing afterwards that
//!    the call-out may have changed or freed. Overruns found while a frame closes or a
//!    tag changes are collected first and delivered after the state is final (see
//!    [`Overruns`](crate::budget::Overruns)).
//! 2. **No recursion.** While a call-out runs on a thread, further call-outs on that
//!    thread (an event raised by an allocation inside the callback, a log line from
//!    inside the logger) are dropped rather than nested: a callback that allocates over
//!    budget cannot recurse without end.
//!
//! A call-out that panics unwinds into the caller with framealloc's state consistent;
//! one that panics while the thread is already unwinding (a guard dropped by a panic)
//! has its panic caught and dropped, since a second panic would abort the process.

use core::cell::Cell;
use core::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

thread_local! {
    /// Whether a call-out is running on this thread. Const-initialised and without a
    /// destructor, so it works during thread teardown too.
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
}

/// Clears [`ACTIVE`] when the call-out returns or unwinds.
struct Active;

impl Drop for Active {
    fn drop(&mut self) {
        let _ = ACTIVE.try_with(|a| a.set(false));
    }
}

/// Run `f`, code that is not ours, unless a call-out is already running on this thread
/// (then `f` is dropped unrun). Returns whether `f` ran.
///
/// Callers must have finished their own state changes: `f` may call framealloc back.
pub(crate) fn run(f: impl FnOnce()) -> bool {
    match ACTIVE.try_with(|a| a.replace(true)) {
        Ok(false) => {}
        // Nested, or the thread-local is gone (it has no destructor, so this cannot
        // happen; dropping the call-out is the safe answer anyway).
        _ => return false,
    }
    let _active = Active;
    if std::thread::panicking() {
        // A second panic while unwinding would abort the process: contain it.
        if catch_unwind(AssertUnwindSafe(f)).is_err() {
            eprintln!(
                "framealloc: a budget callback or logger panicked while the thread was \
                 already unwinding; that panic was dropped"
            );
        }
    } else {
        f();
    }
    true
}

/// `log::warn!` through [`run`]: the logger is user code.
#[cold]
#[inline(never)]
pub(crate) fn warn(args: fmt::Arguments<'_>) {
    run(|| log::warn!("{args}"));
}

/// Whether a call-out is running on this thread (tests).
#[cfg(test)]
pub(crate) fn active() -> bool {
    ACTIVE.with(Cell::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_call_outs_are_dropped_and_the_flag_survives_a_panic() {
        let mut inner_ran = None;
        assert!(run(|| inner_ran = Some(run(|| ()))));
        assert_eq!(inner_ran, Some(false));
        assert!(!active());
        let caught = catch_unwind(|| run(|| panic!("callback")));
        assert!(caught.is_err());
        assert!(!active(), "the flag is cleared on unwind");
        assert!(run(|| ()));
    }
}
