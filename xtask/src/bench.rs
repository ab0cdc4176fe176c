//! `cargo xtask bench [--quick] [FILTER]`: the root package's criterion benches, the memory measurement, then
//! `target/bench-report.md` and `target/bench-report.svg`.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use crate::results::Results;
use crate::{plot, report, root, run, run_command};

/// Criterion settings for the ~80 functions: `--quick` runs often and finishes in under 3 minutes (about 1.3 s a
/// function), the full run in under 15 (about 5 s a function).
const QUICK: &str = "--warm-up-time 0.3 --measurement-time 0.8 --sample-size 10 --nresamples 10000";
const FULL: &str = "--warm-up-time 1 --measurement-time 4";

/// What FILTER has to match for the memory measurement (not a criterion bench) to run.
const MEMORY: &str = "peer-memory";

pub fn bench(args: &[&str]) -> Result<(), String> {
    let (mut quick, mut soft_sha, mut filter) = (false, false, None);
    for arg in args {
        match *arg {
            "--quick" => quick = true,
            "--soft-sha" => soft_sha = true,
            f if filter.is_none() && !f.starts_with("--") => filter = Some(f),
            _ => return Err("usage: cargo xtask bench [--quick] [--soft-sha] [FILTER]".into()),
        }
    }
    let settings = if quick { QUICK } else { FULL };
    let target = match soft_sha {
        false => root().join("target"),
        true => root().join("target").join(SOFT_SHA_TARGET),
    };
    let results = Results::new(&target, SystemTime::now());

    // Every step runs even when one fails, so that the report shows whatever was measured; the first failure
    // is returned after it is written.
    let benches = run_criterion(settings, filter, soft_sha.then_some(&target));
    let memory = match filter {
        // Hashing plays no part in an idle peer's memory.
        _ if soft_sha => Ok(()),
        Some(f) if !MEMORY.contains(f) => Ok(()),
        _ => run_memory(&results),
    };
    let report = write_report(&target, &results, &header(settings, filter, soft_sha));
    benches.and(memory).and(report)
}

/// Where `--soft-sha` builds and keeps its results, under `target/`: apart, so that neither run's figures
/// pass for the other's.
const SOFT_SHA_TARGET: &str = "soft-sha";

/// Runs the criterion benches; with `soft_sha` (its target directory), only the runtime's, on `sha2`'s
/// software SHA-256, as on a CPU without the SHA extensions. The codec figures are left out then: their
/// `bitcoin` baseline hashes with `bitcoin_hashes`, which would still use the extensions.
fn run_criterion(settings: &str, filter: Option<&str>, soft_sha: Option<&Path>) -> Result<(), String> {
    // Every bench target by name, and only those: the library's test harness would refuse criterion's flags
    // (`--benches` would include it, as the library has `bench = true`).
    let mut args = match soft_sha {
        None => vec!["bench", "--package", "coinpeer", "--bench", "*", "--"],
        Some(_) => vec![
            "bench",
            "--package",
            "coinpeer",
            "--bench",
            "runtime",
            "--features",
            "sha2/force-soft",
            "--",
        ],
    };
    args.extend(settings.split(' '));
    args.extend(filter);
    let mut cargo = Command::new("cargo");
    if let Some(target) = soft_sha {
        cargo.env("CARGO_TARGET_DIR", target);
    }
    run_command(cargo.args(&args).current_dir(root()))
}

fn run_memory(results: &Results) -> Result<(), String> {
    let out = results.memory_path();
    let dir = out.parent().expect("a file in a directory");
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let out = out.to_str().ok_or("target directory path is not UTF-8")?;
    let args = [
        "run",
        "--release",
        "--package",
        "xtask",
        "--bin",
        MEMORY,
        "--",
        "--out",
        out,
    ];
    run("cargo", &args).map_err(|e| format!("{e}; the report shows memory as not measured"))
}

fn write_report(target: &Path, results: &Results, header: &[String]) -> Result<(), String> {
    let md = target.join("bench-report.md");
    let svg = target.join("bench-report.svg");
    fs::write(&md, report::markdown(results, header)).map_err(|e| format!("{}: {e}", md.display()))?;
    plot::write_svg(results, &svg)?;
    eprintln!("xtask: wrote {} and {}", md.display(), svg.display());
    Ok(())
}

/// Which run, on which machine: what a reader needs before comparing the figures with another report.
fn header(settings: &str, filter: Option<&str>, soft_sha: bool) -> Vec<String> {
    let (cpu, sha_ni) = cpu();
    let commit = output("git", &["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty = output("git", &["status", "--porcelain"]).is_some_and(|s| !s.is_empty());
    let hash_note = if soft_sha {
        "not used: `--soft-sha` forced `sha2`'s software SHA-256 on both sides, as on a CPU without them; only \
         the runtime figures were run (the codec's `bitcoin` baseline would still use the extensions)"
    } else if sha_ni {
        "double SHA-256 runs on them (in both `sha2` and `bitcoin_hashes`), several times faster than without, \
         so decoding weighs more in the receive figures"
    } else {
        "double SHA-256 runs in software, so the hash dominates the receive figures"
    };
    vec![
        format!(
            "Finished {}; criterion `{}`; FILTER {}",
            output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default(),
            settings,
            filter.map_or("none".into(), |f| format!("`{f}`")),
        ),
        format!("Commit {commit}{}", if dirty { " with local changes" } else { "" }),
        format!(
            "CPU {cpu}, {} logical CPUs; SHA extensions (sha_ni): {}: {hash_note}",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            if sha_ni { "yes" } else { "no" },
        ),
        output("rustc", &["--version"]).unwrap_or_default(),
    ]
}

/// The CPU model, and whether it has the SHA extensions.
fn cpu() -> (String, bool) {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |name: &str| {
        let line = cpuinfo.lines().find(|line| line.starts_with(name))?;
        Some(line.split_once(':')?.1.trim().to_string())
    };
    let model = field("model name").unwrap_or_else(|| "unknown".into());
    let sha_ni = field("flags").is_some_and(|flags| flags.split(' ').any(|f| f == "sha_ni"));
    (model, sha_ni)
}

/// A command's trimmed standard output, if it ran and succeeded.
fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).current_dir(root()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}
