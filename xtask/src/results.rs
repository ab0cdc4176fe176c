//! Measurements read back from disk: criterion's `<criterion>/<group>/<function>/new/estimates.json` (the
//! median) and `benchmark.json` (what one iteration handles), and the JSON the other measuring programs write
//! into `target/bench-results/`.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

/// What one iteration of a benchmark handles, as criterion's `Throughput` records it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Throughput {
    Bytes(f64),
    Elements(f64),
}

/// One criterion function's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    /// Median time of one iteration.
    pub median_ns: f64,
    pub throughput: Option<Throughput>,
    /// Written by this run (false: left over from an earlier one).
    pub fresh: bool,
}

impl Timing {
    /// Bytes or elements per second, or iterations per second when the benchmark counts neither. Comparing
    /// rates rather than times keeps a ratio right when the two sides do different amounts per iteration.
    pub fn rate(&self) -> f64 {
        let amount = match self.throughput {
            Some(Throughput::Bytes(n) | Throughput::Elements(n)) => n,
            None => 1.0,
        };
        amount / (self.median_ns * 1e-9)
    }
}

/// Latency percentiles of one function, from `bench-results/<group>.json`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentiles {
    pub p50_ns: f64,
    pub p99_ns: f64,
}

/// What `peer-memory` measured: resident memory per idle handshaked peer.
#[derive(Debug, Clone, PartialEq)]
pub struct Memory {
    pub peers: u64,
    pub coinpeer_bytes_per_peer: f64,
    pub bare_bytes_per_peer: f64,
    pub fresh: bool,
}

/// Where the measurements are, and when this run started (older files are from earlier runs).
pub struct Results {
    criterion: PathBuf,
    bench_results: PathBuf,
    since: SystemTime,
}

impl Results {
    /// The results under `target`: `target/criterion` and `target/bench-results`.
    pub fn new(target: &Path, since: SystemTime) -> Self {
        Results {
            criterion: target.join("criterion"),
            bench_results: target.join("bench-results"),
            since,
        }
    }

    /// The result of `group`/`function`, if criterion wrote one.
    pub fn timing(&self, group: &str, function: &str) -> Option<Timing> {
        timing_in(&self.criterion.join(group).join(function), self.since)
    }

    /// The results of a parameterised function (`BenchmarkId::new(function, parameter)`), by numeric
    /// parameter, smallest first.
    pub fn series(&self, group: &str, function: &str) -> Vec<(u64, Timing)> {
        let Ok(entries) = fs::read_dir(self.criterion.join(group).join(function)) else {
            return Vec::new();
        };
        let mut series: Vec<(u64, Timing)> = entries
            .flatten()
            .filter_map(|entry| {
                let parameter = entry.file_name().to_str()?.parse().ok()?;
                Some((parameter, timing_in(&entry.path(), self.since)?))
            })
            .collect();
        series.sort_by_key(|&(parameter, _)| parameter);
        series
    }

    /// The percentiles a runtime bench wrote beside criterion's results, if any.
    pub fn percentiles(&self, group: &str, function: &str) -> Option<Percentiles> {
        let (json, _) = read_json(&self.bench_results.join(format!("{group}.json")), self.since)?;
        let of = |field: &str| json.get(function)?.get(field)?.as_f64();
        Some(Percentiles {
            p50_ns: of("p50_ns")?,
            p99_ns: of("p99_ns")?,
        })
    }

    pub fn memory(&self) -> Option<Memory> {
        let (json, fresh) = read_json(&self.memory_path(), self.since)?;
        Some(Memory {
            peers: json.get("peers")?.as_u64()?,
            coinpeer_bytes_per_peer: json.get("coinpeer_bytes_per_peer")?.as_f64()?,
            bare_bytes_per_peer: json.get("bare_bytes_per_peer")?.as_f64()?,
            fresh,
        })
    }

    /// Where `peer-memory` is asked to write.
    pub fn memory_path(&self) -> PathBuf {
        self.bench_results.join("memory.json")
    }
}

/// A criterion function's result from its directory.
fn timing_in(dir: &Path, since: SystemTime) -> Option<Timing> {
    let (estimates, fresh) = read_json(&dir.join("new/estimates.json"), since)?;
    let (benchmark, _) = read_json(&dir.join("new/benchmark.json"), since)?;
    Some(Timing {
        median_ns: estimates.pointer("/median/point_estimate")?.as_f64()?,
        throughput: throughput(benchmark.get("throughput")?),
        fresh,
    })
}

/// Criterion writes `{"Bytes": n}`, `{"BytesDecimal": n}`, `{"Elements": n}` or `null`.
fn throughput(json: &Value) -> Option<Throughput> {
    let (unit, amount) = json.as_object()?.iter().next()?;
    let amount = amount.as_f64()?;
    match unit.as_str() {
        "Bytes" | "BytesDecimal" => Some(Throughput::Bytes(amount)),
        "Elements" => Some(Throughput::Elements(amount)),
        _ => None,
    }
}

/// A JSON file and whether it was written since `since`; `None` if it is missing or unreadable.
fn read_json(path: &Path, since: SystemTime) -> Option<(Value, bool)> {
    let text = fs::read_to_string(path).ok()?;
    let modified = fs::metadata(path).and_then(|m| m.modified()).ok()?;
    Some((serde_json::from_str(&text).ok()?, modified >= since))
}
