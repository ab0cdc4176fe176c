//! `Frame::encode`: a message encoded once into a frame that goes out as it is to many peers.

use bytes::BytesMut;
use coinpeer_wire::messages::{InvType, Inventory, MAX_INV_PER_MSG};
use coinpeer_wire::{bitcoin, decred, encode_frame, EncodeError, EncodeOptions, Frame, FrameDecoder, Hash256};
use coinpeer_wire::{Network, WireMessage, HEADER_LEN};

fn inv(items: usize) -> Vec<Inventory> {
    (0..items)
        .map(|i| Inventory {
            kind: InvType::TX,
            hash: Hash256([i as u8; 32]),
        })
        .collect()
}

/// The frame's header and payload are the bytes `encode_frame` writes, and a decoder reads them back as the
/// same message.
fn same_as_encode_frame<M: WireMessage + PartialEq + std::fmt::Debug>(network: Network, msg: M, version: u32) {
    let opts = EncodeOptions::new(version);
    let frame = Frame::encode(&network, &msg, opts).expect("encodes");
    let mut expected = BytesMut::new();
    encode_frame(&network, &msg, opts, &mut expected).expect("encodes");
    assert_eq!(frame.header.to_bytes()[..], expected[..HEADER_LEN]);
    assert_eq!(frame.payload[..], expected[HEADER_LEN..]);
    assert_eq!((frame.wire_len(), frame.offset), (expected.len(), 0));
    assert!(!frame.is_skipped());

    let mut decoder = FrameDecoder::new(network, version);
    decoder.extend_from_slice(&expected);
    let read = decoder.next_frame().expect("a valid frame").expect("a whole frame");
    assert_eq!(read.header, frame.header);
    assert_eq!(frame.decode::<M>(version).expect("decodes"), msg);
}

#[test]
fn bitcoin_frames_match_encode_frame() {
    let version = bitcoin::version::MAX;
    same_as_encode_frame(Network::BITCOIN, bitcoin::Message::Inv(inv(3)), version);
    same_as_encode_frame(Network::BITCOIN_REGTEST, bitcoin::Message::Ping(7), version);
    same_as_encode_frame(Network::BITCOIN, bitcoin::Message::Verack, version);
}

#[test]
fn decred_frames_match_encode_frame() {
    // Decred's checksum is BLAKE-256, not double SHA-256: the frame carries the dialect's own.
    let version = decred::version::MAX;
    same_as_encode_frame(Network::DECRED, decred::Message::Inv(inv(3)), version);
    same_as_encode_frame(Network::DECRED_SIMNET, decred::Message::Ping(7), version);
}

#[test]
fn a_message_over_its_limit_is_refused_as_encode_frame_refuses_it() {
    let msg = bitcoin::Message::Inv(inv(MAX_INV_PER_MSG + 1));
    let opts = EncodeOptions::new(bitcoin::version::MAX);
    let refused = Frame::encode(&Network::BITCOIN, &msg, opts).expect_err("over the limit");
    assert!(matches!(refused, EncodeError::CountTooLarge { count, .. } if count == MAX_INV_PER_MSG + 1));
    let mut out = BytesMut::new();
    assert_eq!(
        encode_frame(&Network::BITCOIN, &msg, opts, &mut out).expect_err("refused"),
        refused
    );
}

/// A frame of `msg` encoded at `at`, checked for a remote at `remote`.
fn sendable<M: WireMessage>(network: Network, msg: &M, at: u32, remote: u32) -> Result<(), EncodeError> {
    let frame = Frame::encode(&network, msg, EncodeOptions::new(at)).expect("encodes");
    frame.sendable_at(network.dialect(), remote)
}

#[test]
fn a_frame_is_sendable_only_at_versions_that_have_its_command() {
    let fee = bitcoin::Message::FeeFilter(1000);
    assert_eq!(sendable(Network::BITCOIN, &fee, 70016, 70013), Ok(()));
    assert_eq!(
        sendable(Network::BITCOIN, &fee, 70016, 70012),
        Err(EncodeError::UnsupportedAtVersion {
            command: "feefilter",
            version: 70012
        })
    );
    // Decred gates commands both ways: `sendheaders` came at 3, `reject` went at 9.
    let headers = decred::Message::SendHeaders;
    assert_eq!(sendable(Network::DECRED, &headers, 12, 3), Ok(()));
    assert!(matches!(
        sendable(Network::DECRED, &headers, 12, 2),
        Err(EncodeError::UnsupportedAtVersion {
            command: "sendheaders",
            version: 2
        })
    ));
    let reject = decred::Message::Reject(decred::Reject {
        message: "tx".into(),
        code: bitcoin::RejectCode(0x10),
        reason: "bad".into(),
        hash: Hash256([3; 32]),
    });
    assert_eq!(sendable(Network::DECRED, &reject, 8, 8), Ok(()));
    assert!(matches!(
        sendable(Network::DECRED, &reject, 8, 9),
        Err(EncodeError::UnsupportedAtVersion { command: "reject", .. })
    ));
}

#[test]
fn a_frame_over_its_commands_limit_at_the_remotes_version_is_not_sendable() {
    // A ping carries its nonce from version 60001 on; before that its payload is empty.
    let ping = bitcoin::Message::Ping(7);
    assert_eq!(sendable(Network::BITCOIN, &ping, 70016, 60001), Ok(()));
    assert!(matches!(
        sendable(Network::BITCOIN, &ping, 70016, 60000),
        Err(EncodeError::PayloadTooLarge { length: 8, max: 0, .. })
    ));
}
