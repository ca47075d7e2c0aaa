//! A thread's pool heap is torn down when the thread exits: its pages that still hold
//! blocks join the process-wide abandoned list, unused ones go back to the system, and
//! the list is swept. Each of those steps calls the global allocator (growing the list,
//! freeing a page), and with a `#[global_allocator]` built on framealloc that call runs
//! user code which may allocate pool blocks on the same thread — which, once its heap is
//! gone, are served from that same abandoned list. Nothing may hold the list's lock
//! across such a call, or the thread waits on itself.
//!
//! The hook here pool-allocates (and frees) a block on every allocation and free the
//! exiting thread makes. Before the fix (session 10) the first test hung in `tear_down`
//! (the list grew under its lock) and the second in the sweep (pages freed under it).
//! Its own process: the abandoned list is process-wide, and these tests need it to grow.
//! A review in session 10 found the third case (a livelock of the sweep, also reachable
//! on a live thread) in the first version of the fix.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use framealloc::SmartAlloc;
use framealloc_tests::HookedSystem;

#[global_allocator]
static GLOBAL: HookedSystem = HookedSystem::new(hook);

/// The pool block sizes the hook allocates, one per test, each in a size class nothing
/// else in this binary uses (448, 640 and 768 bytes): its abandoned list holds only what
/// that test left there.
#[derive(Clone, Copy)]
enum Odd {
    B424,
    B600,
    B740,
}

thread_local! {
    /// The allocator and block size the hook pool-allocates with on this thread (`None`:
    /// off). `const` and without a destructor, so it stays readable through the thread's
    /// teardown.
    static HOOKED: Cell<Option<(&'static SmartAlloc, Odd)>> = const { Cell::new(None) };
    /// Set while the hook runs: its own allocations do not fire it again.
    static INSIDE: Cell<bool> = const { Cell::new(false) };
}

/// Pool blocks the hook got (each checked and freed at once).
static SERVED: AtomicUsize = AtomicUsize::new(0);

/// One test at a time: each needs the abandoned list of its class as it left it.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A pool block of `N` bytes, checked and freed.
fn pool_block<const N: usize>(alloc: &SmartAlloc) {
    // `try_` only, and no panics: a panic inside a global allocator aborts.
    if let Ok(block) = alloc.try_pool_box([0x5Au8; N]) {
        if block.iter().all(|&b| b == 0x5A) {
            SERVED.fetch_add(1, Ordering::SeqCst);
        }
        drop(block);
    }
}

fn hook() {
    let Ok(Some((alloc, odd))) = HOOKED.try_with(Cell::get) else {
        return;
    };
    if INSIDE.try_with(|i| i.replace(true)).unwrap_or(true) {
        return;
    }
    match odd {
        Odd::B424 => pool_block::<424>(alloc),
        Odd::B600 => pool_block::<600>(alloc),
        Odd::B740 => pool_block::<740>(alloc),
    }
    let _ = INSIDE.try_with(|i| i.set(false));
}

/// What `done` receives, or a failure naming `hang` if nothing arrives in time (a thread
/// that waits on itself, or spins, never sends).
fn within_limit<T>(done: &std::sync::mpsc::Receiver<T>, hang: &str) -> T {
    let limit = Duration::from_secs(if cfg!(miri) { 600 } else { 20 });
    done.recv_timeout(limit)
        .unwrap_or_else(|e| panic!("{hang}: {e}"))
}

/// Run `body` on a thread that arms the hook as its last step, so that everything its
/// exit does (the pool heap's teardown included) runs the hook; fail if the thread does
/// not finish in time (it waits on a lock it holds).
fn exit_with_hook(alloc: &'static SmartAlloc, odd: Odd, body: fn(&'static SmartAlloc)) {
    let before = SERVED.load(Ordering::SeqCst);
    let worker = std::thread::spawn(move || {
        body(alloc);
        HOOKED.with(|h| h.set(Some((alloc, odd))));
    });
    // `join` returns once the thread's destructors have run (`is_finished` does not wait
    // for them): joined from a watcher, with a time limit here.
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || done_tx.send(worker.join().is_ok()));
    let joined = within_limit(
        &done_rx,
        "the exiting thread waits on the abandoned pool pages' lock, which it holds",
    );
    assert!(joined, "the exiting thread panicked");
    assert!(
        SERVED.load(Ordering::SeqCst) > before,
        "the hook was served pool blocks while the thread exited"
    );
}

static GROW: LazyLock<SmartAlloc> = LazyLock::new(SmartAlloc::default);

#[test]
fn pool_blocks_allocated_while_an_exiting_thread_abandons_its_pages_do_not_deadlock() {
    let _serial = serial();
    exit_with_hook(&GROW, Odd::B424, |alloc| {
        // Kept past the thread: its page is abandoned at exit, growing the list.
        std::mem::forget(alloc.pool_box([1u8; 424]));
        let kept = alloc.pool_box(7u64);
        std::mem::forget(kept);
    });
    // The kept blocks' pages are abandoned, the hook's own blocks came back: the
    // process goes on, and another thread adopts the abandoned page.
    let adopted = std::thread::spawn(|| *GROW.pool_box([2u8; 424]) == [2; 424]);
    assert!(adopted.join().unwrap());
}

static SWEEP: LazyLock<SmartAlloc> = LazyLock::new(SmartAlloc::default);

#[test]
fn pool_blocks_allocated_while_an_exiting_thread_frees_abandoned_pages_do_not_deadlock() {
    let _serial = serial();
    // Pages abandoned by other threads and emptied since: the next teardown's sweep frees
    // them (a global-allocator call) while the hook allocates pool blocks. No abandoned
    // page of the hook's class has room, so each hook call makes one and empties it at
    // once: a sweep that freed whatever it found never ended (a livelock, found by a
    // review in session 10).
    let blocks: Vec<_> = std::thread::spawn(|| {
        (0..64)
            .map(|i| SWEEP.pool_box::<[u64; 40]>([i; 40]))
            .collect::<Vec<_>>()
    })
    .join()
    .unwrap();
    assert!(blocks.iter().enumerate().all(|(i, b)| b[0] == i as u64));
    drop(blocks); // freed here, remotely: their abandoned page is unused now
    exit_with_hook(&SWEEP, Odd::B600, |alloc| {
        let kept = alloc.pool_box(9u32);
        assert_eq!(*kept, 9);
    });
}

static LIVE: LazyLock<SmartAlloc> = LazyLock::new(SmartAlloc::default);

/// The same sweep on a live thread: a heap's periodic sweep (inside its slow path) frees
/// an emptied abandoned page while the hook allocates pool blocks.
#[test]
fn the_periodic_sweep_ends_when_the_global_allocator_uses_the_pool() {
    let _serial = serial();
    // An abandoned page (16-byte class), emptied remotely: the next sweep frees it.
    let blocks: Vec<_> = std::thread::spawn(|| (0..64u64).map(|i| LIVE.pool_box(i)).collect())
        .join()
        .unwrap();
    assert!(blocks.iter().enumerate().all(|(i, b)| **b == i as u64));
    drop(blocks);
    let before = SERVED.load(Ordering::SeqCst);
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Vec::with_capacity(4000);
        HOOKED.with(|h| h.set(Some((&*LIVE, Odd::B740))));
        // 1 KiB blocks, ~63 to a page: many misses, so many periodic sweeps.
        for i in 0..framealloc_tests::iterations(4000, 300) as u32 {
            kept.push(LIVE.pool_box([i; 250]));
        }
        HOOKED.with(|h| h.set(None));
        let intact = kept.iter().enumerate().all(|(i, b)| b[249] == i as u32);
        drop(kept);
        let _ = done_tx.send(intact);
    });
    let intact = within_limit(
        &done_rx,
        "the sweep of abandoned pages never ends (a livelock)",
    );
    assert!(intact, "the kept blocks are intact");
    assert!(
        SERVED.load(Ordering::SeqCst) > before,
        "the hook was served pool blocks"
    );
}
