//! A memory timeline: per-tag frame bytes of the last N frames, written as one
//! self-contained HTML page (inline SVG: no script, no network).
//!
//! ```no_run
//! use framealloc::{SmartAlloc, timeline::Timeline};
//!
//! let alloc = SmartAlloc::new(Default::default());
//! let timeline = Timeline::new(600); // the last 600 frames of this thread
//! timeline.attach(&alloc);
//! for _ in 0..1000 {
//!     let frame = alloc.frame();
//!     alloc.with_tag("particles", |_| frame.alloc([0u8; 256]));
//! }
//! timeline.write_html("target/memory.html")?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! The page shows a stacked area per tag (each tag keeps its colour from page to page:
//! it is derived from the name, and moves to a free one only if a tag before it on the
//! page took it), the tags' budgets and the thread's frame budget as
//! dashed lines, a tooltip per frame with its values (hover; SVG `<title>`, no script),
//! and every recorded frame in a table under a `<details>`. Past
//! [`MAX_POINTS`] frames the chart shows, for each run of frames one point wide, the
//! frame with the largest total (spikes stay visible); the table keeps them all.

use core::fmt::Write as _;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use crate::SmartAlloc;
use crate::summary::FrameSummary;

#[cfg(test)]
mod tests;

/// Frames the chart draws at most; longer histories are down-sampled.
pub const MAX_POINTS: usize = 2000;

/// Per-tag frame bytes of the last frames of one thread, recorded from
/// [`SmartAlloc::on_frame_end`] summaries. A handle: clones share the recording.
#[derive(Clone)]
pub struct Timeline {
    inner: Arc<Mutex<Recording>>,
}

impl core::fmt::Debug for Timeline {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let r = self.lock();
        f.debug_struct("Timeline")
            .field("capacity", &r.capacity)
            .field("frames", &r.frames.len())
            .field("tags", &r.tags.len())
            .finish()
    }
}

/// The recording behind a [`Timeline`].
struct Recording {
    capacity: usize,
    /// The thread recorded (framealloc's thread number, `FrameSummary::thread`).
    thread: u64,
    /// The last `capacity` frames, oldest first.
    frames: VecDeque<FrameRecord>,
    /// Every tag seen, in order of first appearance (indices of `FrameRecord::tags`).
    tags: Vec<TagSeries>,
}

struct TagSeries {
    name: &'static str,
    /// The tag's budget at the latest frame that had bytes under it.
    budget: Option<u64>,
}

/// One frame, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
struct FrameRecord {
    frame: u64,
    /// Arena bytes in use at the frame's end (`FrameSummary::bytes`).
    arena_bytes: u64,
    deferred: bool,
    thread_budget: Option<u64>,
    /// `(index into Recording::tags, bytes)`, by index.
    tags: Vec<(usize, u64)>,
}

impl FrameRecord {
    fn total(&self) -> u64 {
        self.tags.iter().map(|&(_, b)| b).sum()
    }

    fn bytes_of(&self, tag: usize) -> u64 {
        self.tags
            .iter()
            .find(|&&(t, _)| t == tag)
            .map_or(0, |&(_, b)| b)
    }
}

impl Timeline {
    /// A timeline keeping the last `capacity` frames (at least 1) of the calling thread.
    pub fn new(capacity: usize) -> Timeline {
        Timeline::for_thread(crate::ids::thread_token(), capacity)
    }

    /// A timeline of the thread numbered `thread` (`FrameSummary::thread`).
    pub fn for_thread(thread: u64, capacity: usize) -> Timeline {
        let capacity = capacity.max(1);
        Timeline {
            inner: Arc::new(Mutex::new(Recording {
                capacity,
                thread,
                frames: VecDeque::with_capacity(capacity.min(4096)),
                tags: Vec::new(),
            })),
        }
    }

    /// Record `alloc`'s frame ends from now on: installs the frame-end observer
    /// ([`SmartAlloc::on_frame_end`], replacing any). To combine with an observer of
    /// your own, call [`record`](Self::record) from it instead.
    pub fn attach(&self, alloc: &SmartAlloc) {
        let timeline = self.clone();
        alloc.on_frame_end(move |s| timeline.record(s));
    }

    /// Record one frame end (summaries of other threads are ignored). The oldest frame
    /// goes once `capacity` are kept.
    pub fn record(&self, summary: &FrameSummary<'_>) {
        let mut r = self.lock();
        if summary.thread != r.thread {
            return;
        }
        let mut tags = Vec::with_capacity(summary.tags.len());
        for t in summary.tags {
            let index = if let Some(i) = r.tags.iter().position(|s| s.name == t.tag) {
                i
            } else {
                r.tags.push(TagSeries {
                    name: t.tag,
                    budget: None,
                });
                r.tags.len() - 1
            };
            r.tags[index].budget = t.budget;
            tags.push((index, t.bytes));
        }
        tags.sort_unstable();
        if r.frames.len() == r.capacity {
            r.frames.pop_front();
        }
        r.frames.push_back(FrameRecord {
            frame: summary.frame,
            arena_bytes: summary.bytes,
            deferred: summary.deferred,
            thread_budget: summary.thread_budget,
            tags,
        });
    }

    /// Frames recorded (at most the capacity).
    pub fn len(&self) -> usize {
        self.lock().frames.len()
    }

    /// Whether no frame is recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The frame numbers recorded, oldest first.
    pub fn frame_numbers(&self) -> Vec<u64> {
        self.lock().frames.iter().map(|f| f.frame).collect()
    }

    /// The bytes of `tag` in each recorded frame, oldest first (0 where it had none).
    pub fn tag_series(&self, tag: &str) -> Vec<u64> {
        let r = self.lock();
        let index = r.tags.iter().position(|s| s.name == tag);
        r.frames
            .iter()
            .map(|f| index.map_or(0, |i| f.bytes_of(i)))
            .collect()
    }

    /// The page, as a string (see the [module documentation](self)).
    pub fn to_html(&self) -> String {
        self.lock().html()
    }

    /// Write the page to `path` (one self-contained HTML file).
    ///
    /// # Errors
    ///
    /// The file could not be written.
    pub fn write_html(&self, path: impl AsRef<std::path::Path>) -> std::io::Result<()> {
        std::fs::write(path, self.to_html())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Recording> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Well-separated colours for the series.
const PALETTE: [&str; 12] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#2f4b7c", "#8cd17d", "#bab0ac",
];

/// A tag's preferred palette entry, from its name (FNV-1a), so a tag keeps its colour
/// from page to page.
fn preferred(name: &str) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h as usize % PALETTE.len()
}

/// The colours of `names` on one page: each its preferred colour, or, if an earlier tag
/// took it, the next free one (the same tags get the same colours).
fn colours(names: &[&str]) -> Vec<&'static str> {
    let mut used = [false; PALETTE.len()];
    names
        .iter()
        .map(|name| {
            let start = preferred(name);
            let i = (0..PALETTE.len())
                .map(|k| (start + k) % PALETTE.len())
                .find(|&i| !used[i])
                .unwrap_or(start);
            used[i] = true;
            PALETTE[i]
        })
        .collect()
}

/// `text` escaped for HTML text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Bytes for a label: `512 B`, `1.5 KiB`, `12.0 MiB`.
fn human(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)] // a label
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KiB", b / 1024.0)
    } else if bytes < 1024 * 1024 * 1024 {
        format!("{:.1} MiB", b / (1024.0 * 1024.0))
    } else {
        format!("{:.1} GiB", b / (1024.0 * 1024.0 * 1024.0))
    }
}

/// A "nice" axis maximum at or above `max`: 1, 2 or 5 times a power of ten of bytes,
/// KiB, MiB or GiB (so the quarter-lines read 50 KiB, not 48.8 KiB).
fn nice_ceiling(max: u64) -> u64 {
    let mut unit = 1u64;
    while unit < 1 << 30 && max / unit >= 1024 {
        unit <<= 10;
    }
    let units = max.div_ceil(unit).max(1);
    let mut step = 1u64;
    loop {
        for m in [1, 2, 4, 5, 8] {
            let v = step.saturating_mul(m);
            if v >= units {
                return v.saturating_mul(unit);
            }
        }
        step = step.saturating_mul(10);
    }
}

/// Chart geometry (SVG user units).
const WIDTH: f64 = 1000.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 50.0;

impl Recording {
    /// The frames the chart draws: all of them up to [`MAX_POINTS`], else for each of
    /// `MAX_POINTS` runs of consecutive frames the one with the largest total.
    fn points(&self) -> Vec<&FrameRecord> {
        let n = self.frames.len();
        if n <= MAX_POINTS {
            return self.frames.iter().collect();
        }
        (0..MAX_POINTS)
            .filter_map(|i| {
                let (start, end) = (i * n / MAX_POINTS, (i + 1) * n / MAX_POINTS);
                self.frames
                    .range(start..end)
                    .max_by_key(|f| (f.total(), core::cmp::Reverse(f.frame)))
            })
            .collect()
    }

    #[allow(clippy::cast_precision_loss, clippy::too_many_lines)] // chart coordinates
    fn html(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>framealloc memory timeline</title>\n<style>\n\
             body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}\n\
             svg{background:#fff;border:1px solid #ccc}\n\
             .axis{stroke:#444;stroke-width:1}\n.grid{stroke:#e4e4e4;stroke-width:1}\n\
             .label{font-size:12px;fill:#333}\n.budget{stroke-width:1.5;stroke-dasharray:6 4;fill:none}\n\
             .hit{fill:transparent}\n.hit:hover{fill:rgba(0,0,0,0.08)}\n\
             ul.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:1em}\n\
             .swatch{display:inline-block;width:0.9em;height:0.9em;margin-right:0.3em;vertical-align:-0.1em}\n\
             table{border-collapse:collapse;font-size:12px}\n\
             td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}\n\
             </style>\n</head>\n<body>\n<h1>Frame memory per tag</h1>\n",
        );
        let points = self.points();
        let _ = writeln!(
            out,
            "<p>{} frame(s) recorded{}; frame bytes per tag, stacked (bytes allocated under \
             each tag since the arena's last reset, read at the frame's end).</p>",
            self.frames.len(),
            if points.len() < self.frames.len() {
                format!(
                    ", drawn as {} points (each the largest frame of its run)",
                    points.len()
                )
            } else {
                String::new()
            }
        );
        if points.is_empty() {
            out.push_str("<p class=\"empty\">No frames recorded.</p>\n</body>\n</html>\n");
            return out;
        }

        // The y scale: the largest total, and budgets that are not far above it.
        let peak = points.iter().map(|f| f.total()).max().unwrap_or(0).max(1);
        let thread_budget = self.frames.back().and_then(|f| f.thread_budget);
        let budgets: Vec<(String, &str, u64)> = self
            .tags
            .iter()
            .filter_map(|t| {
                t.budget
                    .map(|b| (format!("budget of {}", escape(t.name)), t.name, b))
            })
            .chain(thread_budget.map(|b| ("thread frame budget".to_owned(), "", b)))
            .collect();
        let in_scale = |b: u64| b <= peak.saturating_mul(4);
        let top = nice_ceiling(
            budgets
                .iter()
                .map(|&(_, _, b)| b)
                .filter(|&b| in_scale(b))
                .fold(peak, u64::max),
        );
        let plot_w = WIDTH - LEFT - RIGHT;
        let plot_h = HEIGHT - TOP - BOTTOM;
        let step = if points.len() > 1 {
            plot_w / (points.len() - 1) as f64
        } else {
            0.0
        };
        let x = |i: usize| {
            if points.len() > 1 {
                LEFT + step * i as f64
            } else {
                LEFT + plot_w / 2.0
            }
        };
        let y = |bytes: u64| TOP + plot_h - plot_h * (bytes as f64 / top as f64);

        let _ = writeln!(
            out,
            "<svg role=\"img\" aria-label=\"frame bytes per tag\" viewBox=\"0 0 {WIDTH} \
             {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\">"
        );
        // Grid and y labels.
        for k in 0..=4u64 {
            let v = top / 4 * k;
            let yy = y(v);
            let _ = writeln!(
                out,
                "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\"/>\
                 <text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                WIDTH - RIGHT,
                LEFT - 6.0,
                yy + 4.0,
                human(v)
            );
        }
        let names: Vec<&str> = self.tags.iter().map(|t| t.name).collect();
        let palette = colours(&names);
        // Stacked areas, one per tag in order of first appearance.
        let mut below = vec![0u64; points.len()];
        for (index, tag) in self.tags.iter().enumerate() {
            if points.iter().all(|f| f.bytes_of(index) == 0) {
                continue;
            }
            let above: Vec<u64> = points
                .iter()
                .zip(&below)
                .map(|(f, b)| b + f.bytes_of(index))
                .collect();
            let mut path = String::new();
            for (i, &v) in above.iter().enumerate() {
                let _ = write!(
                    path,
                    "{}{:.1},{:.1} ",
                    if i == 0 { "M" } else { "L" },
                    x(i),
                    y(v)
                );
            }
            for (i, &v) in below.iter().enumerate().rev() {
                let _ = write!(path, "L{:.1},{:.1} ", x(i), y(v));
            }
            let _ = writeln!(
                out,
                "<path class=\"series\" data-tag=\"{name}\" d=\"{d}Z\" fill=\"{c}\" \
                 fill-opacity=\"0.9\" stroke=\"none\"><title>{name}</title></path>",
                name = escape(tag.name),
                d = path,
                c = palette[index],
            );
            below = above;
        }
        // Budget lines.
        for (label, tag, b) in &budgets {
            if !in_scale(*b) {
                continue;
            }
            let c = names
                .iter()
                .position(|n| n == tag)
                .map_or("#c00", |i| palette[i]);
            let yy = y(*b);
            let _ = writeln!(
                out,
                "<line class=\"budget\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" \
                 stroke=\"{c}\"><title>{label}: {}</title></line>\
                 <text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{label}</text>",
                WIDTH - RIGHT,
                human(*b),
                WIDTH - RIGHT - 4.0,
                yy - 4.0,
            );
        }
        // Axes and their labels.
        let _ = writeln!(
            out,
            "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"{TOP}\" y2=\"{:.1}\"/>\
             <line class=\"axis\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{b:.1}\" y2=\"{b:.1}\"/>\
             <text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">frame</text>\
             <text class=\"label\" transform=\"translate(16 {:.1}) rotate(-90)\" \
             text-anchor=\"middle\">frame bytes</text>",
            TOP + plot_h,
            WIDTH - RIGHT,
            LEFT + plot_w / 2.0,
            HEIGHT - 8.0,
            TOP + plot_h / 2.0,
            b = TOP + plot_h,
        );
        let ticks = 6.min(points.len());
        for k in 0..ticks {
            let i = if ticks > 1 {
                k * (points.len() - 1) / (ticks - 1)
            } else {
                0
            };
            let _ = writeln!(
                out,
                "<text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x(i),
                TOP + plot_h + 16.0,
                points[i].frame
            );
        }
        // One hover target per point, with the frame's values.
        let half = if points.len() > 1 {
            step / 2.0
        } else {
            plot_w / 2.0
        };
        for (i, f) in points.iter().enumerate() {
            let mut tip = format!("frame {}: {} in tags", f.frame, human(f.total()));
            let _ = write!(tip, ", {} arena", human(f.arena_bytes));
            if f.deferred {
                tip.push_str(", reset deferred");
            }
            for &(t, b) in &f.tags {
                let _ = write!(tip, "\n{}: {}", escape(self.tags[t].name), human(b));
            }
            let _ = writeln!(
                out,
                "<rect class=\"hit\" x=\"{:.1}\" y=\"{TOP}\" width=\"{:.2}\" height=\"{plot_h:.1}\">\
                 <title>{tip}</title></rect>",
                (x(i) - half).max(LEFT),
                (2.0 * half).max(0.5),
            );
        }
        out.push_str("</svg>\n<ul class=\"legend\">\n");
        for (tag, c) in self.tags.iter().zip(&palette) {
            let budget = match tag.budget {
                Some(b) if in_scale(b) => format!(" (budget {})", human(b)),
                Some(b) => format!(" (budget {}, above the chart)", human(b)),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "<li><span class=\"swatch\" style=\"background:{c}\"></span>{}{budget}</li>",
                escape(tag.name)
            );
        }
        if let Some(b) = thread_budget {
            let _ = writeln!(
                out,
                "<li><span class=\"swatch\" style=\"background:#c00\"></span>thread frame \
                 budget {}{}</li>",
                human(b),
                if in_scale(b) { "" } else { ", above the chart" }
            );
        }
        out.push_str("</ul>\n<details>\n<summary>Data (bytes per frame)</summary>\n<table>\n<tr><th>frame</th><th>total</th><th>arena</th><th>deferred</th>");
        for tag in &self.tags {
            let _ = write!(out, "<th>{}</th>", escape(tag.name));
        }
        out.push_str("</tr>\n");
        for f in &self.frames {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                f.frame,
                f.total(),
                f.arena_bytes,
                if f.deferred { "yes" } else { "" }
            );
            for index in 0..self.tags.len() {
                let _ = write!(out, "<td>{}</td>", f.bytes_of(index));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n</details>\n</body>\n</html>\n");
        out
    }
}
