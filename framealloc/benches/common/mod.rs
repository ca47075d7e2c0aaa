//! Helpers shared by the bench targets (each target uses a subset).
#![allow(dead_code)]

use std::time::{Duration, Instant};

/// A fixed pseudo-random permutation of `0..n` (xorshift Fisher–Yates): the free order of
/// the shuffled pool pattern, the same in every run and every bench.
pub(crate) fn shuffled(n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for i in (1..n).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        order.swap(i, (x % (i as u64 + 1)) as usize);
    }
    order
}

/// Time `iters` runs of `batch` (for criterion's `iter_custom`).
pub(crate) fn time_batches(iters: u64, mut batch: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        batch();
    }
    start.elapsed()
}

/// The probe mode of a callgrind bench binary: its first argument that is not a flag
/// (`cargo bench` passes `--bench`), or `"none"` (the baseline run).
pub(crate) fn probe_mode() -> String {
    std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_else(|| "none".to_owned())
}
