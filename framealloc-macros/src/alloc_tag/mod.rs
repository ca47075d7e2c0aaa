//! `#[alloc_tag]`: parse ([`args`]) → validate (here) → expand ([`expand`]).

mod args;
mod expand;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{Expr, Lit, LitStr};

use crate::error::Errors;
use crate::func::{AttrName, FnItem};
use args::{RawArg, RawArgs};

const ATTR: AttrName = AttrName {
    name: "alloc_tag",
    needs_body: "it accounts the allocations the body makes to the tag",
};

/// The name of tag 0 in the runtime (`framealloc::UNTAGGED`).
const UNTAGGED: &str = "untagged";

const NAME_USAGE: &str = "e.g. `#[alloc_tag(\"physics\")]` or \
     `#[alloc_tag(\"physics\", budget = \"8 MiB\")]`";

/// Entry point: expands `#[alloc_tag(args)]` on `item`. Infallible: errors become
/// `compile_error!` next to the unchanged item.
pub(crate) fn alloc_tag(args: TokenStream, item: TokenStream) -> TokenStream {
    let func = parse_and_validate(args, item.clone());
    match func {
        Ok((func, tag)) => expand::expand(&func, &tag),
        // No error cascade: emit the error *and* the item unchanged (untagged), so callers
        // and the body still type-check against the user's own code.
        Err(err) => {
            let mut out = err.into_compile_error();
            out.extend(item);
            out
        }
    }
}

/// Parses and validates the arguments and the item, reporting the errors of both at once.
pub(crate) fn parse_and_validate(
    args: TokenStream,
    item: TokenStream,
) -> syn::Result<(FnItem, Tag)> {
    let mut errors = Errors::default();
    let func = match crate::func::parse_item(item, ATTR) {
        Ok(func) => {
            validate_fn(&func, &mut errors);
            Some(func)
        }
        Err(err) => {
            errors.push(err);
            None
        }
    };
    let tag = match syn::parse2::<RawArgs>(args).and_then(validate_args) {
        Ok(tag) => Some(tag),
        Err(err) => {
            errors.push(err);
            None
        }
    };
    errors.finish()?;
    match (func, tag) {
        (Some(func), Some(tag)) => Ok((func, tag)),
        // Unreachable: a `None` above always pushed an error. Still an error, not a panic.
        _ => Err(syn::Error::new(
            Span::call_site(),
            "#[alloc_tag]: invalid input",
        )),
    }
}

/// A validated tag: its name literal and budget in bytes.
pub(crate) struct Tag {
    pub(crate) name: LitStr,
    pub(crate) budget: Option<u64>,
}

/// Rejects function shapes a per-thread tag cannot cover.
fn validate_fn(func: &FnItem, errors: &mut Errors) {
    if let Some(asyncness) = &func.sig.asyncness {
        errors.push(format_err!(
            asyncness,
            "#[alloc_tag] does not support async fn: the tag belongs to the thread, but a \
             task can move to another thread or let other tasks run on this one at every \
             .await, so allocations would be accounted to the wrong tag; tag the synchronous \
             parts instead, with `let _tag = alloc.tag(\"name\");` in a block that contains \
             no .await, or `alloc.with_tag(\"name\", |alloc| ..)`, or move the work into a \
             plain fn with #[alloc_tag]"
        ));
    }
    if let Some(constness) = &func.sig.constness {
        errors.push(format_err!(
            constness,
            "#[alloc_tag] cannot be used on a const fn: pushing a tag is a runtime \
             operation; remove `const` or tag the caller"
        ));
    }
}

/// Checks the arguments: one non-empty string literal name, at most one valid `budget`.
pub(crate) fn validate_args(args: RawArgs) -> syn::Result<Tag> {
    let mut errors = Errors::default();
    let mut name: Option<LitStr> = None;
    let mut saw_name = false;
    let mut budget: Option<(syn::Ident, Option<u64>)> = None;
    for arg in args.0 {
        match arg {
            RawArg::Positional(expr) if !saw_name => {
                saw_name = true;
                match validate_name(&expr) {
                    Ok(lit) => name = Some(lit),
                    Err(err) => errors.push(err),
                }
            }
            RawArg::Positional(expr) => {
                let message = if matches!(literal(&expr), Some(Lit::Str(_) | Lit::Int(_))) {
                    format!(
                        "unexpected argument: to set a budget, name it: `budget = {}`",
                        expr.to_token_stream()
                    )
                } else {
                    format!(
                        "unexpected argument: #[alloc_tag] takes one tag name and an optional \
                         `budget = ...`, {NAME_USAGE}"
                    )
                };
                errors.push(format_err!(expr, message));
            }
            RawArg::Named { key, value } if key == "budget" => {
                let parsed = match validate_budget(&value) {
                    Ok(bytes) => Some(bytes),
                    Err(err) => {
                        errors.push(err);
                        None
                    }
                };
                if budget.is_some() {
                    errors.push(format_err!(
                        key,
                        "duplicate `budget`: #[alloc_tag] takes one budget; remove this one"
                    ));
                } else {
                    budget = Some((key, parsed));
                }
            }
            RawArg::Named { key, .. } => errors.push(format_err!(
                key,
                format!(
                    "unknown argument `{key}`: #[alloc_tag] accepts a tag name and \
                     `budget = ...`, {NAME_USAGE}"
                )
            )),
        }
    }
    if !saw_name {
        errors.push(syn::Error::new(
            Span::call_site(),
            format!("#[alloc_tag] needs a tag name as its first argument, {NAME_USAGE}"),
        ));
    }
    errors.finish()?;
    let Some(name) = name else {
        // Unreachable: a missing or invalid name always pushed an error above.
        return Err(syn::Error::new(
            Span::call_site(),
            "#[alloc_tag] needs a tag name",
        ));
    };
    Ok(Tag {
        name,
        budget: budget.and_then(|(_, bytes)| bytes),
    })
}

/// The literal inside `expr`, looking through the invisible groups `macro_rules!` adds.
fn literal(expr: &Expr) -> Option<&Lit> {
    match expr {
        Expr::Lit(lit) if lit.attrs.is_empty() => Some(&lit.lit),
        Expr::Group(group) => literal(&group.expr),
        _ => None,
    }
}

fn validate_name(expr: &Expr) -> syn::Result<LitStr> {
    let Some(Lit::Str(lit)) = literal(expr) else {
        let example = match expr {
            Expr::Path(path) => path.path.get_ident().map(ToString::to_string),
            _ => None,
        };
        bail!(
            expr,
            "the tag name must be a string literal (it is registered at compile time, so a \
             constant or expression cannot be used): {}",
            match example {
                Some(id) => format!("did you mean `#[alloc_tag(\"{id}\")]`?"),
                None => "e.g. `#[alloc_tag(\"physics\")]`".to_owned(),
            }
        );
    };
    if !lit.suffix().is_empty() {
        bail!(
            lit,
            "the tag name must be a plain string literal, without a suffix"
        );
    }
    let value = lit.value();
    if value.trim().is_empty() {
        bail!(
            lit,
            "the tag name must not be empty: name the subsystem the allocations belong to, \
             e.g. `#[alloc_tag(\"physics\")]`"
        );
    }
    if value == UNTAGGED {
        bail!(
            lit,
            "the tag name \"untagged\" is reserved for allocations made outside any tag; \
             choose another name"
        );
    }
    Ok(lit.clone())
}

fn validate_budget(value: &Expr) -> syn::Result<u64> {
    match literal(value) {
        Some(Lit::Int(int)) => {
            if !matches!(int.suffix(), "" | "u64" | "usize") {
                bail!(
                    int,
                    "a budget is a number of bytes: write it without the `{}` suffix, or as \
                     a string such as \"8 MiB\"",
                    int.suffix()
                );
            }
            int.base10_parse::<u64>().map_err(|_| {
                format_err!(int, "budget {} does not fit in a u64 number of bytes", int)
            })
        }
        Some(Lit::Str(text)) => {
            args::parse_budget_str(&text.value()).map_err(|msg| format_err!(text, msg))
        }
        _ => bail!(
            value,
            "a budget must be an integer literal of bytes (`budget = 8388608`) or a string \
             \"<integer> <unit>\" with unit B, KB, MB, GB (x1000) or KiB, MiB, GiB (x1024), \
             e.g. `budget = \"8 MiB\"`"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn tag(args: TokenStream) -> syn::Result<Tag> {
        syn::parse2::<RawArgs>(args).and_then(validate_args)
    }

    fn messages(args: TokenStream) -> Vec<String> {
        match tag(args) {
            Ok(_) => Vec::new(),
            Err(err) => err.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn names_and_budgets() {
        let t = tag(quote!("physics")).unwrap();
        assert_eq!((t.name.value(), t.budget), ("physics".to_owned(), None));
        let t = tag(quote!("physics", budget = "8 MiB")).unwrap();
        assert_eq!(t.budget, Some(8_388_608));
        let t = tag(quote!("render", budget = 8388608,)).unwrap();
        assert_eq!(
            (t.name.value(), t.budget),
            ("render".to_owned(), Some(8_388_608))
        );
        let t = tag(quote!("ai", budget = 0u64)).unwrap();
        assert_eq!(t.budget, Some(0));
        let t = tag(quote!("ai", budget = "0 MiB")).unwrap();
        assert_eq!(t.budget, Some(0));
    }

    #[test]
    fn bad_names() {
        for (args, needle) in [
            (quote!(), "needs a tag name"),
            (quote!(budget = 1), "needs a tag name"),
            (quote!(""), "must not be empty"),
            (quote!("  "), "must not be empty"),
            (quote!(physics), "did you mean `#[alloc_tag(\"physics\")]`?"),
            (quote!(42), "must be a string literal"),
            (quote!(b"physics"), "must be a string literal"),
            (quote!(NAME.to_string()), "must be a string literal"),
            (quote!("physics"x), "without a suffix"),
            (quote!("untagged"), "reserved"),
        ] {
            let all = messages(args.clone());
            assert!(all.iter().any(|m| m.contains(needle)), "{args}: {all:?}");
        }
    }

    #[test]
    fn bad_budgets_and_keys() {
        for (args, needle) in [
            (quote!("p", budget = "1.5 MiB"), "write \"1536 KiB\""),
            (quote!("p", budget = "8 mb"), "case-sensitive"),
            (quote!("p", budget = ""), "invalid budget"),
            (quote!("p", budget = -1), "must be an integer literal"),
            (quote!("p", budget = 1.5), "must be an integer literal"),
            (quote!("p", budget = SIZE), "must be an integer literal"),
            (quote!("p", budget = 8u8), "without the `u8` suffix"),
            (quote!("p", budget = 18446744073709551616), "does not fit"),
            (quote!("p", budget = 1, budget = 2), "duplicate `budget`"),
            (quote!("p", limit = 1), "unknown argument `limit`"),
            (quote!("p", "8 MiB"), "name it: `budget = \"8 MiB\"`"),
            (quote!("p", budget =), "expected a value after `budget =`"),
            (quote!("p" budget), "expected `,`"),
        ] {
            let all = messages(args.clone());
            assert!(all.iter().any(|m| m.contains(needle)), "{args}: {all:?}");
        }
    }

    #[test]
    fn every_argument_error_is_reported_at_once() {
        let all = messages(quote!("", budget = "8 mb", colour = 1, budget = 2));
        assert_eq!(all.len(), 4, "{all:?}");
    }

    #[test]
    fn function_shapes() {
        let check = |item: TokenStream| {
            parse_and_validate(quote!("p"), item)
                .err()
                .map(|e| e.into_iter().map(|e| e.to_string()).collect::<Vec<_>>())
                .unwrap_or_default()
        };
        assert!(
            check(quote!(
                fn f() {}
            ))
            .is_empty()
        );
        assert!(
            check(quote!(
                pub fn f<T: Clone>(x: &T) -> Result<T, E> {
                    Ok(x.clone())
                }
            ))
            .is_empty()
        );
        let all = check(quote!(
            const async fn f() {}
        ));
        assert_eq!(all.len(), 2, "{all:?}");
        assert!(all.iter().any(|m| m.contains("does not support async fn")));
        assert!(all.iter().any(|m| m.contains("const fn")));
        let all = check(quote!(
            struct S;
        ));
        assert!(all[0].contains("not to a struct"), "{all:?}");
        let all = check(quote!(
            fn f();
        ));
        assert!(all[0].contains("needs a function body"), "{all:?}");
        // Item and argument errors together.
        let all = parse_and_validate(
            quote!(""),
            quote!(
                async fn f() {}
            ),
        )
        .err()
        .map(|e| e.into_iter().count());
        assert_eq!(all, Some(2));
    }

    #[test]
    fn expansion_keeps_the_signature_and_uses_absolute_paths() {
        let out = alloc_tag(
            quote!("physics", budget = "8 MiB"),
            quote!(
                pub fn step<T>(x: T) -> T {
                    #![allow(unused)]
                    x
                }
            ),
        )
        .to_string();
        assert!(
            out.starts_with("pub fn step < T > (x : T) -> T { # ! [allow (unused)]"),
            "{out}"
        );
        assert!(out.contains("StaticTag :: new (\"physics\")"), "{out}");
        assert!(
            out.contains("budget : :: core :: option :: Option :: Some (8388608u64)"),
            "{out}"
        );
        assert!(out.contains("__FRAMEALLOC_TAG . push ()"), "{out}");
        assert!(out.ends_with("} ; x }"), "{out}");
        for path in ["StaticTag", "TagInfo", "inventory"] {
            assert!(
                out.contains(&format!(":: framealloc :: __private :: {path}")),
                "{out}"
            );
        }
        // On error: the message and the item unchanged, so callers see no follow-up errors.
        let out = alloc_tag(
            quote!(""),
            quote!(
                fn f() {}
            ),
        )
        .to_string();
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.ends_with("fn f () { }"), "{out}");
    }
}
