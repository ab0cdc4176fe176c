//! Limits: counts at the maximum pass, one more is refused by the encoder (and by the decoder).

use crate::round_trip::{decode, payload};
use crate::{expected_at, gate, MAX};
use bytes::{Bytes, BytesMut};
use coinpeer_wire::bitcoin::{
    AddrV2, AddrV2Entry, BlockHeader, CFCheckpt, CFHeaders, CFilter, CmpctBlock, FilterLoad, GetBlockTxn, Message,
    PrefilledTransaction, Transaction, TxIn, TxOut,
};
use coinpeer_wire::messages::{
    BlockLocator, InvType, Inventory, NetAddress, ServiceFlags, TimedNetAddress, VersionMessage,
};
use coinpeer_wire::{encode_frame, Command, EncodeError, EncodeOptions, ErrorKind, FrameDecoder, Hash256, Network};
use std::net::Ipv4Addr;

fn addr_entry(i: u32) -> TimedNetAddress {
    TimedNetAddress {
        time: i,
        addr: NetAddress::from_socket_addr(([10, 0, (i >> 8) as u8, i as u8], 8333).into(), ServiceFlags::NETWORK),
    }
}

fn count_too_large(msg: &Message) -> (&'static str, usize, usize) {
    match payload(msg, EncodeOptions::new(MAX)) {
        Err(EncodeError::CountTooLarge { what, count, max }) => (what, count, max),
        other => panic!("{}: expected CountTooLarge, got {other:?}", msg.command()),
    }
}

#[test]
fn counts_at_their_maximum_round_trip_and_frame() {
    let h = Hash256([1; 32]);
    let entry = AddrV2Entry {
        time: 1,
        services: ServiceFlags::NETWORK,
        addr: AddrV2::TorV3([9; 32]),
        port: 9050,
    };
    for msg in [
        Message::Addr((0..1000).map(addr_entry).collect()),
        Message::AddrV2(vec![entry; 1000]),
        Message::Inv(vec![Inventory::new(InvType::WITNESS_TX, h); 50_000]),
        Message::Headers(vec![BlockHeader::default(); 2000]),
        Message::GetHeaders(BlockLocator {
            version: MAX,
            locator: vec![h; 500],
            stop: Hash256::ZERO,
        }),
        Message::CFHeaders(CFHeaders {
            filter_type: 0,
            stop_hash: h,
            prev_filter_header: h,
            filter_hashes: vec![h; 2000],
        }),
        Message::FilterAdd(Bytes::from(vec![7; 520])),
    ] {
        for v in [31_401, MAX] {
            if v < gate(msg.command().as_str()) {
                continue;
            }
            let p = payload(&msg, EncodeOptions::new(v)).unwrap();
            assert_eq!(
                decode(&msg.command(), &p, v).unwrap(),
                expected_at(&msg, v),
                "{}",
                msg.command()
            );
            let mut wire = BytesMut::new();
            encode_frame(&Network::BITCOIN, &msg, EncodeOptions::new(v), &mut wire)
                .unwrap_or_else(|e| panic!("{} at {v}: {e}", msg.command()));
            let mut dec = FrameDecoder::new(Network::BITCOIN, v);
            dec.extend_from_slice(&wire);
            let frame = dec.next_frame().unwrap().expect("one whole frame");
            assert_eq!(frame.decode::<Message>(v).unwrap(), expected_at(&msg, v));
        }
    }
}

#[test]
fn counts_over_their_maximum_are_refused_by_the_encoder() {
    let h = Hash256([1; 32]);
    let entry = AddrV2Entry {
        time: 1,
        services: ServiceFlags::NETWORK,
        addr: AddrV2::Ipv4(Ipv4Addr::LOCALHOST),
        port: 1,
    };
    let inv = vec![Inventory::new(InvType::TX, h); 50_001];
    let locator = BlockLocator {
        version: MAX,
        locator: vec![h; 501],
        stop: h,
    };
    let cases = [
        (Message::Addr((0..1001).map(addr_entry).collect()), 1001, 1000),
        (Message::AddrV2(vec![entry; 1001]), 1001, 1000),
        (Message::Inv(inv.clone()), 50_001, 50_000),
        (Message::GetData(inv.clone()), 50_001, 50_000),
        (Message::NotFound(inv), 50_001, 50_000),
        (Message::Headers(vec![BlockHeader::default(); 2001]), 2001, 2000),
        (Message::GetBlocks(locator.clone()), 501, 500),
        (Message::GetHeaders(locator), 501, 500),
        (
            Message::CFHeaders(CFHeaders {
                filter_type: 0,
                stop_hash: h,
                prev_filter_header: h,
                filter_hashes: vec![h; 2001],
            }),
            2001,
            2000,
        ),
    ];
    for (msg, count, max) in cases {
        let (_, c, m) = count_too_large(&msg);
        assert_eq!((c, m), (count, max), "{}", msg.command());
        let mut out = BytesMut::from(&b"before"[..]);
        assert!(matches!(
            encode_frame(&Network::BITCOIN, &msg, EncodeOptions::new(MAX), &mut out),
            Err(EncodeError::CountTooLarge { .. })
        ));
        assert_eq!(
            &out[..],
            b"before",
            "{}: a refused frame leaves the buffer as it was",
            msg.command()
        );
    }
}

#[test]
fn user_agent_over_256_bytes_is_refused_and_256_passes() {
    let v = |n: usize| VersionMessage {
        version: MAX,
        services: ServiceFlags::NETWORK,
        timestamp: 1,
        receiver: NetAddress::unspecified(ServiceFlags::NONE),
        sender: NetAddress::unspecified(ServiceFlags::NONE),
        nonce: 1,
        user_agent: "é".repeat(n / 2),
        start_height: 1,
        relay: false,
    };
    let ok = Message::Version(v(256));
    let p = payload(&ok, EncodeOptions::new(MAX)).unwrap();
    assert_eq!(decode(&ok.command(), &p, MAX).unwrap(), ok);
    for v in [v(258), v(1000)] {
        let msg = Message::Version(v);
        assert!(matches!(
            payload(&msg, EncodeOptions::new(MAX)),
            Err(EncodeError::InvalidValue { what: "user agent", .. })
        ));
        assert!(encode_frame(&Network::BITCOIN, &msg, EncodeOptions::new(MAX), &mut BytesMut::new()).is_err());
    }
}

#[test]
fn compact_block_indexes_must_strictly_increase() {
    let tx = Transaction {
        version: 1,
        inputs: vec![TxIn::default()],
        outputs: vec![],
        lock_time: 0,
    };
    let pre = |index| PrefilledTransaction { index, tx: tx.clone() };
    let cmpct = |prefilled| {
        Message::CmpctBlock(CmpctBlock {
            header: BlockHeader::default(),
            nonce: 0,
            short_ids: vec![],
            prefilled,
        })
    };
    let get = |indexes| {
        Message::GetBlockTxn(GetBlockTxn {
            block_hash: Hash256::ZERO,
            indexes,
        })
    };
    for msg in [
        cmpct(vec![pre(1), pre(1)]),
        cmpct(vec![pre(5), pre(2)]),
        get(vec![3, 3]),
        get(vec![u16::MAX, 0]),
    ] {
        assert!(
            matches!(
                payload(&msg, EncodeOptions::new(MAX)),
                Err(EncodeError::InvalidValue { .. })
            ),
            "{msg:?}"
        );
    }
    // The extremes of the 16-bit range, with the largest possible gap, pass.
    for msg in [
        cmpct(vec![pre(0), pre(u16::MAX)]),
        get(vec![0, u16::MAX]),
        get(vec![u16::MAX]),
    ] {
        let p = payload(&msg, EncodeOptions::new(MAX)).unwrap();
        assert_eq!(decode(&msg.command(), &p, MAX).unwrap(), msg);
    }
    // An index past 16 bits on the wire is refused: 65535 then a gap of 0 means 65536.
    let mut p = vec![0u8; 32];
    p.extend_from_slice(&[2, 0xfd, 0xff, 0xff, 0]);
    let err = decode(&Command::new("getblocktxn").unwrap(), &p, MAX).unwrap_err();
    assert!(matches!(err.kind, ErrorKind::InvalidValue { .. }), "{err}");
}

#[test]
fn decoder_refuses_counts_over_their_maximum_before_reading_them() {
    let addr = [&[0xfd, 0xe9, 0x03][..], &[0; 30]].concat(); // 1001 addresses claimed
    let inv = [&[0xfd, 0x51, 0xc3][..], &[0; 36]].concat(); // 50001 vectors claimed
    let headers = [&[0xfd, 0xd1, 0x07][..], &[0; 81]].concat(); // 2001 headers claimed
    for (command, p, max) in [("addr", addr, 1000), ("inv", inv, 50_000), ("headers", headers, 2000)] {
        let err = decode(&Command::new(command).unwrap(), &p, MAX).unwrap_err();
        assert!(
            matches!(err.kind, ErrorKind::CountTooLarge { max: m, .. } if m == max),
            "{command}: {err}"
        );
    }
}

#[test]
fn zero_input_transaction_is_ambiguous_so_strategies_avoid_it() {
    // With no inputs, a legacy encoding's zero input count is read as the segwit marker: one output makes the
    // output count look like flag 1. This is why the strategies in `values` always generate an input.
    let tx = Transaction {
        version: 1,
        inputs: vec![],
        outputs: vec![TxOut::default()],
        lock_time: 0,
    };
    let msg = Message::Tx(tx);
    let p = payload(&msg, EncodeOptions::new(MAX)).unwrap();
    assert_eq!(&p[4..6], &[0, 1]);
    assert_ne!(decode(&msg.command(), &p, MAX).ok(), Some(msg));
}

#[test]
fn encoder_refuses_field_values_the_decoder_refuses() {
    // Whatever the encoder accepts, the decoder must read back: a frame our own decoder (and every node)
    // refuses must not be produced.
    let h = Hash256([2; 32]);
    let cases = [
        Message::FilterLoad(FilterLoad {
            filter: Bytes::from_static(&[0; 8]),
            hash_funcs: 51,
            tweak: 0,
            flags: 0,
        }),
        Message::FilterLoad(FilterLoad {
            filter: Bytes::from(vec![0; 36_001]),
            hash_funcs: 1,
            tweak: 0,
            flags: 0,
        }),
        Message::FilterAdd(Bytes::from(vec![0; 521])),
        Message::AddrV2(vec![AddrV2Entry {
            time: 0,
            services: ServiceFlags::NONE,
            addr: AddrV2::Unknown {
                network_id: 9,
                bytes: Bytes::from(vec![0; 513]),
            },
            port: 0,
        }]),
        Message::CFilter(CFilter {
            filter_type: 0,
            block_hash: h,
            filter: Bytes::from(vec![0; 256 * 1024 + 1]),
        }),
        Message::CFCheckpt(CFCheckpt {
            filter_type: 0,
            stop_hash: h,
            filter_headers: vec![h; 100_001],
        }),
    ];
    for msg in &cases {
        let command = msg.command();
        let refused = payload(msg, EncodeOptions::new(MAX));
        assert!(
            matches!(
                refused,
                Err(EncodeError::InvalidValue { .. } | EncodeError::CountTooLarge { .. })
            ),
            "{command}: encode_payload gave {refused:?}"
        );
        let mut wire = BytesMut::new();
        assert!(encode_frame(&Network::BITCOIN, msg, EncodeOptions::new(MAX), &mut wire).is_err());
        assert!(wire.is_empty(), "{command}");
    }
}
