//! `send_frame` with frames the connection did not encode: one encoded once for many peers, and the
//! malformed ones it must refuse rather than write.

mod support;

use bytes::Bytes;
use coinpeer_protocol::{Bitcoin, Outcome, SendFailure};
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::messages::ServiceFlags;
use coinpeer_wire::{decred, Command, EncodeError, EncodeOptions, Frame, FrameHeader, Network};
use std::io::IoSlice;
use support::*;

const NET: Network = Network::BITCOIN_REGTEST;

/// A frame put together by hand: `command`, a header announcing `length` bytes, and `payload`.
fn hand_made(command: &str, length: u32, payload: &'static [u8]) -> Frame {
    let header = FrameHeader {
        magic: 0,
        command: Command::new(command).unwrap(),
        length,
        checksum: [0; 4],
    };
    Frame {
        header,
        payload: Bytes::from_static(payload),
        offset: 0,
    }
}

/// Sends `frame`, expects it failed with a failure `check` accepts and nothing written, then checks that the
/// connection goes on sending.
fn refused(frame: Frame, check: impl Fn(&SendFailure) -> bool) {
    let mut s = Scripted::bitcoin();
    let id = s.c.send_frame(&frame, s.now).expect("admitted");
    let failed = outcomes(&s.events());
    assert!(
        matches!(&failed[..], [(i, Outcome::Failed(f))] if *i == id && check(f)),
        "{failed:?}"
    );
    assert!(s.written().is_empty(), "nothing of it is written");
    assert!(s.c.is_open(), "our mistake, not the remote's");
    s.c.send(Message::Ping(9), s.now).unwrap();
    assert_eq!(s.written(), [Message::Ping(9)], "the stream is still in step");
}

#[test]
fn a_frame_encoded_once_goes_out_as_the_connection_would_encode_it_without_a_copy() {
    // Both ends advertise witness support, so blocks go with their witnesses.
    let witness = || {
        let mut c = config(NET);
        c.handshake.services |= ServiceFlags::BTC_WITNESS;
        c
    };
    let mut s = Scripted::<Bitcoin>::open(witness(), witness());
    let mut block = btc_block(3);
    block.transactions.extend([btc_tx(1, true), btc_tx(2, true)]);
    let msg = Message::Block(block);
    let opts = s.c.encode_options();
    assert!(opts.witness && opts.version == s.version, "{opts:?}");
    let prepared = Frame::encode(&s.network, &msg, opts).unwrap();
    let id = s.c.send_frame(&prepared, s.now).unwrap();
    let mut slices = [IoSlice::new(&[]); 4];
    assert_eq!(
        s.c.transmit_slices(s.now, &mut slices),
        2,
        "the header, then the payload"
    );
    assert_eq!(
        slices[1].as_ptr(),
        prepared.payload.as_ptr(),
        "the payload is not copied"
    );
    s.c.transmitted(prepared.wire_len(), s.now);
    assert_eq!(outcomes(&s.events()), [(id, Outcome::Sent)]);

    // The same frame again, and the message encoded by the connection: the same bytes three times.
    s.c.send_frame(&prepared, s.now).unwrap();
    s.c.send(msg.clone(), s.now).unwrap();
    let expected = s.frame(&msg);
    let written = s.c.drain_transmit(s.now);
    assert_eq!(written, [&expected[..], &expected[..]].concat());
}

#[test]
fn a_frame_the_decoder_skipped_is_refused_not_written() {
    // The decoder keeps the header of an unknown command it skips and drops its payload; written as it is,
    // the header would announce bytes that never follow.
    refused(hand_made("unknowncmd", 100, &[]), |f| {
        matches!(
            f,
            SendFailure::Incomplete {
                length: 100,
                payload: 0
            }
        )
    });
}

#[test]
fn a_frame_over_its_commands_limit_at_the_negotiated_version_is_refused() {
    refused(hand_made("verack", 1, &[0]), |f| {
        matches!(
            f,
            SendFailure::Encode(EncodeError::PayloadTooLarge { length: 1, max: 0, .. })
        )
    });
}

#[test]
fn a_frame_made_for_a_newer_peer_is_refused_where_its_command_does_not_exist() {
    // The remote stops at 70012, before feefilter; the frame was made at 70016 for other peers.
    let mut older = config(NET);
    older.handshake.max_version = Some(70_012);
    let mut p = Pair::<Bitcoin>::with(config(NET), older).open();
    let shared = Frame::encode(&NET, &Message::FeeFilter(1000), EncodeOptions::new(70_016)).unwrap();
    let id = p.a.send_frame(&shared, p.now).unwrap();
    p.shuttle();
    let failed = outcomes(&events(&mut p.a));
    assert!(
        matches!(&failed[..], [(i, Outcome::Failed(SendFailure::Encode(EncodeError::UnsupportedAtVersion { command: "feefilter", version: 70_012 })))] if *i == id),
        "{failed:?}"
    );
    assert!(p.a.is_open() && p.b.is_open(), "{:?}", p.b.disconnect_reason());
}

#[test]
fn a_decred_frame_encoded_once_carries_the_dialects_checksum() {
    let mut s = Scripted::decred();
    let msg = decred::Message::Ping(5);
    let prepared = Frame::encode(&s.network, &msg, EncodeOptions::new(s.version)).unwrap();
    s.c.send_frame(&prepared, s.now).unwrap();
    assert_eq!(s.written(), [msg]);
}
