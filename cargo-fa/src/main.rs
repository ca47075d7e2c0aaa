//! `cargo-fa`: run as `cargo fa [OPTIONS]`; see `cargo fa --help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // The analysis recurses over syntax trees; generated or machine-written files can nest
    // expressions thousands deep, so it runs on a thread with a large stack (reserved,
    // committed only as used). A panic is reported as a tool failure (exit 2), not a crash.
    let worker = std::thread::Builder::new()
        .name("cargo-fa".to_owned())
        .stack_size(256 << 20)
        .spawn(move || cargo_fa::cli::run(&args, &mut std::io::stdout(), &mut std::io::stderr()));
    let code = match worker.map(std::thread::JoinHandle::join) {
        Ok(Ok(code)) => code,
        Ok(Err(_)) => {
            eprintln!("error: cargo-fa failed internally (a bug: please report it with the input)");
            2
        }
        Err(e) => {
            eprintln!("error: cannot start the analysis thread: {e}");
            2
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(2))
}
