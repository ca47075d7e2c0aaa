//! `#[frame_scope]`: parse ([`args`]) → validate (here) → expand ([`expand`]).

mod args;
mod expand;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{FnArg, Ident, Pat, Type};

use crate::error::Errors;
use args::{Args, FrameFn};

/// Entry point: expands `#[frame_scope(args)]` on `item`.
pub(crate) fn frame_scope(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let func = args::parse_item(item.clone())?;
    let plan = syn::parse2::<Args>(args).and_then(|args| validate(&func, args));
    match plan {
        Ok(plan) => Ok(expand::expand(&func, &plan)),
        // No error cascade: emit the error *and* the function unchanged, so callers and the
        // body still type-check against the user's own signature (pin-project's dummy).
        Err(err) => {
            let mut out = err.into_compile_error();
            out.extend(item);
            Ok(out)
        }
    }
}

/// What the expansion opens the frame on, and which name (if any) it binds to the guard.
pub(crate) struct Plan {
    /// The allocator expression (`alloc`, `self.alloc`, `ctx.alloc`).
    pub(crate) allocator: TokenStream,
    /// Bound to `&Frame` for the body; `None` for the place form (`self.alloc`).
    pub(crate) binding: Option<Ident>,
}

/// Checks the function's shape and resolves where the frame is opened.
pub(crate) fn validate(func: &FrameFn, args: Args) -> syn::Result<Plan> {
    let mut errors = Errors::default();
    if let Some(asyncness) = &func.sig.asyncness {
        errors.push(format_err!(
            asyncness,
            "#[frame_scope] does not support async fn: a frame guard cannot be held across \
             .await (it is !Send); open `alloc.frame()` in a synchronous block inside the \
             async fn instead"
        ));
    }
    if let Some(constness) = &func.sig.constness {
        errors.push(format_err!(
            constness,
            "#[frame_scope] cannot be used on a const fn: opening a frame is a runtime \
             operation; remove `const` or open the frame in the caller"
        ));
    }
    let plan = match args {
        Args::Infer => find_allocator_param(func).map(|name| Plan {
            allocator: name.to_token_stream(),
            binding: Some(name),
        }),
        Args::Place(expr) => Ok(Plan {
            allocator: expr.into_token_stream(),
            binding: None,
        }),
        Args::Named { name, expr } => Ok(Plan {
            allocator: expr.into_token_stream(),
            binding: Some(name),
        }),
    };
    match (errors.finish(), plan) {
        (Ok(()), plan) => plan,
        (Err(mut errors), Err(err)) => {
            errors.combine(err);
            Err(errors)
        }
        (Err(errors), Ok(_)) => Err(errors),
    }
}

/// Finds the single parameter typed `&SmartAlloc` (or `&mut SmartAlloc`, `&Arc<SmartAlloc>`,
/// `&path::to::SmartAlloc`) and returns its binding.
pub(crate) fn find_allocator_param(func: &FrameFn) -> syn::Result<Ident> {
    let mut found = Vec::new();
    for arg in &func.sig.inputs {
        let FnArg::Typed(arg) = arg else { continue };
        if !is_allocator_ref(&arg.ty) {
            continue;
        }
        match &*arg.pat {
            Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                found.push(pat.ident.clone());
            }
            other => bail!(other, "{}", bind_a_name(other)),
        }
    }
    match found.as_slice() {
        [name] => Ok(name.clone()),
        [] => {
            near_miss(func)?;
            bail!(
                func.sig.ident,
                "#[frame_scope] needs an allocator: add a parameter `alloc: &SmartAlloc`, or \
                 name one with `#[frame_scope(self.alloc)]` or `#[frame_scope(frame = EXPR)]`"
            )
        }
        [_, second, ..] => bail!(
            second,
            "#[frame_scope] found several `SmartAlloc` parameters; choose one with \
             `#[frame_scope({})]`",
            found[0]
        ),
    }
}

/// The error for an allocator parameter bound to a pattern, naming the pattern.
fn bind_a_name(pat: &Pat) -> String {
    format!(
        "#[frame_scope] found the pattern `{}` where it needs the allocator parameter's \
         name: bind a name, e.g. `alloc: &SmartAlloc` (the macro shadows that name with the \
         frame guard), and destructure inside the body",
        tidy(&pat.to_token_stream())
    )
}

/// When no `&SmartAlloc` parameter was found: a parameter that takes the allocator by
/// value (`alloc: Arc<SmartAlloc>`), or a pattern whose type holds one
/// (`(alloc, n): (&SmartAlloc, u32)`), gets an error naming it and the fix.
fn near_miss(func: &FrameFn) -> syn::Result<()> {
    for arg in &func.sig.inputs {
        let FnArg::Typed(arg) = arg else { continue };
        let is_name = matches!(&*arg.pat, Pat::Ident(p) if p.subpat.is_none());
        if is_name && is_allocator(&arg.ty) {
            let ty = tidy(&arg.ty.to_token_stream());
            bail!(
                arg.ty,
                "#[frame_scope] found the allocator taken by value (`{0}`); take `&{0}` \
                 instead: the frame guard borrows the allocator",
                ty
            );
        }
        if !is_name && mentions_allocator(&arg.ty) {
            bail!(arg.pat, "{}", bind_a_name(&arg.pat));
        }
    }
    Ok(())
}

/// Token text without the spaces `to_string` puts around `<`, `>`, `::` and `&`.
fn tidy(tokens: &TokenStream) -> String {
    let text = tokens.to_string();
    let mut out = String::with_capacity(text.len());
    for (i, part) in text.split(' ').enumerate() {
        let prev = out.chars().last();
        let glue = matches!(prev, Some('<' | ':' | '&' | '(' | '[') | None)
            || part.starts_with(['<', '>', ':', ',', ')', ']'])
            || part.is_empty();
        if i > 0 && !glue {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

/// Whether `ty` holds an allocator anywhere (a tuple or array of them, a reference).
fn mentions_allocator(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) => mentions_allocator(&r.elem),
        Type::Paren(inner) => mentions_allocator(&inner.elem),
        Type::Group(inner) => mentions_allocator(&inner.elem),
        Type::Tuple(tuple) => tuple.elems.iter().any(mentions_allocator),
        Type::Array(array) => mentions_allocator(&array.elem),
        Type::Slice(slice) => mentions_allocator(&slice.elem),
        other => is_allocator(other),
    }
}

fn is_allocator_ref(ty: &Type) -> bool {
    match ty {
        Type::Reference(reference) => is_allocator(&reference.elem),
        Type::Paren(inner) => is_allocator_ref(&inner.elem),
        Type::Group(inner) => is_allocator_ref(&inner.elem),
        _ => false,
    }
}

/// `SmartAlloc`, `framealloc::SmartAlloc`, or `Arc`/`Rc`/`Box` of one.
fn is_allocator(ty: &Type) -> bool {
    match ty {
        Type::Path(path) if path.qself.is_none() => {
            let Some(last) = path.path.segments.last() else {
                return false;
            };
            if last.ident == "SmartAlloc" {
                return true;
            }
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return false;
            };
            ["Arc", "Rc", "Box"].iter().any(|w| last.ident == w)
                && args
                    .args
                    .iter()
                    .any(|arg| matches!(arg, syn::GenericArgument::Type(t) if is_allocator(t)))
        }
        Type::Paren(inner) => is_allocator(&inner.elem),
        Type::Group(inner) => is_allocator(&inner.elem),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn func(tokens: TokenStream) -> FrameFn {
        args::parse_item(tokens).unwrap_or_else(|e| panic!("{e}"))
    }

    fn plan(args: TokenStream, item: TokenStream) -> syn::Result<Plan> {
        validate(&func(item), syn::parse2(args)?)
    }

    #[test]
    fn finds_the_allocator_parameter() {
        for item in [
            quote!(
                fn f(x: u32, alloc: &SmartAlloc) {}
            ),
            quote!(
                fn f(&self, alloc: &framealloc::SmartAlloc) -> u8 {
                    0
                }
            ),
            quote!(
                fn f(alloc: &mut SmartAlloc) {}
            ),
            quote!(
                fn f<'a>(alloc: &'a Arc<SmartAlloc>) {}
            ),
            quote!(
                fn f(mut alloc: &std::sync::Arc<framealloc::SmartAlloc>) {}
            ),
        ] {
            let plan = plan(quote!(), item).unwrap();
            assert_eq!(plan.binding.unwrap(), "alloc");
            assert_eq!(plan.allocator.to_string(), "alloc");
        }
    }

    #[test]
    fn rejects_missing_and_ambiguous_allocators() {
        let err = plan(
            quote!(),
            quote!(
                fn f(x: u32) {}
            ),
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains("needs an allocator"), "{err}");
        let err = plan(
            quote!(),
            quote!(
                fn f(x: SmartAlloc) {}
            ),
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains("take `&SmartAlloc`"), "{err}");
        let err = plan(
            quote!(),
            quote!(
                fn f(a: &SmartAlloc, b: &SmartAlloc) {}
            ),
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains("#[frame_scope(a)]"), "{err}");
        let err = plan(
            quote!(),
            quote!(
                fn f((a, b): &SmartAlloc) {}
            ),
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains("bind a name"), "{err}");
        assert!(err.to_string().contains("`(a, b)`"), "{err}");
    }

    #[test]
    fn near_misses_name_what_was_found() {
        let err = plan(
            quote!(),
            quote!(
                fn f(alloc: Arc<SmartAlloc>) {}
            ),
        )
        .err()
        .unwrap();
        let text = err.to_string();
        assert!(
            text.contains("taken by value (`Arc<SmartAlloc>`)"),
            "{text}"
        );
        assert!(text.contains("take `&Arc<SmartAlloc>`"), "{text}");
        let err = plan(
            quote!(),
            quote!(
                fn f((alloc, n): (&SmartAlloc, u32)) {}
            ),
        )
        .err()
        .unwrap();
        let text = err.to_string();
        assert!(text.contains("found the pattern `(alloc, n)`"), "{text}");
        assert!(text.contains("bind a name"), "{text}");
    }

    #[test]
    fn rejects_async_and_const_together() {
        let err = plan(
            quote!(),
            quote!(
                const async fn f(alloc: &SmartAlloc) {}
            ),
        )
        .err()
        .unwrap();
        let messages: Vec<String> = err.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages
                .iter()
                .any(|m| m.contains("does not support async fn"))
        );
        assert!(messages.iter().any(|m| m.contains("const fn")));
    }

    #[test]
    fn explicit_arguments() {
        let p = plan(
            quote!(self.alloc),
            quote!(
                fn f(&self) {}
            ),
        )
        .unwrap();
        assert!(p.binding.is_none());
        assert_eq!(p.allocator.to_string(), "self . alloc");
        let p = plan(
            quote!(frame = ctx.alloc),
            quote!(
                fn f(ctx: &Ctx) {}
            ),
        )
        .unwrap();
        assert_eq!(p.binding.unwrap(), "frame");
        let p = plan(
            quote!(a2),
            quote!(
                fn f(a1: &SmartAlloc, a2: &SmartAlloc) {}
            ),
        )
        .unwrap();
        assert_eq!(p.binding.unwrap(), "a2");
    }

    #[test]
    fn bad_arguments_are_errors_not_panics() {
        for args in [
            quote!(1),
            quote!(a, b),
            quote!(frame =),
            quote!(= x),
            quote!(budget = "1 MB"),
        ] {
            assert!(syn::parse2::<Args>(args.clone()).is_err(), "{args}");
        }
    }

    #[test]
    fn non_fn_items_are_named_in_the_error() {
        let err = args::parse_item(quote!(
            struct S {
                x: u8,
            }
        ))
        .err()
        .unwrap();
        assert!(err.to_string().contains("not to a struct"), "{err}");
        let err = args::parse_item(quote!(
            fn f(alloc: &SmartAlloc);
        ))
        .err()
        .unwrap();
        assert!(err.to_string().contains("needs a function body"), "{err}");
    }
}
