//! `#[fa_allow(FA101, reason = "..")]`: a marker for `cargo fa`, which reads it from the
//! source; the compiler sees the item unchanged. Only the arguments are checked here, so a
//! misspelt code fails the build instead of silently allowing nothing.

use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::{Ident, LitStr, Token};

pub(crate) fn fa_allow(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let parser = |input: ParseStream<'_>| -> syn::Result<()> {
        let (mut codes, mut reason) = (0usize, None::<LitStr>);
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            if input.peek(Token![=]) {
                if key != "reason" {
                    bail!(
                        key,
                        "unknown argument `{key}`: expected lint codes and `reason = \"..\"`"
                    );
                }
                if reason.is_some() {
                    bail!(key, "duplicate `reason`");
                }
                input.parse::<Token![=]>()?;
                let lit: LitStr = input.parse()?;
                if lit.value().trim().is_empty() {
                    bail!(lit, "the reason must not be empty");
                }
                reason = Some(lit);
            } else {
                let code = key.to_string();
                let digits = code.strip_prefix("FA").unwrap_or("");
                if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    bail!(
                        key,
                        "`{code}` is not a lint code: expected `FA` and three digits, e.g. `FA101` (`cargo fa --list`)"
                    );
                }
                codes += 1;
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        if codes == 0 {
            return Err(syn::Error::new(
                Span::call_site(),
                "expected at least one lint code, e.g. `#[fa_allow(FA101, reason = \"..\")]`",
            ));
        }
        Ok(())
    };
    parser.parse2(args)?;
    Ok(item)
}
