//! The handshake scenarios of SPEC §10 for the Decred dialect.

mod common;

use bytes::BytesMut;
use coinpeer_cache::NonceCache;
use coinpeer_handshake::{Direction, Handshake, HandshakeConfig, HandshakeError, UserAgent};
use coinpeer_wire::decred::Message;
use coinpeer_wire::{encode_frame, EncodeOptions, Network};
use common::*;

fn config(max: u32) -> HandshakeConfig {
    HandshakeConfig {
        user_agent: UserAgent::new("peer", "1.0").with_base("/dcrwire:1.0.0/"),
        max_version: Some(max),
        ..HandshakeConfig::default()
    }
}

fn pair(a: &HandshakeConfig, b: &HandshakeConfig) -> (Handshake<Message>, Handshake<Message>) {
    (
        machine(a, Direction::Outbound, 1, &NonceCache::default()),
        machine(b, Direction::Inbound, 2, &NonceCache::default()),
    )
}

#[test]
fn both_directions_complete_without_bitcoin_announcements() {
    let (mut out, mut inb) = pair(&config(12), &config(12));
    let (ra, rb, log) = run_pair(&mut out, &mut inb);
    assert_eq!((ra, rb), (Ok(()), Ok(())));
    assert_eq!(log, ["a>version", "b>version", "b>verack", "a>verack"]);
    let (o, i) = (out.finish().unwrap(), inb.finish().unwrap());
    assert_eq!((o.version, i.version), (12, 12));
    assert_eq!(o.remote.user_agent, "/dcrwire:1.0.0/peer:1.0/");
    assert!(!o.features.addrv2 && !o.features.wtxid_relay);
}

#[test]
fn version_is_134_bytes_and_158_with_verack_at_pver_12() {
    let mut hs: Handshake<Message> = machine(&config(12), Direction::Outbound, 3, &NonceCache::default());
    let version = hs.poll_transmit().unwrap();
    let (mut a, mut b) = (BytesMut::new(), BytesMut::new());
    let n = encode_frame(&Network::DECRED_SIMNET, &version, EncodeOptions::new(12), &mut a).unwrap();
    let v = encode_frame(
        &Network::DECRED_SIMNET,
        &Message::Verack,
        EncodeOptions::new(12),
        &mut b,
    )
    .unwrap();
    assert_eq!((n, n - 24, n + v), (134, 110, 158));
}

#[test]
fn legacy_versions_negotiate_down_to_the_smaller() {
    let (mut out, mut inb) = pair(&config(12), &config(11));
    complete(&mut out, &mut inb);
    assert_eq!(out.finish().unwrap().version, 11);
}

#[test]
fn version_8_is_too_old_and_no_reject_is_ever_sent() {
    let (mut out, mut inb) = pair(&config(8), &config(12));
    let (_, rb, _) = run_pair(&mut out, &mut inb);
    assert_eq!(rb, Err(HandshakeError::ObsoleteVersion { remote: 8, minimum: 9 }));
    assert!(drain(&mut inb).is_empty());
}

#[test]
fn self_connection_is_detected() {
    let shared = NonceCache::default();
    let mut out: Handshake<Message> = machine(&config(12), Direction::Outbound, 5, &shared);
    let mut inb: Handshake<Message> = machine(&config(12), Direction::Inbound, 6, &shared);
    assert_eq!(run_pair(&mut out, &mut inb).1, Err(HandshakeError::SelfConnection));
}

#[test]
fn a_duplicate_version_fails_silently() {
    let mut hs: Handshake<Message> = machine(&config(12), Direction::Inbound, 5, &NonceCache::default());
    let remote: Handshake<Message> = machine(&config(12), Direction::Outbound, 6, &NonceCache::default());
    let v = Message::Version(remote.local_version().clone());
    hs.handle(v.clone(), UNIX_TIME).unwrap();
    drain(&mut hs);
    assert_eq!(hs.handle(v, UNIX_TIME), Err(HandshakeError::DuplicateVersion));
    assert!(drain(&mut hs).is_empty(), "Decred has no reject");
}

#[test]
fn getinitstate_before_the_verack_is_replayed() {
    let mut hs: Handshake<Message> = machine(&config(11), Direction::Outbound, 5, &NonceCache::default());
    let remote: Handshake<Message> = machine(&config(11), Direction::Inbound, 6, &NonceCache::default());
    hs.handle(Message::Version(remote.local_version().clone()), UNIX_TIME)
        .unwrap();
    let gis = Message::GetInitState(Default::default());
    hs.handle(gis.clone(), UNIX_TIME).unwrap();
    hs.handle(Message::SendHeaders, UNIX_TIME).unwrap();
    assert_eq!(hs.handle(Message::Verack, UNIX_TIME), Ok(true));
    assert_eq!(hs.finish().unwrap().replay, [gis, Message::SendHeaders]);
}

#[test]
fn a_message_before_the_version_fails_without_reject() {
    let mut hs: Handshake<Message> = machine(&config(12), Direction::Inbound, 5, &NonceCache::default());
    assert!(matches!(hs.handle(Message::Ping(1), UNIX_TIME), Err(HandshakeError::NotVersionFirst(c)) if c == "ping"));
    assert!(drain(&mut hs).is_empty());
}
