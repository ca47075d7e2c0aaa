// Only Send payloads can be wrapped for transfer: the handle exists to cross threads.
use std::rc::Rc;
use framealloc::SmartAlloc;

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let mut v = alloc.frame_vec::<Rc<u32>>();
    v.push(Rc::new(1));
    let handle = alloc.frame_box_for_transfer(v);
    std::thread::spawn(move || handle.receive().len());
    alloc.end_frame();
}
