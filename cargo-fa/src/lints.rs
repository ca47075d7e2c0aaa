//! The lint registry: every code `cargo fa` can report, with its kebab-case name, default
//! level, one-line summary and the long text `cargo fa --explain CODE` prints.
//!
//! Codes are stable: a code is never reused for another check (the prior tool reused
//! FA801–FA805 twice). New checks get new codes.

use std::fmt;

/// How a finding is treated: not reported, reported, or reported and failing the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Not reported (`-A`).
    Allow,
    /// Reported as a warning (`-W`); the exit code stays 0.
    Warn,
    /// Reported as an error (`-D`, or an error-level lint); the exit code is 1.
    Deny,
}

impl Level {
    /// The word used in configuration and `--list`: `allow`, `warn` or `deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Warn => "warn",
            Self::Deny => "deny",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One check: its stable code, kebab-case name, default level and documentation.
#[derive(Debug)]
pub struct Lint {
    /// Stable code, e.g. `FA101`.
    pub code: &'static str,
    /// Kebab-case name, e.g. `unpaired-explicit-frame`; accepted wherever a code is.
    pub name: &'static str,
    /// The level used unless configuration or `-A/-W/-D` says otherwise.
    pub default: Level,
    /// One line: what the lint catches.
    pub summary: &'static str,
    /// The long explanation printed by `cargo fa --explain CODE`.
    pub explain: &'static str,
}

/// Every lint, in code order.
pub static LINTS: &[Lint] = &[
    Lint {
        code: "FA000",
        name: "parse-error",
        default: Level::Deny,
        summary: "a source file that cannot be parsed (or is not UTF-8) was skipped",
        explain: "\
A file of the module tree could not be parsed by `syn` (or is not valid UTF-8). The file
is reported at the parser's error location and skipped; the rest of the crate is still
analysed. `cargo fa` never crashes on bad input.

Fix: make the file compile (`cargo check` gives the precise error). If the file uses
syntax newer than the analyser's parser, allow the lint for that package with
`allow = [\"FA000\"]` in `[package.metadata.framealloc.fa]`.",
    },
    Lint {
        code: "FA101",
        name: "unpaired-explicit-frame",
        default: Level::Warn,
        summary: "`begin_frame()` with a path to the function's exit that skips `end_frame()`",
        explain: "\
A function calls `begin_frame()` and `end_frame()`, but some path from the
`begin_frame()` leaves the function (an early `return`, a `?`, a `break` or `continue`
out of the loop, an `if` or `match` arm) without reaching `end_frame()`.

    alloc.begin_frame();
    let level = load(path)?;          // an error returns with the frame open
    alloc.end_frame();

Why the compiler cannot see it: the explicit frame API is runtime-checked. The frame
stays open, the next `begin_frame()` fails (`Error::AlreadyInFrame`) and no frame memory
is reclaimed until something ends it.

Fix: use the scoped API, whose guard ends the frame on every exit path (return, `?`,
panic): `let frame = alloc.frame();`, `alloc.frame_scope(|frame| ..)` or
`#[frame_scope]` on the function. Reported once per `begin_frame()` call, with the first
escaping exit as a secondary label.

Limits: only functions that call `end_frame()` somewhere are checked (a `begin` in one
method and the `end` in another is a legitimate split the tool cannot follow); panics
are not paths; receivers are not resolved (any `end_frame()` ends the frame).",
    },
    Lint {
        code: "FA102",
        name: "end-without-begin",
        default: Level::Allow,
        summary: "`end_frame()` with no earlier `begin_frame()` in the function",
        explain: "\
`end_frame()` is called in a function that has no `begin_frame()` before it. Without a
frame open, `end_frame()` fails with `Error::NotInFrame` (a panic under the default
`MisusePolicy::Panic`).

Allowed by default: engines often begin the frame in one method and end it in another.
Turn it on with `-W FA102` where frames are begun and ended in one function.

Fix: pair the calls in one function, or use `alloc.frame()` / `#[frame_scope]`.",
    },
    Lint {
        code: "FA103",
        name: "explicit-frame-across-await",
        default: Level::Deny,
        summary: "an explicit frame (`begin_frame` .. `end_frame`) open across `.await`",
        explain: "\
Async code awaits while an explicit frame is open:

    alloc.begin_frame();
    fetch().await;                   // the task may resume on another worker thread
    alloc.end_frame();               // ..which has no frame open: Error::NotInFrame

Frames belong to a thread. On a multi-threaded runtime the task can resume on another
worker, so `end_frame()` runs where no frame is open, and the first thread's frame is
never ended. It compiles because no frame handle is held across the `.await`.

Fix: give the task its own arena, `alloc.task_frame()` (a `TaskFrame` moves with the
task), or end the frame before the `.await`.",
    },
    Lint {
        code: "FA104",
        name: "leaked-frame-handle",
        default: Level::Warn,
        summary: "`mem::forget` / `Box::leak` / `ManuallyDrop::new` of a frame guard or handle",
        explain: "\
A frame guard (`alloc.frame()`) or a frame handle (`FrameVec`, `FrameBox`, ...) is
leaked with `mem::forget`, `Box::leak` or `ManuallyDrop::new`.

This is safe (leaking is always safe) but the arena never resets again: a live handle
defers every reset of its arena (the handle's memory must stay valid), and a forgotten
guard never ends its frame. Memory use grows every frame.

Fix: let the value drop. To keep data past the frame, copy it into a pool or heap
allocation, or move it out with `frame_box_for_transfer`.

Limits: the argument must be the handle expression itself or a local bound to one.",
    },
    Lint {
        code: "FA105",
        name: "frame-handle-in-struct",
        default: Level::Warn,
        summary: "a struct field of type `FrameVec` / `FrameBox` / `FrameString`",
        explain: "\
A struct stores a frame handle. Every live handle defers the reset of its arena, so a
long-lived struct holding one means frame memory is not reclaimed while it lives.

Fix: store persistent data in `PoolBox`, `HeapVec` or a plain `Vec`; keep frame handles
in locals, or in a per-frame context struct that is dropped at the end of the frame (then
allow the lint on that struct with `#[framealloc::fa_allow(FA105, reason = \"..\")]`).",
    },
    Lint {
        code: "FA106",
        name: "frame-alloc-outside-frame",
        default: Level::Warn,
        summary: "explicit frame allocation in `main`, a test or a loop with no frame visible",
        explain: "\
`alloc.frame_vec()` (or `frame_box`, `frame_slice`, `frame_alloc`) is called in `main`,
in a test or inside a frame-shaped loop (`loop`, `while`, `for` over a range), and the
function shows no frame: no `begin_frame()`, no
`alloc.frame()`, no `frame_scope`, no `#[frame_scope]`, no `&Frame` parameter.

With no frame open the call fails (`Error::NotInFrame`, a panic by default) or, under
`MisusePolicy::Log`, opens an implicit frame that only the next `end_frame()` closes.

Fix: open a frame around the work (`let frame = alloc.frame();`) or annotate the
function with `#[frame_scope]`. Helper functions outside such loops are not reported
(their caller may hold the frame). Reported once per function, at the first allocation.",
    },
    Lint {
        code: "FA201",
        name: "guard-across-await",
        default: Level::Warn,
        summary: "a frame guard or frame handle held across `.await`",
        explain: "\
A local bound to a frame guard (`alloc.frame()`) or a frame handle (`frame_vec`,
`frame_box`, ...) is still in scope at an `.await`.

The future is then `!Send` (so `tokio::spawn` rejects it), and on a runtime that accepts
it (a local set, `block_on`) every pending task holds its frame open: the arena cannot
reset while any of them waits (arena starvation).

Fix: drop the handle before the `.await` (`drop(v)` or an inner block), or use a
`TaskFrame` (`alloc.task_frame()`), whose memory moves with the task.",
    },
    Lint {
        code: "FA202",
        name: "tag-not-inherited",
        default: Level::Warn,
        summary: "a thread or task spawned inside `with_tag` or an `#[alloc_tag]` function",
        explain: "\
`thread::spawn`, `tokio::spawn`, `spawn_blocking`, a scoped `s.spawn(..)` or a rayon
parallel iterator runs inside `alloc.with_tag(\"x\", ..)` or an `#[alloc_tag(\"x\")]`
function. Tags are a per-thread stack: the new thread or task starts untagged, so its
allocations are accounted to \"untagged\", not to the tag (and do not count toward its
budget).

Fix: push the tag inside the spawned closure (`alloc.with_tag(\"x\", ..)` there), or wrap
the future with `alloc.tag_future(\"x\", fut)`.",
    },
    Lint {
        code: "FA203",
        name: "task-frame-by-shared-ref",
        default: Level::Warn,
        summary: "`async fn` with a `&TaskFrame` parameter",
        explain: "\
An `async fn` takes `&TaskFrame`. `TaskFrame` is `!Sync` (its arena uses `Cell`s), so
`&TaskFrame` is `!Send` and a future holding one cannot be spawned on a multi-threaded
runtime (`future cannot be sent between threads safely`).

Fix: take `&mut TaskFrame` (or the frame by value); `&mut TaskFrame` is `Send`.",
    },
    Lint {
        code: "FA301",
        name: "unknown-tag",
        default: Level::Warn,
        summary: "a tag literal that no `#[alloc_tag]` declares (with a \"did you mean\")",
        explain: "\
A tag name is looked up (`stats.tag(\"x\")`, `set_tag_budget(\"x\", ..)`,
`tag_budget(\"x\")`) but no code pushes it (`#[alloc_tag(\"x\")]`, `with_tag`, `tag`,
`tag_future`, `task_frame_tagged`, `herd_tagged`); or a pushed tag is within edit distance 2 of an
`#[alloc_tag]` declaration without matching it. Tag names are strings: a typo creates a
new, empty tag at run time and the lookup returns `None` or a budget that never applies.

Fix: use the declared spelling (the message suggests one within edit distance 2).

Limits: tags are collected over the packages analysed in one run; a tag declared only in
a dependency outside the workspace looks unknown (allow the lint there).",
    },
    Lint {
        code: "FA302",
        name: "conflicting-tag-budgets",
        default: Level::Warn,
        summary: "one tag declared by several `#[alloc_tag]`s with different budgets",
        explain: "\
Two `#[alloc_tag(\"x\", budget = ..)]` declarations give one tag different budgets.
Every declaration is registered (`registered_tags()` lists both), and which budget a
report shows depends on link order.

Fix: declare the budget once (other sites write `#[alloc_tag(\"x\")]`), or set it at run
time with `alloc.set_tag_budget(\"x\", bytes)`.",
    },
    Lint {
        code: "FA303",
        name: "tag-budget-over-thread-budget",
        default: Level::Allow,
        summary: "a literal tag budget above a literal thread frame budget",
        explain: "\
A tag budget (`#[alloc_tag(\"x\", budget = ..)]` or `set_tag_budget(\"x\", N)`) is larger
than the thread frame budget set with a literal (`set_thread_frame_budget(N)`, the
largest one if there are several). The thread budget is exceeded first, so the tag
budget never triggers for frame memory.

Allowed by default: tag budgets also cover pool and heap memory, where it can matter.
Fix: lower the tag budget or raise the thread budget.",
    },
    Lint {
        code: "FA401",
        name: "short-lived-pool-in-frame-loop",
        default: Level::Allow,
        summary: "a pool/heap allocation whose binding dies inside a per-frame loop body",
        explain: "\
Inside a loop body that opens a frame (`begin_frame`, `frame()`, `frame_scope`), a
`let` binds `pool_box`, `pool_arc`, `heap_box`, `heap_vec`, `Box::new`, `Vec::new` or
`Vec::with_capacity`, and the value is never moved out of the iteration (only used
through methods, fields, indexing or references). It is allocated and freed every frame;
a frame allocation (`frame.alloc`, `frame_vec`) is one pointer bump and freed in bulk.

Allowed by default (a performance hint). Limits: a use inside a macro is not seen; a
binding passed by value anywhere counts as moved out.",
    },
];

/// Looks a lint up by code (`FA101`, any case) or kebab-case name.
pub fn find(key: &str) -> Option<&'static Lint> {
    LINTS
        .iter()
        .find(|l| l.code.eq_ignore_ascii_case(key) || l.name == key)
}
