//! Parsing of `#[frame_scope(..)]` arguments and of the function it is applied to.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, Item, Signature, Token, Visibility, braced};

/// Where the frame is opened.
pub(crate) enum Args {
    /// `#[frame_scope]`: the `&SmartAlloc` parameter, found in the signature.
    Infer,
    /// `#[frame_scope(self.alloc)]`: open on a place expression; nothing is shadowed.
    /// A bare identifier (`#[frame_scope(alloc)]`) is treated as `alloc = alloc`.
    Place(Expr),
    /// `#[frame_scope(NAME = EXPR)]`: open on `EXPR`, bind `NAME` to `&Frame`.
    Named { name: Ident, expr: Expr },
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Ok(Self::Infer);
        }
        let args = if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            let name: Ident = input.parse()?;
            let eq: Token![=] = input.parse()?;
            if input.is_empty() {
                return Err(syn::Error::new(
                    eq.span,
                    format!(
                        "expected an allocator expression after `{name} =`, e.g. `{name} = self.alloc`"
                    ),
                ));
            }
            let expr = parse_allocator_expr(input)?;
            Self::Named { name, expr }
        } else {
            let expr = parse_allocator_expr(input)?;
            match bare_ident(&expr) {
                Some(name) if name != "self" => Self::Named { name, expr },
                _ => Self::Place(expr),
            }
        };
        if !input.is_empty() {
            return Err(input.error(
                "unexpected tokens after the allocator: expected `#[frame_scope]`, \
                 `#[frame_scope(self.alloc)]` or `#[frame_scope(NAME = EXPR)]`",
            ));
        }
        Ok(args)
    }
}

const EXPECTED_ALLOCATOR: &str = "expected an allocator expression such as `self.alloc` or \
     `alloc = ctx.alloc`; `#[frame_scope]` accepts no other arguments";

fn parse_allocator_expr(input: ParseStream<'_>) -> syn::Result<Expr> {
    if input.is_empty() {
        return Err(input.error(EXPECTED_ALLOCATOR));
    }
    let expr: Expr = input
        .parse()
        .map_err(|e| syn::Error::new(e.span(), EXPECTED_ALLOCATOR))?;
    match &expr {
        Expr::Path(_)
        | Expr::Field(_)
        | Expr::Index(_)
        | Expr::Unary(_)
        | Expr::Paren(_)
        | Expr::MethodCall(_)
        | Expr::Call(_) => Ok(expr),
        _ => Err(syn::Error::new_spanned(expr, EXPECTED_ALLOCATOR)),
    }
}

fn bare_ident(expr: &Expr) -> Option<Ident> {
    match expr {
        Expr::Path(path) if path.qself.is_none() && path.attrs.is_empty() => {
            path.path.get_ident().cloned()
        }
        _ => None,
    }
}

/// A function or method with a body, kept as tokens so the body needs not parse.
pub(crate) struct FrameFn {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) default: Option<Token![default]>,
    pub(crate) sig: Signature,
    pub(crate) brace_span: Span,
    /// The body's inner attributes (`#![allow(..)]`), which must stay first.
    pub(crate) inner_attrs: Vec<Attribute>,
    pub(crate) body: TokenStream,
}

impl Parse for FrameFn {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let default: Option<Token![default]> = input.parse()?;
        let sig: Signature = input.parse()?;
        if input.peek(Token![;]) {
            return Err(syn::Error::new(
                input.span(),
                "#[frame_scope] needs a function body: it opens a frame for the body's \
                 duration; put it on the implementation, not on the declaration",
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

/// Parses the item `#[frame_scope]` was put on, with a helpful error for non-fn items.
pub(crate) fn parse_item(item: TokenStream) -> syn::Result<FrameFn> {
    syn::parse2::<FrameFn>(item.clone()).map_err(|fn_err| {
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
            format!("#[frame_scope] can only be applied to functions and methods, not to {what}"),
        )
    })
}
