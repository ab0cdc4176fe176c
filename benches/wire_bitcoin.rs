//! The Bitcoin dialect's codec on real blocks and transactions and on synthetic messages, each figure against
//! the `bitcoin` crate (decode, encode, txids), a copy of the bytes (encode) or the bare double SHA-256 of the
//! same payload (receive: the floor any receiver pays for the checksum).

mod support;

use bitcoin::consensus::encode::VarInt;
use bitcoin::consensus::{deserialize, serialize, Decodable};
use bitcoin::p2p::message_blockdata::Inventory as TheirInventory;
use bitcoin::p2p::message_network::VersionMessage as TheirVersion;
use bytes::Bytes;
use coinpeer::wire::bitcoin::{Block, BlockHeader, Message, Transaction};
use coinpeer::wire::encode::{from_bytes, to_vec};
use coinpeer::wire::messages::{InvType, Inventory};
use coinpeer::wire::{sha256d, Command, EncodeOptions, FrameDecoder, Hash256, Network, WireMessage};
use criterion::{black_box, criterion_group, criterion_main, Criterion};

const VERSION: u32 = 70016;

/// The real mainnet blocks, by the size their groups are named after.
const BLOCKS: [(&str, &str); 2] = [
    (
        "1.38MB",
        "bitcoin/mainnet_block_000000000000000000000c835b2adcaedc20fdf6ee440009c249452c726dafae.raw",
    ),
    (
        "2.26MB",
        "bitcoin/block-00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab.blk",
    ),
];

/// The block whose transactions give the hashing and single-transaction figures: 2,500 txs, mostly segwit.
const TX_BLOCK: &str = "1.38MB";

fn blocks(c: &mut Criterion) {
    for (size, file) in BLOCKS {
        let Some(raw) = support::read(file) else { continue };
        let raw = Bytes::from(raw);
        let ours: Block = from_bytes(&raw, VERSION).expect("the block decodes");
        let theirs: bitcoin::Block = deserialize(&raw).expect("the bitcoin crate decodes the block");

        support::versus(
            c,
            &format!("decode-block-{size}"),
            raw.len(),
            "bitcoin",
            || from_bytes::<Block>(black_box(&raw), VERSION).unwrap(),
            || deserialize::<bitcoin::Block>(black_box(&raw)).unwrap(),
        );

        let mut g = support::figure(c, &format!("encode-block-{size}"), raw.len());
        g.bench_function("coinpeer", |b| b.iter(|| to_vec(black_box(&ours))));
        g.bench_function("bitcoin", |b| b.iter(|| serialize(black_box(&theirs))));
        support::bench_memcpy(&mut g, &raw);
        g.finish();

        let mut g = support::figure(c, &format!("receive-block-{size}"), raw.len());
        let framed = support::framed(&Network::BITCOIN, &Message::Block(ours.clone()), VERSION);
        support::bench_receive::<Message>(&mut g, Network::BITCOIN, VERSION, &framed);
        g.bench_function("sha256d", |b| b.iter(|| sha256d(black_box(&raw))));
        g.finish();

        if size == TX_BLOCK {
            hashes(c, size, raw.len(), &ours, &theirs);
            decode_tx(c, "decode-tx-segwit", &to_vec(typical_segwit_tx(&ours)));
        }
    }
}

/// All txids and all wtxids of the block.
fn hashes(c: &mut Criterion, size: &str, bytes: usize, ours: &Block, theirs: &bitcoin::Block) {
    let ours = &ours.transactions;
    let theirs = &theirs.txdata;
    support::versus(
        c,
        &format!("txids-block-{size}"),
        bytes,
        "bitcoin",
        || black_box(ours).iter().map(Transaction::txid).collect::<Vec<_>>(),
        || black_box(theirs).iter().map(|tx| tx.compute_txid()).collect::<Vec<_>>(),
    );
    support::versus(
        c,
        &format!("wtxids-block-{size}"),
        bytes,
        "bitcoin",
        || black_box(ours).iter().map(Transaction::wtxid).collect::<Vec<_>>(),
        || {
            black_box(theirs)
                .iter()
                .map(|tx| tx.compute_wtxid())
                .collect::<Vec<_>>()
        },
    );
}

/// The first segwit transaction after the coinbase: a few inputs and outputs, like most of a mempool.
fn typical_segwit_tx(block: &Block) -> &Transaction {
    block.transactions[1..]
        .iter()
        .find(|tx| tx.has_witness())
        .expect("a segwit tx")
}

fn decode_tx(c: &mut Criterion, name: &str, raw: &[u8]) {
    let raw = Bytes::copy_from_slice(raw);
    support::versus(
        c,
        name,
        raw.len(),
        "bitcoin",
        || from_bytes::<Transaction>(black_box(&raw), VERSION).unwrap(),
        || deserialize::<bitcoin::Transaction>(black_box(&raw)).unwrap(),
    );
}

fn megatx(c: &mut Criterion) {
    if let Some(raw) = support::read("bitcoin/megatx.bin") {
        decode_tx(c, "decode-tx-megatx", &raw);
    }
}

/// Decodes `payload` as the message `command`, the way a received frame's payload is decoded.
fn decode_message(command: &'static str, payload: &Bytes) -> Message {
    Message::decode_payload(&Command::from_static(command), payload, VERSION).unwrap()
}

fn payload(msg: &Message) -> Bytes {
    let mut out = Vec::new();
    msg.encode_payload(EncodeOptions::new(VERSION), &mut out)
        .expect("the message encodes");
    out.into()
}

/// The `bitcoin` crate's own `headers` decoder is private; this is the same loop (a header, then a zero
/// transaction count, per entry).
fn their_headers(mut payload: &[u8]) -> Vec<bitcoin::block::Header> {
    let count = VarInt::consensus_decode(&mut payload).unwrap().0;
    (0..count)
        .map(|_| {
            let header = bitcoin::block::Header::consensus_decode(&mut payload).unwrap();
            VarInt::consensus_decode(&mut payload).unwrap();
            header
        })
        .collect()
}

/// A 32-byte hash that differs with `i`.
fn synthetic_hash(i: u32) -> Hash256 {
    let mut hash = [0u8; 32];
    for chunk in hash.chunks_exact_mut(4) {
        chunk.copy_from_slice(&i.wrapping_mul(0x9e37_79b9).to_le_bytes());
    }
    Hash256(hash)
}

/// 2,000 headers (the most one `headers` message carries) and 50,000 inventory vectors (the most one `inv`
/// carries): synthetic, since decoding does not look at the values.
fn synthetic_messages(c: &mut Criterion) {
    let headers: Vec<BlockHeader> = (0..2000)
        .map(|i| BlockHeader {
            version: 0x2000_0000,
            prev_block: synthetic_hash(i),
            merkle_root: synthetic_hash(!i),
            time: 1_700_000_000 + i * 600,
            bits: 0x1703_4219,
            nonce: i.wrapping_mul(2_654_435_761),
        })
        .collect();
    let headers = payload(&Message::Headers(headers));
    support::versus(
        c,
        "decode-headers-2000",
        headers.len(),
        "bitcoin",
        || decode_message("headers", black_box(&headers)),
        || their_headers(black_box(&headers)),
    );

    let inv = (0..50_000)
        .map(|i| Inventory::new(InvType::WITNESS_TX, synthetic_hash(i)))
        .collect();
    let inv = payload(&Message::Inv(inv));
    support::versus(
        c,
        "decode-inv-50000",
        inv.len(),
        "bitcoin",
        || decode_message("inv", black_box(&inv)),
        || deserialize::<Vec<TheirInventory>>(black_box(&inv)).unwrap(),
    );
}

/// A real version message: the first one btcd 0.25 sent in the shared captures.
fn version(c: &mut Criterion) {
    let Some(capture) = support::read("captures/btcd-0.25.0-regtest.in.bin") else {
        return;
    };
    let mut decoder = FrameDecoder::new(Network::BITCOIN_REGTEST, VERSION);
    decoder.extend_from_slice(&capture);
    let frame = decoder.next_frame().unwrap().expect("a whole frame");
    assert_eq!(frame.header.command, "version");
    let version = frame.payload;
    support::versus(
        c,
        "decode-version",
        version.len(),
        "bitcoin",
        || decode_message("version", black_box(&version)),
        || deserialize::<TheirVersion>(black_box(&version)).unwrap(),
    );
}

criterion_group!(wire, blocks, megatx, synthetic_messages, version);
criterion_main!(wire);
