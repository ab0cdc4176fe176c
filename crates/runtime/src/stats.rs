//! Per-peer statistics: a snapshot of the state machine's counters and what the handshake settled.

use coinpeer_handshake::{Direction, Features};
use coinpeer_wire::messages::ServiceFlags;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use crate::driver::Core;
use crate::peer::{now, Peer};
use crate::Dialect;
pub use coinpeer_protocol::CommandStats;

/// A consistent copy of a peer's statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsSnapshot {
    /// Process-unique peer id, from 1.
    pub id: u64,
    /// The remote's socket address.
    pub addr: SocketAddr,
    /// Services the remote advertised.
    pub services: ServiceFlags,
    /// When the last message was written (after the handshake).
    pub last_send: Option<SystemTime>,
    /// When the last message was read (after the handshake).
    pub last_recv: Option<SystemTime>,
    /// Bytes written, handshake included.
    pub bytes_sent: u64,
    /// Bytes read, handshake included.
    pub bytes_received: u64,
    /// When the peer was created.
    pub conn_time: SystemTime,
    /// The remote's clock minus ours, seconds.
    pub time_offset: i64,
    /// The protocol version the remote advertised.
    pub version: u32,
    /// The negotiated protocol version.
    pub negotiated_version: u32,
    /// The remote's user agent.
    pub user_agent: String,
    /// Who dialed.
    pub direction: Direction,
    /// The remote's height at the handshake.
    pub starting_height: i32,
    /// The remote's best known height (only increases).
    pub last_block: i32,
    /// Nonce of our unanswered ping, if any.
    pub last_ping_nonce: Option<u64>,
    /// When our last ping was written.
    pub last_ping_time: Option<SystemTime>,
    /// Round trip of the last answered ping.
    pub last_ping_latency: Option<Duration>,
    /// Optional features in force.
    pub features: Features,
    /// Whether the remote asked for headers announcements (`sendheaders`).
    pub wants_headers: bool,
    /// The remote's minimum fee rate for transactions we announce (`feefilter`), if it sent one.
    pub fee_filter: Option<i64>,
    /// Our requests still awaiting an answer (stall detection).
    pub pending_requests: usize,
    /// Inventory items waiting for the next trickle.
    pub pending_inventory: usize,
    /// Per-command counters of messages written.
    pub sent: BTreeMap<String, CommandStats>,
    /// Per-command counters of messages read.
    pub received: BTreeMap<String, CommandStats>,
}

impl StatsSnapshot {
    pub(crate) fn new<D: Dialect>(peer: &Peer<D>, core: &Core<D>) -> Self {
        let conn = &core.conn;
        let session = conn.session();
        let stats = conn.stats();
        // The state machine counts on its own clock; the snapshot speaks wall-clock time.
        let wall = |at: Instant| SystemTime::now().checked_sub(now().saturating_duration_since(at));
        let by_name = |counters: &coinpeer_protocol::CommandCounters| {
            counters.iter().map(|(c, s)| (c.as_str().to_string(), *s)).collect()
        };
        StatsSnapshot {
            id: peer.id(),
            addr: peer.addr(),
            services: session.map_or(ServiceFlags::NONE, |s| s.remote.services),
            last_send: stats.last_sent.and_then(wall),
            last_recv: stats.last_received.and_then(wall),
            bytes_sent: stats.bytes_sent,
            bytes_received: stats.bytes_received,
            conn_time: peer.shared.conn_time,
            time_offset: session.map_or(0, |s| s.time_offset),
            version: session.map_or(0, |s| s.remote.version),
            negotiated_version: session.map_or(0, |s| s.version),
            user_agent: session.map_or_else(String::new, |s| s.remote.user_agent.clone()),
            direction: peer.direction(),
            starting_height: session.map_or(0, |s| s.remote.start_height),
            last_block: peer.last_block(),
            last_ping_nonce: conn.ping_awaiting(),
            last_ping_time: conn.ping_sent_at().and_then(wall),
            last_ping_latency: conn.ping_latency(),
            features: session.map(|s| s.features).unwrap_or_default(),
            wants_headers: conn.wants_headers(),
            fee_filter: conn.fee_filter(),
            pending_requests: conn.pending_requests(),
            pending_inventory: conn.pending_inventory(),
            sent: by_name(&stats.sent),
            received: by_name(&stats.received),
        }
    }
}
