//! Throughput of Decred's BLAKE-256 for a small message, a typical wire
//! payload and a bulk buffer.

use std::hint::black_box;

use coinpeer_wire::decred::blake256::blake256;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn bench_blake256(c: &mut Criterion) {
    let mut group = c.benchmark_group("blake256");
    for (label, len) in [("32B", 32usize), ("1KiB", 1024), ("1MiB", 1 << 20)] {
        let data: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(31)).collect();
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_with_input(BenchmarkId::from_parameter(label), &data, |b, data| {
            b.iter(|| blake256(black_box(data)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_blake256);
criterion_main!(benches);
