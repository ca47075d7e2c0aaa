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
    loop {
        let mut guard = lock();
        let list = field(&mut guard);
        if list.len() < list.capacity() {
            return guard;
        }
        let want = list.capacity().max(2) * 2;
        drop(guard);
        // Allocated with the lock released.
        let mut bigger = Vec::with_capacity(want);
        let mut guard = lock();
        let list = field(&mut guard);
        if list.capacity() < want {
            // `list.len() <= list.capacity() < want`: no reallocation while locked.
            bigger.append(list);
            core::mem::swap(list, &mut bigger);
        }
        drop(guard);
        // The smaller buffer (now in `bigger`, empty) is freed with the lock released.
        drop(bigger);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::lock_with_room;

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
}
