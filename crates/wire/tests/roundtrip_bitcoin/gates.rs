//! Gates: every message below its version is refused by encoder and decoder.

use crate::round_trip::{decode, payload};
use crate::{expected_at, gate, MAX};
use bytes::{Bytes, BytesMut};
use coinpeer_wire::bitcoin::{
    AddrV2, AddrV2Entry, BlockHeader, BlockTxn, CmpctBlock, FilterLoad, GetBlockTxn, GetCFilters, MerkleBlock, Message,
    PrefilledTransaction, Reject, RejectCode, SendCmpct, SendTxRcncl, Transaction, TxIn, TxOut, COMMANDS,
};
use coinpeer_wire::messages::{InvType, Inventory, ServiceFlags};
use coinpeer_wire::{encode_frame, EncodeError, EncodeOptions, ErrorKind, FrameDecoder, Hash256, Network};
use std::net::Ipv4Addr;

fn gated_samples() -> Vec<(Message, u32)> {
    let h = Hash256([7; 32]);
    let header = BlockHeader::default();
    let tx = Transaction {
        version: 2,
        inputs: vec![TxIn::default()],
        outputs: vec![TxOut::default()],
        lock_time: 0,
    };
    vec![
        (Message::Pong(1), 60_001),
        (Message::MemPool, 60_002),
        (
            Message::MerkleBlock(MerkleBlock {
                header,
                total_transactions: 1,
                hashes: vec![h],
                flags: Bytes::from_static(&[1]),
            }),
            70_001,
        ),
        (
            Message::FilterLoad(FilterLoad {
                filter: Bytes::from_static(&[0xff; 4]),
                hash_funcs: 3,
                tweak: 9,
                flags: 1,
            }),
            70_001,
        ),
        (Message::FilterAdd(Bytes::from_static(b"data")), 70_001),
        (Message::FilterClear, 70_001),
        (
            Message::Reject(Reject {
                message: "tx".into(),
                code: RejectCode::DUST,
                reason: "dust".into(),
                hash: Some(h),
            }),
            70_002,
        ),
        (Message::SendHeaders, 70_012),
        (Message::FeeFilter(1000), 70_013),
        (
            Message::SendCmpct(SendCmpct {
                announce: true,
                version: 2,
            }),
            70_014,
        ),
        (
            Message::CmpctBlock(CmpctBlock {
                header,
                nonce: 5,
                short_ids: vec![[1; 6]],
                prefilled: vec![PrefilledTransaction {
                    index: 0,
                    tx: tx.clone(),
                }],
            }),
            70_014,
        ),
        (
            Message::GetBlockTxn(GetBlockTxn {
                block_hash: h,
                indexes: vec![1, 2],
            }),
            70_014,
        ),
        (
            Message::BlockTxn(BlockTxn {
                block_hash: h,
                transactions: vec![tx],
            }),
            70_014,
        ),
        (Message::SendAddrV2, 70_016),
        (
            Message::AddrV2(vec![AddrV2Entry {
                time: 1,
                services: ServiceFlags::NETWORK,
                addr: AddrV2::Ipv4(Ipv4Addr::LOCALHOST),
                port: 8333,
            }]),
            70_016,
        ),
        (Message::WtxidRelay, 70_016),
    ]
}

#[test]
fn gated_messages_are_refused_below_their_version_and_accepted_from_it() {
    let samples = gated_samples();
    let gated: Vec<&str> = COMMANDS.iter().copied().filter(|c| gate(c) > 0).collect();
    assert_eq!(samples.len(), gated.len(), "one sample per gated command");
    let net = Network::BITCOIN;
    for (msg, min) in &samples {
        let command = msg.command();
        assert_eq!(gate(command.as_str()), *min, "{command}");
        let valid = payload(msg, EncodeOptions::new(*min)).unwrap();
        for below in [209, min - 1] {
            assert_eq!(
                payload(msg, EncodeOptions::new(below)),
                Err(EncodeError::UnsupportedAtVersion {
                    command: COMMANDS.iter().copied().find(|c| command == *c).unwrap(),
                    version: below
                }),
                "{command} encoded at {below}"
            );
            let mut out = BytesMut::new();
            assert!(encode_frame(&net, msg, EncodeOptions::new(below), &mut out).is_err());
            assert!(out.is_empty());
            let err = decode(&command, &valid, below).unwrap_err();
            assert_eq!(
                err.kind,
                ErrorKind::UnsupportedAtVersion { version: below },
                "{command} at {below}"
            );
            assert_eq!((err.command, err.offset), (Some(command), 0));
            // Through the frame decoder too: framing accepts it, decoding the payload does not.
            let mut wire = BytesMut::new();
            encode_frame(&net, msg, EncodeOptions::new(*min), &mut wire).unwrap();
            let mut dec = FrameDecoder::new(net.clone(), below);
            dec.extend_from_slice(&wire);
            if let Ok(Some(frame)) = dec.next_frame() {
                let err = frame.decode::<Message>(below).unwrap_err();
                assert_eq!(err.kind, ErrorKind::UnsupportedAtVersion { version: below });
                assert_eq!(err.command, Some(command));
            }
        }
        for at in [*min, MAX] {
            assert_eq!(decode(&command, &valid, at).as_ref(), Ok(msg), "{command} at {at}");
        }
    }
}

#[test]
fn ungated_messages_exist_at_209() {
    let h = Hash256([3; 32]);
    for msg in [
        Message::Verack,
        Message::GetAddr,
        Message::Ping(9),
        Message::Inv(vec![Inventory::new(InvType::TX, h)]),
        Message::GetCFilters(GetCFilters {
            filter_type: 0,
            start_height: 1,
            stop_hash: h,
        }),
        Message::SendTxRcncl(SendTxRcncl { version: 1, salt: 2 }),
    ] {
        let p = payload(&msg, EncodeOptions::new(209)).unwrap();
        assert_eq!(decode(&msg.command(), &p, 209).unwrap(), expected_at(&msg, 209));
    }
}
