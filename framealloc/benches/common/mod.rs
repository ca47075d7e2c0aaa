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

/// The criterion settings every bench target uses (short: the whole suite runs in a few
/// minutes; `scripts/bench-report` passes the same values on the command line).
pub(crate) fn criterion_config() -> criterion::Criterion {
    criterion::Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
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

/// The 48-byte object of the pool benches.
pub(crate) type Obj48 = [u8; 48];

/// A plain per-thread free list of 48-byte blocks carved from one 64 KiB buffer: no
/// ownership checks, no cross-thread frees, no stats. Not an allocator anyone should
/// ship — it is the floor for any free-list pool on the shuffled pattern, measured in
/// the same run as the real ones.
pub(crate) struct PlainFreeList {
    base: *mut u8,
    head: *mut u8,
    carved: usize,
}

const PLAIN_PAGE: usize = 64 * 1024;

impl PlainFreeList {
    pub(crate) fn new() -> Self {
        let layout = std::alloc::Layout::from_size_align(PLAIN_PAGE, PLAIN_PAGE).unwrap();
        // SAFETY: non-zero size.
        let base = unsafe { std::alloc::alloc(layout) };
        assert!(!base.is_null());
        PlainFreeList {
            base,
            head: std::ptr::null_mut(),
            carved: 0,
        }
    }

    /// A block for an `Obj48` (the buffer holds 1365 of them).
    #[inline(always)]
    pub(crate) fn alloc(&mut self) -> *mut Obj48 {
        let head = self.head;
        if !head.is_null() {
            // SAFETY: `head` is a freed block whose first word links to the next one.
            self.head = unsafe { head.cast::<*mut u8>().read_unaligned() };
            return head.cast();
        }
        assert!(
            self.carved + 48 <= PLAIN_PAGE,
            "bench uses at most 1365 blocks"
        );
        // SAFETY: in bounds (asserted).
        let block = unsafe { self.base.add(self.carved) };
        self.carved += 48;
        block.cast()
    }

    /// # Safety
    ///
    /// `block` came from `alloc` on this list and is not used any more.
    #[inline(always)]
    pub(crate) unsafe fn free(&mut self, block: *mut Obj48) {
        // SAFETY: the block is ours again; its first word becomes the link.
        unsafe { block.cast::<*mut u8>().write_unaligned(self.head) };
        self.head = block.cast();
    }
}

impl Drop for PlainFreeList {
    fn drop(&mut self) {
        let layout = std::alloc::Layout::from_size_align(PLAIN_PAGE, PLAIN_PAGE).unwrap();
        // SAFETY: allocated in `new` with this layout.
        unsafe { std::alloc::dealloc(self.base, layout) };
    }
}

/// The shuffled pattern's cost without any allocator: each round writes the value into
/// 1000 fixed blocks (at shuffled addresses) and stores their pointers, then reads the
/// pointers back in the shuffled free order. What is left of a pool's time after this is
/// the allocator's own.
pub(crate) struct NoAllocator {
    blocks: Vec<*mut Obj48>,
    _buffer: Vec<Obj48>,
}

impl NoAllocator {
    pub(crate) fn new(order: &[usize]) -> Self {
        let mut buffer = vec![[0u8; 48]; order.len()];
        let base = buffer.as_mut_ptr();
        // SAFETY: every index is in bounds.
        let blocks = order.iter().map(|&i| unsafe { base.add(i) }).collect();
        NoAllocator {
            blocks,
            _buffer: buffer,
        }
    }

    /// One round of the pattern.
    #[inline(always)]
    pub(crate) fn round(&self, slots: &mut [*mut Obj48], order: &[usize], value: Obj48) {
        for (slot, &block) in slots.iter_mut().zip(&self.blocks) {
            // SAFETY: a block of `_buffer`, alive as long as `self`.
            unsafe { block.write(value) };
            *slot = block;
        }
        for &i in order {
            std::hint::black_box(slots[i]);
        }
    }
}
