//! Arbitrary bytes as the payload of a Bitcoin command: whenever they decode, the message re-encodes, decodes
//! to an equal message, and that one encodes to the same bytes.
//!
//! Input: byte 0 picks the command from `bitcoin::COMMANDS`, byte 1 the protocol version, then the payload.
#![no_main]

use bytes::Bytes;
use coinpeer_wire::bitcoin::{version, Message, COMMANDS};
use coinpeer_wire::messages::MAX_USER_AGENT_LEN;
use coinpeer_wire::{Command, EncodeOptions, WireMessage};
use libfuzzer_sys::fuzz_target;

/// Bitcoin protocol versions around every change of encoding or message set.
const VERSIONS: &[u32] = &[
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

fn encode(msg: &Message, version: u32) -> Vec<u8> {
    let mut out = Vec::new();
    msg.encode_payload(EncodeOptions::new(version), &mut out)
        .unwrap_or_else(|e| panic!("a decoded {} does not encode at {version}: {e}\n{msg:?}", msg.command()));
    out
}

/// KNOWN DIVERGENCE 1 (reported, not fixed): a user agent is decoded with invalid UTF-8 replaced by U+FFFD (3
/// bytes each), so a valid 256-byte user agent can decode to a string of up to 768 bytes, which the encoder
/// refuses. Such a message cannot be re-encoded at all, so there is nothing to compare.
fn cannot_be_reencoded(msg: &Message) -> bool {
    matches!(msg, Message::Version(v) if v.user_agent.len() > MAX_USER_AGENT_LEN)
}

/// What of `msg` its encoding at `version` can carry, where that is knowingly less than what was decoded.
///
/// KNOWN DIVERGENCE 2 (reported, not fixed): below BIP37 (70001) a version message's relay byte is read when
/// present but never written, as btcd does, so a decoded `relay: false` comes back `true`.
fn carried(mut msg: Message, version: u32) -> Message {
    if let Message::Version(v) = &mut msg {
        if version < version::BIP0037 {
            v.relay = true;
        }
    }
    msg
}

fuzz_target!(|data: &[u8]| {
    let [c, v, payload @ ..] = data else {
        return;
    };
    let name = COMMANDS[usize::from(*c) % COMMANDS.len()];
    let version = VERSIONS[usize::from(*v) % VERSIONS.len()];
    let command = Command::new(name).expect("a known command is valid");
    let Ok(msg) = Message::decode_payload(&command, &Bytes::copy_from_slice(payload), version) else {
        return;
    };
    assert_eq!(msg.command(), command);
    let _ = msg.summary();
    if cannot_be_reencoded(&msg) {
        return;
    }
    let first = encode(&msg, version);
    let again = Message::decode_payload(&command, &Bytes::from(first.clone()), version)
        .unwrap_or_else(|e| panic!("{name} at {version}: its own encoding does not decode: {e}\n{msg:?}"));
    assert_eq!(
        again,
        carried(msg, version),
        "{name} at {version}: decode(encode(m)) != m"
    );
    let second = encode(&again, version);
    assert_eq!(second, first, "{name} at {version}: encodings differ");
});
