//! What the codec benches share: test data, the shape of a figure, and the steps two dialects both time.
//!
//! Every figure is one criterion group whose functions are `coinpeer` and the baseline's name, timed in the
//! same process on the same bytes. `cargo xtask bench` reads the results back by group and function name
//! (`xtask/src/report.rs`), so group names are a contract: lowercase words, digits, `.` and `-`.

// Each bench binary compiles its own copy of this module and uses only part of it.
#![allow(dead_code)]

use std::path::PathBuf;

use bytes::{Bytes, BytesMut};
use coinpeer::wire::{encode_frame, EncodeOptions, FrameDecoder, Network, WireMessage};
use criterion::measurement::WallTime;
use criterion::{black_box, BatchSize, BenchmarkGroup, Criterion, Throughput};

/// The shared test data: `COINPEER_TESTDATA`, or `../shared/testdata` beside the repository.
fn testdata_dir() -> PathBuf {
    std::env::var_os("COINPEER_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata"))
}

/// The bytes of a test data file, or `None` after a loud SKIPPED line: the figures that need it are left out
/// (the report then shows them as not measured) and the others still run.
pub fn read(file: &str) -> Option<Vec<u8>> {
    let path = testdata_dir().join(file);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            eprintln!("SKIPPED benches on {}: {e} (set COINPEER_TESTDATA)", path.display());
            None
        }
    }
}

/// A test data file holding hex, decoded.
pub fn read_hex(file: &str) -> Option<Vec<u8>> {
    let text = read(file)?;
    Some(hex::decode(text.trim_ascii()).unwrap_or_else(|e| panic!("{file}: not hex: {e}")))
}

/// The records of a file of length-prefixed records (u32 LE length, then the record).
pub fn length_prefixed(mut file: &[u8]) -> Vec<&[u8]> {
    let mut records = Vec::new();
    while let Some((len, rest)) = file.split_first_chunk::<4>() {
        let (record, rest) = rest.split_at(u32::from_le_bytes(*len) as usize);
        records.push(record);
        file = rest;
    }
    records
}

/// A figure's group, with its throughput counted in the bytes each iteration handles.
pub fn figure<'a>(c: &'a mut Criterion, name: &str, bytes: usize) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(bytes as u64));
    group
}

/// The `memcpy` baseline: a fresh copy of the same bytes, allocation included as an encoder's is.
pub fn bench_memcpy(group: &mut BenchmarkGroup<'_, WallTime>, bytes: &[u8]) {
    group.bench_function("memcpy", |b| b.iter(|| black_box(bytes).to_vec()));
}

/// `msg` as one framed message of `network`, as it arrives from a socket.
pub fn framed<M: WireMessage>(network: &Network, msg: &M, version: u32) -> Bytes {
    let mut out = BytesMut::new();
    encode_frame(network, msg, EncodeOptions::new(version), &mut out).expect("the message encodes");
    out.freeze()
}

/// The `coinpeer` side of a receive figure: cut a frame out of the receive buffer, verify its checksum and
/// decode it, as the peer's reader does. The message is dropped after the clock stops (by `iter_batched`):
/// from then on it is the listener's.
pub fn bench_receive<M: WireMessage>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    network: Network,
    version: u32,
    framed: &[u8],
) {
    group.bench_function("coinpeer", |b| {
        b.iter_batched(
            // The bytes are in the receive buffer before the clock starts, as they would be after a read, and
            // the decoder lives as long as the connection.
            || (FrameDecoder::new(network.clone(), version), BytesMut::from(framed)),
            |(mut decoder, mut buf)| {
                let frame = decoder.decode_from(&mut buf).unwrap().expect("a whole frame");
                frame.decode::<M>(version).unwrap()
            },
            BatchSize::LargeInput,
        )
    });
}

/// A figure of two functions: `coinpeer` and the baseline `baseline`, each timed on `bytes` bytes.
pub fn versus<A, B>(
    c: &mut Criterion,
    name: &str,
    bytes: usize,
    baseline: &str,
    mut coinpeer: impl FnMut() -> A,
    mut theirs: impl FnMut() -> B,
) {
    let mut group = figure(c, name, bytes);
    group.bench_function("coinpeer", |b| b.iter(&mut coinpeer));
    group.bench_function(baseline, |b| b.iter(&mut theirs));
    group.finish();
}
