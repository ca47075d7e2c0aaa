//! Heap memory: large persistent objects on the global allocator.

use core::alloc::Layout;
use core::ptr::NonNull;

use allocator_api2::alloc::{AllocError, Allocator, Global};

use crate::counters::shard::{HEAP, KindSlot, SlotHandle};
use crate::{Error, Kind, SmartAlloc};

/// A `Box` on framealloc's heap: the program's global allocator, through
/// [`HeapAllocator`]. The full `allocator_api2` `Box` API is available (`Deref`,
/// `DerefMut`, `into_inner`, …); `Send`/`Sync` exactly as `Box<T>`.
///
/// The handle is `'static`: it may outlive every `SmartAlloc` clone and be dropped on
/// any thread.
///
/// ```
/// use framealloc::{HeapBox, SmartAlloc};
///
/// let alloc = SmartAlloc::new(Default::default());
/// let mut level: HeapBox<[u16; 4096]> = alloc.heap_box([0; 4096]);
/// level[7] = 3;
/// let level = std::thread::spawn(move || level).join().unwrap(); // Send, like Box
/// assert_eq!(level.iter().map(|&t| u32::from(t)).sum::<u32>(), 3);
/// ```
pub type HeapBox<T> = allocator_api2::boxed::Box<T, HeapAllocator>;

/// A growable `Vec` on framealloc's heap, through [`HeapAllocator`]: the full
/// `allocator_api2` `Vec` API; `Send`/`Sync` exactly as `Vec<T>`.
///
/// ```
/// use framealloc::{HeapVec, SmartAlloc};
///
/// let alloc = SmartAlloc::new(Default::default());
/// let mut vertices: HeapVec<[f32; 3]> = alloc.heap_vec_with_capacity(3);
/// vertices.extend([[0.0; 3], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]);
/// vertices.retain(|v| v[1] == 0.0);
/// assert_eq!(vertices.len(), 2);
/// ```
pub type HeapVec<T> = allocator_api2::vec::Vec<T, HeapAllocator>;

/// The allocator behind [`HeapBox`] and [`HeapVec`]: the program's global allocator
/// (the system allocator unless the program sets a `#[global_allocator]`).
///
/// Usable with any `allocator_api2` collection (`hashbrown::HashMap::new_in`, …); see
/// [`SmartAlloc::heap_allocator`].
///
/// Every allocation is accounted (heap kind) to the tag that was current when the
/// allocator was made, on the `SmartAlloc` that made it. A `HeapBox` carries one.
#[derive(Clone)]
pub struct HeapAllocator {
    slot: SlotHandle,
    /// `debug`: where the allocator was made (the `heap_box`/`heap_vec` call), recorded
    /// for each block it allocates.
    #[cfg(feature = "debug")]
    site: &'static core::panic::Location<'static>,
}

impl core::fmt::Debug for HeapAllocator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HeapAllocator").finish_non_exhaustive()
    }
}

impl HeapAllocator {
    fn slot(&self) -> &KindSlot {
        self.slot.get()
    }

    /// Account a new `block` for `layout` (and, with `debug`, record its site).
    fn allocated(&self, block: NonNull<[u8]>, layout: Layout) {
        self.slot().on_alloc(layout.size() as u64);
        #[cfg(feature = "debug")]
        crate::debug::record_block(
            self.slot.instance(),
            Kind::Heap,
            self.slot.tag(),
            block.cast::<u8>().as_ptr() as usize,
            layout.size() as u64,
            self.site,
        );
        #[cfg(not(feature = "debug"))]
        let _ = block;
    }

    /// Check the budget for growing a block from `old` to `new`.
    fn before_grow(&self, old: Layout, new: Layout) {
        let extra = new.size().saturating_sub(old.size());
        self.slot.check_budget(Kind::Heap, extra as u64);
    }

    /// Account a block resized from `old` at `ptr` to `new` at `block` (and, with
    /// `debug`, move its record).
    fn resized(&self, ptr: NonNull<u8>, block: NonNull<[u8]>, old: Layout, new: Layout) {
        self.slot().on_resize(old.size() as u64, new.size() as u64);
        #[cfg(feature = "debug")]
        crate::debug::moved(
            ptr.as_ptr() as usize,
            block.cast::<u8>().as_ptr() as usize,
            new.size() as u64,
        );
        #[cfg(not(feature = "debug"))]
        let _ = (ptr, block);
    }
}

// SAFETY: every call forwards to `allocator_api2::alloc::Global`, which upholds the
// `Allocator` contract; the accounting around it touches no memory it hands out.
unsafe impl Allocator for HeapAllocator {
    #[inline]
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        self.slot.check_budget(Kind::Heap, layout.size() as u64);
        let block = Global.allocate(layout)?;
        self.allocated(block, layout);
        Ok(block)
    }

    #[inline]
    fn allocate_zeroed(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        self.slot.check_budget(Kind::Heap, layout.size() as u64);
        let block = Global.allocate_zeroed(layout)?;
        self.allocated(block, layout);
        Ok(block)
    }

    #[inline]
    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        self.slot().on_free(layout.size() as u64);
        #[cfg(feature = "debug")]
        crate::debug::forget(crate::debug::Key::Block(ptr.as_ptr() as usize));
        // SAFETY: forwarded with the caller's guarantees (the block came from `Global`).
        unsafe { Global.deallocate(ptr, layout) }
    }

    #[inline]
    unsafe fn grow(
        &self,
        ptr: NonNull<u8>,
        old_layout: Layout,
        new_layout: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        self.before_grow(old_layout, new_layout);
        // SAFETY: forwarded with the caller's guarantees.
        let block = unsafe { Global.grow(ptr, old_layout, new_layout) }?;
        self.resized(ptr, block, old_layout, new_layout);
        Ok(block)
    }

    #[inline]
    unsafe fn grow_zeroed(
        &self,
        ptr: NonNull<u8>,
        old_layout: Layout,
        new_layout: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        self.before_grow(old_layout, new_layout);
        // SAFETY: forwarded with the caller's guarantees.
        let block = unsafe { Global.grow_zeroed(ptr, old_layout, new_layout) }?;
        self.resized(ptr, block, old_layout, new_layout);
        Ok(block)
    }

    #[inline]
    unsafe fn shrink(
        &self,
        ptr: NonNull<u8>,
        old_layout: Layout,
        new_layout: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded with the caller's guarantees.
        let block = unsafe { Global.shrink(ptr, old_layout, new_layout) }?;
        self.resized(ptr, block, old_layout, new_layout);
        Ok(block)
    }
}

impl SmartAlloc {
    /// The allocator behind heap boxes and vectors, for `allocator_api2` collections.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let mut v = framealloc::allocator_api2::vec::Vec::new_in(alloc.heap_allocator());
    /// v.push(1u8);
    /// assert_eq!(v.len(), 1);
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn heap_allocator(&self) -> HeapAllocator {
        HeapAllocator {
            slot: SlotHandle::new(&self.arena().shard, crate::tag::current(), HEAP),
            #[cfg(feature = "debug")]
            site: core::panic::Location::caller(),
        }
    }

    /// Move `value` to the heap.
    ///
    /// # Panics
    ///
    /// When the global allocator fails (as `Box::new` does).
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let texture = alloc.heap_box([0u8; 4096]);
    /// drop(alloc); // handles outlive the allocator
    /// assert_eq!(texture.len(), 4096);
    /// ```
    #[track_caller]
    pub fn heap_box<T>(&self, value: T) -> HeapBox<T> {
        self.new_heap_box(value, false)
            .unwrap_or_else(|e| crate::fail(&e))
    }

    /// Fallible [`heap_box`](Self::heap_box); on error `value` is dropped.
    ///
    /// # Errors
    ///
    /// [`Error::OutOfMemory`] when the global allocator fails; [`Error::BudgetExceeded`]
    /// if the current tag's budget cannot take `size_of::<T>()` more bytes under
    /// `BudgetPolicy::Enforce`.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let b = alloc.try_heap_box(5u64).unwrap();
    /// assert_eq!(*b, 5);
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_heap_box<T>(&self, value: T) -> Result<HeapBox<T>, Error> {
        self.new_heap_box(value, true)
    }

    /// A heap box after the budget check (`strict`: a `try_` call, refused with an error;
    /// plain calls follow `on_misuse`).
    #[cfg_attr(feature = "debug", track_caller)]
    fn new_heap_box<T>(&self, value: T, strict: bool) -> Result<HeapBox<T>, Error> {
        self.check_heap_budget(size_of::<T>(), strict)?;
        HeapBox::try_new_in(value, self.heap_allocator()).map_err(|_| Error::OutOfMemory)
    }

    /// Check the current tag's budget for `bytes` more heap bytes (collection growth
    /// checks again, in the allocator, without an error channel).
    #[track_caller]
    fn check_heap_budget(&self, bytes: usize, strict: bool) -> Result<(), Error> {
        let arena = self.arena();
        if arena.tag_budget_applies(crate::tag::current()) {
            arena.check_tag_budget(Kind::Heap, bytes as u64, strict)?;
        }
        Ok(())
    }

    /// An empty heap vector (allocates nothing until it grows).
    ///
    /// It takes no capacity: for `heap_vec::<Vertex>(n)` (rustc answers "remove the extra
    /// argument", which would drop the capacity) write
    /// [`heap_vec_with_capacity::<Vertex>(n)`](Self::heap_vec_with_capacity). Rust has no
    /// overloading, so the two shapes are two methods.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// let mut v = alloc.heap_vec::<u32>();
    /// v.push(1);
    /// assert_eq!(v.len(), 1);
    /// let with_room = alloc.heap_vec_with_capacity::<u32>(1000); // not heap_vec(1000)
    /// assert!(with_room.capacity() >= 1000);
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn heap_vec<T>(&self) -> HeapVec<T> {
        HeapVec::new_in(self.heap_allocator())
    }

    /// A heap vector with room for `capacity` elements.
    ///
    /// (The guide's `heap_vec::<Vertex>(vertex_count)` is spelled this way: Rust has no
    /// overloading, so `heap_vec` takes no argument.)
    ///
    /// # Panics
    ///
    /// On capacity overflow or when the global allocator fails.
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// #[derive(Clone, Copy)]
    /// struct Vertex { pos: [f32; 3] }
    /// let mut mesh = alloc.heap_vec_with_capacity::<Vertex>(3); // the guide's heap_vec::<Vertex>(n)
    /// mesh.push(Vertex { pos: [0.0; 3] });
    /// assert!(mesh.capacity() >= 3);
    /// assert_eq!(mesh[0].pos, [0.0; 3]);
    /// ```
    #[track_caller]
    #[doc(alias = "heap_vec(n)", alias = "with_capacity", alias = "reserve")]
    pub fn heap_vec_with_capacity<T>(&self, capacity: usize) -> HeapVec<T> {
        self.new_heap_vec(capacity, false)
            .unwrap_or_else(|e| crate::fail(&e))
    }

    /// Fallible [`heap_vec_with_capacity`](Self::heap_vec_with_capacity).
    ///
    /// # Errors
    ///
    /// [`Error::CapacityOverflow`] if `capacity * size_of::<T>()` exceeds `isize::MAX`;
    /// [`Error::OutOfMemory`] when the global allocator fails; [`Error::BudgetExceeded`]
    /// as for [`try_heap_box`](Self::try_heap_box).
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// assert!(alloc.try_heap_vec_with_capacity::<u64>(usize::MAX).is_err());
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_heap_vec_with_capacity<T>(&self, capacity: usize) -> Result<HeapVec<T>, Error> {
        self.new_heap_vec(capacity, true)
    }

    /// A heap vector with room for `capacity` elements, after the budget check
    /// (`strict` as in `new_heap_box`).
    #[cfg_attr(feature = "debug", track_caller)]
    fn new_heap_vec<T>(&self, capacity: usize, strict: bool) -> Result<HeapVec<T>, Error> {
        let bytes = Layout::array::<T>(capacity).map_err(|_| Error::CapacityOverflow)?;
        self.check_heap_budget(bytes.size(), strict)?;
        let mut vec = self.heap_vec();
        vec.try_reserve_exact(capacity)
            .map_err(|e| Error::from_reserve(&e))?;
        Ok(vec)
    }
}
