//! A counting global allocator for the structural tests: install it in a test binary with
//! `#[global_allocator] static GLOBAL: Counting = Counting;` and read the calling
//! thread's count of system calls with [`system_calls`].

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Forwards to [`System`], counting calls per thread (other test threads do not disturb
/// a thread's count).
pub struct Counting;

thread_local! {
    // Const, destructor-free: usable from inside the allocator at any time.
    static SYSTEM_CALLS: Cell<u64> = const { Cell::new(0) };
    static PAGE_FREES: Cell<u64> = const { Cell::new(0) };
}

/// Size and alignment of a framealloc pool page (64 KiB): frees of such blocks are
/// counted apart ([`page_frees`]).
pub const POOL_PAGE: usize = 64 * 1024;

fn count() {
    let _ = SYSTEM_CALLS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: forwards to `System`, only counting calls in destructor-free thread-locals.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count();
        if layout.size() == POOL_PAGE && layout.align() == POOL_PAGE {
            let _ = PAGE_FREES.try_with(|c| c.set(c.get() + 1));
        }
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

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
