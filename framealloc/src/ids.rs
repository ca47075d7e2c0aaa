//! Process-wide identities, never reused: allocator instance ids and per-thread tokens.
//!
//! The bottom layer (see ARCHITECTURE.md): the frame registry keys arenas by them, pool
//! pages and stats shards record their owner thread by token, and `debug` records where
//! a handle was made. A thread's token is a const-initialised, destructor-free
//! thread-local, so it stays readable during thread teardown.

use core::cell::Cell;
use core::sync::atomic::{AtomicU64, Ordering};

/// Allocate a unique id from a global counter. Ids start at 1 and are never reused;
/// running out aborts rather than wrapping (2^64 ids cannot be used up in practice).
fn next_id(counter: &AtomicU64) -> u64 {
    let id = counter.fetch_add(1, Ordering::Relaxed);
    if id == 0 || id == u64::MAX {
        std::process::abort();
    }
    id
}

static NEXT_INSTANCE_ID: AtomicU64 = AtomicU64::new(1);
static NEXT_THREAD_TOKEN: AtomicU64 = AtomicU64::new(1);

/// A fresh, never-reused instance id (≥ 1).
pub(crate) fn new_instance_id() -> u64 {
    next_id(&NEXT_INSTANCE_ID)
}

thread_local! {
    /// This thread's token (0 until first needed). Const and destructor-free, so it is
    /// readable during thread teardown.
    static THREAD_TOKEN: Cell<u64> = const { Cell::new(0) };
}

/// This thread's token: unique, never reused, never 0.
#[inline(always)]
pub(crate) fn thread_token() -> u64 {
    let token = THREAD_TOKEN.with(Cell::get);
    if token != 0 {
        return token;
    }
    new_thread_token()
}

/// This thread's token, or 0 if it has none yet (then it owns no shard and no pool
/// page). One thread-local load: the pool free path tests page and slot ownership
/// against it (pool thread heaps use the thread token as their id).
#[inline(always)]
pub(crate) fn thread_token_if_any() -> u64 {
    THREAD_TOKEN.with(Cell::get)
}

#[cold]
#[inline(never)]
fn new_thread_token() -> u64 {
    let token = next_id(&NEXT_THREAD_TOKEN);
    THREAD_TOKEN.with(|t| t.set(token));
    token
}
