//! The command line: `cargo fa [OPTIONS]` (cargo runs `cargo-fa fa OPTIONS`).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use annotate_snippets::{Group, Level as SnippetLevel, Renderer};

use crate::analyze::{SourceFile, analyze_files};
use crate::config::{Config, unknown_lint};
use crate::diag::{Diagnostic, SourceLines, Span, Summary};
use crate::lints::{self, LINTS, Level};
use crate::project;

const USAGE: &str = "\
Static analysis for framealloc misuse the compiler cannot see

Usage: cargo fa [OPTIONS]

Options:
      --manifest-path <PATH>    Cargo.toml of the package or workspace to analyse
      --message-format <FMT>    human (default, on stderr) or json (one object per line, stdout)
  -A, --allow <LINT>            allow a lint (code, kebab-case name or `all`)
  -W, --warn <LINT>             warn on a lint
  -D, --deny <LINT>             deny a lint (an error: exit code 1)
      --explain <CODE>          print the long explanation of a lint
      --list                    list every lint with its default level
      --color <WHEN>            auto (default), always or never
  -h, --help                    print this help
  -V, --version                 print the version

Exit status: 0 nothing at error level, 1 error-level or denied findings, 2 the tool failed.
Configuration: [package.metadata.framealloc.fa] / [workspace.metadata.framealloc.fa]
with allow/warn/deny arrays. Suppression: `// fa-allow(FA101): reason` on or above the
line, or `#[framealloc::fa_allow(FA101, reason = \"..\")]` on an item.
";

#[derive(PartialEq, Eq)]
enum Format {
    Human,
    Json,
}

struct Options {
    manifest_path: Option<PathBuf>,
    format: Format,
    cli_levels: Vec<(String, Level)>,
    color: Option<bool>,
}

/// Runs `cargo-fa` with `args` (without the program name; a leading `fa`, as cargo passes
/// it, is skipped) and returns the exit code: 0, 1 or 2.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match run_inner(args, out, err) {
        Ok(code) => code,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            2
        }
    }
}

fn value<'a>(args: &'a [String], i: &mut usize, flag: &str) -> Result<&'a str, String> {
    *i += 1;
    args.get(*i)
        .map(String::as_str)
        .ok_or_else(|| format!("`{flag}` needs a value (`cargo fa --help`)"))
}

#[allow(clippy::too_many_lines)] // option parsing, then one pass over the findings
fn run_inner(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, String> {
    let args = match args.first() {
        Some(first) if first == "fa" => &args[1..],
        _ => args,
    };
    let mut opts = Options {
        manifest_path: None,
        format: Format::Human,
        cli_levels: Vec::new(),
        color: None,
    };
    let io = |e: std::io::Error| format!("cannot write output: {e}");
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v)),
            _ => (arg, None),
        };
        let take = |i: &mut usize| -> Result<String, String> {
            inline.map_or_else(
                || value(args, i, flag).map(str::to_owned),
                |v| Ok(v.to_owned()),
            )
        };
        match flag {
            "-h" | "--help" => {
                write!(out, "{USAGE}").map_err(io)?;
                return Ok(0);
            }
            "-V" | "--version" => {
                writeln!(out, "cargo-fa {}", env!("CARGO_PKG_VERSION")).map_err(io)?;
                return Ok(0);
            }
            "--list" => {
                for l in LINTS {
                    writeln!(
                        out,
                        "{}  {:<31} {:<5}  {}",
                        l.code, l.name, l.default, l.summary
                    )
                    .map_err(io)?;
                }
                return Ok(0);
            }
            "--explain" => {
                let key = take(&mut i)?;
                let lint = lints::find(&key).ok_or_else(|| unknown_lint(&key))?;
                writeln!(
                    out,
                    "{} ({}), {} by default: {}\n\n{}",
                    lint.code, lint.name, lint.default, lint.summary, lint.explain
                )
                .map_err(io)?;
                return Ok(0);
            }
            "--manifest-path" => opts.manifest_path = Some(PathBuf::from(take(&mut i)?)),
            "--message-format" => {
                opts.format = match take(&mut i)?.as_str() {
                    "human" | "short" => Format::Human,
                    "json" => Format::Json,
                    other => {
                        return Err(format!(
                            "unknown message format `{other}` (expected `human` or `json`)"
                        ));
                    }
                };
            }
            "--color" => {
                opts.color = match take(&mut i)?.as_str() {
                    "auto" => None,
                    "always" => Some(true),
                    "never" => Some(false),
                    other => return Err(format!("unknown --color value `{other}`")),
                };
            }
            "-A" | "--allow" | "-W" | "--warn" | "-D" | "--deny" => {
                let level = level_of_flag(flag);
                let key = take(&mut i)?;
                opts.cli_levels.push((key, level));
            }
            _ if (arg.starts_with("-A") || arg.starts_with("-W") || arg.starts_with("-D"))
                && arg.len() > 2 =>
            {
                opts.cli_levels
                    .push((arg[2..].to_owned(), level_of_flag(&arg[..2])));
            }
            other => return Err(format!("unexpected argument `{other}` (`cargo fa --help`)")),
        }
        i += 1;
    }
    // Validate command-line lints before doing any work.
    let mut cli = Config::default();
    for (key, level) in &opts.cli_levels {
        cli.set(key, *level)?;
    }
    let project = project::load(opts.manifest_path.as_deref())?;
    let mut sources = Vec::new();
    let mut file_config: HashMap<String, Config> = HashMap::new();
    let mut texts: HashMap<String, String> = HashMap::new();
    let mut unreadable: Vec<Diagnostic> = Vec::new();
    for pkg in &project.packages {
        let mut config = pkg.config.clone();
        for (key, level) in &opts.cli_levels {
            config.set(key, *level)?;
        }
        for path in &pkg.files {
            let shown = display_path(&project.root, path);
            file_config.insert(shown.clone(), config.clone());
            match std::fs::read(path) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => {
                        texts.insert(shown.clone(), text.clone());
                        sources.push(SourceFile { path: shown, text });
                    }
                    Err(_) => unreadable.push(file_error(&shown, "this file is not valid UTF-8")),
                },
                Err(e) => {
                    unreadable.push(file_error(&shown, &format!("cannot read this file: {e}")));
                }
            }
        }
    }
    let analysis = analyze_files(&sources);
    let mut summary = Summary {
        suppressed: analysis.suppressed,
        files: sources.len() + unreadable.len(),
        ..Summary::default()
    };
    let mut shown = Vec::new();
    for mut d in unreadable.into_iter().chain(analysis.diagnostics) {
        let config = file_config
            .get(&d.primary().file)
            .cloned()
            .unwrap_or_default();
        d.level = config.level(d.code);
        match d.level {
            Level::Allow => continue,
            Level::Warn => summary.warnings += 1,
            Level::Deny => summary.errors += 1,
        }
        let default = config.is_default(d.code);
        shown.push((d, default));
    }
    match opts.format {
        Format::Json => {
            for (d, _) in &shown {
                writeln!(out, "{}", d.to_json()).map_err(io)?;
            }
            writeln!(out, "{}", summary.to_json()).map_err(io)?;
        }
        Format::Human => {
            let styled = opts
                .color
                .unwrap_or_else(|| std::io::IsTerminal::is_terminal(&std::io::stderr()));
            let mut indexed: HashMap<&str, SourceLines<'_>> = HashMap::new();
            for (d, default) in &shown {
                let file = d.primary().file.as_str();
                let lines = indexed.entry(file).or_insert_with(|| {
                    SourceLines::new(texts.get(file).map_or("", String::as_str))
                });
                writeln!(err, "{}\n", d.render(lines, *default, styled)).map_err(io)?;
            }
            if summary.errors + summary.warnings > 0 {
                let level = if summary.errors > 0 {
                    SnippetLevel::ERROR
                } else {
                    SnippetLevel::WARNING
                };
                let title = format!(
                    "`cargo fa` found {} and {} in {}",
                    plural(summary.errors, "error"),
                    plural(summary.warnings, "warning"),
                    plural(summary.files, "file")
                );
                let renderer = if styled {
                    Renderer::styled()
                } else {
                    Renderer::plain()
                };
                let group = Group::with_title(level.primary_title(title.as_str()));
                writeln!(err, "{}", renderer.render(&[group])).map_err(io)?;
            }
            if project.packages.is_empty() {
                writeln!(
                    err,
                    "note: no package here depends on framealloc: nothing to check"
                )
                .map_err(io)?;
            }
        }
    }
    Ok(i32::from(summary.errors > 0))
}

fn level_of_flag(flag: &str) -> Level {
    match flag {
        "-A" | "--allow" => Level::Allow,
        "-D" | "--deny" => Level::Deny,
        _ => Level::Warn,
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn file_error(file: &str, message: &str) -> Diagnostic {
    Diagnostic {
        code: "FA000",
        level: Level::Deny,
        message: message.to_owned(),
        spans: vec![Span {
            file: file.to_owned(),
            line_start: 1,
            column_start: 1,
            line_end: 1,
            column_end: 1,
            label: String::new(),
        }],
        help: Some("the file was skipped".to_owned()),
        notes: Vec::new(),
    }
}

/// `path` relative to the workspace root when it is inside it; `/` separators; non-UTF-8
/// components shown lossily (the file is still read through its real path).
fn display_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}
