//! Version-dependent encodings, spelled out.

use crate::messages::{block_txn, cmpct_block};
use crate::round_trip::{decode, payload};
use crate::values::{block, segwit_transaction, timed_net_address, transaction, version_message};
use crate::{config, MAX};
use coinpeer_wire::bitcoin::{Block, BlockTxn, CmpctBlock, Message, PrefilledTransaction, Transaction};
use coinpeer_wire::messages::VersionMessage;
use coinpeer_wire::{Command, EncodeOptions, ErrorKind};
use proptest::collection::vec;
use proptest::prelude::*;

fn without_witness(tx: &Transaction) -> Transaction {
    let mut tx = tx.clone();
    for i in &mut tx.inputs {
        i.witness.clear();
    }
    tx
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn addr_loses_time_below_31402(list in vec(timed_net_address(), 1..=10)) {
        let msg = Message::Addr(list.clone());
        let old = payload(&msg, EncodeOptions::new(31_401)).unwrap();
        let new = payload(&msg, EncodeOptions::new(31_402)).unwrap();
        prop_assert_eq!(old.len(), 1 + 26 * list.len());
        prop_assert_eq!(new.len(), 1 + 30 * list.len());
        let Message::Addr(back) = decode(&msg.command(), &old, 31_401).unwrap() else { unreachable!() };
        prop_assert!(back.iter().all(|a| a.time == 0));
        prop_assert_eq!(back.iter().map(|a| a.addr).collect::<Vec<_>>(), list.iter().map(|a| a.addr).collect::<Vec<_>>());
        // The same bytes read at a version with times are a different (here: misaligned) message.
        prop_assert_ne!(decode(&msg.command(), &old, 31_402).ok(), Some(msg.clone()));
    }

    #[test]
    fn ping_has_no_nonce_at_or_below_60000(nonce in any::<u64>()) {
        let msg = Message::Ping(nonce);
        for v in [209, 31_402, 60_000] {
            let p = payload(&msg, EncodeOptions::new(v)).unwrap();
            prop_assert!(p.is_empty());
            prop_assert_eq!(decode(&msg.command(), &p, v).unwrap(), Message::Ping(0));
        }
        let p = payload(&msg, EncodeOptions::new(60_001)).unwrap();
        prop_assert_eq!(p, nonce.to_le_bytes().to_vec());
        // An old peer's empty ping is too short once nonces exist.
        prop_assert!(decode(&msg.command(), &[], 60_001).is_err());
    }

    #[test]
    fn version_relay_byte_is_written_only_from_70001(v in version_message()) {
        let msg = Message::Version(v.clone());
        let old = payload(&msg, EncodeOptions::new(70_000)).unwrap();
        let new = payload(&msg, EncodeOptions::new(70_001)).unwrap();
        prop_assert_eq!(&new[..old.len()], &old[..]);
        prop_assert_eq!(&new[old.len()..], &[u8::from(v.relay)][..]);
        // Decoding is lenient: the relay byte is read whenever present and defaults to true when absent.
        for at in [209, 70_000, 70_001, MAX] {
            prop_assert_eq!(decode(&msg.command(), &new, at).unwrap(), msg.clone());
            let Message::Version(back) = decode(&msg.command(), &old, at).unwrap() else { unreachable!() };
            prop_assert_eq!(back, VersionMessage { relay: true, ..v.clone() });
        }
    }

    #[test]
    fn tx_witness_is_dropped_when_encoding_without_witness(tx in segwit_transaction()) {
        let msg = Message::Tx(tx.clone());
        let stripped = without_witness(&tx);
        let opts = EncodeOptions::new(MAX).without_witness();
        let p = payload(&msg, opts).unwrap();
        prop_assert_eq!(&p, &payload(&Message::Tx(stripped.clone()), EncodeOptions::new(MAX)).unwrap());
        prop_assert_ne!(p[4], 0, "no segwit marker");
        prop_assert_eq!(decode(&msg.command(), &p, MAX).unwrap(), Message::Tx(stripped.clone()));
        prop_assert_eq!(stripped.txid(), tx.txid());
        prop_assert_eq!(stripped.wtxid(), tx.txid());
        prop_assert_ne!(tx.wtxid(), tx.txid());
        let full = payload(&msg, EncodeOptions::new(MAX)).unwrap();
        prop_assert_eq!(&full[4..6], &[0u8, 1][..], "segwit marker and flag");
    }

    #[test]
    fn block_cmpctblock_and_blocktxn_drop_witness_without_witness(
        b in block(), c in cmpct_block(), t in block_txn(), tx in segwit_transaction()
    ) {
        let mut b = b;
        b.transactions.push(tx.clone());
        let mut t = t;
        t.transactions.push(tx);
        let opts = EncodeOptions::new(MAX).without_witness();
        let cases = [
            (
                Message::Block(b.clone()),
                Message::Block(Block { transactions: b.transactions.iter().map(without_witness).collect(), ..b }),
            ),
            (
                Message::CmpctBlock(c.clone()),
                Message::CmpctBlock(CmpctBlock {
                    prefilled: c
                        .prefilled
                        .iter()
                        .map(|p| PrefilledTransaction { index: p.index, tx: without_witness(&p.tx) })
                        .collect(),
                    ..c
                }),
            ),
            (
                Message::BlockTxn(t.clone()),
                Message::BlockTxn(BlockTxn { transactions: t.transactions.iter().map(without_witness).collect(), ..t }),
            ),
        ];
        for (msg, stripped) in cases {
            let p = payload(&msg, opts).unwrap();
            prop_assert_eq!(&p, &payload(&stripped, EncodeOptions::new(MAX)).unwrap());
            prop_assert_eq!(decode(&msg.command(), &p, MAX).unwrap(), stripped);
        }
    }

    #[test]
    fn segwit_marker_with_only_empty_witnesses_is_refused(tx in transaction()) {
        // Hand-build the segwit serialization of a transaction whose witnesses are all empty.
        let tx = without_witness(&tx);
        let legacy = payload(&Message::Tx(tx.clone()), EncodeOptions::new(MAX)).unwrap();
        let body_end = legacy.len() - 4;
        let mut forged = legacy[..4].to_vec();
        forged.extend_from_slice(&[0x00, 0x01]);
        forged.extend_from_slice(&legacy[4..body_end]);
        forged.resize(forged.len() + tx.inputs.len(), 0); // an empty witness per input
        forged.extend_from_slice(&legacy[body_end..]);
        let err = decode(&Command::new("tx").unwrap(), &forged, MAX).unwrap_err();
        prop_assert!(matches!(err.kind, ErrorKind::InvalidValue { what: "witness", .. }), "{err}");
    }
}
