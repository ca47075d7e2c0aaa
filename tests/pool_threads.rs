//! Pool pages across thread lifetimes: abandonment, adoption, teardown, cross-thread
//! stress. Its own test binary because it reads process-wide pool state
//! (`abandoned_pool_pages`), so each test holds `SERIAL`.

use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};

use framealloc::{PoolBox, SmartAlloc};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn n(native: usize, miri: usize) -> usize {
    if cfg!(miri) { miri } else { native }
}

#[test]
fn thread_exit_with_live_boxes_abandons_then_frees_pages() {
    let _serial = serial();
    let alloc = SmartAlloc::new(Default::default());
    // A thread's first pool allocation sweeps unused abandoned pages left by earlier
    // tests, so the count below is a clean baseline.
    let a = alloc.clone();
    std::thread::spawn(move || drop(a.pool_box(1u8)))
        .join()
        .unwrap();
    let before = alloc.abandoned_pool_pages();
    // A thread makes boxes (a class no other test here uses: 272..=320 B) and exits.
    let count = n(600, 40);
    let a = alloc.clone();
    let boxes: Vec<PoolBox<[u8; 300]>> =
        std::thread::spawn(move || (0..count).map(|i| a.pool_box([i as u8; 300])).collect())
            .join()
            .unwrap();
    let abandoned = alloc.abandoned_pool_pages();
    assert!(
        abandoned > before,
        "live pages of an exited thread must be abandoned"
    );
    // Still readable after their thread died.
    for (i, b) in boxes.iter().enumerate() {
        assert_eq!(b[299], i as u8);
    }
    drop(boxes); // remote frees onto abandoned pages
    // The next thread that needs this class sweeps the now-unused pages away (or adopts
    // them), so they do not pile up.
    let a = alloc.clone();
    std::thread::spawn(move || {
        let again: Vec<PoolBox<[u8; 300]>> =
            (0..count).map(|i| a.pool_box([i as u8; 300])).collect();
        assert_eq!(again.len(), count);
    })
    .join()
    .unwrap();
    assert!(
        alloc.abandoned_pool_pages() <= before,
        "abandoned pages were neither adopted nor freed: {} > {before}",
        alloc.abandoned_pool_pages()
    );
}

#[test]
fn producer_consumer_cross_thread_frees() {
    let _serial = serial();
    let alloc = SmartAlloc::new(Default::default());
    let rounds = n(50, 3);
    let per_round = n(1000, 30);
    let (tx, rx) = mpsc::sync_channel::<Vec<PoolBox<[u64; 8]>>>(4);
    let a = alloc.clone();
    let producer = std::thread::spawn(move || {
        for r in 0..rounds {
            let batch: Vec<_> = (0..per_round)
                .map(|i| a.pool_box([(r * per_round + i) as u64; 8]))
                .collect();
            tx.send(batch).unwrap();
        }
    });
    let consumer = std::thread::spawn(move || {
        let mut seen = 0usize;
        while let Ok(batch) = rx.recv() {
            for b in batch {
                assert_eq!(b[0], b[7]);
                seen += 1;
            }
        }
        seen
    });
    producer.join().unwrap();
    assert_eq!(consumer.join().unwrap(), rounds * per_round);
}

#[test]
fn many_threads_free_each_others_blocks() {
    let _serial = serial();
    let alloc = SmartAlloc::new(Default::default());
    let threads = 4;
    let per_thread = n(2000, 40);
    let barrier = Arc::new(Barrier::new(threads));
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..threads)
        .map(|_| mpsc::channel::<Vec<PoolBox<(u32, u32)>>>())
        .unzip();
    let txs = Arc::new(txs);
    let handles: Vec<_> = rxs
        .into_iter()
        .enumerate()
        .map(|(t, rx)| {
            let a = alloc.clone();
            let txs = txs.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mine: Vec<_> = (0..per_thread)
                    .map(|i| a.pool_box((t as u32, i as u32)))
                    .collect();
                // Hand every box to the next thread, which frees it.
                txs[(t + 1) % threads].send(mine).unwrap();
                barrier.wait();
                let theirs = rx.recv().unwrap();
                let from = (t + threads - 1) % threads;
                for (i, b) in theirs.iter().enumerate() {
                    assert_eq!(**b, (from as u32, i as u32));
                }
                drop(theirs);
                // Allocate again: remote frees of our own blocks are taken back.
                let again: Vec<_> = (0..per_thread)
                    .map(|i| a.pool_box((t as u32, i as u32)))
                    .collect();
                again.len()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), per_thread);
    }
}

#[test]
fn pool_use_in_thread_local_destructors() {
    let _serial = serial();
    struct Late(Option<PoolBox<[u32; 4]>>);
    impl Drop for Late {
        fn drop(&mut self) {
            let b = self.0.take().unwrap();
            assert_eq!(*b, [4; 4]);
            drop(b);
            // A pool allocation after the pool heap may have been torn down.
            let alloc = SmartAlloc::new(Default::default());
            let late = alloc.pool_box([5u32; 4]);
            assert_eq!(*late, [5; 4]);
        }
    }
    thread_local! {
        static LATE: std::cell::RefCell<Option<Late>> = const { std::cell::RefCell::new(None) };
    }
    std::thread::spawn(|| {
        let alloc = SmartAlloc::new(Default::default());
        let b = alloc.pool_box([4u32; 4]);
        LATE.with(|l| *l.borrow_mut() = Some(Late(Some(b))));
    })
    .join()
    .unwrap();
}

/// Many pages, many threads: each thread keeps a working set of boxes of three sizes,
/// replaces a slice of it every round (freeing locally) and hands another slice to the
/// next thread, which checks and frees them (remote frees onto pages that are full,
/// current or being taken back). Every box carries its own id, so a block handed out
/// while still in use shows up as a wrong value. Stats come back to zero live bytes.
#[test]
fn working_sets_churn_across_threads() {
    /// Boxes of three size classes (8, 64 and 320 bytes).
    enum Item {
        Small(PoolBox<u64>),
        Medium(PoolBox<[u64; 8]>),
        Large(PoolBox<[u64; 40]>),
    }
    fn item(a: &SmartAlloc, id: u64) -> Item {
        match id % 3 {
            0 => Item::Small(a.pool_box(id)),
            1 => Item::Medium(a.pool_box([id; 8])),
            _ => Item::Large(a.pool_box([id; 40])),
        }
    }
    fn holds(item: &Item, id: u64) -> bool {
        match item {
            Item::Small(b) => **b == id,
            Item::Medium(b) => b.iter().all(|&x| x == id),
            Item::Large(b) => b.iter().all(|&x| x == id),
        }
    }
    let _serial = serial();
    let alloc = SmartAlloc::new(Default::default());
    let threads = 3;
    let rounds = n(40, 2);
    let working_set = n(20_000, 100);
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..threads)
        .map(|_| mpsc::channel::<Vec<(u64, Item)>>())
        .unzip();
    let handles: Vec<_> = rxs
        .into_iter()
        .enumerate()
        .map(|(t, rx)| {
            let a = alloc.clone();
            let next = txs[(t + 1) % threads].clone();
            std::thread::spawn(move || {
                let mut id = (t as u64) << 40;
                let mut fresh = || {
                    id += 1;
                    (id, item(&a, id))
                };
                let mut set: Vec<_> = (0..working_set).map(|_| fresh()).collect();
                for round in 0..rounds {
                    // Replace a slice locally, hand another to the next thread.
                    let start = (round * working_set / 7) % (working_set / 2);
                    for slot in &mut set[start..start + working_set / 4] {
                        *slot = fresh();
                    }
                    let handed: Vec<_> = set.drain(..working_set / 5).collect();
                    next.send(handed).unwrap();
                    set.extend((0..working_set / 5).map(|_| fresh()));
                    // Check and free what the previous thread handed over.
                    for (id, b) in rx.recv().unwrap() {
                        assert!(holds(&b, id), "a block was reused while in use");
                    }
                }
                for (id, b) in &set {
                    assert!(holds(b, *id), "a block was reused while in use");
                }
                set.len()
            })
        })
        .collect();
    drop(txs);
    for h in handles {
        assert_eq!(h.join().unwrap(), working_set);
    }
    // Every box of every thread is dropped by now (each worker's set went with it).
    assert_eq!(alloc.stats().total(framealloc::Kind::Pool).live_bytes, 0);
}
