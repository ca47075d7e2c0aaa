//! trybuild cases live in `fail/` and `pass/`.
