//! Whole streams: chunked, with a bad checksum inside, with unknown commands, and below a message's gate.

use crate::build::{cmd, err, field, frame, header};
use crate::{MAINNET_MAGIC, PVER};
use bytes::{Bytes, BytesMut};
use coinpeer_wire::bitcoin::{Block, BlockHeader, Message, OutPoint, Transaction, TxIn, TxOut};
use coinpeer_wire::messages::{InvType, Inventory, NetAddress, ServiceFlags, VersionMessage};
use coinpeer_wire::{encode_frame, EncodeOptions, ErrorKind, Frame, FrameDecoder, Hash256, Network, WireMessage};
use std::net::SocketAddr;

fn hand_built_block() -> Block {
    let coinbase = Transaction {
        version: 1,
        inputs: vec![TxIn {
            previous_output: OutPoint::COINBASE,
            script_sig: Bytes::from_static(&[0x03, 0x40, 0x0d, 0x03, 0x00]),
            sequence: u32::MAX,
            witness: vec![Bytes::from_static(&[0; 32])].into(),
        }],
        outputs: vec![
            TxOut {
                value: 312_500_000,
                script_pubkey: Bytes::from_static(&[
                    0x00, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
                ]),
            },
            TxOut {
                value: 0,
                script_pubkey: Bytes::from_static(&[0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed]),
            },
        ],
        lock_time: 0,
    };
    let legacy = Transaction {
        version: 2,
        inputs: vec![TxIn {
            previous_output: OutPoint {
                txid: Hash256([0x5a; 32]),
                vout: 3,
            },
            script_sig: Bytes::from_static(&[0x47, 0x30, 0x44, 0x02, 0x20]),
            sequence: 0xffff_fffd,
            witness: Default::default(),
        }],
        outputs: vec![TxOut {
            value: 9_000,
            script_pubkey: Bytes::from_static(&[0x76, 0xa9, 0x14, 0x88, 0xac]),
        }],
        lock_time: 840_000,
    };
    let segwit = Transaction {
        version: 2,
        inputs: vec![
            TxIn {
                previous_output: OutPoint {
                    txid: Hash256([0x6b; 32]),
                    vout: 0,
                },
                script_sig: Bytes::new(),
                sequence: u32::MAX,
                witness: vec![Bytes::from_static(&[0x30; 71]), Bytes::from_static(&[0x02; 33])].into(),
            },
            TxIn {
                previous_output: OutPoint {
                    txid: Hash256([0x7c; 32]),
                    vout: 1,
                },
                script_sig: Bytes::new(),
                sequence: u32::MAX,
                witness: Default::default(),
            },
        ],
        outputs: vec![TxOut {
            value: 100_000,
            script_pubkey: Bytes::from_static(&[0x51, 0x20, 0xee]),
        }],
        lock_time: 0,
    };
    let mut block = Block {
        header: BlockHeader {
            version: 0x2000_0000,
            prev_block: Hash256([0x99; 32]),
            merkle_root: Hash256::ZERO,
            time: 1_700_000_000,
            bits: 0x1703_6e3a,
            nonce: 12345,
        },
        transactions: vec![coinbase, legacy, segwit],
    };
    block.header.merkle_root = block.compute_merkle_root();
    block
}

fn sample_messages() -> Vec<Message> {
    vec![
        Message::Version(VersionMessage {
            version: PVER,
            services: ServiceFlags::NETWORK | ServiceFlags::BTC_WITNESS,
            timestamp: 1_700_000_000,
            receiver: NetAddress::from_socket_addr(SocketAddr::from(([198, 51, 100, 2], 8333)), ServiceFlags::NONE),
            sender: NetAddress::unspecified(ServiceFlags::NONE),
            nonce: 0xfeed_beef,
            user_agent: "/coinpeer-test:0.1.0/".into(),
            start_height: 840_000,
            relay: true,
        }),
        Message::Verack,
        Message::Ping(0x1122_3344_5566_7788),
        Message::Block(hand_built_block()),
        Message::Inv(vec![
            Inventory::new(InvType::WITNESS_TX, Hash256([1; 32])),
            Inventory::new(InvType::BLOCK, Hash256([2; 32])),
        ]),
        Message::Pong(0x1122_3344_5566_7788),
        Message::Unknown {
            command: cmd("protoconf"),
            payload: Bytes::from_static(&[1, 2, 3]),
        },
    ]
}

fn encode_all(messages: &[Message]) -> (Vec<u8>, Vec<usize>) {
    let mut wire = BytesMut::new();
    let mut starts = Vec::new();
    for m in messages {
        starts.push(wire.len());
        encode_frame(&Network::BITCOIN, m, EncodeOptions::new(PVER), &mut wire).unwrap();
    }
    (wire.to_vec(), starts)
}

fn frames_in_chunks(wire: &[u8], chunk: usize) -> Vec<Frame> {
    let mut dec = FrameDecoder::new(Network::BITCOIN, PVER);
    let mut frames = Vec::new();
    for piece in wire.chunks(chunk) {
        dec.extend_from_slice(piece);
        while let Some(f) = dec.next_frame().unwrap() {
            frames.push(f);
        }
    }
    assert_eq!(dec.buffered(), 0);
    assert_eq!(dec.stream_offset(), wire.len() as u64);
    frames
}

#[test]
fn a_stream_fed_one_byte_at_a_time_gives_the_same_messages_as_fed_at_once() {
    let messages = sample_messages();
    let (wire, _) = encode_all(&messages);
    let at_once = frames_in_chunks(&wire, wire.len());
    let decoded: Vec<Message> = at_once.iter().map(|f| f.decode(PVER).unwrap()).collect();
    assert_eq!(decoded, messages);
    for chunk in [1, 2, 7, 23, 24, 25, 100] {
        assert_eq!(frames_in_chunks(&wire, chunk), at_once, "chunks of {chunk}");
    }
}

#[test]
fn a_bad_checksum_in_the_second_message_yields_the_first_then_the_error() {
    let messages = sample_messages();
    let (mut wire, starts) = encode_all(&messages);
    let at = starts[1] + 20;
    let good: [u8; 4] = wire[at..at + 4].try_into().unwrap();
    assert_eq!(good, [0x5d, 0xf6, 0xe0, 0xe2], "verack's checksum");
    wire[at] ^= 0x80;
    let mut bad = good;
    bad[0] ^= 0x80;
    for chunk in [wire.len(), 1] {
        let mut dec = FrameDecoder::new(Network::BITCOIN, PVER);
        let mut results = Vec::new();
        for piece in wire.chunks(chunk) {
            dec.extend_from_slice(piece);
            loop {
                match dec.next_frame() {
                    Ok(Some(f)) => results.push(Ok(f.decode::<Message>(PVER).unwrap())),
                    Ok(None) => break,
                    Err(e) => results.push(Err(e)),
                }
            }
        }
        assert_eq!(results[0], Ok(messages[0].clone()));
        assert_eq!(
            results[1],
            Err(err(
                Some("verack"),
                at as u64,
                ErrorKind::BadChecksum {
                    expected: bad,
                    computed: good,
                },
            )),
            "chunks of {chunk}"
        );
        // The bad frame was consumed whole: what follows still decodes.
        let rest: Vec<Message> = results[2..].iter().map(|r| r.clone().unwrap()).collect();
        assert_eq!(rest, messages[2..], "chunks of {chunk}");
    }
}

#[test]
fn unknown_commands_decode_to_unknown_never_to_an_error() {
    let cases: [(&str, &[u8], u32); 6] = [
        ("fancycmd", &[1, 2, 3], PVER),
        ("protoconf", &[], PVER),
        ("abcdefghijkl", &[0xff; 300], PVER),
        ("a b", &[0], 209),
        // Commands are case-sensitive: this is not a verack, so its payload is not refused.
        ("VERACK", &[0], PVER),
        ("sendcmpct2", &[0; 9], 70_000),
    ];
    for (name, body, version) in cases {
        let expected = Message::Unknown {
            command: cmd(name),
            payload: Bytes::copy_from_slice(body),
        };
        let direct = Message::decode_payload(&cmd(name), &Bytes::copy_from_slice(body), version);
        assert_eq!(direct.as_ref(), Ok(&expected), "{name}");
        let mut dec = FrameDecoder::new(Network::BITCOIN, version);
        dec.extend_from_slice(&frame(name, body));
        let f = dec.next_frame().unwrap().expect("whole frame");
        assert_eq!(f.decode::<Message>(version), Ok(expected.clone()), "{name} framed");
        // And it re-encodes to the same frame.
        let mut out = BytesMut::new();
        encode_frame(&Network::BITCOIN, &expected, EncodeOptions::new(version), &mut out).unwrap();
        assert_eq!(&out[..], &frame(name, body)[..], "{name} re-encoded");
    }
    // An unknown command may be as large as the dialect allows: its header alone is no error.
    let mut dec = FrameDecoder::new(Network::BITCOIN, PVER);
    dec.extend_from_slice(&header(MAINNET_MAGIC, field(b"zzz"), 4_000_000, [0; 4]));
    assert_eq!(dec.next_frame(), Ok(None));
}

#[test]
fn a_message_decoded_above_its_gate_fails_framed_below_it() {
    // The header is acceptable at 70011 (sendheaders is empty at any version); the decode is not.
    let mut dec = FrameDecoder::new(Network::BITCOIN, 70_011);
    dec.extend_from_slice(&frame("sendheaders", &[]));
    let f = dec.next_frame().unwrap().unwrap();
    assert_eq!(
        f.decode::<Message>(70_011),
        Err(err(
            Some("sendheaders"),
            0,
            ErrorKind::UnsupportedAtVersion { version: 70_011 }
        ))
    );
    assert_eq!(f.decode::<Message>(70_012), Ok(Message::SendHeaders));
}
