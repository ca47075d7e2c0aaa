//! `#[derive(FrameSafe)]`: parse → validate → expand.
//!
//! The generated `unsafe impl` is sound because of two compile-time checks emitted next to
//! it (`bytemuck_derive` and pin-project do the same):
//!
//! - one assertion per field, spanned to the field's type, that the type is `FrameSafe`
//!   (type parameters get a `FrameSafe` bound, so generic fields are checked at use);
//! - the pin-project "must not impl `Drop`" trick: a private trait with a blanket impl for
//!   every `T: Drop` and one impl for the derived type, so a user `Drop` impl on the type
//!   makes the two impls overlap (E0119).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, GenericParam, Generics, Type};

/// Entry point: expands `#[derive(FrameSafe)]` on `input`.
pub(crate) fn derive(input: TokenStream) -> syn::Result<TokenStream> {
    let input: DeriveInput = syn::parse2(input)?;
    let checked = validate(&input)?;
    Ok(expand(&checked))
}

/// The validated input: the type and every field type to assert on.
pub(crate) struct Checked<'a> {
    input: &'a DeriveInput,
    field_types: Vec<&'a Type>,
}

/// Rejects shapes the derive cannot check (unions) and collects the field types.
pub(crate) fn validate(input: &DeriveInput) -> syn::Result<Checked<'_>> {
    let field_types = match &input.data {
        Data::Struct(data) => fields(&data.fields).collect(),
        Data::Enum(data) => data
            .variants
            .iter()
            .flat_map(|v| fields(&v.fields))
            .collect(),
        Data::Union(data) => bail!(
            data.union_token,
            "`FrameSafe` cannot be derived for unions: the derive cannot tell which field is \
             live, so it cannot check that the value may be abandoned without running code; \
             if every field is `FrameSafe`, write `unsafe impl framealloc::FrameSafe for {} {{}}` \
             by hand with a `// SAFETY:` comment",
            input.ident,
        ),
    };
    Ok(Checked { input, field_types })
}

fn fields(fields: &Fields) -> impl Iterator<Item = &Type> {
    fields.iter().map(|field| &field.ty)
}

/// Adds `FrameSafe` to every type parameter (not lifetimes, not const parameters).
fn with_frame_safe_bounds(generics: &Generics) -> Generics {
    let mut generics = generics.clone();
    for param in &mut generics.params {
        if let GenericParam::Type(ty) = param {
            ty.bounds.push(syn::parse_quote!(::framealloc::FrameSafe));
        }
    }
    generics
}

/// Pure expansion: no error paths.
fn expand(checked: &Checked<'_>) -> TokenStream {
    let ident = &checked.input.ident;
    let generics = with_frame_safe_bounds(&checked.input.generics);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let (drop_impl_generics, drop_ty_generics, drop_where) =
        checked.input.generics.split_for_impl();

    // Spanned to the field's type so E0277 points at `name: String`, not at the derive.
    let assertions = checked.field_types.iter().map(|ty| {
        quote_spanned! {ty.span()=>
            __framealloc_assert_frame_safe::<#ty>();
        }
    });

    quote! {
        const _: () = {
            // Every field is asserted `FrameSafe` below and the type cannot implement `Drop`
            // (see `FrameSafeTypesMustNotImplementDrop`), which is the trait's contract.
            unsafe impl #impl_generics ::framealloc::FrameSafe for #ident #ty_generics
                #where_clause {}

            fn __framealloc_assert_frame_safe<T: ?::core::marker::Sized + ::framealloc::FrameSafe>() {}

            // A trait impl rather than a free fn, so field types may mention `Self`.
            #[allow(dead_code)]
            trait FrameSafeFieldAssertions {
                fn __framealloc_assert_fields();
            }
            impl #impl_generics FrameSafeFieldAssertions for #ident #ty_generics #where_clause {
                fn __framealloc_assert_fields() {
                    #(#assertions)*
                }
            }

            // pin-project's technique: if the type implements `Drop`, these two impls
            // overlap and the build fails with E0119 naming this trait.
            trait FrameSafeTypesMustNotImplementDrop {}
            #[allow(drop_bounds)]
            impl<T: ::core::ops::Drop> FrameSafeTypesMustNotImplementDrop for T {}
            impl #drop_impl_generics FrameSafeTypesMustNotImplementDrop for #ident #drop_ty_generics
                #drop_where {}
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_fields_of_every_shape() {
        let named: DeriveInput = syn::parse_quote!(
            struct A {
                x: u8,
                y: [f32; 3],
            }
        );
        assert_eq!(validate(&named).unwrap().field_types.len(), 2);
        let tuple: DeriveInput = syn::parse_quote!(
            struct B(u8, &'static str);
        );
        assert_eq!(validate(&tuple).unwrap().field_types.len(), 2);
        let unit: DeriveInput = syn::parse_quote!(
            struct C;
        );
        assert!(validate(&unit).unwrap().field_types.is_empty());
        let en: DeriveInput = syn::parse_quote!(
            enum D {
                A,
                B(u8),
                C { x: u16, y: u32 },
            }
        );
        assert_eq!(validate(&en).unwrap().field_types.len(), 3);
    }

    #[test]
    fn rejects_unions() {
        let input: DeriveInput = syn::parse_quote!(union U { a: u8, b: f32 });
        let err = validate(&input).err().unwrap().to_string();
        assert!(err.contains("cannot be derived for unions"), "{err}");
        assert!(
            err.contains("unsafe impl framealloc::FrameSafe for U"),
            "{err}"
        );
    }

    #[test]
    fn bounds_only_type_parameters() {
        let input: DeriveInput = syn::parse_quote!(
            struct G<'a, T: Copy, const N: usize> {
                x: &'a [T; N],
            }
        );
        let generics = with_frame_safe_bounds(&input.generics);
        let bounded = generics
            .params
            .iter()
            .map(|p| match p {
                GenericParam::Type(t) => t.bounds.len(),
                GenericParam::Lifetime(l) => l.bounds.len(),
                GenericParam::Const(_) => 0,
            })
            .collect::<Vec<_>>();
        assert_eq!(bounded, [0, 2, 0]);
    }

    #[test]
    fn expansion_mentions_only_absolute_paths() {
        let input: DeriveInput = syn::parse_quote!(
            struct A<T> {
                x: T,
            }
        );
        let out = expand(&validate(&input).unwrap()).to_string();
        assert!(out.contains(":: framealloc :: FrameSafe"), "{out}");
        assert!(
            out.contains("__framealloc_assert_frame_safe :: < T >"),
            "{out}"
        );
    }
}
