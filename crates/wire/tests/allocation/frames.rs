//! The frame decoder buffers a large frame as it arrives, never far ahead of the bytes received, and the
//! payload it hands out is decoded within the bound.

use crate::build::{btc, cat};
use crate::counter::measure;
use crate::{ALLOWANCE, FACTOR};
use coinpeer_wire::bitcoin::{version, Message};
use coinpeer_wire::{sha256d, FrameDecoder, Network};

/// Receiving a 4 MB block frame in 64 KiB reads.
#[test]
fn a_large_frame_is_buffered_in_steps() {
    let payload = cat(&[&[0; 80], &[1], &btc::most_outputs(4_000_000 - 81)]);
    let mut frame = Network::BITCOIN.magic().to_le_bytes().to_vec();
    frame.extend_from_slice(b"block\0\0\0\0\0\0\0");
    frame.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    frame.extend_from_slice(&sha256d(&payload).0[..4]);
    frame.extend_from_slice(&payload);
    let mut decoder = FrameDecoder::new(Network::BITCOIN, version::MAX);
    let mut received = None;
    let usage = measure(|| {
        for chunk in frame.chunks(64 * 1024) {
            decoder.extend_from_slice(chunk);
            if let Some(f) = decoder.next_frame().unwrap() {
                received = Some(f);
            }
        }
    });
    let frame_len = frame.len();
    eprintln!(
        "{:<48} {frame_len:>10} B  peak {:>11} B ({:>5.2}x)  kept {:>11} B ({:>5.2}x)",
        "frame of a 4 MB block, 64 KiB reads",
        usage.peak,
        usage.peak as f64 / frame_len as f64,
        usage.retained,
        usage.retained as f64 / frame_len as f64
    );
    let received = received.expect("the frame");
    assert!(
        usage.peak <= 2 * frame_len + ALLOWANCE,
        "buffering held {} B",
        usage.peak
    );
    let usage = measure(|| received.decode::<Message>(version::MAX).unwrap());
    assert!(usage.peak <= FACTOR * payload.len() + ALLOWANCE);
}
