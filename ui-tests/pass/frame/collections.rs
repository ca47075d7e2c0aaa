// The shapes a bumpalo user writes compile on a `Frame` guard: `new_in`,
// `with_capacity_in`, `from_iter_in`, `from_str_in`, `collect_in`, `into_slice`,
// `into_str`, `frame_format!`, and frozen results returned to a caller inside the frame.
use core::fmt::Write;
use framealloc::{CollectIn, Frame, FrameString, FrameVec, SmartAlloc, frame_format};

fn evens<'f>(frame: &'f Frame<'_>, n: u32) -> &'f mut [u32] {
    (0..n)
        .filter(|x| x % 2 == 0)
        .collect_in::<FrameVec<'_, _>>(frame)
        .into_slice()
}

fn label<'f>(frame: &'f Frame<'_>, id: u32) -> &'f str {
    frame_format!(frame, "entity-{id}").into_str()
}

fn names<'f>(frame: &'f Frame<'_>) -> FrameVec<'f, FrameString<'f>> {
    ["a", "b"].iter().map(|s| FrameString::from_str_in(s, frame)).collect_in(frame)
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let frame = alloc.frame();

    let mut bytes = FrameVec::new_in(&frame);
    bytes.push(1u8);
    bytes.extend_from_slice_copy(b"bc");
    let mut words: FrameVec<'_, u64> = FrameVec::with_capacity_in(8, &frame);
    words.extend([1, 2]);
    words.extend(&[3, 4]);
    let shorts = FrameVec::from_iter_in([3u16, 4], &frame);
    let owned: FrameVec<'_, String> = ["x"].iter().map(|s| s.to_string()).collect_in(&frame);

    let mut s = FrameString::from_str_in("hello", &frame);
    write!(s, ", {}", "world").unwrap();
    s.push('!');
    let greeting: &mut str = s.into_str();
    greeting.make_ascii_uppercase();
    let text: &str = &frame_format!(frame, "{} {}", greeting, bytes.len());

    let frozen: &mut [u64] = words.into_slice();
    frozen[0] = 10;
    let e = evens(&frame, 10);
    e[0] = 1;
    let l = label(&frame, 3);
    let n = names(&frame);
    let copied: &mut [u16] = frame.alloc_slice_copy(&shorts);
    let fmt_len = alloc.frame_scope(|f| frame_format!(f, "{}", 12345).len());

    // Lending frozen frame data to scoped threads is fine.
    std::thread::scope(|scope| {
        scope.spawn(|| frozen.iter_mut().for_each(|x| *x *= 2));
    });

    assert_eq!(frozen, [20, 4, 6, 8]);
    assert_eq!(e, [1, 2, 4, 6, 8]);
    assert_eq!((l, n[1].as_str(), owned[0].as_str()), ("entity-3", "b", "x"));
    assert_eq!((text, copied.len(), fmt_len), ("HELLO, WORLD! 3", 2, 5));
}
