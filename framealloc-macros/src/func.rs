//! The function an attribute macro rewrites, shared by `#[frame_scope]` and `#[alloc_tag]`.
//!
//! The body is kept as raw tokens, so a syntax error in it is reported by rustc at the
//! user's own line instead of by the macro.

use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Attribute, Item, Signature, Token, Visibility, braced};

/// A function or method with a body, kept as tokens so the body needs not parse.
pub(crate) struct FnItem {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) default: Option<Token![default]>,
    pub(crate) sig: Signature,
    pub(crate) brace_span: Span,
    /// The body's inner attributes (`#![allow(..)]`), which must stay first.
    pub(crate) inner_attrs: Vec<Attribute>,
    pub(crate) body: TokenStream,
}

/// Which attribute is parsing, for its error messages.
#[derive(Clone, Copy)]
pub(crate) struct AttrName {
    /// `frame_scope`, `alloc_tag`.
    pub(crate) name: &'static str,
    /// Why it needs a body, e.g. "it opens a frame for the body's duration".
    pub(crate) needs_body: &'static str,
}

impl FnItem {
    fn parse(input: ParseStream<'_>, attr: AttrName) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let default: Option<Token![default]> = input.parse()?;
        let sig: Signature = input.parse()?;
        if input.peek(Token![;]) {
            return Err(syn::Error::new(
                input.span(),
                format!(
                    "#[{}] needs a function body: {}; put it on the implementation, not on \
                     the declaration",
                    attr.name, attr.needs_body
                ),
            ));
        }
        let content;
        let brace = braced!(content in input);
        let inner_attrs = content.call(Attribute::parse_inner)?;
        let body: TokenStream = content.parse()?;
        Ok(Self {
            attrs,
            vis,
            default,
            sig,
            brace_span: brace.span.join(),
            inner_attrs,
            body,
        })
    }
}

/// Parses the item the attribute was put on, with a helpful error for non-fn items.
pub(crate) fn parse_item(item: TokenStream, attr: AttrName) -> syn::Result<FnItem> {
    (|input: ParseStream<'_>| FnItem::parse(input, attr))
        .parse2(item.clone())
        .map_err(|fn_err| {
            let Ok(parsed) = syn::parse2::<Item>(item) else {
                return fn_err;
            };
            let (span, what) = match &parsed {
                Item::Struct(s) => (s.struct_token.span.join(s.ident.span()), "a struct"),
                Item::Enum(e) => (e.enum_token.span.join(e.ident.span()), "an enum"),
                Item::Union(u) => (u.union_token.span.join(u.ident.span()), "a union"),
                Item::Impl(i) => (
                    Some(i.impl_token.span),
                    "an impl block; put it on the methods inside",
                ),
                Item::Trait(t) => (
                    Some(t.trait_token.span),
                    "a trait; put it on the method bodies",
                ),
                Item::Mod(m) => (Some(m.mod_token.span), "a module"),
                Item::Fn(_) | Item::Verbatim(_) => return fn_err,
                other => (Some(other.span()), "this item"),
            };
            syn::Error::new(
                span.unwrap_or_else(|| parsed.span()),
                format!(
                    "#[{}] can only be applied to functions and methods, not to {what}",
                    attr.name
                ),
            )
        })
}
