//! Memory per idle, handshaked peer: coinpeer peers against bare tokio sockets.
//!
//! `cargo run --release -p xtask --bin peer-memory -- [--peers N] [--out PATH]`
//!
//! Each side is measured in a fresh process of its own (`--measure coinpeer|bare --connect ADDR`): it notes its
//! resident memory (VmRSS), dials N connections to 127.0.0.1, waits for them to settle and notes it again; the
//! difference divided by N is the cost of one connection. The far ends live in yet another process
//! (`--remote coinpeer|bare`), so that only the measured ends are counted and each process needs N file
//! descriptors, not 2N.
//!
//! What is fair:
//! - coinpeer: N outbound `Peer`s over TCP with the default configuration (pings every 2 minutes, stall
//!   detection, idle timeout), sharing one configuration as the peers of a node do, each handshaked (the
//!   remote ends are coinpeer inbound peers) and then idle: what a node holds for a connected peer that is
//!   quiet;
//! - bare: N `tokio::net::TcpStream`s, each owned by a spawned task waiting on a read: the least any tokio
//!   program holds per connection (a socket, its registration with the reactor, a task).
//!
//! Both are measured the same way: same runtime, same dialing concurrency, one second to settle before each
//! reading. The figure is RSS as the kernel reports it. (Freed memory the allocator keeps makes no difference
//! here: `malloc_trim` on both sides before reading changed neither figure by 0.1 KiB.)
//!
//! Writes `{"peers":N,"coinpeer_bytes_per_peer":X,"bare_bytes_per_peer":Y}` to PATH (default
//! `target/bench-results/memory.json`).

#[path = "../fd_limit.rs"]
mod fd_limit;

use coinpeer_runtime::{Bitcoin, CancellationToken, Direction, Peer, PeerConfig};
use coinpeer_wire::Network;
use fd_limit::raise_fd_limit;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

const DEFAULT_PEERS: usize = 10_000;
/// Connections being dialed (and handshaked) at once.
const DIALING: usize = 256;
/// How long memory gets to settle before each reading.
const SETTLE: Duration = Duration::from_secs(1);
/// File descriptors a process needs beyond one per connection (listener, pipes, runtime, libraries).
const SPARE_FDS: u64 = 64;

#[derive(Debug, Clone, Copy)]
enum Side {
    Coinpeer,
    Bare,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Coinpeer => "coinpeer",
            Side::Bare => "bare",
        }
    }

    fn parse(name: &str) -> Result<Side, String> {
        match name {
            "coinpeer" => Ok(Side::Coinpeer),
            "bare" => Ok(Side::Bare),
            other => Err(format!("unknown side {other:?} (coinpeer or bare)")),
        }
    }
}

/// What this process is asked to be.
enum Role {
    /// Runs both measurements in child processes and reports.
    Report { out: PathBuf },
    /// Dials `addr` and prints what the connections cost.
    Measure { side: Side, addr: SocketAddr },
    /// Holds the far ends until its standard input closes.
    Remote { side: Side },
}

fn main() -> ExitCode {
    match parse_args().and_then(|(role, peers)| run(role, peers)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("peer-memory: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(role: Role, peers: usize) -> Result<(), String> {
    raise_fd_limit(peers as u64 + SPARE_FDS)?;
    match role {
        Role::Report { out } => report(peers, &out),
        Role::Measure { side, addr } => {
            let growth = runtime()?.block_on(measure(side, peers, addr))?;
            println!("growth {growth}");
            Ok(())
        }
        Role::Remote { side } => runtime()?.block_on(remote(side)),
    }
}

fn parse_args() -> Result<(Role, usize), String> {
    let mut peers = DEFAULT_PEERS;
    let (mut out, mut measure, mut remote, mut connect) = (None, None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--peers" => peers = value()?.parse().map_err(|e| format!("--peers: {e}"))?,
            "--out" => out = Some(PathBuf::from(value()?)),
            "--measure" => measure = Some(Side::parse(&value()?)?),
            "--remote" => remote = Some(Side::parse(&value()?)?),
            "--connect" => connect = Some(value()?.parse().map_err(|e| format!("--connect: {e}"))?),
            _ => {
                return Err(format!(
                    "unknown argument {flag:?}; usage: peer-memory [--peers N] [--out PATH]"
                ))
            }
        }
    }
    if peers == 0 {
        return Err("--peers must be at least 1".into());
    }
    let role = match (measure, remote, connect) {
        (Some(side), None, Some(addr)) => Role::Measure { side, addr },
        (None, Some(side), None) => Role::Remote { side },
        (None, None, None) => Role::Report {
            out: out.unwrap_or_else(default_out),
        },
        _ => return Err("--measure needs --connect; --remote stands alone".into()),
    };
    Ok((role, peers))
}

/// `target/bench-results/memory.json` of the workspace (or of `CARGO_TARGET_DIR`).
fn default_out() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is in the workspace");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"));
    target.join("bench-results/memory.json")
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))
}

// ----- the report -----

fn report(peers: usize, out: &Path) -> Result<(), String> {
    let coinpeer = measure_in_child(Side::Coinpeer, peers)?;
    let bare = measure_in_child(Side::Bare, peers)?;
    let per_peer = |growth: i64| (growth as f64 / peers as f64).round();
    let (coinpeer, bare) = (per_peer(coinpeer), per_peer(bare));
    println!("memory per idle handshaked peer, {peers} peers (RSS growth / peers):");
    println!("  coinpeer    {:>7.1} KiB", coinpeer / 1024.0);
    println!("  bare tokio  {:>7.1} KiB", bare / 1024.0);
    let json = serde_json::json!({
        "peers": peers,
        "coinpeer_bytes_per_peer": coinpeer,
        "bare_bytes_per_peer": bare,
    });
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(out, format!("{json}\n")).map_err(|e| format!("{}: {e}", out.display()))?;
    println!("wrote {}", out.display());
    Ok(())
}

/// Starts the far ends, then the measured process against them; the far ends go when their stdin closes.
/// Returns the RSS growth in bytes.
fn measure_in_child(side: Side, peers: usize) -> Result<i64, String> {
    let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
    let common = ["--peers".to_string(), peers.to_string()];
    let mut remote = Command::new(&exe)
        .args(["--remote", side.name()])
        .args(&common)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting the remote ends: {e}"))?;
    let result = listening_addr(&mut remote).and_then(|addr| {
        let output = Command::new(&exe)
            .args(["--measure", side.name(), "--connect", &addr])
            .args(&common)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("starting the {} measurement: {e}", side.name()))?;
        if !output.status.success() {
            return Err(format!("the {} measurement failed ({})", side.name(), output.status));
        }
        parse_growth(&String::from_utf8_lossy(&output.stdout))
    });
    drop(remote.stdin.take());
    let _ = remote.wait();
    result
}

/// The first line the remote process prints: the address it listens on.
fn listening_addr(remote: &mut Child) -> Result<String, String> {
    let stdout = remote.stdout.take().ok_or("the remote's stdout")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("reading the remote's address: {e}"))?;
    match line.trim() {
        "" => Err("the remote ends did not start".into()),
        addr => Ok(addr.to_string()),
    }
}

fn parse_growth(stdout: &str) -> Result<i64, String> {
    let growth = stdout.lines().find_map(|l| l.strip_prefix("growth "));
    let growth = growth.ok_or(format!("no result in {stdout:?}"))?;
    growth.parse().map_err(|e| format!("result {growth:?}: {e}"))
}

// ----- the measured process -----

/// The defaults: what a node holds for an idle peer.
fn peer_config() -> PeerConfig<Bitcoin> {
    PeerConfig::builder(Network::BITCOIN_REGTEST).build()
}

/// The RSS growth in bytes.
async fn measure(side: Side, peers: usize, addr: SocketAddr) -> Result<i64, String> {
    let before = settled_rss().await?;
    let after = match side {
        Side::Coinpeer => {
            let _held = hold_peers(peers, addr).await?;
            settled_rss().await?
        }
        Side::Bare => {
            let _held = hold_sockets(peers, addr).await?;
            settled_rss().await?
        }
    };
    Ok(after - before)
}

/// N coinpeer outbound peers, handshaked.
async fn hold_peers(peers: usize, addr: SocketAddr) -> Result<Vec<Peer<Bitcoin>>, String> {
    let config = peer_config();
    dial_all(peers, move || {
        let config = config.clone();
        async move {
            let stream = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
            Peer::from_tcp(config, stream, Direction::Outbound, CancellationToken::new())
                .await
                .map_err(|e| format!("handshake: {e}"))
        }
    })
    .await
}

/// N sockets, each owned by a task waiting to read; the handles of the tasks, as a `Peer` is a handle.
async fn hold_sockets(peers: usize, addr: SocketAddr) -> Result<Vec<JoinHandle<()>>, String> {
    dial_all(peers, move || async move {
        let mut stream = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
        Ok(tokio::spawn(async move {
            let mut byte = [0u8; 1];
            let _ = stream.read(&mut byte).await;
        }))
    })
    .await
}

/// Runs `dial` `peers` times, [`DIALING`] at a time, and collects what each gives.
async fn dial_all<T, F>(peers: usize, dial: impl Fn() -> F) -> Result<Vec<T>, String>
where
    T: Send + 'static,
    F: std::future::Future<Output = Result<T, String>> + Send + 'static,
{
    let mut held = Vec::with_capacity(peers);
    let mut dialing = JoinSet::new();
    for _ in 0..peers {
        if dialing.len() == DIALING {
            held.push(joined(dialing.join_next().await)?);
        }
        dialing.spawn(dial());
    }
    while let Some(done) = dialing.join_next().await {
        held.push(joined(Some(done))?);
    }
    Ok(held)
}

fn joined<T>(done: Option<Result<Result<T, String>, tokio::task::JoinError>>) -> Result<T, String> {
    done.ok_or("no dialing task")?
        .map_err(|e| format!("dialing task: {e}"))?
}

/// `VmRSS` of /proc/self/status in bytes, after a pause.
async fn settled_rss() -> Result<i64, String> {
    tokio::time::sleep(SETTLE).await;
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| format!("/proc/self/status: {e}"))?;
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse::<i64>().ok())
        .ok_or("no VmRSS in /proc/self/status")?;
    Ok(kib * 1024)
}

// ----- the remote ends -----

/// Prints the address it listens on, accepts every connection and keeps it (coinpeer: as an inbound peer, so
/// that the dialer's handshake completes) until standard input closes.
async fn remote(side: Side) -> Result<(), String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("bind: {e}"))?;
    println!(
        "{}",
        listener.local_addr().map_err(|e| format!("listener address: {e}"))?
    );
    let config = peer_config();
    let accept = async {
        // Bare ends are just kept open; coinpeer peers keep themselves running.
        let mut sockets = Vec::new();
        loop {
            let (stream, _) = listener.accept().await.map_err(|e| format!("accept: {e}"))?;
            match side {
                Side::Coinpeer => drop(tokio::spawn(Peer::from_tcp(
                    config.clone(),
                    stream,
                    Direction::Inbound,
                    CancellationToken::new(),
                ))),
                Side::Bare => sockets.push(stream),
            }
        }
    };
    let stdin_closed = tokio::task::spawn_blocking(|| std::io::stdin().read_to_end(&mut Vec::new()));
    tokio::select! {
        r = accept => r,
        _ = stdin_closed => Ok(()),
    }
}
