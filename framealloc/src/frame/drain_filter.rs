//! `FrameVec::drain_filter`: bumpalo's (and old `std`'s) `drain_filter`, with its
//! semantics: the iterator removes the elements the predicate selects, and dropping it
//! removes (and drops) the rest of them.

use allocator_api2::vec::Vec as ApiVec;

use super::arena::ArenaRef;
use super::vec::FrameVec;

impl<T> FrameVec<'_, T> {
    /// Remove the elements for which `filter` returns `true`, yielding them in order
    /// (bumpalo's `drain_filter`); the kept ones close up, in order. The predicate gets
    /// each element once, mutably, so it may also change the ones it keeps.
    ///
    /// As in bumpalo, dropping the iterator early still removes (and drops) every
    /// remaining element the predicate selects; unlike `Vec::extract_if` it does not
    /// stop where the iteration stopped. If the predicate panics while iterating, the
    /// element it was given is leaked (neither kept nor dropped; bumpalo does the same)
    /// and the vector keeps the elements kept so far and those not yet visited: the
    /// predicate is not called again while the panic unwinds (so a second panic cannot
    /// abort the process; bumpalo calls it on the rest). If it panics while the dropped
    /// iterator drains the rest, that element and the ones not yet visited are kept. If
    /// the iterator is leaked (`mem::forget`), the vector is left empty and its elements
    /// are leaked.
    ///
    /// ```
    /// use framealloc::{CollectIn, FrameVec};
    /// # let alloc = framealloc::SmartAlloc::new(Default::default());
    /// let frame = alloc.frame();
    /// let mut numbers = framealloc::frame_vec![in &frame; 1, 2, 3, 4, 5];
    /// let evens: FrameVec<'_, _> = numbers.drain_filter(|x| *x % 2 == 0).collect_in(&frame);
    /// assert_eq!(numbers, &[1, 3, 5]);
    /// assert_eq!(evens, &[2, 4]);
    ///
    /// drop(numbers.drain_filter(|x| *x > 1)); // removes 3 and 5 without iterating
    /// assert_eq!(numbers, [1]);
    /// ```
    pub fn drain_filter<F>(&mut self, filter: F) -> impl Iterator<Item = T>
    where
        F: FnMut(&mut T) -> bool,
    {
        let old_len = self.vec.len();
        // SAFETY: shrinking the length never exposes uninitialised elements. The
        // elements stay in the buffer, owned by the `DrainFilter`, which sets the length
        // back when it drops; if it is leaked they are leaked with it (never dropped
        // twice or read after a move).
        unsafe { self.vec.set_len(0) };
        DrainFilter {
            vec: &mut self.vec,
            pred: filter,
            idx: 0,
            write: 0,
            old_len,
            panicked: false,
        }
    }
}

/// The iterator of [`FrameVec::drain_filter`]. Invariants: `write <= idx <= old_len`;
/// the vector's length is 0 until it drops; elements `[0, write)` are the kept ones,
/// `[idx, old_len)` are not yet visited, and the slots in `[write, idx)` hold nothing
/// (moved out or moved down).
struct DrainFilter<'v, 'a, T, F: FnMut(&mut T) -> bool> {
    vec: &'v mut ApiVec<T, ArenaRef<'a>>,
    pred: F,
    /// The next element to visit.
    idx: usize,
    /// Where the next kept element goes.
    write: usize,
    /// The vector's length before the drain.
    old_len: usize,
    /// The predicate panicked in `next`: the drop only closes the gap.
    panicked: bool,
}

impl<T, F: FnMut(&mut T) -> bool> Iterator for DrainFilter<'_, '_, T, F> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let base = self.vec.as_mut_ptr();
        while self.idx < self.old_len {
            let i = self.idx;
            // Counted as visited before the predicate runs: if it panics, the element
            // is leaked (bumpalo's behaviour), never dropped twice.
            self.idx += 1;
            // SAFETY: `i < old_len` is within the buffer and not yet visited, so it holds
            // an initialised element that nothing else references.
            let current = unsafe { &mut *base.add(i) };
            // Cleared only if the predicate returns (see `panicked`).
            self.panicked = true;
            let drained = (self.pred)(current);
            self.panicked = false;
            if drained {
                // SAFETY: the element is initialised and moved out once: `idx` has passed
                // it and `write <= i`, so its slot is treated as empty from now on.
                return Some(unsafe { base.add(i).read() });
            }
            if i != self.write {
                // SAFETY: `write < i`, both within the buffer; the slot at `write` is
                // empty (invariant), so the kept element moves down without overlap.
                unsafe {
                    base.add(self.write)
                        .copy_from_nonoverlapping(base.add(i), 1);
                }
            }
            self.write += 1;
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.old_len - self.idx))
    }
}

impl<T, F: FnMut(&mut T) -> bool> Drop for DrainFilter<'_, '_, T, F> {
    fn drop(&mut self) {
        /// Closes the gap and sets the length, even if the predicate or an element's
        /// destructor panics below.
        struct Backshift<'r, 'a, T> {
            vec: &'r mut ApiVec<T, ArenaRef<'a>>,
            idx: usize,
            write: usize,
            old_len: usize,
        }

        impl<T> Drop for Backshift<'_, '_, T> {
            fn drop(&mut self) {
                let tail = self.old_len - self.idx;
                let base = self.vec.as_mut_ptr();
                if tail > 0 && self.write < self.idx {
                    // SAFETY: `[idx, old_len)` are the unvisited (initialised) elements;
                    // they move down to `write`, over empty slots (`ptr::copy` allows the
                    // ranges to overlap).
                    unsafe { core::ptr::copy(base.add(self.idx), base.add(self.write), tail) };
                }
                // SAFETY: `[0, write + tail)` now holds the kept and the unvisited
                // elements, all initialised.
                unsafe { self.vec.set_len(self.write + tail) };
            }
        }

        let DrainFilter {
            vec,
            pred,
            idx,
            write,
            old_len,
            panicked,
        } = self;
        let panicked = *panicked;
        let mut guard = Backshift {
            vec,
            idx: *idx,
            write: *write,
            old_len: *old_len,
        };
        let base = guard.vec.as_mut_ptr();
        while !panicked && guard.idx < guard.old_len {
            let i = guard.idx;
            // SAFETY: as in `next`: an unvisited, initialised element.
            let current = unsafe { &mut *base.add(i) };
            // A panic here leaves `i` unvisited: the guard keeps it.
            let drained = pred(current);
            guard.idx += 1;
            if drained {
                // SAFETY: initialised, visited now, dropped once; its slot is empty from
                // here on (`write <= i`).
                unsafe { core::ptr::drop_in_place(base.add(i)) };
            } else {
                if i != guard.write {
                    // SAFETY: as in `next`.
                    unsafe {
                        base.add(guard.write)
                            .copy_from_nonoverlapping(base.add(i), 1);
                    }
                }
                guard.write += 1;
            }
        }
    }
}
