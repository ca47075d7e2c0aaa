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
    /// an excerpt with carets, `= help: ..`). `source` is the text of the primary file;
    /// `default_note` adds the "on by default" note. `styled` uses ANSI colours.
    pub fn render(&self, source: &str, default_note: bool, styled: bool) -> String {
        let level = match self.level {
            Level::Deny => SnippetLevel::ERROR,
            Level::Warn | Level::Allow => SnippetLevel::WARNING,
        };
        let primary = self.primary();
        let mut snippet = Snippet::source(source)
            .path(primary.file.as_str())
            .fold(true);
        for (i, span) in self.spans.iter().enumerate() {
            if span.file != primary.file {
                continue;
            }
            let range = byte_range(source, span);
            let kind = if i == 0 {
                AnnotationKind::Primary
            } else {
                AnnotationKind::Context
            };
            snippet = snippet.annotation(kind.span(range).label(span.label.as_str()));
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

/// Converts a span's line/column (characters) into a byte range of `source`, clamped to
/// the text so a stale or odd span can never make the renderer panic.
fn byte_range(source: &str, span: &Span) -> std::ops::Range<usize> {
    let offset = |line: usize, column: usize| -> usize {
        let mut start = 0;
        for (i, l) in source.split_inclusive('\n').enumerate() {
            if i + 1 == line {
                let chars = column.saturating_sub(1);
                return start + l.char_indices().nth(chars).map_or(l.len(), |(b, _)| b);
            }
            start += l.len();
        }
        source.len()
    };
    let a = offset(span.line_start, span.column_start);
    let b = offset(span.line_end, span.column_end).max(a);
    a..b
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
