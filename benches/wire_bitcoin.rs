//! Bitcoin block decode/encode against the `bitcoin` crate, and receiving a framed block against the bare
//! double SHA-256 of the same bytes (the floor any receiver pays for the checksum).

use bytes::{Bytes, BytesMut};
use coinpeer::wire::bitcoin::{Block, Message};
use coinpeer::wire::encode::{from_bytes, to_vec};
use coinpeer::wire::{encode_frame, sha256d, EncodeOptions, FrameDecoder, Network};
use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::path::PathBuf;

const BLOCK: &str = "bitcoin/block-00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab.blk";

fn block_bytes() -> Option<Vec<u8>> {
    let dir = std::env::var_os("COINPEER_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata"));
    match std::fs::read(dir.join(BLOCK)) {
        Ok(b) => Some(b),
        Err(e) => {
            eprintln!(
                "SKIPPED wire_bitcoin benches: {}: {e} (set COINPEER_TESTDATA)",
                dir.join(BLOCK).display()
            );
            None
        }
    }
}

fn benches(c: &mut Criterion) {
    let Some(raw) = block_bytes() else { return };
    let payload = Bytes::from(raw.clone());
    let block: Block = from_bytes(&payload, 70016).expect("block decodes");
    let mut framed = BytesMut::new();
    encode_frame(
        &Network::BITCOIN,
        &Message::Block(block.clone()),
        EncodeOptions::new(70016),
        &mut framed,
    )
    .unwrap();
    let framed = framed.freeze();

    let mut g = c.benchmark_group("bitcoin_block_2.26MB");
    g.throughput(Throughput::Bytes(raw.len() as u64));
    g.sample_size(30);
    g.bench_function("sha256d_bare", |b| b.iter(|| sha256d(black_box(&raw))));
    g.bench_function("coinpeer_decode", |b| {
        b.iter(|| from_bytes::<Block>(black_box(&payload), 70016).unwrap())
    });
    g.bench_function("bitcoin_crate_decode", |b| {
        b.iter(|| bitcoin::consensus::deserialize::<bitcoin::Block>(black_box(&raw)).unwrap())
    });
    g.bench_function("coinpeer_encode", |b| b.iter(|| to_vec(black_box(&block))));
    g.bench_function("bitcoin_crate_encode", |b| {
        let theirs: bitcoin::Block = bitcoin::consensus::deserialize(&raw).unwrap();
        b.iter(|| bitcoin::consensus::serialize(black_box(&theirs)))
    });
    g.bench_function("coinpeer_encode_frame_with_checksum", |b| {
        let msg = Message::Block(block.clone());
        b.iter(|| {
            let mut out = BytesMut::with_capacity(raw.len() + 24);
            encode_frame(&Network::BITCOIN, black_box(&msg), EncodeOptions::new(70016), &mut out).unwrap();
            out
        })
    });
    for verify in [true, false] {
        let name = if verify {
            "receive_frame_checksum_decode"
        } else {
            "receive_frame_decode_no_checksum"
        };
        // The bytes arrive in a receive buffer before the clock starts, as they would from a socket.
        g.bench_function(name, |b| {
            b.iter_batched(
                || BytesMut::from(&framed[..]),
                |mut buf| {
                    let mut dec = FrameDecoder::new(Network::BITCOIN, 70016).verify_checksum(verify);
                    let frame = dec.decode_from(&mut buf).unwrap().unwrap();
                    frame.decode::<Message>(70016).unwrap()
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.bench_function("txids", |b| b.iter(|| black_box(&block).txids()));
    g.finish();
}

criterion_group!(wire, benches);
criterion_main!(wire);
