//! A thread that exits with its frame arena in use (a guard or a handle forgotten) does
//! not leak the arena: the allocator frees it when its last clone drops, on whichever
//! thread (SPEC §4.1). Found by a review in session 12: such an arena was buried for its
//! own thread to free, which had exited, so about 1 MiB leaked per thread.
//!
//! Its own binary: a global allocator counts the bytes live in the process.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::{Mutex, mpsc};

use framealloc::{AllocConfig, SmartAlloc};

/// Counts the bytes live in the process.
struct LiveBytes;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards every call to `System` with the caller's arguments; the counter only
// observes the sizes.
unsafe impl GlobalAlloc for LiveBytes {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size().cast_signed(), Ordering::SeqCst);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size().cast_signed(), Ordering::SeqCst);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: LiveBytes = LiveBytes;

/// The tests measure the whole process: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Arena size: each leaked arena would keep at least this much.
const ARENA: usize = if cfg!(miri) { 64 << 10 } else { 1 << 20 };

/// How the thread leaves its arena.
#[derive(Clone, Copy, Debug)]
enum Exit {
    /// The guard drops normally (the control: the arena is idle at exit).
    Idle,
    /// A guard with data in it, forgotten.
    ForgottenGuard,
    /// A handle forgotten in an ended explicit frame.
    ForgottenHandle,
    /// A forgotten guard, the thread's clone dropped and the last one dropped by the main
    /// thread while the thread is still alive (the arena waits for its thread's exit).
    InstanceDroppedFirst,
}

/// One allocator, one thread that uses it and exits as `exit` says, then the last clone
/// dropped.
fn round(exit: Exit) {
    let alloc = SmartAlloc::new(AllocConfig {
        initial_frame_capacity: ARENA,
        ..Default::default()
    });
    let theirs = alloc.clone();
    let (dropped_tx, dropped_rx) = mpsc::channel::<()>();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        let alloc = theirs;
        match exit {
            Exit::Idle => {
                let frame = alloc.frame();
                assert_eq!(frame.alloc([1u8; 1000])[999], 1);
            }
            Exit::ForgottenGuard | Exit::InstanceDroppedFirst => {
                let frame = alloc.frame();
                assert_eq!(frame.alloc([2u8; 1000])[0], 2);
                std::mem::forget(frame);
            }
            Exit::ForgottenHandle => {
                alloc.begin_frame();
                std::mem::forget(alloc.frame_box([3u8; 1000]));
                alloc.end_frame();
            }
        }
        if let Exit::InstanceDroppedFirst = exit {
            drop(alloc);
            dropped_tx.send(()).unwrap();
            go_rx.recv().unwrap();
        }
    });
    if let Exit::InstanceDroppedFirst = exit {
        dropped_rx.recv().unwrap();
        drop(alloc); // the last clone, while the thread lives
        go_tx.send(()).unwrap();
        thread.join().unwrap();
    } else {
        thread.join().unwrap();
        drop(alloc); // the last clone, after the thread exited
    }
}

/// Bytes the process gained over `rounds` rounds (after one warm-up round).
fn growth(exit: Exit, rounds: usize) -> isize {
    round(exit);
    let before = LIVE.load(Ordering::SeqCst);
    for _ in 0..rounds {
        round(exit);
    }
    LIVE.load(Ordering::SeqCst) - before
}

fn check(exit: Exit) {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let rounds = if cfg!(miri) { 2 } else { 5 };
    let grown = growth(exit, rounds);
    // A leaked arena per round would be `rounds * ARENA` or more; thread bookkeeping of
    // the runtime is far below one arena.
    assert!(
        grown < ARENA.cast_signed(),
        "{exit:?}: {grown} bytes still live after {rounds} rounds of {ARENA}-byte arenas"
    );
}

#[test]
fn an_idle_arena_is_freed_at_thread_exit() {
    check(Exit::Idle);
}

#[test]
fn an_arena_with_a_forgotten_guard_is_freed_when_the_last_clone_drops() {
    check(Exit::ForgottenGuard);
}

#[test]
fn an_arena_with_a_forgotten_handle_is_freed_when_the_last_clone_drops() {
    check(Exit::ForgottenHandle);
}

#[test]
fn an_arena_whose_instance_dropped_first_is_freed_at_thread_exit() {
    check(Exit::InstanceDroppedFirst);
}
