//! Peer configuration with sane defaults and a builder.

use crate::Dialect;
use coinpeer_cache::NonceCache;
use coinpeer_handshake::{HandshakeConfig, UserAgent, VersionHook};
use coinpeer_protocol::StallConfig;
use coinpeer_protocol::TrickleInterval;
use coinpeer_wire::messages::{NetAddress, ServiceFlags};
use coinpeer_wire::Network;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Where the height of our best block comes from; an error keeps the peer from starting
/// ([`ConnectError::NewestBlock`](crate::ConnectError::NewestBlock)).
pub type NewestBlock = Arc<dyn Fn() -> Result<i32, BoxError> + Send + Sync>;

/// An error of the application's own, carried as it is.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Maps the remote's socket address to the address written in our version message (e.g. to resolve an
/// onion host behind a proxy).
pub type HostToAddress = Arc<dyn Fn(SocketAddr) -> NetAddress + Send + Sync>;

/// The default interval between our pings on Bitcoin networks (btcd's two minutes; Decred: dcrd's 107 s).
pub const DEFAULT_PING_INTERVAL: Duration = Duration::from_secs(120);
/// The default idle timeout on Bitcoin networks: a peer that sends no whole message for this long is
/// disconnected (Decred: dcrd's 120 s).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// The default memory queued for sending beyond which `send` waits for room.
pub const DEFAULT_SEND_BUFFER: u64 = 4 * 1024 * 1024;
/// The default cap on bytes queued for writing (dcrd's 40 MiB).
pub const DEFAULT_MAX_QUEUED_BYTES: u64 = 40 * 1024 * 1024;

/// How a peer behaves. Build one with [`PeerConfig::builder`].
pub struct PeerConfig<D: Dialect> {
    /// The network spoken.
    pub network: Network,
    /// Who we are and what we accept during the handshake.
    pub handshake: HandshakeConfig,
    /// The source of our best block height; `None` reports 0.
    pub newest_block: Option<NewestBlock>,
    /// Maps the remote's socket address to the one we tell it; `None` uses the socket address.
    pub host_to_address: Option<HostToAddress>,
    /// Disconnect after this long without a whole message from the remote; also how long a ping may go
    /// unanswered.
    pub idle_timeout: Duration,
    /// Ping this often; `None` never pings.
    pub ping_interval: Option<Duration>,
    /// Bytes that may wait for the writer before the peer counts as a slow reader and is disconnected. Each
    /// message counts its wire size plus its bookkeeping ([`QUEUED_MESSAGE_OVERHEAD`](crate::QUEUED_MESSAGE_OVERHEAD)),
    /// and, with listeners, its wire size again for the copy kept for `on_write`. A message that would hold
    /// more than this on its own fails ([`SendFailure::TooLarge`](crate::SendFailure)) and the peer stays.
    pub max_queued_bytes: u64,
    /// How often queued inventory is announced.
    pub trickle_interval: TrickleInterval,
    /// Stall detection; `None` turns it off.
    pub stall: Option<StallConfig>,
    /// Nonces of our version messages, shared by every peer of the process (self-connection detection).
    pub nonces: NonceCache,
    /// Listeners, called in order on the read path.
    pub listeners: Vec<Arc<D::Listener>>,
    /// Memory queued for sending beyond which [`Peer::send`](crate::Peer::send) waits and
    /// [`Peer::try_send`](crate::Peer::try_send) says the queue is full.
    pub send_buffer: u64,
    /// Deliver events on a stream ([`Peer::events`](crate::Peer::events)) holding at most this many; `None`
    /// delivers none.
    pub events: Option<usize>,
}

impl<D: Dialect> PeerConfig<D> {
    /// A builder for `network` with every default.
    pub fn builder(network: Network) -> PeerConfigBuilder<D> {
        let defaults = coinpeer_protocol::Config::new(network.clone());
        PeerConfigBuilder {
            config: PeerConfig {
                network,
                handshake: HandshakeConfig::default(),
                newest_block: None,
                host_to_address: None,
                // The dialect's own: dcrd pings every 107 s and drops a peer silent for 120 s.
                idle_timeout: defaults.idle_timeout,
                ping_interval: defaults.ping_interval,
                max_queued_bytes: DEFAULT_MAX_QUEUED_BYTES,
                trickle_interval: TrickleInterval::default(),
                stall: Some(StallConfig::default()),
                // One cache for the whole process, as btcd and dcrd have: any peer recognises a connection
                // to any other peer of ours.
                nonces: coinpeer_protocol::process_nonces().clone(),
                listeners: Vec::new(),
                send_buffer: DEFAULT_SEND_BUFFER,
                events: None,
            },
        }
    }
}

impl<D: Dialect> Clone for PeerConfig<D> {
    fn clone(&self) -> Self {
        PeerConfig {
            network: self.network.clone(),
            handshake: self.handshake.clone(),
            newest_block: self.newest_block.clone(),
            host_to_address: self.host_to_address.clone(),
            idle_timeout: self.idle_timeout,
            ping_interval: self.ping_interval,
            max_queued_bytes: self.max_queued_bytes,
            trickle_interval: self.trickle_interval,
            stall: self.stall,
            nonces: self.nonces.clone(),
            listeners: self.listeners.clone(),
            send_buffer: self.send_buffer,
            events: self.events,
        }
    }
}

impl<D: Dialect> fmt::Debug for PeerConfig<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerConfig")
            .field("network", &self.network)
            .field("handshake", &self.handshake)
            .field("idle_timeout", &self.idle_timeout)
            .field("ping_interval", &self.ping_interval)
            .field("max_queued_bytes", &self.max_queued_bytes)
            .field("trickle_interval", &self.trickle_interval)
            .field("stall", &self.stall)
            .field("listeners", &self.listeners.len())
            .finish_non_exhaustive()
    }
}

/// Builds a [`PeerConfig`].
pub struct PeerConfigBuilder<D: Dialect> {
    config: PeerConfig<D>,
}

impl<D: Dialect> PeerConfigBuilder<D> {
    /// The user agent: application name and version (on the `/coinpeer:VERSION/` base).
    pub fn user_agent(mut self, name: &str, version: &str) -> Self {
        let comments = std::mem::take(&mut self.config.handshake.user_agent.comments);
        let base = std::mem::take(&mut self.config.handshake.user_agent.base);
        self.config.handshake.user_agent = UserAgent {
            base,
            name: name.into(),
            version: version.into(),
            comments,
        };
        self
    }
    /// Adds a user agent comment.
    pub fn user_agent_comment(mut self, comment: &str) -> Self {
        self.config.handshake.user_agent.comments.push(comment.into());
        self
    }
    /// Replaces the user agent's base (e.g. `/btcwire:0.5.0/`).
    pub fn user_agent_base(mut self, base: &str) -> Self {
        self.config.handshake.user_agent.base = base.into();
        self
    }
    /// Services we advertise.
    pub fn services(mut self, services: ServiceFlags) -> Self {
        self.config.handshake.services = services;
        self
    }
    /// The protocol version we send (default: the dialect's newest).
    pub fn max_protocol_version(mut self, version: u32) -> Self {
        self.config.handshake.max_version = Some(version);
        self
    }
    /// The oldest remote version accepted (default: Bitcoin 70001, Decred 9).
    pub fn min_protocol_version(mut self, version: u32) -> Self {
        self.config.handshake.min_version = Some(version);
        self
    }
    /// Whether the remote should relay transactions to us.
    pub fn relay(mut self, relay: bool) -> Self {
        self.config.handshake.relay = relay;
        self
    }
    /// Bitcoin: announce `wtxidrelay`.
    pub fn wtxid_relay(mut self, on: bool) -> Self {
        self.config.handshake.wtxid_relay = on;
        self
    }
    /// The connection goes through a proxy: no address we see is revealed.
    pub fn proxied(mut self, proxied: bool) -> Self {
        self.config.handshake.proxied = proxied;
        self
    }
    /// Accept connections to ourselves (tests).
    pub fn allow_self_connection(mut self, allow: bool) -> Self {
        self.config.handshake.allow_self_connection = allow;
        self
    }
    /// How long the handshake may take (default 30 s).
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.config.handshake.timeout = timeout;
        self
    }
    /// A hook deciding on the remote's version before the listeners see it.
    pub fn version_hook(mut self, hook: VersionHook) -> Self {
        self.config.handshake.on_version = Some(hook);
        self
    }
    /// The source of our best block height.
    pub fn newest_block(mut self, source: NewestBlock) -> Self {
        self.config.newest_block = Some(source);
        self
    }
    /// Maps remote socket addresses to the address we tell the remote.
    pub fn host_to_address(mut self, map: HostToAddress) -> Self {
        self.config.host_to_address = Some(map);
        self
    }
    /// The idle timeout (default 5 min).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.config.idle_timeout = timeout;
        self
    }
    /// The ping interval (default 2 min); `None` never pings.
    pub fn ping_interval(mut self, interval: Option<Duration>) -> Self {
        self.config.ping_interval = interval;
        self
    }
    /// The cap on bytes queued for writing (default 40 MiB).
    pub fn max_queued_bytes(mut self, bytes: u64) -> Self {
        self.config.max_queued_bytes = bytes;
        self
    }
    /// How often queued inventory is announced (default random in [100, 500) ms).
    pub fn trickle_interval(mut self, interval: TrickleInterval) -> Self {
        self.config.trickle_interval = interval;
        self
    }
    /// Stall detection settings (default [`StallConfig::default`]); `None` turns it off.
    pub fn stall_detection(mut self, stall: Option<StallConfig>) -> Self {
        self.config.stall = stall;
        self
    }
    /// The nonce cache for self-connection detection (default: the one the whole process shares; give
    /// peers that must not recognise each other, such as both ends of an in-process test, caches of their
    /// own).
    pub fn nonces(mut self, nonces: NonceCache) -> Self {
        self.config.nonces = nonces;
        self
    }
    /// Adds a listener; listeners run in the order added.
    pub fn listener(mut self, listener: Arc<D::Listener>) -> Self {
        self.config.listeners.push(listener);
        self
    }
    /// Memory queued for sending beyond which `send` waits and `try_send` says the queue is full (default
    /// [`DEFAULT_SEND_BUFFER`]).
    pub fn send_buffer(mut self, bytes: u64) -> Self {
        self.config.send_buffer = bytes;
        self
    }
    /// Delivers the peer's events on a stream holding at most `capacity` of them (see
    /// [`Peer::events`](crate::Peer::events)). While the stream is full, the peer stops reading.
    pub fn events(mut self, capacity: usize) -> Self {
        self.config.events = Some(capacity.max(1));
        self
    }
    /// The configuration.
    pub fn build(self) -> PeerConfig<D> {
        self.config
    }
}
