//! `cargo xtask fuzz`: the cargo-fuzz targets of `fuzz/`, each with a seed corpus built from the test data.
//!
//! `fuzz TARGET SECONDS` runs one target, `fuzz --all SECONDS` every target in turn; either ends with one line
//! per target: executions per second, coverage (libFuzzer's final `cov:` and `ft:`), corpus size and whether
//! it crashed. One job, one worker: the machine is shared.
//!
//! Before a run, the target's corpus (`fuzz/corpus/TARGET/`, ignored by git) receives seed inputs built from
//! `$COINPEER_TESTDATA` (real node conversations in `captures/`, blocks and transactions), written in the
//! target's own input format, which each target documents at its top (`fuzz/src/*.rs`). The test data itself
//! never enters the repository.
//!
//! The parts: `testdata` reads what the seeds are built from, `seeds` writes each target's seeds in its input
//! format, `run` runs a target and `summary` reads libFuzzer's output into the target's summary line.

mod run;
mod seeds;
mod summary;
mod testdata;

use run::run;
use std::path::PathBuf;
use std::process::Command;
use testdata::Seeds;

/// Every target, in the order `--all` runs them.
pub const TARGETS: &[&str] = &[
    "stream_decoder_bitcoin",
    "stream_decoder_decred",
    "roundtrip_bitcoin",
    "roundtrip_decred",
    "differential",
    "handshake",
    "connection",
];

/// The largest seed: bigger blocks only slow the fuzzer down.
const MAX_SEED: usize = 64 * 1024;

pub fn fuzz(args: &[&str]) -> Result<(), String> {
    let (targets, seconds): (Vec<&str>, &str) = match args {
        ["--all", seconds] => (TARGETS.to_vec(), seconds),
        [target, seconds] if TARGETS.contains(target) => (vec![*target], seconds),
        [target, _] => {
            return Err(format!(
                "unknown fuzz target {target:?}; targets: {}",
                TARGETS.join(", ")
            ))
        }
        _ => return Err("usage: cargo xtask fuzz (TARGET | --all) SECONDS".into()),
    };
    let seconds: u32 = seconds
        .parse()
        .map_err(|_| format!("SECONDS must be a number, not {seconds:?}"))?;
    ensure_cargo_fuzz()?;
    let seeds = Seeds::load();
    let mut lines = Vec::new();
    for target in targets {
        let written = seeds.write(target)?;
        eprintln!("xtask: fuzz {target} for {seconds} s ({written} seed inputs)");
        let summary = run(target, seconds)?;
        // Printed as each finishes, and all together at the end.
        println!("{summary}");
        lines.push(summary);
    }
    if lines.len() > 1 {
        println!("\nsummary:");
        for l in &lines {
            println!("{l}");
        }
    }
    match lines.iter().filter(|l| l.crashed).count() {
        0 => Ok(()),
        n => Err(format!("{n} target(s) crashed: see fuzz/artifacts/")),
    }
}

fn ensure_cargo_fuzz() -> Result<(), String> {
    let installed = Command::new("cargo")
        .args(["+nightly", "fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if installed {
        Ok(())
    } else {
        crate::run("cargo", &["install", "--locked", "cargo-fuzz"])
    }
}

fn corpus_dir(target: &str) -> PathBuf {
    crate::root().join("fuzz/corpus").join(target)
}
