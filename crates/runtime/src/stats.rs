//! Per-peer statistics: a snapshot type and the counters behind it.

use coinpeer_handshake::{Direction, Features};
use coinpeer_wire::messages::ServiceFlags;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

/// Messages and bytes of one command, one way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommandStats {
    /// Messages.
    pub messages: u64,
    /// Bytes on the wire, headers included.
    pub bytes: u64,
}

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

/// The mutable counters, behind the peer's lock.
#[derive(Debug)]
pub(crate) struct Counters {
    pub(crate) last_send: Option<SystemTime>,
    pub(crate) last_recv: Option<SystemTime>,
    pub(crate) bytes_sent: u64,
    pub(crate) bytes_received: u64,
    pub(crate) last_block: i32,
    pub(crate) last_ping_nonce: Option<u64>,
    pub(crate) last_ping_sent: Option<(SystemTime, tokio::time::Instant)>,
    pub(crate) last_ping_latency: Option<Duration>,
    pub(crate) wants_headers: bool,
    pub(crate) fee_filter: Option<i64>,
    pub(crate) sent: BTreeMap<String, CommandStats>,
    pub(crate) received: BTreeMap<String, CommandStats>,
}

impl Counters {
    pub(crate) fn new() -> Self {
        Counters {
            last_send: None,
            last_recv: None,
            bytes_sent: 0,
            bytes_received: 0,
            last_block: 0,
            last_ping_nonce: None,
            last_ping_sent: None,
            last_ping_latency: None,
            wants_headers: false,
            fee_filter: None,
            sent: BTreeMap::new(),
            received: BTreeMap::new(),
        }
    }

    pub(crate) fn record(map: &mut BTreeMap<String, CommandStats>, command: &str, bytes: usize) {
        let e = map.entry(command.to_string()).or_default();
        e.messages += 1;
        e.bytes += bytes as u64;
    }
}
