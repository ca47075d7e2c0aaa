//! The framealloc package carries copies of README.md, docs/*.md and the licence files
//! (framealloc-macros the licence files) (`cargo package` only
//! sees files under `framealloc/`); the rustdoc front page and the `guides` modules include
//! those copies. This fails when a root file was edited without `scripts/sync-crate-docs`.

use std::fs;
use std::path::Path;

#[test]
#[cfg_attr(miri, ignore = "reads the file system, which Miri's isolation forbids")]
fn crate_local_copies_match_the_repository_docs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut names = vec!["README.md".to_owned()];
    for entry in fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            let name = path.file_name().unwrap().to_str().unwrap();
            names.push(format!("docs/{name}"));
        }
    }
    for entry in fs::read_dir(root.join("framealloc/docs")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            root.join("docs").join(&name).exists(),
            "framealloc/docs/{name} has no docs/{name}: run scripts/sync-crate-docs"
        );
    }
    let mut pairs: Vec<(String, String)> = names
        .into_iter()
        .map(|n| (n.clone(), format!("framealloc/{n}")))
        .collect();
    for krate in ["framealloc", "framealloc-macros"] {
        for licence in ["LICENSE-MIT", "LICENSE-APACHE"] {
            pairs.push((licence.to_owned(), format!("{krate}/{licence}")));
        }
    }
    for (name, copy_name) in pairs {
        let original = fs::read_to_string(root.join(&name)).unwrap();
        let copy = fs::read_to_string(root.join(&copy_name)).unwrap_or_default();
        assert!(
            original == copy,
            "{copy_name} differs from {name}: run scripts/sync-crate-docs"
        );
    }
}
