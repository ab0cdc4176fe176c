//! Load and soak (issue 13): 1,000 coinpeer peers in one process, on 127.0.0.1, exchanging inventory,
//! transactions and pings for SECONDS (default 60), then disconnected.
//!
//! `cargo xtask soak [SECONDS]` runs `cargo run --release -p xtask --bin soak -- [SECONDS]`; the binary also
//! takes `--peers N`, `--interval-ms MS` and `--items N` to change the load, and `--raw-rss` (below).
//!
//! The peers are 500 TCP connections, both ends coinpeer `Peer`s (so 1,000 peers, 1,000 sockets): every
//! peer both dials or accepts and carries the same load, so the load is the same everywhere and steady, which
//! is what a growth check needs (relaying across a mesh would make it depend on the topology). The load of
//! each node is in `soak/node.rs`.
//!
//! It fails if
//! - any queued message has no outcome: a handle unresolved after the drain, or one that resolved as dropped
//!   while its peer was up; and at the quiet point after the drain, for every peer and command, messages
//!   written (the peer's stats) must equal the outcomes reported sent and the messages its remote's
//!   application received (an outcome lost, or one made up, shows there);
//! - any peer disconnected before being asked to;
//! - any task outlives its peer: after every peer is disconnected, each must report no task running, each
//!   node task must end, and tokio's count of live tasks must be back to its baseline within 5 s;
//! - RSS grows by more than 5% between the end of the warm-up and the end of the load (the least of the last
//!   three samples: a leak raises them all, a burst still in flight one or two). The warm-up is 10 s, or the
//!   first third of a shorter run (rounded up), so that the 10-second CI run checks the last 6 s against
//!   the 4th. The peers' bounded caches (1,000 known inventory items per connection, some 130 KiB) fill
//!   within the first 3 s at the default load, so that growth after the warm-up is memory kept per message.
//!   Each reading follows `malloc_trim(0)`: glibc keeps freed pages for reuse, so plain RSS is the highest
//!   point any burst reached, not memory in use (`--raw-rss` reads it as it is).
//!
//! Prints the samples, the messages and outcomes by command and every check, and writes `target/soak.svg`.

#[path = "../../fd_limit.rs"]
mod fd_limit;
mod memory;
mod node;
mod report;
mod txs;

use coinpeer_runtime::{Bitcoin, CancellationToken, Direction, NonceCache, Peer, PeerConfig};
use coinpeer_wire::Network;
use node::{Load, Phase, Tally};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::{timeout_at, Instant};

/// After the load: time for announcements in flight to be requested and answered.
const DRAIN: Duration = Duration::from_secs(2);
/// How long after the drain handles may still wait before they count as lost.
const DRAIN_GRACE: Duration = Duration::from_secs(10);
/// How long peers and nodes get to end once disconnected, and live tasks to fall back to the baseline.
const END_GRACE: Duration = Duration::from_secs(10);
const TASK_GRACE: Duration = Duration::from_secs(5);
/// Largest growth of RSS allowed after the warm-up.
pub const MAX_GROWTH: f64 = 0.05;

pub struct Settings {
    pub seconds: u64,
    pub peers: usize,
    pub interval: Duration,
    pub items: usize,
    /// Read plain RSS rather than RSS after `malloc_trim`.
    pub raw_rss: bool,
}

impl Settings {
    /// 10 s, or the first third of a shorter run.
    pub fn warm_up(&self) -> u64 {
        self.seconds.div_ceil(3).min(10)
    }
}

/// One second's reading.
pub struct Sample {
    pub t: f64,
    pub rss: u64,
    /// Outcomes reported sent so far, all nodes.
    pub sent: u64,
    pub tasks: usize,
    /// Bytes waiting in the peers' send queues.
    pub queued: u64,
}

/// What a run measured.
pub struct Run {
    pub rss_before: u64,
    pub samples: Vec<Sample>,
    pub rss_after: u64,
    /// After disconnecting, with the allocator's free memory handed back.
    pub rss_trimmed: u64,
    pub tasks_baseline: usize,
    pub tasks_after: usize,
    pub total: Tally,
    /// Messages written by every peer, by command (its stats at the quiet point).
    pub written: [u64; node::Kind::ALL.len()],
    pub unresolved_at_drain: usize,
    pub mismatches: Vec<String>,
    pub early_disconnects: Vec<String>,
    pub not_disconnected: usize,
    pub nodes_not_ended: usize,
    pub peers_with_tasks: usize,
}

fn main() -> ExitCode {
    let result = parse_args().and_then(|settings| {
        fd_limit::raise_fd_limit(settings.peers as u64 + 64)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("tokio runtime: {e}"))?;
        let run = runtime.block_on(soak(&settings))?;
        drop(runtime);
        report::report(&settings, &run)
    });
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("soak: FAILED");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("soak: {e}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "soak [SECONDS] [--peers N] [--interval-ms MS] [--items N] [--raw-rss]";

fn parse_args() -> Result<Settings, String> {
    let mut settings = Settings {
        seconds: 60,
        peers: 1000,
        interval: Duration::from_millis(100),
        items: 40,
        raw_rss: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            let v = args.next().ok_or(format!("{name} needs a value"))?;
            v.parse().map_err(|e| format!("{name} {v:?}: {e}"))
        };
        match arg.as_str() {
            "--peers" => settings.peers = value("--peers")? as usize,
            "--interval-ms" => settings.interval = Duration::from_millis(value("--interval-ms")?),
            "--items" => settings.items = value("--items")? as usize,
            "--raw-rss" => settings.raw_rss = true,
            seconds if !seconds.starts_with('-') => {
                settings.seconds = seconds.parse().map_err(|e| format!("SECONDS {seconds:?}: {e}"))?
            }
            other => return Err(format!("unknown argument {other:?}; usage: {USAGE}")),
        }
    }
    if settings.seconds < 3 || settings.peers < 2 || !settings.peers.is_multiple_of(2) || settings.interval.is_zero() {
        return Err("SECONDS must be at least 3, --peers even and at least 2, --interval-ms above 0".into());
    }
    if settings.items == 0 || settings.items > 50_000 {
        return Err("--items must be in 1..=50000".into());
    }
    Ok(settings)
}

fn lock(tally: &Mutex<Tally>) -> std::sync::MutexGuard<'_, Tally> {
    tally.lock().unwrap_or_else(|p| p.into_inner())
}

async fn soak(s: &Settings) -> Result<Run, String> {
    let metrics = tokio::runtime::Handle::current().metrics();
    let tasks_baseline = metrics.num_alive_tasks();
    let rss_before = memory::rss()?;
    eprintln!("soak: connecting {} peers on 127.0.0.1", s.peers);
    // Peers 2k and 2k + 1 are the two ends of one connection.
    let peers = connect(s.peers / 2).await?;
    let tallies: Vec<Arc<Mutex<Tally>>> = peers.iter().map(|_| Arc::default()).collect();
    let (phase, phase_rx) = watch::channel(Phase::Load);
    let mut nodes = JoinSet::new();
    for (i, peer) in peers.iter().enumerate() {
        let load = Load {
            interval: s.interval,
            items: s.items,
            seed: i as u64 + 1,
        };
        nodes.spawn(node::run(peer.clone(), phase_rx.clone(), tallies[i].clone(), load));
    }
    drop(phase_rx);

    let sent_so_far = || -> u64 { tallies.iter().map(|t| lock(t).sent.iter().sum::<u64>()).sum() };
    let start = Instant::now();
    let sample = |sent| -> Result<Sample, String> {
        Ok(Sample {
            t: start.elapsed().as_secs_f64(),
            rss: if s.raw_rss {
                memory::rss()?
            } else {
                memory::trimmed_rss()?
            },
            sent,
            tasks: metrics.num_alive_tasks(),
            queued: peers.iter().map(|p| p.queued_bytes()).sum(),
        })
    };
    let mut samples = vec![sample(0)?];
    let mut second = tokio::time::interval_at(start + Duration::from_secs(1), Duration::from_secs(1));
    for _ in 0..s.seconds {
        second.tick().await;
        let now = sample(sent_so_far())?;
        eprint!("\rsoak: {:>3.0} s  RSS {:>7.1} MiB  ", now.t, memory::mib(now.rss));
        samples.push(now);
    }
    eprintln!();

    // Quiet point: no new announcements; what is in flight gets answered and every handle resolves while
    // the peers are still up.
    phase.send_replace(Phase::Drain);
    tokio::time::sleep(DRAIN).await;
    let outstanding = || -> usize { tallies.iter().map(|t| lock(t).outstanding).sum() };
    let deadline = Instant::now() + DRAIN_GRACE;
    while outstanding() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let unresolved_at_drain = outstanding();
    let (mismatches, written) = report::conservation(&peers, &tallies).await;

    // Everyone goes; nothing may stay behind.
    phase.send_replace(Phase::Disconnect);
    for peer in &peers {
        peer.disconnect();
    }
    let deadline = Instant::now() + END_GRACE;
    let mut not_disconnected = 0;
    for peer in &peers {
        if timeout_at(deadline, peer.wait_for_disconnect()).await.is_err() {
            not_disconnected += 1;
        }
    }
    while let Ok(Some(joined)) = timeout_at(deadline, nodes.join_next()).await {
        joined.map_err(|e| format!("a node task failed: {e}"))?;
    }
    let nodes_not_ended = nodes.len();
    nodes.abort_all();
    let peers_with_tasks = peers.iter().filter(|p| p.running_tasks() > 0).count();
    let early_disconnects = tallies
        .iter()
        .enumerate()
        .filter_map(|(i, t)| lock(t).early_disconnect.clone().map(|r| format!("peer {i}: {r}")))
        .collect();
    drop(peers);
    let deadline = Instant::now() + TASK_GRACE;
    while metrics.num_alive_tasks() > tasks_baseline && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut total = Tally::default();
    for t in &tallies {
        report::add(&mut total, &lock(t));
    }
    Ok(Run {
        rss_before,
        samples,
        rss_after: memory::rss()?,
        rss_trimmed: memory::trimmed_rss()?,
        tasks_baseline,
        tasks_after: metrics.num_alive_tasks(),
        total,
        written,
        unresolved_at_drain,
        mismatches,
        early_disconnects,
        not_disconnected,
        nodes_not_ended,
        peers_with_tasks,
    })
}

/// `pairs` connections over 127.0.0.1, handshaked: both ends of each, in order.
async fn connect(pairs: usize) -> Result<Vec<Peer<Bitcoin>>, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("bind: {e}"))?;
    let addr = listener.local_addr().map_err(|e| format!("listener address: {e}"))?;
    // Pings every second, so that they flow in a short run; the two sides keep separate nonce caches so that
    // they do not take each other for self-connections.
    let config = |nonces: NonceCache| {
        PeerConfig::<Bitcoin>::builder(Network::BITCOIN_REGTEST)
            .ping_interval(Some(Duration::from_secs(1)))
            .nonces(nonces)
            .events(256)
            .build()
    };
    let (dialing, accepting) = (config(NonceCache::default()), config(NonceCache::default()));
    let mut handshakes = JoinSet::new();
    for i in 0..pairs {
        let (dialed, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
        let dialed = dialed.map_err(|e| format!("connect: {e}"))?;
        let (accepted, _) = accepted.map_err(|e| format!("accept: {e}"))?;
        let (dialing, accepting) = (dialing.clone(), accepting.clone());
        handshakes.spawn(async move {
            let (out, inb) = tokio::join!(
                Peer::from_tcp(dialing, dialed, Direction::Outbound, CancellationToken::new()),
                Peer::from_tcp(accepting, accepted, Direction::Inbound, CancellationToken::new()),
            );
            let handshake = |e: coinpeer_runtime::ConnectError| format!("handshake of connection {i}: {e}");
            Ok::<_, String>((i, out.map_err(handshake)?, inb.map_err(handshake)?))
        });
    }
    let mut peers: Vec<Option<(Peer<Bitcoin>, Peer<Bitcoin>)>> = (0..pairs).map(|_| None).collect();
    while let Some(done) = handshakes.join_next().await {
        let (i, out, inb) = done.map_err(|e| format!("handshake task: {e}"))??;
        peers[i] = Some((out, inb));
    }
    Ok(peers.into_iter().flatten().flat_map(|(a, b)| [a, b]).collect())
}
