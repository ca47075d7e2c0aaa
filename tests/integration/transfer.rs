//! `TransferHandle`: frame data leaving its thread (guide "Common Pitfalls" 2).

use std::sync::{Arc, mpsc};

use framealloc::{SmartAlloc, TransferHandle};

#[test]
fn frame_vec_crosses_a_channel_as_a_vec() {
    let alloc = SmartAlloc::new(Default::default());
    let (channel, rx) = mpsc::channel::<TransferHandle<Vec<u32>>>();
    let worker = std::thread::spawn(move || {
        let data = rx.recv().unwrap().receive();
        (data.len(), data.iter().sum::<u32>())
    });

    alloc.begin_frame();
    let mut data = alloc.frame_vec::<u32>();
    data.extend(0..1000);
    // ✅ CORRECT - use TransferHandle
    let handle = alloc.frame_box_for_transfer(data);
    channel.send(handle).unwrap();
    alloc.end_frame();
    assert_eq!(alloc.live_frame_handles(), 0, "the FrameVec was consumed");

    assert_eq!(worker.join().unwrap(), (1000, 499_500));
}

#[test]
fn frame_box_and_frame_slice_and_plain_values() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let b = alloc.frame_box(String::from("payload"));
    let h1: TransferHandle<String> = alloc.frame_box_for_transfer(b);
    let mut s = alloc.frame_slice::<u16>(4);
    s.copy_from_slice(&[1, 2, 3, 4]);
    let h2: TransferHandle<Vec<u16>> = alloc.frame_box_for_transfer(s);
    let h3 = alloc.frame_box_for_transfer([9u8; 3]);
    assert_eq!(alloc.live_frame_handles(), 0);
    alloc.end_frame();
    // The frame's memory is reused now; the payloads live elsewhere.
    alloc.begin_frame();
    let overwrite = alloc.frame_slice::<u64>(64);
    assert_eq!(overwrite.len(), 64);
    let (a, b, c) = std::thread::spawn(move || (h1.receive(), h2.receive(), h3.receive()))
        .join()
        .unwrap();
    assert_eq!(
        (a.as_str(), b.as_slice(), c),
        ("payload", &[1u16, 2, 3, 4][..], [9u8; 3])
    );
    drop(overwrite);
    alloc.end_frame();
}

#[test]
fn unreceived_handles_drop_their_payload() {
    let alloc = SmartAlloc::new(Default::default());
    let marker = Arc::new(());
    alloc.begin_frame();
    let mut v = alloc.frame_vec::<Arc<()>>();
    v.push(marker.clone());
    v.push(marker.clone());
    let handle = alloc.frame_box_for_transfer(v);
    assert_eq!(Arc::strong_count(&marker), 3);
    assert_eq!(handle.get().len(), 2);
    drop(handle);
    assert_eq!(Arc::strong_count(&marker), 1);
    alloc.end_frame();
}
