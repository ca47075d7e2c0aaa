//! `PoolAllocator`: pool memory for `allocator_api2` collections.

use core::alloc::Layout;
use core::ptr::NonNull;

use allocator_api2::alloc::{AllocError, Allocator};

use super::raw;
use crate::counters::shard::{KindSlot, POOL, SlotHandle};
use crate::{Kind, SmartAlloc};

/// An [`Allocator`] over the pool: blocks up to 1 KiB (alignment up to 16) come from the
/// calling thread's size-class pages, larger ones from the heap path. Blocks may be
/// freed on any thread. Made by [`SmartAlloc::pool_allocator`].
///
/// ```
/// use allocator_api2::vec::Vec;
///
/// let alloc = framealloc::SmartAlloc::new(Default::default());
/// let mut v = Vec::new_in(alloc.pool_allocator());
/// v.extend([1u8, 2, 3]);
/// assert_eq!(v, [1, 2, 3]);
/// ```
///
/// Its allocations are accounted to the tag that was current when it was made, on the
/// allocator that made it.
#[derive(Clone)]
pub struct PoolAllocator {
    slot: SlotHandle,
    /// `debug`: where the allocator was made, recorded for each block it allocates.
    #[cfg(feature = "debug")]
    site: &'static core::panic::Location<'static>,
}

impl core::fmt::Debug for PoolAllocator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PoolAllocator").finish_non_exhaustive()
    }
}

impl PoolAllocator {
    fn slot(&self) -> &KindSlot {
        self.slot.get()
    }
}

// SAFETY: `raw::allocate` returns blocks valid for `layout` until passed to
// `raw::deallocate` with the same layout, from any thread, which is what `Allocator`
// requires; clones share the same pool, so any clone may free a block.
unsafe impl Allocator for PoolAllocator {
    #[inline]
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        self.slot.check_budget(Kind::Pool, layout.size() as u64);
        let ptr = raw::allocate(layout).map_err(|_| AllocError)?;
        self.slot().on_alloc(layout.size() as u64);
        #[cfg(feature = "debug")]
        crate::debug::record_block(
            self.slot.instance(),
            Kind::Pool,
            self.slot.tag(),
            ptr.as_ptr() as usize,
            layout.size() as u64,
            self.site,
        );
        Ok(NonNull::slice_from_raw_parts(ptr, layout.size()))
    }

    #[inline]
    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        self.slot().on_free(layout.size() as u64);
        // SAFETY: the caller passes a block from `allocate` with its layout.
        unsafe { raw::deallocate_foreign(ptr, layout) }
    }
}

impl SmartAlloc {
    /// An [`Allocator`] over pool memory, for `allocator_api2` / `hashbrown` collections.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let mut v = framealloc::allocator_api2::vec::Vec::new_in(alloc.pool_allocator());
    /// v.extend([1u16, 2, 3]);
    /// assert_eq!(v.len(), 3);
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn pool_allocator(&self) -> PoolAllocator {
        PoolAllocator {
            slot: SlotHandle::new(&self.arena().shard, crate::tag::current(), POOL),
            #[cfg(feature = "debug")]
            site: core::panic::Location::caller(),
        }
    }
}
