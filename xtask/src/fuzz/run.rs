//! Running one target: `cargo fuzz run` for so many seconds on one job, its output logged to
//! `fuzz/target/logs/TARGET.log` and read back into a summary.

use super::summary::{crash_input, parse, Summary};
use super::{corpus_dir, TARGETS};
use std::fs;
use std::process::{Command, Stdio};

pub(super) fn run(target: &str, seconds: u32) -> Result<Summary, String> {
    let root = crate::root();
    let corpus = corpus_dir(target);
    let logs = root.join("fuzz/target/logs");
    fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
    let log_path = logs.join(format!("{target}.log"));
    let log = fs::File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    let args = [
        "+nightly".to_string(),
        "fuzz".into(),
        "run".into(),
        target.into(),
        corpus.display().to_string(),
        "--".into(),
        format!("-max_total_time={seconds}"),
        format!("-dict={}", root.join("fuzz/wire.dict").display()),
        // A single input running this long is a finding too.
        "-timeout=10".into(),
        "-print_final_stats=1".into(),
    ];
    eprintln!("xtask: $ cargo {} (log: {})", args.join(" "), log_path.display());
    let status = Command::new("cargo")
        .args(&args)
        .current_dir(&root)
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cargo fuzz: {e}"))?;
    let output = fs::read(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    let output = String::from_utf8_lossy(&output);
    let target = TARGETS.iter().find(|t| **t == target).expect("a known target");
    let mut summary = parse(target, seconds, &output);
    summary.corpus_files = fs::read_dir(&corpus).map_or(0, |d| d.count());
    summary.crashed = !status.success();
    summary.detail = crash_input(&output).unwrap_or_else(|| format!("(see {})", log_path.display()));
    if summary.crashed && summary.cov.is_none() {
        return Err(format!("{target} did not run ({status}): see {}", log_path.display()));
    }
    Ok(summary)
}
