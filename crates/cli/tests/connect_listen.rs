//! `coinpeer connect` and `coinpeer listen` end to end on 127.0.0.1: against each other, and against an
//! in-process remote (built on coinpeer-runtime) that serves a made-up chain.

use bytes::Bytes;
use coinpeer_runtime::{async_trait, Bitcoin, BitcoinListener, CancellationToken, Direction, Peer, PeerConfig};
use coinpeer_wire::bitcoin::{Block, BlockHeader, Message, OutPoint, Transaction, TxIn, TxOut};
use coinpeer_wire::messages::{BlockLocator, InvType, Inventory};
use coinpeer_wire::{Hash256, Network};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

/// Bitcoin regtest's genesis block, which the CLI knows.
const REGTEST_GENESIS: &str = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206";
/// How long any one expected line may take to show up.
const WAIT: Duration = Duration::from_secs(20);

fn coinpeer(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_coinpeer"))
        .args(args)
        .output()
        .expect("coinpeer runs")
}

/// `coinpeer connect ... --json`: its exit status and its one JSON object.
fn connect_json(args: &[&str]) -> (Output, Value) {
    let mut all = vec!["connect"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = coinpeer(&all);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "one JSON object: {stdout}");
    let v = serde_json::from_str(&stdout).expect("JSON");
    (out, v)
}

/// A running `coinpeer listen --json` whose stdout lines arrive on a channel.
struct Listen {
    child: Child,
    lines: mpsc::Receiver<Value>,
    addr: String,
}

impl Listen {
    fn start(network: &str) -> Listen {
        let mut child = Command::new(env!("CARGO_BIN_EXE_coinpeer"))
            .args(["listen", "--bind", "127.0.0.1:0", "--network", network, "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("coinpeer listen runs");
        let lines = json_lines(child.stdout.take().unwrap());
        let first = lines.recv_timeout(WAIT).expect("a listening line");
        assert_eq!(first["event"], "listening");
        let addr = first["addr"].as_str().unwrap().to_string();
        assert!(addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"), "{addr}");
        Listen { child, lines, addr }
    }

    /// Waits for an event matching `pred`, returning it and the events before it.
    fn wait_for(&self, what: &str, pred: impl Fn(&Value) -> bool) -> (Value, Vec<Value>) {
        let mut before = Vec::new();
        loop {
            match self.lines.recv_timeout(WAIT) {
                Ok(v) if pred(&v) => return (v, before),
                Ok(v) => before.push(v),
                Err(_) => panic!("no {what} event; saw {before:#?}"),
            }
        }
    }

    /// Stops it as Ctrl-C would: it must exit 0 after a final stats event.
    fn interrupt(mut self) -> Vec<Value> {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let (stats, _) = self.wait_for("stats", |v| v["event"] == "stats");
        assert!(self.child.wait().unwrap().success());
        vec![stats]
    }
}

impl Drop for Listen {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn json_lines(stdout: ChildStdout) -> mpsc::Receiver<Value> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            if tx.send(v).is_err() {
                return;
            }
        }
    });
    rx
}

#[test]
fn connect_handshakes_pings_and_probes_a_listen() {
    let listen = Listen::start("bitcoin-regtest");
    let (out, v) = connect_json(&[
        &listen.addr,
        "--network",
        "bitcoin-regtest",
        "--pings",
        "2",
        "--ping-interval",
        "0.2",
        "--probe-unknown",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(v["ok"], true);
    assert_eq!(v["error"], Value::Null);
    let remote = &v["remote"];
    assert_eq!(remote["addr"], listen.addr.as_str());
    assert_eq!(remote["version"], 70016);
    assert_eq!(remote["negotiated_version"], 70016);
    assert!(remote["user_agent"].as_str().unwrap().contains("coinpeer-cli"));
    assert_eq!(remote["service_names"], serde_json::json!(["NETWORK", "WITNESS"]));
    assert_eq!(remote["services"], 9);
    assert_eq!(remote["features"]["witness"], true);
    assert_eq!(remote["features"]["addrv2"], true);
    let pings = v["pings"].as_array().unwrap();
    assert_eq!(pings.len(), 2);
    assert!(pings
        .iter()
        .all(|p| p["nonce"].is_u64() && p["latency_ms"].as_f64().unwrap() > 0.0));
    assert_eq!(v["probe_unknown"]["tolerated"], true);
    assert!(v["probe_unknown"]["command"].is_string());
    assert!(v.get("headers").is_none() && v.get("blocks").is_none());
    assert_eq!(v["still_connected"], true);
    assert_eq!(v["disconnect_reason"], Value::Null);

    let (connected, _) = listen.wait_for("connected", |e| e["event"] == "connected");
    assert!(connected["user_agent"].as_str().unwrap().contains("coinpeer-cli"));
    assert_eq!(connected["negotiated_version"], 70016);
    let peer = connected["peer"].clone();
    let (_, messages) = listen.wait_for("disconnected", |e| e["event"] == "disconnected" && e["peer"] == peer);
    let commands: Vec<&str> = messages.iter().filter_map(|m| m["command"].as_str()).collect();
    assert_eq!(commands.iter().filter(|c| **c == "ping").count(), 3, "{commands:?}");
    assert!(commands.contains(&v["probe_unknown"]["command"].as_str().unwrap()));
    let ping = messages.iter().find(|m| m["command"] == "ping").unwrap();
    assert_eq!(ping["bytes"], 32);

    let stats = listen.interrupt();
    assert_eq!(stats[0]["peers"].as_array().unwrap().len(), 1);
}

#[test]
fn connect_to_a_closed_port_fails_with_one_error_line() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let addr = format!("127.0.0.1:{port}");
    let out = coinpeer(&["connect", &addr, "--network", "bitcoin-regtest"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: cannot connect to"), "{stderr}");

    let (out, v) = connect_json(&[&addr, "--network", "bitcoin-regtest"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(v["ok"], false);
    assert!(v["error"].as_str().unwrap().contains("cannot connect"));
    assert_eq!(v["still_connected"], false);
}

#[test]
fn unknown_network_fails_with_one_error_line() {
    for sub in [
        &["connect", "127.0.0.1:1", "--network", "dogecoin"][..],
        &["listen", "--bind", "127.0.0.1:0", "--network", "dogecoin"],
        &["demo", "--network", "dogecoin"],
    ] {
        let out = coinpeer(sub);
        assert_eq!(out.status.code(), Some(1), "{sub:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("error: unknown network \"dogecoin\""), "{stderr}");
    }
}

#[test]
fn listen_logs_to_stderr_and_prints_a_table_without_json() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_coinpeer"))
        .args(["listen", "--bind", "127.0.0.1:0", "--network", "decred-simnet"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    assert!(first.contains("listening addr=127.0.0.1:"), "{first}");
    let addr = first
        .split("addr=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let out = coinpeer(&["connect", &addr, "--network", "decred-simnet"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("negotiated 12"), "{stdout}");
    assert!(stdout.contains("ping 1:"), "{stdout}");
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.starts_with("PEER"), "{table}");
    assert!(table.contains("coinpeer-cli"), "{table}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(rest.contains("connected peer="), "{rest}");
    assert!(
        rest.contains("message peer=") && rest.contains("command=ping"),
        "{rest}"
    );
}

// ----- an in-process remote with a chain -----

/// Made-up regtest blocks 1..=n on the real genesis: one coinbase each, valid merkle roots.
fn make_chain(n: u32) -> Vec<Block> {
    let mut prev: Hash256 = REGTEST_GENESIS.parse().unwrap();
    (1..=n)
        .map(|height| {
            let coinbase = Transaction {
                version: 1,
                inputs: vec![TxIn {
                    previous_output: OutPoint::COINBASE,
                    script_sig: Bytes::from(height.to_le_bytes().to_vec()),
                    sequence: u32::MAX,
                    ..TxIn::default()
                }],
                outputs: vec![TxOut {
                    value: 50_0000_0000,
                    script_pubkey: Bytes::from_static(&[0x51]),
                }],
                lock_time: 0,
            };
            let mut block = Block {
                header: BlockHeader {
                    version: 4,
                    prev_block: prev,
                    merkle_root: Hash256::ZERO,
                    time: 1_700_000_000 + height,
                    bits: 0x207f_ffff,
                    nonce: height,
                },
                transactions: vec![coinbase],
            };
            block.header.merkle_root = block.compute_merkle_root();
            prev = block.hash();
            block
        })
        .collect()
}

/// Serves a chain: `getheaders` from the locator, `getdata` of its blocks. `skip` leaves one header out of
/// every answer (a broken chain).
struct ChainServer {
    blocks: Vec<Block>,
    hashes: Vec<Hash256>,
    skip: Option<usize>,
}

impl ChainServer {
    fn new(blocks: Vec<Block>, skip: Option<usize>) -> Arc<Self> {
        let hashes = blocks.iter().map(Block::hash).collect();
        Arc::new(ChainServer { blocks, hashes, skip })
    }

    fn config(self: &Arc<Self>) -> PeerConfig<Bitcoin> {
        let height = self.blocks.len() as i32;
        PeerConfig::<Bitcoin>::builder(Network::BITCOIN_REGTEST)
            .newest_block(Arc::new(move || Ok(height)))
            .listener(self.clone())
            .build()
    }
}

#[async_trait]
impl BitcoinListener for ChainServer {
    async fn on_get_headers(&self, peer: &Peer<Bitcoin>, l: &BlockLocator) {
        let start = l
            .locator
            .iter()
            .find_map(|h| self.hashes.iter().position(|x| x == h).map(|i| i + 1))
            .unwrap_or(0);
        let headers = (start..self.blocks.len().min(start + 2000))
            .filter(|i| Some(*i) != self.skip)
            .map(|i| self.blocks[i].header)
            .collect();
        drop(peer.queue_message(Message::Headers(headers)));
    }

    async fn on_get_data(&self, peer: &Peer<Bitcoin>, items: &Vec<Inventory>) {
        for item in items {
            if let Some(i) = self.hashes.iter().position(|h| *h == item.hash) {
                drop(peer.queue_message(Message::Block(self.blocks[i].clone())));
            }
        }
    }
}

/// Accepts peers for `server` on 127.0.0.1 in the background.
async fn serve(server: Arc<ChainServer>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let config = server.config();
            // The handle is held until the peer ends: dropping every handle closes the connection.
            tokio::spawn(async move {
                if let Ok(peer) = Peer::from_tcp(config, stream, Direction::Inbound, CancellationToken::new()).await {
                    peer.wait_for_disconnect().await;
                }
            });
        }
    });
    addr
}

/// Runs `coinpeer connect --json` off the async runtime.
async fn connect_json_async(args: Vec<String>) -> (Output, Value) {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        connect_json(&args)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_syncs_headers_in_batches_and_checks_blocks() {
    let chain = make_chain(2100);
    let expected: Vec<String> = chain.iter().map(|b| b.hash().to_string()).collect();
    let addr = serve(ChainServer::new(chain, None)).await;
    let args = [&addr.to_string(), "--network", "bitcoin-regtest", "--blocks", "3"];
    let (out, v) = connect_json_async(args.iter().map(|s| s.to_string()).collect()).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let headers = &v["headers"];
    assert_eq!(headers["count"], 2100);
    assert_eq!(headers["genesis"], REGTEST_GENESIS);
    assert_eq!(headers["tip"], expected[2099].as_str());
    assert_eq!(headers["hashes"].as_array().unwrap().len(), 2100);
    assert_eq!(headers["hashes"][0], expected[0].as_str());
    let blocks = v["blocks"].as_array().unwrap();
    let heights: Vec<u64> = blocks.iter().map(|b| b["height"].as_u64().unwrap()).collect();
    assert_eq!(heights, [2098, 2099, 2100]);
    for b in blocks {
        let i = b["height"].as_u64().unwrap() as usize - 1;
        assert_eq!(b["hash"], expected[i].as_str());
        assert_eq!(b["txs"], 1);
        assert!(b["size"].as_u64().unwrap() > 80);
        for check in ["hash_ok", "merkle_ok", "reencoded_identical"] {
            assert_eq!(b[check], true, "{check}: {b}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_refuses_headers_that_do_not_chain() {
    let addr = serve(ChainServer::new(make_chain(20), Some(7))).await;
    let args = [&addr.to_string(), "--network", "bitcoin-regtest", "--sync-headers"];
    let (out, v) = connect_json_async(args.iter().map(|s| s.to_string()).collect()).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(v["ok"], false);
    let error = v["error"].as_str().unwrap();
    assert!(error.contains("do not chain") && error.contains("height 8"), "{error}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().last().unwrap(), format!("error: {error}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_reports_a_block_whose_merkle_root_is_wrong() {
    let mut chain = make_chain(5);
    // The tip commits to other transactions; nothing builds on it, so the headers still chain.
    chain[4].header.merkle_root = Hash256([7; 32]);
    let addr = serve(ChainServer::new(chain, None)).await;
    let args = [&addr.to_string(), "--network", "bitcoin-regtest", "--blocks", "2"];
    let (out, v) = connect_json_async(args.iter().map(|s| s.to_string()).collect()).await;
    assert_eq!(out.status.code(), Some(1));
    let blocks = v["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["merkle_ok"], true);
    assert_eq!(blocks[1]["merkle_ok"], false);
    assert_eq!(blocks[1]["hash_ok"], true);
    assert!(v["error"].as_str().unwrap().contains("merkle root"), "{v}");
}

/// Starts `coinpeer listen` and dials it from an in-process node serving `chain`.
async fn listen_with_a_peer(chain: Vec<Block>) -> (Listen, Peer<Bitcoin>) {
    let listen = tokio::task::spawn_blocking(|| Listen::start("bitcoin-regtest"))
        .await
        .unwrap();
    let server = ChainServer::new(chain, None);
    let stream = tokio::net::TcpStream::connect(&listen.addr).await.unwrap();
    let peer = Peer::from_tcp(server.config(), stream, Direction::Outbound, CancellationToken::new())
        .await
        .unwrap();
    (listen, peer)
}

/// Waits for `n` `stored_block` events of `listen`, returning their hashes.
async fn stored_blocks(listen: Listen, n: usize) -> (Listen, Vec<String>) {
    tokio::task::spawn_blocking(move || {
        let hashes = (0..n)
            .map(|_| {
                let (e, _) = listen.wait_for("stored_block", |e| e["event"] == "stored_block");
                e["hash"].as_str().unwrap().to_string()
            })
            .collect();
        (listen, hashes)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_fetches_announced_blocks_and_serves_them_to_connect() {
    // More headers than listen fetches the blocks of on its own: it only takes the blocks announced.
    let chain = make_chain(40);
    let tip: Vec<Hash256> = chain[38..].iter().map(Block::hash).collect();
    let (listen, peer) = listen_with_a_peer(chain).await;
    let inv = tip.iter().map(|h| Inventory::new(InvType::BLOCK, *h)).collect();
    drop(peer.queue_message(Message::Inv(inv)));
    let (listen, stored) = stored_blocks(listen, 2).await;
    assert_eq!(stored, [tip[0].to_string(), tip[1].to_string()]);

    let args = [listen.addr.as_str(), "--network", "bitcoin-regtest", "--blocks", "2"];
    let (out, v) = connect_json_async(args.iter().map(|s| s.to_string()).collect()).await;
    assert!(out.status.success(), "{v}");
    assert_eq!(v["remote"]["start_height"], 40);
    assert_eq!(v["headers"]["count"], 40);
    let hashes: Vec<&str> = v["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["hash"].as_str().unwrap())
        .collect();
    assert_eq!(hashes, stored);
    assert_eq!(v["blocks"][1]["reencoded_identical"], true);

    // Block 38 was never announced: listen answers `notfound`, and connect says so.
    let args = [listen.addr.as_str(), "--network", "bitcoin-regtest", "--blocks", "3"];
    let (out, v) = connect_json_async(args.iter().map(|s| s.to_string()).collect()).await;
    assert_eq!(out.status.code(), Some(1));
    let error = v["error"].as_str().unwrap();
    assert!(
        error.contains("does not have block") && error.contains("height 38"),
        "{error}"
    );
    peer.disconnect();
    tokio::task::spawn_blocking(move || listen.interrupt()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_fetches_every_block_of_a_short_chain() {
    let chain = make_chain(5);
    let mut expected: Vec<String> = chain.iter().map(|b| b.hash().to_string()).collect();
    let (listen, peer) = listen_with_a_peer(chain).await;
    let (listen, mut stored) = stored_blocks(listen, 5).await;
    stored.sort();
    expected.sort();
    assert_eq!(stored, expected);
    peer.disconnect();
    tokio::task::spawn_blocking(move || listen.interrupt()).await.unwrap();
}
