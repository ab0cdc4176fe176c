//! Real data: blocks, a megatransaction, a merkle block and node conversations decode alike in both crates.

use crate::check::{decode_our_frame, our_frame, same_as_bitcoin_crate};
use crate::convert::{b_block, b_tx, to_btc};
use crate::support;
use crate::PVER;
use bitcoin::consensus::encode::{deserialize, deserialize_partial, serialize};
use bitcoin::hashes::Hash as _;
use bitcoin::p2p::message::{NetworkMessage, RawNetworkMessage};
use bitcoin::p2p::Magic;
use bytes::Bytes;
use coinpeer_wire::bitcoin as cw;
use coinpeer_wire::encode::{from_bytes, to_vec};
use coinpeer_wire::{Dialect, EncodeOptions, FrameDecoder, Network, WireMessage};

/// Both crates decode a real block to equal values, hashes and re-encodings, bare and framed.
fn same_block_in_both(raw: &[u8], what: &str) {
    let ours: cw::Block = from_bytes(&Bytes::copy_from_slice(raw), PVER).unwrap_or_else(|e| panic!("{what}: {e}"));
    let theirs: bitcoin::Block = deserialize(raw).unwrap_or_else(|e| panic!("{what}: bitcoin crate: {e}"));
    assert_eq!(ours.hash().0, theirs.block_hash().to_byte_array(), "{what}: block hash");
    assert_eq!(ours.transactions.len(), theirs.txdata.len(), "{what}");
    for (i, (a, b)) in ours.transactions.iter().zip(&theirs.txdata).enumerate() {
        assert_eq!(a.txid().0, b.compute_txid().to_byte_array(), "{what}: txid of tx {i}");
        assert_eq!(
            a.wtxid().0,
            b.compute_wtxid().to_byte_array(),
            "{what}: wtxid of tx {i}"
        );
    }
    assert!(b_block(&ours) == theirs, "{what}: decoded values differ");
    assert!(theirs.check_merkle_root(), "{what}");
    assert!(ours.check_merkle_root(), "{what}");
    assert!(to_vec(&ours) == raw, "{what}: our re-encoding");
    assert!(serialize(&theirs) == raw, "{what}: their re-encoding");

    // Framed: the same frame, and each reads the other's.
    let msg = cw::Message::Block(ours);
    let frame = our_frame(&msg);
    let their_frame = serialize(&RawNetworkMessage::new(
        Magic::BITCOIN,
        NetworkMessage::Block(theirs.clone()),
    ));
    assert!(frame[..] == their_frame[..], "{what}: frames differ");
    let raw_msg: RawNetworkMessage = deserialize(&frame).unwrap();
    assert!(*raw_msg.payload() == NetworkMessage::Block(theirs.clone()), "{what}");
    assert!(decode_our_frame(&their_frame).unwrap() == msg, "{what}");

    // Without witness data: the bitcoin crate's block with every witness cleared.
    let mut stripped = theirs;
    for tx in &mut stripped.txdata {
        for i in &mut tx.input {
            i.witness.clear();
        }
    }
    let mut mine = Vec::new();
    msg.encode_payload(EncodeOptions::new(PVER).without_witness(), &mut mine)
        .unwrap();
    assert!(
        mine == serialize(&stripped),
        "{what}: witness-stripped encodings differ"
    );
}

#[test]
fn real_blocks_decode_alike_in_both_crates() {
    let Some(dir) = support::testdata("real_blocks_decode_alike_in_both_crates") else {
        return;
    };
    let mut seen = 0;
    for file in [
        "bitcoin/block-00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab.blk",
        "bitcoin/mainnet_block_000000000000000000000c835b2adcaedc20fdf6ee440009c249452c726dafae.raw",
        "bitcoin/testnet_block_000000000000045e0b1660b6445b5e5c5ab63c9a4f956be7e1e69be04fa4497b.raw",
    ] {
        same_block_in_both(&support::read(&dir, file), file);
        seen += 1;
    }
    for file in ["bitcoin/blk_0_to_4.dat", "bitcoin/blocks1-256", "bitcoin/277647.dat"] {
        let raw = support::read(&dir, file);
        let mut at = 0;
        while at < raw.len() {
            assert_eq!(&raw[at..at + 4], &Magic::BITCOIN.to_bytes());
            let len = u32::from_le_bytes(raw[at + 4..at + 8].try_into().unwrap()) as usize;
            same_block_in_both(&raw[at + 8..at + 8 + len], &format!("{file} at byte {at}"));
            at += 8 + len;
            seen += 1;
        }
    }
    assert_eq!(seen, 3 + 5 + 255 + 1);
}

#[test]
fn megatransaction_decodes_alike_in_both_crates() {
    let Some(dir) = support::testdata("megatransaction_decodes_alike_in_both_crates") else {
        return;
    };
    let raw = support::read(&dir, "bitcoin/megatx.bin");
    let ours: cw::Transaction = from_bytes(&Bytes::copy_from_slice(&raw), PVER).unwrap();
    let theirs: bitcoin::Transaction = deserialize(&raw).unwrap();
    assert!(b_tx(&ours) == theirs);
    assert_eq!(ours.txid().0, theirs.compute_txid().to_byte_array());
    assert!(serialize(&theirs) == raw && to_vec(&ours) == raw);
    let msg = cw::Message::Tx(ours);
    assert!(our_frame(&msg)[..] == serialize(&RawNetworkMessage::new(Magic::BITCOIN, NetworkMessage::Tx(theirs)))[..]);
}

#[test]
fn merkleblock_decodes_alike_in_both_crates() {
    let Some(dir) = support::testdata("merkleblock_decodes_alike_in_both_crates") else {
        return;
    };
    let raw = support::read_hex(&dir, "bitcoin/merkle_block.hex");
    let ours: cw::MerkleBlock = from_bytes(&Bytes::copy_from_slice(&raw), PVER).unwrap();
    let theirs: bitcoin::MerkleBlock = deserialize(&raw).unwrap();
    let msg = cw::Message::MerkleBlock(ours.clone());
    assert_eq!(to_btc(&msg), NetworkMessage::MerkleBlock(theirs.clone()));
    assert_eq!(ours.header.hash().0, theirs.header.block_hash().to_byte_array());
    assert_eq!(serialize(&theirs), raw);
    assert_eq!(to_vec(&ours), raw);
    // The proof checks out in the bitcoin crate against the header we decoded.
    let mut matches = Vec::new();
    let mut indexes = Vec::new();
    let root = theirs.txn.extract_matches(&mut matches, &mut indexes).unwrap();
    assert_eq!(root.to_byte_array(), ours.header.merkle_root.0);
    same_as_bitcoin_crate(&msg).unwrap();
}

/// Every frame of a real node's conversation: both decoders agree on each message the bitcoin crate reads, and
/// the ones it refuses are the listed commands.
fn same_capture_in_both(dir: &std::path::Path, file: &str, network: Network, refused_by_bitcoin_crate: &[&str]) {
    let raw = support::read(dir, file);
    let mut dec = FrameDecoder::new(network, PVER);
    dec.extend_from_slice(&raw);
    let mut rest = &raw[..];
    let mut refused = Vec::new();
    while let Some(frame) = dec.next_frame().unwrap() {
        let ours: cw::Message = frame.decode(PVER).unwrap();
        let wire = &rest[..frame.wire_len()];
        rest = &rest[frame.wire_len()..];
        match deserialize_partial::<RawNetworkMessage>(wire) {
            Ok((theirs, used)) => {
                assert_eq!(used, wire.len(), "{file}");
                assert_eq!(theirs.magic().to_bytes(), wire[..4], "{file}");
                assert!(to_btc(&ours) == *theirs.payload(), "{file}: {} differs", ours.command());
                assert!(
                    serialize(&theirs) == wire,
                    "{file}: bitcoin crate re-encodes {}",
                    ours.command()
                );
            }
            Err(_) => refused.push(ours.command().to_string()),
        }
    }
    assert!(rest.is_empty() && dec.buffered() == 0, "{file}: whole frames only");
    assert_eq!(
        refused, refused_by_bitcoin_crate,
        "{file}: frames the bitcoin crate refuses"
    );
}

#[test]
fn real_node_captures_decode_alike_in_both_crates() {
    let Some(dir) = support::testdata("real_node_captures_decode_alike_in_both_crates") else {
        return;
    };
    let caps = dir.join("captures");
    let bsv = Network::custom(
        "bsv-regtest",
        u32::from_le_bytes([0xda, 0xb5, 0xbf, 0xfa]),
        Dialect::Bitcoin,
        18444,
    );
    for (file, network, refused) in [
        (
            "litecoin-core-0.21.2.1-regtest.in.bin",
            Network::LITECOIN_REGTEST,
            &[][..],
        ),
        ("litecoin-core-0.21.2.1-regtest.out.bin", Network::LITECOIN_REGTEST, &[]),
        ("btcd-0.25.0-regtest.in.bin", Network::BITCOIN_REGTEST, &[]),
        ("btcd-0.25.0-regtest.out.bin", Network::BITCOIN_REGTEST, &[]),
        ("bcoin-1.0.2-regtest.in.bin", Network::BITCOIN_REGTEST, &[]),
        ("bcoin-1.0.2-regtest.out.bin", Network::BITCOIN_REGTEST, &[]),
        // Bitcoin SV appends bytes to its version that the bitcoin crate calls trailing garbage.
        ("bitcoin-sv-1.0.13-regtest.in.bin", bsv.clone(), &["version"]),
        ("bitcoin-sv-1.0.13-regtest.out.bin", bsv, &[]),
    ] {
        same_capture_in_both(&caps, file, network, refused);
    }
}
