//! Parsing of `#[alloc_tag(..)]` arguments, and the budget syntax.
//!
//! Parsing is deliberately loose (any expressions, any `key = value`) so that validation
//! can report every mistake in one build, each spanned to the offending token.

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Token};

/// One comma-separated argument, before validation.
pub(crate) enum RawArg {
    /// `"physics"` (or anything else that is not `key = value`).
    Positional(Expr),
    /// `budget = "8 MiB"`.
    Named { key: Ident, value: Expr },
}

impl Parse for RawArg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            let key: Ident = input.parse()?;
            let eq: Token![=] = input.parse()?;
            if input.is_empty() || input.peek(Token![,]) {
                return Err(syn::Error::new(
                    eq.span,
                    format!("expected a value after `{key} =`, e.g. `{key} = \"8 MiB\"`"),
                ));
            }
            let value: Expr = input.parse()?;
            Ok(Self::Named { key, value })
        } else {
            Ok(Self::Positional(input.parse()?))
        }
    }
}

/// The raw argument list: `"name"`, then optional `key = value` pairs.
pub(crate) struct RawArgs(pub(crate) Punctuated<RawArg, Token![,]>);

impl Parse for RawArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        Punctuated::parse_terminated(input).map(Self)
    }
}

/// The units a budget string may use, with their size in bytes.
pub(crate) const UNITS: [(&str, u64); 7] = [
    ("B", 1),
    ("KB", 1000),
    ("MB", 1000 * 1000),
    ("GB", 1000 * 1000 * 1000),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
];

const UNIT_LIST: &str = "B, KB, MB, GB (x1000) or KiB, MiB, GiB (x1024)";

/// Parses a budget string `"<int> <unit>"`: ASCII digits, exactly one space, and a unit
/// from [`UNITS`] (case-sensitive). The space is required. The error is a message for the
/// caller to span to the literal.
pub(crate) fn parse_budget_str(text: &str) -> Result<u64, String> {
    let usage = format!(
        "a budget string is \"<integer> <unit>\" with one space and unit {UNIT_LIST}, \
         e.g. \"8 MiB\"; or an integer literal of bytes, e.g. `budget = 8388608`"
    );
    let Some((number, unit)) = text.split_once(' ') else {
        // "8MiB": say exactly what is missing.
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        if split > 0 && split < text.len() && UNITS.iter().any(|(u, _)| *u == &text[split..]) {
            return Err(format!(
                "missing space in budget \"{text}\": write \"{} {}\"",
                &text[..split],
                &text[split..]
            ));
        }
        if !text.is_empty() && split == text.len() {
            return Err(format!(
                "budget \"{text}\" has no unit: write \"{text} B\" or the integer literal \
                 `budget = {text}`"
            ));
        }
        return Err(format!("invalid budget \"{text}\": {usage}"));
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        if let Some(exact) = without_fraction(number, unit) {
            return Err(format!(
                "invalid budget \"{text}\": fractions are not supported; write \"{exact}\""
            ));
        }
        return Err(format!(
            "invalid budget \"{text}\": `{number}` is not a whole number of units; {usage}"
        ));
    }
    let Some(&(_, scale)) = UNITS.iter().find(|(u, _)| *u == unit) else {
        let case_hint = UNITS
            .iter()
            .find(|(u, _)| u.eq_ignore_ascii_case(unit))
            .map(|(u, _)| format!(" (units are case-sensitive: did you mean `{u}`?)"))
            .unwrap_or_default();
        return Err(format!(
            "unknown unit `{unit}` in budget \"{text}\"{case_hint}: expected one of {UNIT_LIST}"
        ));
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("budget \"{text}\" does not fit in a u64 number of bytes"))
}

/// For `"1.5 MiB"`, the same amount in the largest unit of the same family that makes it
/// whole (`"1536 KiB"`); `None` if `number` is not a decimal fraction or `unit` is unknown.
fn without_fraction(number: &str, unit: &str) -> Option<String> {
    let (&(_, scale), binary) = UNITS
        .iter()
        .find(|(u, _)| *u == unit)
        .map(|entry| (entry, entry.0.contains('i')))?;
    let (int, frac) = number.split_once('.')?;
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || frac.is_empty() || !digits(int) || !digits(frac) || frac.len() > 18 {
        return None;
    }
    let denominator = 10u128.pow(u32::try_from(frac.len()).ok()?);
    let scaled = (int.parse::<u128>().ok()? * denominator + frac.parse::<u128>().ok()?)
        .checked_mul(u128::from(scale))?;
    if scaled % denominator != 0 {
        return None;
    }
    let bytes = scaled / denominator;
    UNITS
        .iter()
        .rev()
        .filter(|(u, _)| *u == "B" || u.contains('i') == binary)
        .find(|(_, size)| bytes % u128::from(*size) == 0)
        .map(|(u, size)| format!("{} {u}", bytes / u128::from(*size)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_strings() {
        for (text, bytes) in [
            ("8 MiB", 8_388_608),
            ("1 KB", 1000),
            ("12 B", 12),
            ("0 MiB", 0),
            ("3 GB", 3_000_000_000),
            ("2 GiB", 2 << 30),
            ("64 KiB", 65_536),
            ("5 MB", 5_000_000),
            ("007 B", 7),
            ("18446744073709551615 B", u64::MAX),
            ("17179869183 GiB", 17_179_869_183 << 30),
        ] {
            assert_eq!(parse_budget_str(text), Ok(bytes), "{text}");
        }
    }

    #[test]
    fn bad_budget_strings() {
        for (text, needle) in [
            ("1.5 MiB", "fractions are not supported; write \"1536 KiB\""),
            ("1.5 KB", "write \"1500 B\""),
            ("0.25 GiB", "write \"256 MiB\""),
            ("1.0 MB", "write \"1 MB\""),
            ("1.2 B", "not a whole number"),
            ("1. MiB", "not a whole number"),
            ("8 mb", "did you mean `MB`"),
            ("8 mib", "did you mean `MiB`"),
            ("", "invalid budget"),
            ("8MiB", "missing space in budget \"8MiB\": write \"8 MiB\""),
            ("8", "has no unit"),
            ("MiB", "invalid budget"),
            (" MiB", "not a whole number"),
            ("8  MiB", "unknown unit ` MiB`"),
            ("8 MiB ", "unknown unit `MiB `"),
            ("-1 B", "not a whole number"),
            ("+1 B", "not a whole number"),
            ("1_000 B", "not a whole number"),
            ("8 TB", "unknown unit `TB`"),
            ("8 bytes", "unknown unit"),
            ("18446744073709551616 B", "does not fit in a u64"),
            ("17179869184 GiB", "does not fit in a u64"),
        ] {
            let err = parse_budget_str(text).expect_err(text);
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }
}
