//! `coinpeer demo`: a small network of in-process nodes on 127.0.0.1, fully meshed, that handshake, ping,
//! and trickle made-up transaction inventory to each other, with live progress and a table at the end.

use crate::adapter::{CliDialect, Handler, Incoming};
use crate::network::{parse_network, NETWORK_HELP};
use crate::output::{bytes, latency, messages, stats_cells, StatusLine, Table, STATS_COLUMNS};
use coinpeer_runtime::{
    async_trait, Bitcoin, CancellationToken, Decred, Direction, NonceCache, Peer, PeerConfig, StatsSnapshot,
};
use coinpeer_wire::messages::{InvType, Inventory};
use coinpeer_wire::{Hash256, Network};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// How often the demo's peers ping each other.
const PING_INTERVAL: Duration = Duration::from_secs(1);
/// Each node invents new transactions at a random moment within this period.
const INVENT_EVERY: Duration = Duration::from_millis(400);
/// At most this many transactions invented at once.
const INVENT_MAX: u64 = 3;
/// How long the connections may take to close at the end.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Arguments of `coinpeer demo`.
#[derive(clap::Args)]
pub(crate) struct DemoArgs {
    #[arg(long, default_value = "bitcoin-regtest", help = NETWORK_HELP)]
    network: String,
    /// Nodes to start (each connects to every other).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(2..=32))]
    peers: u16,
    /// How long to run, in seconds.
    #[arg(long, value_name = "S", default_value = "10", value_parser = crate::parse_secs)]
    seconds: Duration,
}

/// Runs `coinpeer demo`.
pub(crate) fn run(args: DemoArgs) -> Result<ExitCode, String> {
    let network = parse_network(&args.network)?;
    let rt = crate::runtime()?;
    match network.dialect() {
        coinpeer_wire::Dialect::Bitcoin => rt.block_on(demo::<Bitcoin>(&args, network)),
        coinpeer_wire::Dialect::Decred => rt.block_on(demo::<Decred>(&args, network)),
    }?;
    Ok(ExitCode::SUCCESS)
}

/// One in-process node: its peers, the inventory it has seen, and its counters.
struct Node<D: CliDialect> {
    index: usize,
    peers: Mutex<Vec<Peer<D>>>,
    /// Every inventory hash this node invented or heard: only new ones are relayed.
    seen: Mutex<HashSet<Hash256>>,
    invented: AtomicU64,
    /// Items heard from one peer and passed on to the others (each counted once per node).
    relayed: AtomicU64,
    /// Inventory items received and sent, by peer id.
    inv_in: Mutex<HashMap<u64, u64>>,
    inv_out: Mutex<HashMap<u64, u64>>,
    /// Why connections of this node could not be set up.
    failures: Mutex<Vec<String>>,
}

/// Locks a mutex whose data stays consistent even if a holder panicked (nothing under these locks panics).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<D: CliDialect> Node<D> {
    fn new(index: usize) -> Self {
        Node {
            index,
            peers: Mutex::new(Vec::new()),
            seen: Mutex::new(HashSet::new()),
            invented: AtomicU64::new(0),
            relayed: AtomicU64::new(0),
            inv_in: Mutex::new(HashMap::new()),
            inv_out: Mutex::new(HashMap::new()),
            failures: Mutex::new(Vec::new()),
        }
    }

    /// A configuration of its own: a fresh nonce cache (so that the nodes, all in one process, do not take
    /// each other for self connections) and a user agent naming the node.
    fn config(self: &Arc<Self>, network: &Network) -> PeerConfig<D> {
        PeerConfig::<D>::builder(network.clone())
            .user_agent("coinpeer-demo", env!("CARGO_PKG_VERSION"))
            .user_agent_comment(&format!("node{}", self.index))
            .ping_interval(Some(PING_INTERVAL))
            .nonces(NonceCache::default())
            .listener(D::listener(self.clone()))
            .build()
    }

    /// Starts a peer on `stream`; records it, or why it failed.
    async fn add_peer(
        &self,
        config: PeerConfig<D>,
        stream: TcpStream,
        direction: Direction,
        cancel: CancellationToken,
    ) {
        match Peer::from_tcp(config, stream, direction, cancel).await {
            Ok(peer) => {
                // A first latency at once, rather than after a full ping interval.
                drop(peer.push_ping());
                lock(&self.peers).push(peer);
            }
            Err(e) => self.fail(format!("node {}: {e}", self.index)),
        }
    }

    fn fail(&self, why: String) {
        lock(&self.failures).push(why);
    }

    /// Announces `items` to every peer but `except`, trickled.
    fn announce(&self, items: &[Inventory], except: Option<u64>) {
        for peer in lock(&self.peers).iter().filter(|p| Some(p.id()) != except) {
            for item in items {
                peer.queue_inventory(*item);
            }
        }
    }

    /// Makes up `n` transactions and announces them.
    fn invent(&self, n: u64) {
        let items: Vec<Inventory> = (0..n)
            .map(|_| Inventory::new(InvType::TX, crate::rand::random_hash()))
            .collect();
        lock(&self.seen).extend(items.iter().map(|i| i.hash));
        self.invented.fetch_add(n, Ordering::Relaxed);
        self.announce(&items, None);
    }

    fn peers(&self) -> Vec<Peer<D>> {
        lock(&self.peers).clone()
    }
}

#[async_trait]
impl<D: CliDialect> Handler<D> for Node<D> {
    async fn on_message(&self, peer: &Peer<D>, msg: &D::Message, _wire_len: usize) {
        let Incoming::Inv(items) = D::classify(msg) else {
            return;
        };
        *lock(&self.inv_in).entry(peer.id()).or_default() += items.len() as u64;
        let new: Vec<Inventory> = {
            let mut seen = lock(&self.seen);
            items.iter().filter(|i| seen.insert(i.hash)).copied().collect()
        };
        self.relayed.fetch_add(new.len() as u64, Ordering::Relaxed);
        self.announce(&new, Some(peer.id()));
    }

    async fn on_sent(&self, peer: &Peer<D>, msg: &D::Message) {
        if let Incoming::Inv(items) = D::classify(msg) {
            *lock(&self.inv_out).entry(peer.id()).or_default() += items.len() as u64;
        }
    }
}

/// The numbers the status line and the summary show.
struct Totals {
    handshakes: usize,
    expected: usize,
    messages: u64,
    bytes: u64,
    ping: Option<Duration>,
    invented: u64,
    relayed: u64,
}

impl Totals {
    fn of<D: CliDialect>(nodes: &[Arc<Node<D>>], stats: &[(usize, StatsSnapshot)]) -> Self {
        let pings: Vec<Duration> = stats.iter().filter_map(|(_, s)| s.last_ping_latency).collect();
        let n = nodes.len();
        Totals {
            handshakes: stats.len(),
            expected: n * (n - 1),
            // Counted where sent: each message and byte on the wire once.
            messages: stats.iter().map(|(_, s)| messages(s, true)).sum(),
            bytes: stats.iter().map(|(_, s)| s.bytes_sent).sum(),
            ping: (!pings.is_empty()).then(|| pings.iter().sum::<Duration>() / pings.len() as u32),
            invented: nodes.iter().map(|n| n.invented.load(Ordering::Relaxed)).sum(),
            relayed: nodes.iter().map(|n| n.relayed.load(Ordering::Relaxed)).sum(),
        }
    }

    fn line(&self, elapsed: Duration) -> String {
        format!(
            "[{:5.1}s] handshakes {}/{}  messages {}  bytes {}  ping avg {}  inv invented {}  relayed {}",
            elapsed.as_secs_f64(),
            self.handshakes,
            self.expected,
            self.messages,
            bytes(self.bytes),
            latency(self.ping),
            self.invented,
            self.relayed
        )
    }
}

/// Every connection, with the index of the node it belongs to, by node and peer id.
fn all_peers<D: CliDialect>(nodes: &[Arc<Node<D>>]) -> Vec<(usize, Peer<D>)> {
    let mut peers: Vec<(usize, Peer<D>)> = nodes
        .iter()
        .flat_map(|n| n.peers().into_iter().map(|p| (n.index, p)))
        .collect();
    peers.sort_by_key(|(node, p)| (*node, p.id()));
    peers
}

/// The statistics of `peers`.
fn snapshot<D: CliDialect>(peers: &[(usize, Peer<D>)]) -> Vec<(usize, StatsSnapshot)> {
    peers.iter().map(|(node, p)| (*node, p.stats())).collect()
}

async fn demo<D: CliDialect>(args: &DemoArgs, network: Network) -> Result<(), String> {
    let n = usize::from(args.peers);
    let nodes: Vec<Arc<Node<D>>> = (0..n).map(|i| Arc::new(Node::new(i))).collect();
    let cancel = CancellationToken::new();
    let mut tasks = tokio::task::JoinSet::new();

    let mut addrs: Vec<SocketAddr> = Vec::with_capacity(n);
    for node in &nodes {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
        addrs.push(listener.local_addr().map_err(|e| e.to_string())?);
        tasks.spawn(accept(node.clone(), node.config(&network), listener, cancel.clone()));
    }
    // A full mesh: node i dials every node after it.
    for (i, node) in nodes.iter().enumerate() {
        for (j, addr) in addrs.iter().enumerate().skip(i + 1) {
            let (node, config, addr, cancel) = (node.clone(), node.config(&network), *addr, cancel.clone());
            tasks.spawn(async move {
                match TcpStream::connect(addr).await {
                    Ok(stream) => node.add_peer(config, stream, Direction::Outbound, cancel).await,
                    Err(e) => node.fail(format!("node {i} cannot dial node {j} at {addr}: {e}")),
                }
            });
        }
        tasks.spawn(invent(node.clone(), cancel.clone()));
    }

    let start = Instant::now();
    let end = start + args.seconds;
    let mut status = StatusLine::stderr();
    let mut ticks = tokio::time::interval(status.interval());
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(end) => break,
            _ = ticks.tick() => {
                let stats = snapshot(&all_peers(&nodes));
                status.update(&Totals::of(&nodes, &stats).line(start.elapsed()));
            }
        }
    }

    // The verdict is taken before anything is shut down: every connection must have lasted to here.
    let peers = all_peers(&nodes);
    let stats = snapshot(&peers);
    let totals = Totals::of(&nodes, &stats);
    status.update(&totals.line(start.elapsed()));
    status.finish();
    let dropped: Vec<String> = peers
        .iter()
        .filter(|(_, p)| !p.is_connected())
        .map(|(i, p)| {
            let reason = p.disconnect_reason().map_or_else(|| "?".into(), |r| r.to_string());
            format!("node {i} peer {}: {reason}", p.id())
        })
        .collect();
    let failures: Vec<String> = nodes.iter().flat_map(|n| lock(&n.failures).clone()).collect();

    cancel.cancel();
    let _ = tokio::time::timeout(CLOSE_WAIT, async {
        for (_, p) in &peers {
            p.disconnect();
            p.wait_for_disconnect().await;
        }
        while tasks.join_next().await.is_some() {}
    })
    .await;

    let mut out = table(&nodes, &stats);
    out += &format!(
        "summary: {n} nodes, {}/{} handshakes, {} of {} connections up to the end, {} messages, {}, ping avg {}, \
         {} inventory items invented, {} relayed\n",
        totals.handshakes,
        totals.expected,
        totals.handshakes - dropped.len(),
        totals.expected,
        totals.messages,
        bytes(totals.bytes),
        latency(totals.ping),
        totals.invented,
        totals.relayed
    );
    crate::output::print(&out);
    if totals.handshakes < totals.expected {
        let why = failures.first().map_or("", String::as_str);
        return Err(format!(
            "only {} of {} handshakes completed{}{why}",
            totals.handshakes,
            totals.expected,
            if why.is_empty() { "" } else { "; first failure: " }
        ));
    }
    if let Some(first) = dropped.first() {
        return Err(format!(
            "{} connections dropped before the end; first: {first}",
            dropped.len()
        ));
    }
    Ok(())
}

/// The table of every connection, by node.
fn table<D: CliDialect>(nodes: &[Arc<Node<D>>], stats: &[(usize, StatsSnapshot)]) -> String {
    let mut columns = vec![("NODE", true)];
    columns.extend_from_slice(STATS_COLUMNS);
    columns.extend([("INV IN", true), ("INV OUT", true)]);
    let mut t = Table::new(&columns);
    for (node, s) in stats {
        let count = |m: &Mutex<HashMap<u64, u64>>| lock(m).get(&s.id).copied().unwrap_or(0).to_string();
        let mut row = vec![node.to_string()];
        row.extend(stats_cells(s));
        row.push(count(&nodes[*node].inv_in));
        row.push(count(&nodes[*node].inv_out));
        t.row(row);
    }
    t.render()
}

/// Accepts connections for `node` until cancelled.
async fn accept<D: CliDialect>(
    node: Arc<Node<D>>,
    config: PeerConfig<D>,
    listener: TcpListener,
    cancel: CancellationToken,
) {
    let mut handshakes = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let (node, config, cancel) = (node.clone(), config.clone(), cancel.clone());
                    handshakes.spawn(async move { node.add_peer(config, stream, Direction::Inbound, cancel).await });
                }
                Err(e) => {
                    node.fail(format!("node {}: accept failed: {e}", node.index));
                    // Out of file descriptors and the like: give it a moment rather than spin.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
    while handshakes.join_next().await.is_some() {}
}

/// Makes up transactions for `node` every little while until cancelled.
async fn invent<D: CliDialect>(node: Arc<Node<D>>, cancel: CancellationToken) {
    loop {
        let r = coinpeer_runtime::random_nonce();
        let wait = Duration::from_millis(r % INVENT_EVERY.as_millis() as u64 + 1);
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(wait) => node.invent((r >> 32) % INVENT_MAX + 1),
        }
    }
}
