//! Lint levels: defaults, `[workspace.metadata.framealloc.fa]`,
//! `[package.metadata.framealloc.fa]`, then `-A/-W/-D` on the command line, later
//! settings winning.
//!
//! ```toml
//! [package.metadata.framealloc.fa]
//! allow = ["FA105"]                      # codes or kebab-case names
//! warn = ["end-without-begin", "FA401"]
//! deny = ["FA101"]                       # or "all"
//! ```

use crate::lints::{self, LINTS, Level};

/// Level overrides, applied in order (`all` first expands to every lint).
#[derive(Clone, Debug, Default)]
pub struct Config {
    overrides: Vec<(&'static str, Level)>,
}

impl Config {
    /// Reads the `framealloc.fa` table of a `metadata` value (`null` or no table: empty).
    pub fn from_metadata(metadata: &serde_json::Value) -> Result<Self, String> {
        Self::default().layered(metadata)
    }

    /// Adds the `framealloc.fa` table of `metadata` on top of `self`.
    pub fn layered(mut self, metadata: &serde_json::Value) -> Result<Self, String> {
        let Some(table) = metadata.get("framealloc").and_then(|f| f.get("fa")) else {
            return Ok(self);
        };
        let Some(table) = table.as_object() else {
            return Err("expected a table".to_owned());
        };
        for (key, value) in table {
            let level = match key.as_str() {
                "allow" => Level::Allow,
                "warn" => Level::Warn,
                "deny" => Level::Deny,
                other => {
                    return Err(format!(
                        "unknown key `{other}` (expected `allow`, `warn` or `deny`)"
                    ));
                }
            };
            let Some(list) = value.as_array() else {
                return Err(format!("`{key}` must be an array of lint codes or names"));
            };
            for item in list {
                let Some(name) = item.as_str() else {
                    return Err(format!("`{key}` must be an array of lint codes or names"));
                };
                self.set(name, level)?;
            }
        }
        Ok(self)
    }

    /// Sets one lint (`FA101`, `unpaired-explicit-frame`) or `all` to `level`.
    pub fn set(&mut self, key: &str, level: Level) -> Result<(), String> {
        if key == "all" {
            self.overrides.extend(LINTS.iter().map(|l| (l.code, level)));
            return Ok(());
        }
        let lint = lints::find(key).ok_or_else(|| unknown_lint(key))?;
        self.overrides.push((lint.code, level));
        Ok(())
    }

    /// The level of `code` after every override.
    pub fn level(&self, code: &str) -> Level {
        self.overrides
            .iter()
            .rev()
            .find(|(c, _)| *c == code)
            .map_or_else(
                || lints::find(code).map_or(Level::Warn, |l| l.default),
                |o| o.1,
            )
    }

    /// Whether `code` is at its default level (for the "on by default" note).
    pub fn is_default(&self, code: &str) -> bool {
        !self.overrides.iter().any(|(c, _)| *c == code)
    }
}

/// "unknown lint `FA10`", with the closest code or name if one is near.
pub fn unknown_lint(key: &str) -> String {
    let near = LINTS
        .iter()
        .flat_map(|l| [l.code, l.name])
        .map(|k| {
            (
                crate::analyze::edit_distance(&key.to_ascii_uppercase(), &k.to_ascii_uppercase()),
                k,
            )
        })
        .filter(|(d, _)| *d <= 2)
        .min();
    match near {
        Some((_, k)) => format!("unknown lint `{key}`: did you mean `{k}`? (`cargo fa --list`)"),
        None => format!("unknown lint `{key}` (`cargo fa --list` shows every lint)"),
    }
}
