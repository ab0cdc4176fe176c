//! The body of the `handshake` target: the handshake machine (`coinpeer_handshake::Handshake`) of either dialect, fed arbitrary message sequences,
//! clock jumps and refusals, and checked against a model of what it must do.
//!
//! Input: byte 0 the setup (bit 0: Decred; bit 1: inbound; bit 2: self connections allowed; bit 3: proxied;
//! bit 4: `sendaddrv2` announced; bit 5: `wtxidrelay` announced; bit 6: a version hook refusing remotes at a
//! negative start height); byte 1 our protocol version and byte 2 the oldest accepted (0: the default, else a
//! version of the dialect's table); byte 3 the bound on messages before the verack (0: the default); byte 4
//! the timeout in seconds (0: the default); then operations, a byte each (modulo 9) and their arguments:
//! 0 a version (see `version`), 1 a verack, 2 `sendaddrv2`, 3 `wtxidrelay`, 4 any message (a command byte
//! and a u16-prefixed payload; see `coinpeer_fuzz::command`), 5 a clock jump of a u16 of 10 ms steps and a
//! timeout check, 6 sending what is queued, 7 a refusal by the caller, 8 a jump of the wall clock (i32 s).
//!
//! Checked: every result is the model's (which message completes, which fails and why); a failed handshake
//! never completes and fails everything fed to it later; what it sends comes in the model's order (our version
//! first or in answer, announcements only when both sides speak 70016 and we chose them, one verack) and,
//! once it has failed, is nothing but a reject; the timeout fires exactly at the deadline; the result holds the
//! negotiated version, the remote's version, the agreed features and every other message, in order.

use super::{command, Input, BITCOIN_VERSIONS, DECRED_VERSIONS};
use coinpeer_cache::NonceCache;
use coinpeer_handshake::{
    Direction, Handshake, HandshakeConfig, HandshakeError, HandshakeMessage, LocalInputs, MessageKind,
};
use coinpeer_wire::bitcoin::RejectCode;
use coinpeer_wire::messages::{NetAddress, ServiceFlags, VersionMessage};
use coinpeer_wire::{bitcoin, decred, Command, Dialect, WireMessage};
use std::sync::Arc;
use std::time::{Duration, Instant};

const UNIX_TIME: i64 = 1_700_000_000;
/// The nonce of another connection of ours, already in the shared cache.
const OTHER_NONCE: u64 = 0x0123_4567_89ab_cdef;

/// The target's body.
pub fn fuzz(data: &[u8]) {
    let mut input = Input::new(data);
    let setup = input.u8();
    if setup & 1 == 0 {
        run::<bitcoin::Message>(setup, BITCOIN_VERSIONS, bitcoin::COMMANDS, &mut input);
    } else {
        run::<decred::Message>(setup, DECRED_VERSIONS, decred::COMMANDS, &mut input);
    }
}

/// What the model knows of the exchange so far.
struct Model<M> {
    inbound: bool,
    failed: bool,
    complete: bool,
    remote: Option<VersionMessage>,
    /// The Unix time when the remote's version arrived.
    version_time: i64,
    negotiated: u32,
    sent_addrv2: bool,
    sent_wtxid_relay: bool,
    remote_addrv2: bool,
    remote_wtxid_relay: bool,
    replay: Vec<M>,
    /// Commands the machine should yield next, in order.
    outbox: Vec<Command>,
}

fn run<M: HandshakeMessage>(setup: u8, versions: &[u32], commands: &[&'static str], input: &mut Input<'_>) {
    let pick = |b: u8| (b != 0).then(|| versions[usize::from(b - 1) % versions.len()]);
    let hook: coinpeer_handshake::VersionHook = Arc::new(|v: &VersionMessage| {
        if v.start_height < 0 {
            Err("negative height".to_string())
        } else {
            Ok(())
        }
    });
    let config = HandshakeConfig {
        allow_self_connection: setup & 4 != 0,
        proxied: setup & 8 != 0,
        addrv2: setup & 16 != 0,
        wtxid_relay: setup & 32 != 0,
        on_version: (setup & 64 != 0).then_some(hook),
        max_version: pick(input.u8()),
        min_version: pick(input.u8()),
        max_messages_before_verack: match input.u8() {
            0 => coinpeer_handshake::DEFAULT_MAX_MESSAGES_BEFORE_VERACK,
            n => usize::from(n % 8),
        },
        timeout: match input.u8() {
            0 => coinpeer_handshake::DEFAULT_HANDSHAKE_TIMEOUT,
            s => Duration::from_secs(u64::from(s)),
        },
        ..HandshakeConfig::default()
    };
    let direction = if setup & 2 != 0 {
        Direction::Inbound
    } else {
        Direction::Outbound
    };
    let nonces = NonceCache::default();
    nonces.insert(OTHER_NONCE);
    let start = Instant::now();
    let our_nonce = 7;
    let remote_addr = NetAddress::from_socket_addr("192.0.2.1:8333".parse().unwrap(), ServiceFlags::NETWORK);
    let local = LocalInputs {
        nonce: our_nonce,
        unix_time: UNIX_TIME,
        start_height: 100,
        now: start,
    };
    let mut hs = Handshake::<M>::new(&config, direction, remote_addr, local, &nonces).expect("a valid config");
    let ours = hs.local_version().clone();
    assert_eq!(ours.version, config.max_version.unwrap_or(M::MAX_VERSION));
    assert_eq!(ours.nonce, our_nonce);
    let told = if config.proxied {
        // Behind a proxy, the address we see is the proxy's: never told.
        NetAddress::unspecified(remote_addr.services)
    } else {
        remote_addr
    };
    assert_eq!(ours.receiver, told);
    assert_eq!(hs.deadline(), start + config.timeout);
    let min_version = config.min_version.unwrap_or(M::DEFAULT_MIN_VERSION);

    let mut m = Model::<M> {
        inbound: direction == Direction::Inbound,
        failed: false,
        complete: false,
        remote: None,
        version_time: 0,
        negotiated: ours.version,
        sent_addrv2: false,
        sent_wtxid_relay: false,
        remote_addrv2: false,
        remote_wtxid_relay: false,
        replay: Vec::new(),
        outbox: Vec::new(),
    };
    if direction == Direction::Outbound {
        m.outbox.push(Command::from_static("version"));
    }
    let mut now = start;
    let mut unix = UNIX_TIME;
    while !input.is_empty() {
        let msg = match input.u8() % 9 {
            0 => M::version(version(input, unix, our_nonce)),
            1 => M::verack(),
            2 => M::send_addrv2().unwrap_or_else(M::verack),
            3 => M::wtxid_relay().unwrap_or_else(M::verack),
            4 => {
                let c = command(input, commands);
                let payload = bytes::Bytes::copy_from_slice(input.chunk());
                match M::decode_payload(&c, &payload, ours.version) {
                    Ok(msg) => msg,
                    Err(_) => M::decode_payload(&Command::from_static("fuzz"), &payload, 0).expect("unknown"),
                }
            }
            5 => {
                now += Duration::from_millis(10 * u64::from(input.u16()));
                let expired = !m.failed && !m.complete && now >= start + config.timeout;
                let r = hs.check_timeout(now);
                assert_eq!(r.is_err(), expired, "timeout at {:?}", now - start);
                if expired {
                    assert_eq!(r, Err(HandshakeError::Timeout));
                    m.failed = true;
                    m.outbox.clear();
                }
                check(&hs, &m);
                continue;
            }
            6 => {
                drain(&mut hs, &mut m, &ours);
                continue;
            }
            7 => {
                let e = hs.refuse("refused by the caller");
                assert_eq!(e, HandshakeError::Refused("refused by the caller".into()));
                m.failed = true;
                m.complete = false;
                m.outbox.clear();
                m.outbox.extend(reject::<M>(m.negotiated));
                check(&hs, &m);
                continue;
            }
            _ => {
                unix = unix.saturating_add(i64::from(input.u32() as i32));
                continue;
            }
        };
        let queued = m.outbox.len();
        let expected = expect(&mut m, &msg, &config, &nonces, min_version, unix);
        let result = hs.handle(msg, unix);
        assert_eq!(result, expected, "handle");
        if result.is_err() {
            m.failed = true;
            m.complete = false;
            // Only what the failure queued (a reject) is still sent.
            m.outbox.drain(..queued);
        }
        check(&hs, &m);
    }
    drain(&mut hs, &mut m, &ours);
    finish(hs, &m, &ours, &config);
}

/// A remote's version message from the input: its protocol version (a byte of the table, or with 0xff a raw
/// u32), services, nonce (0: ours, 1: another of our connections, else a u64), clock offset, start height,
/// relay flag and a short user agent.
fn version(input: &mut Input<'_>, unix: i64, ours: u64) -> VersionMessage {
    let table = [
        0, 209, 60_000, 70_001, 70_002, 70_015, 70_016, 70_017, 1, 8, 9, 11, 12, 13,
    ];
    let version = match input.u8() {
        0xff => input.u32(),
        b => table[usize::from(b) % table.len()],
    };
    let services = ServiceFlags(u64::from(input.u8()));
    let nonce = match input.u8() {
        0 => ours,
        1 => OTHER_NONCE,
        _ => input.u64(),
    };
    let timestamp = match input.u8() {
        0 => i64::MIN,
        1 => i64::MAX,
        _ => unix.saturating_add(i64::from(input.u32() as i32)),
    };
    let start_height = input.u32() as i32;
    let relay = input.bool();
    let len = usize::from(input.u8() % 16);
    let user_agent = String::from_utf8_lossy(input.bytes(len)).into_owned();
    VersionMessage {
        version,
        services,
        timestamp,
        receiver: NetAddress::unspecified(ServiceFlags::NONE),
        sender: NetAddress::unspecified(services),
        nonce,
        user_agent,
        start_height,
        relay,
    }
}

/// The result `handle(msg)` must give, with the model updated as if it had.
fn expect<M: HandshakeMessage>(
    m: &mut Model<M>,
    msg: &M,
    config: &HandshakeConfig,
    nonces: &NonceCache,
    min_version: u32,
    unix: i64,
) -> Result<bool, HandshakeError> {
    let command = msg.command();
    if m.failed || m.complete {
        return Err(HandshakeError::Unexpected(command));
    }
    let Some(_) = &m.remote else {
        let MessageKind::Version(v) = msg.kind() else {
            m.outbox.extend(reject::<M>(m.negotiated));
            return Err(HandshakeError::NotVersionFirst(command));
        };
        if !config.allow_self_connection && nonces.contains(v.nonce) {
            return Err(HandshakeError::SelfConnection);
        }
        let local = config.max_version.unwrap_or(M::MAX_VERSION);
        m.negotiated = local.min(v.version);
        if v.version < min_version {
            m.outbox.extend(reject::<M>(m.negotiated));
            return Err(HandshakeError::ObsoleteVersion {
                remote: v.version,
                minimum: min_version,
            });
        }
        if config.on_version.is_some() && v.start_height < 0 {
            m.outbox.extend(reject::<M>(m.negotiated));
            return Err(HandshakeError::Refused("negative height".into()));
        }
        if m.inbound {
            m.outbox.push(Command::from_static("version"));
        }
        let modern = M::DIALECT == Dialect::Bitcoin && m.negotiated >= bitcoin::version::ADDRV2;
        m.sent_addrv2 = modern && config.addrv2;
        m.sent_wtxid_relay = modern && config.wtxid_relay;
        if m.sent_addrv2 {
            m.outbox.push(Command::from_static("sendaddrv2"));
        }
        if m.sent_wtxid_relay {
            m.outbox.push(Command::from_static("wtxidrelay"));
        }
        m.outbox.push(Command::from_static("verack"));
        m.remote = Some(v.clone());
        m.version_time = unix;
        return Ok(false);
    };
    match msg.kind() {
        MessageKind::Verack => {
            m.complete = true;
            Ok(true)
        }
        MessageKind::Version(_) => {
            m.outbox.extend(reject::<M>(m.negotiated));
            Err(HandshakeError::DuplicateVersion)
        }
        // Each announcement counts once; a second one breaks the protocol.
        MessageKind::SendAddrV2 if !m.remote_addrv2 => {
            m.remote_addrv2 = true;
            Ok(false)
        }
        MessageKind::WtxidRelay if !m.remote_wtxid_relay => {
            m.remote_wtxid_relay = true;
            Ok(false)
        }
        MessageKind::SendAddrV2 | MessageKind::WtxidRelay => Err(HandshakeError::Unexpected(command)),
        MessageKind::Other if m.replay.len() >= config.max_messages_before_verack => {
            Err(HandshakeError::TooManyMessages(config.max_messages_before_verack))
        }
        MessageKind::Other => {
            m.replay.push(msg.clone());
            Ok(false)
        }
    }
}

/// The reject a failure queues, if the dialect has one at `version`.
fn reject<M: HandshakeMessage>(version: u32) -> Option<Command> {
    M::reject(version, "version", RejectCode::INVALID.0, "").map(|r| r.command())
}

/// Sends everything queued and compares it with the model.
fn drain<M: HandshakeMessage>(hs: &mut Handshake<M>, m: &mut Model<M>, ours: &VersionMessage) {
    let sent: Vec<M> = std::iter::from_fn(|| hs.poll_transmit()).collect();
    let commands: Vec<Command> = sent.iter().map(WireMessage::command).collect();
    assert_eq!(commands, m.outbox, "what the machine sends");
    m.outbox.clear();
    for msg in &sent {
        if let MessageKind::Version(v) = msg.kind() {
            assert_eq!(v, ours, "our version as built at the start");
        }
        if m.failed {
            assert_eq!(msg.command(), "reject", "a failed handshake sends nothing but a reject");
        }
    }
}

/// What can be read back at any time.
fn check<M: HandshakeMessage>(hs: &Handshake<M>, m: &Model<M>) {
    assert_eq!(hs.is_complete(), m.complete && !m.failed);
}

/// The result, once everything has been fed.
fn finish<M: HandshakeMessage>(hs: Handshake<M>, m: &Model<M>, ours: &VersionMessage, config: &HandshakeConfig) {
    let done = hs.finish();
    if !m.complete || m.failed {
        assert!(done.is_none(), "a result from a handshake that did not complete");
        return;
    }
    let n = done.expect("a completed handshake has a result");
    let remote = m.remote.as_ref().expect("completed after a version");
    assert_eq!(&n.remote, remote);
    assert_eq!(&n.local, ours);
    assert_eq!(n.version, ours.version.min(remote.version));
    assert!(remote.version >= config.min_version.unwrap_or(M::DEFAULT_MIN_VERSION));
    assert_eq!(n.time_offset, remote.timestamp.saturating_sub(m.version_time));
    assert_eq!(n.replay, m.replay, "every other message, in order");
    assert!(n.replay.len() <= config.max_messages_before_verack);
    assert_eq!(n.features.remote_wants_addrv2, m.remote_addrv2);
    assert_eq!(n.features.addrv2, m.remote_addrv2 && m.sent_addrv2);
    assert_eq!(n.features.wtxid_relay, m.remote_wtxid_relay && m.sent_wtxid_relay);
    assert_eq!(n.features.witness, M::has_witness(remote.services));
}
