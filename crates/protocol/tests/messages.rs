//! What received messages do to the connection: violations, settings, unknown commands, and the end of input.

mod support;

use coinpeer_protocol::{
    Bitcoin, CommandStats, DisconnectReason, Event, Outcome, ProtocolViolation, SendFailure, UNKNOWN_COMMANDS,
};
use coinpeer_wire::bitcoin::{FilterLoad, Message, Reject, RejectCode};
use coinpeer_wire::decred::Message as DcrMessage;
use coinpeer_wire::messages::ServiceFlags;
use coinpeer_wire::{Command, ErrorKind, Network};
use std::io;
use support::*;

const NET: Network = Network::BITCOIN_REGTEST;

fn violation(v: ProtocolViolation) -> DisconnectReason {
    DisconnectReason::Protocol(v)
}

fn duplicate(command: &'static str) -> DisconnectReason {
    violation(ProtocolViolation::Duplicate(Command::from_static(command)))
}

fn reject(message: &str, code: RejectCode, reason: &str) -> Message {
    Message::Reject(Reject {
        message: message.into(),
        code,
        reason: reason.into(),
        hash: None,
    })
}

/// The connection ended for `reason` and said so last.
fn ended<D: coinpeer_protocol::Dialect>(s: &mut Scripted<D>, reason: &DisconnectReason) {
    assert_eq!(s.c.disconnect_reason(), Some(reason));
    assert!(s.c.is_closed());
    let ev = s.events();
    assert!(
        matches!(ev.last(), Some(Event::Disconnected(r)) if r == reason),
        "{ev:?}"
    );
}

#[test]
fn a_version_after_the_handshake_gets_a_reject_then_ends_the_connection() {
    let mut s = Scripted::bitcoin();
    let version = s.c.session().unwrap().remote.clone();
    s.receive(&Message::Version(version));
    assert_eq!(s.written(), [reject("version", RejectCode::DUPLICATE, "duplicate")]);
    ended(&mut s, &duplicate("version"));
}

#[test]
fn a_verack_after_the_handshake_gets_a_reject_then_ends_the_connection() {
    let mut s = Scripted::bitcoin();
    s.hold = true;
    s.receive(&Message::Verack);
    assert_eq!(s.c.disconnect_reason(), Some(&duplicate("verack")));
    assert!(!s.c.is_closed(), "closing until the reject has left");
    assert!(s.events().is_empty(), "Disconnected comes once the reject is written");
    s.hold = false;
    assert_eq!(s.written(), [reject("verack", RejectCode::DUPLICATE, "duplicate")]);
    ended(&mut s, &duplicate("verack"));
}

#[test]
fn a_reject_the_transport_never_takes_is_given_up_after_the_drain_timeout() {
    let mut s = Scripted::bitcoin();
    s.hold = true;
    s.receive(&Message::SendAddrV2);
    assert_eq!(s.deadline(), Some(secs(5)));
    s.at(secs(5) - ms(1));
    assert!(!s.c.is_closed());
    s.at(secs(5));
    ended(&mut s, &duplicate("sendaddrv2"));
}

#[test]
fn no_reject_below_version_70002() {
    let mut old = config(NET);
    old.handshake.max_version = Some(70001);
    let mut s = Scripted::<Bitcoin>::open(config(NET), old);
    assert_eq!(s.version, 70001);
    s.receive(&Message::Verack);
    assert!(s.written().is_empty());
    ended(&mut s, &duplicate("verack"));
}

#[test]
fn decred_sends_no_reject_for_a_duplicate() {
    let mut s = Scripted::decred();
    s.receive(&DcrMessage::Verack);
    assert!(s.written().is_empty());
    ended(&mut s, &duplicate("verack"));
}

#[test]
fn a_negative_feefilter_is_out_of_range() {
    let mut s = Scripted::bitcoin();
    s.receive(&Message::FeeFilter(-1));
    assert!(s.written().is_empty());
    ended(
        &mut s,
        &violation(ProtocolViolation::OutOfRange(Command::from_static("feefilter"))),
    );
}

#[test]
fn a_feefilter_above_all_the_money_there_is_is_out_of_range() {
    let mut s = Scripted::decred();
    s.receive(&DcrMessage::FeeFilter(21_000_000 * 100_000_000 + 1));
    ended(
        &mut s,
        &violation(ProtocolViolation::OutOfRange(Command::from_static("feefilter"))),
    );
}

#[test]
fn a_feefilter_in_range_is_kept_and_passed_on() {
    let mut s = Scripted::bitcoin();
    assert_eq!(s.c.fee_filter(), None);
    s.receive(&Message::FeeFilter(1000));
    assert_eq!(s.c.fee_filter(), Some(1000));
    s.receive(&Message::FeeFilter(0));
    assert_eq!(s.c.fee_filter(), Some(0));
    assert_eq!(messages(s.events()), [Message::FeeFilter(1000), Message::FeeFilter(0)]);
    assert!(s.c.is_open());
}

fn bloom_messages() -> [Message; 4] {
    let load = FilterLoad {
        filter: vec![0u8; 8].into(),
        hash_funcs: 1,
        tweak: 0,
        flags: 0,
    };
    [
        Message::FilterLoad(load),
        Message::FilterAdd(vec![1u8; 4].into()),
        Message::FilterClear,
        Message::MemPool,
    ]
}

#[test]
fn bloom_requests_without_the_bloom_service_end_the_connection() {
    for msg in bloom_messages() {
        let mut s = Scripted::bitcoin();
        s.receive(&msg);
        ended(&mut s, &violation(ProtocolViolation::ServiceNotOffered(msg.command())));
    }
}

#[test]
fn bloom_requests_are_passed_on_when_we_advertise_bloom() {
    let mut cfg = config(NET);
    cfg.handshake.services = ServiceFlags::BTC_BLOOM;
    let mut s = Scripted::bitcoin_with(cfg);
    for msg in bloom_messages() {
        s.receive(&msg);
    }
    assert!(s.c.is_open(), "{:?}", s.c.disconnect_reason());
    assert_eq!(messages(s.events()), bloom_messages());
}

#[test]
fn decred_mempool_needs_no_service() {
    let mut s = Scripted::decred();
    s.receive(&DcrMessage::MemPool);
    assert!(s.c.is_open());
    assert_eq!(messages(s.events()), [DcrMessage::MemPool]);
}

#[test]
fn sendheaders_asks_for_headers_announcements() {
    let mut s = Scripted::bitcoin();
    assert!(!s.c.wants_headers());
    s.receive(&Message::SendHeaders);
    assert!(s.c.wants_headers());
    assert_eq!(messages(s.events()), [Message::SendHeaders]);
}

fn unknown(name: &str, payload: &'static [u8]) -> Message {
    Message::Unknown {
        command: Command::new(name).unwrap(),
        payload: bytes::Bytes::from_static(payload),
    }
}

#[test]
fn an_unknown_command_is_passed_on_whole_and_counted_under_one_name() {
    let mut s = Scripted::bitcoin();
    s.receive(&unknown("newthing", b"abc"));
    s.receive(&unknown("otherthing", b""));
    assert_eq!(
        messages(s.events()),
        [unknown("newthing", b"abc"), unknown("otherthing", b"")]
    );
    assert!(s.c.is_open());
    let received = &s.c.stats().received;
    assert_eq!(
        received.get(&UNKNOWN_COMMANDS),
        Some(&CommandStats {
            messages: 2,
            bytes: 24 + 3 + 24
        })
    );
    assert!(
        !received.contains_key(&Command::from_static("newthing")),
        "a remote cannot grow the table"
    );
}

#[test]
fn with_strict_unknown_commands_an_unknown_command_ends_the_connection() {
    let mut cfg = config(NET);
    cfg.strict_unknown_commands = true;
    let mut s = Scripted::bitcoin_with(cfg);
    s.receive(&unknown("newthing", b"abc"));
    ended(
        &mut s,
        &violation(ProtocolViolation::UnknownCommand(Command::from_static("newthing"))),
    );
}

fn malformed(s: &mut Scripted<Bitcoin>) -> ErrorKind {
    match s.c.disconnect_reason() {
        Some(DisconnectReason::Protocol(ProtocolViolation::Malformed(e))) => e.kind.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_bad_checksum_gets_a_malformed_reject_then_ends_the_connection() {
    let mut s = Scripted::bitcoin();
    let mut bytes = s.frame(&Message::Ping(1));
    bytes[20] ^= 0xff;
    s.hold = true;
    s.receive_bytes(&bytes);
    assert!(
        matches!(malformed(&mut s), ErrorKind::BadChecksum { .. }),
        "{:?}",
        s.c.disconnect_reason()
    );
    s.hold = false;
    let written = s.written();
    assert!(
        matches!(written.as_slice(), [Message::Reject(r)] if r.message == "malformed" && r.code == RejectCode::MALFORMED),
        "{written:?}"
    );
    let reason = s.c.disconnect_reason().unwrap().clone();
    ended(&mut s, &reason);
}

#[test]
fn a_wrong_magic_gets_a_malformed_reject_then_ends_the_connection() {
    let mut s = Scripted::bitcoin();
    let bytes = frame(&Network::BITCOIN, &Message::Ping(1), s.version);
    s.receive_bytes(&bytes);
    let kind = malformed(&mut s);
    let (expected, found) = (NET.magic(), Network::BITCOIN.magic());
    assert_eq!(kind, ErrorKind::WrongMagic { expected, found });
    assert!(matches!(s.written().as_slice(), [Message::Reject(r)] if r.code == RejectCode::MALFORMED));
    assert!(s.c.is_closed());
}

#[test]
fn decred_sends_no_reject_for_malformed_input() {
    let mut s = Scripted::decred();
    let mut bytes = s.frame(&DcrMessage::Ping(1));
    bytes[20] ^= 0xff;
    s.receive_bytes(&bytes);
    assert!(s.written().is_empty());
    assert!(s.c.is_closed());
    assert!(matches!(
        s.c.disconnect_reason(),
        Some(DisconnectReason::Protocol(ProtocolViolation::Malformed(e))) if matches!(e.kind, ErrorKind::BadChecksum { .. })
    ));
}

#[test]
fn input_after_close_is_ignored() {
    let mut s = Scripted::bitcoin();
    s.c.close(s.now);
    s.events();
    let before = s.c.stats().clone();
    s.receive(&Message::Ping(1));
    assert!(s.written().is_empty(), "no pong");
    assert!(s.events().is_empty());
    assert_eq!(s.c.stats(), &before);
    assert_eq!(s.c.disconnect_reason(), Some(&DisconnectReason::LocalRequest));
}

#[test]
fn the_remote_closing_drops_what_is_queued() {
    let mut s = Scripted::bitcoin();
    s.hold = true;
    let ids = [
        s.c.send(Message::GetAddr, s.now).unwrap(),
        s.c.send(Message::SendHeaders, s.now).unwrap(),
    ];
    s.c.handle_eof(s.now);
    assert!(s.c.is_closed());
    let ev = s.events();
    assert_eq!(outcomes(&ev), ids.map(|id| (id, Outcome::Dropped)));
    assert!(
        matches!(ev.last(), Some(Event::Disconnected(DisconnectReason::RemoteClosed))),
        "{ev:?}"
    );
    assert_eq!(s.c.poll_timeout(), None);
}

#[test]
fn an_io_error_fails_the_frames_being_written_and_drops_the_rest() {
    let mut s = Scripted::bitcoin();
    s.hold = true;
    let writing = [
        s.c.send(Message::GetAddr, s.now).unwrap(),
        s.c.send(Message::SendHeaders, s.now).unwrap(),
    ];
    assert_eq!(offered(&mut s.c, s.now).len(), 48);
    s.c.transmitted(10, s.now);
    let waiting = s.c.send(Message::MemPool, s.now).unwrap();
    s.c.handle_io_error(io::ErrorKind::BrokenPipe, s.now);
    assert!(s.c.is_closed());
    let ev = s.events();
    let failed = Outcome::Failed(SendFailure::Io(io::ErrorKind::BrokenPipe));
    assert_eq!(
        outcomes(&ev),
        [
            (writing[0], failed.clone()),
            (writing[1], failed),
            (waiting, Outcome::Dropped)
        ]
    );
    let reason = DisconnectReason::Io(io::ErrorKind::BrokenPipe);
    assert!(
        matches!(ev.last(), Some(Event::Disconnected(r)) if *r == reason),
        "{ev:?}"
    );
}
