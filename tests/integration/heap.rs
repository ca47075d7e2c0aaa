//! Heap: `HeapBox`, `HeapVec`, `HeapAllocator`.

use framealloc::{Error, HeapBox, SmartAlloc};

#[derive(Debug, Clone, PartialEq)]
struct TextureData {
    width: u32,
    pixels: Vec<u8>,
}

impl TextureData {
    fn load(name: &str) -> Self {
        TextureData {
            width: name.len() as u32,
            pixels: vec![0xFF; 64 * 64],
        }
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Vertex {
    pos: [f32; 3],
}

#[test]
fn guide_heap_allocation() {
    let alloc = SmartAlloc::new(Default::default());
    let vertex_count = 1000;
    let texture = alloc.heap_box(TextureData::load("image.png"));
    // The guide's `heap_vec::<Vertex>(vertex_count)`, spelled with an explicit capacity.
    let mut mesh = alloc.heap_vec_with_capacity::<Vertex>(vertex_count);
    assert!(mesh.capacity() >= vertex_count);
    mesh.extend((0..vertex_count).map(|i| Vertex {
        pos: [i as f32, 0.0, 0.0],
    }));
    assert_eq!(texture.width, 9);
    assert_eq!(texture.pixels.len(), 4096);
    assert_eq!(mesh[999].pos[0], 999.0);
    let mut empty = alloc.heap_vec::<Vertex>();
    assert_eq!(empty.capacity(), 0);
    empty.push(Vertex::default());
    assert_eq!(empty.len(), 1);
    // Freed on another thread.
    std::thread::spawn(move || drop((texture, mesh)))
        .join()
        .unwrap();
}

#[test]
fn capacity_overflow_is_an_error() {
    let alloc = SmartAlloc::new(Default::default());
    assert_eq!(
        alloc.try_heap_vec_with_capacity::<u64>(usize::MAX).err(),
        Some(Error::CapacityOverflow)
    );
    let r = std::panic::catch_unwind(|| alloc.heap_vec_with_capacity::<u64>(usize::MAX));
    let message = *r.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("CapacityOverflow"), "{message}");
}

#[test]
fn heap_box_moves_and_aligns() {
    #[repr(align(4096))]
    struct Aligned(u8);
    let alloc = SmartAlloc::new(Default::default());
    let b = alloc.heap_box(Aligned(3));
    assert_eq!(&raw const *b as usize % 4096, 0);
    assert_eq!(b.0, 3);
    let s = HeapBox::into_inner(alloc.heap_box(String::from("out")));
    assert_eq!(s, "out");
    let zst = alloc.heap_box(());
    assert_eq!(*zst, ());
    drop(alloc);
    assert_eq!(b.0, 3, "heap boxes outlive the allocator");
}
