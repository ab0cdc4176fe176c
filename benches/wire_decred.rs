//! Decred block decode, encode and hashing, on the largest real block of the shared test data.

use bytes::Bytes;
use coinpeer::wire::decred::Block;
use coinpeer::wire::encode::{from_bytes, to_vec};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use std::path::PathBuf;

const CHAIN: &str = "decred/testexpiry.lenprefixed";

/// The largest block of the record file (length-prefixed bare blocks).
fn largest_block() -> Option<Vec<u8>> {
    let dir = std::env::var_os("COINPEER_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata"));
    let raw = match std::fs::read(dir.join(CHAIN)) {
        Ok(b) => b,
        Err(e) => {
            eprintln!(
                "SKIPPED wire_decred benches: {}: {e} (set COINPEER_TESTDATA)",
                dir.join(CHAIN).display()
            );
            return None;
        }
    };
    let mut at = 0;
    let mut best: &[u8] = &[];
    while at + 4 <= raw.len() {
        let len = u32::from_le_bytes(raw[at..at + 4].try_into().unwrap()) as usize;
        let block = &raw[at + 4..at + 4 + len];
        if block.len() > best.len() {
            best = block;
        }
        at += 4 + len;
    }
    Some(best.to_vec())
}

fn benches(c: &mut Criterion) {
    let Some(raw) = largest_block() else { return };
    let payload = Bytes::from(raw.clone());
    let block: Block = from_bytes(&payload, 12).expect("block decodes");
    let mut g = c.benchmark_group(format!("decred_block_{}B", raw.len()));
    g.throughput(Throughput::Bytes(raw.len() as u64));
    g.bench_function("decode", |b| {
        b.iter(|| from_bytes::<Block>(black_box(&payload), 12).unwrap())
    });
    g.bench_function("encode", |b| b.iter(|| to_vec(black_box(&block))));
    g.bench_function("block_hash", |b| b.iter(|| black_box(&block).hash()));
    g.bench_function("tx_hashes_both_trees", |b| {
        b.iter(|| (black_box(&block).txids(), black_box(&block).stake_txids()))
    });
    g.finish();
}

criterion_group!(wire, benches);
criterion_main!(wire);
