//! The Decred dialect's codec on real blocks and transactions. No Rust implementation of Decred's messages
//! exists to compare with, so decode and encode are shown against a copy of the same bytes, and receive
//! against the bare BLAKE-256 of the payload (the checksum every receiver pays).

mod support;

use bytes::Bytes;
use coinpeer::wire::decred::blake256::blake256;
use coinpeer::wire::decred::{Block, Message, Transaction};
use coinpeer::wire::encode::{from_bytes, to_vec};
use coinpeer::wire::Network;
use criterion::{black_box, criterion_group, criterion_main, Criterion};

const VERSION: u32 = coinpeer::wire::decred::version::MAX;

/// A simnet chain of 1,002 blocks with tickets, votes and revocations (5.5 MB).
const CHAIN: &str = "decred/testexpiry.lenprefixed";

fn blocks(c: &mut Criterion) {
    let Some(file) = support::read(CHAIN) else { return };
    let records = support::length_prefixed(&file);
    chain(c, &records);

    let largest = records.iter().max_by_key(|block| block.len()).expect("blocks");
    let raw = Bytes::copy_from_slice(largest);
    let block: Block = from_bytes(&raw, VERSION).expect("the block decodes");
    support::versus(
        c,
        "decred-decode-block",
        raw.len(),
        "memcpy",
        || from_bytes::<Block>(black_box(&raw), VERSION).unwrap(),
        || black_box(&raw).to_vec(),
    );

    let mut g = support::figure(c, "decred-encode-block", raw.len());
    g.bench_function("coinpeer", |b| b.iter(|| to_vec(black_box(&block))));
    support::bench_memcpy(&mut g, &raw);
    g.finish();

    let mut g = support::figure(c, "decred-receive-block", raw.len());
    let framed = support::framed(&Network::DECRED, &Message::Block(block), VERSION);
    support::bench_receive::<Message>(&mut g, Network::DECRED, VERSION, &framed);
    g.bench_function("blake256", |b| b.iter(|| blake256(black_box(&raw))));
    g.finish();
}

/// Every block of the chain, one after the other, as a node syncing it decodes them.
fn chain(c: &mut Criterion, records: &[&[u8]]) {
    let blocks: Vec<Bytes> = records.iter().map(|r| Bytes::copy_from_slice(r)).collect();
    let bytes = blocks.iter().map(Bytes::len).sum();
    let decode_all = || {
        for raw in black_box(&blocks) {
            black_box(from_bytes::<Block>(raw, VERSION).unwrap());
        }
    };
    let copy_all = || {
        for raw in black_box(&blocks) {
            black_box(raw.to_vec());
        }
    };
    support::versus(c, "decred-decode-chain", bytes, "memcpy", decode_all, copy_all);
}

/// A real mainnet transaction with 89 inputs (34 kB).
fn transaction(c: &mut Criterion) {
    let Some(raw) = support::read_hex("decred/dcr_many_inputs_tx_620f57c9.hex") else {
        return;
    };
    let raw = Bytes::from(raw);
    support::versus(
        c,
        "decred-decode-tx",
        raw.len(),
        "memcpy",
        || from_bytes::<Transaction>(black_box(&raw), VERSION).unwrap(),
        || black_box(&raw).to_vec(),
    );
}

criterion_group!(wire, blocks, transaction);
criterion_main!(wire);
