//! Layout-level pool allocation: size class, heap path for big or over-aligned
//! requests, nothing at all for zero-size ones.

use core::alloc::Layout;
use core::ptr::NonNull;

use allocator_api2::alloc::{Allocator, Global};

use super::size_class::class_of;
use super::thread_heap;
use crate::Error;
use crate::counters::shard::KindSlot;

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

/// [`deallocate`] of a block whose pointer comes from outside framealloc (an
/// `Allocator` caller such as an `allocator_api2` `Box`, whose `&mut` narrows the
/// pointer's provenance to the block): a pool block's free reads its page header,
/// outside that range, so the pointer is rebuilt from its address with the provenance
/// its page exposed when it was allocated ([`Page::allocate`](super::page::Page::allocate)).
///
/// # Safety
///
/// As [`deallocate`].
#[inline(always)]
pub(crate) unsafe fn deallocate_foreign(ptr: NonNull<u8>, layout: Layout) {
    let ptr = if class_of(layout.size(), layout.align()).is_some() {
        let whole_page = core::ptr::with_exposed_provenance_mut::<u8>(ptr.as_ptr().addr());
        // SAFETY: the address of a live pool block: not null.
        unsafe { NonNull::new_unchecked(whole_page) }
    } else {
        ptr
    };
    // SAFETY: forwarded; the pointer names the same block, with at least the access it
    // had.
    unsafe { deallocate(ptr, layout) }
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

/// Free the block of a pool handle's `T` (from [`allocate`] with `Layout::new::<T>()`)
/// and account its bytes to `slot` as freed. Generic over `T` so the layout (and with
/// it the size class) is a compile-time constant on the free path.
///
/// # Safety
///
/// `ptr` came from [`allocate`] with `Layout::new::<T>()`, its value is dropped (or
/// moved out) and nothing uses it anymore; `slot` is the live slot its bytes were
/// accounted to.
#[inline(always)]
pub(crate) unsafe fn free_accounted<T>(ptr: NonNull<T>, slot: NonNull<KindSlot>) {
    let layout = Layout::new::<T>();
    if cfg!(feature = "minimal") || cfg!(feature = "debug") {
        // `minimal`: nothing was accounted, and nothing keeps the slot's shard alive for
        // us, so the slot must not be touched. `debug`: forget and poison the block
        // (`deallocate` does both) — this debugging path may be slower.
        #[cfg(not(feature = "minimal"))]
        // SAFETY: the slot is live (caller's contract); accounting first, as below.
        unsafe {
            if layout.size() != 0 {
                slot.as_ref().on_free(layout.size() as u64);
            }
        };
        let _ = slot;
        // SAFETY: the caller's contract.
        unsafe { deallocate(ptr.cast(), layout) };
        return;
    }
    let bytes = layout.size() as u64;
    match class_of(layout.size(), layout.align()) {
        // SAFETY: a pool block from `alloc_block` (same class for the same layout); the
        // slot is live (caller's contract).
        Some(_) => unsafe { thread_heap::free_block_accounted(ptr.cast(), slot, bytes) },
        // Zero-size: no memory, and no accounting: only handles with live bytes keep a
        // dropped allocator's shard alive (`Shard::has_outstanding_pool_handles`), so a
        // zero-size box must not touch its slot.
        None if layout.size() == 0 => {}
        None => {
            // SAFETY: the slot is live (caller's contract); accounting first, so this is
            // the last access to it.
            unsafe { slot.as_ref() }.on_free(bytes);
            // SAFETY: allocated by `Global` with this layout.
            unsafe { Global.deallocate(ptr.cast(), layout) };
        }
    }
}

/// A pool block holding a `T` that is not accounted to any slot yet.
///
/// Pool boxes are made in this order — block, value, *then* the budget check — because
/// the value must be written before anything that is not inlined: with an out-of-line
/// call in between, LLVM keeps the value on the stack and copies it into the block after
/// the call (measured: 4.1 → 3.5 ns per pool allocation, shuffled 48 B pattern).
/// If the check refuses (or panics), dropping this drops the value and frees the block.
pub(crate) struct Unaccounted<T> {
    ptr: NonNull<T>,
}

impl<T> Unaccounted<T> {
    /// Allocate a block for `T` and move `value` into it.
    #[inline(always)]
    pub(crate) fn new(value: T) -> Result<Self, Error> {
        let ptr = allocate(Layout::new::<T>())?.cast::<T>();
        // SAFETY: fresh memory from `allocate`, valid and aligned for `T`.
        unsafe { ptr.write(value) };
        Ok(Unaccounted { ptr })
    }

    /// The block, for a handle that accounts it and frees it when dropped.
    #[inline(always)]
    pub(crate) fn into_raw(self) -> NonNull<T> {
        let ptr = self.ptr;
        core::mem::forget(self);
        ptr
    }
}

impl<T> Drop for Unaccounted<T> {
    fn drop(&mut self) {
        struct Free(NonNull<u8>, Layout);
        impl Drop for Free {
            fn drop(&mut self) {
                // SAFETY: the block of an `Unaccounted`, from `allocate` with this
                // layout; its value is dropped (or its drop panicked) and nothing
                // else refers to it.
                unsafe { deallocate(self.0, self.1) };
            }
        }
        // Frees the block even if `T::drop` panics.
        let _free = Free(self.ptr.cast(), Layout::new::<T>());
        // SAFETY: we own an initialised `T`, dropped exactly once.
        unsafe { self.ptr.drop_in_place() };
    }
}

/// Frees and accounts the block of a `T` when dropped ([`free_accounted`]): lets a
/// handle's `Drop` free its block even if the value's destructor panics.
pub(crate) struct FreeOnDrop<T> {
    pub(crate) ptr: NonNull<T>,
    pub(crate) slot: NonNull<KindSlot>,
}

impl<T> Drop for FreeOnDrop<T> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: made only by handle destructors for their own block (from `allocate`
        // with `Layout::new::<T>()`) and slot (alive while the handle is: shard rule),
        // whose value is being dropped and never used again.
        unsafe { free_accounted(self.ptr, self.slot) };
    }
}
