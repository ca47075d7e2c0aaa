//! The live-handle report: pool and heap memory still allocated, per tag, and (with the
//! `debug` feature) the source locations that allocated it.

use core::fmt;

use crate::Kind;

/// Pool and heap memory still live, per tag and kind: from
/// [`SmartAlloc::live_report`](crate::SmartAlloc::live_report), and logged (with the
/// `debug` feature) when the last `SmartAlloc` clone drops.
///
/// Handles may legitimately outlive their allocator (they stay valid, SPEC §4.7): the
/// report says what is still out there, not that something leaked. Live bytes come from
/// the stats (absent under `minimal`); allocation sites are recorded only with the
/// `debug` feature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveReport {
    /// One entry per (tag, kind) with live memory, sorted by tag then kind.
    pub entries: Vec<LiveEntry>,
}

/// Live memory of one tag and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveEntry {
    /// The tag.
    pub tag: &'static str,
    /// [`Kind::Pool`] or [`Kind::Heap`].
    pub kind: Kind,
    /// Live bytes (from the stats; under `minimal`, the sum of the recorded sites).
    pub live_bytes: u64,
    /// Where the live allocations were made, most bytes first (`debug` feature only;
    /// empty otherwise).
    pub sites: Vec<LiveSite>,
}

/// A source location with live allocations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSite {
    /// Source file of the allocating call.
    pub file: &'static str,
    /// Line of the allocating call.
    pub line: u32,
    /// Column of the allocating call.
    pub column: u32,
    /// Live allocations made there.
    pub count: u64,
    /// Their bytes.
    pub bytes: u64,
}

impl LiveReport {
    /// Whether nothing is live.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Total live bytes of `kind`.
    pub fn live_bytes(&self, kind: Kind) -> u64 {
        self.entries
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.live_bytes)
            .sum()
    }
}

impl fmt::Display for LiveReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.entries.is_empty() {
            return f.write_str("no live pool or heap memory");
        }
        for e in &self.entries {
            writeln!(f, "{} {}: {} B live", e.tag, e.kind.name(), e.live_bytes)?;
            for s in &e.sites {
                writeln!(
                    f,
                    "    {} B in {} allocation(s) at {}:{}:{}",
                    s.bytes, s.count, s.file, s.line, s.column
                )?;
            }
        }
        Ok(())
    }
}

/// Build the report of instance `id` from its tag stats and (with `debug`) its sites.
pub(crate) fn build(stats: &[crate::TagStats], id: u64) -> LiveReport {
    let mut entries: Vec<LiveEntry> = Vec::new();
    for t in stats {
        for kind in [Kind::Pool, Kind::Heap] {
            let live = t.kind(kind).live_bytes;
            if live != 0 {
                entries.push(LiveEntry {
                    tag: t.name,
                    kind,
                    live_bytes: live,
                    sites: Vec::new(),
                });
            }
        }
    }
    #[cfg(feature = "debug")]
    add_sites(&mut entries, id);
    #[cfg(not(feature = "debug"))]
    let _ = id;
    entries.sort_by(|a, b| (a.tag, a.kind).cmp(&(b.tag, b.kind)));
    LiveReport { entries }
}

#[cfg(feature = "debug")]
fn add_sites(entries: &mut Vec<LiveEntry>, id: u64) {
    use std::collections::HashMap;

    type SiteKey = (&'static str, Kind, &'static str, u32, u32);
    let mut grouped: HashMap<SiteKey, (u64, u64)> = HashMap::new();
    for site in crate::debug::sites_of(id) {
        if site.kind == Kind::Frame {
            continue;
        }
        let loc = site.location;
        let key = (
            crate::tag::name_of(site.tag),
            site.kind,
            loc.file(),
            loc.line(),
            loc.column(),
        );
        let slot = grouped.entry(key).or_default();
        slot.0 += 1;
        slot.1 += site.bytes;
    }
    for ((tag, kind, file, line, column), (count, bytes)) in grouped {
        let index = if let Some(i) = entries.iter().position(|e| e.tag == tag && e.kind == kind) {
            i
        } else {
            // Under `minimal` (or for blocks the stats do not see) the sites are all
            // there is.
            entries.push(LiveEntry {
                tag,
                kind,
                live_bytes: 0,
                sites: Vec::new(),
            });
            entries.len() - 1
        };
        let entry = &mut entries[index];
        if cfg!(feature = "minimal") {
            entry.live_bytes += bytes;
        }
        entry.sites.push(LiveSite {
            file,
            line,
            column,
            count,
            bytes,
        });
    }
    for e in entries.iter_mut() {
        e.sites
            .sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.line.cmp(&b.line)));
    }
}
