//! `coinpeer connect`: dial one node, report the handshake, ping it, and optionally download and check its
//! headers and newest blocks.

use crate::adapter::{BlockCheck, CliDialect, Handler, Incoming};
use crate::chain::HeaderChain;
use crate::network::{genesis_hash, parse_network, service_names, NETWORK_HELP};
use crate::output::{latency, millis, StatusLine};
use bytes::Bytes;
use coinpeer_runtime::{async_trait, Bitcoin, CancellationToken, Decred, Direction, Outcome, Peer, PeerConfig};
use coinpeer_wire::messages::{InvType, Inventory};
use coinpeer_wire::{Command, Hash256, Network};
use serde_json::{json, Value};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// The command of the `--probe-unknown` message: no node defines it (commands are at most 12 bytes).
const PROBE_COMMAND: Command = Command::from_static("coinpeer");
/// Its payload: small, and says who sent it to anyone reading a capture.
const PROBE_PAYLOAD: &[u8] = b"coinpeer probe";
/// Blocks requested per `getdata`, so that a large `--blocks` does not hold many blocks in memory at once.
const BLOCKS_PER_REQUEST: usize = 16;
/// How long the disconnection at the end may take before we leave anyway.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Arguments of `coinpeer connect`.
#[derive(clap::Args)]
pub(crate) struct ConnectArgs {
    /// The node to dial.
    #[arg(value_name = "HOST:PORT")]
    addr: String,
    #[arg(long, help = NETWORK_HELP)]
    network: String,
    /// Download every header from the genesis block to the remote's tip and check that they chain.
    #[arg(long)]
    sync_headers: bool,
    /// Download the newest N blocks (implies --sync-headers) and check each: hash, merkle root, and that it
    /// encodes back to the bytes received.
    #[arg(long, value_name = "N")]
    blocks: Option<u32>,
    /// Pings to send; each waits for its pong.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pings: u32,
    /// Seconds between pings.
    #[arg(long, value_name = "SECS", default_value = "1", value_parser = crate::parse_secs)]
    ping_interval: Duration,
    /// Send a message of a command no node knows, then a ping: the remote tolerates it if the pong comes
    /// back and the connection stays up.
    #[arg(long)]
    probe_unknown: bool,
    /// Give up after this many seconds in all.
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = crate::parse_secs)]
    timeout: Duration,
    /// Print one JSON object on stdout at the end, whatever happened.
    #[arg(long)]
    json: bool,
}

/// Runs `coinpeer connect`.
pub(crate) fn run(args: ConnectArgs) -> Result<ExitCode, String> {
    let network = parse_network(&args.network)?;
    let rt = crate::runtime()?;
    let (report, result) = match network.dialect() {
        coinpeer_wire::Dialect::Bitcoin => rt.block_on(Session::<Bitcoin>::run(&args, network)),
        coinpeer_wire::Dialect::Decred => rt.block_on(Session::<Decred>::run(&args, network)),
    };
    if args.json {
        crate::output::json_line(&report.to_json(result.as_ref().err()));
    }
    result.map(|()| ExitCode::SUCCESS)
}

/// What the peer's listener hands to the session.
enum Reply<D: CliDialect> {
    Pong { nonce: u64, at: Instant },
    Headers(Vec<D::Header>),
    Block { block: D::Block, raw: Bytes },
    NotFound(Vec<Inventory>),
}

/// Forwards the replies the session waits for; runs on the peer's read path, so it only sends on a channel.
struct Replies<D: CliDialect>(mpsc::UnboundedSender<Reply<D>>);

#[async_trait]
impl<D: CliDialect> Handler<D> for Replies<D> {
    async fn on_message(&self, _peer: &Peer<D>, msg: &D::Message, _wire_len: usize) {
        let reply = match D::classify(msg) {
            Incoming::Pong(nonce) => Reply::Pong {
                nonce,
                at: Instant::now(),
            },
            Incoming::Headers(headers) => Reply::Headers(headers.to_vec()),
            Incoming::NotFound(items) => Reply::NotFound(items.to_vec()),
            _ => return,
        };
        // The session may be gone (it failed or timed out); nobody needs the reply then.
        let _ = self.0.send(reply);
    }

    async fn on_block(&self, _peer: &Peer<D>, block: &D::Block, raw: &Bytes) {
        let _ = self.0.send(Reply::Block {
            block: block.clone(),
            raw: raw.clone(),
        });
    }
}

/// Everything learnt, printed as JSON at the end.
#[derive(Debug, Default)]
struct Report {
    remote: Option<Value>,
    pings: Vec<Value>,
    probe: Option<Value>,
    headers: Option<Value>,
    blocks: Option<Vec<Value>>,
    still_connected: bool,
    disconnect_reason: Option<String>,
}

impl Report {
    /// The JSON object of `connect --json`.
    fn to_json(&self, error: Option<&String>) -> Value {
        let mut v = json!({
            "ok": error.is_none(),
            "error": error,
            "remote": self.remote,
            "pings": self.pings,
            "still_connected": self.still_connected,
            "disconnect_reason": self.disconnect_reason,
        });
        if let Value::Object(map) = &mut v {
            if let Some(probe) = &self.probe {
                map.insert("probe_unknown".into(), probe.clone());
            }
            if let Some(headers) = &self.headers {
                map.insert("headers".into(), headers.clone());
            }
            if let Some(blocks) = &self.blocks {
                map.insert("blocks".into(), blocks.clone().into());
            }
        }
        v
    }
}

/// One `connect` run: the peer, the replies its listener forwards, and the report.
struct Session<'a, D: CliDialect> {
    args: &'a ConnectArgs,
    network: Network,
    /// What the session is doing, for the timeout message.
    step: &'static str,
    peer: Option<Peer<D>>,
    replies: mpsc::UnboundedReceiver<Reply<D>>,
    listener: Arc<D::Listener>,
    report: Report,
    status: StatusLine,
}

impl<'a, D: CliDialect> Session<'a, D> {
    /// Runs every step under the overall timeout, then disconnects; the report holds what was learnt.
    async fn run(args: &'a ConnectArgs, network: Network) -> (Report, Result<(), String>) {
        let (tx, replies) = mpsc::unbounded_channel();
        let mut session = Session {
            args,
            network,
            step: "connecting",
            peer: None,
            replies,
            listener: D::listener(Arc::new(Replies(tx))),
            report: Report::default(),
            status: StatusLine::stderr(),
        };
        let result = match tokio::time::timeout(args.timeout, session.steps()).await {
            Ok(r) => r,
            Err(_) => Err(format!(
                "timed out after {} s while {}",
                args.timeout.as_secs_f64(),
                session.step
            )),
        };
        session.status.finish();
        if let Some(peer) = &session.peer {
            session.report.still_connected = peer.is_connected();
            session.report.disconnect_reason = peer.disconnect_reason().map(|r| r.to_string());
            peer.disconnect();
            let _ = tokio::time::timeout(CLOSE_WAIT, peer.wait_for_disconnect()).await;
        }
        (session.report, result)
    }

    async fn steps(&mut self) -> Result<(), String> {
        let addr = &self.args.addr;
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        self.step = "handshaking";
        let config = PeerConfig::<D>::builder(self.network.clone())
            .user_agent("coinpeer-cli", env!("CARGO_PKG_VERSION"))
            // Pings are ours to send and time, one at a time.
            .ping_interval(None)
            .handshake_timeout(self.args.timeout)
            .listener(self.listener.clone())
            .build();
        let peer = Peer::from_tcp(config, stream, Direction::Outbound, CancellationToken::new())
            .await
            .map_err(|e| format!("{addr}: {e}"))?;
        self.peer = Some(peer.clone());
        self.report_remote(&peer);

        self.step = "pinging";
        for i in 0..self.args.pings {
            if i > 0 {
                tokio::time::sleep(self.args.ping_interval).await;
            }
            let (nonce, rtt) = self.ping(&peer).await?;
            self.report
                .pings
                .push(json!({"nonce": nonce, "latency_ms": millis(rtt)}));
            self.say(format!("ping {}: {} (nonce {nonce})", i + 1, latency(Some(rtt))));
        }

        if self.args.probe_unknown {
            self.step = "probing with an unknown command";
            self.probe(&peer).await?;
        }

        if self.args.sync_headers || self.args.blocks.is_some() {
            self.step = "downloading headers";
            let chain = self.sync_headers(&peer).await?;
            if let Some(n) = self.args.blocks {
                self.step = "downloading blocks";
                self.download_blocks(&peer, &chain, n).await?;
            }
        }
        Ok(())
    }

    /// Prints a line, unless the output is JSON.
    fn say(&self, line: String) {
        if !self.args.json {
            crate::output::print(&format!("{line}\n"));
        }
    }

    fn report_remote(&mut self, peer: &Peer<D>) {
        let f = peer.features();
        let names = service_names(&self.network, peer.services());
        let yes = |b: bool| if b { "yes" } else { "no" };
        self.say(format!("connected to {} ({})", peer.addr(), self.network));
        self.say(format!(
            "  version      {} (negotiated {})",
            peer.advertised_version(),
            peer.protocol_version()
        ));
        self.say(format!("  user agent   {}", peer.user_agent()));
        self.say(format!("  services     {} {}", peer.services(), names.join(" ")));
        self.say(format!("  start height {}", peer.starting_height()));
        self.say(format!(
            "  features     addrv2 {} (remote wants addrv2 {}), wtxid relay {}, witness {}",
            yes(f.addrv2),
            yes(f.remote_wants_addrv2),
            yes(f.wtxid_relay),
            yes(f.witness)
        ));
        self.report.remote = Some(json!({
            "addr": peer.addr().to_string(),
            "version": peer.advertised_version(),
            "negotiated_version": peer.protocol_version(),
            "user_agent": peer.user_agent(),
            "services": peer.services().0,
            "service_names": names,
            "start_height": peer.starting_height(),
            "features": {
                "addrv2": f.addrv2,
                "remote_wants_addrv2": f.remote_wants_addrv2,
                "wtxid_relay": f.wtxid_relay,
                "witness": f.witness,
            },
        }));
    }

    /// The next reply from the peer; an error once the peer has disconnected and every reply is consumed.
    async fn next_reply(&mut self, peer: &Peer<D>) -> Result<Reply<D>, String> {
        let gone = |peer: &Peer<D>| {
            format!(
                "the remote disconnected while {}: {}",
                self.step,
                peer.disconnect_reason()
                    .map_or_else(|| "no reason".to_string(), |r| r.to_string())
            )
        };
        tokio::select! {
            biased;
            reply = self.replies.recv() => reply.ok_or_else(|| gone(peer)),
            () = peer.wait_for_disconnect() => match self.replies.try_recv() {
                Ok(reply) => Ok(reply),
                Err(_) => Err(gone(peer)),
            },
        }
    }

    /// Queues `msg` and checks that it was written.
    async fn send(&self, peer: &Peer<D>, what: &str, handle: coinpeer_runtime::SendHandle) -> Result<(), String> {
        match handle.await {
            Outcome::Sent => Ok(()),
            Outcome::Failed(e) => Err(format!("could not send {what}: {e}")),
            _ => Err(format!(
                "could not send {what}: disconnected ({})",
                peer.disconnect_reason()
                    .map_or_else(|| "no reason".to_string(), |r| r.to_string())
            )),
        }
    }

    /// Sends one ping and waits for its pong: the nonce and the round trip.
    async fn ping(&mut self, peer: &Peer<D>) -> Result<(u64, Duration), String> {
        let nonce = coinpeer_runtime::random_nonce();
        let start = Instant::now();
        self.send(peer, "a ping", peer.queue_message(D::ping(nonce))).await?;
        loop {
            if let Reply::Pong { nonce: n, at } = self.next_reply(peer).await? {
                if n == nonce {
                    return Ok((nonce, at - start));
                }
            }
        }
    }

    async fn probe(&mut self, peer: &Peer<D>) -> Result<(), String> {
        let msg = D::unknown(PROBE_COMMAND, Bytes::from_static(PROBE_PAYLOAD));
        let sent = self.send(peer, "the probe", peer.queue_message(msg)).await;
        let answered = match sent {
            Ok(()) => self.ping(peer).await,
            Err(e) => Err(e),
        };
        let tolerated = answered.is_ok() && peer.is_connected();
        self.report.probe = Some(json!({"command": PROBE_COMMAND.to_string(), "tolerated": tolerated}));
        match answered {
            Ok(_) if tolerated => {
                self.say(format!("probe: unknown command \"{PROBE_COMMAND}\" tolerated"));
                Ok(())
            }
            Ok(_) => Err(format!(
                "the remote answered the ping after the unknown command \"{PROBE_COMMAND}\" but disconnected"
            )),
            Err(e) => Err(format!(
                "the remote did not tolerate the unknown command \"{PROBE_COMMAND}\": {e}"
            )),
        }
    }

    /// Downloads headers from the genesis block to the remote's announced height, checking that they chain.
    async fn sync_headers(&mut self, peer: &Peer<D>) -> Result<HeaderChain, String> {
        let target = u32::try_from(peer.starting_height()).unwrap_or(0);
        let mut chain = HeaderChain::new(genesis_hash(&self.network));
        // A node at height 0 counts itself as still syncing and ignores `getheaders` (Bitcoin Core, bcoin):
        // there is nothing to download anyway.
        let mut done = target == 0;
        while !done {
            let handle = peer
                .push_get_headers(chain.locator(), Hash256::ZERO)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("the remote sent no headers after height {}", chain.height()))?;
            self.send(peer, "getheaders", handle).await?;
            let batch = loop {
                if let Reply::Headers(batch) = self.next_reply(peer).await? {
                    break batch;
                }
            };
            chain
                .extend(&batch)
                .map_err(|e| format!("the remote's headers do not chain: {e}"))?;
            self.status.tick(&format!("headers: {} of {target}", chain.height()));
            if batch.len() < D::MAX_HEADERS {
                if chain.height() < target {
                    return Err(format!(
                        "the remote announced height {target} but its headers end at height {}",
                        chain.height()
                    ));
                }
                done = true;
            }
        }
        self.status.finish();
        let hex = |h: Option<Hash256>| h.map(|h| h.to_string());
        self.say(format!(
            "headers: {} from genesis {} to tip {}, all chained",
            chain.height(),
            hex(chain.genesis()).unwrap_or_else(|| "(unknown)".into()),
            hex(chain.tip()).unwrap_or_default()
        ));
        self.report.headers = Some(json!({
            "count": chain.height(),
            "genesis": hex(chain.genesis()),
            "tip": hex(chain.tip()),
            "hashes": chain.hashes().iter().map(|h| h.to_string()).collect::<Vec<_>>(),
        }));
        Ok(chain)
    }

    /// Downloads the newest `n` blocks of `chain` and checks each.
    async fn download_blocks(&mut self, peer: &Peer<D>, chain: &HeaderChain, n: u32) -> Result<(), String> {
        let n = n.min(chain.height());
        let first = chain.height() - n + 1;
        let kind = D::block_inv_type(peer);
        let witness = kind == InvType::WITNESS_BLOCK;
        let wanted: Vec<(u32, Hash256)> = (first..=chain.height())
            .zip(chain.hashes()[first as usize - 1..].iter().copied())
            .collect();
        let mut failures = Vec::new();
        self.report.blocks = Some(Vec::new());
        for batch in wanted.chunks(BLOCKS_PER_REQUEST) {
            let items = batch.iter().map(|(_, hash)| Inventory::new(kind, *hash)).collect();
            self.send(peer, "getdata", peer.queue_message(D::get_data(items)))
                .await?;
            // Blocks are matched by hash (a remote lacking one sends the others, then a `notfound`); a block
            // nobody asked for answers the oldest request still open: the remote sent the wrong block.
            let mut pending: Vec<(u32, Hash256)> = batch.to_vec();
            while !pending.is_empty() {
                match self.next_reply(peer).await? {
                    Reply::Block { block, raw } => {
                        let check = D::check_block(&self.network, &block, &raw, witness);
                        let i = pending.iter().position(|(_, h)| *h == check.hash).unwrap_or(0);
                        let (height, hash) = pending.remove(i);
                        self.record_block(height, hash, raw.len(), &check, &mut failures);
                    }
                    Reply::NotFound(items) => {
                        if let Some((height, hash)) = pending.iter().find(|(_, h)| items.iter().any(|i| i.hash == *h)) {
                            return Err(format!("the remote does not have block {hash} at height {height}"));
                        }
                    }
                    _ => {}
                }
            }
        }
        match failures.first() {
            None => Ok(()),
            Some(first) => Err(format!("{} of {n} blocks failed their checks; {first}", failures.len())),
        }
    }

    fn record_block(
        &mut self,
        height: u32,
        hash: Hash256,
        size: usize,
        check: &BlockCheck,
        failures: &mut Vec<String>,
    ) {
        let hash_ok = check.hash == hash;
        let yes = |b: bool| if b { "ok" } else { "FAILED" };
        self.say(format!(
            "block {height} {hash} {size} bytes, {} txs: hash {}, merkle root {}, re-encoding {}",
            check.txs,
            yes(hash_ok),
            yes(check.merkle_ok),
            if check.reencoded_identical {
                "identical"
            } else {
                "DIFFERS"
            },
        ));
        if !hash_ok {
            failures.push(format!("block {height}: asked for {hash}, received {}", check.hash));
        } else if !check.merkle_ok {
            failures.push(format!(
                "block {height} ({hash}): the merkle root does not match its transactions"
            ));
        } else if !check.reencoded_identical {
            failures.push(format!(
                "block {height} ({hash}): re-encoding differs from the bytes received"
            ));
        }
        self.report.blocks.get_or_insert_with(Vec::new).push(json!({
            "height": height,
            "hash": hash.to_string(),
            "size": size,
            "txs": check.txs,
            "hash_ok": hash_ok,
            "merkle_ok": check.merkle_ok,
            "reencoded_identical": check.reencoded_identical,
        }));
    }
}
