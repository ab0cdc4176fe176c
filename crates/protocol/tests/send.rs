//! Sending: outcomes, refusals, back-pressure, the caps on queued memory and write time, and write order.

mod support;

use coinpeer_protocol::{Bitcoin, DisconnectReason, Event, Outcome, SendError, SendFailure};
use coinpeer_wire::bitcoin::{Message, SendCmpct, Transaction};
use coinpeer_wire::{EncodeError, FrameDecoder, Network};
use std::io::IoSlice;
use support::*;

const NET: Network = Network::BITCOIN_REGTEST;

/// A transaction whose frame is a little over `len` bytes.
fn big_tx(len: usize) -> Transaction {
    let mut tx = btc_tx(0, false);
    tx.outputs[0].script_pubkey = vec![0x6a; len].into();
    tx
}

#[test]
fn a_send_is_reported_sent_once_its_last_byte_is_written_and_only_once() {
    let mut s = Scripted::bitcoin();
    let id = s.c.send(Message::GetAddr, s.now).unwrap();
    let len = offered(&mut s.c, s.now).len();
    assert_eq!(len, 24);
    s.c.transmitted(len - 1, s.now);
    assert!(outcomes(&s.events()).is_empty(), "not before the last byte");
    s.c.transmitted(1, s.now);
    assert_eq!(outcomes(&s.events()), [(id, Outcome::Sent)]);
    s.c.close(s.now);
    let ev = s.events();
    assert!(outcomes(&ev).is_empty(), "no second outcome: {ev:?}");
}

#[test]
fn sends_not_yet_written_are_dropped_when_the_connection_closes() {
    let mut s = Scripted::bitcoin();
    s.hold = true;
    let ids = [Message::GetAddr, Message::SendHeaders, Message::Ping(1)].map(|m| s.c.send(m, s.now).unwrap());
    s.c.close(s.now);
    let ev = s.events();
    assert_eq!(outcomes(&ev), ids.map(|id| (id, Outcome::Dropped)));
    assert!(matches!(
        ev.last(),
        Some(Event::Disconnected(DisconnectReason::LocalRequest))
    ));
    assert!(s.c.is_closed());
    assert_eq!(s.c.queued_memory(), 0);
}

#[test]
fn a_message_invalid_at_the_negotiated_version_fails_and_the_connection_stays_up() {
    let mut old = config(NET);
    old.handshake.max_version = Some(70012);
    let mut s = Scripted::<Bitcoin>::open(config(NET), old);
    assert_eq!(s.version, 70012);
    let cmpct = Message::SendCmpct(SendCmpct {
        announce: false,
        version: 1,
    });
    let id = s.c.send(cmpct, s.now).unwrap();
    let failure = SendFailure::Encode(EncodeError::UnsupportedAtVersion {
        command: "sendcmpct",
        version: 70012,
    });
    assert_eq!(outcomes(&s.events()), [(id, Outcome::Failed(failure))]);
    assert!(s.c.is_open());
    let next = s.c.send(Message::SendHeaders, s.now).unwrap();
    assert_eq!(s.written(), [Message::SendHeaders]);
    assert_eq!(outcomes(&s.events()), [(next, Outcome::Sent)]);
}

#[test]
fn sending_before_the_remotes_version_is_not_ready_and_gives_the_message_back() {
    let mut p = Pair::bitcoin();
    for c in [&mut p.a, &mut p.b] {
        assert!(!c.can_send(), "nothing can be encoded before the remote's version");
        assert_eq!(
            c.send(Message::GetAddr, p.now),
            Err(SendError::NotReady(Message::GetAddr))
        );
    }
    let version = p.a.drain_transmit(p.now);
    p.b.handle_input(&version, p.now);
    assert!(p.b.can_send(), "once the version is known, sends wait for the verack");
    assert!(events(&mut p.a).is_empty() && outcomes(&events(&mut p.b)).is_empty());
}

#[test]
fn sending_after_close_is_refused_with_the_message() {
    let mut s = Scripted::bitcoin();
    s.c.close(s.now);
    assert_eq!(
        s.c.send(Message::GetAddr, s.now),
        Err(SendError::Closed(Message::GetAddr))
    );
    assert!(!s.c.can_send());
    let frame = coinpeer_wire::Frame {
        header: coinpeer_wire::FrameHeader {
            magic: NET.magic(),
            command: coinpeer_wire::Command::from_static("getaddr"),
            length: 0,
            checksum: coinpeer_wire::Dialect::Bitcoin.checksum(&[]),
        },
        payload: bytes::Bytes::new(),
        offset: 0,
    };
    assert_eq!(s.c.send_frame(&frame, s.now), Err(SendError::Closed(())));
}

#[test]
fn a_full_send_buffer_refuses_until_written() {
    let mut cfg = config(NET);
    cfg.send_buffer = 1000;
    let mut s = Scripted::bitcoin_with(cfg);
    s.hold = true;
    s.c.send(Message::GetAddr, s.now).unwrap();
    let per = s.c.queued_memory();
    let fits = 1000usize.div_ceil(per);
    for _ in 1..fits {
        assert!(s.c.can_send());
        s.c.send(Message::GetAddr, s.now).unwrap();
    }
    assert!(!s.c.can_send(), "{} bytes queued", s.c.queued_memory());
    assert_eq!(
        s.c.send(Message::SendHeaders, s.now),
        Err(SendError::Full(Message::SendHeaders))
    );
    s.hold = false;
    assert_eq!(s.written().len(), fits);
    assert!(s.c.can_send());
    assert!(s.c.send(Message::SendHeaders, s.now).is_ok());
    assert!(s.c.is_open());
}

#[test]
fn queued_memory_counts_bytes_and_a_per_frame_overhead() {
    let mut s = Scripted::bitcoin();
    s.hold = true;
    s.receive(&Message::Ping(1));
    let pong = s.c.queued_memory();
    let overhead = pong
        .checked_sub(32)
        .filter(|&o| o > 0)
        .expect("a 32-byte pong costs more than its bytes");
    let tx = Message::Tx(big_tx(1000));
    let tx_len = frame(&NET, &tx, s.version).len();
    s.c.send(tx, s.now).unwrap();
    assert_eq!(
        s.c.queued_memory(),
        pong + tx_len + overhead,
        "the same overhead per frame"
    );
    s.hold = false;
    s.flush();
    assert_eq!(s.c.queued_memory(), 0);
}

#[test]
fn a_remote_that_never_reads_while_flooding_pings_is_cut_once_the_pongs_pass_the_cap() {
    let pong = {
        let mut s = Scripted::bitcoin();
        s.hold = true;
        s.receive(&Message::Ping(1));
        s.c.queued_memory()
    };
    let mut cfg = config(NET);
    cfg.max_queued_bytes = 10 * pong;
    let mut s = Scripted::bitcoin_with(cfg);
    s.hold = true;
    for n in 1..=10 {
        s.receive(&Message::Ping(n));
        assert!(s.c.is_open(), "pong {n}: {:?}", s.c.disconnect_reason());
    }
    assert_eq!(s.c.queued_memory(), 10 * pong, "exactly at the cap");
    s.receive(&Message::Ping(11));
    assert_eq!(s.c.disconnect_reason(), Some(&DisconnectReason::SlowReader));
    assert!(s.c.is_closed());
    assert_eq!(s.c.queued_memory(), 0);
    let ev = s.events();
    assert!(
        matches!(ev.last(), Some(Event::Disconnected(DisconnectReason::SlowReader))),
        "{ev:?}"
    );
}

#[test]
fn a_frame_not_taken_within_20_seconds_ends_the_connection() {
    let mut s = Scripted::bitcoin();
    s.hold = true;
    s.at(secs(3));
    s.c.send(Message::GetAddr, s.now).unwrap();
    assert_eq!(
        s.deadline(),
        Some(secs(120)),
        "no write deadline before the transport was offered the frame"
    );
    assert_eq!(offered(&mut s.c, s.now).len(), 24);
    s.cut_exactly_at(secs(3 + 20), DisconnectReason::SlowReader);
}

#[test]
fn a_large_frame_gets_one_more_second_per_256_kib() {
    let mut s = Scripted::bitcoin();
    s.hold = true;
    s.c.send(Message::Tx(big_tx(600 * 1024)), s.now).unwrap();
    let len = offered(&mut s.c, s.now).len();
    assert_eq!(len / (256 * 1024), 2);
    s.cut_exactly_at(secs(20 + 2), DisconnectReason::SlowReader);
}

#[test]
fn each_frame_written_restarts_the_write_deadline_for_the_next() {
    let mut s = Scripted::bitcoin();
    s.hold = true;
    s.c.send(Message::GetAddr, s.now).unwrap();
    s.c.send(Message::SendHeaders, s.now).unwrap();
    assert_eq!(offered(&mut s.c, s.now).len(), 48);
    s.at(secs(15));
    s.c.transmitted(24, s.now);
    s.cut_exactly_at(secs(15 + 20), DisconnectReason::SlowReader);
}

#[test]
fn a_pong_goes_ahead_of_bulk_data_not_yet_offered() {
    let mut s = Scripted::bitcoin();
    s.hold = true;
    s.c.send(Message::Tx(big_tx(10_000)), s.now).unwrap();
    s.c.send(Message::GetAddr, s.now).unwrap();
    s.receive(&Message::Ping(7));
    s.hold = false;
    let order: Vec<_> = s.written().iter().map(Message::command).collect();
    assert_eq!(order, ["pong", "tx", "getaddr"]);
}

#[test]
fn a_frame_partly_written_is_finished_before_the_pong_and_the_stream_stays_in_step() {
    let mut s = Scripted::bitcoin();
    s.hold = true;
    s.c.send(Message::Tx(big_tx(10_000)), s.now).unwrap();
    s.c.send(Message::GetAddr, s.now).unwrap();
    s.c.send(Message::SendHeaders, s.now).unwrap();
    let first = offered(&mut s.c, s.now);
    assert!(first.len() > 10_000, "all three offered to one write");
    s.c.transmitted(100, s.now);
    s.receive(&Message::Ping(7));
    let mut stream = first[..100].to_vec();
    stream.extend(s.c.drain_transmit(s.now));
    let order: Vec<_> = decode_all::<Message>(&NET, s.version, &stream)
        .iter()
        .map(Message::command)
        .collect();
    assert_eq!(
        order,
        ["tx", "pong", "getaddr", "sendheaders"],
        "only the frame begun goes ahead of the pong"
    );
}

#[test]
fn messages_sent_during_the_handshake_wait_for_the_verack() {
    let mut p = Pair::bitcoin();
    let version = p.a.drain_transmit(p.now);
    p.b.handle_input(&version, p.now);
    let id = p.b.send(Message::GetAddr, p.now).unwrap();
    let answer = decode_all::<Message>(&NET, 70016, &p.b.drain_transmit(p.now));
    let commands: Vec<_> = answer.iter().map(Message::command).collect();
    assert_eq!(commands, ["version", "sendaddrv2", "verack"]);
    assert!(outcomes(&events(&mut p.b)).is_empty());
    p.a.handle_input(&support::encode_all(&NET, &answer), p.now);
    p.b.handle_input(&p.a.drain_transmit(p.now), p.now);
    assert!(p.b.is_open());
    assert_eq!(
        decode_all::<Message>(&NET, 70016, &p.b.drain_transmit(p.now)),
        [Message::GetAddr]
    );
    assert_eq!(outcomes(&events(&mut p.b)), [(id, Outcome::Sent)]);
}

/// One connection with a mix of queued frames: encoded ones, a large one and a forwarded one (header and
/// payload in two parts), and a pong ahead of them.
fn loaded() -> Scripted<Bitcoin> {
    let mut s = Scripted::bitcoin();
    s.hold = true;
    let tx = s.frame(&Message::Tx(btc_tx(3, true)));
    s.receive_bytes(&tx);
    let forwarded = s.events().into_iter().find_map(|e| match e {
        Event::Message { frame, .. } => Some(frame),
        _ => None,
    });
    s.c.send(Message::GetAddr, s.now).unwrap();
    s.c.send(Message::Tx(big_tx(300 * 1024)), s.now).unwrap();
    s.c.send_frame(&forwarded.expect("the tx arrived"), s.now).unwrap();
    s.c.send(Message::SendHeaders, s.now).unwrap();
    s.receive(&Message::Ping(5));
    s
}

#[test]
fn vectored_writes_in_odd_chunks_produce_exactly_the_bytes_poll_transmit_would() {
    let mut whole = loaded();
    let expected = whole.c.drain_transmit(whole.now);
    let mut chunked = loaded();
    let mut got = Vec::new();
    let sizes = [1, 7, 13, 23, 24, 25, 100, 4097, 65_535];
    for i in 0.. {
        let now = chunked.now;
        let mut slices = [IoSlice::new(&[]); 3];
        let n = chunked.c.transmit_slices(now, &mut slices);
        let offer: Vec<u8> = slices[..n].iter().flat_map(|s| s.iter().copied()).collect();
        if offer.is_empty() {
            break;
        }
        let take = sizes[i % sizes.len()].min(offer.len());
        got.extend_from_slice(&offer[..take]);
        chunked.c.transmitted(take, now);
    }
    assert_eq!(got.len(), expected.len());
    assert!(got == expected, "the same bytes in the same order");
    assert_eq!(outcomes(&whole.events()), outcomes(&chunked.events()));
    assert_eq!(decode_all::<Message>(&NET, whole.version, &got).len(), 5);
}

#[test]
fn send_frame_forwards_a_received_frame_byte_for_byte_without_copying_its_payload() {
    let mut s = Scripted::bitcoin();
    let bytes = s.frame(&Message::Tx(btc_tx(4, true)));
    s.receive_bytes(&bytes);
    let frame = s.events().into_iter().find_map(|e| match e {
        Event::Message { frame, .. } => Some(frame),
        _ => None,
    });
    let frame = frame.expect("the tx arrived");
    let id = s.c.send_frame(&frame, s.now).unwrap();
    let mut slices = [IoSlice::new(&[]); 4];
    let n = s.c.transmit_slices(s.now, &mut slices);
    assert_eq!(n, 2, "the header, then the payload as received");
    assert_eq!(&slices[0][..], &bytes[..24], "same command, length and checksum");
    assert_eq!(
        slices[1].as_ptr(),
        frame.payload.as_ptr(),
        "the payload is the received one, not a copy"
    );
    assert_eq!(&slices[1][..], &bytes[24..]);
    s.c.transmitted(bytes.len(), s.now);
    assert_eq!(outcomes(&s.events()), [(id, Outcome::Sent)]);
}

#[test]
fn a_frame_forwarded_from_another_network_takes_our_magic_and_keeps_its_checksum() {
    let mut s = Scripted::bitcoin();
    let mainnet = frame(&Network::BITCOIN, &Message::Tx(btc_tx(5, false)), 70016);
    let mut dec = FrameDecoder::new(Network::BITCOIN, 70016);
    dec.extend_from_slice(&mainnet);
    let f = dec.next_frame().unwrap().unwrap();
    s.c.send_frame(&f, s.now).unwrap();
    s.hold = false;
    let mut out = std::mem::take(&mut s.out);
    out.extend(s.c.drain_transmit(s.now));
    assert_eq!(&out[..4], &NET.magic().to_le_bytes());
    assert_eq!(&out[4..], &mainnet[4..]);
    assert_eq!(out, frame(&NET, &Message::Tx(btc_tx(5, false)), 70016));
}

#[test]
fn memory_held_for_a_queued_message_counts_until_it_is_written() {
    let mut s = Scripted::bitcoin();
    s.hold = true;
    let id = s.c.send(Message::Tx(big_tx(1000)), s.now).unwrap();
    let frame_only = s.c.queued_memory();
    s.c.hold_for(id, 5000, s.now);
    assert_eq!(s.c.queued_memory(), frame_only + 5000);
    s.hold = false;
    s.flush();
    assert_eq!(s.c.queued_memory(), 0, "let go with the frame once written");
    s.c.hold_for(id, 5000, s.now);
    assert_eq!(s.c.queued_memory(), 0, "an id no longer queued holds nothing");
}

#[test]
fn memory_held_past_the_queue_cap_makes_the_remote_a_slow_reader() {
    let mut cfg = config(NET);
    cfg.max_queued_bytes = 64 * 1024;
    let mut s = Scripted::bitcoin_with(cfg);
    s.hold = true;
    s.c.send(Message::Tx(big_tx(1000)), s.now).unwrap();
    let second = s.c.send(Message::Tx(big_tx(1000)), s.now).unwrap();
    let room = 64 * 1024 - s.c.queued_memory();
    s.c.hold_for(second, room, s.now);
    assert!(s.c.is_open(), "at the cap");
    s.c.hold_for(second, 1, s.now);
    assert_eq!(s.c.disconnect_reason(), Some(&DisconnectReason::SlowReader));
}

#[test]
fn a_message_too_large_for_the_queue_on_its_own_fails_and_the_connection_stays() {
    let mut cfg = config(NET);
    cfg.max_queued_bytes = 64 * 1024;
    let mut s = Scripted::bitcoin_with(cfg);
    let id = s.c.send(Message::Tx(big_tx(70_000)), s.now).unwrap();
    let reported = outcomes(&s.events());
    assert!(
        matches!(
            reported.as_slice(),
            [(got, Outcome::Failed(SendFailure::TooLarge { cap: 65536, .. }))] if *got == id
        ),
        "{reported:?}"
    );
    assert!(s.c.is_open());
    assert_eq!(s.c.queued_memory(), 0);
    let small = s.c.send(Message::GetAddr, s.now).unwrap();
    s.flush();
    assert!(outcomes(&s.events()).contains(&(small, Outcome::Sent)));
}

#[test]
fn memory_held_that_makes_one_message_too_large_on_its_own_fails_it_and_the_connection_stays() {
    let mut cfg = config(NET);
    cfg.max_queued_bytes = 64 * 1024;
    let mut s = Scripted::bitcoin_with(cfg);
    s.hold = true;
    let id = s.c.send(Message::Tx(big_tx(40_000)), s.now).unwrap();
    // A driver keeping a copy of the message, reckoned as much again as its frame: over the cap alone.
    s.c.hold_for(id, 40_000, s.now);
    let reported = outcomes(&s.events());
    assert!(
        matches!(reported.as_slice(), [(got, Outcome::Failed(SendFailure::TooLarge { .. }))] if *got == id),
        "{reported:?}"
    );
    assert!(s.c.is_open());
    assert_eq!(s.c.queued_memory(), 0, "taken out of the queue");
}
