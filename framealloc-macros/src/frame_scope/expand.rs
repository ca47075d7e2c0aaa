//! Pure expansion of a validated `#[frame_scope]` function.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Ident;

use super::Plan;
use super::args::FrameFn;

/// Re-emits the user's signature tokens unchanged and wraps the body:
///
/// ```text
/// { #![inner attrs]
///   let __framealloc_frame = ::framealloc::__private::SmartAlloc::frame(&ALLOC);
///   #[allow(unused_variables)] let alloc = &__framealloc_frame;
///   <the body's own tokens> }
/// ```
///
/// The guard is a local of the body, so `?`, early `return` and unwinding all drop it.
/// The outer braces keep the body's span, so the body's edition decides drop order: since
/// edition 2024, temporaries of the tail expression drop before the guard.
pub(crate) fn expand(func: &FrameFn, plan: &Plan) -> TokenStream {
    let FrameFn {
        attrs,
        vis,
        default,
        sig,
        brace_span,
        inner_attrs,
        body,
    } = func;
    // Spanned like the body, so the guard is an ordinary local of it; the `__framealloc_`
    // prefix keeps it out of the way of user names.
    let guard = Ident::new("__framealloc_frame", *brace_span);
    let allocator = &plan.allocator;
    let binding = plan.binding.as_ref().map(|name| {
        quote! {
            #[allow(unused_variables)]
            let #name = &#guard;
        }
    });
    let block = quote_spanned! {*brace_span=>
        {
            #(#inner_attrs)*
            let #guard = ::framealloc::__private::SmartAlloc::frame(&#allocator);
            #binding
            #body
        }
    };
    quote! {
        #(#attrs)*
        #vis #default #sig #block
    }
}
