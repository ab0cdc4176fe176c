//! `coinpeer decode` end to end: the real binary on real captures and on broken input.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn testdata(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("COINPEER_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata"));
    if dir.is_dir() {
        Some(dir)
    } else {
        skipped(format_args!(
            "{test}: test data folder {} not found (set COINPEER_TESTDATA)",
            dir.display()
        ));
        None
    }
}

fn coinpeer(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_coinpeer"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("coinpeer runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[test]
fn decodes_btcds_conversation_one_line_per_message() {
    let Some(dir) = testdata("decodes_btcds_conversation_one_line_per_message") else {
        return;
    };
    let file = dir.join("captures/btcd-0.25.0-regtest.in.bin");
    let out = coinpeer(&["decode", "--network", "bitcoin-regtest", file.to_str().unwrap()], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let commands: Vec<&str> = text.lines().map(|l| l.split_whitespace().next().unwrap()).collect();
    assert_eq!(
        commands,
        [
            "version",
            "sendaddrv2",
            "verack",
            "pong",
            "headers",
            "block",
            "block",
            "block"
        ]
    );
    assert!(text.lines().all(|l| l.contains("checksum ok")));
}

#[test]
fn json_has_the_documented_fields_per_type() {
    let Some(dir) = testdata("json_has_the_documented_fields_per_type") else {
        return;
    };
    let file = dir.join("captures/litecoin-core-0.21.2.1-regtest.in.bin");
    let out = coinpeer(
        &[
            "decode",
            "--network",
            "litecoin-regtest",
            "--json",
            file.to_str().unwrap(),
        ],
        b"",
    );
    assert!(out.status.success());
    let lines = json_lines(&out);
    let version = &lines[0];
    for field in [
        "command",
        "length",
        "version",
        "services",
        "timestamp",
        "receiver",
        "sender",
        "nonce",
        "user_agent",
        "start_height",
        "relay",
    ] {
        assert!(version.get(field).is_some(), "version lacks {field}");
    }
    assert_eq!(version["user_agent"], "/LitecoinCore:0.21.2.1/");
    let headers = lines.iter().find(|l| l["command"] == "headers").unwrap();
    assert_eq!(
        headers["count"].as_u64().unwrap() as usize,
        headers["hashes"].as_array().unwrap().len()
    );
    let block = lines.iter().find(|l| l["command"] == "block").unwrap();
    for field in ["hash", "merkle_root", "tx_count", "txids"] {
        assert!(block.get(field).is_some(), "block lacks {field}");
    }
    assert_eq!(block["merkle_ok"], true);
}

#[test]
fn bare_block_payload_gives_hash_and_txids_in_order() {
    let Some(dir) = testdata("bare_block_payload_gives_hash_and_txids_in_order") else {
        return;
    };
    let file = dir.join("bitcoin/testnet_block_000000000000045e0b1660b6445b5e5c5ab63c9a4f956be7e1e69be04fa4497b.raw");
    let out = coinpeer(
        &[
            "decode",
            "--network",
            "bitcoin-testnet3",
            "--payload",
            "block",
            "--json",
            file.to_str().unwrap(),
        ],
        b"",
    );
    let block = &json_lines(&out)[0];
    assert_eq!(
        block["hash"],
        "000000000000045e0b1660b6445b5e5c5ab63c9a4f956be7e1e69be04fa4497b"
    );
    assert_eq!(block["tx_count"], 15);
    assert_eq!(
        block["txids"][0],
        "4be105f158ea44aec57bf12c5817d073a712ab131df6f37786872cfc70734188"
    );
    assert_eq!(
        block["txids"][14],
        "ae4e1e27c1ce7f92cb3234ada3bdae7676da5d0a0f64776f515b130fc34d00db"
    );
}

#[test]
fn decred_capture_and_transaction_decode() {
    let Some(dir) = testdata("decred_capture_and_transaction_decode") else {
        return;
    };
    let file = dir.join("captures/dcrd-2.0.6-simnet.in.bin");
    let out = coinpeer(
        &["decode", "--network", "decred-simnet", "--json", file.to_str().unwrap()],
        b"",
    );
    assert!(out.status.success());
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 9);
    let block = lines.iter().find(|l| l["command"] == "block").unwrap();
    for field in ["hash", "tx_count", "txids", "stake_tx_count", "stxids"] {
        assert!(block.get(field).is_some(), "decred block lacks {field}");
    }
    let tx = dir.join("decred/tx150043-14.hex");
    let out = coinpeer(
        &[
            "decode",
            "--network",
            "decred",
            "--hex",
            "--payload",
            "tx",
            "--json",
            tx.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(
        json_lines(&out)[0]["txid"],
        "aa4c208c85a9576954d11dd566009cdad98b1c65dcd63b4f6ca11c3e8dff6684"
    );
}

const VERACK_REGTEST: &str = "fabfb5da76657261636b000000000000000000005df6e0e2";

#[test]
fn hex_input_ignores_whitespace_and_reads_stdin() {
    let input = format!("{}\n {}\n", &VERACK_REGTEST[..20], &VERACK_REGTEST[20..]);
    let out = coinpeer(
        &["decode", "--network", "bitcoin-regtest", "--hex", "-"],
        input.as_bytes(),
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("verack"));
}

#[test]
fn malformed_input_exits_1_after_printing_what_decoded() {
    // A verack, then a header with the wrong magic.
    let input = format!("{VERACK_REGTEST}f9beb4d976657261636b000000000000000000005df6e0e2");
    let out = coinpeer(&["decode", "--network", "bitcoin-regtest", "--hex"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        1,
        "the verack is still printed"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one clear line: {err}");
    assert!(
        err.contains("wrong network magic") && err.contains("at byte 24"),
        "{err}"
    );
}

#[test]
fn a_bad_checksum_is_reported_with_its_offset_and_decoding_goes_on() {
    let bad = VERACK_REGTEST.replace("5df6e0e2", "00000000");
    let input = format!("{bad}{VERACK_REGTEST}");
    let out = coinpeer(&["decode", "--network", "bitcoin-regtest", "--hex"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().next().unwrap().contains("checksum BAD"));
    assert_eq!(text.lines().count(), 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bad checksum")
            && String::from_utf8_lossy(&out.stderr).contains("at byte 20")
    );
}

#[test]
fn payload_errors_name_the_command_and_input_offset() {
    // A ping whose payload is one byte short.
    let out = coinpeer(
        &["decode", "--network", "bitcoin", "--payload", "ping", "-"],
        &[1, 2, 3],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ping") && err.contains("unexpected end") && err.contains("at byte 0"),
        "{err}"
    );
}

#[test]
fn unknown_network_lists_the_known_ones() {
    let out = coinpeer(&["decode", "--network", "dogecoin"], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bitcoin-regtest"));
}

/// Reports a test whose input is missing: a loud `SKIPPED` line, or a failure when `COINPEER_REQUIRE_INPUTS`
/// is set, as CI sets it, so that a test never passes there without its input.
fn skipped(why: std::fmt::Arguments<'_>) {
    assert!(
        std::env::var_os("COINPEER_REQUIRE_INPUTS").is_none(),
        "input required but missing: {why}"
    );
    eprintln!("SKIPPED {why}");
}
