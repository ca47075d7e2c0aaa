//! The `debug` feature: poisoning, allocation sites, stale-handle and live reports.
#![cfg(feature = "debug")]

use core::alloc::Layout;
use std::sync::{Mutex, Once};

use allocator_api2::alloc::Allocator;
use framealloc::{FRAME_POISON, Kind, POOL_POISON, SmartAlloc};

/// Captures `log` warnings (tests run in parallel: each filters by its own tag names).
struct Capture;

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }
    fn log(&self, record: &log::Record<'_>) {
        LINES.lock().unwrap().push(record.args().to_string());
    }
    fn flush(&self) {}
}

fn capture() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        log::set_logger(&Capture).unwrap();
        log::set_max_level(log::LevelFilter::Warn);
    });
}

fn logged(needle: &str) -> Vec<String> {
    LINES
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains(needle))
        .cloned()
        .collect()
}

#[test]
fn frame_memory_is_poisoned_on_reset() {
    let alloc = SmartAlloc::new(Default::default());
    let first = alloc.frame_scope(|f| {
        let p = f.alloc([0xAAu8; 64]);
        p.as_ptr() as usize
    });
    alloc.begin_frame();
    let room = alloc.frame_alloc::<[u8; 64]>();
    assert_eq!(
        room.as_ptr() as usize,
        first,
        "the reset arena hands out the same room"
    );
    // SAFETY: the bytes were written (with poison) by the reset.
    let bytes = unsafe { room.assume_init_ref() };
    assert!(bytes.iter().all(|&b| b == FRAME_POISON), "{bytes:?}");
    drop(room);
    alloc.end_frame();
}

#[test]
fn pool_blocks_are_poisoned_on_free() {
    let alloc = SmartAlloc::new(Default::default());
    let b = alloc.pool_box([0xAAu8; 48]);
    let addr = b.as_ptr() as usize;
    drop(b);
    let pool = alloc.pool_allocator();
    let layout = Layout::new::<[u8; 48]>();
    let block = pool.allocate(layout).unwrap().cast::<u8>();
    assert_eq!(
        block.as_ptr() as usize,
        addr,
        "the freed block comes back first"
    );
    // SAFETY: 48 bytes of a live block, poisoned whole when it was freed (on its owner's
    // thread a free writes no link into the block).
    let bytes = unsafe { core::slice::from_raw_parts(block.as_ptr(), 48) };
    assert!(bytes.iter().all(|&b| b == POOL_POISON), "{bytes:?}");
    // SAFETY: allocated above with this layout.
    unsafe { pool.deallocate(block, layout) };
}

#[test]
fn live_report_names_the_allocation_sites() {
    let alloc = SmartAlloc::new(Default::default());
    let _tag = alloc.tag("report-sites");
    let pool_line = line!() + 1;
    let boxes: Vec<_> = (0..3u64).map(|i| alloc.pool_box([i; 8])).collect();
    let (mut v, heap_line) = (alloc.heap_vec::<u64>(), line!());
    v.extend(0..100); // grows (moves) several times: still one live block
    let report = alloc.live_report();
    let pool = report
        .entries
        .iter()
        .find(|e| e.tag == "report-sites" && e.kind == Kind::Pool)
        .expect("pool entry");
    assert_eq!(pool.live_bytes, 3 * 64);
    assert_eq!(pool.sites.len(), 1);
    assert_eq!(
        (pool.sites[0].file, pool.sites[0].line),
        (file!(), pool_line)
    );
    assert_eq!((pool.sites[0].count, pool.sites[0].bytes), (3, 192));
    let heap = report
        .entries
        .iter()
        .find(|e| e.tag == "report-sites" && e.kind == Kind::Heap)
        .expect("heap entry");
    assert_eq!(heap.sites.len(), 1);
    assert_eq!(heap.sites[0].line, heap_line);
    assert_eq!(heap.sites[0].count, 1);
    assert_eq!(heap.sites[0].bytes, v.capacity() as u64 * 8);
    assert!(
        report
            .to_string()
            .contains(&format!("{}:{pool_line}:", file!()))
    );
    drop((boxes, v));
    assert!(alloc.live_report().is_empty());
}

#[test]
fn stale_frame_handles_are_reported_when_the_next_frame_begins() {
    capture();
    let alloc = SmartAlloc::new(Default::default());
    let _tag = alloc.tag("stale-probe");
    alloc.begin_frame();
    let (kept, line) = (alloc.frame_vec::<u32>(), line!());
    alloc.end_frame();
    assert!(
        logged("stale-probe").is_empty(),
        "ending a frame is not the report point"
    );
    alloc.begin_frame();
    let reports = logged("stale-probe");
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].contains("frame 2 began with 1 explicit frame handle"));
    assert!(
        reports[0].contains(&format!("{}:{line}:", file!())),
        "{}",
        reports[0]
    );
    drop(kept);
    alloc.end_frame();
    // The guide's loop: a handle dropped right after `end_frame` is normal.
    alloc.begin_frame();
    let scratch = alloc.frame_vec::<u32>();
    alloc.end_frame();
    drop(scratch);
    alloc.begin_frame();
    alloc.end_frame();
    assert_eq!(logged("stale-probe").len(), 1);
}

#[test]
fn dropping_the_last_clone_logs_live_handles() {
    capture();
    let alloc = SmartAlloc::new(Default::default());
    let _tag = alloc.tag("outlives-probe");
    let line = line!() + 1;
    let survivor = alloc.pool_box(7u64);
    let clone = alloc.clone();
    drop(alloc);
    assert!(
        logged("outlives-probe").is_empty(),
        "a clone is still alive"
    );
    drop(clone);
    let reports = logged("outlives-probe");
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].contains("last SmartAlloc clone dropped"));
    assert!(reports[0].contains(&format!("{}:{line}:", file!())));
    assert_eq!(*survivor, 7, "the handle stays valid");
}
