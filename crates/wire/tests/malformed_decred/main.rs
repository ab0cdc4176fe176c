//! Bad Decred input fails with the exact typed error, at the right byte, and cheaply: bad checksums and magic,
//! per-type size limits checked from the header, the addrv2 rules, count bombs in the mixing messages (checked
//! with an allocator that records the largest allocation), truncations and trailing bytes.

mod addrv2;
mod framing;
mod mixing;
mod payloads;
mod tracking;

use bytes::{Bytes, BytesMut};
use coinpeer_wire::decred::{version, Message};
use coinpeer_wire::{
    encode_frame, Command, DecodeError, Dialect, EncodeOptions, ErrorKind, FrameDecoder, Network, WireMessage,
    HEADER_LEN,
};

const PVER: u32 = version::MAX;

fn cmd(s: &str) -> Command {
    Command::new(s).unwrap()
}

fn decode(command: &str, payload: &[u8], pver: u32) -> Result<Message, DecodeError> {
    Message::decode_payload(&cmd(command), &Bytes::copy_from_slice(payload), pver)
}

fn err(command: &str, payload: &[u8], pver: u32) -> (ErrorKind, u64) {
    let e = decode(command, payload, pver).expect_err("must fail");
    assert_eq!(e.command, Some(cmd(command)));
    (e.kind, e.offset)
}

fn frame(network: &Network, msg: &Message, pver: u32) -> BytesMut {
    let mut out = BytesMut::new();
    encode_frame(network, msg, EncodeOptions::new(pver), &mut out).unwrap();
    out
}

/// A header for `command` claiming `length` bytes, with a checksum of nothing.
fn header(network: &Network, command: &str, length: u32) -> Vec<u8> {
    let mut h = Vec::with_capacity(HEADER_LEN);
    h.extend_from_slice(&network.magic().to_le_bytes());
    h.extend_from_slice(cmd(command).wire_bytes());
    h.extend_from_slice(&length.to_le_bytes());
    h.extend_from_slice(&Dialect::Decred.checksum(b""));
    h
}

fn header_error(network: &Network, command: &str, length: u32, pver: u32) -> DecodeError {
    let mut dec = FrameDecoder::new(network.clone(), pver);
    dec.extend_from_slice(&header(network, command, length));
    dec.next_frame().expect_err("the header alone is refused")
}
