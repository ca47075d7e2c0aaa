//! Frames across threads: per-thread arenas, thread exit, instance drop.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, LazyLock, mpsc};

use framealloc::{FrameBox, SmartAlloc};

#[test]
fn each_thread_has_its_own_frame() {
    let alloc = SmartAlloc::new(Default::default());
    let threads = 4;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let alloc = alloc.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                assert!(!alloc.is_in_frame());
                for frame in 0..framealloc_tests::iterations(100, 3) {
                    alloc.begin_frame();
                    let mut v = alloc.frame_vec::<usize>();
                    v.extend((0..64).map(|i| i + t * 1000 + frame));
                    barrier.wait(); // all threads are mid-frame at once
                    assert!(v.iter().copied().eq((0..64).map(|i| i + t * 1000 + frame)));
                    drop(v);
                    alloc.end_frame();
                }
                alloc.frame_number()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(
            h.join().unwrap(),
            framealloc_tests::iterations(100, 3) as u64
        );
    }
    // The main thread never opened a frame.
    assert_eq!(alloc.frame_number(), 0);
}

#[test]
fn exited_threads_release_their_arenas() {
    let alloc = SmartAlloc::new(Default::default());
    for _ in 0..framealloc_tests::iterations(16, 3) {
        let a = alloc.clone();
        std::thread::spawn(move || {
            a.frame_scope(|f| {
                f.alloc([1u8; 256]);
            });
            assert_eq!(a.frame_arena_threads(), 1);
        })
        .join()
        .unwrap();
        assert_eq!(
            alloc.frame_arena_threads(),
            0,
            "arena of an exited thread kept"
        );
    }
    alloc.begin_frame();
    assert_eq!(alloc.frame_arena_threads(), 1);
    alloc.end_frame();
}

#[test]
fn last_clone_dropped_on_another_thread_frees_every_arena() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let b = alloc.frame_box(7u32);
    assert_eq!(*b, 7);
    drop(b);
    alloc.end_frame();
    let (tx, rx) = mpsc::channel::<SmartAlloc>();
    let t = std::thread::spawn(move || {
        let a = rx.recv().unwrap();
        assert_eq!(a.frame_arena_threads(), 1);
        drop(a); // the last clone; frees the main thread's arena
    });
    tx.send(alloc).unwrap();
    t.join().unwrap();
    // A new instance on this thread works (and does not see the old arena).
    let fresh = SmartAlloc::new(Default::default());
    assert!(!fresh.is_in_frame());
    fresh.begin_frame();
    assert_eq!(*fresh.frame_box(1u8), 1);
    fresh.end_frame();
}

static GLOBAL: LazyLock<SmartAlloc> = LazyLock::new(SmartAlloc::default);
static TEARDOWN_RAN: AtomicBool = AtomicBool::new(false);

struct HoldsFrameData(Option<FrameBox<'static, [u64; 8]>>);

impl Drop for HoldsFrameData {
    fn drop(&mut self) {
        if let Some(b) = self.0.take() {
            // Runs during thread teardown, possibly after framealloc's own cleanup.
            assert_eq!(*b, [42; 8]);
            drop(b);
            // Allocating during teardown must work too.
            GLOBAL.frame_scope(|f| assert_eq!(*f.alloc(5u8), 5));
            TEARDOWN_RAN.store(true, Ordering::SeqCst);
        }
    }
}

thread_local! {
    static TEARDOWN: std::cell::RefCell<HoldsFrameData> =
        const { std::cell::RefCell::new(HoldsFrameData(None)) };
}

#[test]
fn frame_handles_in_thread_local_destructors() {
    std::thread::spawn(|| {
        GLOBAL.begin_frame();
        let b = GLOBAL.frame_box([42u64; 8]);
        GLOBAL.end_frame(); // deferred: `b` lives on in a thread-local
        TEARDOWN.with(|t| t.borrow_mut().0 = Some(b));
    })
    .join()
    .unwrap();
    assert!(
        TEARDOWN_RAN.load(Ordering::SeqCst),
        "teardown destructor did not finish"
    );
}
