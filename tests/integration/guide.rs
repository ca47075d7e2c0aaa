//! The snippets of the user guide (`getting-started.md`) about frames and threads, as
//! tests: "Your First Allocation", "Understanding Frame Allocation", "Basic Threading",
//! "Common Pitfalls" 3 and the frame part of the Quick Reference.

use framealloc::{AllocConfig, Error, SmartAlloc};
use framealloc_tests::Entity;

fn process_data(data: &[f32]) -> usize {
    data.len()
}

/// "Your First Allocation", with the endless loop bounded.
#[test]
fn your_first_allocation() {
    let alloc = SmartAlloc::new(Default::default());
    let mut first_addr = None;
    for _frame in 0..framealloc_tests::iterations(50, 4) {
        alloc.begin_frame();
        let mut scratch = alloc.frame_vec::<f32>();
        for i in 0..1000 {
            scratch.push(i as f32);
        }
        assert_eq!(process_data(&scratch), 1000);
        assert_eq!(scratch[999], 999.0);
        // The same memory every frame: nothing from the previous frame is alive.
        let addr = scratch.as_ptr();
        assert_eq!(*first_addr.get_or_insert(addr), addr);
        alloc.end_frame();
        // `scratch` drops here, after end_frame: the reset is deferred to this drop.
    }
    assert_eq!(alloc.live_frame_handles(), 0);
    assert!(!alloc.is_in_frame());
}

/// "Understanding Frame Allocation".
#[test]
fn understanding_frame_allocation() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();

    let buffer = alloc.frame_box([0u8; 1024]);
    let vector = alloc.frame_vec::<String>();
    let slice = alloc.frame_slice::<Entity>(100);

    assert_eq!(buffer.len(), 1024);
    assert!(buffer.iter().all(|&b| b == 0));
    assert!(vector.is_empty());
    assert_eq!(slice.len(), 100);
    assert!(slice.iter().all(|e| *e == Entity::default()));
    assert_eq!(alloc.live_frame_handles(), 3);

    alloc.end_frame(); // Everything is gone (once the handles drop)
    drop((buffer, vector, slice));
    assert_eq!(alloc.live_frame_handles(), 0);
    assert!(alloc.frame_resets() >= 1);
}

/// "Basic Threading": each thread gets its own frame allocator.
#[test]
fn basic_threading() {
    let alloc = SmartAlloc::new(Default::default());
    let alloc_clone = alloc.clone();

    let worker = std::thread::spawn(move || {
        alloc_clone.begin_frame();
        let mut local_data = alloc_clone.frame_vec::<u32>();
        local_data.extend(0..100);
        let sum: u32 = local_data.iter().sum();
        let addr = local_data.as_ptr() as usize;
        drop(local_data);
        alloc_clone.end_frame();
        (sum, addr)
    });

    alloc.begin_frame();
    let mut here = alloc.frame_vec::<u32>();
    here.extend(0..10);
    let (sum, worker_addr) = worker.join().unwrap();
    assert_eq!(sum, 4950);
    // The worker's frame did not disturb this thread's frame.
    assert_eq!(&*here, &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert_ne!(here.as_ptr() as usize, worker_addr);
    drop(here);
    alloc.end_frame();
}

/// "Common Pitfalls" 3: mismatched frames are caught, not silently accepted.
#[test]
fn pitfall_mismatched_frames() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    assert_eq!(alloc.try_begin_frame(), Err(Error::AlreadyInFrame));
    let second = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| alloc.begin_frame()));
    let message = *second.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("already open"), "{message}");
    assert!(message.contains("AlreadyInFrame"), "{message}");
    // The correct pairing still works afterwards.
    alloc.end_frame();
    alloc.begin_frame();
    alloc.end_frame();
}

/// The Quick Reference's frame lines.
#[test]
fn quick_reference_frames() {
    #[derive(Default, Debug, PartialEq)]
    struct T {
        v: u64,
    }
    let alloc = SmartAlloc::new(AllocConfig::default());
    alloc.begin_frame();
    let data = alloc.frame_alloc::<T>();
    let data = data.write(T { v: 7 });
    let mut vec = alloc.frame_vec::<T>();
    vec.push(T { v: 1 });
    let slice = alloc.frame_slice::<T>(3);
    assert_eq!(data.v, 7);
    assert_eq!(vec[0].v, 1);
    assert_eq!(&*slice, &[T::default(), T::default(), T::default()]);
    drop((data, vec, slice));
    alloc.end_frame();
}
