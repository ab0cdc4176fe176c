//! Arbitrary bytes, in arbitrary chunks, through a `FrameDecoder` of any built-in network; every frame is decoded
//! as a message of the network's dialect (`bitcoin::Message` or `decred::Message`), summarised and re-encoded.
//! Nothing may panic.
//!
//! Input: byte 0 picks the network, byte 1 the checksum mode (bit 0 set: verification off, so that payload
//! decoders are reached) and the protocol version, byte 2 the chunking (0: everything at once, n: chunks of 1 to n
//! bytes), then the stream.
#![no_main]

use bytes::BytesMut;
use coinpeer_wire::{
    bitcoin, decred, encode_frame, Dialect, EncodeOptions, ErrorKind, Frame, FrameDecoder, Network, WireMessage,
};
use libfuzzer_sys::fuzz_target;

/// Bitcoin protocol versions around every change of encoding or message set.
const BITCOIN_VERSIONS: &[u32] = &[
    0,
    209,
    31_401,
    31_402,
    60_000,
    60_001,
    60_002,
    70_000,
    70_001,
    70_002,
    70_011,
    70_012,
    70_013,
    70_014,
    70_015,
    70_016,
    u32::MAX,
];

fuzz_target!(|data: &[u8]| {
    let [net, mode, chunking, stream @ ..] = data else {
        return;
    };
    let network = Network::BUILTIN[usize::from(*net) % Network::BUILTIN.len()].clone();
    let verify = mode & 1 == 0;
    let pick = usize::from(mode >> 1);
    let version = match network.dialect() {
        Dialect::Bitcoin => BITCOIN_VERSIONS[pick % BITCOIN_VERSIONS.len()],
        Dialect::Decred => (pick % 14) as u32,
    };
    let mut dec = FrameDecoder::new(network.clone(), version).verify_checksum(verify);

    // Chunk sizes from a small PRNG seeded by the chunking byte.
    let mut state = u32::from(*chunking) | 0x9e37_0000;
    let mut rest = stream;
    while !rest.is_empty() {
        let n = if *chunking == 0 {
            rest.len()
        } else {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            1 + (state % u32::from(*chunking)) as usize
        };
        let (piece, tail) = rest.split_at(n.min(rest.len()));
        rest = tail;
        dec.extend_from_slice(piece);
        loop {
            match dec.next_frame() {
                Ok(Some(frame)) => {
                    assert_eq!(frame.payload.len(), frame.header.length as usize);
                    match network.dialect() {
                        Dialect::Bitcoin => decode::<bitcoin::Message>(&network, &frame, version),
                        Dialect::Decred => decode::<decred::Message>(&network, &frame, version),
                    }
                }
                Ok(None) => break,
                // The frame was consumed whole: the stream is still in step.
                Err(e) if matches!(e.kind, ErrorKind::BadChecksum { .. }) => {
                    let _ = e.to_string();
                }
                Err(e) => {
                    // Framing errors leave the stream out of step: a peer would be dropped here.
                    let _ = e.to_string();
                    return;
                }
            }
        }
    }
});

fn decode<M: WireMessage>(network: &Network, frame: &Frame, version: u32) {
    match frame.decode::<M>(version) {
        Ok(msg) => {
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
