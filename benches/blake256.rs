//! Decred's BLAKE-256 (coinpeer's own) against the `blake-hash` crate, on a bulk buffer and on one block
//! header, the two sizes a peer hashes most (payload checksums; block and transaction hashes).

mod support;

use blake_hash::{Blake256, Digest};
use coinpeer::wire::decred::blake256::blake256;
use criterion::{black_box, criterion_group, criterion_main, Criterion};

fn hashes(c: &mut Criterion) {
    for (name, len) in [("blake256-1MiB", 1 << 20), ("blake256-180B", 180)] {
        let data: Vec<u8> = (0..len).map(|i: usize| (i as u8).wrapping_mul(31)).collect();
        support::versus(
            c,
            name,
            len,
            "blake-hash",
            || blake256(black_box(&data)),
            || Blake256::digest(black_box(&data)),
        );
    }
}

criterion_group!(benches, hashes);
criterion_main!(benches);
