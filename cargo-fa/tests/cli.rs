//! End to end: the `cargo-fa` binary on fixture crates (never built, only analysed; each
//! has its own `[workspace]`). `tests/fixtures/game` plants one of every pitfall, marked
//! `PLANT: FAxxx` on the line that must be reported; `game-clean` is its fixed twin.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn cargo_fa(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-fa"))
        .arg("fa")
        .args(args)
        .output()
        .expect("run cargo-fa")
}

fn on(dir: &Path, extra: &[&str]) -> Output {
    let manifest = dir.join("Cargo.toml");
    let mut args = vec!["--manifest-path", manifest.to_str().unwrap()];
    args.extend_from_slice(extra);
    cargo_fa(&args)
}

/// `PLANT: FAxxx` markers: code -> (file relative to the crate, line).
fn planted(dir: &Path) -> BTreeMap<String, (String, usize)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.join("src")];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(dir)
                .unwrap()
                .to_str()
                .unwrap()
                .replace('\\', "/");
            for (i, line) in fs::read_to_string(&path).unwrap().lines().enumerate() {
                if let Some(at) = line.find("PLANT: ") {
                    let code = line[at + 7..at + 12].to_owned();
                    assert!(out.insert(code, (rel.clone(), i + 1)).is_none());
                }
            }
        }
    }
    out
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
#[cfg_attr(miri, ignore)]
fn every_planted_pitfall_is_reported_once_at_its_line() {
    let dir = fixture("game");
    let out = on(&dir, &["--message-format", "json"]);
    assert_eq!(out.status.code(), Some(1), "FA000 and FA103 are errors");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records = json_lines(&out);
    let (summary, diags) = records.split_last().unwrap();
    let mut got: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for d in diags {
        assert_eq!(d["type"], "diagnostic");
        let code = d["code"].as_str().unwrap().to_owned();
        let span = &d["spans"][0];
        let at = (
            span["file"].as_str().unwrap().to_owned(),
            usize::try_from(span["line_start"].as_u64().unwrap()).unwrap(),
        );
        assert!(
            got.insert(code.clone(), at).is_none(),
            "{code} reported twice"
        );
    }
    let expected = planted(&dir);
    assert_eq!(expected.len(), 14, "one plant per lint");
    assert_eq!(got, expected);
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["errors"], 2);
    assert_eq!(summary["warnings"], 12);
    assert_eq!(summary["files"], 5);
    assert_eq!(summary["format_version"], 1);
}

#[test]
#[cfg_attr(miri, ignore)]
fn the_clean_twin_reports_nothing() {
    let out = on(
        &fixture("game-clean"),
        &["--message-format", "json", "-W", "all"],
    );
    assert_eq!(out.status.code(), Some(0));
    let records = json_lines(&out);
    assert_eq!(records.len(), 1, "{records:#?}");
    assert_eq!(records[0]["errors"], 0);
    assert_eq!(records[0]["warnings"], 0);
    assert_eq!(records[0]["files"], 4);
}

#[test]
#[cfg_attr(miri, ignore)]
fn human_output_goes_to_stderr_in_rustc_shape() {
    let out = on(&fixture("game"), &["--color", "never"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    let fa101 = "\
warning[FA101]: `begin_frame()` is not paired with `end_frame()` on every path
  --> src/render.rs:15:5
   |
15 |     alloc.begin_frame(); // PLANT: FA101
   |     ^^^^^^^^^^^^^^^^^^^ frame begun here
...
18 |         total += std::fs::read(p)?.len();
   |                                  - an error returns here with the frame still open
   |
   = note: `FA101` (unpaired-explicit-frame) is warn by default; `cargo fa --explain FA101` says more
   = help: use `let frame = alloc.frame();` or `#[frame_scope]`: the guard ends the frame on every exit path (return, `?`, panic)
";
    assert!(err.contains(fa101), "{err}");
    assert!(err.contains("error[FA103]: explicit frame open across `.await`"));
    assert!(err.contains(" --> src/net/server.rs:5:16\n"), "{err}");
    // Configured lints do not claim to be at their default level.
    let fa102 = err.find("warning[FA102]").unwrap();
    let next = err[fa102..].find("\n\n").unwrap() + fa102;
    assert!(!err[fa102..next].contains("by default"));
    assert!(
        err.trim_end()
            .ends_with("error: `cargo fa` found 2 errors and 12 warnings in 5 files")
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn levels_from_the_command_line() {
    let dir = fixture("game");
    // Allowing the two error-level findings makes the run pass.
    let out = on(
        &dir,
        &[
            "--message-format",
            "json",
            "-A",
            "FA000",
            "-Aexplicit-frame-across-await",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let records = json_lines(&out);
    assert_eq!(records.last().unwrap()["errors"], 0);
    assert_eq!(records.last().unwrap()["warnings"], 12);
    // Denying one warning fails it; `-A all` silences everything.
    let out = on(
        &dir,
        &["--message-format", "json", "-A", "all", "-D", "FA105"],
    );
    assert_eq!(out.status.code(), Some(1));
    let records = json_lines(&out);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["code"], "FA105");
    assert_eq!(records[0]["level"], "error");
}

#[test]
#[cfg_attr(miri, ignore)]
fn tool_failures_exit_with_2() {
    let out = cargo_fa(&["-W", "FA1O1"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("unknown lint `FA1O1`: did you mean `FA101`?"),
        "{err}"
    );
    let out = cargo_fa(&["--manifest-path", "/nonexistent/Cargo.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(cargo_fa(&["--frobnicate"]).status.code(), Some(2));
}

#[test]
#[cfg_attr(miri, ignore)]
fn explain_and_list() {
    let out = cargo_fa(&["--explain", "unpaired-explicit-frame"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("FA101 (unpaired-explicit-frame), warn by default"),
        "{text}"
    );
    assert!(text.contains("#[frame_scope]"));
    let out = cargo_fa(&["--list"]);
    let list = String::from_utf8(out.stdout).unwrap();
    assert_eq!(list.lines().count(), 14);
    assert!(
        list.lines()
            .any(|l| l.starts_with("FA303  tag-budget-over-thread-budget"))
    );
}

/// A crate written at test time: non-UTF-8 source, a crate without framealloc.
fn scratch_crate(name: &str, deps: &str, files: &[(&str, &[u8])]) -> PathBuf {
    scratch_crate_with(name, deps, "", files)
}

fn scratch_crate_with(name: &str, deps: &str, extra: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("src")).unwrap();
    let framealloc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../framealloc");
    let deps = deps.replace("FRAMEALLOC", framealloc.to_str().unwrap());
    fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n\
             [dependencies]\n{deps}\n\n[workspace]\n\n{extra}"
        ),
    )
    .unwrap();
    for (path, bytes) in files {
        fs::create_dir_all(dir.join(path).parent().unwrap()).unwrap();
        fs::write(dir.join(path), bytes).unwrap();
    }
    dir
}

#[test]
#[cfg_attr(miri, ignore)]
fn bad_input_is_reported_not_crashed_on() {
    let dir = scratch_crate(
        "fa-non-utf8",
        "framealloc = { path = \"FRAMEALLOC\" }",
        &[
            ("src/main.rs", b"mod latin1;\nfn main() {}\n"),
            ("src/latin1.rs", b"// caf\xe9\npub fn f() {}\n"),
        ],
    );
    let out = on(&dir, &["--message-format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let records = json_lines(&out);
    assert_eq!(records[0]["code"], "FA000");
    assert_eq!(records[0]["spans"][0]["file"], "src/latin1.rs");
    assert_eq!(records[0]["message"], "this file is not valid UTF-8");

    // A machine-written file: one expression 20 000 terms deep, after a planted FA101.
    let deep = format!(
        "fn f(alloc: &framealloc::SmartAlloc) -> Result<(), ()> {{\n    alloc.begin_frame();\n    \
         g()?;\n    alloc.end_frame();\n    Ok(())\n}}\nfn deep() -> u64 {{\n    {}\n}}\nfn main() {{}}\n",
        vec!["1"; 20_000].join(" + ")
    );
    let dir = scratch_crate(
        "fa-deep",
        "framealloc = { path = \"FRAMEALLOC\" }",
        &[("src/main.rs", deep.as_bytes())],
    );
    let out = on(&dir, &["--message-format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records = json_lines(&out);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["code"], "FA101");
    assert_eq!(records[0]["spans"][0]["line_start"], 2);

    // No framealloc dependency: nothing to check, exit 0.
    let dir = scratch_crate(
        "fa-unrelated",
        "",
        &[(
            "src/main.rs",
            b"fn main() { alloc.begin_frame(); x?; alloc.end_frame(); }\n",
        )],
    );
    let out = on(&dir, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("no package here depends on framealloc")
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn this_repository_has_nothing_at_error_level() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = on(&root, &["--message-format", "json"]);
    let records = json_lines(&out);
    let errors: Vec<_> = records.iter().filter(|r| r["level"] == "error").collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(out.status.code(), Some(0));
    // The examples are clean at every level.
    let in_examples: Vec<_> = on(&root, &["--message-format", "json", "-W", "all"])
        .stdout
        .split(|b| *b == b'\n')
        .filter(|l| l.windows(9).any(|w| w == b"examples/"))
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    assert!(in_examples.is_empty(), "{in_examples:#?}");
}

const HOLDS_HANDLE: &[u8] = b"pub struct S<'f> {\n    v: framealloc::FrameVec<'f, u32>,\n}\n";

fn tree_crate(name: &str, extra: &str) -> PathBuf {
    scratch_crate_with(
        name,
        "framealloc = { path = \"FRAMEALLOC\" }",
        extra,
        &[
            (
                "src/lib.rs",
                b"mod a;\nmod inline {\n    mod c;\n}\n#[path = \"other/renamed.rs\"]\nmod d;\n",
            ),
            ("src/a.rs", b"mod b;\n"),
            ("src/a/b.rs", HOLDS_HANDLE),
            ("src/inline/c.rs", HOLDS_HANDLE),
            ("src/other/renamed.rs", HOLDS_HANDLE),
            ("src/stray.rs", HOLDS_HANDLE),
        ],
    )
}

#[test]
#[cfg_attr(miri, ignore)]
fn the_module_tree_is_followed_and_stray_files_are_not_read() {
    let out = on(&tree_crate("fa-tree", ""), &["--message-format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let records = json_lines(&out);
    let files: Vec<&str> = records
        .iter()
        .filter(|r| r["type"] == "diagnostic")
        .map(|r| {
            assert_eq!(r["code"], "FA105");
            assert_eq!(r["spans"][0]["line_start"], 2);
            r["spans"][0]["file"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        files,
        ["src/a/b.rs", "src/inline/c.rs", "src/other/renamed.rs"]
    );
    assert_eq!(records.last().unwrap()["files"], 5);
}

#[test]
#[cfg_attr(miri, ignore)]
fn configuration_from_workspace_and_package_metadata() {
    // The workspace denies FA105: an error, exit 1.
    let ws = "[workspace.metadata.framealloc.fa]\ndeny = [\"frame-handle-in-struct\"]\n";
    let out = on(
        &tree_crate("fa-config-ws", ws),
        &["--message-format", "json"],
    );
    assert_eq!(out.status.code(), Some(1));
    let records = json_lines(&out);
    assert_eq!(records[0]["level"], "error");
    assert_eq!(records.last().unwrap()["errors"], 3);
    // The package's table wins over the workspace's; the command line over both.
    let both = format!("{ws}\n[package.metadata.framealloc.fa]\nallow = [\"FA105\"]\n");
    let dir = tree_crate("fa-config-pkg", &both);
    let out = on(&dir, &["--message-format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json_lines(&out).len(), 1);
    let out = on(&dir, &["--message-format", "json", "-W", "FA105"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json_lines(&out).last().unwrap()["warnings"], 3);
    // A mistake in the table is a tool failure.
    let bad = "[package.metadata.framealloc.fa]\nforbid = [\"FA105\"]\n";
    let out = on(&tree_crate("fa-config-bad", bad), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("unknown key `forbid`"), "{err}");
}
