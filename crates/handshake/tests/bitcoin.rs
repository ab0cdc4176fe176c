//! The handshake scenarios of SPEC §10 for the Bitcoin dialect, in both directions.

mod common;

use bytes::BytesMut;
use coinpeer_cache::NonceCache;
use coinpeer_handshake::{ConfigError, Direction, Handshake, HandshakeConfig, HandshakeError, UserAgent};
use coinpeer_wire::bitcoin::{Message, RejectCode};
use coinpeer_wire::messages::ServiceFlags;
use coinpeer_wire::{encode_frame, EncodeOptions, FrameDecoder, Network};
use common::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn config(max: u32) -> HandshakeConfig {
    HandshakeConfig {
        user_agent: UserAgent::new("peer", "1.0")
            .with_base("/btcwire:0.5.0/")
            .with_comment("comment"),
        max_version: Some(max),
        ..HandshakeConfig::default()
    }
}

fn pair(a: &HandshakeConfig, b: &HandshakeConfig) -> (Handshake<Message>, Handshake<Message>) {
    // Separate caches: two processes.
    let out = machine(a, Direction::Outbound, 1, &NonceCache::default());
    let inb = machine(b, Direction::Inbound, 2, &NonceCache::default());
    (out, inb)
}

#[test]
fn both_directions_complete_with_the_documented_order() {
    let (mut out, mut inb) = pair(&config(70016), &config(70016));
    let (ra, rb, log) = run_pair(&mut out, &mut inb);
    assert_eq!((ra, rb), (Ok(()), Ok(())));
    assert_eq!(
        log,
        [
            "a>version",
            "b>version",
            "b>sendaddrv2",
            "b>verack",
            "a>sendaddrv2",
            "a>verack"
        ],
        "outbound: version first; inbound answers version, announcements, verack"
    );
    for side in [out.finish().unwrap(), inb.finish().unwrap()] {
        assert_eq!(side.version, 70016);
        assert!(side.features.addrv2 && side.features.remote_wants_addrv2);
        assert!(!side.features.wtxid_relay, "not configured");
        assert_eq!(side.remote.user_agent, "/btcwire:0.5.0/peer:1.0(comment)/");
        assert_eq!(side.remote.start_height, 42);
        assert_eq!(side.time_offset, 0);
        assert!(side.replay.is_empty());
    }
}

#[test]
fn negotiates_the_smaller_version_and_no_addrv2_below_70016() {
    for (a, b) in [(70016, 70015), (70015, 70016)] {
        let (mut out, mut inb) = pair(&config(a), &config(b));
        assert_eq!(run_pair(&mut out, &mut inb).0, Ok(()));
        let (o, i) = (out.finish().unwrap(), inb.finish().unwrap());
        assert_eq!((o.version, i.version), (70015, 70015));
        assert!(!o.features.addrv2 && !i.features.addrv2 && !o.features.remote_wants_addrv2);
        assert_eq!(o.remote.version, b, "the remote's advertised version is kept");
    }
}

#[test]
fn wtxidrelay_counts_only_when_both_sides_announce_it() {
    let with = HandshakeConfig {
        wtxid_relay: true,
        ..config(70016)
    };
    let (mut out, mut inb) = pair(&with, &with);
    complete(&mut out, &mut inb);
    assert!(out.finish().unwrap().features.wtxid_relay && inb.finish().unwrap().features.wtxid_relay);
    let (mut out, mut inb) = pair(&with, &config(70016));
    complete(&mut out, &mut inb);
    assert!(!out.finish().unwrap().features.wtxid_relay && !inb.finish().unwrap().features.wtxid_relay);
}

#[test]
fn version_is_143_bytes_on_the_wire_at_70002_with_btcds_agent() {
    let mut hs: Handshake<Message> = machine(&config(70002), Direction::Outbound, 7, &NonceCache::default());
    let version = hs.poll_transmit().unwrap();
    let mut wire = BytesMut::new();
    let n = encode_frame(&Network::BITCOIN_SIMNET, &version, EncodeOptions::new(70002), &mut wire).unwrap();
    let mut verack = BytesMut::new();
    let v = encode_frame(
        &Network::BITCOIN_SIMNET,
        &Message::Verack,
        EncodeOptions::new(70002),
        &mut verack,
    )
    .unwrap();
    assert_eq!((n, n - 24, n + v), (143, 119, 167));
}

#[test]
fn connecting_to_ourselves_is_detected_through_the_shared_nonce_cache() {
    let shared = NonceCache::default();
    let mut out: Handshake<Message> = machine(&config(70016), Direction::Outbound, 99, &shared);
    let mut inb: Handshake<Message> = machine(&config(70016), Direction::Inbound, 100, &shared);
    let (_, rb, _) = run_pair(&mut out, &mut inb);
    assert_eq!(rb, Err(HandshakeError::SelfConnection));
    assert!(drain(&mut inb).is_empty(), "nothing is sent to ourselves");
}

#[test]
fn self_connections_can_be_allowed() {
    let shared = NonceCache::default();
    let cfg = HandshakeConfig {
        allow_self_connection: true,
        ..config(70016)
    };
    let mut out: Handshake<Message> = machine(&cfg, Direction::Outbound, 99, &shared);
    let mut inb: Handshake<Message> = machine(&cfg, Direction::Inbound, 100, &shared);
    assert_eq!(run_pair(&mut out, &mut inb).1, Ok(()));
    assert!(inb.is_complete());
}

#[test]
fn obsolete_version_fails_and_sends_nothing_below_reject_support() {
    let (mut out, mut inb) = pair(&config(1), &config(70016));
    let (_, rb, _) = run_pair(&mut out, &mut inb);
    assert_eq!(
        rb,
        Err(HandshakeError::ObsoleteVersion {
            remote: 1,
            minimum: 70001
        })
    );
    assert!(drain(&mut inb).is_empty(), "no reject exists at version 1");
}

#[test]
fn obsolete_version_is_rejected_with_code_0x11_where_reject_exists() {
    let strict = HandshakeConfig {
        min_version: Some(70015),
        ..config(70016)
    };
    let (mut out, mut inb) = pair(&config(70002), &strict);
    let (_, rb, _) = run_pair(&mut out, &mut inb);
    assert_eq!(
        rb,
        Err(HandshakeError::ObsoleteVersion {
            remote: 70002,
            minimum: 70015
        })
    );
    let sent = drain(&mut inb);
    assert!(matches!(&sent[..], [Message::Reject(r)] if r.code == RejectCode::OBSOLETE && r.message == "version"));
}

#[test]
fn the_version_hook_can_refuse_with_a_reason_sent_as_reject() {
    let refusing = HandshakeConfig {
        on_version: Some(Arc::new(|v: &coinpeer_wire::messages::VersionMessage| {
            if v.user_agent.contains("peer") {
                Err("no peers allowed".to_string())
            } else {
                Ok(())
            }
        })),
        ..config(70016)
    };
    let (mut out, mut inb) = pair(&config(70016), &refusing);
    let (_, rb, _) = run_pair(&mut out, &mut inb);
    assert_eq!(rb, Err(HandshakeError::Refused("no peers allowed".into())));
    let sent = drain(&mut inb);
    assert!(matches!(&sent[..], [Message::Reject(r)] if r.reason == "no peers allowed"));
}

#[test]
fn times_out_at_the_deadline_and_not_before() {
    let now = Instant::now();
    let cfg = HandshakeConfig {
        timeout: Duration::from_secs(30),
        ..config(70016)
    };
    let mut hs: Handshake<Message> = Handshake::new(
        &cfg,
        Direction::Outbound,
        addr(),
        inputs(5, now),
        &NonceCache::default(),
    )
    .unwrap();
    assert_eq!(hs.deadline(), now + Duration::from_secs(30));
    assert_eq!(hs.check_timeout(now + Duration::from_millis(29_999)), Ok(()));
    assert_eq!(
        hs.check_timeout(now + Duration::from_secs(30)),
        Err(HandshakeError::Timeout)
    );
}

#[test]
fn a_completed_handshake_never_times_out() {
    let (mut out, mut inb) = pair(&config(70016), &config(70016));
    complete(&mut out, &mut inb);
    assert_eq!(out.check_timeout(Instant::now() + Duration::from_secs(3600)), Ok(()));
}

#[test]
fn messages_before_the_verack_are_kept_in_order_for_replay() {
    let mut hs: Handshake<Message> = machine(&config(70016), Direction::Outbound, 5, &NonceCache::default());
    drain(&mut hs);
    let mut remote = machine::<Message>(&config(70016), Direction::Inbound, 6, &NonceCache::default());
    let version = {
        remote
            .handle(Message::Version(hs.local_version().clone()), UNIX_TIME)
            .unwrap();
        drain(&mut remote).into_iter().next().unwrap()
    };
    hs.handle(version, UNIX_TIME).unwrap();
    for m in [
        Message::WtxidRelay,
        Message::SendAddrV2,
        Message::SendHeaders,
        Message::Ping(9),
        Message::FeeFilter(1000),
    ] {
        assert_eq!(hs.handle(m, UNIX_TIME), Ok(false));
    }
    assert_eq!(hs.handle(Message::Verack, UNIX_TIME), Ok(true));
    let done = hs.finish().unwrap();
    assert_eq!(
        done.replay,
        [Message::SendHeaders, Message::Ping(9), Message::FeeFilter(1000)]
    );
    assert!(done.features.remote_wants_addrv2);
}

#[test]
fn too_many_messages_before_the_verack_fail() {
    let cfg = HandshakeConfig {
        max_messages_before_verack: 3,
        ..config(70016)
    };
    let mut hs: Handshake<Message> = machine(&cfg, Direction::Inbound, 5, &NonceCache::default());
    let remote: Handshake<Message> = machine(&config(70016), Direction::Outbound, 6, &NonceCache::default());
    hs.handle(Message::Version(remote.local_version().clone()), UNIX_TIME)
        .unwrap();
    for i in 0..3 {
        hs.handle(Message::Ping(i), UNIX_TIME).unwrap();
    }
    assert_eq!(
        hs.handle(Message::Ping(3), UNIX_TIME),
        Err(HandshakeError::TooManyMessages(3))
    );
}

#[test]
fn a_duplicate_version_fails_with_a_duplicate_reject() {
    let mut hs: Handshake<Message> = machine(&config(70016), Direction::Inbound, 5, &NonceCache::default());
    let remote: Handshake<Message> = machine(&config(70016), Direction::Outbound, 6, &NonceCache::default());
    let v = Message::Version(remote.local_version().clone());
    hs.handle(v.clone(), UNIX_TIME).unwrap();
    drain(&mut hs);
    assert_eq!(hs.handle(v, UNIX_TIME), Err(HandshakeError::DuplicateVersion));
    assert!(matches!(&drain(&mut hs)[..], [Message::Reject(r)] if r.code == RejectCode::DUPLICATE));
}

#[test]
fn a_message_before_the_version_fails_the_handshake() {
    let mut hs: Handshake<Message> = machine(&config(70016), Direction::Inbound, 5, &NonceCache::default());
    assert!(matches!(hs.handle(Message::Verack, UNIX_TIME), Err(HandshakeError::NotVersionFirst(c)) if c == "verack"));
    assert!(matches!(&drain(&mut hs)[..], [Message::Reject(r)] if r.code == RejectCode::MALFORMED));
    assert!(
        hs.handle(Message::Verack, UNIX_TIME).is_err(),
        "a failed machine stays failed"
    );
}

#[test]
fn clock_offset_is_the_remotes_time_minus_ours() {
    let mut hs: Handshake<Message> = machine(&config(70016), Direction::Inbound, 5, &NonceCache::default());
    let remote: Handshake<Message> = machine(&config(70016), Direction::Outbound, 6, &NonceCache::default());
    let mut v = remote.local_version().clone();
    v.timestamp = UNIX_TIME + 17;
    hs.handle(Message::Version(v), UNIX_TIME).unwrap();
    hs.handle(Message::Verack, UNIX_TIME).unwrap();
    assert_eq!(hs.finish().unwrap().time_offset, 17);
}

#[test]
fn a_proxied_connection_does_not_reveal_the_address_it_sees() {
    let cfg = HandshakeConfig {
        proxied: true,
        ..config(70016)
    };
    let hs: Handshake<Message> = machine(&cfg, Direction::Outbound, 5, &NonceCache::default());
    assert_eq!(hs.local_version().receiver.socket_addr().to_string(), "0.0.0.0:0");
    let plain: Handshake<Message> = machine(&config(70016), Direction::Outbound, 5, &NonceCache::default());
    assert_eq!(
        plain.local_version().receiver.socket_addr().to_string(),
        "127.0.0.1:18444"
    );
}

#[test]
fn witness_support_follows_the_remotes_services() {
    let witness = HandshakeConfig {
        services: ServiceFlags::NETWORK | ServiceFlags::BTC_WITNESS,
        ..config(70016)
    };
    let (mut out, mut inb) = pair(&config(70016), &witness);
    complete(&mut out, &mut inb);
    assert!(out.finish().unwrap().features.witness);
    assert!(!inb.finish().unwrap().features.witness);
}

/// Litecoin Core's real messages (from the shared capture) complete an outbound handshake.
#[test]
fn completes_against_litecoin_cores_recorded_messages() {
    let dir = match std::env::var_os("COINPEER_TESTDATA") {
        Some(d) => std::path::PathBuf::from(d),
        None => std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata"),
    };
    let Ok(raw) = std::fs::read(dir.join("captures/litecoin-core-0.21.2.1-regtest.in.bin")) else {
        common::skipped(format_args!(
            "completes_against_litecoin_cores_recorded_messages: no test data at {}",
            dir.display()
        ));
        return;
    };
    let cfg = HandshakeConfig {
        wtxid_relay: true,
        ..config(70016)
    };
    let mut hs: Handshake<Message> = machine(&cfg, Direction::Outbound, 5, &NonceCache::default());
    let mut dec = FrameDecoder::new(Network::LITECOIN_REGTEST, 70016);
    dec.extend_from_slice(&raw);
    while !hs.is_complete() {
        let msg: Message = dec.next_frame().unwrap().unwrap().decode(70016).unwrap();
        hs.handle(msg, UNIX_TIME).unwrap();
    }
    let done = hs.finish().unwrap();
    assert_eq!(done.remote.user_agent, "/LitecoinCore:0.21.2.1/");
    assert!(done.features.addrv2 && done.features.wtxid_relay && done.features.witness);
    assert!(
        done.replay.is_empty(),
        "wtxidrelay and sendaddrv2 are features, not replayed messages"
    );
}

#[test]
fn refusing_after_the_checks_discards_our_version_and_verack_and_sends_a_reject() {
    let mut hs: Handshake<Message> = machine(&config(70016), Direction::Inbound, 5, &NonceCache::default());
    let remote: Handshake<Message> = machine(&config(70016), Direction::Outbound, 6, &NonceCache::default());
    hs.handle(Message::Version(remote.local_version().clone()), UNIX_TIME)
        .unwrap();
    assert_eq!(hs.refuse("not today"), HandshakeError::Refused("not today".into()));
    let sent = drain(&mut hs);
    assert!(matches!(&sent[..], [Message::Reject(r)] if r.reason == "not today" && r.code == RejectCode::INVALID));
    assert!(
        hs.handle(Message::Verack, UNIX_TIME).is_err(),
        "a refused handshake stays failed"
    );
}

#[test]
fn our_user_agent_over_256_bytes_refuses_to_start_and_256_starts() {
    let nonces = NonceCache::default();
    let with_name = |len: usize| {
        // "/coinpeer:V/" + name + ":1/" around a name of `len - overhead` bytes.
        let mut config = HandshakeConfig::new("x", "1");
        let overhead = config.user_agent.render().expect("short").len() - 1;
        config.user_agent.name = "x".repeat(len - overhead);
        config
    };
    let at_limit = with_name(256);
    assert_eq!(at_limit.user_agent.render().unwrap().len(), 256);
    let ok = Handshake::<Message>::new(
        &at_limit,
        Direction::Outbound,
        common::addr(),
        common::inputs(1, Instant::now()),
        &nonces,
    );
    assert!(ok.is_ok());
    let over = Handshake::<Message>::new(
        &with_name(257),
        Direction::Outbound,
        common::addr(),
        common::inputs(2, Instant::now()),
        &nonces,
    );
    assert!(
        matches!(over, Err(ConfigError::UserAgentTooLong(257))),
        "{:?}",
        over.err()
    );
}
