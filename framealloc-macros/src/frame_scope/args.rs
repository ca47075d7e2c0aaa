//! Parsing of `#[frame_scope(..)]` arguments and of the function it is applied to.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Ident, Token};

use crate::func::AttrName;

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

/// The function `#[frame_scope]` rewrites.
pub(crate) use crate::func::FnItem as FrameFn;

/// Parses the item `#[frame_scope]` was put on, with a helpful error for non-fn items.
pub(crate) fn parse_item(item: TokenStream) -> syn::Result<FrameFn> {
    crate::func::parse_item(
        item,
        AttrName {
            name: "frame_scope",
            needs_body: "it opens a frame for the body's duration",
        },
    )
}
