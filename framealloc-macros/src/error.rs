//! Small helpers over [`syn::Error`], after pin-project-internal's `error.rs`.

/// Builds a [`syn::Error`] spanned to the given tokens, with a `format!` message.
macro_rules! format_err {
    ($span:expr, $msg:expr $(,)?) => {
        ::syn::Error::new_spanned(&$span, $msg)
    };
    ($span:expr, $($tt:tt)*) => {
        format_err!($span, format!($($tt)*))
    };
}

/// Returns early with a [`syn::Error`] spanned to the given tokens.
macro_rules! bail {
    ($($tt:tt)*) => {
        return Err(format_err!($($tt)*))
    };
}

/// Collects several errors into one, so the user sees all of them in one build.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// `Ok(())` when nothing was pushed, else every pushed error at once.
    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}
