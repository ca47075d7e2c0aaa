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

/// `log::warn!` through [`run`]: the logger is user code. Without a logger the warning
/// goes to stderr instead (see [`emit`]).
#[cold]
#[inline(never)]
pub(crate) fn warn(args: fmt::Arguments<'_>) {
    run(|| emit(args));
}

/// A framealloc warning, from inside a call-out ([`run`]): to the `log` facade when a
/// logger is installed, else to stderr, once per site and at most
/// [`STDERR_WARNINGS`] times per process.
///
/// "No logger" is `log::max_level() == LevelFilter::Off`: it is `Off` until a logger
/// sets it (`env_logger` and the other backends do), and while it is `Off` `log::warn!`
/// prints nothing anywhere. A program that turns logging off on purpose gets the stderr
/// lines too; installing any logger routes them back to it.
pub(crate) fn emit(args: fmt::Arguments<'_>) {
    if log::max_level() != log::LevelFilter::Off {
        log::warn!("{args}");
        return;
    }
    let message = args.to_string();
    let mut out = Vec::new();
    STDERR_LIMITER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .write(&message, &mut out);
    if !out.is_empty() {
        // A raw write with its error ignored, not `eprint!`, which panics when stderr is
        // broken (a closed pipe): a warning must never turn into a panic.
        use std::io::Write as _;
        let _ = std::io::stderr().write_all(&out);
    }
}

/// How many distinct warnings go to stderr before the rest are suppressed.
pub(crate) const STDERR_WARNINGS: usize = 16;

static STDERR_LIMITER: std::sync::Mutex<Limiter> = std::sync::Mutex::new(Limiter::new());

/// Once per site, at most [`STDERR_WARNINGS`] in all: what reaches stderr without a logger.
pub(crate) struct Limiter {
    /// Keys of the warnings already printed (see [`Limiter::key`]).
    seen: Vec<u64>,
    /// Whether the "further warnings suppressed" line was printed.
    capped: bool,
}

impl Limiter {
    pub(crate) const fn new() -> Self {
        Self {
            seen: Vec::new(),
            capped: false,
        }
    }

    /// The site of a warning: its text with the numbers that change from one occurrence
    /// to the next (`frame 12`, `1024 B`) blanked, while source locations
    /// (`src/main.rs:10:5`) and tag names stay. The same stale handle reported at every
    /// later frame, or the same budget overrun every frame, is one site.
    fn key(message: &str) -> u64 {
        use std::hash::{Hash as _, Hasher as _};
        let mut normal = String::with_capacity(message.len());
        let mut rest = message;
        while let Some(c) = rest.chars().next() {
            if rest.starts_with("frame ") {
                normal.push_str("frame ");
                rest = rest["frame ".len()..].trim_start_matches(|c: char| c.is_ascii_digit());
                continue;
            }
            if c.is_ascii_digit() {
                let digits = rest.trim_start_matches(|c: char| c.is_ascii_digit());
                if digits.starts_with(" B") {
                    rest = digits;
                    continue;
                }
                let n = rest.len() - digits.len();
                normal.push_str(&rest[..n]);
                rest = digits;
                continue;
            }
            normal.push(c);
            rest = &rest[c.len_utf8()..];
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        normal.hash(&mut hasher);
        hasher.finish()
    }

    /// Append what to print for `message` to `out` (nothing for a repeat).
    pub(crate) fn write(&mut self, message: &str, out: &mut Vec<u8>) {
        use std::io::Write as _;
        let key = Self::key(message);
        if self.seen.contains(&key) {
            return;
        }
        if self.seen.len() >= STDERR_WARNINGS {
            if !self.capped {
                self.capped = true;
                let _ = writeln!(
                    out,
                    "framealloc: further warnings suppressed; install a `log` logger \
                     (e.g. env_logger) to see every one"
                );
            }
            return;
        }
        let first = self.seen.is_empty();
        self.seen.push(key);
        let _ = writeln!(out, "{message}");
        if first {
            let _ = writeln!(
                out,
                "framealloc: (printed to stderr because no `log` logger is installed; each \
                 warning is shown once; install a logger such as env_logger to route them)"
            );
        }
    }
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

    fn printed(limiter: &mut Limiter, message: &str) -> String {
        let mut out = Vec::new();
        limiter.write(message, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn stderr_fallback_prints_each_site_once_and_caps_the_total() {
        let mut l = Limiter::new();
        let stale = |frame: u32, line: u32| {
            format!(
                "framealloc: frame {frame} began with 1 explicit frame handle(s) of earlier \
                 frames alive:\n    made in frame 2 at src/main.rs:{line}:5 (tag \"untagged\")"
            )
        };
        let first = printed(&mut l, &stale(3, 10));
        assert!(first.starts_with("framealloc: frame 3 began"), "{first}");
        assert!(first.contains("no `log` logger is installed"), "{first}");
        // The same handle, reported again at every later frame: one site.
        assert_eq!(printed(&mut l, &stale(4, 10)), "");
        assert_eq!(printed(&mut l, &stale(90, 10)), "");
        // Another site prints, without the hint.
        let other = printed(&mut l, &stale(5, 11));
        assert!(
            other.contains("src/main.rs:11:5") && !other.contains("logger"),
            "{other}"
        );
        // Byte counts change, the budget is the same site.
        let budget = |used: u32| {
            format!("framealloc: budget of tag \"ai\" exceeded in frame 1: {used} B in use")
        };
        assert_ne!(printed(&mut l, &budget(1024)), "");
        assert_eq!(printed(&mut l, &budget(2048)), "");
        // Rate limit: STDERR_WARNINGS sites in all, then one notice, then silence.
        let mut i = 0;
        while l.seen.len() < STDERR_WARNINGS {
            assert_ne!(printed(&mut l, &format!("site {i}")), "");
            i += 1;
        }
        assert!(printed(&mut l, "one more").contains("further warnings suppressed"));
        assert_eq!(printed(&mut l, "and another"), "");
    }

    #[test]
    fn without_a_logger_the_level_is_off() {
        // No test in this binary installs a logger: `emit` takes the stderr path.
        assert_eq!(log::max_level(), log::LevelFilter::Off);
    }
}
