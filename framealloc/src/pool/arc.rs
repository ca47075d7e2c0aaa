//! `PoolArc`: a shared, reference-counted value in a pool block.

use core::alloc::Layout;
use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering, fence};

use super::raw;
use crate::stats::shard::KindSlot;
use crate::{Error, SmartAlloc};

struct Inner<T> {
    strong: AtomicUsize,
    /// Where the value's bytes are accounted (see `PoolBox`).
    slot: NonNull<KindSlot>,
    value: T,
}

/// A thread-safe reference-counted `T` in pool memory, like `Arc<T>`.
///
/// Made by [`SmartAlloc::pool_arc`]. Cloning bumps the count; the value drops and its
/// block goes back to the pool when the last clone drops, on whatever thread.
/// `Send + Sync` iff `T: Send + Sync`, as `Arc`.
///
/// ```
/// use framealloc::SmartAlloc;
///
/// #[derive(Default)]
/// struct SharedData { gravity: f32 }
///
/// let alloc = SmartAlloc::new(Default::default());
/// let handle = alloc.pool_arc(SharedData { gravity: -9.81 });
/// let other = handle.clone();
/// let g = std::thread::spawn(move || other.gravity).join().unwrap();
/// assert_eq!(g, handle.gravity);
/// assert_eq!(framealloc::PoolArc::strong_count(&handle), 1);
/// ```
pub struct PoolArc<T> {
    ptr: NonNull<Inner<T>>,
    _owns: PhantomData<Inner<T>>,
}

// SAFETY: as `Arc<T>`: clones on several threads share `&T` (needs `Sync`) and the last
// one drops `T` wherever it is (needs `Send`).
unsafe impl<T: Send + Sync> Send for PoolArc<T> {}
// SAFETY: as `Arc<T>`.
unsafe impl<T: Send + Sync> Sync for PoolArc<T> {}

/// Largest reference count before `clone` aborts (as `Arc` does), so the count can never
/// wrap to zero.
const MAX_REFCOUNT: usize = isize::MAX as usize;

impl<T> PoolArc<T> {
    pub(crate) fn try_new(value: T, slot: NonNull<KindSlot>) -> Result<Self, Error> {
        let ptr = raw::allocate(Layout::new::<Inner<T>>())?.cast::<Inner<T>>();
        // SAFETY: fresh memory, valid and aligned for `Inner<T>`.
        unsafe {
            ptr.write(Inner {
                strong: AtomicUsize::new(1),
                slot,
                value,
            });
        }
        // SAFETY: `slot` comes from the calling thread's own live shard.
        unsafe { slot.as_ref() }.on_alloc_owner(size_of::<Inner<T>>() as u64);
        Ok(PoolArc {
            ptr,
            _owns: PhantomData,
        })
    }

    fn inner(&self) -> &Inner<T> {
        // SAFETY: the block stays alive while any clone (such as `self`) exists.
        unsafe { self.ptr.as_ref() }
    }

    /// Number of clones alive.
    pub fn strong_count(this: &Self) -> usize {
        this.inner().strong.load(Ordering::Acquire)
    }

    /// Whether two handles share one value.
    pub fn ptr_eq(this: &Self, other: &Self) -> bool {
        this.ptr == other.ptr
    }
}

impl<T> Clone for PoolArc<T> {
    fn clone(&self) -> Self {
        // Relaxed is enough for an increment made from an existing reference (as in
        // `Arc`); the abort keeps the count from ever wrapping.
        let old = self.inner().strong.fetch_add(1, Ordering::Relaxed);
        if old > MAX_REFCOUNT {
            std::process::abort();
        }
        PoolArc {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl<T> Drop for PoolArc<T> {
    fn drop(&mut self) {
        if self.inner().strong.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        // Pairs with the other clones' Release decrements: their uses of `T` happen
        // before we drop it.
        fence(Ordering::Acquire);
        // Frees and accounts the block even if `T::drop` panics (see `PoolBox`).
        let _free = raw::FreeOnDrop {
            ptr: self.ptr,
            slot: self.inner().slot,
        };
        // SAFETY: we were the last clone: nobody else can reach the value.
        unsafe { (&raw mut (*self.ptr.as_ptr()).value).drop_in_place() };
    }
}

impl<T> Deref for PoolArc<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner().value
    }
}

impl<T> AsRef<T> for PoolArc<T> {
    fn as_ref(&self) -> &T {
        self
    }
}

impl<T: fmt::Debug> fmt::Debug for PoolArc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display> fmt::Display for PoolArc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl SmartAlloc {
    /// Move `value` into pool memory behind a reference count (shared persistent
    /// objects).
    ///
    /// # Panics
    ///
    /// When the system is out of memory.
    #[track_caller]
    pub fn pool_arc<T>(&self, value: T) -> PoolArc<T> {
        let arc = self
            .pool_slot(size_of::<Inner<T>>(), false)
            .and_then(|slot| PoolArc::try_new(value, slot))
            .unwrap_or_else(|e| crate::fail(&e));
        #[cfg(feature = "debug")]
        self.record_pool_block(arc.ptr.cast(), size_of::<Inner<T>>());
        arc
    }

    /// Fallible [`pool_arc`](Self::pool_arc); on error `value` is dropped.
    ///
    /// # Errors
    ///
    /// [`Error::OutOfMemory`]; [`Error::BudgetExceeded`] as for
    /// [`try_pool_box`](Self::try_pool_box).
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_pool_arc<T>(&self, value: T) -> Result<PoolArc<T>, Error> {
        let arc = PoolArc::try_new(value, self.pool_slot(size_of::<Inner<T>>(), true)?)?;
        #[cfg(feature = "debug")]
        self.record_pool_block(arc.ptr.cast(), size_of::<Inner<T>>());
        Ok(arc)
    }
}
