use super::*;
use crate::summary::TagFrameBytes;

fn me() -> u64 {
    crate::ids::thread_token()
}

/// Record a frame with `tags` (name, bytes, budget).
fn feed(t: &Timeline, frame: u64, tags: &[(&'static str, u64, Option<u64>)]) {
    let tags: Vec<TagFrameBytes> = tags
        .iter()
        .map(|&(tag, bytes, budget)| TagFrameBytes { tag, bytes, budget })
        .collect();
    let total = tags.iter().map(|t| t.bytes).sum::<u64>();
    t.record(&FrameSummary {
        thread: me(),
        frame,
        bytes: total + 8,
        chunk_bytes: 4096,
        deferred: frame.is_multiple_of(3),
        thread_budget: Some(3000),
        tags: &tags,
    });
}

/// A fixed history: three tags, a spike at frame 4.
fn fixed() -> Timeline {
    let t = Timeline::new(16);
    feed(
        &t,
        1,
        &[("untagged", 100, None), ("physics", 400, Some(1000))],
    );
    feed(
        &t,
        2,
        &[("untagged", 120, None), ("physics", 380, Some(1000))],
    );
    feed(&t, 3, &[("physics", 500, Some(1000)), ("ai", 200, None)]);
    feed(
        &t,
        4,
        &[
            ("untagged", 90, None),
            ("physics", 1400, Some(1000)),
            ("ai", 900, None),
        ],
    );
    feed(
        &t,
        5,
        &[("untagged", 100, None), ("physics", 420, Some(1000))],
    );
    t
}

/// Checks that elements open and close in order (void elements and `/>` excepted).
fn assert_well_formed(html: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        let end = rest.find('>').expect("unclosed tag");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let top = stack.pop().unwrap_or_else(|| panic!("stray </{name}>"));
            assert_eq!(top, name, "</{name}> closes <{top}>");
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        assert!(!name.is_empty(), "bad tag <{tag}>");
        if tag.ends_with('/') || name == "meta" {
            continue;
        }
        stack.push(name);
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

fn assert_self_contained(html: &str) {
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "a URL"
    );
    assert!(!html.to_ascii_lowercase().contains("<script"), "a script");
    assert!(!html.contains("src="), "an external resource");
}

#[test]
#[cfg_attr(
    miri,
    ignore = "renders HTML in safe code only (no unsafe here); slow under Miri"
)]
fn output_for_a_fixed_input_matches_the_snapshot() {
    let html = fixed().to_html();
    assert_eq!(html, fixed().to_html(), "deterministic");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(
            concat!(env!("CARGO_MANIFEST_DIR"), "/src/timeline/snapshot.html"),
            &html,
        )
        .unwrap();
    }
    assert_eq!(
        html,
        include_str!("snapshot.html"),
        "the page changed: check it in a browser, then UPDATE_SNAPSHOTS=1 cargo test -p \
         framealloc --lib timeline"
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "renders HTML in safe code only (no unsafe here); slow under Miri"
)]
fn the_page_is_well_formed_and_self_contained_with_legend_tooltips_and_table() {
    let html = fixed().to_html();
    assert_well_formed(&html);
    assert_self_contained(&html);
    assert_eq!(html.matches("<svg").count(), 1);
    // One series per tag, in order of first appearance, each with its colour.
    let series: Vec<&str> = html
        .match_indices("data-tag=\"")
        .map(|(i, m)| {
            let s = &html[i + m.len()..];
            &s[..s.find('"').unwrap()]
        })
        .collect();
    assert_eq!(series, ["untagged", "physics", "ai"]);
    let palette = colours(&["untagged", "physics", "ai"]);
    for (tag, c) in ["untagged", "physics", "ai"].iter().zip(&palette) {
        assert!(
            html.contains(&format!(
                "<span class=\"swatch\" style=\"background:{c}\"></span>{tag}"
            )),
            "legend entry for {tag}"
        );
        assert!(
            html.contains(&format!("data-tag=\"{tag}\" d=")),
            "series of {tag}"
        );
    }
    // Colours are stable (from the name) and distinct on a page.
    assert_eq!(colours(&["physics"]), colours(&["physics"]));
    assert_eq!(colours(&["ai", "physics"])[1], colours(&["physics"])[0]);
    let many: Vec<String> = (0..12).map(|i| format!("tag{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let mut distinct = colours(&many);
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 12);
    // A tooltip per frame with its values.
    assert_eq!(html.matches("<rect class=\"hit\"").count(), 5);
    assert!(
        html.contains("<title>frame 4: 2.3 KiB in tags, 2.3 KiB arena\nuntagged: 90 B\nphysics: 1.4 KiB\nai: 900 B</title>"),
        "{html}"
    );
    assert!(html.contains("reset deferred"));
    // Budget lines: physics (1000 B) and the thread's (3000 B).
    assert_eq!(html.matches("<line class=\"budget\"").count(), 2);
    assert!(html.contains("<title>budget of physics: 1000 B</title>"));
    assert!(html.contains("<title>thread frame budget: 2.9 KiB</title>"));
    // Labelled axes.
    assert!(html.contains(">frame</text>") && html.contains(">frame bytes</text>"));
    // The data table: a header and one row per frame.
    let table = &html[html.find("<details>").unwrap()..];
    assert!(table.contains("<th>untagged</th><th>physics</th><th>ai</th>"));
    assert_eq!(table.matches("<tr><td>").count(), 5);
    assert!(table.contains("<tr><td>4</td><td>2390</td><td>2398</td><td></td>"));
}

/// The y coordinates of the top edge of the last (topmost) series.
fn top_edge(html: &str, points: usize) -> Vec<f64> {
    let last = html.rfind("<path class=\"series\"").unwrap();
    let d = &html[last..];
    let d = &d[d.find(" d=\"").unwrap() + 4..];
    let d = &d[..d.find('"').unwrap()];
    d.split_whitespace()
        .take(points)
        .map(|p| p.trim_start_matches(['M', 'L']).split(',').nth(1).unwrap())
        .map(|v| v.parse().unwrap())
        .collect()
}

#[test]
fn the_stacked_top_is_the_total_of_each_frame() {
    let html = fixed().to_html();
    let totals = [500u64, 500, 700, 2390, 520];
    // The scale: the peak (2390) or a budget within 4x of it (3000), rounded up to 4 KiB.
    let plot_h = HEIGHT - TOP - BOTTOM;
    let expected: Vec<f64> = totals
        .iter()
        .map(|&t| TOP + plot_h - plot_h * (t as f64 / 4096.0))
        .collect();
    let got = top_edge(&html, totals.len());
    assert_eq!(got.len(), totals.len());
    for (g, e) in got.iter().zip(&expected) {
        assert!((g - e).abs() < 0.06, "top {g} vs total at {e}");
    }
    assert!(
        html.contains(">4.0 KiB</text>") && html.contains(">1.0 KiB</text>"),
        "axis labels"
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "renders HTML in safe code only (no unsafe here); slow under Miri"
)]
fn hostile_tag_names_are_escaped() {
    let t = Timeline::new(4);
    feed(
        &t,
        1,
        &[
            ("<script>alert(1)</script>", 64, Some(100)),
            ("a&b\"c'd", 32, None),
        ],
    );
    let html = t.to_html();
    assert_self_contained(&html);
    assert_well_formed(&html);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("a&amp;b&quot;c&#39;d"));
    assert!(!html.contains("a&b"));
}

#[test]
fn an_empty_history_is_a_valid_page_that_says_so() {
    let t = Timeline::new(10);
    assert!(t.is_empty());
    let html = t.to_html();
    assert_well_formed(&html);
    assert_self_contained(&html);
    assert!(html.contains("No frames recorded"));
    assert!(!html.contains("<svg"));
}

#[test]
#[cfg_attr(
    miri,
    ignore = "renders HTML in safe code only (no unsafe here); slow under Miri"
)]
fn a_single_frame_is_drawn() {
    let t = Timeline::new(10);
    feed(&t, 7, &[("untagged", 10, None)]);
    let html = t.to_html();
    assert_well_formed(&html);
    assert_eq!(html.matches("<rect class=\"hit\"").count(), 1);
    assert!(html.contains("<title>frame 7: 10 B in tags"));
}

#[test]
fn the_ring_keeps_the_last_frames_and_ignores_other_threads() {
    let t = Timeline::new(3);
    for frame in 1..=5 {
        feed(&t, frame, &[("untagged", frame * 10, None)]);
    }
    t.record(&FrameSummary {
        thread: me() + 1_000_000,
        frame: 99,
        bytes: 0,
        chunk_bytes: 0,
        deferred: false,
        thread_budget: None,
        tags: &[],
    });
    assert_eq!(t.frame_numbers(), [3, 4, 5]);
    assert_eq!(t.tag_series("untagged"), [30, 40, 50]);
    assert_eq!(t.tag_series("nothing"), [0, 0, 0]);
    assert_eq!(Timeline::new(0).lock().capacity, 1);
}

#[test]
#[cfg_attr(miri, ignore)] // 5000 frames of formatting: slow under Miri
fn long_histories_are_down_sampled_keeping_spikes() {
    let t = Timeline::new(10_000);
    for frame in 1..=5000 {
        let spike = if frame == 2345 { 1 << 20 } else { 0 };
        feed(&t, frame, &[("untagged", 1000 + frame % 7 + spike, None)]);
    }
    let html = t.to_html();
    assert_well_formed(&html);
    assert_eq!(html.matches("<rect class=\"hit\"").count(), MAX_POINTS);
    assert!(
        html.contains("<title>frame 2345: 1.0 MiB in tags"),
        "spike kept"
    );
    assert!(html.contains("drawn as 2000 points"));
    // The table keeps every frame.
    assert_eq!(html.matches("<tr><td>").count(), 5000);
}

#[test]
fn attached_to_an_allocator_it_records_its_frames() {
    let alloc = SmartAlloc::new(crate::AllocConfig::default());
    let t = Timeline::new(8);
    t.attach(&alloc);
    for i in 0..10u64 {
        let frame = alloc.frame();
        alloc.with_tag("timeline_test", |_| {
            frame.alloc_slice_fill_copy(usize::try_from(i * 8).unwrap(), 0u8);
        });
    }
    assert_eq!(t.frame_numbers(), (3..=10).collect::<Vec<_>>());
    assert_eq!(
        t.tag_series("timeline_test"),
        [16, 24, 32, 40, 48, 56, 64, 72]
    );
}
