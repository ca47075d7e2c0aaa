//! bumpalo's own test suite (3.20, `tests/all/`), ported to framealloc the way a bumpalo
//! user would port it: `Bump::new()` becomes a `SmartAlloc` and `let frame =
//! alloc.frame();`, `bumpalo::collections::{Vec, String}` become `FrameVec` /
//! `FrameString`, `vec![in &b; ..]` / `format!(in &b, ..)` become `frame_vec!` /
//! `frame_format!`, and `bump.reset()` ends the frame. Each test keeps bumpalo's
//! assertions; a test that cannot apply says why in one line. bumpalo's `mutatis`
//! checks are proptest properties with few cases.
//!
//! Files: `vec.rs`, `string.rs`, `collect_in.rs`, `alloc_fill.rs`, `alloc_with.rs`,
//! `alloc_try_with.rs`, `try_alloc_with.rs`, `try_alloc_try_with.rs`, `tests.rs` and
//! `quickchecks.rs` (the parts about values, slices, layouts and collections).

use std::alloc::Layout;
use std::cell::{Cell, RefCell};
use std::fmt::Write as _;
use std::mem::{self, ManuallyDrop};
use std::ops::Deref;
use std::panic::{AssertUnwindSafe, catch_unwind};

use framealloc::{
    AllocOrInitError, CollectIn, FrameString, FrameVec, SmartAlloc, frame_format, frame_vec,
};
use proptest::prelude::*;

fn new_alloc() -> SmartAlloc {
    SmartAlloc::new(Default::default())
}

/// `n`, or a smaller count under Miri (the loops check the same thing at any length;
/// Miri runs every allocation ~1000x slower).
const fn under_miri(n: usize, miri: usize) -> usize {
    if cfg!(miri) { miri } else { n }
}

/// bumpalo's `Vec<Vec<usize>>` inputs (`any`: up to 100 vectors of up to 100), shorter
/// under Miri.
fn nested_usize_vecs() -> impl Strategy<Value = Vec<Vec<usize>>> {
    let len = 0..under_miri(100, 6);
    proptest::collection::vec(proptest::collection::vec(any::<usize>(), len.clone()), len)
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: if cfg!(miri) { 2 } else { cases },
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ===== vec.rs =====

const MAX_VEC_OPS: usize = 64;
const MAX_VEC_SLICE_LEN: usize = 16;
const MAX_VEC_LEN: usize = 48;

#[derive(Clone, Debug)]
enum VecOp {
    Push(u8),
    Pop,
    Extend(Vec<u8>),
    Resize { len: u8, fill: u8 },
    Truncate(u8),
    ShrinkToFit,
}

fn vec_op() -> impl Strategy<Value = VecOp> {
    prop_oneof![
        any::<u8>().prop_map(VecOp::Push),
        Just(VecOp::Pop),
        proptest::collection::vec(any::<u8>(), 0..24).prop_map(VecOp::Extend),
        (any::<u8>(), any::<u8>()).prop_map(|(len, fill)| VecOp::Resize { len, fill }),
        any::<u8>().prop_map(VecOp::Truncate),
        Just(VecOp::ShrinkToFit),
    ]
}

fn apply_vec_op(actual: &mut FrameVec<'_, u8>, expected: &mut Vec<u8>, op: &VecOp) {
    match op {
        VecOp::Push(value) => {
            actual.push(*value);
            expected.push(*value);
        }
        VecOp::Pop => {
            assert_eq!(actual.pop(), expected.pop());
        }
        VecOp::Extend(values) => {
            let values = &values[..values.len().min(MAX_VEC_SLICE_LEN)];
            actual.extend_from_slice_copy(values);
            expected.extend_from_slice(values);
        }
        VecOp::Resize { len, fill } => {
            let len = usize::from(*len) % MAX_VEC_LEN;
            actual.resize(len, *fill);
            expected.resize(len, *fill);
        }
        VecOp::Truncate(len) => {
            let len = usize::from(*len) % MAX_VEC_LEN;
            actual.truncate(len);
            expected.truncate(len);
        }
        VecOp::ShrinkToFit => {
            actual.shrink_to_fit();
            expected.shrink_to_fit();
        }
    }

    assert_eq!(actual.as_slice(), expected.as_slice());
    assert!(actual.capacity() >= actual.len());
}

#[test]
fn push_a_bunch_of_items() {
    let alloc = new_alloc();
    let frame = alloc.frame();
    let mut v = FrameVec::new_in(&frame);
    let n = under_miri(10_000, 300);
    for x in 0..n {
        v.push(x);
    }
    // bumpalo's test only pushes; the contents are checked here too.
    assert_eq!(v.len(), n);
    assert!(v.iter().copied().eq(0..n));
}

#[test]
fn trailing_comma_in_vec_macro() {
    let alloc = new_alloc();
    let frame = alloc.frame();
    let v = frame_vec![in &frame; 1, 2, 3,];
    assert_eq!(v, [1, 2, 3]);
}

#[test]
fn recursive_vecs() {
    // Self-referencing data in frame memory must not trip dropck. `frame.alloc` takes
    // only values without destructors (SPEC §4.5) and a `FrameVec` has one, so the
    // nodes are wrapped in `ManuallyDrop` (abandoned, as bumpalo abandons them).
    let alloc = new_alloc();
    let b = alloc.frame();

    struct Node<'a> {
        myself: Cell<Option<&'a Node<'a>>>,
        edges: Cell<FrameVec<'a, &'a Node<'a>>>,
    }

    let node1: &Node<'_> = b.alloc(ManuallyDrop::new(Node {
        myself: Cell::new(None),
        edges: Cell::new(FrameVec::new_in(&b)),
    }));
    let node2: &Node<'_> = b.alloc(ManuallyDrop::new(Node {
        myself: Cell::new(None),
        edges: Cell::new(FrameVec::new_in(&b)),
    }));

    node1.myself.set(Some(node1));
    node1.edges.set(frame_vec![in &b; node1, node1, node2]);

    node2.myself.set(Some(node2));
    node2.edges.set(frame_vec![in &b; node1, node2]);

    let edges = node1.edges.replace(FrameVec::new_in(&b));
    assert_eq!(edges.len(), 3);
    assert!(std::ptr::eq(edges[2], node2));
    assert!(std::ptr::eq(node2.myself.get().unwrap(), node2));
}

#[test]
fn test_into_bump_slice_mut() {
    let alloc = new_alloc();
    let b = alloc.frame();
    let v = frame_vec![in &b; 1, 2, 3];
    let slice = v.into_slice();

    slice[0] = 3;
    slice[2] = 1;

    assert_eq!(slice, [3, 2, 1]);
}

proptest! {
    #![proptest_config(config(16))]

    #[test]
    fn vec_resizes_causing_reallocs(sizes in proptest::collection::vec(any::<usize>(), 0..16)) {
        // Exercise `realloc` by doing a bunch of `resize`s followed by `shrink_to_fit`s.
        let alloc = new_alloc();
        let b = alloc.frame();
        let mut v = frame_vec![in &b];

        for len in sizes.iter().copied() {
            // Under Miri the cap is much lower; it still exceeds the first chunk.
            const MAX_SIZE: usize = if cfg!(miri) { 1 << 11 } else { 1 << 15 };
            const MIN_SIZE: usize = 1 << 7;

            let len = len.clamp(MIN_SIZE, MAX_SIZE);

            v.resize(len, 0u8);
            v.shrink_to_fit();
            prop_assert_eq!(v.len(), len);
            prop_assert_eq!(v.capacity(), len);
            prop_assert!(v.iter().all(|&x| x == 0));
        }
    }

    #[test]
    fn vec_operation_sequences_match_std(program in proptest::collection::vec(vec_op(), 0..MAX_VEC_OPS)) {
        let alloc = new_alloc();
        let bump = alloc.frame();
        let mut actual = FrameVec::new_in(&bump);
        let mut expected = Vec::new();

        for op in program.iter().take(MAX_VEC_OPS) {
            apply_vec_op(&mut actual, &mut expected, op);
        }

        prop_assert_eq!(actual.into_slice(), expected.as_slice());
    }
}

#[test]
fn test_vec_items_get_dropped() {
    struct Foo<'a>(&'a RefCell<String>);
    impl Drop for Foo<'_> {
        fn drop(&mut self) {
            self.0.borrow_mut().push_str("Dropped!");
        }
    }

    let buffer = RefCell::new(String::new());
    let alloc = new_alloc();
    let bump = alloc.frame();
    {
        let mut vec_foo = FrameVec::new_in(&bump);
        vec_foo.push(Foo(&buffer));
        vec_foo.push(Foo(&buffer));
    }
    assert_eq!("Dropped!Dropped!", buffer.borrow().deref());
}

#[test]
fn test_extend_from_slice_copy() {
    let alloc = new_alloc();
    let bump = alloc.frame();
    let mut vec = frame_vec![in &bump; 1, 2, 3];
    assert_eq!(&[1, 2, 3][..], vec.as_slice());

    vec.extend_from_slice_copy(&[4, 5, 6]);
    assert_eq!(&[1, 2, 3, 4, 5, 6][..], vec.as_slice());

    // Passing an empty slice is a no-op.
    vec.extend_from_slice_copy(&[]);
    assert_eq!(&[1, 2, 3, 4, 5, 6][..], vec.as_slice());

    vec.extend_from_slice_copy(&[7]);
    assert_eq!(&[1, 2, 3, 4, 5, 6, 7][..], vec.as_slice());
}

#[test]
fn test_extend_from_slices_copy() {
    let alloc = new_alloc();
    let bump = alloc.frame();
    let mut vec = frame_vec![in &bump; 1, 2, 3];
    assert_eq!(&[1, 2, 3][..], vec.as_slice());

    // An empty slice of slices is a no-op.
    vec.extend_from_slices_copy(&[]);
    assert_eq!(&[1, 2, 3][..], vec.as_slice());

    // An empty slice in the slice of slices is a no-op.
    vec.extend_from_slices_copy(&[&[4, 5, 6], &[], &[7]]);
    assert_eq!(&[1, 2, 3, 4, 5, 6, 7][..], vec.as_slice());

    vec.extend_from_slices_copy(&[&[8], &[9, 10, 11], &[12]]);
    assert_eq!(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], vec.as_slice());
}

#[test]
fn test_vec_write() {
    use std::io::Write;

    let alloc = new_alloc();
    let b = alloc.frame();
    let mut v = frame_vec![in &b];

    assert_eq!(v.write(&[]).unwrap(), 0);
    v.flush().unwrap();
    assert_eq!(v.write(&[1]).unwrap(), 1);
    v.flush().unwrap();
    v.write_all(&[]).unwrap();
    v.flush().unwrap();
    v.write_all(&[2, 3]).unwrap();
    v.flush().unwrap();

    assert_eq!(v, &[1, 2, 3]);
}

/// A value counting its drops in a per-test counter (`tests` run in parallel).
macro_rules! tracked {
    () => {{
        use std::sync::atomic::{AtomicUsize, Ordering};

        static DROP_COUNT: AtomicUsize = AtomicUsize::new(0);
        DROP_COUNT.store(0, Ordering::SeqCst);

        #[derive(Debug)]
        struct Tracked(i32);
        impl Drop for Tracked {
            fn drop(&mut self) {
                DROP_COUNT.fetch_add(1, Ordering::SeqCst);
            }
        }
        (Tracked, || DROP_COUNT.load(Ordering::SeqCst))
    }};
}

#[test]
fn panic_in_drain_filter() {
    let (tracked, count) = tracked!();
    let alloc = new_alloc();
    let bump = alloc.frame();

    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut v = FrameVec::new_in(&bump);
        // Will be drained.
        v.push(tracked(1));
        // Predicate will panic here.
        v.push(tracked(2));
        // Will be kept.
        v.push(tracked(3));

        let mut df = v.drain_filter(|x| {
            if x.0 == 1 {
                true
            } else if x.0 == 2 {
                panic!()
            } else {
                false
            }
        });

        // Drain `Tracked(1)`.
        let drained = df.next();
        assert!(drained.is_some());

        // Panics on `Tracked(2)`.
        let _ = df.next();
    }));
    assert!(result.is_err());

    // As in bumpalo: the element whose predicate panicked is leaked, not dropped.
    assert_eq!(count(), 2);
}

/// Not in bumpalo's suite: a predicate that panics in `next` is not called again while
/// the panic unwinds (bumpalo's drop calls it on the rest, so a second panic there aborts
/// the process). The element it panicked on is leaked as in bumpalo; the ones not yet
/// visited stay in the vector, in order.
#[test]
fn panic_in_drain_filter_is_not_called_again_while_unwinding() {
    let (tracked, count) = tracked!();
    let alloc = new_alloc();
    let bump = alloc.frame();
    let mut v = FrameVec::new_in(&bump);
    for id in 1..=5 {
        v.push(tracked(id));
    }
    let calls = Cell::new(0);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut df = v.drain_filter(|x| {
            calls.set(calls.get() + 1);
            match x.0 {
                1 | 3 => true,
                2 | 4 => panic!("predicate refuses {}", x.0),
                _ => false,
            }
        });
        assert_eq!(df.next().map(|t| t.0), Some(1));
        let _ = df.next(); // panics on 2
    }));
    assert!(result.is_err());
    assert_eq!(calls.get(), 2, "the predicate ran on 1 and 2 only");
    assert_eq!(v.iter().map(|t| t.0).collect::<Vec<_>>(), [3, 4, 5]);
    assert_eq!(count(), 1, "1 drained and dropped; 2 leaked");
    drop(v);
    assert_eq!(count(), 4);
}

#[test]
fn panic_in_retain() {
    let (tracked, count) = tracked!();
    let alloc = new_alloc();
    let bump = alloc.frame();

    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut v = FrameVec::new_in(&bump);
        v.push(tracked(1));
        v.push(tracked(2));
        v.push(tracked(3));

        v.retain(|x| {
            if x.0 == 1 {
                false
            } else if x.0 == 2 {
                panic!()
            } else {
                true
            }
        });
    }));
    assert!(result.is_err());
    assert_eq!(count(), 3);
}

#[test]
fn panic_in_retain_mut() {
    let (tracked, count) = tracked!();
    let alloc = new_alloc();
    let bump = alloc.frame();

    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut v = FrameVec::new_in(&bump);
        v.push(tracked(1));
        v.push(tracked(2));
        v.push(tracked(3));

        v.retain_mut(|x| {
            if x.0 == 1 {
                false
            } else if x.0 == 2 {
                panic!()
            } else {
                true
            }
        });
    }));
    assert!(result.is_err());
    assert_eq!(count(), 3);
}

// ===== string.rs =====

const MAX_STRING_OPS: usize = 64;
const MAX_SEGMENT_CHARS: usize = 8;

/// A short prefix of `s` (at most `MAX_SEGMENT_CHARS` chars), as bumpalo's `SmallText`.
fn small_text(s: &str) -> &str {
    let end = s
        .char_indices()
        .nth(MAX_SEGMENT_CHARS)
        .map_or(s.len(), |(idx, _)| idx);
    &s[..end]
}

#[derive(Clone, Debug)]
enum StringOp {
    PushChar(char),
    PushStr(String),
    WriteStr(String),
    Pop,
    Truncate(usize),
    ShrinkToFit,
}

fn string_op() -> impl Strategy<Value = StringOp> {
    prop_oneof![
        any::<char>().prop_map(StringOp::PushChar),
        any::<String>().prop_map(StringOp::PushStr),
        any::<String>().prop_map(StringOp::WriteStr),
        Just(StringOp::Pop),
        any::<usize>().prop_map(StringOp::Truncate),
        Just(StringOp::ShrinkToFit),
    ]
}

fn char_boundary_at(s: &str, char_count: usize) -> usize {
    s.char_indices()
        .nth(char_count)
        .map_or(s.len(), |(idx, _)| idx)
}

fn apply_string_op(actual: &mut FrameString<'_>, expected: &mut String, op: &StringOp) {
    match op {
        StringOp::PushChar(ch) => {
            actual.push(*ch);
            expected.push(*ch);
        }
        StringOp::PushStr(text) => {
            actual.push_str(small_text(text));
            expected.push_str(small_text(text));
        }
        StringOp::WriteStr(text) => {
            write!(actual, "{}", small_text(text)).unwrap();
            write!(expected, "{}", small_text(text)).unwrap();
        }
        StringOp::Pop => {
            assert_eq!(actual.pop(), expected.pop());
        }
        StringOp::Truncate(n) => {
            let target_chars = n % (expected.chars().count() + 1);
            let new_len = char_boundary_at(expected.as_str(), target_chars);
            actual.truncate(new_len);
            expected.truncate(new_len);
        }
        StringOp::ShrinkToFit => {
            actual.shrink_to_fit();
            expected.shrink_to_fit();
        }
    }

    assert_eq!(actual.as_str(), expected.as_str());
    assert_eq!(actual.as_bytes(), expected.as_bytes());
    assert!(actual.capacity() >= actual.len());
}

#[test]
fn format_a_bunch_of_strings() {
    let alloc = new_alloc();
    let b = alloc.frame();
    let mut s = FrameString::from_str_in("hello", &b);
    let mut expected = String::from("hello");
    for i in 0..under_miri(1000, 100) {
        write!(&mut s, " {i}").unwrap();
        write!(&mut expected, " {i}").unwrap();
    }
    assert_eq!(s, expected);
}

#[test]
fn trailing_comma_in_format_macro() {
    let alloc = new_alloc();
    let b = alloc.frame();
    let v = frame_format!(&b, "{}{}", 1, 2,);
    assert_eq!(v, "12");
}

#[test]
fn push_str() {
    let alloc = new_alloc();
    let b = alloc.frame();
    let mut s = FrameString::new_in(&b);
    s.push_str("abc");
    assert_eq!(s, "abc");
    s.push_str("def");
    assert_eq!(s, "abcdef");
    s.push_str("");
    assert_eq!(s, "abcdef");
    s.push_str(&"x".repeat(4000));
    assert_eq!(s.len(), 4006);
    s.push_str("ghi");
    assert_eq!(s.len(), 4009);
    assert_eq!(&s[s.len() - 5..], "xxghi");
}

proptest! {
    #![proptest_config(config(32))]

    #[test]
    #[cfg_attr(miri, ignore = "proptest's `any::<String>()` generation takes minutes under Miri")]
    fn string_operation_sequences_match_std(
        program in proptest::collection::vec(string_op(), 0..MAX_STRING_OPS),
    ) {
        let alloc = new_alloc();
        let bump = alloc.frame();
        let mut actual = FrameString::new_in(&bump);
        let mut expected = String::new();

        for op in program.iter().take(MAX_STRING_OPS) {
            apply_string_op(&mut actual, &mut expected, op);
        }

        prop_assert_eq!(actual.as_str(), expected.as_str());
    }
}

// ===== collect_in.rs =====

proptest! {
    #![proptest_config(config(32))]

    #[test]
    #[cfg_attr(miri, ignore = "proptest's `any::<String>()` generation takes minutes under Miri")]
    fn test_string_collect(input in any::<String>()) {
        let alloc = new_alloc();
        let bump = alloc.frame();
        let bump_str = input.chars().collect_in::<FrameString<'_>>(&bump);
        prop_assert!(bump_str == *input, "{bump_str:?} != {input:?}");
    }

    #[test]
    fn test_vec_collect(input in any::<Vec<i32>>()) {
        let alloc = new_alloc();
        let bump = alloc.frame();
        let bump_vec = input.iter().copied().collect_in::<FrameVec<'_, _>>(&bump);
        prop_assert_eq!(bump_vec.as_slice(), input.as_slice());
    }
}

// ===== alloc_fill.rs =====

#[test]
fn alloc_slice_fill_zero() {
    let alloc = new_alloc();
    let b = alloc.frame();
    let u8_layout = Layout::new::<u8>();

    let ptr1 = b.alloc_layout(u8_layout);

    struct MyZeroSizedType;

    b.alloc_slice_copy::<u64>(&[]);
    // `String` has a destructor: the scoped `frame.alloc_slice_*` reject it at compile
    // time (SPEC §4.5); the explicit path (`FrameBox`, destructors run) takes it.
    let a = b.allocator_handle();
    drop(a.alloc_slice_clone::<String>(&[]));
    drop(a.alloc_slice_fill_with::<String>(0, |_| panic!("should not happen")));
    b.alloc_slice_fill_copy(0, 42u64);
    drop(a.alloc_slice_fill_clone(0, &"hello".to_string()));
    drop(a.alloc_slice_fill_default::<String>(0));
    let ptr2 = b.alloc(MyZeroSizedType);
    // bumpalo's newest test expects the zero-size value at the (aligned) bump pointer;
    // bumpalo 3.20.4, which framealloc runs on, gives zero-size requests a dangling,
    // aligned pointer that takes no room, and so does framealloc.
    assert_eq!(
        std::ptr::from_mut(ptr2) as usize,
        mem::align_of::<MyZeroSizedType>()
    );

    // None of the zero-length allocations above took room: the next byte is right
    // below the first one (the frame arena's minimum alignment is 1, bumpalo's
    // `b.min_align()`).
    let ptr3 = b.alloc_layout(u8_layout);
    assert_eq!(
        ptr1.as_ptr() as usize,
        (ptr3.as_ptr() as usize) + u8_layout.align(),
    );
}

#[test]
fn alloc_slice_try_fill_with_succeeds() {
    let alloc = new_alloc();
    let b = alloc.frame();
    let res: Result<&mut [usize], ()> = b.alloc_slice_try_fill_with(100, Ok);
    assert_eq!(res.map(|arr| arr[50]), Ok(50));
}

#[test]
fn alloc_slice_try_fill_with_fails() {
    let alloc = new_alloc();
    let b = alloc.frame();
    let res: Result<&mut [u16], ()> =
        b.alloc_slice_try_fill_with(1000, |n| if n == 100 { Err(()) } else { Ok(42) });
    assert_eq!(res, Err(()));
}

#[test]
fn alloc_slice_try_fill_iter_succeeds() {
    let alloc = new_alloc();
    let b = alloc.frame();
    let elems = std::iter::repeat_n(42, 10).collect::<Vec<_>>();
    let res: Result<&mut [u16], ()> = b.alloc_slice_try_fill_iter(elems.into_iter().map(Ok));
    assert_eq!(res.map(|arr| arr[5]), Ok(42));
}

#[test]
fn alloc_slice_try_fill_iter_fails() {
    let alloc = new_alloc();
    let b = alloc.frame();
    let elems = std::iter::repeat_n((), 10).collect::<Vec<_>>();
    let res: Result<&mut [u16], ()> = b.alloc_slice_try_fill_iter(elems.into_iter().map(Err));
    assert_eq!(res, Err(()));
}

#[test]
fn alloc_slice_fill_with_panic_rewinds_last_allocation() {
    let alloc = new_alloc();
    let b = alloc.frame();
    let _prefix = b.alloc([1u8; 17]);
    let allocated_before = b.allocated_bytes();
    let next_before = b.alloc_layout(Layout::new::<u8>());

    let result = catch_unwind(AssertUnwindSafe(|| {
        b.alloc_slice_fill_with(8, |i| {
            assert!(i != 3, "boom");
            i
        })
    }));

    assert!(result.is_err());
    assert_eq!(b.allocated_bytes(), allocated_before);
    // The room was given back: the next byte lands within the slice's alignment
    // padding below the previous one, not below 8 abandoned `usize`s.
    let next_after = b.alloc_layout(Layout::new::<u8>());
    assert!(
        next_before.as_ptr() as usize - next_after.as_ptr() as usize <= mem::align_of::<usize>()
    );
}

#[test]
fn try_alloc_slice_fill_with_panic_rewinds_last_allocation() {
    let alloc = new_alloc();
    let b = alloc.frame();
    let _prefix = b.alloc([2u8; 19]);
    let allocated_before = b.allocated_bytes();

    let result = catch_unwind(AssertUnwindSafe(|| {
        b.try_alloc_slice_fill_with(8, |i| {
            assert!(i != 4, "boom");
            i
        })
    }));

    assert!(result.is_err());
    assert_eq!(b.allocated_bytes(), allocated_before);
}

#[test]
fn alloc_slice_try_fill_with_err_rewinds_last_allocation() {
    let alloc = new_alloc();
    let b = alloc.frame();
    let _prefix = b.alloc([3u8; 23]);
    let allocated_before = b.allocated_bytes();
    let next_before = b.alloc_layout(Layout::new::<u8>());
    let result = b.alloc_slice_try_fill_with(8, |i| if i == 5 { Err(()) } else { Ok(i) });
    assert!(result.is_err());
    assert_eq!(b.allocated_bytes(), allocated_before);
    let next_after = b.alloc_layout(Layout::new::<u8>());
    assert!(
        next_before.as_ptr() as usize - next_after.as_ptr() as usize <= mem::align_of::<usize>()
    );
}

#[test]
// bumpalo says "out of memory"; framealloc reports the overflowing size request as
// `Error::CapacityOverflow` (SPEC §4.6), whose message names the overflow.
#[should_panic(expected = "CapacityOverflow")]
fn alloc_slice_overflow() {
    let alloc = new_alloc();
    let b = alloc.frame();
    b.alloc_slice_fill_default::<u64>(usize::MAX);
}

// ===== alloc_with.rs, try_alloc_with.rs, alloc_try_with.rs, try_alloc_try_with.rs =====
//
// (The large values are the point of these tests; `clippy::large_stack_arrays` is
// allowed for the module they are in.)
//
// These fail with a stack overflow unless LLVM writes the value in place: as in bumpalo,
// they run only without debug assertions (`cargo test --release`). The 60 MB struct and
// tuple cases overflow even there with bumpalo 3.20.4 itself on rustc 1.95 (checked in a
// scratch crate: LLVM builds the struct on the stack), and with framealloc alike: they
// stay ignored.

#[allow(
    clippy::large_stack_arrays,
    reason = "large values made in place are what these tests check"
)]
mod large_values {
    use super::new_alloc;
    use framealloc::AllocOrInitError;

    #[allow(dead_code)]
    struct LargeStruct {
        small: usize,
        big1: [u8; 20_000_000],
        big2: [u8; 20_000_000],
        big3: [u8; 20_000_000],
    }

    #[allow(dead_code, clippy::large_enum_variant)]
    enum LargeEnum {
        Small,
        Large([u8; 10_000_000]),
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "needs an optimised build to make the value in place"
    )]
    fn alloc_with_large_array() {
        let alloc = new_alloc();
        let b = alloc.frame();
        let a = b.alloc_with(|| [4u8; 10_000_000]);
        assert_eq!((a[0], a[9_999_999]), (4, 4));
    }

    #[test]
    #[ignore = "the 60 MB struct overflows the stack in release builds too, as it does with bumpalo 3.20.4 on rustc 1.95"]
    fn alloc_with_large_struct() {
        let alloc = new_alloc();
        let b = alloc.frame();
        let s = b.alloc_with(|| LargeStruct {
            small: 1,
            big1: [2; 20_000_000],
            big2: [3; 20_000_000],
            big3: [4; 20_000_000],
        });
        assert_eq!((s.small, s.big3[19_999_999]), (1, 4));
    }

    #[test]
    #[ignore = "the 60 MB struct overflows the stack in release builds too, as it does with bumpalo 3.20.4 on rustc 1.95"]
    fn alloc_with_large_tuple() {
        let alloc = new_alloc();
        let b = alloc.frame();
        let t = b.alloc_with(|| {
            (
                1u32,
                LargeStruct {
                    small: 2,
                    big1: [3; 20_000_000],
                    big2: [4; 20_000_000],
                    big3: [5; 20_000_000],
                },
            )
        });
        assert_eq!((t.0, t.1.small), (1, 2));
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "needs an optimised build to make the value in place"
    )]
    fn alloc_with_large_enum() {
        let alloc = new_alloc();
        let b = alloc.frame();
        let e = b.alloc_with(|| LargeEnum::Small);
        assert!(matches!(e, LargeEnum::Small));
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "needs an optimised build to make the value in place"
    )]
    fn try_alloc_with_large_array() {
        let alloc = new_alloc();
        let b = alloc.frame();
        b.try_alloc_with(|| [4u8; 10_000_000]).unwrap();
    }

    #[test]
    #[ignore = "the 60 MB struct overflows the stack in release builds too, as it does with bumpalo 3.20.4 on rustc 1.95"]
    fn try_alloc_with_large_struct() {
        let alloc = new_alloc();
        let b = alloc.frame();
        b.try_alloc_with(|| LargeStruct {
            small: 1,
            big1: [2; 20_000_000],
            big2: [3; 20_000_000],
            big3: [4; 20_000_000],
        })
        .unwrap();
    }

    #[test]
    #[ignore = "the 60 MB struct overflows the stack in release builds too, as it does with bumpalo 3.20.4 on rustc 1.95"]
    fn try_alloc_with_large_tuple() {
        let alloc = new_alloc();
        let b = alloc.frame();
        b.try_alloc_with(|| {
            (
                1u32,
                LargeStruct {
                    small: 2,
                    big1: [3; 20_000_000],
                    big2: [4; 20_000_000],
                    big3: [5; 20_000_000],
                },
            )
        })
        .unwrap();
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "needs an optimised build to make the value in place"
    )]
    fn try_alloc_with_large_enum() {
        let alloc = new_alloc();
        let b = alloc.frame();
        b.try_alloc_with(|| LargeEnum::Small).unwrap();
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "needs an optimised build to make the value in place"
    )]
    fn alloc_try_with_large_array() -> Result<(), ()> {
        let alloc = new_alloc();
        let b = alloc.frame();
        b.alloc_try_with(|| Ok([4u8; 10_000_000]))?;
        Ok(())
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "needs an optimised build to make the value in place"
    )]
    fn alloc_try_with_large_array_err() {
        let alloc = new_alloc();
        let b = alloc.frame();
        assert!(
            b.alloc_try_with(|| Result::<[u8; 10_000_000], _>::Err(()))
                .is_err()
        );
    }

    #[test]
    #[ignore = "the 60 MB struct overflows the stack in release builds too, as it does with bumpalo 3.20.4 on rustc 1.95"]
    fn alloc_try_with_large_struct() -> Result<(), ()> {
        let alloc = new_alloc();
        let b = alloc.frame();
        b.alloc_try_with(|| {
            Ok(LargeStruct {
                small: 1,
                big1: [2; 20_000_000],
                big2: [3; 20_000_000],
                big3: [4; 20_000_000],
            })
        })?;
        Ok(())
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "needs an optimised build to make the value in place"
    )]
    fn alloc_try_with_large_struct_err() {
        let alloc = new_alloc();
        let b = alloc.frame();
        assert!(
            b.alloc_try_with(|| Result::<LargeStruct, _>::Err(()))
                .is_err()
        );
    }

    #[test]
    #[ignore = "the 60 MB struct overflows the stack in release builds too, as it does with bumpalo 3.20.4 on rustc 1.95"]
    fn alloc_try_with_large_tuple() -> Result<(), ()> {
        let alloc = new_alloc();
        let b = alloc.frame();
        b.alloc_try_with(|| {
            Ok((
                1u32,
                LargeStruct {
                    small: 2,
                    big1: [3; 20_000_000],
                    big2: [4; 20_000_000],
                    big3: [5; 20_000_000],
                },
            ))
        })?;
        Ok(())
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "needs an optimised build to make the value in place"
    )]
    fn alloc_try_with_large_tuple_err() {
        let alloc = new_alloc();
        let b = alloc.frame();
        assert!(
            b.alloc_try_with(|| Result::<(u32, LargeStruct), _>::Err(()))
                .is_err()
        );
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "needs an optimised build to make the value in place"
    )]
    fn alloc_try_with_large_enum() -> Result<(), ()> {
        let alloc = new_alloc();
        let b = alloc.frame();
        b.alloc_try_with(|| Ok(LargeEnum::Small))?;
        Ok(())
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "needs an optimised build to make the value in place"
    )]
    fn alloc_try_with_large_enum_err() {
        let alloc = new_alloc();
        let b = alloc.frame();
        assert!(
            b.alloc_try_with(|| Result::<LargeEnum, _>::Err(()))
                .is_err()
        );
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "needs an optimised build to make the value in place"
    )]
    fn alloc_slice_try_fill_with_large_length() {
        let alloc = new_alloc();
        let b = alloc.frame();
        assert!(
            b.alloc_slice_try_fill_with(10_000_000, |_| Err::<u8, _>(()))
                .is_err()
        );
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "needs an optimised build to make the value in place"
    )]
    fn alloc_slice_try_fill_iter_large_length() {
        let alloc = new_alloc();
        let b = alloc.frame();
        let elems = std::iter::repeat_n(Err::<u8, _>(()), 10_000_000).collect::<Vec<_>>();
        assert!(b.alloc_slice_try_fill_iter(elems).is_err());
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "needs an optimised build to make the value in place"
    )]
    fn try_alloc_try_with_large_array() -> Result<(), AllocOrInitError<()>> {
        let alloc = new_alloc();
        let b = alloc.frame();
        b.try_alloc_try_with(|| Ok([4u8; 10_000_000]))?;
        Ok(())
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "needs an optimised build to make the value in place"
    )]
    fn try_alloc_try_with_large_array_err() {
        let alloc = new_alloc();
        let b = alloc.frame();
        assert!(
            b.try_alloc_try_with(|| Result::<[u8; 10_000_000], _>::Err(()))
                .is_err()
        );
    }

    #[test]
    #[ignore = "the 60 MB struct overflows the stack in release builds too, as it does with bumpalo 3.20.4 on rustc 1.95"]
    fn try_alloc_try_with_large_struct() -> Result<(), AllocOrInitError<()>> {
        let alloc = new_alloc();
        let b = alloc.frame();
        b.try_alloc_try_with(|| {
            Ok(LargeStruct {
                small: 1,
                big1: [2; 20_000_000],
                big2: [3; 20_000_000],
                big3: [4; 20_000_000],
            })
        })?;
        Ok(())
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "needs an optimised build to make the value in place"
    )]
    fn try_alloc_try_with_large_struct_err() {
        let alloc = new_alloc();
        let b = alloc.frame();
        assert!(
            b.try_alloc_try_with(|| Result::<LargeStruct, _>::Err(()))
                .is_err()
        );
    }

    #[test]
    #[ignore = "the 60 MB struct overflows the stack in release builds too, as it does with bumpalo 3.20.4 on rustc 1.95"]
    fn try_alloc_try_with_large_tuple() -> Result<(), AllocOrInitError<()>> {
        let alloc = new_alloc();
        let b = alloc.frame();
        b.try_alloc_try_with(|| {
            Ok((
                1u32,
                LargeStruct {
                    small: 2,
                    big1: [3; 20_000_000],
                    big2: [4; 20_000_000],
                    big3: [5; 20_000_000],
                },
            ))
        })?;
        Ok(())
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "needs an optimised build to make the value in place"
    )]
    fn try_alloc_try_with_large_tuple_err() {
        let alloc = new_alloc();
        let b = alloc.frame();
        assert!(
            b.try_alloc_try_with(|| Result::<(u32, LargeStruct), _>::Err(()))
                .is_err()
        );
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "needs an optimised build to make the value in place"
    )]
    fn try_alloc_try_with_large_enum() -> Result<(), AllocOrInitError<()>> {
        let alloc = new_alloc();
        let b = alloc.frame();
        b.try_alloc_try_with(|| Ok(LargeEnum::Small))?;
        Ok(())
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "needs an optimised build to make the value in place"
    )]
    fn try_alloc_try_with_large_enum_err() {
        let alloc = new_alloc();
        let b = alloc.frame();
        assert!(
            b.try_alloc_try_with(|| Result::<LargeEnum, _>::Err(()))
                .is_err()
        );
    }
}

/// The small versions of the above, run in every build (and under Miri): the value or
/// the closure's error comes back, and an error gives the room back.
#[test]
fn alloc_try_with_small_values() {
    let alloc = new_alloc();
    let b = alloc.frame();
    assert_eq!(b.alloc_try_with(|| Ok::<_, ()>([7u32; 4])), Ok(&mut [7; 4]));
    assert_eq!(b.alloc_try_with(|| Err::<u64, _>("no")), Err("no"));
    let x = b.try_alloc_try_with(|| Ok::<_, ()>(5u16)).unwrap();
    assert_eq!(*x, 5);
    match b.try_alloc_try_with(|| Err::<u16, _>(3)) {
        Err(AllocOrInitError::Init(3)) => {}
        other => panic!("expected Init(3), got {other:?}"),
    }
    let before = b.alloc_layout(Layout::new::<u8>());
    assert!(b.alloc_try_with(|| Err::<[u8; 64], _>(())).is_err());
    let after = b.alloc_layout(Layout::new::<u8>());
    assert_eq!(after.as_ptr() as usize + 1, before.as_ptr() as usize);
}

// ===== tests.rs =====

#[test]
fn can_iterate_over_allocated_things() {
    // The chunk walk (`iter_allocated_chunks`) is bumpalo's internals and not part of
    // framealloc's API; the allocation half of the test is kept.
    let alloc = new_alloc();
    let bump = alloc.frame();
    const MAX: u64 = if cfg!(miri) { 128 } else { 131_072 };
    let mut addresses = std::collections::HashSet::new();
    let mut all = Vec::new();
    for i in 0..MAX {
        let this = bump.alloc(i);
        assert_eq!(*this, i);
        assert!(addresses.insert(std::ptr::from_ref::<u64>(this) as usize));
        all.push(&*this);
    }
    assert!(all.iter().enumerate().all(|(i, v)| **v == i as u64));
}

// oom_instead_of_bump_pointer_overflow: skipped, needs `set_allocation_limit` (bumpalo
// internals; framealloc's limits are budgets, SPEC §7).

#[test]
fn force_new_chunk_fits_well() {
    let alloc = new_alloc();
    let b = alloc.frame();

    // Use the first chunk for something.
    let a = b.alloc_layout(Layout::from_size_align(1, 1).unwrap());

    // Next force allocation of some new chunks.
    let c = b.alloc_layout(Layout::from_size_align(100_001, 1).unwrap());
    let d = b.alloc_layout(Layout::from_size_align(100_003, 1).unwrap());
    let ranges = [
        (a.as_ptr() as usize, 1),
        (c.as_ptr() as usize, 100_001),
        (d.as_ptr() as usize, 100_003),
    ];
    for (i, &(s1, n1)) in ranges.iter().enumerate() {
        for &(s2, n2) in &ranges[i + 1..] {
            assert!(!overlap((s1, s1 + n1), (s2, s2 + n2)));
        }
    }
}

#[test]
fn alloc_with_strong_alignment() {
    let alloc = new_alloc();
    let b = alloc.frame();
    // 64 is probably the strongest alignment seen in practice (AVX-512, cache lines).
    let p = b.alloc_layout(Layout::from_size_align(4096, 64).unwrap());
    assert_eq!(p.as_ptr() as usize % 64, 0);
}

#[test]
fn alloc_slice_copy() {
    let alloc = new_alloc();
    let b = alloc.frame();

    let src: &[u16] = &[0xFEED, 0xFACE, 0xA7, 0xCAFE];
    let dst = b.alloc_slice_copy(src);

    assert_eq!(src, dst);
}

#[test]
fn alloc_slice_clone() {
    let alloc = new_alloc();
    let b = alloc.frame();

    let src = vec![vec![0], vec![1, 2], vec![3, 4, 5], vec![6, 7, 8, 9]];
    // `Vec` has a destructor: the explicit path's `FrameBox` runs it (SPEC §4.5).
    let dst = b.allocator_handle().alloc_slice_clone(&src);

    assert_eq!(src, &*dst);
}

#[test]
fn small_size_and_large_align() {
    let alloc = new_alloc();
    let b = alloc.frame();
    let layout = Layout::from_size_align(1, 0x1000).unwrap();
    let p = b.alloc_layout(layout);
    assert_eq!(p.as_ptr() as usize % 0x1000, 0);
}

// with_capacity_test: skipped, `Bump::with_min_align_and_capacity` and the chunk walk are
// bumpalo internals (the frame arena sizes its own chunks).

#[test]
fn test_reset() {
    // bumpalo checks the chunk list after `reset`; framealloc's reset is the frame's
    // end, which keeps the largest chunk (SPEC §4.1): a second identical frame needs no
    // more chunk memory than the first.
    let alloc = new_alloc();
    let first_capacity = {
        let b = alloc.frame();
        for i in 0..under_miri(10_000, 500) as u64 {
            b.alloc(i);
        }
        b.allocated_bytes()
    };
    for _ in 0..3 {
        let b = alloc.frame();
        let x = b.alloc(0u64);
        assert_eq!(*x, 0);
        for i in 0..under_miri(10_000, 500) as u64 {
            b.alloc(i);
        }
        assert!(b.allocated_bytes() <= first_capacity);
    }
}

#[test]
fn test_alignment() {
    for &alignment in &[2, 4, 8, 16, 32, 64] {
        let alloc = new_alloc();
        let b = alloc.frame();
        let layout = Layout::from_size_align(alignment, alignment).unwrap();

        for _ in 0..under_miri(1024, 64) {
            let ptr = b.alloc_layout(layout).as_ptr();
            assert_eq!(ptr as usize % alignment, 0);
        }
    }
}

// test_chunk_capacity: skipped, `chunk_capacity` is bumpalo internals.

#[test]
fn miri_stacked_borrows_issue_247() {
    // bumpalo's `allocator_api` feature; framealloc implements allocator-api2's trait.
    let alloc = new_alloc();
    let bump = alloc.frame();

    let (p, a) = allocator_api2::boxed::Box::into_raw_with_allocator(
        allocator_api2::boxed::Box::new_in(1u8, bump.allocator()),
    );
    // SAFETY: `p` came from `into_raw_with_allocator` with allocator `a`.
    let back = unsafe { allocator_api2::boxed::Box::from_raw_in(p, a) };
    assert_eq!(*back, 1);
    drop(back);

    let q = allocator_api2::boxed::Box::new_in(2u16, bump.allocator());
    assert_eq!(*q, 2);
}

#[test]
fn bump_is_send() {
    // A `Bump` is `Send`; framealloc's `SmartAlloc` handle is (a `Frame` guard and frame
    // data are `!Send` by design, SPEC §4.5).
    fn assert_send(_: impl Send) {}
    assert_send(new_alloc());
}

#[test]
fn test_debug_assert_data_le_bump_ptr_pr_313() {
    // The allocation limit half is skipped (bumpalo internals); a zero-size request with
    // a large alignment is kept.
    let alloc = new_alloc();
    let bump = alloc.frame();
    let p = bump.alloc_layout(Layout::from_size_align(0, 16).unwrap());
    assert_eq!(p.as_ptr() as usize % 16, 0);
}

// test_debug_assert_ptr_align_pr_313: skipped, `Bump::<16>::with_min_align` (the frame
// arena's minimum alignment is fixed).
// checkpoint_after_shrink_realloc, emplace_*: skipped, APIs newer than bumpalo 3.20.

// ===== quickchecks.rs =====

#[derive(Clone, Copy, Debug, PartialEq)]
struct BigValue {
    data: [u64; 32],
}

fn big_values() -> impl Strategy<Value = Vec<BigValue>> {
    proptest::collection::vec(
        any::<[u64; 4]>().prop_map(|seed| BigValue {
            data: std::array::from_fn(|i| seed[i % 4].wrapping_mul(i as u64 + 1)),
        }),
        0..64,
    )
}

#[derive(Clone, Copy, Debug)]
enum Elems<T, U> {
    OneT(T),
    TwoT(T, T),
    FourT(T, T, T, T),
    OneU(U),
    TwoU(U, U),
    FourU(U, U, U, U),
}

fn elems() -> impl Strategy<Value = Elems<u8, u64>> {
    prop_oneof![
        any::<u8>().prop_map(Elems::OneT),
        any::<(u8, u8)>().prop_map(|(a, b)| Elems::TwoT(a, b)),
        any::<(u8, u8, u8, u8)>().prop_map(|(a, b, c, d)| Elems::FourT(a, b, c, d)),
        any::<u64>().prop_map(Elems::OneU),
        any::<(u64, u64)>().prop_map(|(a, b)| Elems::TwoU(a, b)),
        any::<(u64, u64, u64, u64)>().prop_map(|(a, b, c, d)| Elems::FourU(a, b, c, d)),
    ]
}

fn overlap((a1, a2): (usize, usize), (b1, b2): (usize, usize)) -> bool {
    assert!(a1 < a2);
    assert!(b1 < b2);
    a1 < b2 && b1 < a2
}

fn range<T>(t: &T) -> (usize, usize) {
    let start = std::ptr::from_ref(t) as usize;
    let end = start + mem::size_of::<T>();
    (start, end)
}

const MAX_ALLOCATOR_OPS: usize = 64;
const MAX_ALLOCATOR_SLICE_LEN: usize = 96;
const MAX_LAYOUT_ALLOC_SIZE: usize = 256;

/// bumpalo's `AllocatorOp` and `LayoutAllocatorOp` (without `SetLimit`: allocation
/// limits are bumpalo internals); `Reset` ends the frame.
#[derive(Clone, Debug)]
enum AllocatorOp {
    Alloc { value: u8, len: u8 },
    Layout { size: u16, align_log2: u8 },
    Reset,
}

fn allocator_op() -> impl Strategy<Value = AllocatorOp> {
    prop_oneof![
        4 => any::<(u8, u8)>().prop_map(|(value, len)| AllocatorOp::Alloc { value, len }),
        4 => any::<(u16, u8)>().prop_map(|(size, align_log2)| AllocatorOp::Layout { size, align_log2 }),
        1 => Just(AllocatorOp::Reset),
    ]
}

fn arbitrary_small_layout(size: u16, align_log2: u8) -> Layout {
    let align = 1usize << (usize::from(align_log2) % 7);
    let max_units = (MAX_LAYOUT_ALLOC_SIZE / align).max(1);
    let units = (usize::from(size) % max_units) + 1;
    Layout::from_size_align(units * align, align).unwrap()
}

proptest! {
    #![proptest_config(config(16))]

    #[test]
    fn can_allocate_big_values(values in big_values()) {
        let alloc = new_alloc();
        let bump = alloc.frame();
        let mut alloced = vec![];
        for vals in values.iter().copied() {
            alloced.push(bump.alloc(vals));
        }
        for (val, alloc) in values.iter().zip(alloced) {
            prop_assert_eq!(val, &*alloc);
        }
    }

    #[test]
    fn big_allocations_never_overlap(values in big_values()) {
        let alloc = new_alloc();
        let bump = alloc.frame();
        let mut alloced = vec![];
        for v in values.iter().copied() {
            let a = bump.alloc(v);
            let r = range(a);
            for other in &alloced {
                prop_assert!(!overlap(*other, r));
            }
            alloced.push(r);
        }
    }

    #[test]
    fn can_allocate_heterogeneous_things_and_they_dont_overlap(
        things in proptest::collection::vec(elems(), 0..64),
    ) {
        let alloc = new_alloc();
        let bump = alloc.frame();
        let mut ranges = vec![];
        for t in things.iter().copied() {
            let r = match t {
                Elems::OneT(a) => range(bump.alloc(a)),
                Elems::TwoT(a, b) => range(bump.alloc([a, b])),
                Elems::FourT(a, b, c, d) => range(bump.alloc([a, b, c, d])),
                Elems::OneU(a) => range(bump.alloc(a)),
                Elems::TwoU(a, b) => range(bump.alloc([a, b])),
                Elems::FourU(a, b, c, d) => range(bump.alloc([a, b, c, d])),
            };
            for s in &ranges {
                prop_assert!(!overlap(r, *s));
            }
            ranges.push(r);
        }
    }

    #[test]
    fn test_alignment_chunks(sizes in proptest::collection::vec(any::<usize>(), 0..64)) {
        // The chunk walk that checks for padding is bumpalo internals; alignment is kept.
        for &alignment in &[1, 2, 4, 8, 16] {
            let alloc = new_alloc();
            let b = alloc.frame();
            for &size in &sizes {
                let layout = Layout::from_size_align((size % 10) * alignment, alignment).unwrap();
                let ptr = b.alloc_layout(layout).as_ptr() as usize;
                prop_assert_eq!(ptr % alignment, 0);
            }
        }
    }

    #[test]
    fn alloc_slices(allocs in proptest::collection::vec(any::<(u8, usize)>(), 0..32)) {
        let alloc = new_alloc();
        let b = alloc.frame();
        let mut allocated: Vec<(usize, usize)> = vec![];
        for (val, len) in allocs.iter().copied() {
            let len = len % 100;
            let s = b.alloc_slice_fill_copy(len, val);

            prop_assert_eq!(s.len(), len);
            prop_assert!(s.iter().all(|v| v == &val));

            let range = (s.as_ptr() as usize, s.as_ptr_range().end as usize);
            for r in &allocated {
                let no_overlap = range.1 <= r.0 || r.1 <= range.0;
                prop_assert!(no_overlap);
            }
            allocated.push(range);
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "proptest's `any::<String>()` generation takes minutes under Miri")]
    fn alloc_strs(strings in any::<Vec<String>>()) {
        let alloc = new_alloc();
        let b = alloc.frame();
        let allocated: Vec<&str> = strings.iter().map(|s| b.alloc_str(s) as &_).collect();
        for (expected, actual) in strings.iter().zip(allocated) {
            prop_assert_eq!(expected, actual);
        }
    }

    // all_allocations_in_a_chunk, chunks_and_raw_chunks_are_same, limit_is_never_exceeded,
    // allocated_bytes_including_metadata: skipped, chunk walks and allocation limits are
    // bumpalo internals.

    /// bumpalo's `allocator_operation_sequences_preserve_chunk_views` and
    /// `layout_allocation_sequences_preserve_alignment_and_containment`, with the chunk
    /// views replaced by what they prove: every live allocation keeps its contents,
    /// is aligned and overlaps no other.
    #[test]
    fn allocator_operation_sequences_preserve_live_allocations(
        program in proptest::collection::vec(allocator_op(), 0..MAX_ALLOCATOR_OPS),
    ) {
        let alloc = new_alloc();
        let mut ops = program.iter().peekable();
        while ops.peek().is_some() {
            let frame = alloc.frame();
            let mut slices: Vec<(&[u8], u8)> = Vec::new();
            let mut live: Vec<(usize, usize)> = Vec::new();
            for op in ops.by_ref() {
                match *op {
                    AllocatorOp::Alloc { value, len } => {
                        let len = usize::from(len) % MAX_ALLOCATOR_SLICE_LEN;
                        if let Ok(slice) = frame.try_alloc_slice_fill_copy(len, value) {
                            let expected = vec![value; len];
                            prop_assert_eq!(&*slice, expected.as_slice());
                            if len > 0 {
                                let r = slice.as_ptr_range();
                                live.push((r.start as usize, r.end as usize));
                            }
                            slices.push((slice, value));
                        }
                    }
                    AllocatorOp::Layout { size, align_log2 } => {
                        let layout = arbitrary_small_layout(size, align_log2);
                        if let Ok(ptr) = frame.try_alloc_layout(layout) {
                            prop_assert_eq!(ptr.as_ptr() as usize % layout.align(), 0);
                            live.push((ptr.as_ptr() as usize, ptr.as_ptr() as usize + layout.size()));
                        }
                    }
                    AllocatorOp::Reset => break,
                }
                for (s, value) in &slices {
                    prop_assert!(s.iter().all(|b| b == value));
                }
                for (i, a) in live.iter().enumerate() {
                    for b in &live[i + 1..] {
                        prop_assert!(!overlap(*a, *b));
                    }
                }
            }
        }
    }

    #[test]
    fn extending_from_slice(
        data1 in any::<Vec<usize>>(),
        data2 in any::<Vec<usize>>(),
    ) {
        let alloc = new_alloc();
        let bump = alloc.frame();

        let mut vec = FrameVec::new_in(&bump);
        vec.extend_from_slice_copy(&data1);
        prop_assert_eq!(vec.as_slice(), &data1);

        vec.extend_from_slice_copy(&data2);
        prop_assert_eq!(vec.len(), data1.len() + data2.len());
        prop_assert_eq!(&vec[0..data1.len()], &data1);
        prop_assert_eq!(&vec[data1.len()..], &data2);
    }

    #[test]
    fn extending_from_slices(data in nested_usize_vecs()) {
        let alloc = new_alloc();
        let bump = alloc.frame();

        let slices_vec: Vec<&[usize]> = data.iter().map(Vec::as_slice).collect();
        let slices = slices_vec.as_slice();
        let (first_slice, remaining_slices) = match slices {
            [head, tail @ ..] => (*head, tail),
            [] => (&[][..], &[][..]),
        };

        let mut vec = FrameVec::new_in(&bump);
        vec.extend_from_slice_copy(first_slice);
        prop_assert_eq!(vec.as_slice(), first_slice);

        vec.extend_from_slices_copy(remaining_slices);

        let total_length: usize = slices.iter().map(|s| s.len()).sum();
        prop_assert_eq!(vec.len(), total_length);

        let total_data: Vec<usize> = slices.iter().flat_map(|s| s.iter().copied()).collect();
        prop_assert_eq!(vec.as_slice(), total_data.as_slice());
    }

    #[test]
    fn compare_extending_from_slice_and_from_slices(data in nested_usize_vecs()) {
        let alloc = new_alloc();
        let bump = alloc.frame();

        let slices_vec: Vec<&[usize]> = data.iter().map(Vec::as_slice).collect();
        let slices = slices_vec.as_slice();
        let (first_slice, remaining_slices) = match slices {
            [head, tail @ ..] => (*head, tail),
            [] => (&[][..], &[][..]),
        };

        let mut vec1 = FrameVec::new_in(&bump);
        vec1.extend_from_slice_copy(first_slice);
        prop_assert_eq!(vec1.as_slice(), first_slice);
        for slice in remaining_slices {
            vec1.extend_from_slice_copy(slice);
        }

        let mut vec2 = FrameVec::new_in(&bump);
        vec2.extend_from_slice_copy(first_slice);
        prop_assert_eq!(vec2.as_slice(), first_slice);
        vec2.extend_from_slices_copy(remaining_slices);

        prop_assert_eq!(vec1, vec2);
    }
}

// stress_raw_checkpoints: skipped, raw checkpoints are newer than bumpalo 3.20.

// ===== bumpalo client code: `collections::{Vec, String}` API beyond the test suite =====

#[test]
fn drain_filter_without_iterating_removes_every_match() {
    let (tracked, count) = tracked!();
    let alloc = new_alloc();
    let bump = alloc.frame();
    let mut v = FrameVec::new_in(&bump);
    v.extend((0..10).map(tracked));
    let mut it = v.drain_filter(|x| x.0 % 3 == 0);
    assert_eq!(it.next().map(|t| t.0), Some(0));
    drop(it); // 3, 6 and 9 are removed and dropped too (bumpalo's semantics)
    assert_eq!(count(), 4);
    assert_eq!(
        v.iter().map(|t| t.0).collect::<Vec<_>>(),
        [1, 2, 4, 5, 7, 8]
    );
    // The predicate may change the elements it keeps.
    let mut w = frame_vec![in &bump; 1, 2, 3, 4];
    let odd: Vec<i32> = w
        .drain_filter(|x| {
            *x *= 10;
            *x % 20 != 0
        })
        .collect();
    assert_eq!((odd, w.as_slice()), (vec![10, 30], &[20, 40][..]));
}

#[test]
fn drain_filter_on_an_explicit_vector() {
    let alloc = new_alloc();
    alloc.begin_frame();
    let mut v = alloc.frame_vec::<String>();
    v.extend(["a", "bb", "c", "dd"].map(String::from));
    let long: Vec<String> = v.drain_filter(|s| s.len() > 1).collect();
    assert_eq!(long, ["bb", "dd"]);
    assert_eq!(v, ["a", "c"].map(String::from));
    drop(v);
    alloc.end_frame();
}

#[test]
fn vec_compares_with_slice_and_array_references() {
    let alloc = new_alloc();
    let b = alloc.frame();
    let v = frame_vec![in &b; 1, 2, 3];
    let mut arr = [1, 2, 3];
    assert_eq!(v, &[1, 2, 3]);
    assert_eq!(v, &[1, 2, 3][..]);
    assert_eq!(v, &mut arr);
    assert_eq!(v, &mut arr[..]);
    assert_ne!(v, &[1, 2][..]);
}

#[test]
fn string_from_utf8_lossy_utf16_and_iter() {
    let alloc = new_alloc();
    let b = alloc.frame();
    let bytes = frame_vec![in &b; b'h', b'i'];
    let s = FrameString::from_utf8(bytes).unwrap();
    assert_eq!(s, "hi");
    let err = FrameString::from_utf8(frame_vec![in &b; b'a', 0xff]).unwrap_err();
    assert_eq!(err.utf8_error().valid_up_to(), 1);
    assert_eq!(err.into_bytes(), [b'a', 0xff]);

    let lossy = FrameString::from_utf8_lossy_in(b"ab\xffcd\xe2\x82", &b);
    assert_eq!(lossy, String::from_utf8_lossy(b"ab\xffcd\xe2\x82"));

    let text = "h€llo 𝄞";
    let utf16: Vec<u16> = text.encode_utf16().collect();
    assert_eq!(FrameString::from_utf16_in(&utf16, &b).unwrap(), text);
    assert!(FrameString::from_utf16_in(&[0xDD1E], &b).is_err());

    let rev = FrameString::from_iter_in(text.chars().rev(), &b);
    assert_eq!(rev, text.chars().rev().collect::<String>());

    // The explicit path keeps its kind: a live handle, usable after `end_frame`.
    alloc.begin_frame();
    let mut v = alloc.frame_vec::<u8>();
    v.extend_from_slice_copy("ok".as_bytes());
    let s = FrameString::from_utf8(v).unwrap();
    alloc.end_frame();
    assert_eq!(s, "ok");
}

#[test]
fn string_operators_and_comparisons() {
    let alloc = new_alloc();
    let b = alloc.frame();
    let mut s = FrameString::from_str_in("a", &b) + "b";
    s += "c";
    assert_eq!(s, "abc");
    assert_eq!("abc", s);
    assert_eq!(*"abc", s);
    assert_eq!(String::from("abc"), s);
    assert_eq!(std::borrow::Cow::Borrowed("abc"), s);
    assert_eq!(s, std::borrow::Cow::<str>::Owned("abc".into()));
    s.replace_range(1..2, "ß");
    assert_eq!(s, "aßc");
    s.replace_range(..=2, "");
    assert_eq!(s, "c");
    let r = catch_unwind(AssertUnwindSafe(|| {
        let mut t = FrameString::from_str_in("é", &b);
        t.replace_range(1.., "x");
    }));
    assert!(r.is_err());
    s.extend([
        std::borrow::Cow::Borrowed("d"),
        std::borrow::Cow::Owned("e".into()),
    ]);
    let m: &mut str = std::borrow::BorrowMut::borrow_mut(&mut s);
    m.make_ascii_uppercase();
    assert_eq!(s, "CDE");
}

#[test]
fn collect_in_option_result_and_strings() {
    let alloc = new_alloc();
    let b = alloc.frame();
    let all: Option<FrameVec<'_, u8>> = [Some(1), Some(2)].into_iter().collect_in(&b);
    assert_eq!(all.unwrap(), [1, 2]);
    let none: Option<FrameVec<'_, u8>> = [Some(1), None, Some(3)].into_iter().collect_in(&b);
    assert!(none.is_none());
    let parsed: Result<FrameVec<'_, u32>, _> =
        "1 2 x 4".split(' ').map(str::parse::<u32>).collect_in(&b);
    assert!(parsed.is_err());
    let words: FrameString<'_> = ["ab", "cd"].into_iter().collect_in(&b);
    assert_eq!(words, "abcd");
    let owned: FrameString<'_> = vec![String::from("x"), String::from("y")]
        .into_iter()
        .collect_in(&b);
    assert_eq!(owned, "xy");
    let chars: Result<FrameString<'_>, ()> = "hey".chars().map(Ok).collect_in(&b);
    assert_eq!(chars.unwrap(), "hey");
}
