//! Counting global allocators for the structural tests (zero system allocations in a
//! steady state). A test binary installs one:
//!
//! - `#[global_allocator] static GLOBAL: CountingAlloc = COUNTING;` counts every system
//!   call of each thread ([`system_calls`]) and the frees of pool pages ([`page_frees`]);
//! - `CountingAlloc(hook)` calls a hook of the test's own (e.g. counting only inside
//!   marked sections).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The system-allocator call a [`CountingAlloc`] hook is told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemCall {
    /// `alloc`.
    Alloc,
    /// `dealloc` (with the block's layout).
    Dealloc,
    /// `realloc` (with the old layout).
    Realloc,
}

/// Forwards every call to [`System`], calling the hook first. The hook runs inside the
/// allocator, so it must not allocate (a `const` thread-local `Cell` through `try_with`,
/// or an atomic).
pub struct CountingAlloc(pub fn(SystemCall, Layout));

// SAFETY: forwards every call to `System` with the caller's arguments; the hook only
// observes them.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        (self.0)(SystemCall::Alloc, layout);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        (self.0)(SystemCall::Dealloc, layout);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        (self.0)(SystemCall::Realloc, layout);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

thread_local! {
    // Const, destructor-free: usable from inside the allocator at any time.
    static SYSTEM_CALLS: Cell<u64> = const { Cell::new(0) };
    static PAGE_FREES: Cell<u64> = const { Cell::new(0) };
}

/// Size and alignment of a framealloc pool page (64 KiB): frees of such blocks are
/// counted apart ([`page_frees`]).
pub const POOL_PAGE: usize = 64 * 1024;

/// Counts every call per thread (other test threads do not disturb a thread's count),
/// and pool-page frees apart.
fn count(call: SystemCall, layout: Layout) {
    let _ = SYSTEM_CALLS.try_with(|c| c.set(c.get() + 1));
    if call == SystemCall::Dealloc && layout.size() == POOL_PAGE && layout.align() == POOL_PAGE {
        let _ = PAGE_FREES.try_with(|c| c.set(c.get() + 1));
    }
}

/// The counting allocator read by [`system_calls`] and [`page_frees`].
pub const COUNTING: CountingAlloc = CountingAlloc(count);

/// System allocator calls (alloc, dealloc, realloc) made so far on this thread.
pub fn system_calls() -> u64 {
    SYSTEM_CALLS.with(Cell::get)
}

/// Pool-page-sized frees made so far on this thread.
pub fn page_frees() -> u64 {
    PAGE_FREES.with(Cell::get)
}

/// Resident set size of this process in bytes (`/proc/self/statm`), if readable.
pub fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}
