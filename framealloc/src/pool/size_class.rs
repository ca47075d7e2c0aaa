//! Size classes: which page kind serves a request of a given size and alignment.

/// Block sizes of the pool's size classes, in bytes. All are multiples of 16, so every
/// block of every class is 16-byte aligned (pages are `PAGE_SIZE`-aligned and blocks
/// start at a 16-aligned offset).
pub(crate) const CLASS_SIZES: [u32; 20] = [
    16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896, 1024,
];

/// Number of size classes.
pub(crate) const CLASSES: usize = CLASS_SIZES.len();

/// Largest request the pool serves; larger ones go to the heap path.
pub(crate) const MAX_POOL_SIZE: usize = 1024;

/// Largest alignment the pool serves; more-aligned requests go to the heap path.
pub(crate) const MAX_POOL_ALIGN: usize = 16;

/// The class serving `size` bytes at `align`, or `None` for the heap path (too big, too
/// aligned) — and for zero-size requests, which need no memory at all.
#[inline]
pub(crate) const fn class_of(size: usize, align: usize) -> Option<usize> {
    if size == 0 || size > MAX_POOL_SIZE || align > MAX_POOL_ALIGN {
        return None;
    }
    if size <= 128 {
        return Some(size.div_ceil(16) - 1);
    }
    let mut class = 8;
    while (CLASS_SIZES[class] as usize) < size {
        class += 1;
    }
    Some(class)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_cover_every_size_tightly() {
        for size in 1..=MAX_POOL_SIZE {
            let class = class_of(size, 1).unwrap();
            let block = CLASS_SIZES[class] as usize;
            assert!(block >= size, "size {size} in class of {block}");
            if class > 0 {
                assert!(
                    (CLASS_SIZES[class - 1] as usize) < size,
                    "size {size} not tight"
                );
            }
        }
        assert!(CLASS_SIZES.iter().all(|s| s % 16 == 0));
    }

    #[test]
    fn heap_path_cases() {
        assert_eq!(class_of(0, 1), None);
        assert_eq!(class_of(MAX_POOL_SIZE + 1, 8), None);
        assert_eq!(class_of(64, 32), None);
        assert_eq!(class_of(48, 16), Some(2));
    }
}
