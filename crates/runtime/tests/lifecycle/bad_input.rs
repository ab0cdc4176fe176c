//! Bad input after the handshake: a typed disconnect reason (and a Bitcoin reject first), while unknown commands
//! and inventory types are ignored.

use crate::common::{bitcoin_peer, decred_peer, eventually, wait_disconnect, WAIT};
use crate::support::RawRemote;
use bytes::Bytes;
use coinpeer_runtime::{Dialect, DisconnectReason, Peer, ProtocolViolation, UNKNOWN_COMMANDS};
use coinpeer_wire::bitcoin::{self as btc, Message, RejectCode};
use coinpeer_wire::decred as dcr;
use coinpeer_wire::messages::{InvType, Inventory};
use coinpeer_wire::{Command, DecodeError, ErrorKind, Hash256, Network};

/// A 24-byte header with the given fields.
fn header(magic: u32, command: &[u8], length: u32, checksum: [u8; 4]) -> Vec<u8> {
    let mut h = magic.to_le_bytes().to_vec();
    let mut cmd = [0u8; 12];
    cmd[..command.len()].copy_from_slice(command);
    h.extend_from_slice(&cmd);
    h.extend_from_slice(&length.to_le_bytes());
    h.extend_from_slice(&checksum);
    h
}

/// A whole frame with a correct checksum.
fn frame(network: &Network, command: &[u8], payload: &[u8]) -> Vec<u8> {
    let checksum = network.dialect().checksum(payload);
    let mut f = header(network.magic(), command, payload.len() as u32, checksum);
    f.extend_from_slice(payload);
    f
}

/// Sends `bytes` after the handshake and returns the decode error the peer disconnected with.
async fn malformed<D: Dialect>(peer: &Peer<D>, remote: &mut RawRemote, bytes: &[u8]) -> DecodeError {
    remote.send_raw(bytes).await;
    match wait_disconnect(peer).await {
        DisconnectReason::Protocol(ProtocolViolation::Malformed(e)) => e,
        other => panic!("{other:?}"),
    }
}

/// What the remote reads after its bad input: a Bitcoin reject "malformed" (if any), then the end.
async fn bitcoin_reject_then_eof(remote: &mut RawRemote) -> Option<btc::Reject> {
    let first = tokio::time::timeout(WAIT, remote.recv::<Message>()).await.unwrap();
    let reject = match first {
        None => return None,
        Some(Message::Reject(r)) => r,
        Some(other) => panic!("{other:?}"),
    };
    let end = tokio::time::timeout(WAIT, remote.recv::<Message>()).await.unwrap();
    assert!(end.is_none(), "the reject is the last thing sent: {end:?}");
    Some(reject)
}

/// A case of bad input: what it is, the bytes sent and a test of the error kind expected.
type BadInput = (&'static str, Vec<u8>, fn(&ErrorKind) -> bool);

/// The Bitcoin cases.
fn bitcoin_bad_inputs() -> Vec<BadInput> {
    let net = Network::BITCOIN_REGTEST;
    vec![
        ("garbage", vec![0xab; 40], |k| {
            matches!(k, ErrorKind::WrongMagic { found: 0xabab_abab, .. })
        }),
        ("wrong magic", frame(&Network::BITCOIN, b"verack", &[]), |k| {
            matches!(
                k,
                ErrorKind::WrongMagic {
                    expected: 0xdab5_bffa,
                    found: 0xd9b4_bef9
                }
            )
        }),
        (
            "oversized length",
            header(net.magic(), b"inv", 4_000_001, [0; 4]),
            |k| {
                matches!(
                    k,
                    ErrorKind::MessageTooLarge {
                        length: 4_000_001,
                        max: 4_000_000
                    }
                )
            },
        ),
        ("oversized for its type", header(net.magic(), b"ping", 9, [0; 4]), |k| {
            matches!(k, ErrorKind::PayloadTooLarge { length: 9, max: 8 })
        }),
        ("bad checksum", header(net.magic(), b"getaddr", 0, [1, 2, 3, 4]), |k| {
            matches!(
                k,
                ErrorKind::BadChecksum {
                    expected: [1, 2, 3, 4],
                    computed: [0x5d, 0xf6, 0xe0, 0xe2]
                }
            )
        }),
        (
            "bad command",
            header(net.magic(), b"in\0v", 0, [0x5d, 0xf6, 0xe0, 0xe2]),
            |k| matches!(k, ErrorKind::MalformedCommand(_)),
        ),
        ("short payload", frame(&net, b"inv", &[2, 1, 0, 0, 0]), |k| {
            matches!(k, ErrorKind::UnexpectedEnd { .. })
        }),
        ("feefilter too long", frame(&net, b"feefilter", &[0; 9]), |k| {
            matches!(k, ErrorKind::PayloadTooLarge { length: 9, max: 8 })
        }),
        ("trailing bytes", frame(&net, b"getdata", &[1; 38]), |k| {
            matches!(k, ErrorKind::TrailingBytes { count: 1 })
        }),
    ]
}

#[tokio::test]
async fn bitcoin_bad_input_disconnects_with_the_decode_error_after_a_malformed_reject() {
    for (what, bytes, kind) in bitcoin_bad_inputs() {
        let (peer, mut remote) = bitcoin_peer(70_016).await;
        let e = malformed(&peer, &mut remote, &bytes).await;
        assert!(kind(&e.kind), "{what}: {e:?}");
        let reject = bitcoin_reject_then_eof(&mut remote)
            .await
            .unwrap_or_else(|| panic!("{what}: no reject"));
        assert_eq!(reject.code, RejectCode::MALFORMED, "{what}");
        assert_eq!(reject.message, "malformed", "{what}");
        assert_eq!(reject.reason, e.to_string(), "{what}");
    }
}

#[tokio::test]
async fn bitcoin_below_70002_gets_no_reject_before_the_close() {
    let (peer, mut remote) = bitcoin_peer(70_001).await;
    assert_eq!(peer.protocol_version(), 70_001);
    let e = malformed(&peer, &mut remote, &[0xab; 24]).await;
    assert!(matches!(e.kind, ErrorKind::WrongMagic { .. }), "{e:?}");
    assert_eq!(bitcoin_reject_then_eof(&mut remote).await, None);
}

#[tokio::test]
async fn decred_bad_input_disconnects_with_the_decode_error_and_nothing_sent() {
    let net = Network::DECRED_SIMNET;
    let cases: Vec<BadInput> = vec![
        ("garbage", vec![0x5a; 30], |k| {
            matches!(k, ErrorKind::WrongMagic { found: 0x5a5a_5a5a, .. })
        }),
        ("wrong magic", frame(&Network::DECRED, b"verack", &[]), |k| {
            matches!(
                k,
                ErrorKind::WrongMagic {
                    expected: 0x1214_1c16,
                    found: 0xd9b4_00f9
                }
            )
        }),
        (
            "oversized length",
            header(net.magic(), b"inv", 32 * 1024 * 1024 + 1, [0; 4]),
            |k| {
                matches!(
                    k,
                    ErrorKind::MessageTooLarge {
                        length: 33_554_433,
                        max: 33_554_432
                    }
                )
            },
        ),
        (
            "bad checksum",
            header(net.magic(), b"getaddr", 0, [0x5d, 0xf6, 0xe0, 0xe2]),
            |k| {
                matches!(
                    k,
                    ErrorKind::BadChecksum {
                        computed: [0x71, 0x6f, 0x6e, 0x86],
                        ..
                    }
                )
            },
        ),
        ("addr at 12", frame(&net, b"addr", &[0]), |k| {
            matches!(k, ErrorKind::PayloadTooLarge { length: 1, max: 0 })
        }),
    ];
    for (what, bytes, kind) in cases {
        let (peer, mut remote) = decred_peer().await;
        let e = malformed(&peer, &mut remote, &bytes).await;
        assert!(kind(&e.kind), "{what}: {e:?}");
        let end = tokio::time::timeout(WAIT, remote.recv::<dcr::Message>()).await.unwrap();
        assert!(end.is_none(), "{what}: Decred sends nothing back: {end:?}");
    }
}

#[tokio::test]
async fn an_unknown_command_after_the_handshake_is_not_a_disconnect() {
    let (peer, mut remote) = bitcoin_peer(70_016).await;
    remote
        .send_raw(&frame(&Network::BITCOIN_REGTEST, b"sendpackages", b"\x01\x02"))
        .await;
    remote.send(&Message::GetAddr).await;
    eventually("the getaddr after it", || peer.stats().received.contains_key("getaddr")).await;
    assert!(peer.is_connected());
    // Counted under one name, so that made-up commands cannot grow the statistics.
    assert_eq!(peer.stats().received[UNKNOWN_COMMANDS].messages, 1);
    assert!(!peer.stats().received.contains_key("sendpackages"));

    let (peer, mut remote) = decred_peer().await;
    remote
        .send(&dcr::Message::Unknown {
            command: Command::from_static("newthing"),
            payload: Bytes::from_static(b"xyz"),
        })
        .await;
    remote.send(&dcr::Message::GetAddr).await;
    eventually("the getaddr after it", || peer.stats().received.contains_key("getaddr")).await;
    assert!(peer.is_connected(), "unlike dcrd, an unknown command is ignored");
    // Nothing was sent back.
    peer.disconnect();
    assert!(remote.recv::<dcr::Message>().await.is_none());
}

#[tokio::test]
async fn an_unknown_inventory_type_is_not_a_protocol_error() {
    let (peer, mut remote) = bitcoin_peer(70_016).await;
    let inv = Message::Inv(vec![Inventory {
        kind: InvType(0x1234),
        hash: Hash256::ZERO,
    }]);
    remote.send(&inv).await;
    remote.send(&Message::GetAddr).await;
    eventually("the getaddr after it", || peer.stats().received.contains_key("getaddr")).await;
    assert!(peer.is_connected());
}
