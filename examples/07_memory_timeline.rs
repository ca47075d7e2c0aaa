//! A memory timeline: a game-like loop of 600 frames (physics, AI, rendering, particles,
//! each under its own tag; physics and AI with budgets) with an explosion spike every
//! 150 frames and a level load at frame 400, recorded with
//! `framealloc::timeline::Timeline` and written as one self-contained HTML page (inline
//! SVG: open it in any browser, offline).
//!
//! Run with `cargo run --example 07_memory_timeline [-- path/to/page.html]`; the page
//! goes to `target/memory_timeline.html` by default.

#[cfg(not(feature = "minimal"))]
fn main() -> std::io::Result<()> {
    use framealloc::{Frame, SmartAlloc, timeline::Timeline};

    const FRAMES: u32 = 600;

    /// Physics contacts: steady, ten times as many on an explosion frame.
    fn physics(frame: &Frame<'_>, i: u32) -> usize {
        frame.with_tag("physics", |f| {
            let n = if i % 150 == 75 {
                3000
            } else {
                250 + (i % 17) as usize * 4
            };
            f.alloc_slice_fill_copy(n, [0.0f32; 4]).len()
        })
    }

    /// AI paths: a slow wave as agents re-plan.
    fn ai(frame: &Frame<'_>, i: u32) -> usize {
        frame.with_tag("ai", |f| {
            let wave = (i % 60).abs_diff(30) as usize;
            f.alloc_slice_fill_copy(64 + wave * 8, 0u64).len()
        })
    }

    /// Draw calls, and particles that flare with each explosion and fade.
    fn render(frame: &Frame<'_>, i: u32) -> usize {
        let calls = frame.with_tag("render", |f| f.alloc_slice_fill_copy(512, 0u32).len());
        let since = (i + 75) % 150;
        let particles = frame.with_tag("particles", |f| {
            let n = 2048usize.saturating_sub(since as usize * 30);
            f.alloc_slice_fill_copy(n, [0u8; 16]).len()
        });
        calls + particles
    }

    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/memory_timeline.html"
        )
        .to_owned()
    });
    let alloc = SmartAlloc::new(Default::default());
    alloc.set_tag_budget("physics", 32 * 1024);
    alloc.set_tag_budget("ai", 4 * 1024);
    alloc.on_budget_event(|_| {}); // overruns are expected here: shown on the page
    let timeline = Timeline::new(FRAMES as usize);
    timeline.attach(&alloc);

    let mut work = 0;
    for i in 0..FRAMES {
        let frame = alloc.frame();
        work += physics(&frame, i);
        work += ai(&frame, i);
        work += render(&frame, i);
        if i == 400 {
            // A level load: one big scratch buffer under its own tag.
            work += frame.with_tag("level_load", |f| {
                f.alloc_slice_fill_copy(96 * 1024, 0u8).len()
            });
        }
    }
    assert_eq!(timeline.len(), FRAMES as usize);
    timeline.write_html(&path)?;
    let path = std::fs::canonicalize(&path).unwrap_or_else(|_| path.into());
    println!(
        "{} frames ({work} items) recorded; memory timeline written to {}",
        timeline.len(),
        path.display()
    );
    Ok(())
}

#[cfg(feature = "minimal")]
fn main() {
    // `minimal` compiles out per-tag stats, and with them the frame-end observer.
    println!("07_memory_timeline needs per-tag stats: build without the `minimal` feature");
}
