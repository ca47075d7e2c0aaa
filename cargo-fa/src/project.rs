//! Finding the sources: packages from `cargo metadata --no-deps`, then the module tree of
//! every target root, following `mod x;` and `#[path = ".."]` (not every `.rs` file under
//! the directory: a file no module names is not part of the crate).

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use cargo_metadata::{MetadataCommand, TargetKind};

use crate::config::Config;

/// A package to analyse: its name, files and configuration.
#[derive(Debug)]
pub struct Package {
    /// The package name.
    pub name: String,
    /// Every file of every target's module tree, each once.
    pub files: Vec<PathBuf>,
    /// `[package.metadata.framealloc.fa]` layered over the workspace's table.
    pub config: Config,
}

/// The packages of the workspace (or the one package) a manifest belongs to.
#[derive(Debug)]
pub struct Project {
    /// The workspace root; diagnostics show paths relative to it.
    pub root: PathBuf,
    /// Members that depend on `framealloc` (others have nothing to check).
    pub packages: Vec<Package>,
    /// Members skipped because they do not depend on `framealloc`.
    pub skipped: Vec<String>,
}

/// Runs `cargo metadata --no-deps` and builds every member's module tree.
pub fn load(manifest_path: Option<&Path>) -> Result<Project, String> {
    let mut cmd = MetadataCommand::new();
    cmd.no_deps();
    if let Some(p) = manifest_path {
        cmd.manifest_path(p);
    }
    let meta = cmd
        .exec()
        .map_err(|e| format!("`cargo metadata` failed: {e}"))?;
    let workspace_config = Config::from_metadata(&meta.workspace_metadata)
        .map_err(|e| format!("[workspace.metadata.framealloc.fa]: {e}"))?;
    let mut project = Project {
        root: meta.workspace_root.clone().into_std_path_buf(),
        packages: Vec::new(),
        skipped: Vec::new(),
    };
    let members: HashSet<_> = meta.workspace_members.iter().collect();
    for pkg in &meta.packages {
        if !members.contains(&pkg.id) {
            continue;
        }
        let name = pkg.name.to_string();
        let uses_framealloc = pkg
            .dependencies
            .iter()
            .any(|d| d.name == "framealloc" || d.rename.as_deref() == Some("framealloc"));
        if !uses_framealloc {
            project.skipped.push(name);
            continue;
        }
        let config = workspace_config
            .clone()
            .layered(&pkg.metadata)
            .map_err(|e| format!("{name}: [package.metadata.framealloc.fa]: {e}"))?;
        let mut files = Vec::new();
        let mut seen = HashSet::new();
        for target in &pkg.targets {
            if target.kind.contains(&TargetKind::CustomBuild) {
                continue;
            }
            module_tree(target.src_path.as_std_path(), true, &mut seen, &mut files);
        }
        project.packages.push(Package {
            name,
            files,
            config,
        });
    }
    Ok(project)
}

/// Adds `path` and every module file it names (recursively) to `files`. A crate root's
/// (`is_root`) and a `mod.rs`'s `mod x;` children live beside it (`src/main.rs` ->
/// `src/x.rs`, `examples/demo.rs` -> `examples/x.rs`); any other file's live in a directory
/// named after it (`src/a.rs` -> `src/a/x.rs`).
fn module_tree(path: &Path, is_root: bool, seen: &mut HashSet<PathBuf>, files: &mut Vec<PathBuf>) {
    let key = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if !seen.insert(key) {
        return;
    }
    files.push(path.to_path_buf());
    let Ok(text) = fs::read_to_string(path) else {
        return; // reported as FA000 when the file is analysed
    };
    // Most files declare no module: skip the parse (the analysis parses every file again).
    if !text.contains("mod ") {
        return;
    }
    let Ok(ast) = syn::parse_file(&text) else {
        return;
    };
    let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let child_dir = if is_root || stem == "mod" {
        dir.clone()
    } else {
        dir.join(stem)
    };
    walk_items(&ast.items, &dir, &child_dir, seen, files);
}

fn walk_items(
    items: &[syn::Item],
    file_dir: &Path,
    child_dir: &Path,
    seen: &mut HashSet<PathBuf>,
    files: &mut Vec<PathBuf>,
) {
    for item in items {
        let syn::Item::Mod(m) = item else { continue };
        let path_attr = m.attrs.iter().find_map(|a| {
            if !a.path().is_ident("path") {
                return None;
            }
            match &a.meta {
                syn::Meta::NameValue(nv) => match &nv.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value()),
                    _ => None,
                },
                _ => None,
            }
        });
        let name = m.ident.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name);
        if let Some((_, inner)) = &m.content {
            // An inline module: its `mod x;` children live in a subdirectory.
            let sub = child_dir.join(name);
            let dir = path_attr.map_or_else(|| sub.clone(), |p| file_dir.join(p));
            walk_items(inner, &dir, &dir, seen, files);
        } else {
            let candidates = match path_attr {
                // `#[path]` is relative to the directory of the file holding the `mod`.
                Some(p) => vec![file_dir.join(p)],
                None => vec![
                    child_dir.join(format!("{name}.rs")),
                    child_dir.join(name).join("mod.rs"),
                ],
            };
            if let Some(found) = candidates.into_iter().find(|c| c.is_file()) {
                module_tree(&found, false, seen, files);
            }
        }
    }
}
