//! Unit tests of the report: ratios, goals, stale results and the chart, from scratch criterion results.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::*;

/// A scratch `target` directory, removed on drop.
struct Target(PathBuf);

impl Target {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("xtask-report-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Target(dir)
    }

    fn write(&self, path: &str, json: &str) {
        let path = self.0.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, json).unwrap();
    }

    /// A criterion result as criterion 0.5 writes it (the fields the report reads).
    fn timing(&self, id: &str, median_ns: f64, throughput: &str) {
        let estimates = format!(r#"{{"median":{{"point_estimate":{median_ns},"standard_error":1.0}}}}"#);
        self.write(&format!("criterion/{id}/new/estimates.json"), &estimates);
        let benchmark = format!(r#"{{"full_id":"{id}","throughput":{throughput}}}"#);
        self.write(&format!("criterion/{id}/new/benchmark.json"), &benchmark);
    }

    fn results(&self, since: SystemTime) -> Results {
        Results::new(&self.0, since)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn line<'a>(report: &'a str, id: &str) -> Vec<&'a str> {
    let needle = format!("| `{id}` |");
    report.lines().filter(|l| l.contains(&needle)).collect()
}

#[test]
fn ratios_goals_and_missing_figures() {
    let t = Target::new("ratios");
    let block = r#"{"Bytes":1381836}"#;
    t.timing("decode-block-1.38MB/coinpeer", 1.0e6, block);
    t.timing("decode-block-1.38MB/bitcoin", 4.0e6, block);
    t.timing("receive-block-1.38MB/coinpeer", 1.0e6, block);
    t.timing("receive-block-1.38MB/sha256d", 0.87e6, block);
    // Rates, not times: coinpeer moves twice the messages per iteration here.
    t.timing("runtime-inv1-throughput/coinpeer", 2.0e6, r#"{"Elements":2000}"#);
    t.timing("runtime-inv1-throughput/bare-tokio", 1.0e6, r#"{"Elements":1000}"#);
    t.timing("runtime-inv1-throughput/coinpeer-frame", 0.5e6, r#"{"Elements":1000}"#);
    t.timing("runtime-ping-rtt/coinpeer", 54_000.0, "null");
    t.timing("runtime-ping-rtt/bare-tokio", 30_000.0, "null");
    t.write(
        "bench-results/runtime-ping-rtt.json",
        r#"{"coinpeer":{"p50_ns":53000,"p99_ns":80000},"bare-tokio":{"p50_ns":29000,"p99_ns":41000}}"#,
    );
    t.write(
        "bench-results/memory.json",
        r#"{"peers":10000,"coinpeer_bytes_per_peer":18330,"bare_bytes_per_peer":920}"#,
    );
    let report = markdown(&t.results(SystemTime::UNIX_EPOCH), &["a header line".into()]);

    assert!(report.contains("- a header line\n"));
    let decode = line(&report, "decode-block-1.38MB");
    assert!(
        decode[0].contains(
            "| 1.00 ms · 1.38 GB/s | bitcoin: 4.00 ms · 345 MB/s | 4.00 | ratio ≥ 3.00 | met (1.33x to spare) |"
        ),
        "{decode:?}"
    );
    assert!(line(&report, "receive-block-1.38MB")[0].contains("| 0.870 | ratio ≥ 0.90 | **missed** by 3.4% |"));
    assert!(line(&report, "runtime-inv1-throughput")[0].contains("| 1.00 | ratio ≥ 0.80 | met (1.25x to spare) |"));
    // The same group timed by another function: its own row, id and ratio.
    let frame = line(&report, "runtime-inv1-throughput/coinpeer-frame");
    assert!(
        frame[0].contains(
            "| 500.00 µs · 2.00M/s | bare-tokio: 1.00 ms · 1.00M/s | 2.00 | ratio ≥ 0.80 | met (2.50x to spare) |"
        ),
        "{frame:?}"
    );
    let ping = line(&report, "runtime-ping-rtt")[0];
    assert!(ping.contains("54.00 µs (p50 53.00 µs, p99 80.00 µs)"), "{ping}");
    assert!(
        ping.contains("| 0.556 | time ≤ 1.2x baseline | **missed** by 1.50x |"),
        "{ping}"
    );
    let memory = line(&report, "peer-memory")[0];
    assert!(
        memory.contains("17.9 KiB (10,000 peers) | bare tokio: 920 B (10,000 peers)"),
        "{memory}"
    );
    assert!(
        memory.contains("≤ 4.00 KiB per peer | **missed** by 4.48x |"),
        "{memory}"
    );
    assert!(line(&report, "decode-block-2.26MB")[0].ends_with("| not measured |"));
    assert!(line(&report, "cache-nonce/contains-hit")[0].ends_with("| not measured |"));
    // 3 met, 3 missed; every other goal not measured.
    let goals = FIGURES.iter().filter(|f| !matches!(f.goal, Goal::None)).count();
    assert!(report.contains(&format!(
        "**Goals: 3 met, 3 missed, {} not measured** (of {goals})",
        goals - 6
    )));
    assert!(!report.contains('†'));
}

#[test]
fn results_older_than_the_run_are_marked() {
    let t = Target::new("stale");
    t.timing("cache-nonce/contains-hit", 20.0, "null");
    let later = SystemTime::now() + Duration::from_secs(3600);
    let report = markdown(&t.results(later), &[]);
    assert!(
        line(&report, "cache-nonce/contains-hit")[0].contains("| 20.0 ns † | — | — | ≤ 40 ns | met (2.00x to spare) |")
    );
    assert!(report.contains("† from an earlier run"));
}

#[test]
fn chart_of_throughput_by_size() {
    let t = Target::new("chart");
    for (bytes, ns) in [(32, 1_000.0), (1024, 2_000.0), (1_000_000, 900_000.0)] {
        t.timing(
            &format!("runtime-throughput-by-size/coinpeer/{bytes}"),
            ns,
            &format!(r#"{{"Bytes":{bytes}}}"#),
        );
        t.timing(
            &format!("runtime-throughput-by-size/bare-tokio/{bytes}"),
            ns / 2.0,
            "null",
        );
    }
    let svg = t.path().join("chart.svg");
    crate::plot::write_svg(&t.results(SystemTime::UNIX_EPOCH), &svg).unwrap();
    let svg = std::fs::read_to_string(svg).unwrap();
    assert!(svg.contains("coinpeer") && svg.contains("bare-tokio"));
    std::fs::write("/tmp/chart-test.svg", &svg).unwrap();
    assert_eq!(svg.matches("<circle").count(), 6, "a point per size and side");
}

#[test]
fn chart_without_results_says_so() {
    let t = Target::new("no-chart");
    std::fs::create_dir_all(t.path()).unwrap();
    let svg = t.path().join("chart.svg");
    crate::plot::write_svg(&t.results(SystemTime::UNIX_EPOCH), &svg).unwrap();
    assert!(std::fs::read_to_string(svg).unwrap().contains("not measured"));
}
