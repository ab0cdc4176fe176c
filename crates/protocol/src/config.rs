//! How a connection behaves: limits, timers and what we tell the remote, with per-dialect defaults.

use crate::inventory::TrickleInterval;
use crate::stall::StallConfig;
use coinpeer_cache::{NonceCache, DEFAULT_INVENTORY_CAPACITY, DEFAULT_INVENTORY_TTL};
use coinpeer_handshake::HandshakeConfig;
use coinpeer_wire::{Dialect, Network};
use std::sync::OnceLock;
use std::time::Duration;

/// The most a remote may make us hold before its verack: messages kept for replay, and the frame in
/// progress. Unknown commands are skipped as they arrive, so they do not count.
pub const DEFAULT_PRE_HANDSHAKE_BUDGET: usize = 64 * 1024;
/// The cap on memory held by queued outgoing messages before the remote counts as a slow reader (dcrd's
/// 40 MiB).
pub const DEFAULT_MAX_QUEUED_BYTES: usize = 40 * 1024 * 1024;
/// Beyond this much queued memory, [`Connection::send`](crate::Connection::send) says the buffer is full.
pub const DEFAULT_SEND_BUFFER: usize = 4 * 1024 * 1024;
/// How long the final messages (a reject) may take to leave once the connection is closing.
pub const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// How a connection behaves. [`Config::new`] picks the dialect's defaults from the network. Equal configurations
/// share their nonce cache and version hook (see their `PartialEq`), so that a driver can give every peer
/// with the same settings one `Arc<Config>`.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct Config {
    /// The network spoken.
    pub network: Network,
    /// Who we are and what we accept during the handshake.
    pub handshake: HandshakeConfig,
    /// Ping this often; `None` never pings. Bitcoin 2 min, Decred 107 s (as btcd and dcrd).
    pub ping_interval: Option<Duration>,
    /// A ping unanswered for this long ends the connection. Default: the idle timeout.
    pub ping_timeout: Duration,
    /// No whole message for this long ends the connection. Bitcoin 5 min, Decred 120 s.
    pub idle_timeout: Duration,
    /// How often queued inventory is announced.
    pub trickle_interval: TrickleInterval,
    /// Items the known-inventory cache holds, and for how long.
    pub known_inventory: (usize, Duration),
    /// Stall detection; `None` turns it off.
    pub stall: Option<StallConfig>,
    /// Memory queued for sending beyond which `send` says the buffer is full (back-pressure).
    pub send_buffer: usize,
    /// Memory queued for sending beyond which the remote counts as a slow reader and is disconnected.
    /// Messages the connection sends on its own (pongs, trickled inventory) count too.
    pub max_queued_bytes: usize,
    /// The most a remote may make us hold before its verack.
    pub pre_handshake_budget: usize,
    /// Unknown commands end the connection (dcrd's rule) rather than being passed on (btcd's: it keeps
    /// peers of newer versions connected). Off by default.
    pub strict_unknown_commands: bool,
    /// Hand the remote's version to the application and wait for
    /// [`accept_version`](crate::Connection::accept_version) or
    /// [`refuse_version`](crate::Connection::refuse_version) before answering it.
    pub defer_version_decision: bool,
    /// How long the final messages (a reject) may take to leave once the connection is closing.
    pub drain_timeout: Duration,
    /// Nonces of our version messages, shared by every connection that should recognise a connection to
    /// itself. Default: one cache for the whole process, as btcd and dcrd have.
    pub nonces: NonceCache,
}

impl Config {
    /// The defaults for `network`'s dialect.
    pub fn new(network: Network) -> Self {
        let (ping, idle) = match network.dialect() {
            Dialect::Bitcoin => (Duration::from_secs(120), Duration::from_secs(300)),
            Dialect::Decred => (Duration::from_secs(107), Duration::from_secs(120)),
        };
        Config {
            network,
            handshake: HandshakeConfig::default(),
            ping_interval: Some(ping),
            ping_timeout: idle,
            idle_timeout: idle,
            trickle_interval: TrickleInterval::default(),
            known_inventory: (DEFAULT_INVENTORY_CAPACITY, DEFAULT_INVENTORY_TTL),
            stall: Some(StallConfig::default()),
            send_buffer: DEFAULT_SEND_BUFFER,
            max_queued_bytes: DEFAULT_MAX_QUEUED_BYTES,
            pre_handshake_budget: DEFAULT_PRE_HANDSHAKE_BUDGET,
            strict_unknown_commands: false,
            defer_version_decision: false,
            drain_timeout: DEFAULT_DRAIN_TIMEOUT,
            nonces: process_nonces().clone(),
        }
    }
}

/// The nonce cache every connection of the process shares unless configured otherwise.
pub fn process_nonces() -> &'static NonceCache {
    static NONCES: OnceLock<NonceCache> = OnceLock::new();
    NONCES.get_or_init(NonceCache::default)
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("network", &self.network)
            .field("ping_interval", &self.ping_interval)
            .field("ping_timeout", &self.ping_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("trickle_interval", &self.trickle_interval)
            .field("stall", &self.stall)
            .field("send_buffer", &self.send_buffer)
            .field("max_queued_bytes", &self.max_queued_bytes)
            .field("pre_handshake_budget", &self.pre_handshake_budget)
            .field("strict_unknown_commands", &self.strict_unknown_commands)
            .finish_non_exhaustive()
    }
}
