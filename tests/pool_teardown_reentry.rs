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

use std::cell::Cell;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use framealloc::SmartAlloc;
use framealloc_tests::HookedSystem;

#[global_allocator]
static GLOBAL: HookedSystem = HookedSystem::new(hook);

thread_local! {
    /// The allocator the hook pool-allocates from on this thread (`None`: off). `const`
    /// and without a destructor, so it stays readable through the thread's teardown.
    static HOOKED: Cell<Option<&'static SmartAlloc>> = const { Cell::new(None) };
    /// Set while the hook runs: its own allocations do not fire it again.
    static INSIDE: Cell<bool> = const { Cell::new(false) };
}

/// Pool blocks the hook got (each checked and freed at once).
static SERVED: AtomicUsize = AtomicUsize::new(0);

/// A block size no other test in this binary uses, so its class's abandoned list
/// starts empty (the first page abandoned grows it).
type Odd = [u8; 424];

fn hook() {
    let Ok(Some(alloc)) = HOOKED.try_with(Cell::get) else {
        return;
    };
    if INSIDE.try_with(|i| i.replace(true)).unwrap_or(true) {
        return;
    }
    // `try_` only, and no panics: a panic inside a global allocator aborts.
    if let Ok(block) = alloc.try_pool_box::<Odd>([0x5A; 424]) {
        if block.iter().all(|&b| b == 0x5A) {
            SERVED.fetch_add(1, Ordering::SeqCst);
        }
        drop(block);
    }
    let _ = INSIDE.try_with(|i| i.set(false));
}

/// Run `body` on a thread that arms the hook as its last step, so that everything its
/// exit does (the pool heap's teardown included) runs the hook; fail if the thread does
/// not finish in time (it waits on a lock it holds).
fn exit_with_hook(alloc: &'static SmartAlloc, body: fn(&'static SmartAlloc)) {
    let before = SERVED.load(Ordering::SeqCst);
    let worker = std::thread::spawn(move || {
        body(alloc);
        HOOKED.with(|h| h.set(Some(alloc)));
    });
    // `join` returns once the thread's destructors have run (`is_finished` does not wait
    // for them): joined from a watcher, with a time limit here.
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || done_tx.send(worker.join().is_ok()));
    let limit = Duration::from_secs(if cfg!(miri) { 600 } else { 20 });
    let joined = done_rx
        .recv_timeout(limit)
        .expect("the exiting thread waits on the abandoned pool pages' lock, which it holds");
    assert!(joined, "the exiting thread panicked");
    assert!(
        SERVED.load(Ordering::SeqCst) > before,
        "the hook was served pool blocks while the thread exited"
    );
}

static GROW: LazyLock<SmartAlloc> = LazyLock::new(SmartAlloc::default);

#[test]
fn pool_blocks_allocated_while_an_exiting_thread_abandons_its_pages_do_not_deadlock() {
    exit_with_hook(&GROW, |alloc| {
        // Kept past the thread: its page is abandoned at exit, growing the list.
        std::mem::forget(alloc.pool_box::<Odd>([1; 424]));
        let kept = alloc.pool_box(7u64);
        std::mem::forget(kept);
    });
    // The kept blocks' pages are abandoned, the hook's own blocks came back: the
    // process goes on, and another thread adopts the abandoned page.
    let adopted = std::thread::spawn(|| *GROW.pool_box::<Odd>([2; 424]) == [2; 424]);
    assert!(adopted.join().unwrap());
}

static SWEEP: LazyLock<SmartAlloc> = LazyLock::new(SmartAlloc::default);

#[test]
fn pool_blocks_allocated_while_an_exiting_thread_frees_abandoned_pages_do_not_deadlock() {
    // Pages abandoned by other threads and emptied since: the next teardown's sweep frees
    // them (a global-allocator call) while the hook allocates pool blocks.
    let blocks: Vec<_> = std::thread::spawn(|| {
        (0..64)
            .map(|i| SWEEP.pool_box::<[u64; 40]>([i; 40]))
            .collect::<Vec<_>>()
    })
    .join()
    .unwrap();
    assert!(blocks.iter().enumerate().all(|(i, b)| b[0] == i as u64));
    drop(blocks); // freed here, remotely: their abandoned page is unused now
    exit_with_hook(&SWEEP, |alloc| {
        let kept = alloc.pool_box(9u32);
        assert_eq!(*kept, 9);
    });
}
