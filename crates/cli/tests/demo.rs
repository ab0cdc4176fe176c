//! `coinpeer demo` end to end: the real binary runs its in-process network on 127.0.0.1.

use std::process::{Command, Output};

fn demo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_coinpeer"))
        .arg("demo")
        .args(args)
        .output()
        .expect("coinpeer runs")
}

/// The table's peer rows (the lines between the column titles and the summary) and the summary line.
fn rows_and_summary(out: &Output) -> (Vec<String>, String) {
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("NODE"), "no table in:\n{text}");
    let summary = lines
        .iter()
        .find(|l| l.starts_with("summary:"))
        .expect("a summary line");
    let rows = lines[1..]
        .iter()
        .take_while(|l| !l.starts_with("summary:"))
        .map(|l| l.to_string())
        .collect();
    (rows, summary.to_string())
}

/// The number just before `label` in `line`, e.g. `12` in "... 12 messages".
fn number_before(line: &str, label: &str) -> u64 {
    let before = &line[..line.find(label).unwrap_or_else(|| panic!("{label:?} not in {line:?}"))];
    before.split_whitespace().last().unwrap().parse().unwrap()
}

#[test]
fn four_bitcoin_nodes_mesh_handshake_and_relay() {
    let out = demo(&["--seconds", "1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "demo failed: {stderr}");
    let (rows, summary) = rows_and_summary(&out);
    assert_eq!(rows.len(), 12, "4 nodes have 12 connection ends: {rows:#?}");
    assert!(summary.contains("12/12 handshakes"), "{summary}");
    assert!(summary.contains("12 of 12 connections up to the end"), "{summary}");
    assert!(number_before(&summary, "messages") > 0, "{summary}");
    assert!(number_before(&summary, "inventory items invented") > 0, "{summary}");
    // Every node appears with three peers, each talking the newest Bitcoin version to a named node.
    for node in 0..4 {
        let n = rows
            .iter()
            .filter(|r| r.split_whitespace().next() == Some(&node.to_string()))
            .count();
        assert_eq!(n, 3, "node {node}: {rows:#?}");
    }
    assert!(rows.iter().all(|r| r.contains("coinpeer-demo") && r.contains("70016")));
    // Not a terminal: the status line is printed as plain lines.
    assert!(stderr.lines().any(|l| l.contains("handshakes 12/12")), "{stderr}");
    assert!(!stderr.contains('\r'));
}

#[test]
fn three_decred_nodes_work_too() {
    let out = demo(&["--network", "decred-simnet", "--peers", "3", "--seconds", "1"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (rows, summary) = rows_and_summary(&out);
    assert_eq!(rows.len(), 6, "{rows:#?}");
    assert!(summary.contains("6/6 handshakes"), "{summary}");
    // Decred's newest protocol version.
    assert!(
        rows.iter().all(|r| r.split_whitespace().any(|c| c == "12")),
        "{rows:#?}"
    );
}

#[test]
fn refuses_a_network_of_one() {
    let out = demo(&["--peers", "1"]);
    assert_eq!(out.status.code(), Some(2), "a usage error");
    assert!(out.stdout.is_empty());
}
