//! Tags, budgets and statistics: a frame loop with physics, render and audio systems,
//! each under its own tag and budget. The physics system overruns its budget on a spike
//! frame; a callback sees the event (once per frame per budget), the allocation still
//! succeeds under `BudgetPolicy::Warn`, and a fallible call under a second, enforcing
//! allocator shows the refusal. The stats table is printed at the end. (With no `log`
//! logger installed, framealloc also prints each distinct warning once on stderr.)
//!
//! Run with `cargo run --example 05_tags_and_budgets`.

use std::sync::{Arc, Mutex};

use framealloc::{
    AllocConfig, BudgetEvent, BudgetPolicy, Error, Frame, FrameSafe, Kind, SmartAlloc, alloc_tag,
};

#[derive(Debug, Default, Clone, Copy, FrameSafe)]
struct Contact {
    a: u32,
    b: u32,
    depth: f32,
}

#[derive(Debug, Clone, Copy, FrameSafe)]
struct DrawCall {
    mesh: u32,
    depth: f32,
}

const FRAMES: u32 = 90;
const SPIKE_FRAME: u32 = 45;

/// Physics: contacts for this frame in frame memory. On the spike frame an explosion
/// makes ten times as many.
fn physics(frame: &Frame<'_>, frame_index: u32) -> usize {
    frame.with_tag("physics", |f| {
        let n = if frame_index == SPIKE_FRAME {
            4000
        } else {
            400
        };
        let mut contacts = f.frame_vec_with_capacity::<Contact>(n);
        contacts.extend((0..n as u32).map(|i| Contact {
            a: i,
            b: i + 1,
            depth: (i % 13) as f32 * 0.01,
        }));
        contacts
            .iter()
            .filter(|c| c.depth > 0.05 && c.a != c.b)
            .count()
    })
}

/// Render: draw calls sorted in frame memory (counter-free scoped allocations).
fn render(frame: &Frame<'_>) -> f32 {
    frame.with_tag("render", |f| {
        let calls = f.alloc_slice_fill_with(600, |i| DrawCall {
            mesh: (i * 7 % 64) as u32,
            depth: (i % 100) as f32,
        });
        calls.sort_unstable_by(|a, b| a.depth.total_cmp(&b.depth));
        calls[0].depth + calls.iter().map(|c| c.mesh as f32).sum::<f32>() * 0.0
    })
}

/// Audio: the attribute form; a mix buffer per frame.
#[alloc_tag("audio", budget = "16 KiB")]
fn audio(alloc: &SmartAlloc) -> f32 {
    let mut mix = alloc.frame_vec_with_capacity::<f32>(1024);
    mix.extend((0..1024).map(|i| (i as f32 * 0.01).sin()));
    mix.iter().copied().fold(0.0, f32::max)
}

fn main() {
    let alloc = SmartAlloc::new(Default::default()); // BudgetPolicy::Warn
    alloc.set_tag_budget("physics", 32 << 10); // 32 KiB of contacts per frame
    alloc.set_tag_budget("render", 64 << 10);
    alloc.set_thread_frame_budget(256 << 10);
    assert_eq!(
        alloc.tag_budget("audio"),
        Some(16 << 10),
        "from #[alloc_tag]"
    );

    let events: Arc<Mutex<Vec<BudgetEvent>>> = Arc::default();
    let sink = events.clone();
    alloc.on_budget_event(move |e| {
        println!("  budget event: {e}");
        sink.lock().unwrap().push(e.clone());
    });

    let mut contacts = 0;
    let mut loudest = 0.0f32;
    for frame_index in 1..=FRAMES {
        let frame = alloc.frame();
        contacts += physics(&frame, frame_index);
        let _nearest = render(&frame);
        loudest = loudest.max(audio(&frame));
        if frame_index % 30 == 0 {
            println!("frame {frame_index}: {contacts} deep contacts so far");
        }
    }

    let events = events.lock().unwrap();
    println!("\n{} budget event(s) in {FRAMES} frames", events.len());
    for e in events.iter() {
        assert_eq!((e.tag, e.frame), ("physics", u64::from(SPIKE_FRAME)));
    }

    // The same spike under an enforcing allocator: the fallible call is refused, the
    // frame goes on with what fits.
    let strict = SmartAlloc::new(AllocConfig {
        budget_policy: BudgetPolicy::Enforce,
        ..Default::default()
    });
    strict.set_tag_budget("physics", 32 << 10);
    strict.frame_scope(|frame| {
        frame.with_tag("physics", |f| {
            match f.try_frame_vec_with_capacity::<Contact>(4000) {
                Err(Error::BudgetExceeded {
                    tag,
                    limit,
                    requested,
                }) => println!(
                    "Enforce: {requested} B of {tag} contacts refused (budget {limit} B); \
                     keeping the first 2000"
                ),
                other => panic!("expected a refusal, got {other:?}"),
            }
            let kept = f.frame_vec_with_capacity::<Contact>(2000);
            assert_eq!(kept.capacity(), 2000);
        });
    });

    let stats = alloc.stats();
    let physics = stats.tag("physics").expect("physics was accounted");
    println!(
        "\nphysics frame peak: {} B (budget {} B); loudest sample {loudest:.2}\n",
        physics.kind(Kind::Frame).peak_bytes,
        32 << 10
    );
    println!("{stats}");
}
