//! The body of the `stream_decoder_*` targets: a byte stream through a `FrameDecoder`, whole and in chunks.
//!
//! Input: byte 0 picks the network among the dialect's built-in ones; byte 1 the mode (bit 0: checksums not
//! verified, so that payload decoders are reached; bit 1: unknown commands skipped; bit 2: a payload cap of
//! 64 times byte 3; bits 3 to 7: the protocol version); byte 2 the chunking (0: everything at once, n: chunks of
//! 1 to n bytes); byte 3 the cap; then the stream.
//!
//! Checked: nothing panics; the decoder gives the same frames and the same error whatever the chunking; each
//! frame starts where the previous one ended and holds its whole payload (or none, if skipped); every frame
//! decodes to a message of its own command or to an error inside its payload, and decoded messages encode.

use super::{Input, BITCOIN_VERSIONS, DECRED_VERSIONS};
use bytes::BytesMut;
use coinpeer_wire::{encode_frame, DecodeError, EncodeOptions, ErrorKind, Frame, FrameDecoder, Network, WireMessage};

/// What the decoder gave: frames and checksum failures (after which the stream is still in step), then the
/// error that ended the stream, if any.
type Outcome = (Vec<Result<Frame, DecodeError>>, Option<DecodeError>);

pub fn run<M: WireMessage>(data: &[u8]) {
    let mut input = Input::new(data);
    let networks: Vec<Network> = Network::BUILTIN
        .iter()
        .filter(|n| n.dialect() == M::DIALECT)
        .cloned()
        .collect();
    let network = input.pick(&networks);
    let mode = input.u8();
    let chunking = input.u8();
    let cap_byte = input.u8();
    let cap = (mode & 4 != 0).then(|| u32::from(cap_byte) * 64);
    let versions = match M::DIALECT {
        coinpeer_wire::Dialect::Bitcoin => BITCOIN_VERSIONS,
        coinpeer_wire::Dialect::Decred => DECRED_VERSIONS,
    };
    let version = versions[usize::from(mode >> 3) % versions.len()];
    let stream = input.rest();
    let decoder = || {
        let mut d = FrameDecoder::new(network.clone(), version).verify_checksum(mode & 1 == 0);
        d.skip_unknown_commands(mode & 2 != 0);
        d.set_payload_cap(cap);
        d
    };

    let whole = cut(decoder(), stream, 0);
    let chunked = cut(decoder(), stream, chunking);
    assert_eq!(whole, chunked, "the chunking changed what was decoded");

    let mut offset = Some(0u64);
    for item in &whole.0 {
        let frame = match item {
            Ok(frame) => frame,
            Err(e) => {
                assert!(offset.map_or(true, |o| e.offset == o + 20), "{e}");
                offset = None;
                continue;
            }
        };
        assert!(offset.map_or(true, |o| o == frame.offset), "frames are contiguous");
        offset = Some(frame.offset + frame.wire_len() as u64);
        if frame.is_skipped() {
            assert!(mode & 2 != 0 && frame.payload.is_empty());
        } else {
            assert_eq!(frame.payload.len(), frame.header.length as usize);
            decode::<M>(&network, frame, version);
        }
    }
    if let (Some(e), Some(end)) = (&whole.1, offset) {
        assert!(e.offset >= end, "an error before the end of the last frame: {e}");
        let _ = e.to_string();
    }
}

/// Feeds `stream` in chunks of 1 to `chunking` bytes (all at once for 0) and collects what comes out.
fn cut(mut dec: FrameDecoder, stream: &[u8], chunking: u8) -> Outcome {
    let mut frames = Vec::new();
    let mut state = u32::from(chunking) | 0x9e37_0000;
    let mut rest = stream;
    while !rest.is_empty() {
        let n = if chunking == 0 {
            rest.len()
        } else {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            1 + (state % u32::from(chunking)) as usize
        };
        let (piece, tail) = rest.split_at(n.min(rest.len()));
        rest = tail;
        dec.extend_from_slice(piece);
        loop {
            match dec.next_frame() {
                Ok(Some(frame)) => frames.push(Ok(frame)),
                Ok(None) => break,
                // The frame was consumed whole: the stream is still in step.
                Err(e) if matches!(e.kind, ErrorKind::BadChecksum { .. }) => frames.push(Err(e)),
                // Anything else leaves the stream out of step: a peer would be dropped here.
                Err(e) => return (frames, Some(e)),
            }
        }
    }
    (frames, None)
}

fn decode<M: WireMessage>(network: &Network, frame: &Frame, version: u32) {
    match frame.decode::<M>(version) {
        Ok(msg) => {
            assert_eq!(msg.command(), frame.header.command);
            let _ = msg.summary();
            let mut out = BytesMut::new();
            let with_witness = EncodeOptions::new(version);
            for opts in [with_witness, with_witness.without_witness()] {
                out.clear();
                let _ = encode_frame(network, &msg, opts, &mut out);
            }
        }
        Err(e) => {
            assert_eq!(e.command, Some(frame.header.command));
            assert!(e.offset <= frame.payload.len() as u64, "{e}");
            let _ = e.to_string();
        }
    }
}
