//! Growing a `Vec` that lives behind a `Mutex` without allocating while the lock is held.
//!
//! The global allocator may be user code that calls framealloc (a `#[global_allocator]`
//! built on it). If framealloc allocated while holding one of its locks, such a call
//! could come back on the same thread and wait for that lock forever. So the bookkeeping
//! lists that are pushed to on first use of an allocator on a thread (its arenas, its
//! accounting shards) grow their buffer with the lock released, and free the old buffer
//! after it is released again.

use std::sync::MutexGuard;

/// Lock with `lock` until the `Vec` that `field` picks out has room for one more element
/// without reallocating, and return the guard.
pub(crate) fn lock_with_room<'m, G, T>(
    lock: impl Fn() -> MutexGuard<'m, G>,
    field: impl Fn(&mut G) -> &mut Vec<T>,
) -> MutexGuard<'m, G> {
    lock_with_room_in(lock, |guard, _| field(guard), &[1])
}

/// Lock with `lock` until each of several `Vec`s has room for its share of new elements
/// without reallocating, and return the guard: `field(guard, i)` picks out the `i`-th,
/// which needs room for `needs[i]` more. Buffers are grown (and old ones freed) with the
/// lock released; a list grown by another thread meanwhile is simply looked at again.
pub(crate) fn lock_with_room_in<'m, G, T>(
    lock: impl Fn() -> MutexGuard<'m, G>,
    field: impl Fn(&mut G, usize) -> &mut Vec<T>,
    needs: &[usize],
) -> MutexGuard<'m, G> {
    'look: loop {
        let mut guard = lock();
        for (i, &need) in needs.iter().enumerate() {
            let list = field(&mut guard, i);
            if list.capacity() - list.len() >= need {
                continue;
            }
            let want = (list.len() + need).max(list.capacity().max(2) * 2);
            drop(guard);
            // Allocated with the lock released.
            let mut bigger = Vec::with_capacity(want);
            let mut guard = lock();
            let list = field(&mut guard, i);
            if list.capacity() < want {
                // `list.len() <= list.capacity() < want`: no reallocation while locked.
                bigger.append(list);
                core::mem::swap(list, &mut bigger);
            }
            drop(guard);
            // The smaller buffer (now in `bigger`, empty) is freed with the lock released.
            drop(bigger);
            continue 'look;
        }
        return guard;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::{lock_with_room, lock_with_room_in};

    #[test]
    fn room_for_one_more_keeps_the_elements() {
        let m = Mutex::new(Vec::new());
        for i in 0..100u32 {
            let mut guard = lock_with_room(|| m.lock().unwrap(), |v| v);
            assert!(guard.len() < guard.capacity());
            let cap = guard.capacity();
            guard.push(i);
            assert_eq!(guard.capacity(), cap, "the push did not reallocate");
        }
        assert!(m.lock().unwrap().iter().copied().eq(0..100));
    }

    #[test]
    fn room_in_several_lists_at_once() {
        let m = Mutex::new([Vec::new(), vec![1u32], Vec::new()]);
        for round in 0..20u32 {
            let needs = [round as usize % 3, 5, 1];
            let mut guard = lock_with_room_in(|| m.lock().unwrap(), |l, i| &mut l[i], &needs);
            let caps: Vec<usize> = guard.iter().map(Vec::capacity).collect();
            for (list, &need) in guard.iter_mut().zip(&needs) {
                for k in 0..need {
                    list.push(round * 10 + k as u32);
                }
            }
            let after: Vec<usize> = guard.iter().map(Vec::capacity).collect();
            assert_eq!(caps, after, "no push reallocated");
        }
        let lists = m.lock().unwrap();
        assert_eq!(lists[1].len(), 1 + 20 * 5);
        assert_eq!(lists[1][0], 1, "the elements are kept");
        assert_eq!(lists[2].len(), 20);
    }
}
