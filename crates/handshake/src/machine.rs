//! The handshake state machine: messages and the time in, messages to send and a result out.

use crate::dialect::{HandshakeMessage, MessageKind};
use crate::{ConfigError, HandshakeConfig, HandshakeError, VersionHook};
use coinpeer_cache::NonceCache;
use coinpeer_wire::bitcoin::RejectCode;
use coinpeer_wire::messages::{NetAddress, VersionMessage};
use std::collections::VecDeque;
use std::time::Instant;

/// Who opened the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// We dialed: we speak first.
    Outbound,
    /// The remote dialed: it speaks first.
    Inbound,
}

/// What the caller supplies that a sans-IO machine must not fetch itself.
#[derive(Debug, Clone, Copy)]
pub struct LocalInputs {
    /// A fresh random nonce for our version message.
    pub nonce: u64,
    /// The current Unix time in seconds (for our version's timestamp and the remote's clock offset).
    pub unix_time: i64,
    /// The height of our best block.
    pub start_height: i32,
    /// The current instant, from which the timeout runs.
    pub now: Instant,
}

/// Optional features both sides agreed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Features {
    /// The remote sent `sendaddrv2`: send it `addrv2` rather than `addr`.
    pub remote_wants_addrv2: bool,
    /// Both sides sent `sendaddrv2`.
    pub addrv2: bool,
    /// Both sides sent `wtxidrelay`: announce transactions by wtxid.
    pub wtxid_relay: bool,
    /// The remote advertises witness support: send it witness-serialized blocks and transactions.
    pub witness: bool,
}

/// A completed handshake.
#[derive(Debug, Clone, PartialEq)]
pub struct Negotiated<M> {
    /// The protocol version both sides speak: the smaller of the two.
    pub version: u32,
    /// The remote's version message (advertised version, services, user agent, start height, nonce, ...).
    pub remote: VersionMessage,
    /// The version message we sent.
    pub local: VersionMessage,
    /// The remote's clock minus ours, in seconds, when its version arrived.
    pub time_offset: i64,
    /// Optional features in force.
    pub features: Features,
    /// Other messages the remote sent before its verack, in order, for the caller to process now.
    pub replay: Vec<M>,
    /// Who dialed.
    pub direction: Direction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Waiting for the remote's version.
    AwaitVersion,
    /// Version received (and ours sent): waiting for the verack.
    AwaitVerack,
    /// Complete; the result is ready.
    Done,
    /// Failed; only queued messages (a reject) remain to be sent.
    Failed,
}

/// A version/verack negotiation, driven by the caller.
///
/// Feed it each received message with [`handle`](Self::handle), send whatever
/// [`poll_transmit`](Self::poll_transmit) yields after every call, and call
/// [`check_timeout`](Self::check_timeout) at [`deadline`](Self::deadline). When `handle` reports completion,
/// [`finish`](Self::finish) gives the [`Negotiated`] result. After an error, still send what `poll_transmit`
/// yields (a best-effort `reject` on Bitcoin, and nothing else: messages queued before the error and not yet
/// taken are discarded), then close the connection.
///
/// ```
/// use coinpeer_cache::NonceCache;
/// use coinpeer_handshake::{Direction, Handshake, HandshakeConfig, LocalInputs};
/// use coinpeer_wire::{bitcoin::Message, messages::{NetAddress, ServiceFlags}};
/// use std::time::Instant;
///
/// let config = HandshakeConfig::new("example", "1.0");
/// // Two processes, so two nonce caches: sharing one would look like a connection to ourselves.
/// let (nonces_a, nonces_b) = (NonceCache::default(), NonceCache::default());
/// let addr = NetAddress::from_socket_addr("127.0.0.1:18444".parse().unwrap(), ServiceFlags::NONE);
/// let now = Instant::now();
/// let local = |nonce| LocalInputs { nonce, unix_time: 1_700_000_000, start_height: 0, now };
/// let mut a = Handshake::<Message>::new(&config, Direction::Outbound, addr, local(1), &nonces_a).unwrap();
/// let mut b = Handshake::<Message>::new(&config, Direction::Inbound, addr, local(2), &nonces_b).unwrap();
/// // Shuttle messages until both sides are done.
/// while !(a.is_complete() && b.is_complete()) {
///     while let Some(m) = a.poll_transmit() { b.handle(m, 1_700_000_000).unwrap(); }
///     while let Some(m) = b.poll_transmit() { a.handle(m, 1_700_000_000).unwrap(); }
/// }
/// assert_eq!(a.finish().unwrap().version, 70016);
/// ```
#[derive(Debug)]
pub struct Handshake<M> {
    direction: Direction,
    rules: Rules,
    local: VersionMessage,
    min_version: u32,
    nonces: NonceCache,
    deadline: Instant,
    stage: Stage,
    outbox: VecDeque<M>,
    remote: Option<VersionMessage>,
    negotiated: u32,
    time_offset: i64,
    features: Features,
    /// Whether we announced `sendaddrv2` / `wtxidrelay`, so a feature counts only when both sides did.
    sent_addrv2: bool,
    sent_wtxid_relay: bool,
    /// The remote sent `wtxidrelay` (a second one is an error, whether or not we announced ours).
    remote_wtxid_relay: bool,
    replay: Vec<M>,
}

/// What the machine still needs of its [`HandshakeConfig`] once started: kept apart rather than the whole
/// configuration, whose user agent strings would otherwise be copied for every connection.
struct Rules {
    max_messages_before_verack: usize,
    allow_self_connection: bool,
    on_version: Option<VersionHook>,
    addrv2: bool,
    wtxid_relay: bool,
}

impl std::fmt::Debug for Rules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rules")
            .field("max_messages_before_verack", &self.max_messages_before_verack)
            .field("allow_self_connection", &self.allow_self_connection)
            .field("on_version", &self.on_version.as_ref().map(|_| "hook"))
            .field("addrv2", &self.addrv2)
            .field("wtxid_relay", &self.wtxid_relay)
            .finish()
    }
}

impl<M: HandshakeMessage> Handshake<M> {
    /// Starts a handshake with the remote at `remote_addr` (as we see it). An outbound handshake queues our
    /// version at once. Our nonce is registered in `nonces`, which should be shared by every peer of the
    /// process so that any of them recognises a connection to another.
    pub fn new(
        config: &HandshakeConfig,
        direction: Direction,
        remote_addr: NetAddress,
        inputs: LocalInputs,
        nonces: &NonceCache,
    ) -> Result<Self, ConfigError> {
        let user_agent = config.user_agent.render()?;
        // Behind a proxy the address we see is the proxy's: telling the remote would leak it.
        let receiver = if config.proxied {
            NetAddress::unspecified(remote_addr.services)
        } else {
            remote_addr
        };
        let local = VersionMessage {
            version: config.max_version.unwrap_or(M::MAX_VERSION),
            services: config.services,
            timestamp: inputs.unix_time,
            receiver,
            sender: NetAddress::unspecified(config.services),
            nonce: inputs.nonce,
            user_agent,
            start_height: inputs.start_height,
            relay: config.relay,
        };
        nonces.insert(inputs.nonce);
        let mut hs = Handshake {
            direction,
            rules: Rules {
                max_messages_before_verack: config.max_messages_before_verack,
                allow_self_connection: config.allow_self_connection,
                on_version: config.on_version.clone(),
                addrv2: config.addrv2,
                wtxid_relay: config.wtxid_relay,
            },
            min_version: config.min_version.unwrap_or(M::DEFAULT_MIN_VERSION),
            nonces: nonces.clone(),
            deadline: inputs.now + config.timeout,
            stage: Stage::AwaitVersion,
            outbox: VecDeque::new(),
            remote: None,
            negotiated: local.version,
            time_offset: 0,
            features: Features::default(),
            sent_addrv2: false,
            sent_wtxid_relay: false,
            remote_wtxid_relay: false,
            replay: Vec::new(),
            local,
        };
        if direction == Direction::Outbound {
            hs.outbox.push_back(M::version(hs.local.clone()));
        }
        Ok(hs)
    }

    /// The version message we send.
    pub fn local_version(&self) -> &VersionMessage {
        &self.local
    }

    /// The next message to send, if any.
    pub fn poll_transmit(&mut self) -> Option<M> {
        self.outbox.pop_front()
    }

    /// When the handshake times out.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// True once the remote's verack completed the handshake.
    pub fn is_complete(&self) -> bool {
        self.stage == Stage::Done
    }

    /// Fails the handshake if `now` is at or past the deadline.
    pub fn check_timeout(&mut self, now: Instant) -> Result<(), HandshakeError> {
        if matches!(self.stage, Stage::AwaitVersion | Stage::AwaitVerack) && now >= self.deadline {
            self.stage = Stage::Failed;
            self.outbox.clear();
            return Err(HandshakeError::Timeout);
        }
        Ok(())
    }

    /// Processes one received message; `unix_time` is the current Unix time, for the clock offset.
    ///
    /// Returns `Ok(true)` when this message completed the handshake.
    pub fn handle(&mut self, msg: M, unix_time: i64) -> Result<bool, HandshakeError> {
        let queued = self.outbox.len();
        let result = self.step(msg, unix_time);
        if result.is_err() {
            self.stage = Stage::Failed;
            // What was queued before and not yet taken (our version, our verack, held back by a caller still
            // deciding) must not follow a failure: only the reject this failure queued is left to send.
            self.outbox.drain(..queued);
        }
        result
    }

    fn step(&mut self, msg: M, unix_time: i64) -> Result<bool, HandshakeError> {
        match (self.stage, msg.kind()) {
            (Stage::AwaitVersion, MessageKind::Version(v)) => {
                let v = v.clone();
                self.accept_version(v, unix_time)?;
                Ok(false)
            }
            (Stage::AwaitVersion, _) => {
                let command = msg.command();
                self.queue_reject(
                    "version",
                    RejectCode::MALFORMED.0,
                    "a version message must precede all others",
                );
                Err(HandshakeError::NotVersionFirst(command))
            }
            (Stage::AwaitVerack, MessageKind::Verack) => {
                self.stage = Stage::Done;
                Ok(true)
            }
            (Stage::AwaitVerack, MessageKind::Version(_)) => {
                self.queue_reject("version", RejectCode::DUPLICATE.0, "duplicate version message");
                Err(HandshakeError::DuplicateVersion)
            }
            (Stage::AwaitVerack, MessageKind::SendAddrV2) if !self.features.remote_wants_addrv2 => {
                self.features.remote_wants_addrv2 = true;
                self.features.addrv2 = self.sent_addrv2;
                Ok(false)
            }
            (Stage::AwaitVerack, MessageKind::WtxidRelay) if !self.remote_wtxid_relay => {
                self.remote_wtxid_relay = true;
                self.features.wtxid_relay = self.sent_wtxid_relay;
                Ok(false)
            }
            (Stage::AwaitVerack, MessageKind::SendAddrV2 | MessageKind::WtxidRelay) => {
                Err(HandshakeError::Unexpected(msg.command()))
            }
            (Stage::AwaitVerack, MessageKind::Other) => {
                if self.replay.len() >= self.rules.max_messages_before_verack {
                    return Err(HandshakeError::TooManyMessages(self.rules.max_messages_before_verack));
                }
                self.replay.push(msg);
                Ok(false)
            }
            // The caller should stop feeding a finished machine; say so rather than ignore it.
            (Stage::Done | Stage::Failed, _) => Err(HandshakeError::Unexpected(msg.command())),
        }
    }

    fn accept_version(&mut self, remote: VersionMessage, unix_time: i64) -> Result<(), HandshakeError> {
        if !self.rules.allow_self_connection && self.nonces.contains(remote.nonce) {
            return Err(HandshakeError::SelfConnection);
        }
        self.negotiated = self.local.version.min(remote.version);
        if remote.version < self.min_version {
            let reason = format!("protocol version must be {} or greater", self.min_version);
            self.queue_reject("version", RejectCode::OBSOLETE.0, &reason);
            return Err(HandshakeError::ObsoleteVersion {
                remote: remote.version,
                minimum: self.min_version,
            });
        }
        if let Some(hook) = &self.rules.on_version {
            if let Err(reason) = hook(&remote) {
                self.queue_reject("version", RejectCode::INVALID.0, &reason);
                return Err(HandshakeError::Refused(reason));
            }
        }
        // Saturating: the remote's timestamp is whatever it chose to send.
        self.time_offset = remote.timestamp.saturating_sub(unix_time);
        self.features.witness = M::has_witness(remote.services);
        if self.direction == Direction::Inbound {
            self.outbox.push_back(M::version(self.local.clone()));
        }
        let support = M::features_at(self.negotiated);
        if let Some(msg) = M::send_addrv2().filter(|_| support.addrv2 && self.rules.addrv2) {
            self.outbox.push_back(msg);
            self.sent_addrv2 = true;
        }
        if let Some(msg) = M::wtxid_relay().filter(|_| support.wtxid_relay && self.rules.wtxid_relay) {
            self.outbox.push_back(msg);
            self.sent_wtxid_relay = true;
        }
        self.outbox.push_back(M::verack());
        self.remote = Some(remote);
        self.stage = Stage::AwaitVerack;
        Ok(())
    }

    /// Refuses the remote after its version passed the built-in checks, for callers whose decision is
    /// asynchronous: what was queued for sending (our version, verack) is discarded, and a reject is queued
    /// where the dialect has one. Returns the error to report.
    pub fn refuse(&mut self, reason: &str) -> HandshakeError {
        self.outbox.clear();
        self.queue_reject("version", RejectCode::INVALID.0, reason);
        self.stage = Stage::Failed;
        HandshakeError::Refused(reason.to_string())
    }

    fn queue_reject(&mut self, command: &str, code: u8, reason: &str) {
        if let Some(reject) = M::reject(self.negotiated, command, code, reason) {
            self.outbox.push_back(reject);
        }
    }

    /// The result of a completed handshake; `None` if it has not completed.
    pub fn finish(self) -> Option<Negotiated<M>> {
        match (self.stage, self.remote) {
            (Stage::Done, Some(remote)) => Some(Negotiated {
                version: self.negotiated,
                remote,
                local: self.local,
                time_offset: self.time_offset,
                features: self.features,
                replay: self.replay,
                direction: self.direction,
            }),
            _ => None,
        }
    }
}
