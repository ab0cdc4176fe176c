//! Project automation, run as `cargo xtask <task>` (the cargo-xtask convention: plain Rust, no extra tools).

mod bench;
mod fuzz;
mod interop;
mod plot;
mod report;
mod results;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage: cargo xtask <task>
  test                   fmt check, clippy -D warnings, every test of the workspace
  bench [--quick] [--soft-sha] [FILTER]
                         benchmarks against their baselines (codec, caches, runtime, memory per peer), then
                         target/bench-report.md and .svg; FILTER is a criterion filter (`peer-memory`: memory);
                         --soft-sha: the runtime figures only, on software SHA-256 as on a CPU without SHA
                         extensions, into target/soft-sha/
  fuzz (TARGET | --all) SECONDS
                         run one cargo-fuzz target (nightly), or every one in turn, from a seed corpus built
                         from the test data; one line per target: exec/s, coverage, corpus size, crash or
                         not. Targets: stream_decoder_bitcoin, stream_decoder_decred, roundtrip_bitcoin,
                         roundtrip_decred, differential, handshake, connection
  soak [SECONDS]         1,000 peers in one process on 127.0.0.1 exchanging inventory, transactions and pings
                         for SECONDS (default 60); fails on a lost outcome, a task outliving its peer or RSS
                         growing over 5% after the warm-up; writes target/soak.svg
  interop                install Litecoin Core, Bitcoin SV and bcoin (cached in target/interop) and run the
                         interoperability suite against them on 127.0.0.1
  ci                     what .ci/run does on a fresh machine: install test prerequisites, `test`,
                         `soak 10`, `interop`";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["test"] => test(),
        ["bench", rest @ ..] => bench::bench(rest),
        ["fuzz", rest @ ..] => fuzz::fuzz(rest),
        ["soak"] => soak("60"),
        ["soak", seconds] => soak(seconds),
        ["interop"] => interop::interop(),
        ["ci"] => ci(),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

/// Runs a command in the workspace root, failing with its command line if it fails.
fn run(program: &str, args: &[&str]) -> Result<(), String> {
    run_in(&root(), program, args)
}

/// Runs a prepared command, showing it first; fails unless it succeeds.
fn run_command(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    eprintln!("xtask: $ {shown}");
    let status = command.status().map_err(|e| format!("{shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

fn run_in(dir: &Path, program: &str, args: &[&str]) -> Result<(), String> {
    run_command(Command::new(program).args(args).current_dir(dir))
}

fn test() -> Result<(), String> {
    run("cargo", &["fmt", "--all", "--", "--check"])?;
    run(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    run("cargo", &["test", "--workspace", "--all-features"])
}

fn soak(seconds: &str) -> Result<(), String> {
    run(
        "cargo",
        &["run", "--release", "--package", "xtask", "--bin", "soak", "--", seconds],
    )
}

fn ci() -> Result<(), String> {
    // The independent BLAKE-256 the differential test compares against; tests skip loudly without it, so CI
    // installs it to make sure they run.
    run(
        "python3",
        &[
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "blake256==0.1.1",
        ],
    )?;
    test()?;
    // The short soak: 1,000 peers under load for 10 s, then every outcome, task and byte accounted for.
    soak("10")?;
    // Last, so that the run ends with the summary of the suite against real nodes.
    interop::interop()
}
