//! What a running peer knows of its remote and of itself: addresses, the negotiated session, counters.

use crate::peer::{relock, Peer};
use crate::stats::StatsSnapshot;
use crate::Dialect;
use coinpeer_handshake::{Direction, Features};
use coinpeer_wire::messages::{NetAddress, ServiceFlags, VersionMessage};
use coinpeer_wire::Hash256;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;

impl<D: Dialect> Peer<D> {
    /// The process-unique id.
    pub fn id(&self) -> u64 {
        self.shared.id
    }

    /// The remote's socket address.
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// Our socket address, when known (TCP).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.shared.local_addr
    }

    /// Who dialed.
    pub fn direction(&self) -> Direction {
        self.shared.direction
    }

    /// The network spoken.
    pub fn network(&self) -> &coinpeer_wire::Network {
        &self.shared.network
    }

    /// The negotiated protocol version (the dialect's newest until the handshake completes).
    pub fn protocol_version(&self) -> u32 {
        use coinpeer_handshake::HandshakeMessage;
        self.session().map_or(D::Message::MAX_VERSION, |s| s.version)
    }

    /// The remote's version message.
    pub fn remote_version(&self) -> Option<&VersionMessage> {
        self.session().map(|s| &s.remote)
    }

    /// The protocol version the remote advertised.
    pub fn advertised_version(&self) -> u32 {
        self.session().map_or(0, |s| s.remote.version)
    }

    /// The services the remote advertised.
    pub fn services(&self) -> ServiceFlags {
        self.session().map_or(ServiceFlags::NONE, |s| s.remote.services)
    }

    /// The remote's user agent.
    pub fn user_agent(&self) -> &str {
        self.session().map_or("", |s| s.remote.user_agent.as_str())
    }

    /// The remote's address as a network address (the address and the services it advertised).
    pub fn net_address(&self) -> NetAddress {
        NetAddress::from_socket_addr(self.shared.addr, self.services())
    }

    /// The remote's clock minus ours, in seconds.
    pub fn time_offset(&self) -> i64 {
        self.session().map_or(0, |s| s.time_offset)
    }

    /// Optional features in force.
    pub fn features(&self) -> Features {
        self.session().map(|s| s.features).unwrap_or_default()
    }

    /// Bitcoin: the remote sends and receives witness data.
    pub fn witness_enabled(&self) -> bool {
        self.features().witness
    }

    /// The remote asked for new blocks to be announced with `headers`.
    pub fn wants_headers(&self) -> bool {
        self.core().conn.wants_headers()
    }

    /// The remote's minimum fee rate (per 1000 bytes) for transactions we announce, from its `feefilter`.
    pub fn fee_filter(&self) -> Option<i64> {
        self.core().conn.fee_filter()
    }

    /// Our requests still awaiting an answer (0 when stall detection is off).
    pub fn pending_requests(&self) -> usize {
        self.core().conn.pending_requests()
    }

    /// The remote's height at the handshake.
    pub fn starting_height(&self) -> i32 {
        self.session().map_or(0, |s| s.remote.start_height)
    }

    /// The remote's best known height.
    pub fn last_block(&self) -> i32 {
        self.shared.last_block.load(Ordering::Relaxed)
    }

    /// Raises the remote's best known height; a lower height is ignored.
    pub fn update_last_block_height(&self, height: i32) {
        self.shared.last_block.fetch_max(height, Ordering::Relaxed);
    }

    /// The last block the remote announced.
    pub fn last_announced_block(&self) -> Option<Hash256> {
        *relock(&self.shared.last_announced_block)
    }

    /// Records the last block the remote announced.
    pub fn update_last_announced_block(&self, hash: Hash256) {
        *relock(&self.shared.last_announced_block) = Some(hash);
    }

    /// Memory held by queued messages: their bytes and their bookkeeping.
    pub fn queued_bytes(&self) -> u64 {
        self.core().conn.queued_memory() as u64
    }

    /// A consistent snapshot of the statistics.
    pub fn stats(&self) -> StatsSnapshot {
        let core = self.core();
        StatsSnapshot::new(self, &core)
    }
}
