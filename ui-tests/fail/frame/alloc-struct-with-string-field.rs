// No derive, no `Drop`, but a `String` field: the struct has a destructor all the same.
use framealloc::SmartAlloc;

struct Enemy {
    hp: u32,
    name: String,
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let names = frame.alloc_slice_fill_with(2, |i| Enemy { hp: i as u32, name: String::new() });
    assert_eq!(names[1].hp + names[0].name.len() as u32, 1);
}
