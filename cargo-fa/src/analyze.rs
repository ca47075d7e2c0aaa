//! The analysis: one visit per file recording facts and per-function findings, then the
//! run-level checks over tags (`FA30x`), then suppression.
//!
//! The analyser sees syntax only: no types, no name resolution. Receivers are recognised
//! by method names (`begin_frame`, `frame_vec`, ...) and by local `let` bindings of those
//! calls; `docs/cargo-fa.md` lists what each check cannot see.

use std::collections::{BTreeSet, HashMap, HashSet};

use proc_macro2::LineColumn;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Attribute, Block, Expr, ExprMethodCall, FnArg, Pat, Signature, Stmt, Token, Type};

use crate::diag::{Diagnostic, Span};
use crate::lints::{self, Level};

/// A source file to analyse: the path shown in diagnostics and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path as displayed (relative to the workspace root where possible).
    pub path: String,
    /// The file's text.
    pub text: String,
}

/// What one analysis run found.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Every finding that was not suppressed, at its lint's default level (including
    /// allow-by-default lints: the caller applies configuration), in file and line order.
    pub diagnostics: Vec<Diagnostic>,
    /// Findings suppressed by `// fa-allow(..)` comments or `#[fa_allow(..)]` attributes.
    pub suppressed: usize,
}

/// Analyses one source text as the only file of a crate (`src/lib.rs`). For tests and
/// quick checks; returns every finding at its default level, allow-by-default ones too.
pub fn analyze(source: &str) -> Vec<Diagnostic> {
    analyze_files(&[SourceFile {
        path: "src/lib.rs".to_owned(),
        text: source.to_owned(),
    }])
    .diagnostics
}

/// Analyses the files of one run (one or several crates): per-file checks, then the tag
/// checks over all of them, then suppression.
pub fn analyze_files(files: &[SourceFile]) -> Analysis {
    let mut results: Vec<FileResult> = files.iter().map(analyze_file).collect();
    let mut tags = TagFacts::default();
    for r in &mut results {
        tags.merge(std::mem::take(&mut r.tags));
    }
    for finding in tags.check() {
        if let Some(r) = results
            .iter_mut()
            .find(|r| r.path == finding.primary().file)
        {
            r.findings.push(finding);
        }
    }
    let mut analysis = Analysis::default();
    for (r, file) in results.into_iter().zip(files) {
        let comments = comment_suppressions(&file.text);
        for d in r.findings {
            let line = d.primary().line_start;
            let allowed = |codes: &[String]| {
                codes
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(d.code) || c == d.name())
            };
            let by_attr = r
                .suppress
                .iter()
                .any(|(codes, a, b)| (*a..=*b).contains(&line) && allowed(codes));
            let by_comment = comments
                .iter()
                .any(|(codes, l)| *l == line && allowed(codes));
            if by_attr || by_comment {
                analysis.suppressed += 1;
            } else {
                analysis.diagnostics.push(d);
            }
        }
    }
    analysis.diagnostics.sort_by(|a, b| {
        let (pa, pb) = (a.primary(), b.primary());
        (&pa.file, pa.line_start, pa.column_start, a.code).cmp(&(
            &pb.file,
            pb.line_start,
            pb.column_start,
            b.code,
        ))
    });
    analysis
}

/// `// fa-allow(FA101, FA201): reason` comments: the codes and the line they apply to (the
/// comment's own line if code precedes it, else the next line that is not blank or a
/// comment).
fn comment_suppressions(text: &str) -> Vec<(Vec<String>, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(slash) = line.find("//") else {
            continue;
        };
        let comment = &line[slash..];
        let Some(at) = comment.find("fa-allow(") else {
            continue;
        };
        let rest = &comment[at + "fa-allow(".len()..];
        let Some(close) = rest.find(')') else {
            continue;
        };
        let codes: Vec<String> = rest[..close]
            .split(',')
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect();
        let target = if line[..slash].trim().is_empty() {
            (i + 1..lines.len())
                .find(|&j| {
                    let t = lines[j].trim();
                    !t.is_empty() && !t.starts_with("//")
                })
                .map_or(i + 1, |j| j + 1)
        } else {
            i + 1
        };
        out.push((codes, target));
    }
    out
}

/// What one file contributed.
struct FileResult {
    path: String,
    findings: Vec<Diagnostic>,
    tags: TagFacts,
    /// `#[fa_allow(..)]`: codes, first and last line of the item.
    suppress: Vec<(Vec<String>, usize, usize)>,
}

fn analyze_file(file: &SourceFile) -> FileResult {
    let mut result = FileResult {
        path: file.path.clone(),
        findings: Vec::new(),
        tags: TagFacts::default(),
        suppress: Vec::new(),
    };
    match syn::parse_file(&file.text) {
        Ok(ast) => {
            let mut v = FileVisitor {
                file: &file.path,
                findings: &mut result.findings,
                tags: &mut result.tags,
                suppress: &mut result.suppress,
                tag_scope: 0,
                stats_locals: HashSet::new(),
            };
            v.visit_file(&ast);
        }
        Err(e) => {
            let start = e.span().start();
            let mut end = e.span().end();
            if (end.line, end.column) <= (start.line, start.column) {
                end = LineColumn {
                    line: start.line,
                    column: start.column + 1,
                };
            }
            let what = if e.to_string() == "cannot parse string into token stream" {
                "unbalanced delimiters or an invalid token".to_owned()
            } else {
                e.to_string()
            };
            result.findings.push(finding(
                "FA000",
                format!("cannot parse this file: {what}"),
                vec![Span::from_range(&file.path, start, end, "")],
                Some("the file was skipped; `cargo check` reports the exact error".to_owned()),
            ));
        }
    }
    result
}

/// Builds a finding at the lint's default level.
fn finding(
    code: &'static str,
    message: String,
    spans: Vec<Span>,
    help: Option<String>,
) -> Diagnostic {
    Diagnostic {
        code,
        level: lints::find(code).map_or(Level::Warn, |l| l.default),
        message,
        spans,
        help,
        notes: Vec::new(),
    }
}

fn span_of(file: &str, node: &impl Spanned, label: impl Into<String>) -> Span {
    let s = node.span();
    Span::from_range(file, s.start(), s.end(), label)
}

// ---------------------------------------------------------------------------------------
// Recognisers
// ---------------------------------------------------------------------------------------

/// Methods that return a frame guard or a frame handle.
const HANDLE_METHODS: &[&str] = &[
    "frame",
    "frame_vec",
    "frame_vec_with_capacity",
    "frame_box",
    "frame_slice",
    "frame_alloc",
    "frame_string",
    "try_frame_vec",
    "try_frame_vec_with_capacity",
    "try_frame_box",
    "try_frame_slice",
    "try_frame_alloc",
];

/// Explicit frame allocations (FA106).
const FRAME_ALLOC_METHODS: &[&str] = &[
    "frame_vec",
    "frame_vec_with_capacity",
    "frame_box",
    "frame_slice",
    "frame_alloc",
    "try_frame_vec",
    "try_frame_vec_with_capacity",
    "try_frame_box",
    "try_frame_slice",
    "try_frame_alloc",
];

/// Calls that make a frame visible in a function (FA106).
const FRAME_OPENERS: &[&str] = &[
    "begin_frame",
    "try_begin_frame",
    "frame",
    "frame_scope",
    "task_frame",
    "task_frame_tagged",
];

fn is_method(e: &ExprMethodCall, names: &[&str]) -> bool {
    names.iter().any(|n| e.method == n)
}

/// Strips `?`, `.unwrap()`, `.expect(..)`, `.write(..)`, parentheses and references to
/// the expression that produced a value.
fn strip(mut e: &Expr) -> &Expr {
    loop {
        e = match e {
            Expr::Try(t) => &t.expr,
            Expr::Paren(p) => &p.expr,
            Expr::Group(g) => &g.expr,
            Expr::MethodCall(m)
                if m.method == "unwrap" || m.method == "expect" || m.method == "write" =>
            {
                &m.receiver
            }
            _ => return e,
        };
    }
}

/// `alloc.frame()` (no arguments), `alloc.frame_vec::<T>()`, ...: a frame guard or handle.
fn is_handle_call(e: &Expr) -> bool {
    match strip(e) {
        Expr::MethodCall(m) => {
            is_method(m, HANDLE_METHODS) && (m.method != "frame" || m.args.is_empty())
        }
        _ => false,
    }
}

/// The segments of a call's path: `std::mem::forget` -> `["std", "mem", "forget"]`.
fn call_path(e: &Expr) -> Option<Vec<String>> {
    if let Expr::Path(p) = e {
        Some(
            p.path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect(),
        )
    } else {
        None
    }
}

fn ends_with(path: &[String], tail: &[&str]) -> bool {
    path.len() >= tail.len()
        && path[path.len() - tail.len()..]
            .iter()
            .zip(tail)
            .all(|(a, b)| a == b)
}

fn ident_of(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) if p.path.segments.len() == 1 && p.qself.is_none() => {
            Some(p.path.segments[0].ident.to_string())
        }
        Expr::Paren(p) => ident_of(&p.expr),
        _ => None,
    }
}

fn pat_ident(p: &Pat) -> Option<String> {
    match p {
        Pat::Ident(i) => Some(i.ident.to_string()),
        Pat::Type(t) => pat_ident(&t.pat),
        _ => None,
    }
}

fn attr_is(attr: &Attribute, name: &str) -> bool {
    attr.path().segments.last().is_some_and(|s| s.ident == name)
}

fn str_lit(e: &Expr) -> Option<(String, &Expr)> {
    match e {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Str(s) => Some((s.value(), e)),
            _ => None,
        },
        Expr::Paren(p) => str_lit(&p.expr),
        Expr::Group(g) => str_lit(&g.expr),
        _ => None,
    }
}

/// Evaluates an integer constant expression: literals, `<<`, `*`, `+`, `-`, parentheses
/// and casts (`8 << 20`, `64 * 1024 * 1024`, `1_000 as u64`).
fn const_int(e: &Expr) -> Option<u64> {
    match e {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Int(i) => i.base10_parse::<u64>().ok(),
            _ => None,
        },
        Expr::Paren(p) => const_int(&p.expr),
        Expr::Group(g) => const_int(&g.expr),
        Expr::Cast(c) => const_int(&c.expr),
        Expr::Binary(b) => {
            let (l, r) = (const_int(&b.left)?, const_int(&b.right)?);
            match b.op {
                syn::BinOp::Shl(_) => u32::try_from(r).ok().and_then(|r| l.checked_shl(r)),
                syn::BinOp::Mul(_) => l.checked_mul(r),
                syn::BinOp::Add(_) => l.checked_add(r),
                syn::BinOp::Sub(_) => l.checked_sub(r),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A budget string as `#[alloc_tag]` accepts it: `"<integer> <unit>"`.
fn parse_budget(text: &str) -> Option<u64> {
    let (n, unit) = text.split_once(' ')?;
    let scale: u64 = match unit {
        "B" => 1,
        "KB" => 1000,
        "MB" => 1000 * 1000,
        "GB" => 1000 * 1000 * 1000,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return None,
    };
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse::<u64>().ok()?.checked_mul(scale)
}

/// Levenshtein distance over characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

// ---------------------------------------------------------------------------------------
// Tags (FA301-FA303): facts per file, checked over the whole run
// ---------------------------------------------------------------------------------------

/// `#[alloc_tag("x", budget = ..)]`: name, budget (bytes, span), span of the name literal.
type Declared = (String, Option<(u64, Span)>, Span);

#[derive(Default)]
struct TagFacts {
    /// `#[alloc_tag]` declarations.
    declared: Vec<Declared>,
    /// Literals pushed with `with_tag`, `tag`, `tag_future`, `task_frame_tagged`,
    /// `herd_tagged`.
    pushed: Vec<(String, Span)>,
    /// Literals looked up: `stats.tag`, `set_tag_budget`, `tag_budget`.
    looked_up: Vec<(String, Span)>,
    /// `set_tag_budget("x", N)` with a constant `N`.
    tag_budgets: Vec<(String, u64, Span)>,
    /// `set_thread_frame_budget(N)` with a constant `N`.
    thread_budgets: Vec<(u64, Span)>,
    /// String constants (`const X: &str = ".."`), which may name tags.
    constants: Vec<(String, Span)>,
}

impl TagFacts {
    fn merge(&mut self, other: Self) {
        self.declared.extend(other.declared);
        self.pushed.extend(other.pushed);
        self.looked_up.extend(other.looked_up);
        self.tag_budgets.extend(other.tag_budgets);
        self.thread_budgets.extend(other.thread_budgets);
        self.constants.extend(other.constants);
    }

    fn check(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let declared: BTreeSet<&str> = self.declared.iter().map(|d| d.0.as_str()).collect();
        let mut known: BTreeSet<&str> = declared.clone();
        known.extend(self.pushed.iter().map(|p| p.0.as_str()));
        known.extend(self.constants.iter().map(|p| p.0.as_str()));
        known.insert(framealloc_untagged());
        let nearest = |name: &str, among: &BTreeSet<&str>| -> Option<String> {
            among
                .iter()
                .map(|k| (edit_distance(name, k), *k))
                .filter(|(d, _)| (1..=2).contains(d))
                .min()
                .map(|(_, k)| k.to_owned())
        };
        // A lookup of a tag nothing pushes (reported once per name, at its first use).
        let mut reported: HashSet<&str> = HashSet::new();
        for (name, span) in &self.looked_up {
            if known.contains(name.as_str()) || !reported.insert(name) {
                continue;
            }
            let more = self.looked_up.iter().filter(|(n, _)| n == name).count() - 1;
            // Prefer the spelling an `#[alloc_tag]` declares over another pushed one.
            let suggestion = nearest(name, &declared).or_else(|| nearest(name, &known));
            let mut d = finding(
                "FA301",
                format!("tag \"{name}\" is not declared by any `#[alloc_tag]` or pushed anywhere"),
                vec![span.clone()],
                Some(suggestion.as_ref().map_or_else(
                    || {
                        "declare it with `#[alloc_tag(\"..\")]` or push it with `with_tag`"
                            .to_owned()
                    },
                    |s| format!("did you mean \"{s}\"?"),
                )),
            );
            "unknown tag".clone_into(&mut d.spans[0].label);
            if more > 0 {
                d.notes.push(format!("used {more} more times in this run"));
            }
            out.push(d);
        }
        // A pushed tag one or two edits away from a declared one.
        for (name, span) in &self.pushed {
            if declared.contains(name.as_str()) {
                continue;
            }
            if let Some(s) = nearest(name, &declared) {
                let mut d = finding(
                    "FA301",
                    format!("tag \"{name}\" is not declared by any `#[alloc_tag]`"),
                    vec![span.clone()],
                    Some(format!("did you mean \"{s}\"?")),
                );
                "unknown tag".clone_into(&mut d.spans[0].label);
                out.push(d);
            }
        }
        // One tag, different declared budgets.
        let mut first: HashMap<&str, (u64, &Span)> = HashMap::new();
        for (name, budget, _) in &self.declared {
            let Some((bytes, span)) = budget else {
                continue;
            };
            match first.get(name.as_str()) {
                Some((b0, s0)) if b0 != bytes => {
                    let mut earlier = (*s0).clone();
                    earlier.label = format!("declared with {b0} bytes here");
                    let mut primary = span.clone();
                    primary.label = format!("{bytes} bytes");
                    out.push(finding(
                        "FA302",
                        format!("tag \"{name}\" is declared with different budgets ({b0} and {bytes} bytes)"),
                        vec![primary, earlier],
                        Some("declare the budget once; other sites write `#[alloc_tag(\"..\")]`".to_owned()),
                    ));
                }
                Some(_) => {}
                None => {
                    first.insert(name, (*bytes, span));
                }
            }
        }
        // A tag budget above the (largest) literal thread budget.
        if let Some((thread, tspan)) = self.thread_budgets.iter().max_by_key(|t| t.0) {
            let tag_budgets = self
                .declared
                .iter()
                .filter_map(|(n, b, _)| b.as_ref().map(|(bytes, s)| (n, *bytes, s)))
                .chain(self.tag_budgets.iter().map(|(n, b, s)| (n, *b, s)));
            for (name, bytes, span) in tag_budgets {
                if bytes > *thread {
                    let mut primary = span.clone();
                    primary.label = format!("{bytes} bytes");
                    let mut t = tspan.clone();
                    t.label = format!("thread frame budget: {thread} bytes");
                    out.push(finding(
                        "FA303",
                        format!("budget of tag \"{name}\" ({bytes} bytes) is above the thread frame budget ({thread} bytes)"),
                        vec![primary, t],
                        Some("the thread budget triggers first for frame memory; lower the tag budget or raise the thread budget".to_owned()),
                    ));
                }
            }
        }
        out
    }
}

/// The name untagged allocations are accounted to (`framealloc::UNTAGGED`).
fn framealloc_untagged() -> &'static str {
    "untagged"
}

// ---------------------------------------------------------------------------------------
// The file visitor
// ---------------------------------------------------------------------------------------

struct FileVisitor<'a> {
    file: &'a str,
    findings: &'a mut Vec<Diagnostic>,
    tags: &'a mut TagFacts,
    suppress: &'a mut Vec<(Vec<String>, usize, usize)>,
    /// > 0 inside `with_tag` closures and `#[alloc_tag]` functions (FA202).
    tag_scope: usize,
    /// Locals bound to `..stats()` snapshots, whose `.tag("x")` is a lookup (FA301).
    stats_locals: HashSet<String>,
}

impl FileVisitor<'_> {
    fn span(&self, node: &impl Spanned, label: impl Into<String>) -> Span {
        span_of(self.file, node, label)
    }

    fn push(&mut self, code: &'static str, message: String, spans: Vec<Span>, help: &str) {
        self.findings
            .push(finding(code, message, spans, Some(help.to_owned())));
    }

    /// Records `#[fa_allow(..)]` on an item and `#[alloc_tag(..)]` declarations.
    fn attrs(&mut self, attrs: &[Attribute], item: &impl Spanned) {
        for attr in attrs {
            if attr_is(attr, "fa_allow") {
                let Ok(args) =
                    attr.parse_args_with(Punctuated::<Expr, Token![,]>::parse_terminated)
                else {
                    continue;
                };
                let codes = args.iter().filter_map(ident_of).collect();
                let s = item.span();
                self.suppress.push((codes, s.start().line, s.end().line));
            } else if attr_is(attr, "alloc_tag") {
                let Ok(args) =
                    attr.parse_args_with(Punctuated::<Expr, Token![,]>::parse_terminated)
                else {
                    continue;
                };
                let Some((name, lit)) = args.first().and_then(str_lit) else {
                    continue;
                };
                let budget = args.iter().find_map(|a| match a {
                    Expr::Assign(assign) if ident_of(&assign.left).as_deref() == Some("budget") => {
                        let bytes = const_int(&assign.right).or_else(|| {
                            str_lit(&assign.right).and_then(|(s, _)| parse_budget(&s))
                        })?;
                        Some((bytes, self.span(&assign.right, "")))
                    }
                    _ => None,
                });
                let span = self.span(lit, "");
                self.tags.declared.push((name, budget, span));
            }
        }
    }

    /// The per-body checks for a function (FA101-FA106, FA201, FA401).
    fn function(&mut self, attrs: &[Attribute], sig: &Signature, block: &Block) {
        let is_async = sig.asyncness.is_some();
        // FA203: `async fn f(frame: &TaskFrame)`.
        if is_async {
            for input in &sig.inputs {
                if let FnArg::Typed(t) = input
                    && let Type::Reference(r) = &*t.ty
                    && r.mutability.is_none()
                    && type_mentions(&r.elem, &["TaskFrame"])
                {
                    self.push(
                        "FA203",
                        format!(
                            "`async fn {}` takes `&TaskFrame`: the future is `!Send`",
                            sig.ident
                        ),
                        vec![
                            self.span(&t.ty, "`TaskFrame` is `!Sync`, so `&TaskFrame` is `!Send`"),
                        ],
                        "take `&mut TaskFrame` (or the frame by value): that future is `Send`",
                    );
                }
            }
        }
        let mut bodies = BodyCollector::default();
        bodies.visit_block(block);
        self.flow(block, is_async);
        for (b, a) in &bodies.bodies {
            self.flow(b, *a);
        }
        let task_params = task_frame_params(sig);
        let task_frames = TaskFrames::of(&task_params, block);
        self.awaits_over_handles(&task_frames, block, is_async);
        for (b, a) in &bodies.bodies {
            self.awaits_over_handles(&task_frames, b, *a);
        }
        self.leaks(block);
        self.outside_frame(attrs, sig, block);
        self.pool_in_frame_loop(block);
    }

    /// FA101, FA102, FA103 over one body.
    fn flow(&mut self, block: &Block, is_async: bool) {
        let mut f = Flow {
            file: self.file,
            begins: Vec::new(),
            loops: Vec::new(),
            early_ends: Vec::new(),
            is_async,
        };
        let mut st = Some(BTreeSet::new());
        f.block(block, &mut st);
        if let Some(open) = st {
            let close = block.brace_token.span.close();
            for id in open {
                f.begins[id].escapes.push(Span::from_range(
                    self.file,
                    close.start(),
                    close.end(),
                    "the function returns here with the frame still open",
                ));
            }
        }
        let begins = std::mem::take(&mut f.begins);
        for e in f.early_ends {
            self.push(
                "FA102",
                "`end_frame()` with no `begin_frame()` before it in this function".to_owned(),
                vec![e],
                "begin and end the frame in one function, or use `alloc.frame()` / `#[frame_scope]`",
            );
        }
        for b in begins {
            if let Some(await_span) = b.awaited {
                let mut begin = b.span.clone();
                "frame begun here".clone_into(&mut begin.label);
                self.push(
                    "FA103",
                    "explicit frame open across `.await`: the task may resume on another thread".to_owned(),
                    vec![await_span, begin],
                    "use a task frame (`alloc.task_frame()`), which moves with the task, or end the frame before the `.await`",
                );
            }
            if b.ended_later && !b.escapes.is_empty() {
                let mut spans = vec![b.span.clone()];
                spans.push(b.escapes[0].clone());
                self.push(
                    "FA101",
                    "`begin_frame()` is not paired with `end_frame()` on every path".to_owned(),
                    spans,
                    "use `let frame = alloc.frame();` or `#[frame_scope]`: the guard ends the frame on every exit path (return, `?`, panic)",
                );
            }
        }
    }

    /// FA201: a `let` bound to a frame guard or handle, still in scope at an `.await`.
    fn awaits_over_handles(&mut self, task_frames: &TaskFrames, block: &Block, is_async: bool) {
        if !is_async {
            return;
        }
        let mut blocks = BlockCollector::default();
        blocks.blocks.push(block);
        visit::visit_block(&mut blocks, block);
        // One finding per `.await`, naming every guard and handle held across it (a guard
        // and a vector made from it are one mistake, reported once).
        let mut held: Vec<(Span, Vec<(String, Span)>)> = Vec::new();
        for b in blocks.blocks {
            for (i, stmt) in b.stmts.iter().enumerate() {
                let Stmt::Local(local) = stmt else { continue };
                let Some(init) = &local.init else { continue };
                let Some(name) = pat_ident(&local.pat) else {
                    continue;
                };
                if !is_handle_call(&init.expr) || task_frames.contains_root(&init.expr) {
                    continue;
                }
                for later in &b.stmts[i + 1..] {
                    let mut drops = DropFinder {
                        name: &name,
                        found: false,
                    };
                    drops.visit_stmt(later);
                    let mut awaits = AwaitFinder::default();
                    awaits.visit_stmt(later);
                    if let Some(a) = awaits.first {
                        let mut binding = self.span(&local.pat, "bound here");
                        binding.label = format!("`{name}` is held from here");
                        let at = Span::from_range(
                            self.file,
                            a.0,
                            a.1,
                            "awaited while the frame handle is live",
                        );
                        let same = |s: &Span| {
                            (s.line_start, s.column_start) == (at.line_start, at.column_start)
                        };
                        match held.iter_mut().find(|(s, _)| same(s)) {
                            Some((_, names)) => names.push((name.clone(), binding)),
                            None => held.push((at, vec![(name.clone(), binding)])),
                        }
                        break;
                    }
                    if drops.found {
                        break;
                    }
                }
            }
        }
        for (at, names) in held {
            let list = names
                .iter()
                .map(|(n, _)| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let what = if names.len() == 1 {
                "frame guard or handle"
            } else {
                "frame guards or handles"
            };
            let verb = if names.len() == 1 { "is" } else { "are" };
            let mut spans = vec![at];
            spans.extend(names.into_iter().map(|(_, b)| b));
            self.push(
                "FA201",
                format!("{what} {list} {verb} held across `.await`"),
                spans,
                "drop it before the `.await` (`drop(x)` or an inner block), or use a task frame (`alloc.task_frame()`)",
            );
        }
    }

    /// FA104: `mem::forget` / `Box::leak` / `ManuallyDrop::new` of a guard or handle.
    fn leaks(&mut self, block: &Block) {
        let mut names = HandleBindings::default();
        names.visit_block(block);
        let mut calls = LeakFinder {
            names: &names.names,
            found: Vec::new(),
        };
        calls.visit_block(block);
        for (what, call) in calls.found {
            let s = call.span();
            self.push(
                "FA104",
                format!("`{what}` of a frame guard or handle: its arena never resets again"),
                vec![Span::from_range(self.file, s.start(), s.end(), "leaked here")],
                "let it drop at the end of the frame; to keep the data, copy it to a pool or heap allocation or use `frame_box_for_transfer`",
            );
        }
    }

    /// FA106: explicit frame allocation in `main`, a test or a loop, with no frame visible.
    fn outside_frame(&mut self, attrs: &[Attribute], sig: &Signature, block: &Block) {
        if attrs.iter().any(|a| attr_is(a, "frame_scope")) {
            return;
        }
        let frame_param = sig.inputs.iter().any(|i| match i {
            FnArg::Typed(t) => type_mentions(&t.ty, &["Frame", "TaskFrame"]),
            FnArg::Receiver(_) => false,
        });
        if frame_param {
            return;
        }
        let mut openers = CallFinder::new(FRAME_OPENERS);
        openers.deep = true;
        openers.visit_block(block);
        if openers.found {
            return;
        }
        let whole = sig.ident == "main" || attrs.iter().any(|a| attr_is(a, "test"));
        let mut allocs = AllocFinder::default();
        allocs.visit_block(block);
        // `frame_box` on a task frame (`spawn_with_frame(&alloc, |frame| ..)`) is a task
        // allocation, not a thread-frame one.
        let task_params = task_frame_params(sig);
        let task_frames = TaskFrames::of(&task_params, block);
        let hits: Vec<&(Span2, bool, Expr)> = allocs
            .found
            .iter()
            .filter(|(_, in_loop, receiver)| {
                (whole || *in_loop) && !task_frames.contains_root(receiver)
            })
            .collect();
        if let Some((first, in_loop, _)) = hits.first() {
            let place = if whole && !in_loop {
                format!("`{}`", sig.ident)
            } else {
                "a loop".to_owned()
            };
            let mut d = finding(
                "FA106",
                format!("explicit frame allocation in {place} with no frame open in this function"),
                vec![Span::from_range(self.file, first.0, first.1, "no `begin_frame()`, `frame()` or `#[frame_scope]` in this function")],
                Some("open a frame around the work (`let frame = alloc.frame();`) or put `#[frame_scope]` on the function".to_owned()),
            );
            if hits.len() > 1 {
                d.notes.push(format!(
                    "{} more frame allocations in this function",
                    hits.len() - 1
                ));
            }
            self.findings.push(d);
        }
    }

    /// FA401: short-lived pool/heap allocations inside a per-frame loop body.
    fn pool_in_frame_loop(&mut self, block: &Block) {
        let mut loops = LoopBodies::default();
        loops.visit_block(block);
        for body in loops.bodies {
            let mut opens = CallFinder::new(&[
                "begin_frame",
                "try_begin_frame",
                "end_frame",
                "frame",
                "frame_scope",
            ]);
            opens.visit_block(body);
            if !opens.found {
                continue;
            }
            let mut scopes = vec![body];
            let mut closures = FrameScopeBodies::default();
            closures.visit_block(body);
            scopes.extend(closures.blocks);
            for b in scopes {
                for (i, stmt) in b.stmts.iter().enumerate() {
                    let Stmt::Local(local) = stmt else { continue };
                    let (Some(init), Some(name)) = (&local.init, pat_ident(&local.pat)) else {
                        continue;
                    };
                    let Some(what) = persistent_alloc(strip(&init.expr)) else {
                        continue;
                    };
                    let mut uses = MoveFinder {
                        name: &name,
                        moved: false,
                    };
                    for later in &b.stmts[i + 1..] {
                        uses.visit_stmt(later);
                    }
                    if !uses.moved {
                        self.push(
                            "FA401",
                            format!("`{what}` allocated and freed every frame inside a per-frame loop"),
                            vec![self.span(&*init.expr, "dropped at the end of this iteration")],
                            "allocate it in the frame (`frame.alloc(..)`, `frame_vec`) or hoist it out of the loop and reuse it",
                        );
                    }
                }
            }
        }
    }
}

type Span2 = (LineColumn, LineColumn);

fn persistent_alloc(e: &Expr) -> Option<String> {
    match e {
        Expr::MethodCall(m)
            if is_method(
                m,
                &[
                    "pool_box",
                    "pool_arc",
                    "heap_box",
                    "heap_vec",
                    "heap_vec_with_capacity",
                ],
            ) =>
        {
            Some(m.method.to_string())
        }
        Expr::Call(c) => {
            let p = call_path(&c.func)?;
            for tail in [["Box", "new"], ["Vec", "new"], ["Vec", "with_capacity"]] {
                if ends_with(&p, &tail) {
                    return Some(tail.join("::"));
                }
            }
            None
        }
        _ => None,
    }
}

/// Names of the parameters typed with `TaskFrame` (`&mut TaskFrame`, by value, ...).
fn task_frame_params(sig: &Signature) -> Vec<String> {
    sig.inputs
        .iter()
        .filter_map(|i| match i {
            FnArg::Typed(t) if type_mentions(&t.ty, &["TaskFrame"]) => pat_ident(&t.pat),
            _ => None,
        })
        .collect()
}

fn type_mentions(ty: &Type, names: &[&str]) -> bool {
    struct Finder<'n> {
        names: &'n [&'n str],
        found: bool,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_path_segment(&mut self, s: &'ast syn::PathSegment) {
            if self.names.iter().any(|n| s.ident == n) {
                self.found = true;
            }
            visit::visit_path_segment(self, s);
        }
    }
    let mut f = Finder {
        names,
        found: false,
    };
    f.visit_type(ty);
    f.found
}

impl<'ast> Visit<'ast> for FileVisitor<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs: &[Attribute] = match item {
            syn::Item::Fn(i) => &i.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Struct(i) => &i.attrs,
            syn::Item::Enum(i) => &i.attrs,
            syn::Item::Mod(i) => &i.attrs,
            syn::Item::Trait(i) => &i.attrs,
            syn::Item::Const(i) => &i.attrs,
            syn::Item::Static(i) => &i.attrs,
            _ => &[],
        };
        // `const PHYSICS: &str = "physics";` may name a tag passed as `with_tag(PHYSICS, ..)`:
        // count its value as a known tag so lookups by the literal are not reported.
        let const_str = match item {
            syn::Item::Const(c) => str_lit(&c.expr),
            syn::Item::Static(c) => str_lit(&c.expr),
            _ => None,
        };
        if let Some((name, lit)) = const_str {
            let span = self.span(lit, "");
            self.tags.constants.push((name, span));
        }
        self.attrs(attrs, item);
        visit::visit_item(self, item);
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.function(&f.attrs, &f.sig, &f.block);
        let outer = self.tag_scope;
        self.tag_scope = usize::from(f.attrs.iter().any(|a| attr_is(a, "alloc_tag")));
        visit::visit_item_fn(self, f);
        self.tag_scope = outer;
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.attrs(&f.attrs, f);
        self.function(&f.attrs, &f.sig, &f.block);
        let outer = self.tag_scope;
        self.tag_scope = usize::from(f.attrs.iter().any(|a| attr_is(a, "alloc_tag")));
        visit::visit_impl_item_fn(self, f);
        self.tag_scope = outer;
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        self.attrs(&f.attrs, f);
        if let Some(block) = &f.default {
            self.function(&f.attrs, &f.sig, block);
        }
        let outer = self.tag_scope;
        self.tag_scope = 0;
        visit::visit_trait_item_fn(self, f);
        self.tag_scope = outer;
    }

    fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
        for field in &s.fields {
            if type_mentions(&field.ty, &["FrameVec", "FrameBox", "FrameString"]) {
                let what = field
                    .ident
                    .as_ref()
                    .map_or_else(|| "a tuple field".to_owned(), |i| format!("field `{i}`"));
                self.push(
                    "FA105",
                    format!("{what} of `{}` holds a frame handle: every arena reset is deferred while it lives", s.ident),
                    vec![self.span(field, "frame handle stored in a struct")],
                    "store persistent data in `PoolBox`, `HeapVec` or `Vec`; keep frame handles in locals",
                );
            }
        }
        visit::visit_item_struct(self, s);
    }

    fn visit_expr_method_call(&mut self, m: &'ast ExprMethodCall) {
        let method = m.method.to_string();
        let first = m.args.first().and_then(str_lit);
        match method.as_str() {
            "with_tag" | "tag_future" | "task_frame_tagged" | "herd_tagged" => {
                if let Some((name, lit)) = &first {
                    let span = self.span(*lit, "");
                    self.tags.pushed.push((name.clone(), span));
                }
            }
            "tag" if m.args.len() == 1 => {
                if let Some((name, lit)) = &first {
                    let span = self.span(*lit, "");
                    let stats_local =
                        ident_of(&m.receiver).is_some_and(|n| self.stats_locals.contains(&n));
                    if stats_local || receiver_is_stats(&m.receiver) {
                        self.tags.looked_up.push((name.clone(), span));
                    } else {
                        self.tags.pushed.push((name.clone(), span));
                    }
                }
            }
            "tag_budget" if m.args.len() == 1 => {
                if let Some((name, lit)) = &first {
                    let span = self.span(*lit, "");
                    self.tags.looked_up.push((name.clone(), span));
                }
            }
            "set_tag_budget" if m.args.len() == 2 => {
                if let Some((name, lit)) = &first {
                    let span = self.span(*lit, "");
                    self.tags.looked_up.push((name.clone(), span));
                    if let Some(bytes) = const_int(&m.args[1]) {
                        let span = self.span(&m.args[1], "");
                        self.tags.tag_budgets.push((name.clone(), bytes, span));
                    }
                }
            }
            "set_thread_frame_budget" if m.args.len() == 1 => {
                if let Some(bytes) = const_int(&m.args[0]) {
                    let span = self.span(&m.args[0], "");
                    self.tags.thread_budgets.push((bytes, span));
                }
            }
            _ => {}
        }
        // FA202 through methods: scoped `s.spawn(|| ..)`, rayon's parallel iterators.
        let spawns = (method == "spawn" && m.args.iter().any(|a| matches!(a, Expr::Closure(_))))
            || matches!(
                method.as_str(),
                "par_iter"
                    | "par_iter_mut"
                    | "into_par_iter"
                    | "par_bridge"
                    | "par_chunks"
                    | "par_chunks_mut"
            );
        if spawns && self.tag_scope > 0 && !pushes_tag(m.args.iter()) {
            self.tag_not_inherited(&m.method, &format!(".{method}"));
        }
        self.visit_expr(&m.receiver);
        let outer = self.tag_scope;
        if method == "with_tag" {
            self.tag_scope += 1;
        }
        if method == "spawn" {
            self.tag_scope = 0;
        }
        for a in &m.args {
            self.visit_expr(a);
        }
        self.tag_scope = outer;
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        let outer = self.tag_scope;
        if let Some(p) = call_path(&c.func) {
            let last = p.last().map_or("", String::as_str);
            // `thread::spawn`, `tokio::task::spawn_blocking`, or a bare `spawn(..)` imported
            // with `use std::thread::spawn`.
            let spawner = matches!(last, "spawn" | "spawn_blocking" | "spawn_local")
                && (p.len() == 1
                    || p.iter()
                        .any(|s| matches!(s.as_str(), "thread" | "tokio" | "task" | "rayon")))
                || (ends_with(&p, &["rayon", "scope"]) || ends_with(&p, &["rayon", "join"]));
            if spawner {
                if self.tag_scope > 0 && !pushes_tag(c.args.iter()) {
                    self.tag_not_inherited(&c.func, &p.join("::"));
                }
                self.tag_scope = 0;
            }
        }
        visit::visit_expr_call(self, c);
        self.tag_scope = outer;
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let (Some(init), Some(name)) = (&l.init, pat_ident(&l.pat))
            && matches!(strip(&init.expr), Expr::MethodCall(m) if m.method == "stats")
        {
            self.stats_locals.insert(name);
        }
        visit::visit_local(self, l);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        // Most macros (`assert!`, `println!`, `vec!`) take expressions: look inside them.
        if let Ok(args) = mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated) {
            for a in &args {
                self.visit_expr(a);
            }
        }
    }
}

impl FileVisitor<'_> {
    fn tag_not_inherited(&mut self, node: &impl Spanned, what: &str) {
        self.push(
            "FA202",
            format!("`{what}` inside a tag scope: the new thread or task does not inherit the tag"),
            vec![self.span(node, "runs untagged")],
            "push the tag inside the spawned closure (`alloc.with_tag(..)`) or wrap the future with `alloc.tag_future(..)`",
        );
    }
}

/// Do these arguments push a tag themselves (`with_tag`, `tag`, `tag_future`)? Then the
/// spawned work is tagged (the fix FA202 suggests).
fn pushes_tag<'a>(args: impl Iterator<Item = &'a Expr>) -> bool {
    let mut finder = CallFinder::new(&["with_tag", "tag", "tag_future", "task_frame_tagged"]);
    finder.deep = true;
    for a in args {
        finder.visit_expr(a);
    }
    finder.found
}

fn receiver_is_stats(e: &Expr) -> bool {
    match e {
        Expr::MethodCall(m) => m.method == "stats" || m.method == "unwrap",
        Expr::Path(_) | Expr::Field(_) | Expr::Reference(_) | Expr::Paren(_) => {
            let text = quote_text(e);
            text.contains("stats") || text.contains("snapshot")
        }
        _ => false,
    }
}

fn quote_text(e: &Expr) -> String {
    match e {
        Expr::Path(p) => p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect::<Vec<_>>()
            .join("::"),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(i) => i.to_string(),
            syn::Member::Unnamed(_) => quote_text(&f.base),
        },
        Expr::Reference(r) => quote_text(&r.expr),
        Expr::Paren(p) => quote_text(&p.expr),
        _ => String::new(),
    }
}

// ---------------------------------------------------------------------------------------
// Small visitors
// ---------------------------------------------------------------------------------------

/// Closure bodies and async blocks inside a function (each its own body for the flow
/// checks), not crossing nested items.
#[derive(Default)]
struct BodyCollector<'ast> {
    bodies: Vec<(&'ast Block, bool)>,
}

impl<'ast> Visit<'ast> for BodyCollector<'ast> {
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        // `|x| async move { .. }`: the async block is the body, collected below.
        if let Expr::Block(b) = &*c.body {
            self.bodies.push((&b.block, c.asyncness.is_some()));
        }
        visit::visit_expr_closure(self, c);
    }
    fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
        self.bodies.push((&a.block, true));
        visit::visit_expr_async(self, a);
    }
}

/// Every block of a body, not crossing closures, async blocks or items.
#[derive(Default)]
struct BlockCollector<'ast> {
    blocks: Vec<&'ast Block>,
}

impl<'ast> Visit<'ast> for BlockCollector<'ast> {
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_block(&mut self, b: &'ast Block) {
        self.blocks.push(b);
        visit::visit_block(self, b);
    }
}

/// Is one of these methods called (not crossing items; closures only if `deep`)?
struct CallFinder<'n> {
    names: &'n [&'n str],
    found: bool,
    deep: bool,
}

impl<'n> CallFinder<'n> {
    fn new(names: &'n [&'n str]) -> Self {
        Self {
            names,
            found: false,
            deep: false,
        }
    }
}

impl<'ast> Visit<'ast> for CallFinder<'_> {
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        if self.deep {
            visit::visit_expr_closure(self, c);
        }
    }
    fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
        if self.deep {
            visit::visit_expr_async(self, a);
        }
    }
    fn visit_expr_method_call(&mut self, m: &'ast ExprMethodCall) {
        if is_method(m, self.names) && (m.method != "frame" || m.args.is_empty()) {
            self.found = true;
        }
        visit::visit_expr_method_call(self, m);
    }
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if let Ok(args) = mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated) {
            for a in &args {
                self.visit_expr(a);
            }
        }
    }
}

/// The first `.await` in a statement, not crossing closures, async blocks or items.
#[derive(Default)]
struct AwaitFinder {
    first: Option<Span2>,
}

impl<'ast> Visit<'ast> for AwaitFinder {
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
        visit::visit_expr_await(self, a);
        if self.first.is_none() {
            let s = a.span();
            self.first = Some((s.start(), s.end()));
        }
    }
}

/// Names bound to task frames (`task_frame()`, `TaskFrame` parameters, re-bindings):
/// their `frame_box` is a `TaskBox`, made to live across `.await`.
#[derive(Default)]
struct TaskFrames {
    names: HashSet<String>,
}

impl TaskFrames {
    fn of(params: &[String], block: &Block) -> Self {
        let mut t = Self {
            names: params.iter().cloned().collect(),
        };
        // Two passes so `let mut frame = frame;` after `let frame = alloc.task_frame();`
        // (in a closure or async block) is seen whatever the visiting order.
        for _ in 0..2 {
            t.visit_block(block);
        }
        t
    }

    fn contains_root(&self, e: &Expr) -> bool {
        let mut e = strip(e);
        loop {
            e = match e {
                Expr::MethodCall(m) => &m.receiver,
                Expr::Field(f) => &f.base,
                Expr::Reference(r) => &r.expr,
                Expr::Paren(p) => &p.expr,
                Expr::Unary(u) => &u.expr,
                _ => break,
            };
        }
        ident_of(e).is_some_and(|n| self.names.contains(&n))
    }
}

impl<'ast> Visit<'ast> for TaskFrames {
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let (Some(init), Some(name)) = (&l.init, pat_ident(&l.pat)) {
            let from_task = match strip(&init.expr) {
                Expr::MethodCall(m) => m.method == "task_frame" || m.method == "task_frame_tagged",
                other => ident_of(other).is_some_and(|n| self.names.contains(&n)),
            };
            if from_task {
                self.names.insert(name);
            }
        }
        visit::visit_local(self, l);
    }
    fn visit_pat_type(&mut self, p: &'ast syn::PatType) {
        if type_mentions(&p.ty, &["TaskFrame"])
            && let Some(name) = pat_ident(&p.pat)
        {
            self.names.insert(name);
        }
        visit::visit_pat_type(self, p);
    }
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        // `spawn_with_frame(&alloc, |frame| async move { .. })`: the closure's parameter.
        if call_path(&c.func).is_some_and(|p| {
            p.last()
                .is_some_and(|l| l == "spawn_with_frame" || l == "spawn_with_frame_in")
        }) {
            for a in &c.args {
                if let Expr::Closure(cl) = a {
                    for input in &cl.inputs {
                        if let Some(n) = pat_ident(input) {
                            self.names.insert(n);
                        }
                    }
                }
            }
        }
        visit::visit_expr_call(self, c);
    }
}

/// `drop(name)`.
struct DropFinder<'n> {
    name: &'n str,
    found: bool,
}

impl<'ast> Visit<'ast> for DropFinder<'_> {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if call_path(&c.func).is_some_and(|p| ends_with(&p, &["drop"]))
            && c.args.first().and_then(ident_of).as_deref() == Some(self.name)
        {
            self.found = true;
        }
        visit::visit_expr_call(self, c);
    }
}

/// Locals bound to frame guards or handles.
#[derive(Default)]
struct HandleBindings {
    names: HashSet<String>,
}

impl<'ast> Visit<'ast> for HandleBindings {
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let (Some(init), Some(name)) = (&l.init, pat_ident(&l.pat))
            && is_handle_call(&init.expr)
        {
            self.names.insert(name);
        }
        visit::visit_local(self, l);
    }
}

/// `mem::forget(x)`, `Box::leak(x)`, `ManuallyDrop::new(x)` of a handle.
struct LeakFinder<'a, 'ast> {
    names: &'a HashSet<String>,
    found: Vec<(String, &'ast syn::ExprCall)>,
}

impl<'ast> Visit<'ast> for LeakFinder<'_, 'ast> {
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Some(p) = call_path(&c.func) {
            let what = if ends_with(&p, &["mem", "forget"]) || p == ["forget"] {
                Some("mem::forget")
            } else if ends_with(&p, &["Box", "leak"]) {
                Some("Box::leak")
            } else if ends_with(&p, &["ManuallyDrop", "new"]) {
                Some("ManuallyDrop::new")
            } else {
                None
            };
            if let (Some(what), Some(arg)) = (what, c.args.first()) {
                let mut arg = strip(arg);
                // `Box::leak(Box::new(handle))`
                if let Expr::Call(inner) = arg
                    && call_path(&inner.func).is_some_and(|p| ends_with(&p, &["Box", "new"]))
                    && let Some(a) = inner.args.first()
                {
                    arg = strip(a);
                }
                let leaked =
                    is_handle_call(arg) || ident_of(arg).is_some_and(|n| self.names.contains(&n));
                if leaked {
                    self.found.push((what.to_owned(), c));
                }
            }
        }
        visit::visit_expr_call(self, c);
    }
}

/// Explicit frame allocations, with whether each is inside a loop.
#[derive(Default)]
struct AllocFinder {
    loops: usize,
    /// Span, inside a frame-shaped loop, receiver.
    found: Vec<(Span2, bool, Expr)>,
}

impl<'ast> Visit<'ast> for AllocFinder {
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_expr_method_call(&mut self, m: &'ast ExprMethodCall) {
        if is_method(m, FRAME_ALLOC_METHODS) {
            let s = m.span();
            self.found
                .push(((s.start(), s.end()), self.loops > 0, (*m.receiver).clone()));
        }
        visit::visit_expr_method_call(self, m);
    }
    // Frame-loop shapes: `loop`, `while`, and `for` over a range (`for tick in 0..n`). A
    // `for` over a collection is data iteration, common in helpers that run inside their
    // caller's frame, and is not counted.
    fn visit_expr_for_loop(&mut self, l: &'ast syn::ExprForLoop) {
        let counted = matches!(strip(&l.expr), Expr::Range(_));
        self.loops += usize::from(counted);
        visit::visit_expr_for_loop(self, l);
        self.loops -= usize::from(counted);
    }
    fn visit_expr_while(&mut self, l: &'ast syn::ExprWhile) {
        self.loops += 1;
        visit::visit_expr_while(self, l);
        self.loops -= 1;
    }
    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.loops += 1;
        visit::visit_expr_loop(self, l);
        self.loops -= 1;
    }
}

/// Loop bodies of a function.
#[derive(Default)]
struct LoopBodies<'ast> {
    bodies: Vec<&'ast Block>,
}

impl<'ast> Visit<'ast> for LoopBodies<'ast> {
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_expr_for_loop(&mut self, l: &'ast syn::ExprForLoop) {
        self.bodies.push(&l.body);
        visit::visit_expr_for_loop(self, l);
    }
    fn visit_expr_while(&mut self, l: &'ast syn::ExprWhile) {
        self.bodies.push(&l.body);
        visit::visit_expr_while(self, l);
    }
    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.bodies.push(&l.body);
        visit::visit_expr_loop(self, l);
    }
}

/// Bodies of closures passed to `frame_scope` directly in a loop body.
#[derive(Default)]
struct FrameScopeBodies<'ast> {
    blocks: Vec<&'ast Block>,
}

impl<'ast> Visit<'ast> for FrameScopeBodies<'ast> {
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
    fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
    fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
    fn visit_expr_method_call(&mut self, m: &'ast ExprMethodCall) {
        if m.method == "frame_scope" {
            for a in &m.args {
                if let Expr::Closure(c) = a
                    && let Expr::Block(b) = &*c.body
                {
                    self.blocks.push(&b.block);
                }
            }
        }
        visit::visit_expr_method_call(self, m);
    }
}

/// Does `name` appear where its value may move (anything but a method receiver, a field
/// or index base, a reference or a dereference)?
struct MoveFinder<'n> {
    name: &'n str,
    moved: bool,
}

impl MoveFinder<'_> {
    fn is_name(&self, e: &Expr) -> bool {
        ident_of(e).as_deref() == Some(self.name)
    }
}

impl<'ast> Visit<'ast> for MoveFinder<'_> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        match e {
            Expr::MethodCall(m) if self.is_name(&m.receiver) => {
                for a in &m.args {
                    self.visit_expr(a);
                }
            }
            Expr::Field(f) if self.is_name(&f.base) => {}
            Expr::Index(i) if self.is_name(&i.expr) => self.visit_expr(&i.index),
            Expr::Reference(r) if self.is_name(&r.expr) => {}
            Expr::Unary(u) if self.is_name(&u.expr) => {}
            Expr::Path(_) if self.is_name(e) => self.moved = true,
            _ => visit::visit_expr(self, e),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Path-sensitive frame pairing (FA101-FA103)
// ---------------------------------------------------------------------------------------

/// Open frames on the current path (indexes into `Flow::begins`); `None` = unreachable.
type State = Option<BTreeSet<usize>>;

struct Begin {
    span: Span,
    /// The receiver as a path (`alloc`, `self.alloc`), if it is one: a second begin is
    /// flagged only on the same receiver (two allocators have two explicit frames).
    receiver: Option<String>,
    /// Exits reached with this frame open (the first is reported).
    escapes: Vec<Span>,
    /// The first `.await` reached with this frame open.
    awaited: Option<Span>,
    /// An `end_frame()` comes after this call in the body (the pair is intended here; an
    /// `end_frame(); begin_frame();` frame boundary is not an unpaired begin).
    ended_later: bool,
}

struct LoopCtx {
    label: Option<String>,
    entry: BTreeSet<usize>,
    breaks: State,
}

struct Flow<'f> {
    file: &'f str,
    begins: Vec<Begin>,
    loops: Vec<LoopCtx>,
    early_ends: Vec<Span>,
    is_async: bool,
}

fn is_try_begin(e: &Expr) -> bool {
    matches!(e, Expr::MethodCall(m) if m.method == "try_begin_frame" && m.args.is_empty())
}

/// A method receiver written as a path (`alloc`, `self.alloc`, `&alloc`, `(alloc)`), as
/// text; `None` for anything else (a call, an index: not compared).
fn receiver_key(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) if p.qself.is_none() => Some(
            p.path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect::<Vec<_>>()
                .join("::"),
        ),
        Expr::Field(f) => {
            let member = match &f.member {
                syn::Member::Named(i) => i.to_string(),
                syn::Member::Unnamed(i) => i.index.to_string(),
            };
            Some(format!("{}.{member}", receiver_key(&f.base)?))
        }
        Expr::Reference(r) => receiver_key(&r.expr),
        Expr::Paren(p) => receiver_key(&p.expr),
        _ => None,
    }
}

fn join(a: State, b: State) -> State {
    match (a, b) {
        (None, s) | (s, None) => s,
        (Some(mut x), Some(y)) => {
            x.extend(y);
            Some(x)
        }
    }
}

impl Flow<'_> {
    fn span(&self, node: &impl Spanned, label: &str) -> Span {
        span_of(self.file, node, label)
    }

    fn escape(&mut self, st: &State, ids: impl Fn(usize) -> bool, span: &Span) {
        if let Some(open) = st {
            for &id in open {
                if ids(id) {
                    self.begins[id].escapes.push(span.clone());
                }
            }
        }
    }

    fn begin(&mut self, call: &ExprMethodCall, st: &mut State) {
        let id = self.begins.len();
        let receiver = receiver_key(&call.receiver);
        self.begins.push(Begin {
            span: self.span(call, "frame begun here"),
            receiver: receiver.clone(),
            escapes: Vec::new(),
            awaited: None,
            ended_later: false,
        });
        if let Some(open) = st {
            // A second `begin_frame()` with a frame open on this path does nothing (the
            // explicit frame is already open), and the next `end_frame()` ends the first:
            // the earlier begin is not paired where the code looks paired (guide pitfall:
            // "Forgot to end previous frame").
            let same: Vec<usize> = open
                .iter()
                .copied()
                .filter(|&earlier| receiver.is_some() && self.begins[earlier].receiver == receiver)
                .collect();
            if !same.is_empty() {
                let again = self.span(
                    call,
                    "`begin_frame()` again with the frame still open (this call does nothing)",
                );
                for earlier in same {
                    self.begins[earlier].escapes.push(again.clone());
                }
            }
            open.insert(id);
        }
    }

    fn block(&mut self, b: &Block, st: &mut State) {
        for stmt in &b.stmts {
            match stmt {
                Stmt::Local(l) => {
                    if let Some(init) = &l.init {
                        self.expr(&init.expr, st);
                        if let Some((_, diverge)) = &init.diverge {
                            let mut other = st.clone();
                            self.expr(diverge, &mut other);
                        }
                    }
                }
                Stmt::Expr(e, _) => self.expr(e, st),
                Stmt::Item(_) | Stmt::Macro(_) => {}
            }
        }
    }

    fn exprs<'e>(&mut self, es: impl IntoIterator<Item = &'e Expr>, st: &mut State) {
        for e in es {
            self.expr(e, st);
        }
    }

    fn loop_body(
        &mut self,
        label: Option<&syn::Label>,
        keyword: &impl Spanned,
        body: &Block,
        st: &mut State,
    ) -> State {
        let entry = st.clone().unwrap_or_default();
        self.loops.push(LoopCtx {
            label: label.map(|l| l.name.ident.to_string()),
            entry: entry.clone(),
            breaks: None,
        });
        let mut inner = st.clone();
        self.block(body, &mut inner);
        let ctx = self.loops.pop().expect("pushed above");
        let span = self.span(
            keyword,
            "the next iteration starts with the frame still open",
        );
        self.escape(&inner, |id| !entry.contains(&id), &span);
        let end = inner.map(|s| s.intersection(&entry).copied().collect());
        join(ctx.breaks, end)
    }

    fn find_loop(&self, label: Option<&syn::Lifetime>) -> Option<usize> {
        match label {
            None => self.loops.len().checked_sub(1),
            Some(l) => {
                let name = l.ident.to_string();
                self.loops
                    .iter()
                    .rposition(|c| c.label.as_deref() == Some(name.as_str()))
            }
        }
    }

    #[allow(clippy::too_many_lines)] // one arm per expression kind
    fn expr(&mut self, e: &Expr, st: &mut State) {
        match e {
            Expr::MethodCall(m) => {
                self.expr(&m.receiver, st);
                self.exprs(&m.args, st);
                // `begin_frame()`, or `try_begin_frame()` whose failure is not handled
                // (`.unwrap()`, `.expect(..)`; `?` below). A `try_begin_frame()` whose
                // result the code inspects is followed by code that knows the outcome.
                let begins = (m.args.is_empty() && m.method == "begin_frame")
                    || ((m.method == "unwrap" || m.method == "expect")
                        && is_try_begin(&m.receiver));
                if begins {
                    self.begin(m, st);
                } else if m.args.is_empty()
                    && (m.method == "end_frame" || m.method == "try_end_frame")
                {
                    for b in &mut self.begins {
                        b.ended_later = true;
                    }
                    if self.begins.is_empty() {
                        let span = self.span(m, "no frame begun in this function");
                        self.early_ends.push(span);
                    }
                    if let Some(open) = st {
                        open.clear();
                    }
                }
            }
            Expr::Try(t) => {
                self.expr(&t.expr, st);
                let span = self.span(
                    &t.question_token,
                    "an error returns here with the frame still open",
                );
                self.escape(st, |_| true, &span);
                if let Expr::MethodCall(m) = &*t.expr
                    && is_try_begin(&t.expr)
                {
                    self.begin(m, st);
                }
            }
            Expr::Return(r) => {
                if let Some(x) = &r.expr {
                    self.expr(x, st);
                }
                let span = self.span(&r.return_token, "returns here with the frame still open");
                self.escape(st, |_| true, &span);
                *st = None;
            }
            Expr::Break(b) => {
                if let Some(x) = &b.expr {
                    self.expr(x, st);
                }
                if let Some(i) = self.find_loop(b.label.as_ref()) {
                    let entry = self.loops[i].entry.clone();
                    let span =
                        self.span(&b.break_token, "leaves the loop with the frame still open");
                    self.escape(st, |id| !entry.contains(&id), &span);
                    let out = st
                        .as_ref()
                        .map(|s| s.intersection(&entry).copied().collect());
                    let breaks = self.loops[i].breaks.take();
                    self.loops[i].breaks = join(breaks, out);
                }
                *st = None;
            }
            Expr::Continue(c) => {
                if let Some(i) = self.find_loop(c.label.as_ref()) {
                    let entry = self.loops[i].entry.clone();
                    let span = self.span(
                        &c.continue_token,
                        "the next iteration starts with the frame still open",
                    );
                    self.escape(st, |id| !entry.contains(&id), &span);
                }
                *st = None;
            }
            Expr::Await(a) => {
                self.expr(&a.base, st);
                if self.is_async
                    && let Some(open) = st.clone()
                {
                    for id in open {
                        if self.begins[id].awaited.is_none() {
                            self.begins[id].awaited =
                                Some(self.span(e, "awaited with an explicit frame open"));
                        }
                    }
                }
            }
            Expr::If(i) => {
                self.expr(&i.cond, st);
                let mut then = st.clone();
                self.block(&i.then_branch, &mut then);
                if let Some((_, other)) = &i.else_branch {
                    self.expr(other, st);
                }
                *st = join(then, st.take());
            }
            Expr::Match(m) => {
                self.expr(&m.expr, st);
                let mut out = None;
                for arm in &m.arms {
                    let mut s = st.clone();
                    self.expr(&arm.body, &mut s);
                    out = join(out, s);
                }
                *st = out;
            }
            Expr::Binary(b) => {
                self.expr(&b.left, st);
                if matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) {
                    let mut rhs = st.clone();
                    self.expr(&b.right, &mut rhs);
                    *st = join(st.take(), rhs);
                } else {
                    self.expr(&b.right, st);
                }
            }
            Expr::Loop(l) => {
                let out = self.loop_body(l.label.as_ref(), &l.loop_token, &l.body, st);
                *st = out;
            }
            Expr::While(w) => {
                self.expr(&w.cond, st);
                let out = self.loop_body(w.label.as_ref(), &w.while_token, &w.body, st);
                *st = join(st.take(), out);
            }
            Expr::ForLoop(f) => {
                self.expr(&f.expr, st);
                let out = self.loop_body(f.label.as_ref(), &f.for_token, &f.body, st);
                *st = join(st.take(), out);
            }
            Expr::Block(b) => self.block(&b.block, st),
            Expr::Unsafe(u) => self.block(&u.block, st),
            Expr::Call(c) => {
                self.expr(&c.func, st);
                self.exprs(&c.args, st);
            }
            Expr::Array(a) => self.exprs(&a.elems, st),
            Expr::Tuple(t) => self.exprs(&t.elems, st),
            Expr::Assign(a) => {
                self.expr(&a.right, st);
                self.expr(&a.left, st);
            }
            Expr::Cast(c) => self.expr(&c.expr, st),
            Expr::Field(f) => self.expr(&f.base, st),
            Expr::Index(i) => {
                self.expr(&i.expr, st);
                self.expr(&i.index, st);
            }
            Expr::Paren(p) => self.expr(&p.expr, st),
            Expr::Group(g) => self.expr(&g.expr, st),
            Expr::Reference(r) => self.expr(&r.expr, st),
            Expr::Unary(u) => self.expr(&u.expr, st),
            Expr::Let(l) => self.expr(&l.expr, st),
            Expr::Struct(s) => {
                for f in &s.fields {
                    self.expr(&f.expr, st);
                }
                if let Some(rest) = &s.rest {
                    self.expr(rest, st);
                }
            }
            Expr::Range(r) => {
                if let Some(x) = &r.start {
                    self.expr(x, st);
                }
                if let Some(x) = &r.end {
                    self.expr(x, st);
                }
            }
            Expr::Repeat(r) => self.expr(&r.expr, st),
            // Closures and async blocks are bodies of their own; macros are opaque.
            _ => {}
        }
    }
}
