//! Frame collections (SPEC §11): `FrameVec`, `FrameString`, `frame_format!`, `CollectIn`
//! and the bumpalo constructor grid on `Frame` and `SmartAlloc`, checked against `std`
//! and against bad input (lying iterators, panicking `Clone`/closures, overflow, budgets).

use std::cell::Cell;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};

use framealloc::{
    AllocConfig, BudgetPolicy, CollectIn, Error, FrameString, FrameVec, MisusePolicy, SmartAlloc,
    frame_format, frame_vec,
};
use framealloc_tests::iterations;

// ----- helpers -----

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

/// Run `f`, which must panic, and return its message.
#[track_caller]
fn expect_panic(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    panic_message(&*payload)
}

thread_local! {
    /// Drops of `Tracked` on this thread (tests run on their own threads).
    static DROPS: Cell<usize> = const { Cell::new(0) };
    /// `Tracked::clone` calls left before one panics.
    static CLONES_LEFT: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// A value with a destructor that counts its drops, and a `clone` that panics once
/// `CLONES_LEFT` clones have been made.
#[derive(Debug, PartialEq)]
struct Tracked(u32);

impl Clone for Tracked {
    fn clone(&self) -> Self {
        let left = CLONES_LEFT.get();
        assert!(left > 0, "clone of Tracked({}) panics", self.0);
        CLONES_LEFT.set(left - 1);
        Tracked(self.0)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        DROPS.set(DROPS.get() + 1);
    }
}

/// Zero the drop count and allow `clones` more clones on this thread.
fn track(clones: usize) {
    DROPS.set(0);
    CLONES_LEFT.set(clones);
}

fn drops() -> usize {
    DROPS.get()
}

/// The numbers inside (comparing with `[Tracked(..)]` literals would count their drops).
fn ids(values: &[Tracked]) -> Vec<u32> {
    values.iter().map(|t| t.0).collect()
}

/// Plain data (no destructor) that is `Clone` but not `Copy`; cloning 13 panics.
#[derive(Debug, PartialEq)]
struct Plain(u64);

impl Clone for Plain {
    fn clone(&self) -> Self {
        assert!(self.0 != 13, "clone of Plain(13) panics");
        Plain(self.0)
    }
}

/// An iterator whose `size_hint` (and so `len()`) always claims `hint` elements, whatever
/// it really yields: `start..end`.
#[derive(Debug, Clone)]
struct Liar {
    next: u32,
    end: u32,
    hint: usize,
}

fn liar(yields: u32, hint: usize) -> Liar {
    Liar {
        next: 0,
        end: yields,
        hint,
    }
}

impl Iterator for Liar {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        (self.next < self.end).then(|| {
            self.next += 1;
            self.next - 1
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.hint, Some(self.hint))
    }
}

impl ExactSizeIterator for Liar {}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
#[repr(align(4096))]
struct Page(u32);

fn is_page_aligned<T>(p: *const T) -> bool {
    (p as usize).is_multiple_of(4096)
}

/// The address distance between two allocations: equal to the first one's size when the
/// second was bumped right next to it.
fn distance<T, U>(a: *const T, b: *const U) -> usize {
    (a as usize).abs_diff(b as usize)
}

// ----- FrameVec against std -----

#[test]
fn extend_from_slice_matches_std() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let words: Vec<String> = (0..iterations(300, 40)).map(|i| i.to_string()).collect();
    let mut v = frame.frame_vec::<String>();
    let mut expected = Vec::new();
    for chunk in words.chunks(7) {
        v.extend_from_slice(chunk);
        expected.extend_from_slice(chunk);
        assert_eq!(v, expected);
    }
    v.extend_from_slice(&[]);
    assert_eq!(v, expected);
    assert!(v.capacity() >= v.len());

    let numbers: Vec<u16> = (0..iterations(1000, 100) as u16).collect();
    let mut copies = frame.frame_vec::<u16>();
    let mut expected = Vec::new();
    for chunk in numbers.chunks(13) {
        copies.extend_from_slice(chunk);
        copies.extend_from_slice_copy(chunk);
        expected.extend_from_slice(chunk);
        expected.extend_from_slice(chunk);
    }
    assert_eq!(copies, expected);

    let mut joined = frame.frame_vec::<u16>();
    joined.push(7);
    joined.extend_from_slices_copy(&[&numbers[..3], &[], &numbers[10..12], &[99]]);
    assert_eq!(joined, [7, 0, 1, 2, 10, 11, 99]);
    joined.extend_from_slices_copy(&[]);
    assert_eq!(joined.len(), 7);
    // One reservation for all the slices: a vector that starts empty gets exactly their
    // total (allocator-api2 grows to `max(2 * cap, needed)`, and 2 * 0 < 6).
    let mut exact = frame.frame_vec::<u16>();
    exact.extend_from_slices_copy(&[&numbers[..4], &numbers[4..6]]);
    assert_eq!((exact.len(), exact.capacity()), (6, 6));
}

#[test]
fn extend_matches_std_for_exact_filtered_and_lying_iterators() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let n = iterations(500, 60) as u32;

    // Exact size: one reservation of exactly what the iterator promises.
    let mut v = frame.frame_vec::<u32>();
    v.extend(0..n);
    assert_eq!(v, (0..n).collect::<Vec<_>>());
    assert_eq!(v.capacity(), n as usize);

    // No useful size hint.
    let mut filtered = frame.frame_vec::<u32>();
    filtered.extend((0..n).filter(|x| x % 3 == 1));
    assert_eq!(filtered, (0..n).filter(|x| x % 3 == 1).collect::<Vec<_>>());

    // Lying size hints, more and fewer than yielded, into empty and non-empty vectors.
    for (yields, hint) in [
        (0, 5),
        (3, 100),
        (100, 0),
        (100, 3),
        (50, 49),
        (50, 51),
        (9, 9),
    ] {
        for prefix in [0u32, 1, 7] {
            let mut ours = frame.frame_vec::<u32>();
            let mut std = Vec::new();
            ours.extend(1000..1000 + prefix);
            std.extend(1000..1000 + prefix);
            ours.extend(liar(yields, hint));
            std.extend(liar(yields, hint));
            assert_eq!(ours, std, "yields {yields}, hint {hint}, prefix {prefix}");
            // A twice-lying second extend on top.
            ours.extend(liar(yields, hint));
            std.extend(liar(yields, hint));
            assert_eq!(ours, std, "yields {yields}, hint {hint}, prefix {prefix}");
            assert!(ours.capacity() >= ours.len());
        }
    }

    // The explicit API's vector behaves the same.
    drop((v, filtered));
    drop(frame);
    alloc.begin_frame();
    let mut explicit = alloc.frame_vec::<u32>();
    explicit.extend(liar(40, 2));
    explicit.extend(liar(2, 40));
    let mut std = Vec::new();
    std.extend(liar(40, 2));
    std.extend(liar(2, 40));
    assert_eq!(explicit, std);
    drop(explicit);
    alloc.end_frame();
}

/// `frame_vec!`, bumpalo's `vec![in &bump; ..]`: the elements in order with exactly
/// their number as capacity, `n` clones of one element (its last copy moved, none made
/// for `n == 0`), destructors run, and the vector is the guard's (frozen with
/// `into_slice`).
#[test]
fn frame_vec_macro_matches_vec() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let listed = frame_vec![in &frame; 3u16, 1, 4, 1, 5,];
    assert_eq!(listed, vec![3u16, 1, 4, 1, 5]);
    assert_eq!(listed.capacity(), 5);
    let filled = frame_vec![in &frame; [7u8; 3]; 4];
    assert_eq!(filled, vec![[7u8; 3]; 4]);
    assert_eq!(filled.capacity(), 4);
    let mut empty: FrameVec<'_, u64> = frame_vec![in &frame];
    assert_eq!((empty.len(), empty.capacity()), (0, 0));
    empty.push(9);
    assert_eq!(empty, [9]);

    track(usize::MAX);
    {
        let three = frame_vec![in &frame; Tracked(5); 3];
        assert_eq!(ids(&three), [5, 5, 5]);
        assert_eq!(
            usize::MAX - CLONES_LEFT.get(),
            2,
            "two clones, the original moved in"
        );
        let none = frame_vec![in &frame; Tracked(6); 0];
        assert!(none.is_empty());
        assert_eq!(
            drops(),
            1,
            "the element of an empty fill is dropped at once"
        );
        let listed = frame_vec![in &frame; Tracked(1), Tracked(2)];
        assert_eq!(ids(&listed), [1, 2]);
    }
    assert_eq!(drops(), 1 + 3 + 2, "every element dropped once");

    let mut counted = 0;
    let side_effects = frame_vec![in &frame; { counted += 1; counted }, { counted += 1; counted }];
    assert_eq!(
        side_effects,
        [1, 2],
        "each element evaluated once, in order"
    );
    let frozen: &mut [u32] = frame_vec![in &frame; 1u32, 2, 3].into_slice();
    frozen[0] = 10;
    assert_eq!(frozen, [10, 2, 3]);
}

#[test]
fn extend_by_reference_and_collect_in() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let source = [5u64, 6, 7];
    let mut v = frame.frame_vec::<u64>();
    v.extend(&source);
    v.extend(source.iter());
    v.extend(&Vec::from([8u64]));
    let first = v.to_vec();
    v.extend(first.iter());
    assert_eq!(v, [5, 6, 7, 5, 6, 7, 8, 5, 6, 7, 5, 6, 7, 8]);

    let n = iterations(200, 30) as u64;
    let evens = (0..n)
        .filter(|x| x % 2 == 0)
        .collect_in::<FrameVec<'_, _>>(&frame);
    assert_eq!(evens, (0..n).filter(|x| x % 2 == 0).collect::<Vec<_>>());
    let squares = FrameVec::from_iter_in((0..n).map(|x| x * x), &frame);
    assert_eq!(squares, (0..n).map(|x| x * x).collect::<Vec<_>>());
    let lied: FrameVec<'_, u32> = liar(20, 3).collect_in(&frame);
    assert_eq!(lied, (0..20).collect::<Vec<_>>());
    let lied = FrameVec::from_iter_in(liar(3, 20), &frame);
    assert_eq!(lied, [0, 1, 2]);
    let strings = ["a", "bc"]
        .iter()
        .map(|s| s.repeat(2))
        .collect_in::<FrameVec<'_, _>>(&frame);
    assert_eq!(strings, ["aa".to_owned(), "bcbc".to_owned()]);
    // `new_in` / `with_capacity_in` are the guard's own constructors.
    let mut w = FrameVec::with_capacity_in(10, &frame);
    let buffer = w.as_ptr();
    w.extend(0..10u8);
    assert_eq!(
        (w.capacity(), w.as_ptr()),
        (10, buffer),
        "no growth within capacity"
    );
    let mut e = FrameVec::<u8>::new_in(&frame);
    assert_eq!((e.len(), e.capacity()), (0, 0));
    e.push(1);
    assert_eq!(e, [1]);
}

#[test]
fn panicking_clone_or_iterator_keeps_the_written_prefix_like_std() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let source: Vec<Tracked> = (0..6).map(Tracked).collect();
    track(4);
    let mut v = frame.frame_vec::<Tracked>();
    v.push(Tracked(100));
    let message = expect_panic(|| v.extend_from_slice(&source));
    assert!(message.contains("clone of Tracked(4) panics"), "{message}");
    // Four clones were written and kept (as `std`'s `extend_from_slice` keeps them).
    assert_eq!(ids(&v), [100, 0, 1, 2, 3]);
    assert_eq!(drops(), 0);
    drop(v);
    assert_eq!(drops(), 5);

    let mut v = frame.frame_vec::<u32>();
    v.extend(0..3);
    let message = expect_panic(|| {
        v.extend((10..20).inspect(|&x| assert!(x != 15, "iterator panics at 15")));
    });
    assert!(message.contains("iterator panics at 15"), "{message}");
    assert_eq!(v, [0, 1, 2, 10, 11, 12, 13, 14]);
    track(usize::MAX);
    drop(source);
}

#[test]
fn growth_keeps_contents_and_reuses_the_latest_allocation() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let n = iterations(2000, 200) as u64;

    // The vector is the arena's latest allocation all along: every growth reuses the
    // room it already has (bumpalo's in-place `grow`), so its buffer stays right next to
    // the allocation made before it instead of leaving old buffers in between.
    let marker = frame.alloc(u64::MAX);
    let mut v = frame.frame_vec::<u64>();
    for i in 0..n {
        v.push(i);
    }
    assert!(v.iter().copied().eq(0..n));
    let span = v.capacity() * 8;
    assert!(
        distance(std::ptr::from_ref(marker), v.as_ptr()) <= span + 8,
        "buffer {:p} of {span} bytes is not next to {:p}",
        v.as_ptr(),
        std::ptr::from_ref(marker)
    );

    // Growth interleaved with other allocations: the vector moves, nothing overlaps and
    // nothing is overwritten.
    let mut w = frame.frame_vec::<u64>();
    let mut expected = Vec::new();
    let mut others = Vec::new();
    for i in 0..n {
        w.push(i * 3);
        expected.push(i * 3);
        if i % 7 == 0 {
            others.push(frame.alloc([i; 4]));
        }
        if i % 50 == 0 {
            w.extend_from_slice_copy(&[1, 2, 3]);
            expected.extend_from_slice(&[1, 2, 3]);
        }
    }
    assert_eq!(w, expected);
    assert!(v.iter().copied().eq(0..n));
    let buffer = w.as_ptr_range();
    for (k, other) in others.iter().enumerate() {
        assert_eq!(**other, [k as u64 * 7; 4]);
        let at = other.as_ptr();
        assert!(
            at.wrapping_add(4) <= buffer.start || at >= buffer.end,
            "allocation {at:p} overlaps the vector {buffer:?}"
        );
    }
    assert_eq!(*marker, u64::MAX);
}

#[test]
fn zero_sized_elements() {
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct Unit;
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let mut v = frame.frame_vec::<Unit>();
    assert_eq!(v.capacity(), usize::MAX);
    v.push(Unit);
    v.extend(std::iter::repeat_n(Unit, 1000));
    v.extend_from_slice_copy(&[Unit; 10]);
    v.extend_from_slices_copy(&[&[Unit; 3], &[Unit; 4]]);
    v.extend(liar(5, 1_000_000).map(|_| Unit));
    assert_eq!(v.len(), 1 + 1000 + 10 + 7 + 5);
    assert_eq!(v.pop(), Some(Unit));
    let frozen: &mut [Unit] = v.into_slice();
    assert_eq!(frozen.len(), 1022);
    let filled = frame.alloc_slice_fill_with(1000, |_| ());
    assert_eq!(filled.len(), 1000);
    assert_eq!(frame.alloc_slice_copy(&[(); 7]).len(), 7);
    assert_eq!(
        frame
            .alloc_slice_fill_iter(std::iter::repeat_n(Unit, 5))
            .len(),
        5
    );

    // A zero-sized type with a destructor, through the explicit API.
    drop(frame);
    alloc.begin_frame();
    track(usize::MAX);
    #[derive(Debug)]
    struct Noisy;
    impl Drop for Noisy {
        fn drop(&mut self) {
            DROPS.set(DROPS.get() + 1);
        }
    }
    let mut noisy = alloc.frame_vec::<Noisy>();
    noisy.extend((0..10).map(|_| Noisy));
    noisy.truncate(4);
    assert_eq!(drops(), 6);
    let boxed = alloc.alloc_slice_fill_with(3, |_| Noisy);
    drop((noisy, boxed));
    assert_eq!(drops(), 13);
    assert_eq!(alloc.live_frame_handles(), 0);
    alloc.end_frame();
}

#[test]
fn page_aligned_elements() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let n = iterations(12, 5) as u32;
    let mut v = frame.frame_vec::<Page>();
    for i in 0..n {
        v.push(Page(i));
        frame.alloc(1u8); // knock the bump pointer off alignment between growths
        assert!(
            is_page_aligned(v.as_ptr()),
            "after push {i}: {:p}",
            v.as_ptr()
        );
    }
    v.extend_from_slice_copy(&[Page(100), Page(101)]);
    v.extend((0..2).map(|i| Page(200 + i)));
    assert!(is_page_aligned(v.as_ptr()));
    let expected: Vec<Page> = (0..n)
        .map(Page)
        .chain([Page(100), Page(101), Page(200), Page(201)])
        .collect();
    assert_eq!(v, expected);
    let frozen = v.into_slice();
    assert!(is_page_aligned(frozen.as_ptr()));
    assert_eq!(frozen, &expected[..]);

    let collected: FrameVec<'_, _> = (0..3).map(Page).collect_in(&frame);
    assert!(is_page_aligned(collected.as_ptr()));
    let filled = frame.alloc_slice_fill_copy(3, Page(7));
    assert!(is_page_aligned(filled.as_ptr()));
    assert_eq!(filled, [Page(7); 3]);
    let cloned = frame.alloc_slice_clone(&[Page(1), Page(2)]);
    assert!(is_page_aligned(cloned.as_ptr()));
    let from_iter = frame.alloc_slice_fill_iter((0..2).map(Page));
    assert!(is_page_aligned(from_iter.as_ptr()));
    assert_eq!(from_iter, [Page(0), Page(1)]);
    drop(collected);
    drop(frame);

    alloc.begin_frame();
    let boxed = alloc.alloc_slice_copy(&[Page(3), Page(4)]);
    assert!(is_page_aligned(boxed.as_ptr()));
    let with = alloc.alloc_with(|| Page(5));
    assert!(is_page_aligned(&raw const *with));
    let explicit = alloc.alloc_slice_fill_with(2, |i| Page(i as u32));
    assert!(is_page_aligned(explicit.as_ptr()));
    assert_eq!(*boxed, [Page(3), Page(4)]);
    assert_eq!(*with, Page(5));
    assert_eq!(*explicit, [Page(0), Page(1)]);
    drop((boxed, with, explicit));
    alloc.end_frame();
}

// ----- into_slice -----

#[test]
fn into_slice_outlives_the_vector_while_the_guard_lives() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let frozen: &mut [u32] = {
        let mut v = frame.frame_vec::<u32>();
        v.extend(0..100);
        v.retain(|x| x % 10 == 0);
        v.into_slice()
    };
    assert_eq!(frozen, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    // Later allocations (vectors that grow, plain values) never land on it.
    let mut later = frame.frame_vec::<u32>();
    later.extend(std::iter::repeat_n(0xDEAD_BEEF, iterations(1000, 100)));
    let value = frame.alloc([0xFFu8; 64]);
    frozen[0] = 1;
    assert_eq!(frozen, [1, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    assert!(later.iter().all(|&x| x == 0xDEAD_BEEF));
    assert_eq!(*value, [0xFF; 64]);
    let empty = frame.frame_vec::<u64>().into_slice();
    assert!(empty.is_empty());
    let text = FrameString::from_str_in("héllo", &frame).into_str();
    text.make_ascii_uppercase();
    assert_eq!(text, "HéLLO");
}

#[test]
fn into_slice_of_an_explicit_vector_panics_naming_into_vec() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    track(usize::MAX);
    let mut v = alloc.frame_vec::<u32>();
    v.extend([1, 2, 3]);
    assert_eq!(alloc.live_frame_handles(), 1);
    let message = expect_panic(|| {
        let _ = v.into_slice();
    });
    assert!(message.contains("into_vec"), "{message}");
    assert!(message.contains("SmartAlloc::frame_vec"), "{message}");
    // The vector was dropped by the unwind: no handle is left behind.
    assert_eq!(alloc.live_frame_handles(), 0);

    // A `FrameString` from the explicit API: its own panic, naming its own way out.
    let s = alloc.frame_string();
    let message = expect_panic(|| {
        let _ = s.into_str();
    });
    assert!(message.contains("into_str"), "{message}");
    assert!(message.contains("to_std_string"), "{message}");
    assert_eq!(alloc.live_frame_handles(), 0);

    // `into_vec` is the way out, and it keeps the elements.
    let mut v = alloc.frame_vec::<u32>();
    v.extend([4, 5]);
    assert_eq!(v.into_vec(), vec![4, 5]);
    assert_eq!(alloc.live_frame_handles(), 0);
    alloc.end_frame();
}

#[test]
fn guard_made_collections_are_not_live_handles() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    assert_eq!(alloc.live_frame_handles(), 0);
    let mut v = frame.frame_vec::<u32>();
    v.extend(0..100);
    let w = FrameVec::<u8>::with_capacity_in(16, &frame);
    let c: FrameVec<'_, _> = (0..5).collect_in(&frame);
    let s = frame_format!(frame, "{}", 42);
    let t = FrameString::from_str_in("x", &frame);
    let it = v.into_iter();
    assert_eq!(alloc.live_frame_handles(), 0);

    let mut explicit = alloc.frame_vec::<u32>();
    assert_eq!(alloc.live_frame_handles(), 1);
    let explicit_string = alloc.frame_string();
    assert_eq!(alloc.live_frame_handles(), 2);
    explicit.push(1);
    let explicit_iter = explicit.into_iter(); // still alive: the iterator holds it
    assert_eq!(alloc.live_frame_handles(), 2);
    drop(explicit_string);
    assert_eq!(alloc.live_frame_handles(), 1);
    assert_eq!(explicit_iter.sum::<u32>(), 1);
    assert_eq!(alloc.live_frame_handles(), 0);
    assert_eq!(
        it.len() + w.capacity() + c.len() + s.len() + t.len(),
        100 + 16 + 5 + 2 + 1
    );
}

// ----- FrameString -----

#[test]
fn frame_string_matches_std() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let mut s = frame.frame_string();
    let mut expected = String::new();
    for piece in ["a", "é", "", "日本", "🦀", "tab\t\"quoted\"", "z"] {
        s.push_str(piece);
        expected.push_str(piece);
        assert_eq!((s.as_str(), s.len()), (expected.as_str(), expected.len()));
    }
    for c in ['x', 'ß', '€', '𝄞'] {
        s.push(c);
        expected.push(c);
    }
    s.extend(['1', 'é']);
    expected.extend(['1', 'é']);
    s.extend(["ab", "ç"]);
    expected.extend(["ab", "ç"]);
    assert_eq!(s, expected);
    assert_eq!(s.to_std_string(), expected);
    assert_eq!(
        s.chars().rev().collect::<String>(),
        expected.chars().rev().collect::<String>()
    );
    assert_eq!(format!("{s}"), expected);
    assert_eq!(format!("{s:?}"), format!("{expected:?}"));
    assert_eq!(format!("[{s:>40}]"), format!("[{expected:>40}]"));
    // pop, character by character, multi-byte ones included.
    loop {
        let (ours, std) = (s.pop(), expected.pop());
        assert_eq!(ours, std);
        assert_eq!(s, expected);
        if ours.is_none() {
            break;
        }
    }
    assert!(s.is_empty());
}

#[test]
fn frame_string_truncate_checks_char_boundaries() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    // Byte boundaries: a 0..1, é 1..3, 日 3..6, 🦀 6..10.
    let mut s = FrameString::from_str_in("aé日🦀", &frame);
    s.truncate(100);
    assert_eq!(s, "aé日🦀");
    s.truncate(10);
    assert_eq!(s, "aé日🦀");
    for bad in [2, 4, 5, 7, 8, 9] {
        let message = expect_panic(|| s.truncate(bad));
        assert!(
            message.contains(&format!("{bad} is not a char boundary")),
            "{message}"
        );
        assert_eq!(s, "aé日🦀", "a failed truncate changes nothing");
    }
    s.truncate(6);
    assert_eq!(s, "aé日");
    s.truncate(3);
    assert_eq!(s, "aé");
    s.truncate(0);
    assert_eq!(s, "");
    let mut w = FrameString::with_capacity_in(16, &frame);
    assert!(w.capacity() >= 16);
    write!(w, "{}", "é".repeat(8)).unwrap();
    w.clear();
    assert_eq!((w.len(), w.capacity() >= 16), (0, true));
}

#[test]
fn formatting_into_frame_memory() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    // `fmt::Write`.
    let mut s = FrameString::new_in(&frame);
    write!(s, "{:>5}|{:<3}|{:x}|{:.2}", 42, 'é', 255, 1.0 / 3.0).unwrap();
    write!(s, "|{:?}", Some("q")).unwrap();
    s.write_str("\n").unwrap();
    s.write_char('🦀').unwrap();
    assert_eq!(
        s,
        format!(
            "{:>5}|{:<3}|{:x}|{:.2}|{:?}\n🦀",
            42,
            'é',
            255,
            1.0 / 3.0,
            Some("q")
        )
    );
    // `frame.format` and `frame_format!`, a literal alone and with arguments.
    let literal = frame.format(format_args!("no arguments {{here}}"));
    assert_eq!(literal, "no arguments {here}");
    let args = frame.format(format_args!("{}-{:03}", "id", 7));
    assert_eq!(args, "id-007");
    let name = "probe";
    let inline = frame_format!(frame, "{name}: {:.1} ms", 16.66);
    assert_eq!(inline, "probe: 16.7 ms");
    let plain = frame_format!(frame, "just text");
    assert_eq!((plain.as_str(), plain.len()), ("just text", 9));
    let empty = frame_format!(frame, "");
    assert!(empty.is_empty());
    let long = frame_format!(frame, "{}", "ab".repeat(iterations(5000, 500)));
    assert_eq!(long.len(), 2 * iterations(5000, 500));
    assert!(long.as_bytes().chunks(2).all(|c| c == b"ab"));
}

#[test]
fn frame_string_comparisons_and_into_str() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let a = FrameString::from_str_in("apple", &frame);
    let b = frame_format!(frame, "{}", "banana");
    let a2 = frame_format!(frame, "app{}", "le");
    assert_eq!(a, a2);
    assert_ne!(a, b);
    assert!(a < b && b > a2);
    assert_eq!(a.cmp(&a2), std::cmp::Ordering::Equal);
    let owned = String::from("apple");
    assert!(a == "apple" && a == *"apple" && a == owned);
    assert!(a != "apples");
    let mut sorted = [b, a, a2];
    sorted.sort();
    assert_eq!(
        sorted.map(|s| s.to_std_string()),
        ["apple", "apple", "banana"]
    );
    // `Hash` agrees with `str` (it is `Borrow<str>`).
    let set: HashSet<FrameString<'_>> = ["x", "y"]
        .into_iter()
        .map(|s| FrameString::from_str_in(s, &frame))
        .collect();
    assert!(set.contains("x") && set.contains("y") && !set.contains("z"));

    let frozen: &mut str = {
        let mut s = frame_format!(frame, "{}-{}", 'a', 2);
        s.push('!');
        s.into_str()
    };
    frozen.make_ascii_uppercase();
    let after = frame_format!(frame, "{}", "overwrites nothing");
    assert_eq!((&*frozen, after.as_str()), ("A-2!", "overwrites nothing"));
}

// ----- the constructor grid -----

#[test]
fn scoped_constructor_grid_and_try_twins() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    assert_eq!(frame.alloc_str("héllo"), "héllo");
    assert_eq!(frame.try_alloc_str("wörld").unwrap(), "wörld");
    assert_eq!(frame.alloc_slice_copy(&[1u16, 2, 3]), [1, 2, 3]);
    assert_eq!(frame.try_alloc_slice_copy(&[4u16]).unwrap(), [4]);
    assert_eq!(
        frame.alloc_slice_clone(&[Plain(1), Plain(2)]),
        [Plain(1), Plain(2)]
    );
    assert_eq!(
        frame.try_alloc_slice_clone(&[Plain(3)]).unwrap(),
        [Plain(3)]
    );
    assert_eq!(frame.alloc_slice_fill_copy(3, 9u8), [9, 9, 9]);
    assert_eq!(frame.try_alloc_slice_fill_copy(2, 8u8).unwrap(), [8, 8]);
    assert_eq!(
        frame.alloc_slice_fill_clone(2, &Plain(5)),
        [Plain(5), Plain(5)]
    );
    assert_eq!(
        frame.try_alloc_slice_fill_clone(1, &Plain(6)).unwrap(),
        [Plain(6)]
    );
    assert_eq!(frame.alloc_slice_fill_default::<u32>(3), [0, 0, 0]);
    assert_eq!(frame.try_alloc_slice_fill_default::<u32>(1).unwrap(), [0]);
    assert_eq!(frame.alloc_slice_fill_with(4, |i| i * i), [0, 1, 4, 9]);
    assert_eq!(
        frame.try_alloc_slice_fill_with(2, |i| i + 1).unwrap(),
        [1, 2]
    );
    assert_eq!(
        frame.alloc_slice_fill_iter([1, 2, 3].map(|x| x * 2)),
        [2, 4, 6]
    );
    assert_eq!(frame.try_alloc_slice_fill_iter(0..2).unwrap(), [0, 1]);
    assert_eq!(*frame.alloc_with(|| [7u64; 4]), [7; 4]);
    assert_eq!(*frame.try_alloc_with(|| Plain(8)).unwrap(), Plain(8));
    assert!(frame.alloc_slice_fill_copy(0, 1u64).is_empty());
    assert!(frame.alloc_slice_fill_iter(0..0).is_empty());
    // Nothing overlaps: two slices made back to back are disjoint and intact.
    let x = frame.alloc_slice_fill_copy(16, 0xAAu8);
    let y = frame.alloc_slice_fill_copy(16, 0xBBu8);
    assert!(x.iter().all(|&b| b == 0xAA) && y.iter().all(|&b| b == 0xBB));
    assert!(frame.allocated_bytes() >= 32);
    assert_eq!(
        alloc.live_frame_handles(),
        0,
        "the scoped grid counts nothing"
    );
}

#[test]
fn fill_iter_with_a_lying_len() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    // `len()` says 8 but the iterator ends after 3: a clear panic, and the room is given
    // back (the next two allocations are bumped next to each other).
    let before = frame.alloc_slice_fill_copy(8, 0u64).as_ptr();
    let message = expect_panic(|| {
        let _ = frame.alloc_slice_fill_iter(liar(3, 8));
    });
    assert!(
        message.contains("len() promised 8 elements but it ended after 3"),
        "{message}"
    );
    let message = expect_panic(|| {
        let _ = frame.try_alloc_slice_fill_iter(liar(0, 8));
    });
    assert!(
        message.contains("promised 8 elements but it ended after 0"),
        "{message}"
    );
    let after = frame.alloc_slice_fill_copy(8, 0u64).as_ptr();
    assert_eq!(
        distance(before, after),
        64,
        "the failed rooms were not given back"
    );

    // `len()` says 3 but there are 10: exactly 3 are taken, the rest stay in the iterator.
    let mut long = liar(10, 3);
    assert_eq!(frame.alloc_slice_fill_iter(long.by_ref()), [0, 1, 2]);
    assert_eq!(long.next(), Some(3));
    let mut long = liar(10, 3);
    assert_eq!(
        frame.try_alloc_slice_fill_iter(long.by_ref()).unwrap(),
        [0, 1, 2]
    );
    assert_eq!(long.next(), Some(3));

    // The explicit twin: the items taken are dropped, the room given back, no handle left.
    drop(frame);
    alloc.begin_frame();
    track(usize::MAX);
    let before = alloc.alloc_slice_fill_copy(4, 0u64);
    let message = expect_panic(|| {
        let _ = alloc.alloc_slice_fill_iter((0..3).map(Tracked).lying(6));
    });
    assert!(
        message.contains("promised 6 elements but it ended after 3"),
        "{message}"
    );
    assert_eq!(drops(), 3);
    let after = alloc.alloc_slice_fill_copy(4, 0u64);
    assert_eq!(distance(before.as_ptr(), after.as_ptr()), 32);
    assert_eq!(alloc.live_frame_handles(), 2);
    let mut long = liar(10, 3);
    assert_eq!(*alloc.alloc_slice_fill_iter(long.by_ref()), [0, 1, 2]);
    assert_eq!(long.next(), Some(3));
    drop((before, after));
    assert_eq!(alloc.live_frame_handles(), 0);
    alloc.end_frame();
}

/// Wrap any iterator so its `len()` claims `n`.
trait Lying: Iterator + Sized {
    fn lying(self, n: usize) -> LyingLen<Self> {
        LyingLen(self, n)
    }
}

impl<I: Iterator> Lying for I {}

struct LyingLen<I>(I, usize);

impl<I: Iterator> Iterator for LyingLen<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        self.0.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.1, Some(self.1))
    }
}

impl<I: Iterator> ExactSizeIterator for LyingLen<I> {}

#[test]
fn panicking_clone_gives_the_room_back() {
    // The explicit API: the clones made so far are dropped, nothing leaks.
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let source: Vec<Tracked> = (0..5).map(Tracked).collect();
    track(2);
    let before = alloc.alloc_slice_fill_copy(4, 0u64);
    let handles = alloc.live_frame_handles();
    let message = expect_panic(|| {
        let _ = alloc.alloc_slice_clone(&source);
    });
    assert!(message.contains("clone of Tracked(2) panics"), "{message}");
    assert_eq!(drops(), 2, "the two clones made are dropped");
    assert_eq!(alloc.live_frame_handles(), handles);
    track(0);
    assert!(
        catch_unwind(AssertUnwindSafe(|| alloc.try_alloc_slice_clone(&source))).is_err(),
        "the try_ twin panics the same way (a panicking Clone is not an error value)"
    );
    assert_eq!((drops(), alloc.live_frame_handles()), (0, handles));
    let after = alloc.alloc_slice_fill_copy(4, 0u64);
    assert_eq!(
        distance(before.as_ptr(), after.as_ptr()),
        32,
        "room not given back"
    );
    track(usize::MAX);
    let fine = alloc.alloc_slice_clone(&source);
    assert_eq!(*fine, *source);
    drop(fine);
    assert_eq!(drops(), 5);
    drop((before, after, source));
    assert_eq!(alloc.live_frame_handles(), 0);
    alloc.end_frame();

    // The scoped API with plain data: the room is given back.
    let frame = alloc.frame();
    let source = [Plain(1), Plain(2), Plain(13), Plain(4)];
    let before = frame.alloc_slice_fill_copy(4, 0u64).as_ptr();
    let message = expect_panic(|| {
        let _ = frame.alloc_slice_clone(&source);
    });
    assert!(message.contains("clone of Plain(13) panics"), "{message}");
    assert!(catch_unwind(AssertUnwindSafe(|| frame.try_alloc_slice_clone(&source))).is_err());
    assert!(
        catch_unwind(AssertUnwindSafe(
            || frame.alloc_slice_fill_clone(3, &Plain(13))
        ))
        .is_err()
    );
    let after = frame.alloc_slice_fill_copy(4, 0u64).as_ptr();
    assert_eq!(distance(before, after), 32, "room not given back");
}

#[test]
fn panicking_fill_closure_gives_the_room_back() {
    let alloc = SmartAlloc::new(AllocConfig {
        initial_frame_capacity: 4096,
        ..Default::default()
    });
    let frame = alloc.frame();
    let capacity = frame.allocated_bytes();
    let before = frame.alloc_slice_fill_copy(4, 0u64).as_ptr();
    // Far more failed room than the arena holds: if any were kept, it would have grown.
    let rounds = capacity / 1024 * 2 + 1;
    for round in 0..rounds {
        let message = expect_panic(|| {
            let _ = frame.alloc_slice_fill_with(128, |i| {
                assert!(i < 100, "fill panics at {i} in round {round}");
                i as u64
            });
        });
        assert!(message.contains("fill panics at 100"), "{message}");
    }
    let panics = |f: &dyn Fn()| catch_unwind(AssertUnwindSafe(f)).is_err();
    assert!(panics(&|| {
        let _ = frame.try_alloc_slice_fill_with(4, |_| -> u8 { panic!("try_ fill") });
    }));
    assert!(panics(&|| {
        let _ = frame.try_alloc_with(|| -> [u64; 4] { panic!("try_alloc_with") });
    }));
    let after = frame.alloc_slice_fill_copy(4, 0u64).as_ptr();
    assert_eq!(frame.allocated_bytes(), capacity, "the arena grew");
    assert_eq!(distance(before, after), 32, "room not given back");
    // The plain `frame.alloc_with` bumps its room before running `f` and abandons it
    // when `f` panics (documented, as in bumpalo): the next allocation lands past it.
    assert!(panics(&|| {
        let _ = frame.alloc_with(|| -> [u64; 4] { panic!("alloc_with") });
    }));
    let last = frame.alloc_slice_fill_copy(4, 0u64).as_ptr();
    assert_eq!(distance(after, last), 64);
    drop(frame);

    // The explicit API: values made so far dropped, room given back, no handle left.
    alloc.begin_frame();
    track(usize::MAX);
    let before = alloc.alloc_slice_fill_copy(4, 0u64);
    let message = expect_panic(|| {
        let _ = alloc.alloc_slice_fill_with(6, |i| {
            assert!(i < 4, "explicit fill panics at {i}");
            Tracked(i as u32)
        });
    });
    assert!(message.contains("explicit fill panics at 4"), "{message}");
    assert_eq!(drops(), 4);
    let message = expect_panic(|| drop(alloc.alloc_with(|| -> Tracked { panic!("with") })));
    assert!(message.contains("with"), "{message}");
    let after = alloc.alloc_slice_fill_copy(4, 0u64);
    assert_eq!(
        distance(before.as_ptr(), after.as_ptr()),
        32,
        "room not given back"
    );
    assert_eq!(alloc.live_frame_handles(), 2);
    drop((before, after));
    alloc.end_frame();
    assert_eq!(alloc.live_frame_handles(), 0);
}

// ----- overflow and budgets -----

#[test]
fn capacity_overflow_on_every_growth_path() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let mut v = frame.frame_vec::<u64>();
    v.push(1);
    assert_eq!(v.try_reserve(usize::MAX), Err(Error::CapacityOverflow));
    assert_eq!(
        v.try_reserve_exact(usize::MAX),
        Err(Error::CapacityOverflow)
    );
    // (1 + isize::MAX / 8) * 8 bytes is one past isize::MAX.
    assert_eq!(
        v.try_reserve_exact(isize::MAX as usize / 8),
        Err(Error::CapacityOverflow)
    );
    assert_eq!(v.try_push(2), Ok(()));
    assert_eq!(v, [1, 2], "failed reservations change nothing");

    // A zero-sized vector can hold `usize::MAX` elements and not one more.
    let all: &[()] = &[(); usize::MAX];
    let mut units = frame.frame_vec::<()>();
    units.extend_from_slice_copy(all);
    assert_eq!(units.len(), usize::MAX);
    assert_eq!(units.try_push(()), Err(((), Error::CapacityOverflow)));
    assert_eq!(
        units.try_extend_from_slice_copy(&[()]),
        Err(Error::CapacityOverflow)
    );
    assert_eq!(units.try_reserve(1), Err(Error::CapacityOverflow));
    assert_eq!(units.try_reserve_exact(1), Err(Error::CapacityOverflow));
    assert_eq!(units.len(), usize::MAX);
    let mut fresh = frame.frame_vec::<()>();
    let message = expect_panic(|| fresh.extend_from_slices_copy(&[all, &[()]]));
    assert!(message.contains("CapacityOverflow"), "{message}");
    assert!(fresh.is_empty());

    // Sized constructors.
    assert_eq!(
        frame.try_alloc_slice_fill_copy(usize::MAX, 0u64).err(),
        Some(Error::CapacityOverflow)
    );
    assert_eq!(
        frame
            .try_alloc_slice_fill_with(usize::MAX / 2, |_| 0u32)
            .err(),
        Some(Error::CapacityOverflow)
    );
    assert_eq!(
        frame.try_frame_vec_with_capacity::<u64>(usize::MAX).err(),
        Some(Error::CapacityOverflow)
    );
    let message = expect_panic(|| {
        let _ = frame.alloc_slice_fill_copy(usize::MAX, 0u64);
    });
    assert!(message.contains("CapacityOverflow"), "{message}");
    let mut s = frame.frame_string();
    s.push_str("kept");
    assert_eq!(s.try_reserve(usize::MAX), Err(Error::CapacityOverflow));
    assert_eq!(s, "kept");
    drop((v, units, fresh, s));
    drop(frame);

    alloc.begin_frame();
    assert_eq!(
        alloc.try_frame_vec_with_capacity::<u64>(usize::MAX).err(),
        Some(Error::CapacityOverflow)
    );
    assert_eq!(
        alloc.try_alloc_slice_fill_copy(usize::MAX, 0u64).err(),
        Some(Error::CapacityOverflow)
    );
    assert_eq!(alloc.live_frame_handles(), 0);
    alloc.end_frame();
}

fn enforced(on_misuse: MisusePolicy) -> SmartAlloc {
    let alloc = SmartAlloc::new(AllocConfig {
        budget_policy: BudgetPolicy::Enforce,
        on_misuse,
        ..Default::default()
    });
    alloc.set_thread_frame_budget(4096);
    alloc
}

/// Enforce, thread frame budget 4 KiB, 64 KiB appended:
/// - `push_str` and `frame_format!` panic naming `BudgetExceeded` (plain calls follow
///   `on_misuse = Panic`);
/// - the `try_` growth paths (`try_push_str`, `try_reserve`, `try_reserve_exact`,
///   `try_extend_from_slice_copy`, `try_frame_vec_with_capacity`) check the budget
///   before growing and return `Err(BudgetExceeded)`, under `Panic` and `Log` alike;
/// - under `on_misuse = Log` plain growth logs and goes on past the budget.
///
/// Whatever is refused, the string or vector is left as it was.
#[test]
fn budget_enforced_formatting() {
    let big = "x".repeat(64 * 1024);
    let alloc = enforced(MisusePolicy::Panic);
    let frame = alloc.frame();
    let mut s = frame.frame_string();
    s.push_str("head");
    let message = expect_panic(|| s.push_str(&big));
    assert!(message.contains("BudgetExceeded"), "{message}");
    assert_eq!(s, "head");
    let message = expect_panic(|| {
        let _ = frame_format!(frame, "{big}");
    });
    assert!(message.contains("BudgetExceeded"), "{message}");
    // The `try_` growth paths refuse before growing: the error, nothing changed.
    assert!(matches!(
        s.try_push_str(&big),
        Err(Error::BudgetExceeded { limit: 4096, .. })
    ));
    assert_eq!(s, "head");
    let mut v = frame.frame_vec::<u8>();
    assert!(matches!(
        v.try_reserve(big.len()),
        Err(Error::BudgetExceeded { .. })
    ));
    assert!(matches!(
        v.try_reserve_exact(big.len()),
        Err(Error::BudgetExceeded { .. })
    ));
    assert!(matches!(
        v.try_extend_from_slice_copy(big.as_bytes()),
        Err(Error::BudgetExceeded { .. })
    ));
    assert_eq!((v.len(), v.capacity()), (0, 0));
    drop(v);
    assert!(matches!(
        frame.try_frame_vec_with_capacity::<u8>(big.len()),
        Err(Error::BudgetExceeded { limit: 4096, .. })
    ));
    // Under the budget, everything still works.
    s.try_push_str("-tail").unwrap();
    assert_eq!(frame_format!(frame, "{s}!"), "head-tail!");
    drop(s);
    drop(frame);

    // Under `Log`, a `try_` call is still refused (strict); plain growth logs and goes on.
    let alloc = enforced(MisusePolicy::Log);
    let frame = alloc.frame();
    let mut s = frame.frame_string();
    assert!(matches!(
        s.try_push_str(&big),
        Err(Error::BudgetExceeded { .. })
    ));
    s.push_str(&big);
    assert_eq!(s.len(), big.len());
    let formatted = frame_format!(frame, "{big}");
    assert_eq!(formatted.len(), big.len());
}

// ----- the explicit twins on SmartAlloc -----

#[test]
fn explicit_twins_outside_a_frame_are_not_in_frame() {
    let alloc = SmartAlloc::new(Default::default());
    track(usize::MAX);
    let ran = Cell::new(false);
    let mut items = 0..3u8;
    assert_eq!(alloc.try_alloc_str("x").err(), Some(Error::NotInFrame));
    assert_eq!(
        alloc.try_alloc_slice_copy(&[1u8]).err(),
        Some(Error::NotInFrame)
    );
    assert_eq!(
        alloc.try_alloc_slice_fill_copy(2, 1u8).err(),
        Some(Error::NotInFrame)
    );
    assert_eq!(
        alloc.try_alloc_slice_fill_clone(2, &Tracked(1)).err(),
        Some(Error::NotInFrame)
    );
    assert_eq!(
        alloc.try_alloc_slice_fill_default::<u8>(2).err(),
        Some(Error::NotInFrame)
    );
    assert_eq!(
        alloc.try_alloc_slice_fill_with(2, |_| ran.set(true)).err(),
        Some(Error::NotInFrame)
    );
    assert_eq!(
        alloc.try_alloc_slice_fill_iter(items.by_ref()).err(),
        Some(Error::NotInFrame)
    );
    assert_eq!(
        alloc.try_alloc_slice_clone(&[Tracked(2)]).err(),
        Some(Error::NotInFrame)
    );
    let captured = Tracked(3);
    assert_eq!(
        alloc.try_alloc_with(move || captured).err(),
        Some(Error::NotInFrame)
    );
    assert_eq!(alloc.try_frame_vec::<u8>().err(), Some(Error::NotInFrame));
    assert_eq!(
        alloc.try_frame_vec_with_capacity::<u8>(8).err(),
        Some(Error::NotInFrame)
    );
    assert!(!ran.get(), "no fill closure ran");
    assert_eq!(items.next(), Some(0), "no item was taken");
    // Tracked(1) and Tracked(2) temporaries, and the closure holding Tracked(3), dropped.
    assert_eq!(drops(), 3);
    for message in [
        expect_panic(|| drop(alloc.alloc_str("x"))),
        expect_panic(|| drop(alloc.alloc_slice_copy(&[1u8]))),
        expect_panic(|| drop(alloc.alloc_slice_fill_with(1, |_| ran.set(true)))),
        expect_panic(|| drop(alloc.alloc_with(|| ran.set(true)))),
        expect_panic(|| drop(alloc.frame_string())),
    ] {
        assert!(message.contains("NotInFrame"), "{message}");
    }
    assert!(!ran.get());
    assert_eq!(alloc.live_frame_handles(), 0);
}

#[test]
fn explicit_handles_run_destructors() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    track(usize::MAX);
    let a = alloc.alloc_with(|| Tracked(1));
    let b = alloc.alloc_slice_fill_clone(3, &Tracked(2)); // the temporary drops: 1
    let c = alloc.alloc_slice_fill_with(4, |i| Tracked(i as u32));
    let d = alloc.alloc_slice_fill_iter((0..2).map(Tracked));
    let source = [Tracked(7), Tracked(8)];
    let e = alloc.alloc_slice_clone(&source);
    let name = alloc.alloc_str("explicit");
    let copies = alloc.alloc_slice_copy(&[1u32, 2]);
    assert_eq!(drops(), 1);
    assert_eq!(alloc.live_frame_handles(), 7);
    assert_eq!((a.0, &*name, &*copies), (1, "explicit", &[1, 2][..]));
    assert_eq!(ids(&b), [2, 2, 2]);
    assert_eq!(ids(&c), [0, 1, 2, 3]);
    assert_eq!(ids(&d), [0, 1]);
    assert_eq!(*e, source);
    drop(a);
    assert_eq!(drops(), 2);
    drop(b);
    assert_eq!(drops(), 5);
    alloc.end_frame(); // deferred: handles are alive
    assert_eq!(ids(&c), [0, 1, 2, 3]);
    drop((c, d, e, name, copies));
    assert_eq!(drops(), 13);
    // Vectors: the explicit one and the guard-made one both drop their elements, and a
    // partly consumed `into_iter` drops the rest.
    alloc.begin_frame();
    let mut v = alloc.frame_vec::<Tracked>();
    v.extend((0..5).map(Tracked));
    let mut it = v.into_iter();
    assert_eq!(it.next().map(|t| t.0), Some(0));
    assert_eq!(drops(), 14);
    drop(it);
    assert_eq!(drops(), 18);
    alloc.end_frame();
    let frame = alloc.frame();
    let mut g = frame.frame_vec::<Tracked>();
    g.extend((0..3).map(Tracked));
    drop(g);
    assert_eq!(drops(), 21);
    drop(source);
    assert_eq!(drops(), 23);
    assert_eq!(alloc.live_frame_handles(), 0);
}

// ----- std / bumpalo parity: Clone, ordering, editing methods -----

#[test]
fn vec_clone_of_a_guard_made_vector_is_guard_made_and_drops_its_elements() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    track(usize::MAX);
    let mut v = frame.frame_vec::<Tracked>();
    v.extend((0..4).map(Tracked));
    v.reserve(100);
    let c = v.clone();
    assert_eq!(ids(&c), [0, 1, 2, 3]);
    assert_eq!(
        (c.len(), c.capacity()),
        (4, 4),
        "room for exactly the elements"
    );
    assert_ne!(c.as_ptr(), v.as_ptr());
    assert_eq!(
        alloc.live_frame_handles(),
        0,
        "no hold: it borrows the guard"
    );
    assert_eq!(drops(), 0);
    drop(c);
    assert_eq!(drops(), 4, "the copy dropped its own elements");
    assert_eq!(ids(&v), [0, 1, 2, 3]);

    // A guard-made copy can be frozen, as the original can.
    let mut w = frame.frame_vec::<u32>();
    w.extend([5, 6]);
    let frozen: &mut [u32] = w.clone().into_slice();
    frozen[0] = 50;
    assert_eq!((&*frozen, w.as_slice()), (&[50, 6][..], &[5, 6][..]));
    let empty = frame.frame_vec::<String>().clone();
    assert_eq!((empty.len(), empty.capacity()), (0, 0));

    // `clone_from` keeps the target's buffer and assigns over its elements.
    let mut target = frame.frame_vec_with_capacity::<Tracked>(8);
    target.push(Tracked(9));
    let buffer = target.as_ptr();
    target.clone_from(&v);
    assert_eq!(ids(&target), [0, 1, 2, 3]);
    assert_eq!(target.as_ptr(), buffer);
    assert_eq!(drops(), 5, "Tracked(9) was assigned over");
    drop(target);
    drop(v);
    assert_eq!(drops(), 13);
    assert_eq!(alloc.live_frame_handles(), 0);
}

#[test]
fn vec_clone_of_an_explicit_vector_keeps_the_frame_memory_until_it_drops() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let mut v = alloc.frame_vec::<u64>();
    v.extend(0..64);
    let c = v.clone();
    assert_eq!(alloc.live_frame_handles(), 2, "the copy is a live handle");
    assert!(c.iter().copied().eq(0..64));
    let copy_range = c.as_ptr_range();
    alloc.end_frame();
    assert_eq!(alloc.deferred_resets(), 1);
    let resets = alloc.frame_resets();
    drop(v);
    assert_eq!(
        alloc.frame_resets(),
        resets,
        "the copy still holds the memory"
    );
    assert_eq!(alloc.live_frame_handles(), 1);

    // Cloned again with no frame open (as it may grow then): a hold of its own too.
    let cc = c.clone();
    assert_eq!(alloc.live_frame_handles(), 2);
    let second_range = cc.as_ptr_range();

    // The next frame does not hand out the copies' memory.
    alloc.begin_frame();
    let mut fresh = Vec::new();
    for i in 0..iterations(128, 16) as u64 {
        let b = alloc.frame_box(u64::MAX - i);
        let p = &raw const *b;
        assert!(
            !copy_range.contains(&p) && !second_range.contains(&p),
            "memory handed out twice"
        );
        fresh.push(b);
    }
    drop(fresh);
    alloc.end_frame();
    assert_eq!(alloc.deferred_resets(), 2);
    drop(c);
    assert_eq!(
        alloc.frame_resets(),
        resets,
        "the copy of the copy holds it"
    );
    let message = expect_panic(|| {
        let _ = cc.clone().into_slice();
    });
    assert!(
        message.contains("into_vec"),
        "explicit copies are explicit: {message}"
    );
    assert!(cc.iter().copied().eq(0..64), "contents intact");
    drop(cc);
    assert_eq!(
        alloc.frame_resets(),
        resets + 1,
        "the last copy's drop resets"
    );
    assert_eq!(alloc.live_frame_handles(), 0);
}

#[test]
fn vec_clone_with_a_panicking_element_clone_drops_the_clones_and_the_hold() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let mut v = alloc.frame_vec::<Tracked>();
    v.extend((0..5).map(Tracked));
    track(3);
    let message = expect_panic(|| drop(v.clone()));
    assert!(message.contains("clone of Tracked(3) panics"), "{message}");
    assert_eq!(drops(), 3, "the three clones made were dropped");
    assert_eq!(
        alloc.live_frame_handles(),
        1,
        "the copy's hold was given back"
    );
    track(usize::MAX);
    drop(v);
    assert_eq!(drops(), 5);
    let resets = alloc.frame_resets();
    alloc.end_frame();
    assert_eq!(
        (alloc.frame_resets(), alloc.deferred_resets()),
        (resets + 1, 0),
        "nothing was left holding the arena"
    );

    // Guard-made: the same, with no hold involved; `extend_from_within` keeps the
    // clones made, as `Vec::extend_from_within` does.
    let frame = alloc.frame();
    let mut g = frame.frame_vec::<Tracked>();
    g.extend((0..5).map(Tracked));
    track(2);
    let message = expect_panic(|| drop(g.clone()));
    assert!(message.contains("clone of Tracked(2) panics"), "{message}");
    assert_eq!(drops(), 2);
    track(2);
    let message = expect_panic(|| g.extend_from_within(1..4));
    assert!(message.contains("clone of Tracked(3) panics"), "{message}");
    assert_eq!(ids(&g), [0, 1, 2, 3, 4, 1, 2]);
    assert_eq!(drops(), 0);
    track(usize::MAX);
    drop(g);
    assert_eq!(drops(), 7);
    assert_eq!(alloc.live_frame_handles(), 0);
}

#[test]
fn vec_clone_past_a_budget_panics_and_gives_the_hold_back() {
    let alloc = enforced(MisusePolicy::Panic);
    alloc.begin_frame();
    let mut v = alloc.frame_vec::<u8>();
    v.extend_from_slice_copy(&[1; 3000]);
    let message = expect_panic(|| drop(v.clone())); // 3000 more bytes: past 4 KiB
    assert!(message.contains("BudgetExceeded"), "{message}");
    assert_eq!((v.len(), alloc.live_frame_handles()), (3000, 1));
    let message = expect_panic(|| drop(v.split_off(0)));
    assert!(message.contains("BudgetExceeded"), "{message}");
    assert_eq!(
        (v.len(), alloc.live_frame_handles()),
        (3000, 1),
        "nothing moved"
    );
    drop(v);
    let resets = alloc.frame_resets();
    alloc.end_frame();
    assert_eq!(alloc.frame_resets(), resets + 1, "no hold was left behind");

    let frame = alloc.frame();
    let mut g = frame.frame_vec::<u8>();
    g.extend_from_slice_copy(&[2; 3000]);
    let message = expect_panic(|| drop(g.clone()));
    assert!(message.contains("BudgetExceeded"), "{message}");
    assert_eq!((g.len(), alloc.live_frame_handles()), (3000, 0));
}

#[test]
fn vec_split_off_and_append_match_std() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    for at in 0..=6 {
        let mut v = frame.frame_vec_with_capacity::<String>(10);
        let mut expected = Vec::with_capacity(10);
        for i in 0..6 {
            v.push(i.to_string());
            expected.push(i.to_string());
        }
        let mut tail = v.split_off(at);
        let mut expected_tail = expected.split_off(at);
        assert_eq!(
            (v.as_slice(), tail.as_slice()),
            (expected.as_slice(), expected_tail.as_slice())
        );
        assert_eq!(v.capacity(), 10, "the original keeps its capacity");
        assert_eq!(
            tail.capacity(),
            6 - at,
            "the tail has room for exactly itself"
        );
        v.append(&mut tail);
        expected.append(&mut expected_tail);
        assert_eq!((v.as_slice(), tail.len()), (expected.as_slice(), 0));
        assert_eq!(tail.capacity(), 6 - at, "append leaves the capacity");
    }
    let mut v = frame.frame_vec::<u8>();
    v.extend([1, 2]);
    let message = expect_panic(|| drop(v.split_off(3)));
    let std_message = expect_panic(|| drop(vec![1u8, 2].split_off(3)));
    assert_eq!(message, std_message);
    assert_eq!(v, [1, 2]);

    // `append` moves elements (no clone, no drop) from a vector of another lifetime:
    // an explicit one into a guard-made one.
    track(0);
    let mut g = frame.frame_vec::<Tracked>();
    g.push(Tracked(0));
    let mut e = alloc.frame_vec::<Tracked>();
    e.extend((1..4).map(Tracked));
    g.append(&mut e);
    assert_eq!((ids(&g), e.len(), drops()), (vec![0, 1, 2, 3], 0, 0));
    drop(e);
    assert_eq!(drops(), 0);
    drop(g);
    assert_eq!(drops(), 4);
    track(usize::MAX);
    assert_eq!(alloc.live_frame_handles(), 0);
}

#[test]
fn vec_split_off_of_an_explicit_vector_is_a_live_handle_of_its_own() {
    let alloc = SmartAlloc::new(Default::default());
    alloc.begin_frame();
    let mut v = alloc.frame_vec::<u32>();
    v.extend(0..8);
    let tail = v.split_off(3);
    assert_eq!(
        (v.as_slice(), tail.as_slice()),
        (&[0, 1, 2][..], &[3, 4, 5, 6, 7][..])
    );
    assert_eq!(alloc.live_frame_handles(), 2);
    let mut s = alloc.frame_string();
    s.push_str("key=välue");
    let value = s.split_off(4);
    assert_eq!((s.as_str(), value.as_str()), ("key=", "välue"));
    assert_eq!(alloc.live_frame_handles(), 4);
    alloc.end_frame();
    let resets = alloc.frame_resets();
    drop((v, s));
    assert_eq!(
        alloc.frame_resets(),
        resets,
        "the split-off halves hold the memory"
    );
    assert_eq!(
        (tail.as_slice(), value.as_str()),
        (&[3, 4, 5, 6, 7][..], "välue")
    );
    drop(tail);
    assert_eq!(alloc.frame_resets(), resets);
    drop(value);
    assert_eq!(alloc.frame_resets(), resets + 1);
    assert_eq!(alloc.live_frame_handles(), 0);

    // Guard-made halves borrow the guard: no hold.
    let frame = alloc.frame();
    let mut g = frame.frame_vec::<u32>();
    g.extend(0..4);
    let rest = g.split_off(2);
    assert_eq!(alloc.live_frame_handles(), 0);
    assert_eq!(rest.into_slice(), [2, 3]);
}

#[test]
fn vec_dedup_pop_if_extend_from_within_and_splice_match_std() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let data = [1, 1, 2, 3, 3, 3, 1, 4, 4, 5, 10, 11, 12, 20];
    let fresh = || {
        let mut v = frame.frame_vec::<i32>();
        v.extend(data);
        (v, data.to_vec())
    };
    let (mut v, mut expected) = fresh();
    v.dedup();
    expected.dedup();
    assert_eq!(v, expected);
    let (mut v, mut expected) = fresh();
    v.dedup_by_key(|x| *x / 10);
    expected.dedup_by_key(|x| *x / 10);
    assert_eq!(v, expected);
    let (mut v, mut expected) = fresh();
    v.dedup_by(|a, b| a.abs_diff(*b) <= 1);
    expected.dedup_by(|a, b| a.abs_diff(*b) <= 1);
    assert_eq!(v, expected);

    let (mut v, mut expected) = fresh();
    loop {
        let (ours, std) = (v.pop_if(|x| *x > 3), expected.pop_if(|x| *x > 3));
        assert_eq!((ours, v.as_slice()), (std, expected.as_slice()));
        if ours.is_none() {
            break;
        }
    }
    assert_eq!(
        v.pop_if(|x| {
            *x += 100;
            false
        }),
        None
    );
    assert_eq!(
        v.last(),
        Some(&101),
        "the predicate may change the element it keeps"
    );

    for range in [0..0, 0..3, 2..5, 4..4, 0..data.len()] {
        let (mut v, mut expected) = fresh();
        v.extend_from_within(range.clone());
        expected.extend_from_within(range.clone());
        assert_eq!(v, expected);
        let (mut v, mut expected) = fresh();
        let removed: Vec<_> = v.splice(range.clone(), [7, 8, 9]).collect();
        let expected_removed: Vec<_> = expected.splice(range.clone(), [7, 8, 9]).collect();
        assert_eq!(
            (v.as_slice(), removed),
            (expected.as_slice(), expected_removed)
        );
        // Taken from the back, and dropped before the end: the replacement still happens.
        let (mut v, mut expected) = fresh();
        assert_eq!(
            v.splice(range.clone(), 0..3).next_back(),
            expected.splice(range, 0..3).next_back()
        );
        assert_eq!(v, expected);
    }
    let (mut v, _) = fresh();
    let backwards = std::ops::Range { start: 5, end: 2 };
    let std_panics = [
        expect_panic(|| data.to_vec().extend_from_within(3..100)),
        expect_panic(|| drop(data.to_vec().splice(backwards.clone(), [1]))),
    ];
    let our_panics = [
        expect_panic(|| v.extend_from_within(3..100)),
        expect_panic(|| drop(v.splice(backwards, [1]))),
    ];
    assert_eq!(our_panics, std_panics);
    assert_eq!(v, data, "a bad range changes nothing");
}

#[test]
fn vec_ordering_and_hash_match_slices() {
    use std::collections::BTreeSet;
    use std::hash::BuildHasher;

    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let a = frame_vec![in &frame; 1, 2, 3];
    let b = frame_vec![in &frame; 1, 2, 4];
    let short = frame_vec![in &frame; 1, 2];
    assert!(a < b && short < a && b > short);
    assert_eq!(a.cmp(&b), [1, 2, 3].cmp(&[1, 2, 4]));
    assert_eq!(a.cmp(&a.clone()), std::cmp::Ordering::Equal);
    let nan = frame_vec![in &frame; f64::NAN];
    let one = frame_vec![in &frame; 1.0];
    assert_eq!(nan.partial_cmp(&one), None);
    assert_eq!(
        one.partial_cmp(&frame_vec![in &frame; 2.0]),
        Some(std::cmp::Ordering::Less)
    );
    // Across lifetimes: an explicit vector against a guard-made one.
    let mut explicit = alloc.frame_vec::<i32>();
    explicit.extend([1, 2, 5]);
    assert_eq!(explicit.partial_cmp(&a), Some(std::cmp::Ordering::Greater));

    let state = std::collections::hash_map::RandomState::new();
    assert_eq!(state.hash_one(&a), state.hash_one(&[1, 2, 3][..]));
    assert_eq!(state.hash_one(&a), state.hash_one(vec![1, 2, 3]));
    let mut set = HashSet::new();
    assert!(set.insert(a.clone()));
    assert!(!set.insert(a.clone()));
    assert!(set.contains(&[1, 2, 3][..]), "Borrow<[T]> and Hash agree");
    let sorted: BTreeSet<_> = [b.clone(), short.clone(), a.clone()].into_iter().collect();
    assert!(sorted.into_iter().eq([short, a, b]));
}

#[test]
fn vec_reserve_exact_shrink_to_fit_and_raw_pointers() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let mut v = frame.frame_vec::<u64>();
    v.push(1);
    v.reserve_exact(9);
    assert_eq!(v.capacity(), 10);
    v.reserve_exact(9);
    assert_eq!(v.capacity(), 10, "enough room already");
    let message = expect_panic(|| v.reserve_exact(usize::MAX));
    assert!(message.contains("capacity overflow"), "{message}");

    // Shrinking the arena's latest allocation gives its room back: the next allocation
    // lands right next to the shrunk buffer.
    let mut w = frame.frame_vec_with_capacity::<u64>(64);
    w.extend([7, 8, 9]);
    w.shrink_to_fit();
    assert_eq!((w.capacity(), w.as_slice()), (3, &[7, 8, 9][..]));
    let next = frame.alloc(0u64);
    assert_eq!(distance(std::ptr::from_ref(next), w.as_ptr()), 8);
    w.shrink_to_fit();
    assert_eq!(w.capacity(), 3);

    // `as_ptr` / `as_mut_ptr` make no reference to the elements: a pointer taken before
    // stays usable after another one is taken (`Vec`'s guarantee; checked by Miri).
    let mut x = frame.frame_vec::<u32>();
    x.extend([0, 1, 2]);
    let first = x.as_mut_ptr();
    let read = x.as_ptr();
    let second = x.as_mut_ptr();
    // SAFETY: all three point at `x`'s 3 initialised elements, `x` is not used
    // otherwise meanwhile, and the writes and reads do not overlap in time.
    unsafe {
        first.write(10);
        second.add(2).write(12);
        first.add(1).write(11);
        assert_eq!((read.read(), read.add(2).read()), (10, 12));
    }
    assert_eq!(x, [10, 11, 12]);
    assert_eq!(x.as_ptr(), x.as_slice().as_ptr());
}

#[test]
fn vec_io_write_appends() {
    use std::io::{IoSlice, Write};

    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let mut out = frame.frame_vec::<u8>();
    let word = "two";
    write!(out, "{}-{word}", 4).unwrap();
    out.write_all(b"!").unwrap();
    assert_eq!(out.write(b"ab").unwrap(), 2);
    let slices = [IoSlice::new(b"x"), IoSlice::new(b""), IoSlice::new(b"yz")];
    assert_eq!(out.write_vectored(&slices).unwrap(), 3);
    out.flush().unwrap();
    assert_eq!(out, *b"4-two!abxyz");

    alloc.begin_frame();
    let mut explicit = alloc.frame_vec::<u8>();
    writeln!(explicit, "frame {}", alloc.frame_number()).unwrap();
    assert_eq!(explicit, *b"frame 1\n");
    drop(explicit);
    alloc.end_frame();
}

// ----- FrameString parity -----

/// Strings with one-, two-, three- and four-byte `char`s.
const MIXED: [&str; 4] = ["", "a", "aé日🦀z", "h€llo wörld 𝄞"];

#[test]
fn string_editing_matches_std() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    for input in MIXED {
        let boundaries: Vec<usize> = (0..=input.len())
            .filter(|&i| input.is_char_boundary(i))
            .collect();
        for &i in &boundaries {
            let mut s = FrameString::from_str_in(input, &frame);
            let mut expected = String::from(input);
            s.insert(i, 'ß');
            expected.insert(i, 'ß');
            assert_eq!(s, expected);
            s.insert_str(i, "日x🦀");
            expected.insert_str(i, "日x🦀");
            assert_eq!(s, expected);
            s.insert_str(0, "");
            assert_eq!(s, expected);

            let mut s = FrameString::from_str_in(input, &frame);
            let mut expected = String::from(input);
            let (tail, expected_tail) = (s.split_off(i), expected.split_off(i));
            assert_eq!(
                (s.as_str(), tail.as_str()),
                (expected.as_str(), expected_tail.as_str())
            );
            assert_eq!(s.capacity(), input.len(), "the original keeps its capacity");

            for &j in boundaries.iter().filter(|&&j| j >= i) {
                let mut s = FrameString::from_str_in(input, &frame);
                let mut expected = String::from(input);
                let ours: String = s.drain(i..j).collect();
                let std: String = expected.drain(i..j).collect();
                assert_eq!((ours, s.as_str()), (std, expected.as_str()));
                // From the back, and left half used: the whole range goes all the same.
                let mut s = FrameString::from_str_in(input, &frame);
                let mut expected = String::from(input);
                assert_eq!(s.drain(i..j).next_back(), expected.drain(i..j).next_back());
                assert_eq!(s, expected);
            }
        }
        for &i in boundaries.iter().filter(|&&i| i < input.len()) {
            let mut s = FrameString::from_str_in(input, &frame);
            let mut expected = String::from(input);
            assert_eq!(s.remove(i), expected.remove(i));
            assert_eq!(s, expected);
        }
        for keep in [
            (|c: char| c.is_ascii()) as fn(char) -> bool,
            |c| !c.is_ascii(),
            |_| false,
            |_| true,
        ] {
            let mut s = FrameString::from_str_in(input, &frame);
            let mut expected = String::from(input);
            s.retain(keep);
            expected.retain(keep);
            assert_eq!(s, expected);
        }
        let mut s = FrameString::from_str_in(input, &frame);
        let mut expected = String::from(input);
        let mut seen = Vec::new();
        s.retain(|c| {
            seen.push(c);
            seen.len() % 2 == 0
        });
        let mut n = 0;
        expected.retain(|_| {
            n += 1;
            n % 2 == 0
        });
        assert_eq!(s, expected);
        assert_eq!(
            seen,
            input.chars().collect::<Vec<_>>(),
            "each char once, in order"
        );
    }
}

/// Whether `f` panics on a `String` holding `input`, and the string after it if not.
fn std_outcome(input: &str, f: impl FnOnce(&mut String)) -> Option<String> {
    let mut s = String::from(input);
    catch_unwind(AssertUnwindSafe(|| f(&mut s)))
        .ok()
        .map(|()| s)
}

#[test]
fn string_byte_index_methods_panic_off_char_boundaries_like_std() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let input = "aé日🦀"; // boundaries 0, 1, 3, 6, 10
    let mut compared = 0;
    for i in 0..=input.len() + 1 {
        type Ours = fn(&mut FrameString<'_>, usize);
        type Std = fn(&mut String, usize);
        let cases: [(&str, Ours, Std); 7] = [
            ("insert", |s, i| s.insert(i, 'x'), |s, i| s.insert(i, 'x')),
            (
                "insert_str",
                |s, i| s.insert_str(i, "€x"),
                |s, i| s.insert_str(i, "€x"),
            ),
            (
                "remove",
                |s, i| {
                    let _ = s.remove(i);
                },
                |s, i| {
                    let _ = s.remove(i);
                },
            ),
            (
                "split_off",
                |s, i| drop(s.split_off(i)),
                |s, i| drop(s.split_off(i)),
            ),
            (
                "drain from",
                |s, i| drop(s.drain(i..)),
                |s, i| drop(s.drain(i..)),
            ),
            (
                "drain to",
                |s, i| drop(s.drain(..i)),
                |s, i| drop(s.drain(..i)),
            ),
            (
                "drain through",
                |s, i| drop(s.drain(1..=i)),
                |s, i| drop(s.drain(1..=i)),
            ),
        ];
        for (name, ours, std) in cases {
            let expected = std_outcome(input, |s| std(s, i));
            let mut s = FrameString::from_str_in(input, &frame);
            let outcome = catch_unwind(AssertUnwindSafe(|| ours(&mut s, i)));
            if let Some(expected) = expected {
                assert!(outcome.is_ok(), "{name}({i}) panicked, std's did not");
                assert_eq!(s, expected, "{name}({i})");
            } else {
                assert!(outcome.is_err(), "{name}({i}) did not panic, std's did");
                assert_eq!(s, input, "{name}({i}) panicked and changed the string");
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 7 * 12);
    // Our own messages name the method and the index; `remove` says what `String`'s
    // says (the same slicing), and so does a decreasing `drain` range.
    let mut s = FrameString::from_str_in(input, &frame);
    for (message, expected) in [
        (
            expect_panic(|| s.insert(2, 'x')),
            "FrameString::insert: 2 is not a char boundary",
        ),
        (
            expect_panic(|| s.insert_str(11, "x")),
            "FrameString::insert_str: 11 is not a char boundary",
        ),
        (
            expect_panic(|| drop(s.split_off(4))),
            "FrameString::split_off: 4 is not a char boundary",
        ),
    ] {
        assert!(message.contains(expected), "{message:?} lacks {expected:?}");
    }
    let backwards = std::ops::Range { start: 3, end: 1 };
    for i in [2, 10, 11] {
        assert_eq!(
            expect_panic(|| {
                let _ = s.remove(i);
            }),
            expect_panic(|| {
                let _ = String::from(input).remove(i);
            })
        );
    }
    assert_eq!(
        expect_panic(|| drop(s.drain(backwards.clone()))),
        expect_panic(|| drop(String::from(input).drain(backwards)))
    );
    let message = expect_panic(|| drop(s.drain(7..)));
    assert!(
        message.contains('7') && message.contains("char boundary"),
        "{message}"
    );
    assert_eq!(s, input);
}

#[test]
fn string_retain_with_a_panicking_predicate_keeps_valid_utf8_like_std() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let input = "aBéÇ日x🦀Yz";
    for panic_at in 1..=input.chars().count() {
        let predicate = |n: &mut usize, c: char| {
            *n += 1;
            assert!(*n != panic_at, "predicate panics");
            c.is_lowercase() || !c.is_alphabetic()
        };
        let mut n = 0;
        let expected = {
            let mut m = 0;
            let mut t = String::from(input);
            let _ = catch_unwind(AssertUnwindSafe(|| t.retain(|c| predicate(&mut m, c))));
            t
        };
        let mut s = FrameString::from_str_in(input, &frame);
        let message = expect_panic(|| s.retain(|c| predicate(&mut n, c)));
        assert!(message.contains("predicate panics"), "{message}");
        assert_eq!(s, expected, "panic at char {panic_at}");
        assert!(std::str::from_utf8(s.as_bytes()).is_ok());
        s.push('!');
        assert!(s.ends_with('!'));
    }
}

#[test]
fn string_drain_yields_chars_both_ways_and_removes_the_range_on_drop() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();
    let mut s = FrameString::from_str_in("xaé日🦀y", &frame);
    {
        let mut d = s.drain(1..11);
        assert_eq!(d.size_hint(), (3, Some(10)));
        assert_eq!((d.next(), d.next_back()), (Some('a'), Some('🦀')));
        assert_eq!(
            (d.next_back(), d.next(), d.next()),
            (Some('日'), Some('é'), None)
        );
        assert_eq!((d.next_back(), d.size_hint()), (None, (0, Some(0))));
    }
    assert_eq!(s, "xy");
    // Dropped unused: the range still goes.
    let mut s = FrameString::from_str_in("keep-drop-keep", &frame);
    drop(s.drain(4..=8));
    assert_eq!(s, "keep-keep");
    let all: String = s.drain(..).rev().collect();
    assert_eq!((all.as_str(), s.as_str()), ("peek-peek", ""));
    // Leaked: the string is unchanged (and still valid).
    let mut s = FrameString::from_str_in("leak", &frame);
    std::mem::forget(s.drain(1..3));
    assert_eq!(s, "leak");
}

#[test]
fn string_clone_extend_reserve_exact_and_shrink_to_fit() {
    let alloc = SmartAlloc::new(Default::default());
    {
        let frame = alloc.frame();
        let mut s = FrameString::from_str_in("base", &frame);
        let mut t = s.clone();
        t.push_str("+1");
        assert_eq!((s.as_str(), t.as_str()), ("base", "base+1"));
        assert_eq!(alloc.live_frame_handles(), 0);
        assert_eq!(t.clone().into_str(), "base+1", "guard-made copies freeze");
        s.clone_from(&t);
        assert_eq!(s, "base+1");

        s.extend([String::from("-a"), String::from("-é")]);
        s.extend([t.clone(), FrameString::from_str_in("!", &frame)]);
        assert_eq!(s, "base+1-a-ébase+1!");
        let mut explicit = alloc.frame_string();
        explicit.push_str("ex");
        s.extend([explicit]); // another lifetime
        assert_eq!(s, "base+1-a-ébase+1!ex");
        assert_eq!(s.as_bytes(), "base+1-a-ébase+1!ex".as_bytes());

        let mut r = frame.frame_string();
        r.push('x');
        r.reserve_exact(7);
        assert_eq!(r.capacity(), 8);
        r.push_str("日本");
        r.shrink_to_fit();
        assert_eq!((r.as_str(), r.capacity()), ("x日本", 7));
        assert_eq!(alloc.live_frame_handles(), 0);
    }

    // An explicit string's copy is a live handle of its own.
    alloc.begin_frame();
    let mut e = alloc.frame_string();
    e.push_str("kept");
    let copy = e.clone();
    assert_eq!(alloc.live_frame_handles(), 2);
    alloc.end_frame();
    let resets = alloc.frame_resets();
    drop(e);
    assert_eq!((copy.as_str(), alloc.frame_resets()), ("kept", resets));
    drop(copy);
    assert_eq!(alloc.frame_resets(), resets + 1);
}

/// `append` reserves before it moves anything (as `Vec::append`): a refused growth (here
/// an enforced thread budget with `on_misuse = Panic`) leaves both vectors as they were.
#[test]
fn vec_append_refused_growth_keeps_both_vectors() {
    let alloc = SmartAlloc::new(AllocConfig {
        budget_policy: BudgetPolicy::Enforce,
        ..Default::default()
    });
    alloc.begin_frame();
    let mut dst = alloc.frame_vec::<String>();
    dst.push("kept".into());
    let mut other = alloc.frame_vec_with_capacity::<String>(32);
    other.extend((0..32).map(|i| i.to_string()));
    // `other`'s 768 bytes fit; `dst` growing to 33 strings does not.
    alloc.set_thread_frame_budget(1024);
    let refused = catch_unwind(AssertUnwindSafe(|| dst.append(&mut other)));
    assert!(
        refused.is_err(),
        "the growth past the budget must be refused"
    );
    assert_eq!(dst, ["kept"]);
    assert_eq!(other.len(), 32, "a refused append lost `other`'s elements");
    assert!(other.iter().enumerate().all(|(i, s)| *s == i.to_string()));
    alloc.set_thread_frame_budget(u64::MAX);
    dst.append(&mut other);
    assert_eq!((dst.len(), other.len()), (33, 0));
    drop((dst, other));
    alloc.end_frame();
}

/// A copy of an explicit vector is a new explicit handle: like one made by
/// `SmartAlloc::frame_vec`, it is counted under (and checked against) the thread's
/// current tag, even when the vector's allocator was not the last one this thread used
/// (its arena then missed the tag change).
#[test]
#[cfg(not(feature = "minimal"))] // tag budgets and tag stats need tag accounting
fn vec_clone_of_an_explicit_vector_counts_under_the_current_tag() {
    let a = SmartAlloc::new(AllocConfig {
        budget_policy: BudgetPolicy::Enforce,
        ..Default::default()
    });
    let b = SmartAlloc::new(Default::default());
    a.set_tag_budget("clone-tag", 100);
    a.begin_frame();
    let mut src = a.frame_vec::<u64>();
    src.extend(0..8); // 64 bytes, untagged
    b.begin_frame(); // `b`'s arena is this thread's cached one now
    let (mut kept, mut refused) = (Vec::new(), 0);
    {
        let _tag = b.tag("clone-tag");
        for _ in 0..3 {
            match catch_unwind(AssertUnwindSafe(|| src.clone())) {
                Ok(copy) => kept.push(copy),
                Err(_) => refused += 1,
            }
        }
        // A copy made through `split_off` is checked the same way.
        assert!(catch_unwind(AssertUnwindSafe(|| src.split_off(0))).is_err());
    }
    assert_eq!(
        (kept.len(), refused),
        (1, 2),
        "one 64-byte copy fits in 100 bytes"
    );
    assert_eq!(src.len(), 8, "a refused split_off leaves the vector whole");
    drop((kept, src));
    b.end_frame();
    a.end_frame();
    let row = a
        .stats()
        .tag("clone-tag")
        .map(|t| t.kind(framealloc::Kind::Frame));
    let row = row.expect("the copy is counted under the tag it was made in");
    // The kept copy's bytes. (A refused plain call that panics is counted as an
    // allocation, as `frame_vec_with_capacity` refused under a cached arena is, so
    // `allocations` is not checked exactly here.)
    assert_eq!(row.allocated_bytes, 64);
    assert!(row.allocations >= 1);
}
