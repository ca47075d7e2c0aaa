// #[frame_scope] on methods: an `alloc: &SmartAlloc` parameter, a field (`self.alloc`,
// owned or borrowed), and the `NAME = EXPR` form.
use framealloc::{SmartAlloc, frame_scope};

struct Owned {
    alloc: SmartAlloc,
}

struct Borrowed<'a> {
    alloc: &'a SmartAlloc,
}

impl Owned {
    #[frame_scope]
    fn with_param(&self, alloc: &SmartAlloc) -> usize {
        let mut v = alloc.frame_vec::<u8>();
        v.push(1);
        v.len()
    }

    #[frame_scope(self.alloc)]
    fn with_field(&self) -> bool {
        // The frame is open on `self.alloc` for the whole body; explicit calls run inside it.
        let mut v = self.alloc.frame_vec::<u8>();
        v.push(2);
        self.alloc.is_in_frame() && v[0] == 2
    }

    #[frame_scope(frame = self.alloc)]
    fn named(&self) -> u32 {
        let x = frame.alloc(20u32);
        *x += 1;
        *x * 2
    }
}

impl Borrowed<'_> {
    #[frame_scope(self.alloc)]
    fn with_field(&self) -> bool {
        self.alloc.is_in_frame()
    }

    #[frame_scope(frame = self.alloc)]
    fn named(&mut self) -> usize {
        let mut v = frame.frame_vec::<String>();
        v.push("x".repeat(3));
        v[0].len()
    }
}

fn main() {
    let owned = Owned { alloc: SmartAlloc::new(Default::default()) };
    let other = SmartAlloc::new(Default::default());
    assert_eq!(owned.with_param(&other), 1);
    assert!(owned.with_field());
    assert_eq!(owned.named(), 42);
    assert!(!owned.alloc.is_in_frame());
    let mut borrowed = Borrowed { alloc: &other };
    assert!(borrowed.with_field());
    assert_eq!(borrowed.named(), 3);
    assert!(!other.is_in_frame());
}
