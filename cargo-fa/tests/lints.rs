//! One positive and one negative case per lint, through `cargo_fa::analyze`: the code, the
//! primary span's line and column, and the message.

use cargo_fa::{Diagnostic, Level, analyze};

/// The findings of `code` in `src`, as (line, column, message).
fn found(src: &str, code: &str) -> Vec<(usize, usize, String)> {
    analyze(src)
        .into_iter()
        .filter(|d| d.code == code)
        .map(|d| {
            let p = d.primary();
            (p.line_start, p.column_start, d.message.clone())
        })
        .collect()
}

fn one(src: &str, code: &str) -> Diagnostic {
    let all: Vec<Diagnostic> = analyze(src)
        .into_iter()
        .filter(|d| d.code == code)
        .collect();
    assert_eq!(all.len(), 1, "expected exactly one {code}, got {all:#?}");
    all.into_iter().next().unwrap()
}

#[test]
fn fa000_parse_error_is_reported_at_the_parser_location() {
    let d = one("fn main() {\n    let x = ;\n}\n", "FA000");
    assert_eq!(d.level, Level::Deny);
    assert_eq!((d.primary().line_start, d.primary().column_start), (2, 13));
    assert!(
        d.message.starts_with("cannot parse this file"),
        "{}",
        d.message
    );
    assert!(found("fn main() { let x = 1; }\n", "FA000").is_empty());
}

const FA101_QUESTION: &str = r"fn update(alloc: &SmartAlloc) -> Result<(), E> {
    alloc.begin_frame();
    load()?;
    alloc.end_frame();
    Ok(())
}
";

#[test]
fn fa101_question_mark_skips_end_frame() {
    let d = one(FA101_QUESTION, "FA101");
    assert_eq!((d.primary().line_start, d.primary().column_start), (2, 5));
    assert_eq!(d.primary().column_end, 24);
    assert_eq!(
        d.message,
        "`begin_frame()` is not paired with `end_frame()` on every path"
    );
    // The second span is the `?`.
    assert_eq!((d.spans[1].line_start, d.spans[1].column_start), (3, 11));
}

#[test]
fn fa101_return_break_continue_and_if_arms() {
    let src = r"fn a(alloc: &SmartAlloc, x: bool) {
    alloc.begin_frame();
    if x {
        return;
    }
    alloc.end_frame();
}
fn b(alloc: &SmartAlloc, xs: &[u32]) {
    for x in xs {
        alloc.begin_frame();
        if *x == 0 {
            continue;
        }
        alloc.end_frame();
    }
}
fn c(alloc: &SmartAlloc, x: u32) {
    alloc.begin_frame();
    match x {
        0 => alloc.end_frame(),
        _ => {}
    }
}
fn d(alloc: &SmartAlloc) {
    loop {
        alloc.begin_frame();
        if done() {
            break;
        }
        alloc.end_frame();
    }
}
";
    let got = found(src, "FA101");
    let lines: Vec<usize> = got.iter().map(|f| f.0).collect();
    assert_eq!(lines, [2, 10, 18, 26], "{got:#?}");
    let all = analyze(src);
    let labels: Vec<(usize, &str)> = all
        .iter()
        .filter(|d| d.code == "FA101")
        .map(|d| (d.spans[1].line_start, d.spans[1].label.as_str()))
        .collect();
    assert_eq!(labels[0], (4, "returns here with the frame still open"));
    assert_eq!(
        labels[1],
        (12, "the next iteration starts with the frame still open")
    );
    assert_eq!(
        labels[2],
        (23, "the function returns here with the frame still open")
    );
    assert_eq!(labels[3], (28, "leaves the loop with the frame still open"));
}

#[test]
fn fa101_once_per_begin_and_not_for_paired_or_split_frames() {
    // Two escaping paths, one report.
    let src = r"fn f(alloc: &SmartAlloc) -> Result<(), E> {
    alloc.begin_frame();
    a()?;
    b()?;
    alloc.end_frame();
    Ok(())
}
";
    assert_eq!(found(src, "FA101").len(), 1);
    let clean = r"fn paired(alloc: &SmartAlloc, x: bool) -> Result<(), E> {
    alloc.begin_frame();
    let r = if x { work() } else { other() };
    alloc.end_frame();
    r?;
    Ok(())
}
fn boundary(alloc: &SmartAlloc) {
    alloc.end_frame();
    alloc.begin_frame();
}
fn frame_loop(alloc: &SmartAlloc) {
    for _ in 0..10 {
        alloc.begin_frame();
        if skip() {
            alloc.end_frame();
            continue;
        }
        alloc.end_frame();
    }
}
fn checked(alloc: &SmartAlloc) {
    let began = alloc.try_begin_frame().is_ok();
    if began {
        let _ = alloc.try_end_frame();
    }
}
";
    assert!(found(clean, "FA101").is_empty(), "{:#?}", analyze(clean));
}

#[test]
fn fa102_end_without_begin() {
    let src = "fn f(alloc: &SmartAlloc) {\n    work();\n    alloc.end_frame();\n}\n";
    let d = one(src, "FA102");
    assert_eq!(d.level, Level::Allow);
    assert_eq!((d.primary().line_start, d.primary().column_start), (3, 5));
    assert_eq!(
        d.message,
        "`end_frame()` with no `begin_frame()` before it in this function"
    );
    let ok = "fn f(alloc: &SmartAlloc) {\n    alloc.begin_frame();\n    alloc.end_frame();\n}\n";
    assert!(found(ok, "FA102").is_empty());
}

#[test]
fn fa103_explicit_frame_across_await() {
    let src = r"async fn f(alloc: &SmartAlloc) {
    alloc.begin_frame();
    load().await;
    alloc.end_frame();
}
";
    let d = one(src, "FA103");
    assert_eq!(d.level, Level::Deny);
    assert_eq!((d.primary().line_start, d.primary().column_start), (3, 5));
    assert_eq!(d.primary().column_end, 17);
    assert!(d.message.starts_with("explicit frame open across `.await`"));
    assert_eq!(d.spans[1].line_start, 2);
    let ok = r"async fn f(alloc: &SmartAlloc) {
    alloc.begin_frame();
    work();
    alloc.end_frame();
    load().await;
}
";
    assert!(found(ok, "FA103").is_empty());
}

#[test]
fn fa104_leaked_guards_and_handles() {
    let src = r"fn f(alloc: &SmartAlloc) {
    std::mem::forget(alloc.frame());
    let v = alloc.frame_vec::<u32>();
    Box::leak(Box::new(v));
    let b = alloc.frame_box(1u8);
    let _m = ManuallyDrop::new(b);
}
";
    let got = found(src, "FA104");
    assert_eq!(
        got.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>(),
        [(2, 5), (4, 5), (6, 14)]
    );
    assert_eq!(
        got[0].2,
        "`mem::forget` of a frame guard or handle: its arena never resets again"
    );
    assert!(got[1].2.starts_with("`Box::leak`"));
    assert!(got[2].2.starts_with("`ManuallyDrop::new`"));
    let ok = "fn f(alloc: &SmartAlloc) {\n    let v = vec![1];\n    std::mem::forget(v);\n    std::mem::forget(alloc.pool_box(1));\n}\n";
    assert!(found(ok, "FA104").is_empty());
}

#[test]
fn fa105_frame_handle_in_struct() {
    let src = "struct Renderer<'f> {\n    name: String,\n    visible: FrameVec<'f, u32>,\n}\n";
    let d = one(src, "FA105");
    assert_eq!((d.primary().line_start, d.primary().column_start), (3, 5));
    assert_eq!(
        d.message,
        "field `visible` of `Renderer` holds a frame handle: every arena reset is deferred while it lives"
    );
    let ok = "struct Renderer {\n    visible: Vec<u32>,\n    boxed: PoolBox<u32>,\n}\n";
    assert!(found(ok, "FA105").is_empty());
}

#[test]
fn fa106_frame_alloc_outside_frame() {
    let src = r"fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let mut v = alloc.frame_vec::<u32>();
    let b = alloc.frame_box(1);
}
fn helper(alloc: &SmartAlloc) {
    for _ in 0..3 {
        let _v = alloc.frame_vec::<u32>();
    }
}
";
    let got = found(src, "FA106");
    assert_eq!(
        got.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>(),
        [(3, 17), (8, 18)]
    );
    assert_eq!(
        got[0].2,
        "explicit frame allocation in `main` with no frame open in this function"
    );
    assert_eq!(
        got[1].2,
        "explicit frame allocation in a loop with no frame open in this function"
    );
    let d = analyze(src)
        .into_iter()
        .find(|d| d.code == "FA106")
        .unwrap();
    assert_eq!(d.notes, ["1 more frame allocations in this function"]);
    let ok = r"fn main() {
    let alloc = SmartAlloc::new(Default::default());
    for _ in 0..3 {
        let frame = alloc.frame();
        let v = frame.frame_vec::<u32>();
    }
}
#[frame_scope]
fn tick(alloc: &SmartAlloc) {
    for _ in 0..3 {
        let _v = alloc.frame_vec::<u32>();
    }
}
fn helper(alloc: &SmartAlloc) {
    let _v = alloc.frame_vec::<u32>();
}
#[test]
fn spawned_task_gets_a_task_frame() {
    let alloc = SmartAlloc::new(Default::default());
    let _h = spawn_with_frame(&alloc, move |frame| async move {
        let _boxed = frame.frame_box(1u32);
    });
}
fn per_entity(alloc: &SmartAlloc, entities: &[u32]) {
    for e in entities {
        let _v = alloc.frame_vec::<u32>();
    }
}
";
    assert!(found(ok, "FA106").is_empty(), "{:#?}", analyze(ok));
}

/// The getting-started guide's pitfall 3, as written there: a second `begin_frame()`
/// with the frame open does nothing, and the one `end_frame()` ends the first.
#[test]
fn fa101_begin_frame_twice_before_end() {
    let src = r"fn frame(alloc: &SmartAlloc) {
    alloc.begin_frame();
    alloc.begin_frame(); // Forgot to end previous frame!
    alloc.end_frame();
}
";
    let d = one(src, "FA101");
    assert_eq!((d.primary().line_start, d.primary().column_start), (2, 5));
    assert_eq!((d.spans[1].line_start, d.spans[1].column_start), (3, 5));
    assert_eq!(
        d.spans[1].label,
        "`begin_frame()` again with the frame still open (this call does nothing)"
    );
    // Frame after frame is fine, and so is a second begin after an end on every path.
    let ok = r"fn frames(alloc: &SmartAlloc, n: u32) {
    alloc.begin_frame();
    alloc.end_frame();
    alloc.begin_frame();
    if n > 1 {
        alloc.end_frame();
        alloc.begin_frame();
    }
    alloc.end_frame();
}
fn two_allocators(a: &SmartAlloc, b: &SmartAlloc) {
    a.begin_frame();
    b.begin_frame(); // another allocator: its own explicit frame
    b.end_frame();
    a.end_frame();
}
";
    assert!(found(ok, "FA101").is_empty(), "{:#?}", analyze(ok));
    // The same receiver written through `self`.
    let fields = r"impl Game {
    fn tick(&self) {
        self.alloc.begin_frame();
        self.alloc.begin_frame();
        self.alloc.end_frame();
    }
}
";
    assert_eq!(found(fields, "FA101").len(), 1, "{:#?}", analyze(fields));
}

/// A guard and a handle made from it, both held across one `.await`: one finding naming
/// both (one mistake), with a span for each binding.
#[test]
fn fa201_one_finding_per_await() {
    let src = r"async fn gather(alloc: &SmartAlloc) -> usize {
    let frame = alloc.frame();
    let ids = frame.frame_vec::<u32>();
    flush().await;
    ids.len()
}
";
    let d = one(src, "FA201");
    assert_eq!((d.primary().line_start, d.primary().column_start), (4, 5));
    assert_eq!(
        d.message,
        "frame guards or handles `frame`, `ids` are held across `.await`"
    );
    let bindings: Vec<_> = d.spans[1..]
        .iter()
        .map(|s| (s.line_start, s.column_start))
        .collect();
    assert_eq!(bindings, [(2, 9), (3, 9)]);
}

#[test]
fn fa201_guard_across_await() {
    let src = r"async fn gather(alloc: &SmartAlloc) -> usize {
    let ids = alloc.frame_vec::<u32>();
    flush().await;
    ids.len()
}
";
    let d = one(src, "FA201");
    assert_eq!((d.primary().line_start, d.primary().column_start), (3, 5));
    assert_eq!(
        d.message,
        "frame guard or handle `ids` is held across `.await`"
    );
    assert_eq!((d.spans[1].line_start, d.spans[1].column_start), (2, 9));
    let ok = r"async fn gather(alloc: &SmartAlloc) -> usize {
    let n = {
        let ids = alloc.frame_vec::<u32>();
        ids.len()
    };
    let ids = alloc.frame_vec::<u32>();
    drop(ids);
    flush().await;
    let mut frame = alloc.task_frame();
    let b = frame.frame_box(1u32);
    flush().await;
    n
}
";
    assert!(found(ok, "FA201").is_empty(), "{:#?}", analyze(ok));
}

#[test]
fn fa202_spawn_inside_a_tag_scope() {
    let src = r#"fn physics(alloc: &SmartAlloc) {
    alloc.with_tag("physics", |a| {
        std::thread::spawn(move || work());
    });
}
#[alloc_tag("audio")]
fn audio(alloc: &SmartAlloc) {
    let _h = tokio::spawn(mix());
    let _t = spawn(move || work());
}
"#;
    let got = found(src, "FA202");
    assert_eq!(
        got.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>(),
        [(3, 9), (8, 14), (9, 14)]
    );
    assert_eq!(
        got[0].2,
        "`std::thread::spawn` inside a tag scope: the new thread or task does not inherit the tag"
    );
    let ok = r#"fn physics(alloc: &SmartAlloc) {
    std::thread::spawn(move || work());
    alloc.with_tag("physics", |a| work());
    std::thread::spawn(move || {
        alloc.with_tag("physics", |a| work());
    });
    alloc.with_tag("physics", |a| {
        let b = a.clone();
        std::thread::spawn(move || b.with_tag("physics", |_| work()));
        tokio::spawn(a.tag_future("physics", mix()));
    });
}
"#;
    assert!(found(ok, "FA202").is_empty());
}

#[test]
fn fa203_task_frame_by_shared_ref() {
    let src = "async fn handle(req: u32, frame: &TaskFrame) -> usize {\n    0\n}\n";
    let d = one(src, "FA203");
    assert_eq!((d.primary().line_start, d.primary().column_start), (1, 34));
    assert_eq!(
        d.message,
        "`async fn handle` takes `&TaskFrame`: the future is `!Send`"
    );
    let ok = "async fn a(frame: &mut TaskFrame) {}\nfn b(frame: &TaskFrame) {}\n";
    assert!(found(ok, "FA203").is_empty());
}

#[test]
fn fa301_unknown_tag_with_suggestion() {
    let src = r#"#[alloc_tag("physics")]
fn step(alloc: &SmartAlloc) {}
fn report(alloc: &SmartAlloc) {
    let s = alloc.stats().tag("phyiscs");
    let t = alloc.stats().tag("physics");
    alloc.with_tag("physcs", |a| {});
    let u = alloc.stats().tag("rendering");
    let snapshot = alloc.stats();
    let w = snapshot.tag("physcis");
}
"#;
    let all: Vec<Diagnostic> = analyze(src)
        .into_iter()
        .filter(|d| d.code == "FA301")
        .collect();
    let at: Vec<(usize, usize)> = all
        .iter()
        .map(|d| (d.primary().line_start, d.primary().column_start))
        .collect();
    assert_eq!(at, [(4, 31), (6, 20), (7, 31), (9, 26)]);
    assert_eq!(all[0].help.as_deref(), Some("did you mean \"physics\"?"));
    assert_eq!(all[1].help.as_deref(), Some("did you mean \"physics\"?"));
    assert_eq!(
        all[2].message,
        "tag \"rendering\" is not declared by any `#[alloc_tag]` or pushed anywhere"
    );
    assert!(!all[2].help.as_deref().unwrap().contains("did you mean"));
    let ok = r#"const AUDIO: &str = "audio";
fn report(alloc: &SmartAlloc) {
    alloc.with_tag("render", |a| {});
    alloc.with_tag(AUDIO, |a| {});
    let s = alloc.stats().tag("render");
    let a = alloc.stats().tag("audio");
    let u = alloc.stats().tag("untagged");
}
"#;
    assert!(found(ok, "FA301").is_empty());
}

#[test]
fn fa302_conflicting_budgets() {
    let src = r#"#[alloc_tag("physics", budget = "8 MiB")]
fn a() {}
#[alloc_tag("physics", budget = 8388608)]
fn b() {}
#[alloc_tag("physics", budget = "4 MiB")]
fn c() {}
#[alloc_tag("physics")]
fn d() {}
"#;
    let d = one(src, "FA302");
    assert_eq!((d.primary().line_start, d.primary().column_start), (5, 33));
    assert_eq!(
        d.message,
        "tag \"physics\" is declared with different budgets (8388608 and 4194304 bytes)"
    );
    assert_eq!(d.spans[1].line_start, 1);
    assert!(found(&src.replace("\"4 MiB\"", "\"8 MiB\""), "FA302").is_empty());
}

#[test]
fn fa303_tag_budget_over_thread_budget() {
    let src = r#"#[alloc_tag("physics", budget = "64 MiB")]
fn a() {}
fn setup(alloc: &SmartAlloc) {
    alloc.set_thread_frame_budget(16 << 20);
    alloc.set_tag_budget("physics", 8 << 20);
}
"#;
    let d = one(src, "FA303");
    assert_eq!(d.level, Level::Allow);
    assert_eq!((d.primary().line_start, d.primary().column_start), (1, 33));
    assert_eq!(
        d.message,
        "budget of tag \"physics\" (67108864 bytes) is above the thread frame budget (16777216 bytes)"
    );
    assert!(found(&src.replace("64 MiB", "8 MiB"), "FA303").is_empty());
}

#[test]
fn fa401_short_lived_pool_allocation_in_frame_loop() {
    let src = r"fn run(alloc: &SmartAlloc, out: &mut Vec<PoolBox<u32>>) {
    loop {
        alloc.begin_frame();
        let scratch = alloc.pool_box([0u32; 16]);
        let first = scratch[0];
        let kept = alloc.pool_box(1u32);
        out.push(kept);
        let v = Vec::new();
        consume(v);
        alloc.end_frame();
    }
}
";
    let d = one(src, "FA401");
    assert_eq!(d.level, Level::Allow);
    assert_eq!((d.primary().line_start, d.primary().column_start), (4, 23));
    assert_eq!(
        d.message,
        "`pool_box` allocated and freed every frame inside a per-frame loop"
    );
    let ok = r"fn run(alloc: &SmartAlloc) {
    for _ in 0..3 {
        let scratch = alloc.pool_box([0u32; 16]);
        let first = scratch[0];
    }
}
";
    assert!(found(ok, "FA401").is_empty());
}

#[test]
fn suppression_by_comment_and_attribute() {
    let src = r#"fn f(alloc: &SmartAlloc) -> Result<(), E> {
    // fa-allow(FA101): the caller ends the frame on error
    alloc.begin_frame();
    load()?;
    alloc.end_frame();
    Ok(())
}
fn g(alloc: &SmartAlloc) -> Result<(), E> {
    alloc.begin_frame(); // fa-allow(unpaired-explicit-frame): same
    load()?;
    alloc.end_frame();
    Ok(())
}
#[framealloc::fa_allow(FA105, reason = "per-frame context")]
struct Ctx<'f> {
    v: FrameVec<'f, u32>,
}
struct Other<'f> {
    v: FrameVec<'f, u32>, // fa-allow(FA101): wrong code, still reported
}
"#;
    let analysis = cargo_fa::analyze_files(&[cargo_fa::SourceFile {
        path: "src/lib.rs".into(),
        text: src.into(),
    }]);
    let codes: Vec<(&str, usize)> = analysis
        .diagnostics
        .iter()
        .map(|d| (d.code, d.primary().line_start))
        .collect();
    assert_eq!(codes, [("FA105", 19)]);
    assert_eq!(analysis.suppressed, 3);
}

#[test]
fn json_round_trip() {
    let d = one(FA101_QUESTION, "FA101");
    let line = d.to_json();
    assert!(!line.contains('\n'));
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["type"], "diagnostic");
    assert_eq!(v["code"], "FA101");
    assert_eq!(v["name"], "unpaired-explicit-frame");
    assert_eq!(v["level"], "warning");
    assert_eq!(v["message"], d.message.as_str());
    assert_eq!(v["spans"][0]["file"], "src/lib.rs");
    assert_eq!(v["spans"][0]["line_start"], 2);
    assert_eq!(v["spans"][0]["column_start"], 5);
    assert_eq!(v["spans"][0]["line_end"], 2);
    assert_eq!(v["spans"][0]["column_end"], 24);
    assert_eq!(v["spans"][0]["label"], "frame begun here");
    assert_eq!(v["help"], d.help.as_deref().unwrap());
    assert_eq!(v["notes"], serde_json::json!([]));
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys.len(),
        8,
        "type, code, name, level, message, spans, help, notes: {keys:?}"
    );
}

#[test]
fn human_rendering_has_the_rustc_shape() {
    let d = one(FA101_QUESTION, "FA101");
    let text = d.render(&cargo_fa::SourceLines::new(FA101_QUESTION), true, false);
    let expected = "\
warning[FA101]: `begin_frame()` is not paired with `end_frame()` on every path
 --> src/lib.rs:2:5
  |
2 |     alloc.begin_frame();
  |     ^^^^^^^^^^^^^^^^^^^ frame begun here
3 |     load()?;
  |           - an error returns here with the frame still open
  |
  = note: `FA101` (unpaired-explicit-frame) is warn by default; `cargo fa --explain FA101` says more
  = help: use `let frame = alloc.frame();` or `#[frame_scope]`: the guard ends the frame on every exit path (return, `?`, panic)";
    assert_eq!(text, expected);
}

#[test]
fn every_lint_has_a_unique_code_and_name_and_an_explanation() {
    let lints = cargo_fa::LINTS;
    assert_eq!(lints.len(), 14);
    for (i, a) in lints.iter().enumerate() {
        assert!(a.code.starts_with("FA") && a.code.len() == 5);
        assert!(!a.explain.is_empty() && !a.summary.is_empty());
        for b in &lints[i + 1..] {
            assert_ne!(a.code, b.code);
            assert_ne!(a.name, b.name);
        }
    }
}
