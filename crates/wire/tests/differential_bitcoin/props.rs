//! Generated values: one property per command, so that a failure names it, and properties of hashes and
//! version-dependent encodings.

use crate::check::{our_payload, same_as_bitcoin_crate};
use crate::convert::{b_block, b_tx, to_btc};
use crate::messages::{message, message_of};
use crate::strategies::{block, transaction, version_message};
use crate::{config, PVER};
use bitcoin::consensus::encode::serialize;
use bitcoin::hashes::Hash as _;
use bytes::Bytes;
use coinpeer_wire::bitcoin as cw;
use coinpeer_wire::encode::{from_bytes, to_vec};
use coinpeer_wire::{EncodeOptions, WireMessage};
use proptest::prelude::*;

macro_rules! differential_props {
    ($($name:ident: $command:literal;)*) => {
        proptest! {
            #![proptest_config(config())]
            $(
                #[test]
                fn $name(msg in message_of($command)) {
                    same_as_bitcoin_crate(&msg)?;
                }
            )*
        }
    };
}

differential_props! {
    version_bytes_match_bitcoin_crate: "version";
    verack_bytes_match_bitcoin_crate: "verack";
    getaddr_bytes_match_bitcoin_crate: "getaddr";
    addr_bytes_match_bitcoin_crate: "addr";
    addrv2_bytes_match_bitcoin_crate: "addrv2";
    sendaddrv2_bytes_match_bitcoin_crate: "sendaddrv2";
    inv_bytes_match_bitcoin_crate: "inv";
    getdata_bytes_match_bitcoin_crate: "getdata";
    notfound_bytes_match_bitcoin_crate: "notfound";
    getblocks_bytes_match_bitcoin_crate: "getblocks";
    getheaders_bytes_match_bitcoin_crate: "getheaders";
    headers_bytes_match_bitcoin_crate: "headers";
    block_bytes_match_bitcoin_crate: "block";
    tx_bytes_match_bitcoin_crate: "tx";
    ping_bytes_match_bitcoin_crate: "ping";
    pong_bytes_match_bitcoin_crate: "pong";
    reject_bytes_match_bitcoin_crate: "reject";
    sendheaders_bytes_match_bitcoin_crate: "sendheaders";
    feefilter_bytes_match_bitcoin_crate: "feefilter";
    mempool_bytes_match_bitcoin_crate: "mempool";
    merkleblock_bytes_match_bitcoin_crate: "merkleblock";
    filterload_bytes_match_bitcoin_crate: "filterload";
    filteradd_bytes_match_bitcoin_crate: "filteradd";
    filterclear_bytes_match_bitcoin_crate: "filterclear";
    getcfilters_bytes_match_bitcoin_crate: "getcfilters";
    cfilter_bytes_match_bitcoin_crate: "cfilter";
    getcfheaders_bytes_match_bitcoin_crate: "getcfheaders";
    cfheaders_bytes_match_bitcoin_crate: "cfheaders";
    getcfcheckpt_bytes_match_bitcoin_crate: "getcfcheckpt";
    cfcheckpt_bytes_match_bitcoin_crate: "cfcheckpt";
    wtxidrelay_bytes_match_bitcoin_crate: "wtxidrelay";
    sendcmpct_bytes_match_bitcoin_crate: "sendcmpct";
    cmpctblock_bytes_match_bitcoin_crate: "cmpctblock";
    getblocktxn_bytes_match_bitcoin_crate: "getblocktxn";
    blocktxn_bytes_match_bitcoin_crate: "blocktxn";
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn unknown_command_bytes_match_bitcoin_crate(msg in message_of("unknown")) {
        same_as_bitcoin_crate(&msg)?;
    }

    #[test]
    fn any_shared_message_bytes_match_bitcoin_crate(msg in message()) {
        same_as_bitcoin_crate(&msg)?;
    }

    #[test]
    fn txids_and_wtxids_match_bitcoin_crate(tx in transaction()) {
        let theirs = b_tx(&tx);
        prop_assert_eq!(tx.txid().0, theirs.compute_txid().to_byte_array());
        prop_assert_eq!(tx.wtxid().0, theirs.compute_wtxid().to_byte_array());
    }

    /// A decoded transaction hashes (and re-encodes) from the bytes it was decoded from, as long as its
    /// fields still encode to them: after any change to any field, its txid, wtxid and encodings must be
    /// those of the changed value.
    #[test]
    fn decoded_then_changed_txids_match_bitcoin_crate(
        tx in transaction(),
        change in 0usize..14,
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let wire = Bytes::from(to_vec(&tx));
        let mut ours: cw::Transaction = from_bytes(&wire, PVER).unwrap();
        prop_assert_eq!(&ours, &tx);
        let before = (ours.txid(), ours.wtxid());
        prop_assert_eq!(before, (tx.txid(), tx.wtxid()));
        let i = at.index(ours.inputs.len());
        match change {
            0 => ours.version ^= i32::from(byte) | 1,
            1 => ours.lock_time ^= u32::from(byte) | 1,
            2 => ours.inputs[i].previous_output.txid.0[31] ^= byte | 1,
            3 => ours.inputs[i].previous_output.vout ^= 1 << (byte % 32),
            4 => ours.inputs[i].script_sig = [&ours.inputs[i].script_sig[..], &[byte]].concat().into(),
            5 => ours.inputs[i].sequence ^= 1 << (byte % 32),
            6 => ours.inputs[i].witness = cw::Witness::from_items([[byte; 3]]),
            7 => ours.inputs[i].witness.clear(),
            8 => ours.outputs.push(cw::TxOut { value: i64::from(byte), script_pubkey: Bytes::new() }),
            9 if !ours.outputs.is_empty() => {
                let o = at.index(ours.outputs.len());
                ours.outputs[o].value ^= 1 << (byte % 64);
            }
            10 if !ours.outputs.is_empty() => {
                let o = at.index(ours.outputs.len());
                ours.outputs[o].script_pubkey = Bytes::copy_from_slice(&[byte; 2]);
            }
            11 if ours.inputs.len() > 1 => {
                ours.inputs.remove(i);
            }
            12 => ours.inputs.swap(0, i),
            // Equal values in new allocations: the hashes must not change.
            _ => {
                let copy = |b: &Bytes| Bytes::copy_from_slice(b);
                for input in &mut ours.inputs {
                    input.script_sig = copy(&input.script_sig);
                    input.witness = cw::Witness::from_items(input.witness.iter().collect::<Vec<_>>());
                }
                for output in &mut ours.outputs {
                    output.script_pubkey = copy(&output.script_pubkey);
                }
            }
        }
        let theirs = b_tx(&ours);
        prop_assert_eq!(ours.txid().0, theirs.compute_txid().to_byte_array());
        prop_assert_eq!(ours.wtxid().0, theirs.compute_wtxid().to_byte_array());
        prop_assert_eq!(to_vec(&ours), serialize(&theirs));
        let mut stripped = Vec::new();
        ours.encode_as(&mut stripped, false);
        let mut theirs_stripped = theirs.clone();
        for input in &mut theirs_stripped.input {
            input.witness.clear();
        }
        prop_assert_eq!(stripped, serialize(&theirs_stripped));
        if ours == tx {
            prop_assert_eq!((ours.txid(), ours.wtxid()), before);
        }
        // A decoded copy of a block's transactions and its clone agree too.
        let cloned = ours.clone();
        prop_assert_eq!((cloned.txid(), cloned.wtxid()), (ours.txid(), ours.wtxid()));
    }

    #[test]
    fn tx_without_witness_matches_bitcoin_crate_with_witnesses_cleared(tx in transaction()) {
        let msg = cw::Message::Tx(tx.clone());
        let mut stripped = b_tx(&tx);
        for i in &mut stripped.input {
            i.witness.clear();
        }
        let mut mine = Vec::new();
        msg.encode_payload(EncodeOptions::new(PVER).without_witness(), &mut mine).unwrap();
        prop_assert_eq!(hex::encode(mine), hex::encode(serialize(&stripped)));
    }

    #[test]
    fn block_hash_and_merkle_root_match_bitcoin_crate(b in block()) {
        let theirs = b_block(&b);
        prop_assert_eq!(b.hash().0, theirs.block_hash().to_byte_array());
        if let Some(root) = theirs.compute_merkle_root() {
            prop_assert_eq!(b.compute_merkle_root().0, root.to_byte_array());
        } else {
            prop_assert!(b.transactions.is_empty());
        }
        if b.transactions.len() > 1 {
            let root = theirs.witness_root().expect("a witness root");
            prop_assert_eq!(b.compute_witness_root().0, root.to_byte_array());
        }
    }

    #[test]
    fn version_below_70001_is_bitcoin_crate_bytes_without_relay(v in version_message()) {
        // The bitcoin crate always writes the relay byte; we write it only from 70001 on, and read either form.
        let msg = cw::Message::Version(v.clone());
        let theirs = serialize(&to_btc(&msg));
        let old = our_payload(&msg, 70_000);
        prop_assert_eq!(hex::encode(&old), hex::encode(&theirs[..theirs.len() - 1]));
        let back = cw::Message::decode_payload(&msg.command(), &Bytes::from(theirs), 70_000).unwrap();
        prop_assert_eq!(back, msg);
    }
}
