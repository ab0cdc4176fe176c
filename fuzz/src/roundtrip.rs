//! The body of the `roundtrip_*` targets: arbitrary bytes as the payload of one command of a dialect.
//!
//! Input: byte 0 picks the command among the dialect's (`COMMANDS`), byte 1 the protocol version, then the
//! payload.
//!
//! Checked: whenever the payload decodes, the message encodes, its encoding decodes to an equal message (less
//! what the encoding knowingly cannot carry, see `carried`), and that one encodes to the same bytes. A payload
//! a frame could carry (within the command's size limit at that version) encodes within that limit too.

use super::Input;
use bytes::Bytes;
use coinpeer_wire::frame::max_payload_len;
use coinpeer_wire::{Command, EncodeOptions, WireMessage};

/// `carried(msg, version)`: what of `msg` its encoding at `version` carries, or `None` if it cannot be encoded
/// at all (both knowingly).
pub fn run<M: WireMessage>(data: &[u8], commands: &[&'static str], versions: &[u32], carried: fn(M, u32) -> Option<M>) {
    let mut input = Input::new(data);
    let command = Command::from_static(input.pick(commands));
    let version = input.pick(versions);
    let payload = Bytes::copy_from_slice(input.rest());
    let Ok(msg) = M::decode_payload(&command, &payload, version) else {
        return;
    };
    assert_eq!(msg.command(), command);
    let _ = msg.summary();
    let Some(expected) = carried(msg.clone(), version) else {
        return;
    };
    let first = encode(&msg, version);
    let limit = max_payload_len(M::DIALECT, &command, version);
    assert!(
        payload.len() as u64 > u64::from(limit) || first.len() as u64 <= u64::from(limit),
        "{command} at {version}: a decoded message encodes to {} bytes, over the limit of {limit}",
        first.len()
    );
    let again = M::decode_payload(&command, &Bytes::from(first.clone()), version)
        .unwrap_or_else(|e| panic!("{command} at {version}: its own encoding does not decode: {e}\n{msg:?}"));
    assert_eq!(again, expected, "{command} at {version}: decode(encode(m)) != m");
    let second = encode(&again, version);
    assert_eq!(second, first, "{command} at {version}: encodings differ");
}

fn encode<M: WireMessage>(msg: &M, version: u32) -> Vec<u8> {
    let mut out = Vec::new();
    msg.encode_payload(EncodeOptions::new(version), &mut out)
        .unwrap_or_else(|e| panic!("a decoded {} does not encode at {version}: {e}\n{msg:?}", msg.command()));
    out
}
