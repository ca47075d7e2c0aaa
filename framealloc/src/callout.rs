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
    // The site is found from the message's head, formatted on the stack: a repeat (a
    // budget overrun every frame, say) is dropped without allocating. Only a message
    // that will be printed is formatted on the heap.
    let mut head = Head::new();
    let _ = fmt::write(&mut head, args);
    let key = Limiter::key(head.bytes());
    let mut limiter = STDERR_LIMITER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !limiter.wants(key) {
        return;
    }
    let mut out = Vec::new();
    limiter.write_keyed(key, &args.to_string(), &mut out);
    drop(limiter);
    if !out.is_empty() {
        // A raw write with its error ignored, not `eprint!`, which panics when stderr is
        // broken (a closed pipe): a warning must never turn into a panic.
        use std::io::Write as _;
        let _ = std::io::stderr().write_all(&out);
    }
}

/// The first [`Head::LEN`] bytes of a message, formatted without allocating.
struct Head {
    buf: [u8; Head::LEN],
    len: usize,
}

impl Head {
    /// Bytes of a message that decide its site (see [`Limiter::key`]).
    const LEN: usize = 512;

    fn new() -> Self {
        Head {
            buf: [0; Head::LEN],
            len: 0,
        }
    }

    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl fmt::Write for Head {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let n = s.len().min(Head::LEN - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
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

    /// The site of a warning: its text (the first [`Head::LEN`] bytes) with the numbers
    /// that change from one occurrence to the next (`frame 12`, `1024 B`) blanked, while
    /// source locations (`src/main.rs:10:5`) and tag names stay. The same stale handle
    /// reported at every later frame, or the same budget overrun every frame, is one
    /// site. Hashed as it is read: no allocation.
    fn key(message: &[u8]) -> u64 {
        use std::hash::Hasher as _;
        let is_digit = |b: &u8| b.is_ascii_digit();
        let skip_digits =
            |rest: &[u8]| rest.len() - rest.iter().take_while(|b| is_digit(b)).count();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        let mut rest = &message[..message.len().min(Head::LEN)];
        while let Some(&b) = rest.first() {
            if rest.starts_with(b"frame ") {
                hasher.write(b"frame ");
                let after = &rest[b"frame ".len()..];
                rest = &after[after.len() - skip_digits(after)..];
                continue;
            }
            if b.is_ascii_digit() {
                let n = rest.len() - skip_digits(rest);
                if rest[n..].starts_with(b" B") {
                    rest = &rest[n..];
                    continue;
                }
                hasher.write(&rest[..n]);
                rest = &rest[n..];
                continue;
            }
            hasher.write_u8(b);
            rest = &rest[1..];
        }
        hasher.finish()
    }

    /// Whether a warning of site `key` would print anything (a new site, or the "further
    /// warnings suppressed" notice still to come).
    fn wants(&self, key: u64) -> bool {
        !self.seen.contains(&key) && (self.seen.len() < STDERR_WARNINGS || !self.capped)
    }

    /// Append what to print for `message` to `out` (nothing for a repeat).
    #[cfg(test)]
    pub(crate) fn write(&mut self, message: &str, out: &mut Vec<u8>) {
        self.write_keyed(Self::key(message.as_bytes()), message, out);
    }

    /// [`write`](Self::write) for a message whose site is `key`.
    fn write_keyed(&mut self, key: u64, message: &str, out: &mut Vec<u8>) {
        use std::io::Write as _;
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
