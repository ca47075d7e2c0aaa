//! `PoolArc`: a shared, reference-counted value in a pool block.

use core::alloc::Layout;
use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering, fence};

use super::raw;
use crate::counters::shard::KindSlot;
use crate::{Error, SmartAlloc};

struct Inner<T> {
    strong: AtomicUsize,
    /// `PoolWeak`s, plus one held by all the strong handles together (as in `Arc`):
    /// the block is freed when this reaches 0, the value dropped when `strong` does.
    weak: AtomicUsize,
    /// Where the value's bytes are accounted (see `PoolBox`).
    slot: NonNull<KindSlot>,
    value: T,
}

/// A thread-safe reference-counted `T` in pool memory, like `Arc<T>`.
///
/// Made by [`SmartAlloc::pool_arc`]. Cloning bumps the count; the value drops when the
/// last clone drops, on whatever thread, and its block goes back to the pool then — or,
/// if [`PoolWeak`]s are left, when the last of them drops (the block's bytes count as
/// live pool bytes until then). `Send + Sync` iff `T: Send + Sync`, as `Arc`.
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

/// Add a reference made from an existing one: Relaxed is enough (as in `Arc`), and the
/// abort keeps the count from ever wrapping.
fn increment(count: &AtomicUsize) {
    if count.fetch_add(1, Ordering::Relaxed) > MAX_REFCOUNT {
        std::process::abort();
    }
}

impl<T> PoolArc<T> {
    pub(crate) fn try_new(value: T, slot: NonNull<KindSlot>) -> Result<Self, Error> {
        let ptr = raw::allocate(Layout::new::<Inner<T>>())?.cast::<Inner<T>>();
        // SAFETY: fresh memory, valid and aligned for `Inner<T>`.
        unsafe {
            ptr.write(Inner {
                strong: AtomicUsize::new(1),
                weak: AtomicUsize::new(1),
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
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let a = alloc.pool_arc(1u32);
    /// let b = a.clone();
    /// assert_eq!(framealloc::PoolArc::strong_count(&a), 2);
    /// drop(b);
    /// ```
    pub fn strong_count(this: &Self) -> usize {
        this.inner().strong.load(Ordering::Acquire)
    }

    /// Number of [`PoolWeak`]s alive.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// use framealloc::PoolArc;
    /// let a = alloc.pool_arc(1u32);
    /// let w = PoolArc::downgrade(&a);
    /// assert_eq!(PoolArc::weak_count(&a), 1);
    /// drop(w);
    /// ```
    pub fn weak_count(this: &Self) -> usize {
        // The strong handles' shared weak reference is not a `PoolWeak`.
        this.inner().weak.load(Ordering::Acquire) - 1
    }

    /// Whether two handles share one value.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// use framealloc::PoolArc;
    /// let a = alloc.pool_arc(1u32);
    /// let (b, c) = (a.clone(), alloc.pool_arc(1u32));
    /// assert!(PoolArc::ptr_eq(&a, &b) && !PoolArc::ptr_eq(&a, &c));
    /// ```
    pub fn ptr_eq(this: &Self, other: &Self) -> bool {
        this.ptr == other.ptr
    }

    /// A weak handle to the value: it does not keep the value alive, only its block.
    ///
    /// ```
    /// use framealloc::{PoolArc, SmartAlloc};
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let parent = alloc.pool_arc(String::from("root"));
    /// let back_ref = PoolArc::downgrade(&parent);
    /// assert_eq!(back_ref.upgrade().as_deref().map(String::as_str), Some("root"));
    /// drop(parent);
    /// assert!(back_ref.upgrade().is_none()); // the value is gone
    /// ```
    pub fn downgrade(this: &Self) -> PoolWeak<T> {
        increment(&this.inner().weak);
        PoolWeak {
            ptr: this.ptr,
            _owns: PhantomData,
        }
    }
}

/// A weak reference to a [`PoolArc`]'s value, like `std::sync::Weak`: it does not keep
/// the value alive, and [`upgrade`](Self::upgrade) returns `None` once the value is
/// dropped. It keeps the pool block (and its accounting) until it drops itself.
/// `Send + Sync` iff `T: Send + Sync`.
pub struct PoolWeak<T> {
    ptr: NonNull<Inner<T>>,
    _owns: PhantomData<Inner<T>>,
}

// SAFETY: as `std::sync::Weak<T>`: upgrading on any thread yields a `PoolArc<T>`.
unsafe impl<T: Send + Sync> Send for PoolWeak<T> {}
// SAFETY: as `std::sync::Weak<T>`.
unsafe impl<T: Send + Sync> Sync for PoolWeak<T> {}

impl<T> PoolWeak<T> {
    /// The counts and the slot, reached without a reference covering `value`: the last
    /// strong handle may be dropping it on another thread (as `std::sync::Weak` does).
    fn strong(&self) -> &AtomicUsize {
        // SAFETY: the block stays allocated while any weak handle (such as `self`) exists;
        // the field is atomic.
        unsafe { &(*self.ptr.as_ptr()).strong }
    }

    fn weak(&self) -> &AtomicUsize {
        // SAFETY: as in `strong`.
        unsafe { &(*self.ptr.as_ptr()).weak }
    }

    fn slot(&self) -> NonNull<KindSlot> {
        // SAFETY: as in `strong`; written once before any handle existed.
        unsafe { (*self.ptr.as_ptr()).slot }
    }

    /// A strong handle, if the value is still alive.
    ///
    /// ```
    /// use framealloc::PoolArc;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let strong = alloc.pool_arc(5u32);
    /// let weak = PoolArc::downgrade(&strong);
    /// assert_eq!(weak.upgrade().map(|a| *a), Some(5));
    /// drop(strong);
    /// assert!(weak.upgrade().is_none()); // the value is gone
    /// ```
    pub fn upgrade(&self) -> Option<PoolArc<T>> {
        let strong = self.strong();
        let mut n = strong.load(Ordering::Relaxed);
        loop {
            if n == 0 {
                return None;
            }
            if n > MAX_REFCOUNT {
                std::process::abort();
            }
            // Acquire on success: the value's state written by the other clones is
            // visible to the new one (as `Weak::upgrade`).
            match strong.compare_exchange_weak(n, n + 1, Ordering::Acquire, Ordering::Relaxed) {
                Ok(_) => {
                    return Some(PoolArc {
                        ptr: self.ptr,
                        _owns: PhantomData,
                    });
                }
                Err(now) => n = now,
            }
        }
    }

    /// Number of strong handles alive (0 once the value is dropped).
    ///
    /// ```
    /// use framealloc::PoolArc;
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let strong = alloc.pool_arc("config");
    /// let weak = PoolArc::downgrade(&strong);
    /// let second = strong.clone();
    /// assert_eq!(weak.strong_count(), 2);
    /// drop((strong, second));
    /// assert_eq!(weak.strong_count(), 0);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.strong().load(Ordering::Acquire)
    }
}

impl<T> Clone for PoolWeak<T> {
    fn clone(&self) -> Self {
        increment(self.weak());
        PoolWeak {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl<T> Drop for PoolWeak<T> {
    fn drop(&mut self) {
        if self.weak().fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        // Pairs with the other handles' Release decrements (and the last strong
        // handle's, made after it dropped the value): nothing uses the block any more.
        fence(Ordering::Acquire);
        // SAFETY: the last reference of any kind: the value is dropped (`strong` reached
        // 0 before the strong handles' weak reference was released), the block came from
        // `raw::allocate` with `Layout::new::<Inner<T>>()` and its slot is alive (its
        // live bytes keep the shard alive).
        unsafe { raw::free_accounted(self.ptr, self.slot()) };
    }
}

impl<T> fmt::Debug for PoolWeak<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(PoolWeak)")
    }
}

impl<T> Clone for PoolArc<T> {
    fn clone(&self) -> Self {
        increment(&self.inner().strong);
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
        // Releases the strong handles' weak reference after the value is dropped — even
        // if `T::drop` panics — which frees and accounts the block unless `PoolWeak`s
        // are left.
        let _weak = PoolWeak {
            ptr: self.ptr,
            _owns: PhantomData,
        };
        // SAFETY: we were the last clone: nobody else can reach the value (weak handles
        // cannot upgrade once `strong` is 0).
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
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let config = alloc.pool_arc(vec![1, 2, 3]);
    /// let reader = config.clone();
    /// std::thread::spawn(move || assert_eq!(reader.len(), 3)).join().unwrap();
    /// assert_eq!(*config, [1, 2, 3]);
    /// ```
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
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let shared = alloc.try_pool_arc(7u32).unwrap();
    /// assert_eq!(*shared, 7);
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_pool_arc<T>(&self, value: T) -> Result<PoolArc<T>, Error> {
        let arc = PoolArc::try_new(value, self.pool_slot(size_of::<Inner<T>>(), true)?)?;
        #[cfg(feature = "debug")]
        self.record_pool_block(arc.ptr.cast(), size_of::<Inner<T>>());
        Ok(arc)
    }
}
