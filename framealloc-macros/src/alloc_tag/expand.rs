//! Pure expansion of a validated `#[alloc_tag]` function.

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use syn::Ident;

use super::Tag;
use crate::func::FnItem;

/// Re-emits the user's signature tokens unchanged and wraps the body:
///
/// ```text
/// { #![inner attrs]
///   let __framealloc_tag_guard = {
///       static __FRAMEALLOC_TAG: ::framealloc::__private::StaticTag =
///           ::framealloc::__private::StaticTag::new("name");
///       ::framealloc::__private::inventory::submit! {
///           ::framealloc::__private::TagInfo { name: "name", budget: .., line: line!(),
///               module_path: module_path!(), file: file!() }
///       }
///       __FRAMEALLOC_TAG.push()
///   };
///   <the body's own tokens> }
/// ```
///
/// The two items are not generic, so a generic fn still has one tag and one registration.
/// The guard is a local of the body, so `?`, early `return` and unwinding all pop the tag.
pub(crate) fn expand(func: &FnItem, tag: &Tag) -> TokenStream {
    let FnItem {
        attrs,
        vis,
        default,
        sig,
        brace_span,
        inner_attrs,
        body,
    } = func;
    let name = &tag.name;
    let budget = tag.budget.map_or_else(
        || quote!(::core::option::Option::None),
        |bytes| {
            let bytes = Literal::u64_suffixed(bytes);
            quote!(::core::option::Option::Some(#bytes))
        },
    );
    let guard = Ident::new("__framealloc_tag_guard", *brace_span);
    // `line!()` spanned to the fn's name: the registered line is the function's.
    let line = quote_spanned!(sig.ident.span()=> ::core::line!());
    // The items sit in a block of their own, first in it, so they never follow a statement
    // (`clippy::items_after_statements`) even when another attribute (`#[frame_scope]`)
    // wraps the body after us.
    let block = quote_spanned! {*brace_span=>
        {
            #(#inner_attrs)*
            let #guard = {
                static __FRAMEALLOC_TAG: ::framealloc::__private::StaticTag =
                    ::framealloc::__private::StaticTag::new(#name);
                ::framealloc::__private::inventory::submit! {
                    ::framealloc::__private::TagInfo {
                        name: #name,
                        budget: #budget,
                        module_path: ::core::module_path!(),
                        file: ::core::file!(),
                        line: #line,
                    }
                }
                __FRAMEALLOC_TAG.push()
            };
            #body
        }
    };
    quote! {
        #(#attrs)*
        #vis #default #sig #block
    }
}
