//! Diagnostics: what a check found, rendered for people (rustc's shape, through
//! annotate-snippets) or as one JSON object per line for tools.

use annotate_snippets::{AnnotationKind, Group, Level as SnippetLevel, Renderer, Snippet};
use serde::Serialize;

use crate::lints::{self, Level};

/// The version of the JSON message format, printed in the summary record. It changes only
/// when a field is removed or changes meaning (new fields may appear without a bump).
pub const JSON_FORMAT_VERSION: u32 = 1;

/// A region of a source file. Lines are 1-based; columns are 1-based character columns,
/// `column_end` exclusive (as in rustc's JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    /// File path as displayed (relative to the workspace root where possible).
    pub file: String,
    /// First line (1-based).
    pub line_start: usize,
    /// First column (1-based, in characters).
    pub column_start: usize,
    /// Last line (1-based).
    pub line_end: usize,
    /// Column after the last character (1-based, exclusive).
    pub column_end: usize,
    /// What this span shows; may be empty for the primary span.
    pub label: String,
}

impl Span {
    /// A span from two `proc_macro2` positions (0-based columns) in `file`.
    pub(crate) fn from_range(
        file: &str,
        start: proc_macro2::LineColumn,
        end: proc_macro2::LineColumn,
        label: impl Into<String>,
    ) -> Self {
        Self {
            file: file.to_owned(),
            line_start: start.line,
            column_start: start.column + 1,
            line_end: end.line,
            column_end: end.column + 1,
            label: label.into(),
        }
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The lint's code, e.g. `FA101`.
    pub code: &'static str,
    /// The level it is reported at (after configuration). Never [`Level::Allow`] in output.
    pub level: Level,
    /// One-line message.
    pub message: String,
    /// The primary span first, then secondary spans.
    pub spans: Vec<Span>,
    /// How to fix it.
    pub help: Option<String>,
    /// Extra facts.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// The primary span.
    pub fn primary(&self) -> &Span {
        &self.spans[0]
    }

    /// The lint's kebab-case name.
    pub fn name(&self) -> &'static str {
        lints::find(self.code).map_or("", |l| l.name)
    }

    /// The JSON record for this diagnostic (one line, no trailing newline), in the shape
    /// SPEC §9 fixes: `type`, `code`, `name`, `level`, `message`, `spans`, `help`, `notes`.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Record<'a> {
            #[serde(rename = "type")]
            kind: &'static str,
            code: &'static str,
            name: &'static str,
            level: &'static str,
            message: &'a str,
            spans: &'a [Span],
            help: Option<&'a str>,
            notes: &'a [String],
        }
        let record = Record {
            kind: "diagnostic",
            code: self.code,
            name: self.name(),
            level: json_level(self.level),
            message: &self.message,
            spans: &self.spans,
            help: self.help.as_deref(),
            notes: &self.notes,
        };
        serde_json::to_string(&record).expect("a diagnostic always serialises")
    }

    /// Renders the diagnostic as rustc does (`warning[FA101]: ..`, `--> file:line:col`,
    /// an excerpt with carets, `= help: ..`). `source` is the primary file;
    /// `default_note` adds the "on by default" note. `styled` uses ANSI colours.
    pub fn render(&self, source: &SourceLines<'_>, default_note: bool, styled: bool) -> String {
        let level = match self.level {
            Level::Deny => SnippetLevel::ERROR,
            Level::Warn | Level::Allow => SnippetLevel::WARNING,
        };
        let primary = self.primary();
        let in_file: Vec<&Span> = self
            .spans
            .iter()
            .filter(|s| s.file == primary.file)
            .collect();
        // Only the lines the spans cover go to the renderer (it folds the gaps), so a
        // diagnostic in a huge file costs the size of its excerpt, not of the file.
        let first = in_file.iter().map(|s| s.line_start).min().unwrap_or(1);
        let last = in_file.iter().map(|s| s.line_end).max().unwrap_or(first);
        let base = source.offset(first, 1);
        let end = source.line_end(last);
        let excerpt = &source.text[base..end.max(base)];
        let mut snippet = Snippet::source(excerpt)
            .line_start(first)
            .path(primary.file.as_str())
            .fold(true);
        for (i, span) in in_file.iter().enumerate() {
            let start = source.offset(span.line_start, span.column_start) - base;
            let stop = (source.offset(span.line_end, span.column_end) - base).max(start);
            let kind = if i == 0 {
                AnnotationKind::Primary
            } else {
                AnnotationKind::Context
            };
            snippet = snippet.annotation(kind.span(start..stop).label(span.label.as_str()));
        }
        let mut group: Group<'_> = level
            .primary_title(self.message.as_str())
            .id(self.code)
            .element(snippet);
        for note in &self.notes {
            group = group.element(SnippetLevel::NOTE.message(note.as_str()));
        }
        let origin;
        if default_note {
            origin = format!(
                "`{}` ({}) is {} by default; `cargo fa --explain {}` says more",
                self.code,
                self.name(),
                lints::find(self.code).map_or(Level::Warn, |l| l.default),
                self.code
            );
            group = group.element(SnippetLevel::NOTE.message(origin.as_str()));
        }
        if let Some(help) = &self.help {
            group = group.element(SnippetLevel::HELP.message(help.as_str()));
        }
        let renderer = if styled {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        renderer.render(&[group])
    }
}

/// The JSON word for a level.
fn json_level(level: Level) -> &'static str {
    match level {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "note",
    }
}

/// A source text with its line starts, to turn line/column positions into byte offsets
/// without rescanning the file for every diagnostic.
pub struct SourceLines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> SourceLines<'a> {
    /// Indexes `text`'s lines.
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { text, starts }
    }

    /// The byte offset of a 1-based line and character column, clamped to the text (a
    /// stale or odd position can never make the renderer panic).
    fn offset(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let end = self.line_end(line);
        let text = &self.text[start..end];
        start
            + text
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(text.len(), |(b, _)| b)
    }

    /// The byte offset just after a 1-based line (including its newline).
    fn line_end(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.text.len())
    }
}

/// Counts for the summary record and line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Diagnostics at error level.
    pub errors: usize,
    /// Diagnostics at warning level.
    pub warnings: usize,
    /// Findings suppressed by `fa-allow` comments or `#[fa_allow]` attributes.
    pub suppressed: usize,
    /// Source files analysed.
    pub files: usize,
}

impl Summary {
    /// The final JSON record: `{"type":"summary","errors":N,"warnings":N,...}`.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "type": "summary",
            "errors": self.errors,
            "warnings": self.warnings,
            "suppressed": self.suppressed,
            "files": self.files,
            "format_version": JSON_FORMAT_VERSION,
        })
        .to_string()
    }
}
