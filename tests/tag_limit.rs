//! Tags past the 4096 tracked ones (SPEC §7): accounted under "untagged", and said once.
//!
//! Its own test binary: the tag table is process-wide, and filling it would fold the tags
//! of every other test into "untagged". Not under `minimal` (no per-tag accounting).
#![cfg(not(feature = "minimal"))]

use std::sync::Mutex;

use framealloc::{Kind, SmartAlloc, UNTAGGED};

/// Every warning framealloc logs in this binary.
static LOGGED: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        LOGGED.lock().unwrap().push(record.args().to_string());
    }
    fn flush(&self) {}
}

#[test]
#[cfg_attr(
    miri,
    ignore = "interns 4100 tags: minutes under Miri, nothing Miri adds"
)]
fn tags_past_the_tracked_ones_fold_into_untagged_and_are_reported_once() {
    log::set_logger(&Capture).unwrap();
    log::set_max_level(log::LevelFilter::Warn);
    let alloc = SmartAlloc::new(Default::default());
    // "untagged" has id 0, so names 1..=4095 are tracked and the 4096th new name is not.
    let mut boxes = Vec::new();
    for i in 1..=4100 {
        boxes.push(alloc.with_tag(&format!("limit-{i}"), |a| a.pool_box([0u8; 16])));
    }
    let stats = alloc.stats();
    assert_eq!(
        stats.tag("limit-4095").unwrap().kind(Kind::Pool).live_bytes,
        16
    );
    assert!(
        stats.tag("limit-4096").is_none(),
        "past the limit: no row of its own"
    );
    assert_eq!(
        stats.tag(UNTAGGED).unwrap().kind(Kind::Pool).live_bytes,
        5 * 16,
        "limit-4096..=limit-4100 are accounted under untagged"
    );
    let logged = LOGGED.lock().unwrap();
    let warnings: Vec<_> = logged
        .iter()
        .filter(|m| m.contains("distinct tags"))
        .collect();
    assert_eq!(warnings.len(), 1, "{logged:?}");
    assert!(warnings[0].contains("\"limit-4096\""), "{}", warnings[0]);
}
