//! Layout-level pool allocation: size class, heap path for big or over-aligned
//! requests, nothing at all for zero-size ones.

use core::alloc::Layout;
use core::ptr::NonNull;

use allocator_api2::alloc::{Allocator, Global};

use super::size_class::class_of;
use super::thread_heap;
use crate::Error;

/// Allocate memory for `layout` from the pool (or the heap path / a dangling pointer).
#[inline(always)]
pub(crate) fn allocate(layout: Layout) -> Result<NonNull<u8>, Error> {
    match class_of(layout.size(), layout.align()) {
        Some(class) => thread_heap::alloc_block(class).ok_or(Error::OutOfMemory),
        None if layout.size() == 0 => Ok(dangling(layout)),
        None => Global
            .allocate(layout)
            .map(NonNull::cast)
            .map_err(|_| Error::OutOfMemory),
    }
}

/// Give back memory from [`allocate`].
///
/// # Safety
///
/// `ptr` came from [`allocate`] with this `layout` and nothing uses it anymore.
#[inline(always)]
pub(crate) unsafe fn deallocate(ptr: NonNull<u8>, layout: Layout) {
    #[cfg(feature = "debug")]
    if layout.size() != 0 {
        crate::debug::forget(crate::debug::Key::Block(ptr.as_ptr() as usize));
        // SAFETY: the caller gives the block back: nothing uses its bytes any more.
        unsafe { ptr.write_bytes(crate::debug::POOL_POISON, layout.size()) };
    }
    match class_of(layout.size(), layout.align()) {
        // SAFETY: a pool block from `alloc_block` (same class for the same layout).
        Some(_) => unsafe { thread_heap::free_block(ptr) },
        None if layout.size() == 0 => {}
        // SAFETY: allocated by `Global` with this layout.
        None => unsafe { Global.deallocate(ptr, layout) },
    }
}

fn dangling(layout: Layout) -> NonNull<u8> {
    // An address equal to the alignment is non-null and aligned; zero-size accesses
    // through it are valid.
    NonNull::without_provenance(
        core::num::NonZeroUsize::new(layout.align()).unwrap_or(core::num::NonZeroUsize::MIN),
    )
}

/// Frees the block of a `T` when dropped: lets a handle's `Drop` free its block even if
/// the value's destructor panics. Generic over `T` so the layout (and with it the size
/// class) is a compile-time constant on the free path.
pub(crate) struct FreeOnDrop<T>(pub(crate) NonNull<T>);

impl<T> Drop for FreeOnDrop<T> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: made only by handle destructors for their own block (from `allocate`
        // with `Layout::new::<T>()`), whose value is being dropped and never used again.
        unsafe { deallocate(self.0.cast(), Layout::new::<T>()) };
    }
}
