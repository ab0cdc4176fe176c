//! The handshake inside the connection: both dialects, what a stranger may make us hold, version decisions.

mod support;

use coinpeer_handshake::HandshakeError;
use coinpeer_protocol::{Bitcoin, Config, Connection, DisconnectReason, Event, ProtocolViolation};
use coinpeer_wire::bitcoin::{self as btc, Message};
use coinpeer_wire::{Command, ErrorKind, Network};
use std::time::Duration;
use support::*;

const NET: Network = Network::BITCOIN_REGTEST;

fn connected<M>(events: &[Event<M>]) -> bool {
    events.iter().any(|e| matches!(e, Event::Connected(_)))
}

#[test]
fn both_dialects_open_and_report_the_session() {
    let mut p = Pair::bitcoin();
    p.shuttle();
    for c in [&mut p.a, &mut p.b] {
        let ev = events(c);
        assert!(connected(&ev));
        let s = c.session().expect("session");
        assert_eq!(s.version, 70016);
        assert!(s.features.addrv2);
    }
    let mut p = Pair::decred();
    p.shuttle();
    assert!(p.a.is_open() && p.b.is_open());
    assert!(connected(&events(&mut p.b)));
}

/// An inbound connection fed by hand, as a stranger would talk to it.
fn inbound(config: Config) -> (Connection<Bitcoin>, std::time::Instant) {
    let now = std::time::Instant::now();
    (connection(config, coinpeer_protocol::Direction::Inbound, now, 3), now)
}

/// The version a remote at 70016 sends.
fn remote_version() -> Vec<u8> {
    let mut p = Pair::bitcoin();
    p.a.drain_transmit(p.now)
}

#[test]
fn before_its_version_a_remote_may_send_nothing_larger_than_a_version() {
    let (mut c, now) = inbound(config(NET));
    let header = &frame(&NET, &Message::Tx(btc::Transaction::default()), 70016)[..24];
    let mut big = header.to_vec();
    big[16..20].copy_from_slice(&1000u32.to_le_bytes());
    c.handle_input(&big, now);
    let ev = events(&mut c);
    match disconnected(&ev) {
        Some(DisconnectReason::Protocol(ProtocolViolation::Malformed(e))) => {
            assert!(
                matches!(e.kind, ErrorKind::PayloadTooLarge { length: 1000, max: 358 }),
                "{e}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_message_before_the_version_fails_the_handshake() {
    let (mut c, now) = inbound(config(NET));
    c.handle_input(&frame(&NET, &Message::Ping(1), 70016), now);
    assert!(!c.is_closed(), "closing, with a reject to send");
    assert_eq!(&c.drain_transmit(now)[4..10], b"reject");
    let ev = events(&mut c);
    assert!(matches!(
        disconnected(&ev),
        Some(DisconnectReason::Handshake(HandshakeError::NotVersionFirst(_)))
    ));
    assert!(c.is_closed());
}

#[test]
fn unknown_commands_before_the_verack_are_skipped_not_held() {
    let (mut c, now) = inbound(config(NET));
    c.handle_input(&remote_version(), now);
    let unknown = btc::Message::Unknown {
        command: Command::new("flood").unwrap(),
        payload: vec![0u8; 3_900_000].into(),
    };
    let bytes = frame(&NET, &unknown, 70016);
    for _ in 0..4 {
        for chunk in bytes.chunks(64 * 1024) {
            c.handle_input(chunk, now);
            assert!(c.buffered_input() <= 64 * 1024, "held {} bytes", c.buffered_input());
        }
    }
    assert!(
        !c.is_closed(),
        "skipping is not a violation: {:?}",
        c.disconnect_reason()
    );
    c.handle_input(&frame(&NET, &Message::Verack, 70016), now);
    assert!(c.is_open());
}

#[test]
fn known_messages_before_the_verack_are_held_within_the_budget_and_replayed() {
    let (mut c, now) = inbound(config(NET));
    c.handle_input(&remote_version(), now);
    c.handle_input(&frame(&NET, &Message::SendHeaders, 70016), now);
    c.handle_input(&frame(&NET, &Message::Ping(9), 70016), now);
    c.handle_input(&frame(&NET, &Message::Verack, 70016), now);
    let ev = events(&mut c);
    let after: Vec<_> = ev.iter().skip_while(|e| !matches!(e, Event::Connected(_))).collect();
    let replayed: Vec<_> = after
        .iter()
        .filter_map(|e| match e {
            Event::Message { msg, .. } => Some(msg.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        replayed,
        [Message::SendHeaders, Message::Ping(9)],
        "after the Connected event, in order"
    );
    assert!(c.wants_headers());
}

#[test]
fn more_than_the_budget_before_the_verack_ends_the_connection() {
    let mut cfg = config(NET);
    cfg.pre_handshake_budget = 10_000;
    let (mut c, now) = inbound(cfg);
    c.handle_input(&remote_version(), now);
    let addr = coinpeer_wire::messages::TimedNetAddress {
        time: 0,
        addr: coinpeer_wire::messages::NetAddress::unspecified(Default::default()),
    };
    let addrs = Message::Addr(vec![addr; 200]); // 6,003 bytes: the first fits, not the second
    let bytes = frame(&NET, &addrs, 70016);
    c.handle_input(&bytes, now);
    assert!(!c.is_closed());
    c.handle_input(&bytes[..24], now);
    let ev = events(&mut c);
    assert!(
        matches!(disconnected(&ev), Some(DisconnectReason::Protocol(ProtocolViolation::Malformed(e))) if matches!(e.kind, ErrorKind::PayloadTooLarge { .. })),
        "refused from the header: {ev:?}"
    );
}

#[test]
fn the_handshake_times_out() {
    let (mut c, now) = inbound(config(NET));
    let deadline = c.poll_timeout().expect("a deadline");
    assert_eq!(deadline, now + Duration::from_secs(30));
    c.handle_timeout(deadline - Duration::from_millis(1));
    assert!(!c.is_closed());
    c.handle_timeout(deadline);
    assert!(matches!(
        c.disconnect_reason(),
        Some(DisconnectReason::Handshake(HandshakeError::Timeout))
    ));
}

#[test]
fn connections_of_one_process_recognise_a_connection_to_themselves_by_default() {
    let now = std::time::Instant::now();
    let mut a: Connection<Bitcoin> = connection(Config::new(NET), coinpeer_protocol::Direction::Outbound, now, 1);
    let mut b: Connection<Bitcoin> = connection(Config::new(NET), coinpeer_protocol::Direction::Inbound, now, 2);
    b.handle_input(&a.drain_transmit(now), now);
    assert!(matches!(
        b.disconnect_reason(),
        Some(DisconnectReason::Handshake(HandshakeError::SelfConnection))
    ));
}

#[test]
fn a_deferred_decision_settles_the_version_first_then_waits() {
    let mut cfg = config(NET);
    cfg.defer_version_decision = true;
    cfg.handshake.max_version = Some(70015);
    let (mut c, now) = inbound(cfg);
    c.handle_input(&remote_version(), now);
    let ev = events(&mut c);
    assert!(matches!(ev.as_slice(), [Event::Version(v)] if v.version == 70016));
    assert!(
        c.drain_transmit(now).is_empty(),
        "nothing is answered before the decision"
    );
    // The version is settled: a message sent now is encoded for 70015, and waits for the verack.
    c.send(Message::SendHeaders, now).unwrap();
    c.accept_version(now);
    let answer = c.drain_transmit(now);
    assert!(!answer.is_empty());
    assert!(!c.is_open());
}

#[test]
fn a_refused_version_gets_a_reject_and_closes() {
    let mut cfg = config(NET);
    cfg.defer_version_decision = true;
    let (mut c, now) = inbound(cfg);
    c.handle_input(&remote_version(), now);
    c.refuse_version("not today", now);
    let out = c.drain_transmit(now);
    assert_eq!(&out[4..10], b"reject");
    assert!(c.is_closed());
    let ev = events(&mut c);
    assert!(
        matches!(disconnected(&ev), Some(DisconnectReason::Handshake(HandshakeError::Refused(r))) if r == "not today")
    );
}

#[test]
fn a_remote_timestamp_far_off_does_not_overflow() {
    let mut p = Pair::bitcoin();
    let mut bytes = p.a.drain_transmit(p.now);
    // The version's timestamp sits after the 24-byte header, version and services.
    bytes[24 + 12..24 + 20].copy_from_slice(&i64::MIN.to_le_bytes());
    // The checksum no longer matches: recompute it.
    let sum = coinpeer_wire::Dialect::Bitcoin.checksum(&bytes[24..]);
    bytes[20..24].copy_from_slice(&sum);
    p.b.handle_input(&bytes, p.now);
    assert!(!p.b.is_closed(), "{:?}", p.b.disconnect_reason());
}

/// What the connection counts for each frame it holds beyond its bytes (two list slots of a `Frame`).
const HELD_FRAME_OVERHEAD: usize = 2 * std::mem::size_of::<coinpeer_wire::Frame>();

/// A transaction whose frame is exactly `wire_len` bytes (at least 350).
fn tx_frame(wire_len: usize) -> Vec<u8> {
    let mut tx = btc_tx(0, false);
    // Header 24, payload 62 + the script (its length takes 3 bytes from 253 on).
    tx.outputs[0].script_pubkey = vec![0x6a; wire_len - 24 - 62].into();
    let bytes = frame(&NET, &Message::Tx(tx), 70016);
    assert_eq!(bytes.len(), wire_len);
    bytes
}

#[test]
fn a_frame_filling_what_is_left_of_the_budget_header_included_is_held() {
    let mut cfg = config(NET);
    cfg.pre_handshake_budget = 4096;
    let (mut c, now) = inbound(cfg);
    c.handle_input(&remote_version(), now);
    c.handle_input(&tx_frame(4096 - HELD_FRAME_OVERHEAD), now);
    assert!(!c.is_closed(), "{:?}", c.disconnect_reason());
    c.handle_input(&frame(&NET, &Message::Verack, 70016), now);
    assert!(c.is_open());
    assert!(matches!(messages(events(&mut c)).as_slice(), [Message::Tx(_)]));
}

#[test]
fn a_frame_one_byte_over_the_budget_is_refused_from_its_header() {
    let mut cfg = config(NET);
    cfg.pre_handshake_budget = 4096;
    let (mut c, now) = inbound(cfg);
    c.handle_input(&remote_version(), now);
    c.handle_input(&tx_frame(4097 - HELD_FRAME_OVERHEAD)[..24], now);
    let ev = events(&mut c);
    assert!(
        matches!(disconnected(&ev), Some(DisconnectReason::Protocol(ProtocolViolation::Malformed(e)))
        if e.kind == ErrorKind::PayloadTooLarge {
            length: (4073 - HELD_FRAME_OVERHEAD) as u64,
            max: (4072 - HELD_FRAME_OVERHEAD) as u64
        }),
        "{ev:?}"
    );
}

#[test]
fn bytes_held_before_the_verack_never_exceed_the_budget_even_one_byte_at_a_time() {
    let mut cfg = config(NET);
    cfg.pre_handshake_budget = 4096;
    let (mut c, now) = inbound(cfg);
    c.handle_input(&remote_version(), now);
    let mut held = 0;
    for bytes in [tx_frame(1000), tx_frame(3100)] {
        for b in &bytes {
            c.handle_input(&[*b], now);
            let buffered = c.buffered_input();
            assert!(held + buffered <= 4096, "{held} bytes held and {buffered} buffered");
        }
        held += bytes.len();
    }
    assert!(c.is_closed(), "the second frame does not fit");
}

#[test]
fn the_handshake_times_out_while_a_deferred_decision_waits_even_after_the_verack() {
    let mut cfg = config(NET);
    cfg.defer_version_decision = true;
    let (mut c, now) = inbound(cfg);
    c.handle_input(&remote_version(), now);
    // The remote's verack arrives before the application decides: the handshake machine is done, the
    // connection is not, and its deadline still holds.
    c.handle_input(&frame(&NET, &Message::Verack, 70016), now);
    let deadline = c.poll_timeout().expect("a deadline");
    assert_eq!(deadline, now + Duration::from_secs(30));
    c.handle_timeout(deadline);
    assert!(matches!(
        c.disconnect_reason(),
        Some(DisconnectReason::Handshake(HandshakeError::Timeout))
    ));
    assert!(
        c.poll_timeout().map_or(true, |d| d > deadline),
        "no deadline left in the past"
    );
}

#[test]
fn many_tiny_messages_before_the_verack_count_what_holding_them_costs() {
    let (mut c, now) = inbound(config(NET));
    c.handle_input(&remote_version(), now);
    // 2,700 `getaddr` are 64,800 bytes on the wire, but each held frame also costs its slot in a list.
    let flood: Vec<u8> = (0..2700).flat_map(|_| frame(&NET, &Message::GetAddr, 70016)).collect();
    c.handle_input(&flood, now);
    let ev = events(&mut c);
    assert!(
        matches!(
            disconnected(&ev),
            Some(DisconnectReason::Protocol(ProtocolViolation::PreHandshakeBudget {
                budget: 65_536
            }))
        ),
        "{ev:?}"
    );
}

#[test]
fn a_few_bytes_of_the_next_frame_do_not_keep_a_whole_read_buffer() {
    let (mut c, now) = inbound(config(NET));
    c.handle_input(&remote_version(), now);
    c.handle_input(&frame(&NET, &Message::Verack, 70016), now);
    // A read of 32 KB: a thousand whole pings and the first bytes of the next.
    let mut chunk: Vec<u8> = (0..1000).flat_map(|n| frame(&NET, &Message::Ping(n), 70016)).collect();
    chunk.extend_from_slice(&frame(&NET, &Message::Ping(7), 70016)[..10]);
    c.handle_input(&chunk, now);
    assert_eq!(c.buffered_input(), 10);
    assert!(
        c.input_buffer().capacity() < 8 * 1024,
        "{} bytes kept",
        c.input_buffer().capacity()
    );
}
