//! The [Tracy](https://github.com/wolfpld/tracy) profiler (feature `tracy`): per-tag
//! frame bytes as plots, a frame mark per frame, budget events as messages.
//!
//! Built on `tracy-client` with its default features off, so everything here is a no-op
//! until the `tracy-enable` feature turns on its `enable` feature; the Tracy client then
//! starts with the program and listens on a TCP port for the Tracy viewer.
//!
//! ```
//! use framealloc::SmartAlloc;
//!
//! let alloc = SmartAlloc::new(Default::default());
//! framealloc::tracy::attach(&alloc); // plots and marks this thread's frames
//! for _ in 0..3 {
//!     let frame = alloc.frame();
//!     alloc.with_tag("physics", |_| frame.alloc([0u8; 128]));
//! }
//! ```
//!
//! What the viewer shows:
//!
//! - plots `framealloc frame bytes` and `framealloc chunk bytes` (the arena's use and
//!   capacity at each frame's end), and `framealloc tag <name>` per tag (its frame
//!   bytes; 0 in frames without any). Plot names are made once per tag and leaked, as
//!   Tracy requires names that live forever; tags are interned, so this is bounded by
//!   the number of tags;
//! - a secondary frame set `framealloc`, marked at each frame end;
//! - a message per budget event (all threads; with the feature on, whether or not
//!   anything is attached).

use std::sync::{Mutex, PoisonError};

use tracy_client::{Client, PlotName, frame_name, plot_name};

use crate::SmartAlloc;
use crate::summary::FrameSummary;

/// Report the frames of the calling thread to Tracy: installs the frame-end observer
/// ([`SmartAlloc::on_frame_end`], replacing any). To combine with an observer of your
/// own, call [`frame_end`] from it instead.
pub fn attach(alloc: &SmartAlloc) {
    let thread = crate::ids::thread_token();
    alloc.on_frame_end(move |s| {
        if s.thread == thread {
            frame_end(s);
        }
    });
}

/// Plot `summary` and mark a `framealloc` frame. Plots are process-wide in Tracy: pass
/// the summaries of one thread.
pub fn frame_end(summary: &FrameSummary<'_>) {
    let Some(client) = Client::running() else {
        return;
    };
    for (name, value) in plots(summary) {
        client.plot(name, value);
    }
    client.secondary_frame_mark(frame_name!("framealloc"));
}

/// Tags seen so far, with their plot names (made once per tag, leaked).
static TAG_PLOTS: Mutex<Vec<(&'static str, PlotName)>> = Mutex::new(Vec::new());

/// The plots of a frame end: the arena's bytes and chunk bytes, then every tag seen so
/// far (in order of first appearance), at 0 if it has no bytes in this frame.
#[allow(clippy::cast_precision_loss)] // plot values are `f64`
pub(crate) fn plots(summary: &FrameSummary<'_>) -> Vec<(PlotName, f64)> {
    let mut out = vec![
        (plot_name!("framealloc frame bytes"), summary.bytes as f64),
        (
            plot_name!("framealloc chunk bytes"),
            summary.chunk_bytes as f64,
        ),
    ];
    let mut known = TAG_PLOTS.lock().unwrap_or_else(PoisonError::into_inner);
    for t in summary.tags {
        if !known.iter().any(|&(name, _)| name == t.tag) {
            known.push((
                t.tag,
                PlotName::new_leak(format!("framealloc tag {}", t.tag)),
            ));
        }
    }
    out.extend(
        known
            .iter()
            .map(|&(name, plot)| (plot, summary.tag_bytes(name) as f64)),
    );
    out
}

/// The number of tag plot names made so far (tests: once per tag).
#[cfg(test)]
fn tag_plot_names() -> usize {
    TAG_PLOTS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::TagFrameBytes;

    fn summary(tags: &[TagFrameBytes]) -> FrameSummary<'_> {
        FrameSummary {
            thread: 1,
            frame: 3,
            bytes: 700,
            chunk_bytes: 4096,
            deferred: false,
            thread_budget: None,
            tags,
        }
    }

    #[test]
    #[cfg_attr(miri, ignore)] // plot names are leaked by design
    fn frame_ends_map_to_plots_made_once_per_tag() {
        let t = |tag, bytes| TagFrameBytes {
            tag,
            bytes,
            budget: None,
        };
        let first = [t("tracy_a", 300), t("tracy_b", 400)];
        let before = tag_plot_names();
        let values: Vec<f64> = plots(&summary(&first))
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        assert_eq!(tag_plot_names(), before + 2);
        assert_eq!(values[..2], [700.0, 4096.0]);
        assert!(values.ends_with(&[300.0, 400.0]), "{values:?}");
        // A frame without tracy_a: its plot drops to 0; no new name for a known tag.
        let second = [t("tracy_b", 50)];
        let values: Vec<f64> = plots(&summary(&second))
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        assert_eq!(tag_plot_names(), before + 2);
        assert!(values.ends_with(&[0.0, 50.0]), "{values:?}");
    }

    #[test]
    #[cfg_attr(miri, ignore)] // plot names are leaked by design
    fn attached_frames_and_budget_events_do_not_panic() {
        let alloc = SmartAlloc::new(crate::AllocConfig::default());
        alloc.set_thread_frame_budget(8);
        alloc.on_budget_event(|_| {});
        attach(&alloc);
        for _ in 0..3 {
            let frame = alloc.frame();
            alloc.with_tag("tracy_attached", |_| frame.alloc([0u8; 64]));
        }
        assert!(tag_plot_names() >= 1);
    }
}
