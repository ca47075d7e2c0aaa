// The guide's "Common Pitfalls" 2, correct version: frame data crosses threads through
// a TransferHandle.
use std::sync::mpsc;
use framealloc::SmartAlloc;

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let (channel, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let v: Vec<u32> = rx.recv().unwrap();
        v.len()
    });
    alloc.begin_frame();
    let mut data = alloc.frame_vec::<u32>();
    data.push(1);
    let handle = alloc.frame_box_for_transfer(data);
    channel.send(handle.receive()).unwrap();
    alloc.end_frame();
    assert_eq!(worker.join().unwrap(), 1);
}
