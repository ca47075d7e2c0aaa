//! The `debug` feature: poisoning, allocation sites of live handles, and the reports
//! built from them.
//!
//! Every live explicit frame handle, pool block and heap block made through framealloc
//! is recorded with its `#[track_caller]` site in one process-wide table, keyed by the
//! block's address (pool and heap) or by a token the frame handle carries (a `FrameVec`
//! moves when it grows). Recording takes a lock: this is a debugging aid, not a mode to
//! ship.

use core::cell::Cell;
use core::panic::Location;
use core::sync::atomic::{AtomicU64, Ordering};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

use crate::Kind;
use crate::tag::TagId;

/// Byte written over frame memory when the arena resets.
pub const FRAME_POISON: u8 = 0xF5;
/// Byte written over a pool block when it is freed (a block freed on another thread then
/// gets its first word overwritten by the link of its page's remote free list).
pub const POOL_POISON: u8 = 0xFB;

/// One recorded live allocation.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Site {
    pub(crate) instance: u64,
    pub(crate) thread: u64,
    pub(crate) kind: Kind,
    pub(crate) tag: TagId,
    pub(crate) bytes: u64,
    pub(crate) location: &'static Location<'static>,
    /// Frame handles: the frame number they were made in.
    pub(crate) frame: u64,
}

/// What a live allocation is keyed by.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum Key {
    /// A frame handle's token.
    Frame(u64),
    /// A pool or heap block's address.
    Block(usize),
}

static LIVE: LazyLock<Mutex<HashMap<Key, Site>>> = LazyLock::new(Default::default);
static NEXT_FRAME_TOKEN: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// Set while this thread holds the table's lock: a re-entrant use (the table grows or
    /// shrinks, which calls the global allocator, which may be user code that allocates
    /// through framealloc) skips the table instead of waiting on itself.
    static IN_TABLE: Cell<bool> = const { Cell::new(false) };
}

/// Run `f` on the locked table, unless this thread is already inside it (then `None`:
/// the nested allocation goes unrecorded, and a nested free finds nothing to forget).
fn with_live<R>(f: impl FnOnce(&mut HashMap<Key, Site>) -> R) -> Option<R> {
    if IN_TABLE.try_with(|t| t.replace(true)).unwrap_or(true) {
        return None;
    }
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            let _ = IN_TABLE.try_with(|t| t.set(false));
        }
    }
    let _leave = Leave;
    let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
    Some(f(&mut live))
}

/// A fresh frame handle token.
pub(crate) fn frame_token() -> u64 {
    NEXT_FRAME_TOKEN.fetch_add(1, Ordering::Relaxed)
}

/// Record a live allocation.
pub(crate) fn record(key: Key, site: Site) {
    with_live(|live| live.insert(key, site));
}

/// Record a live pool or heap block (zero-size ones have no address of their own and are
/// not recorded).
pub(crate) fn record_block(
    instance: u64,
    kind: Kind,
    tag: TagId,
    addr: usize,
    bytes: u64,
    location: &'static Location<'static>,
) {
    if bytes == 0 {
        return;
    }
    record(
        Key::Block(addr),
        Site {
            instance,
            thread: crate::ids::thread_token(),
            kind,
            tag,
            bytes,
            location,
            frame: 0,
        },
    );
}

/// Forget a freed allocation (nothing happens if it was never recorded, e.g. a clone).
pub(crate) fn forget(key: Key) {
    with_live(|live| live.remove(&key));
}

/// A block moved (heap `grow`/`shrink`): re-key its record.
pub(crate) fn moved(old: usize, new: usize, bytes: u64) {
    with_live(|live| {
        if let Some(mut site) = live.remove(&Key::Block(old)) {
            site.bytes = bytes;
            live.insert(Key::Block(new), site);
        }
    });
}

/// Every live allocation of `instance`.
pub(crate) fn sites_of(instance: u64) -> Vec<Site> {
    with_live(|live| {
        live.values()
            .filter(|s| s.instance == instance)
            .copied()
            .collect()
    })
    .unwrap_or_default()
}

/// Frame handles of `instance` on `thread` made before frame `frame`.
pub(crate) fn stale_frame_handles(instance: u64, thread: u64, frame: u64) -> Vec<Site> {
    with_live(|live| {
        live.values()
            .filter(|s| {
                s.kind == Kind::Frame
                    && s.instance == instance
                    && s.thread == thread
                    && s.frame < frame
            })
            .copied()
            .collect()
    })
    .unwrap_or_default()
}
