//! `PoolBox`: an owned value in a pool block.

use core::alloc::Layout;
use core::fmt;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

use super::raw;
use crate::counters::shard::KindSlot;
use crate::{Error, SmartAlloc};

/// An owned `T` in pool memory: like `Box<T>`, for small persistent objects.
///
/// Made by [`SmartAlloc::pool_box`]. Values up to 1 KiB with alignment up to 16 live in
/// per-thread size-class pages; larger or more-aligned types take the heap path, and
/// zero-size types need no memory. The handle is `'static`: it may outlive every
/// `SmartAlloc` clone, move to another thread and be dropped there — the block then goes
/// back to the thread that owns its page, without a lock. `T`'s destructor runs on drop.
///
/// `Send`/`Sync` exactly as `Box<T>`.
///
/// ```
/// use framealloc::SmartAlloc;
///
/// #[derive(Debug, PartialEq)]
/// struct Entity { id: u32, hp: f32 }
///
/// let alloc = SmartAlloc::new(Default::default());
/// let mut e = alloc.pool_box(Entity { id: 7, hp: 100.0 });
/// e.hp -= 25.0;
/// let handle = std::thread::spawn(move || e.hp); // freed on the other thread
/// assert_eq!(handle.join().unwrap(), 75.0);
/// ```
pub struct PoolBox<T> {
    ptr: NonNull<T>,
    /// Where this box's bytes are accounted (allocating thread's shard, tag, pool kind);
    /// the shard outlives every pool handle pointing into it.
    slot: NonNull<KindSlot>,
    _owns: PhantomData<T>,
}

// SAFETY: a `PoolBox<T>` owns its `T` like `Box<T>`; its block may be freed from any
// thread (remote frees are part of the pool's protocol).
unsafe impl<T: Send> Send for PoolBox<T> {}
// SAFETY: `&PoolBox<T>` only gives `&T`.
unsafe impl<T: Sync> Sync for PoolBox<T> {}

impl<T> PoolBox<T> {
    /// A box for the block in `block`, already accounted to `slot`.
    #[inline(always)]
    fn from_accounted(block: raw::Unaccounted<T>, slot: NonNull<KindSlot>) -> Self {
        PoolBox {
            ptr: block.into_raw(),
            slot,
            _owns: PhantomData,
        }
    }

    /// A box holding `value`, accounted to `slot` from whatever thread this is (a clone).
    fn try_new_unowned(value: T, slot: NonNull<KindSlot>) -> Result<Self, Error> {
        let ptr = raw::allocate(Layout::new::<T>())?.cast::<T>();
        // SAFETY: fresh memory, valid and aligned for `T`.
        unsafe { ptr.write(value) };
        if size_of::<T>() != 0 {
            // SAFETY: `slot` is the slot of a live pool box of a non-zero-size `T`: its
            // live bytes keep the shard alive (orphan rule). A zero-size box keeps
            // nothing alive, so its clone must not touch the slot (and has nothing to
            // account).
            unsafe { crate::counters::shard::account_alloc(slot, size_of::<T>() as u64) };
        }
        Ok(PoolBox {
            ptr,
            slot,
            _owns: PhantomData,
        })
    }

    /// Move the value out, freeing the block.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let b = alloc.pool_box(String::from("hp"));
    /// let s: String = framealloc::PoolBox::into_inner(b);
    /// assert_eq!(s, "hp");
    /// ```
    pub fn into_inner(this: Self) -> T {
        let this = ManuallyDrop::new(this);
        // SAFETY: we own an initialised `T`; read once, then its block is freed and the
        // box is never dropped. The slot is alive while the box is (shard rule).
        unsafe {
            let value = this.ptr.read();
            raw::free_accounted(this.ptr, this.slot);
            value
        }
    }
}

impl<T> Drop for PoolBox<T> {
    #[inline(always)]
    fn drop(&mut self) {
        // Frees and accounts the block even if `T::drop` panics. One guard, whose drop
        // is the last thing here: for a `T` without drop glue nothing can unwind before
        // it, so there is no landing pad and the whole drop is small enough to inline.
        let _free = raw::FreeOnDrop {
            ptr: self.ptr,
            slot: self.slot,
        };
        // SAFETY: we own an initialised `T`, dropped exactly once.
        unsafe { self.ptr.drop_in_place() };
    }
}

impl<T> Deref for PoolBox<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: we own an initialised `T` for our whole life.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T> DerefMut for PoolBox<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` is unique.
        unsafe { self.ptr.as_mut() }
    }
}

impl<T> AsRef<T> for PoolBox<T> {
    fn as_ref(&self) -> &T {
        self
    }
}

impl<T> AsMut<T> for PoolBox<T> {
    fn as_mut(&mut self) -> &mut T {
        self
    }
}

impl<T: Clone> Clone for PoolBox<T> {
    fn clone(&self) -> Self {
        let clone = PoolBox::try_new_unowned((**self).clone(), self.slot);
        clone.unwrap_or_else(|e| crate::fail(&e))
    }
}

impl<T: fmt::Debug> fmt::Debug for PoolBox<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display> fmt::Display for PoolBox<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: PartialEq> PartialEq for PoolBox<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Eq> Eq for PoolBox<T> {}

impl<T: core::hash::Hash> core::hash::Hash for PoolBox<T> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl SmartAlloc {
    /// Move `value` into pool memory (small persistent objects).
    ///
    /// # Panics
    ///
    /// When the system is out of memory.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// #[derive(Debug, Default)]
    /// struct Entity { id: u32, hp: f32 }
    /// let mut e = alloc.pool_box(Entity { id: 1, hp: 100.0 });
    /// e.hp -= 10.0;
    /// assert_eq!((e.id, e.hp), (1, 90.0));
    /// std::thread::spawn(move || drop(e)).join().unwrap(); // freed on any thread
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn pool_box<T>(&self, value: T) -> PoolBox<T> {
        let b = self
            .new_pool_box(value, false)
            .unwrap_or_else(|e| crate::fail(&e));
        #[cfg(feature = "debug")]
        self.record_pool_block(b.ptr.cast(), size_of::<T>());
        b
    }

    /// Block, value, then the accounting (see [`raw::Unaccounted`] for why in this
    /// order): the owner's hot path counts the allocation unless it crosses the slot's
    /// threshold (a new peak, or a tag with a budget), in which case
    /// [`pool_alloc_cold`](Self::pool_alloc_cold) checks the budget first; a refusal
    /// drops the value and frees the block, counting nothing.
    #[inline(always)]
    #[track_caller]
    fn new_pool_box<T>(&self, value: T, strict: bool) -> Result<PoolBox<T>, Error> {
        let block = raw::Unaccounted::new(value)?;
        let slot = self.pool_slot();
        // SAFETY: the calling thread's slot in its live arena's shard (cache invariant).
        if !unsafe { slot.as_ref() }.try_alloc_owner(size_of::<T>() as u64) {
            self.pool_alloc_cold(slot, size_of::<T>(), strict)?;
        }
        Ok(PoolBox::from_accounted(block, slot))
    }

    /// A pool allocation of `bytes` crossed its slot's threshold: check the tag's
    /// budget if it may have one, then count it (exact peak, new threshold).
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn pool_alloc_cold(
        &self,
        slot: NonNull<KindSlot>,
        bytes: usize,
        strict: bool,
    ) -> Result<(), Error> {
        // SAFETY: as in `new_pool_box`; the reference ends before the budget callback
        // could run (it is delivered after `check_tag_budget`'s state changes).
        let may_have_budget = unsafe { slot.as_ref() }.may_have_budget();
        if may_have_budget {
            // The cached slot is the current tag's, which `check_tag_budget` reads.
            self.arena()
                .check_tag_budget(crate::Kind::Pool, bytes as u64, strict)?;
        }
        // SAFETY: as above; the slot's shard is this thread's live arena's.
        unsafe { slot.as_ref() }.on_alloc_owner_cold(bytes as u64);
        Ok(())
    }

    /// `debug`: record a new pool block's site.
    #[cfg(feature = "debug")]
    #[track_caller]
    pub(crate) fn record_pool_block(&self, ptr: NonNull<u8>, bytes: usize) {
        crate::debug::record_block(
            self.id(),
            crate::Kind::Pool,
            crate::tag::current(),
            ptr.as_ptr() as usize,
            bytes as u64,
            core::panic::Location::caller(),
        );
    }

    /// Fallible [`pool_box`](Self::pool_box); on error `value` is dropped.
    ///
    /// # Errors
    ///
    /// [`Error::OutOfMemory`]; [`Error::BudgetExceeded`] if the current tag's budget
    /// cannot take `size_of::<T>()` more bytes under `BudgetPolicy::Enforce`.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let b = alloc.try_pool_box([1u8; 32]).unwrap();
    /// assert_eq!(b[31], 1);
    /// ```
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_pool_box<T>(&self, value: T) -> Result<PoolBox<T>, Error> {
        let b = self.new_pool_box(value, true)?;
        #[cfg(feature = "debug")]
        self.record_pool_block(b.ptr.cast(), size_of::<T>());
        Ok(b)
    }

    /// The pool slot of the calling thread's shard for the current tag.
    ///
    /// The hit path is the thread-local arena cache's entry: one id compare and the slot
    /// cached beside the arena (cleared on tag changes and when the arena is released).
    #[inline(always)]
    pub(crate) fn pool_slot(&self) -> NonNull<KindSlot> {
        match crate::frame::registry::cached_pool_slot(self.id()) {
            Some(slot) => slot,
            None => self.pool_slot_slow(),
        }
    }

    /// [`pool_slot`](Self::pool_slot) when the slot is not cached: look it up and cache
    /// it.
    #[cold]
    #[inline(never)]
    fn pool_slot_slow(&self) -> NonNull<KindSlot> {
        let arena = self.arena();
        let (slot, _) = arena.pool_slot(crate::tag::current());
        crate::frame::registry::cache_pool_slot(self.id(), slot);
        slot
    }

    /// The pool slot of the calling thread's shard for the current tag, after checking
    /// the tag's budget for `bytes` more (`strict`: a `try_` call): for pool handles
    /// that account through [`KindSlot::on_alloc_owner`] (`PoolArc`).
    #[track_caller]
    pub(crate) fn checked_pool_slot(
        &self,
        bytes: usize,
        strict: bool,
    ) -> Result<NonNull<KindSlot>, Error> {
        let arena = self.arena();
        let tag = crate::tag::current();
        let (slot, budgeted) = arena.pool_slot(tag);
        if budgeted {
            arena.check_tag_budget(crate::Kind::Pool, bytes as u64, strict)?;
        }
        Ok(slot)
    }
}
