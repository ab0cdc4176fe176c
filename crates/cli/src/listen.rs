//! `coinpeer listen`: accept peers, log every message they send, keep the headers and blocks they offer,
//! and serve them back to anyone who asks.

use crate::adapter::{block_message, is_block_request, CliDialect, Handler, Incoming};
use crate::chain::{Added, ChainHeader, HeaderStore};
use crate::network::{genesis_hash, parse_network, NETWORK_HELP};
use crate::output::{json_line, stats_cells, stats_json, Table, STATS_COLUMNS};
use bytes::Bytes;
use coinpeer_runtime::{async_trait, Bitcoin, CancellationToken, Decred, Direction, Peer, PeerConfig, StatsSnapshot};
use coinpeer_wire::messages::{InvType, Inventory};
use coinpeer_wire::{Hash256, Network, WireMessage};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// The `tracing` target of the events `listen` logs (shown at info unless RUST_LOG says otherwise).
const LOG_TARGET: &str = "coinpeer::listen";
/// Most block hashes in an answer to `getblocks` (the protocol's inventory batch for it).
const MAX_BLOCKS_PER_INV: usize = 500;
/// Blocks of at most this many new headers at once are fetched too (announcements, small test chains).
const FETCH_BLOCKS_OF_HEADERS: usize = 32;
/// How long the peers may take to disconnect at the end.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Arguments of `coinpeer listen`.
#[derive(clap::Args)]
pub(crate) struct ListenArgs {
    /// Address to accept peers on, e.g. 127.0.0.1:18444 (port 0 picks a free port, printed at start).
    #[arg(long, value_name = "ADDR")]
    bind: SocketAddr,
    #[arg(long, help = NETWORK_HELP)]
    network: String,
    /// Write events as JSON lines on stdout (listening, connected, message, stored_block, disconnected,
    /// handshake_failed, and stats at the end) instead of log lines on stderr.
    #[arg(long)]
    json: bool,
}

impl ListenArgs {
    /// The log target to show by default: the events, unless they go to stdout as JSON.
    pub(crate) fn log_target(&self) -> Option<&'static str> {
        (!self.json).then_some(LOG_TARGET)
    }
}

/// Runs `coinpeer listen` until Ctrl-C (or SIGTERM).
pub(crate) fn run(args: ListenArgs) -> Result<ExitCode, String> {
    let network = parse_network(&args.network)?;
    let rt = crate::runtime()?;
    match network.dialect() {
        coinpeer_wire::Dialect::Bitcoin => rt.block_on(listen::<Bitcoin>(args, network)),
        coinpeer_wire::Dialect::Decred => rt.block_on(listen::<Decred>(args, network)),
    }?;
    Ok(ExitCode::SUCCESS)
}

/// Where events go: JSON lines on stdout, or log lines (the same fields as `key=value`).
#[derive(Debug, Clone, Copy)]
struct Events {
    json: bool,
}

impl Events {
    /// Emits `event` (a JSON object with an `event` field).
    fn emit(self, event: Value) {
        if self.json {
            json_line(&event);
            return;
        }
        let Value::Object(fields) = &event else {
            return;
        };
        let mut line = fields
            .get("event")
            .and_then(Value::as_str)
            .unwrap_or("event")
            .to_string();
        // Who first, then the rest in name order.
        let mut fields: Vec<(&String, &Value)> = fields.iter().filter(|(k, _)| *k != "event").collect();
        fields.sort_by_key(|(k, _)| (k.as_str() != "peer", k.as_str() != "addr", k.as_str()));
        for (key, value) in fields {
            line.push(' ');
            line.push_str(key);
            line.push('=');
            match value {
                Value::String(s) if !s.is_empty() && !s.contains([' ', '"', '=']) => line.push_str(s),
                other => line.push_str(&other.to_string()),
            }
        }
        tracing::info!(target: LOG_TARGET, "{line}");
    }
}

/// Headers and blocks heard from the peers.
struct Store<H> {
    headers: HeaderStore<H>,
    /// Block payloads as received, by hash: served again after decoding.
    blocks: HashMap<Hash256, Bytes>,
    /// Blocks asked for and not received yet, with the peer asked, so that each is asked for once (and again
    /// from another peer once that one has said `notfound` or gone).
    requested: HashMap<Hash256, u64>,
}

impl<H> Store<H> {
    /// Of `hashes`, those to ask `peer` for now (neither stored nor asked for), marked as asked for.
    fn mark_requested(&mut self, peer: u64, hashes: impl IntoIterator<Item = Hash256>) -> Vec<Hash256> {
        let mut wanted = Vec::new();
        for hash in hashes {
            if !self.blocks.contains_key(&hash) && !self.requested.contains_key(&hash) {
                self.requested.insert(hash, peer);
                wanted.push(hash);
            }
        }
        wanted
    }
}

/// The node: what it stores, who is connected, where its events go.
struct Node<D: CliDialect> {
    events: Events,
    store: Mutex<Store<D::Header>>,
    /// The peers connected now.
    peers: Mutex<Vec<Peer<D>>>,
    /// The final statistics of the last [`HISTORY`] peers that disconnected, for the stats at the end: a
    /// bounded record, so that a node that runs for long does not keep every peer it ever saw.
    history: Mutex<VecDeque<StatsSnapshot>>,
}

/// How many disconnected peers' statistics `listen` keeps.
const HISTORY: usize = 256;

impl<D: CliDialect> Node<D> {
    fn store(&self) -> MutexGuard<'_, Store<D::Header>> {
        // Nothing that can panic runs under the lock, so a poisoned store is still consistent.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn peers(&self) -> MutexGuard<'_, Vec<Peer<D>>> {
        self.peers.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn history(&self) -> MutexGuard<'_, VecDeque<StatsSnapshot>> {
        self.history.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks `peer` for the headers after our best chain.
    fn ask_headers(&self, peer: &Peer<D>) {
        let locator = self.store().headers.locator();
        // Nothing to do with the result: a repeat of the last request is dropped by the peer, which is what we
        // want, our locators are never too long, and a failed send ends the peer, which is reported anyway.
        let _ = peer.push_get_headers(locator, Hash256::ZERO);
    }

    /// Answers `getdata`: the blocks we have, one `notfound` for the rest.
    fn serve_data(&self, peer: &Peer<D>, items: &[Inventory]) {
        let mut missing = Vec::new();
        for item in items {
            let raw = is_block_request(item.kind)
                .then(|| self.store().blocks.get(&item.hash).cloned())
                .flatten();
            let msg = raw.map(|raw| block_message::<D>(&raw, peer.protocol_version()));
            match msg {
                Some(Ok(msg)) => drop(peer.queue_message_with(msg, item.kind == InvType::WITNESS_BLOCK)),
                Some(Err(e)) => {
                    tracing::warn!(target: LOG_TARGET, "stored block {} does not decode: {e}", item.hash);
                    missing.push(*item);
                }
                None => missing.push(*item),
            }
        }
        if !missing.is_empty() {
            drop(peer.queue_message(D::not_found(missing)));
        }
    }

    /// Asks `peer` for the blocks of `hashes` not stored or asked for yet.
    fn fetch_blocks(&self, peer: &Peer<D>, hashes: impl IntoIterator<Item = Hash256>) {
        let wanted = self.store().mark_requested(peer.id(), hashes);
        if !wanted.is_empty() {
            let kind = D::block_inv_type(peer);
            let items = wanted.into_iter().map(|h| Inventory::new(kind, h)).collect();
            drop(peer.queue_message(D::get_data(items)));
        }
    }

    /// Stores headers. A full batch that chained on means more to come: ask for it. A small batch of new
    /// headers is an announcement (or a test chain): fetch their blocks too, which a large batch (a header
    /// sync from a long chain) does not get.
    fn take_headers(&self, peer: &Peer<D>, headers: &[D::Header]) {
        let mut new = Vec::new();
        let mut connected = false;
        {
            let mut store = self.store();
            for h in headers {
                let added = store.headers.add(h.clone());
                connected = matches!(added, Added::Connected(_) | Added::Known);
                if added != Added::Known {
                    new.push(h.hash());
                }
            }
        }
        if headers.len() >= D::MAX_HEADERS && connected {
            self.ask_headers(peer);
        }
        if headers.len() <= FETCH_BLOCKS_OF_HEADERS {
            self.fetch_blocks(peer, new);
        }
    }

    /// Stores a block; a new best block is announced to the other peers.
    fn take_block(&self, from: &Peer<D>, block: &D::Block, raw: &Bytes) {
        let header = D::block_header(block).clone();
        let hash = header.hash();
        let (new_block, added, height, tip) = {
            let mut store = self.store();
            store.requested.remove(&hash);
            let new_block = store.blocks.insert(hash, raw.clone()).is_none();
            let added = store.headers.add(header);
            (
                new_block,
                added,
                store.headers.height(&hash),
                store.headers.tip_height(),
            )
        };
        if added == Added::Orphan {
            // Blocks we have not heard of came before this one (a node announces only its tip after a burst).
            self.ask_headers(from);
        }
        self.events.emit(json!({
            "event": "stored_block", "peer": from.id(), "hash": hash.to_string(), "height": height, "bytes": raw.len(),
        }));
        if new_block && height == Some(tip) {
            let inv = Inventory::new(InvType::BLOCK, hash);
            from.add_known_inventory(&inv);
            for peer in self.peers().iter().filter(|p| p.id() != from.id()) {
                peer.queue_inventory(inv);
            }
        }
    }
}

#[async_trait]
impl<D: CliDialect> Handler<D> for Node<D> {
    async fn on_message(&self, peer: &Peer<D>, msg: &D::Message, wire_len: usize) {
        self.events.emit(json!({
            "event": "message",
            "peer": peer.id(),
            "command": msg.command().to_string(),
            "bytes": wire_len,
            "summary": msg.summary(),
        }));
        match D::classify(msg) {
            Incoming::Inv(items) => {
                let blocks = items.iter().filter(|i| is_block_request(i.kind)).map(|i| i.hash);
                self.fetch_blocks(peer, blocks);
            }
            Incoming::Headers(headers) => self.take_headers(peer, headers),
            Incoming::GetHeaders(l) => {
                let headers = self.store().headers.headers_after(&l.locator, l.stop, D::MAX_HEADERS);
                // Answered even when empty: that is how the remote learns it has everything.
                drop(peer.queue_message(D::headers(headers)));
            }
            Incoming::GetBlocks(l) => {
                let hashes = self
                    .store()
                    .headers
                    .hashes_after(&l.locator, l.stop, MAX_BLOCKS_PER_INV);
                if !hashes.is_empty() {
                    let items = hashes.into_iter().map(|h| Inventory::new(InvType::BLOCK, h)).collect();
                    drop(peer.queue_message(D::inv(items)));
                }
            }
            Incoming::GetData(items) => self.serve_data(peer, items),
            Incoming::NotFound(items) => {
                let mut store = self.store();
                for item in items {
                    if store.requested.get(&item.hash) == Some(&peer.id()) {
                        store.requested.remove(&item.hash);
                    }
                }
            }
            Incoming::Pong(_) | Incoming::Other => {}
        }
    }

    async fn on_block(&self, peer: &Peer<D>, block: &D::Block, raw: &Bytes) {
        self.take_block(peer, block, raw);
    }

    async fn on_connected(&self, peer: &Peer<D>) {
        self.events.emit(json!({
            "event": "connected",
            "peer": peer.id(),
            "addr": peer.addr().to_string(),
            "user_agent": peer.user_agent(),
            "version": peer.advertised_version(),
            "negotiated_version": peer.protocol_version(),
            "services": peer.services().0,
            "start_height": peer.starting_height(),
        }));
        self.peers().push(peer.clone());
        self.ask_headers(peer);
    }
}

async fn listen<D: CliDialect>(args: ListenArgs, network: Network) -> Result<(), String> {
    let events = Events { json: args.json };
    let listener = TcpListener::bind(args.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let node = Arc::new(Node::<D> {
        events,
        store: Mutex::new(Store {
            headers: HeaderStore::new(genesis_hash(&network)),
            blocks: HashMap::new(),
            requested: HashMap::new(),
        }),
        peers: Mutex::new(Vec::new()),
        history: Mutex::new(VecDeque::new()),
    });
    let height_source = node.clone();
    let config = PeerConfig::<D>::builder(network.clone())
        .user_agent("coinpeer-cli", env!("CARGO_PKG_VERSION"))
        .services(D::serving_services())
        .newest_block(Arc::new(move || {
            Ok(i32::try_from(height_source.store().headers.tip_height()).unwrap_or(i32::MAX))
        }))
        .listener(D::listener(node.clone()))
        .build();
    events.emit(json!({"event": "listening", "addr": local.to_string(), "network": network.name()}));

    let cancel = CancellationToken::new();
    let mut tasks = JoinSet::new();
    let stop = shutdown_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tasks.spawn(serve(node.clone(), config.clone(), stream, cancel.clone()));
                }
                Err(e) => {
                    // Out of file descriptors and the like: pass, and try again shortly.
                    tracing::warn!(target: LOG_TARGET, "accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            // Reaps finished connections so that the set does not grow with every peer ever seen.
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    drop(listener);
    cancel.cancel();
    let _ = tokio::time::timeout(CLOSE_WAIT, async { while tasks.join_next().await.is_some() {} }).await;

    let mut peers: Vec<_> = node.history().iter().cloned().collect();
    peers.extend(node.peers().iter().map(Peer::stats));
    let (headers, tip, blocks) = {
        let store = node.store();
        (store.headers.len(), store.headers.tip_height(), store.blocks.len())
    };
    if args.json {
        json_line(&json!({
            "event": "stats",
            "peers": peers.iter().map(stats_json).collect::<Vec<_>>(),
            "headers": headers,
            "tip_height": tip,
            "blocks": blocks,
        }));
    } else {
        let mut table = Table::new(STATS_COLUMNS);
        for s in &peers {
            table.row(stats_cells(s));
        }
        let summary = format!(
            "{} peers; stored {headers} headers (best height {tip}) and {blocks} blocks\n",
            peers.len()
        );
        crate::output::print(&(table.render() + &summary));
    }
    Ok(())
}

/// One inbound connection: the handshake, then the peer's life. The peer announces itself (`connected`)
/// from its listener, before its first message is logged.
async fn serve<D: CliDialect>(node: Arc<Node<D>>, config: PeerConfig<D>, stream: TcpStream, cancel: CancellationToken) {
    let addr = stream
        .peer_addr()
        .map_or_else(|_| "unknown".to_string(), |a| a.to_string());
    let peer = match Peer::from_tcp(config, stream, Direction::Inbound, cancel).await {
        Ok(peer) => peer,
        Err(e) => {
            node.events
                .emit(json!({"event": "handshake_failed", "addr": addr, "error": e.to_string()}));
            return;
        }
    };
    peer.wait_for_disconnect().await;
    node.store().requested.retain(|_, asked| *asked != peer.id());
    node.peers().retain(|p| p.id() != peer.id());
    let mut history = node.history();
    if history.len() == HISTORY {
        history.pop_front();
    }
    history.push_back(peer.stats());
    drop(history);
    let reason = peer
        .disconnect_reason()
        .map_or_else(|| "unknown".to_string(), |r| r.to_string());
    node.events
        .emit(json!({"event": "disconnected", "peer": peer.id(), "reason": reason}));
}

/// Resolves on Ctrl-C, or on SIGTERM where there is such a thing; never if signals cannot be watched.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
