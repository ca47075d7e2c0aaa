//! Compile-time guarantees, checked with trybuild: every misuse the SPEC calls a compile
//! error has a case in `fail/` (one misuse per file, `.stderr` committed), every shape
//! that must keep compiling has one in `pass/`; the async ones using `framealloc::tokio`
//! are in `tokio/fail` and `tokio/pass`, run with `--features tokio`.
//!
//! Regenerate the expected output after a deliberate change with
//! `TRYBUILD=overwrite cargo test -p framealloc-ui-tests` and review the diff.
#![cfg(not(miri))]

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("fail/*/*.rs");
    t.pass("pass/*/*.rs");
    // Async cases on tokio's multi-thread runtime (`--features tokio`).
    #[cfg(feature = "tokio")]
    {
        t.compile_fail("tokio/fail/*.rs");
        t.pass("tokio/pass/*.rs");
    }
    // The rapier integration's cases need its feature (and rapier3d): they run in the
    // optional-feature run of `.ci/run`.
    #[cfg(feature = "rapier")]
    t.compile_fail("fail-rapier/*.rs");
}
