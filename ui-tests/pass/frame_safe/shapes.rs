// Every supported shape derives FrameSafe and can be allocated in a frame.
use core::marker::PhantomData;
use framealloc::{FrameSafe, SmartAlloc};

#[derive(FrameSafe, Clone, Copy, Debug, PartialEq)]
struct Named {
    pos: [f32; 3],
    alive: bool,
}

#[derive(FrameSafe, Clone, Copy, Debug, PartialEq)]
struct Tuple(u32, Option<char>);

#[derive(FrameSafe, Clone, Copy, Debug, PartialEq)]
struct Unit;

#[derive(FrameSafe, Clone, Copy, Debug, PartialEq)]
enum Event {
    Quit,
    Key(char),
    Move { dx: i32, dy: i32 },
}

#[derive(FrameSafe)]
enum Never {}

#[derive(FrameSafe, Debug, PartialEq)]
struct Generic<'a, T, const N: usize>
where
    T: Copy + 'a,
{
    items: [T; N],
    label: &'a str,
    marker: PhantomData<&'a T>,
}

#[derive(FrameSafe, Debug, PartialEq)]
struct Nested<'a> {
    inner: Generic<'a, Named, 2>,
    event: Event,
    tuple: (u8, Tuple, Unit),
}

#[derive(FrameSafe, Clone, Copy)]
struct Node<'a> {
    value: u32,
    next: Option<&'a Self>,
}

#[derive(FrameSafe)]
struct Unsized<T: ?Sized> {
    tail: PhantomData<T>,
}

fn is_frame_safe<T: FrameSafe + ?Sized>() {}

fn main() {
    is_frame_safe::<Never>();
    is_frame_safe::<Unsized<str>>();
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let named = frame.alloc(Named { pos: [1.0, 2.0, 3.0], alive: true });
    named.pos[0] = 4.0;
    assert_eq!(named.pos, [4.0, 2.0, 3.0]);
    assert_eq!(*frame.alloc(Tuple(7, Some('x'))), Tuple(7, Some('x')));
    assert_eq!(*frame.alloc(Unit), Unit);
    let event = frame.alloc(Event::Move { dx: 1, dy: -1 });
    assert_eq!(*event, Event::Move { dx: 1, dy: -1 });
    assert_ne!(Event::Quit, Event::Key('q'));
    let label = String::from("borrowed");
    let nested = frame.alloc(Nested {
        inner: Generic {
            items: [*named, Named { pos: [0.0; 3], alive: false }],
            label: &label,
            marker: PhantomData,
        },
        event: Event::Key('k'),
        tuple: (1, Tuple(2, None), Unit),
    });
    assert_eq!(nested.inner.items[0].pos[0], 4.0);
    assert_eq!(nested.inner.label, "borrowed");
    assert_eq!(nested.tuple.1, Tuple(2, None));
    let first = frame.alloc(Node { value: 1, next: None });
    let second = frame.alloc(Node { value: 2, next: Some(first) });
    assert_eq!(second.next.map(|n| n.value), Some(1));
}
