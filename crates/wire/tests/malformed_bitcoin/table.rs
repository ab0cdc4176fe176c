//! The table: every hostile input fails with its exact error, fed whole or byte by byte, bare or framed.

use crate::build::{cmd, frame};
use crate::framing_cases::framing_cases;
use crate::payload_cases::payload_cases;
use crate::PVER;
use bytes::Bytes;
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::{DecodeError, FrameDecoder, Network, WireMessage};

pub enum Input {
    /// Bytes fed to a mainnet `FrameDecoder` at protocol `version`; every frame is decoded as a `Message`.
    Stream { version: u32, bytes: Vec<u8> },
    /// A payload given to `Message::decode_payload`.
    Payload {
        command: &'static str,
        version: u32,
        bytes: Vec<u8>,
    },
}

pub fn stream(bytes: Vec<u8>) -> Input {
    Input::Stream { version: PVER, bytes }
}

pub fn payload(command: &'static str, bytes: Vec<u8>) -> Input {
    Input::Payload {
        command,
        version: PVER,
        bytes,
    }
}

pub fn payload_at(command: &'static str, version: u32, bytes: Vec<u8>) -> Input {
    Input::Payload {
        command,
        version,
        bytes,
    }
}

/// Every hostile input, with the error it must give.
fn cases() -> Vec<(&'static str, Input, DecodeError)> {
    let mut cases = framing_cases();
    cases.extend(payload_cases());
    cases
}

/// Feeds `bytes` to a mainnet decoder `chunk` bytes at a time and decodes every frame; the first error.
fn stream_error(version: u32, bytes: &[u8], chunk: usize) -> Option<DecodeError> {
    let mut dec = FrameDecoder::new(Network::BITCOIN, version);
    for piece in bytes.chunks(chunk.max(1)) {
        dec.extend_from_slice(piece);
        loop {
            match dec.next_frame() {
                Ok(Some(frame)) => {
                    if let Err(e) = frame.decode::<Message>(version) {
                        return Some(e);
                    }
                }
                Ok(None) => break,
                Err(e) => return Some(e),
            }
        }
    }
    None
}

#[test]
fn each_hostile_input_fails_with_its_exact_error() {
    let cases = cases();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    let mut kinds = std::collections::BTreeSet::new();
    for (name, input, expected) in &cases {
        let got = match input {
            Input::Stream { version, bytes } => {
                let whole = stream_error(*version, bytes, usize::MAX);
                let bytewise = stream_error(*version, bytes, 1);
                assert_eq!(whole, bytewise, "{name}: fed whole vs byte by byte");
                whole.unwrap_or_else(|| panic!("{name}: no error"))
            }
            Input::Payload {
                command,
                version,
                bytes,
            } => {
                let payload = Bytes::copy_from_slice(bytes);
                let got =
                    Message::decode_payload(&cmd(command), &payload, *version).expect_err(&format!("{name}: decodes"));
                // Framed, the same payload gives the same error, still counted from the payload's start.
                let limit = coinpeer_wire::bitcoin::max_payload_len(command, *version).unwrap();
                if bytes.len() as u64 <= u64::from(limit) {
                    let framed = frame(command, bytes);
                    assert_eq!(
                        stream_error(*version, &framed, usize::MAX).as_ref(),
                        Some(&got),
                        "{name}: framed"
                    );
                }
                got
            }
        };
        assert_eq!(&got, expected, "{name}");
        // Every error renders without panicking and names its command.
        let text = got.to_string();
        if let Some(c) = &got.command {
            assert!(text.starts_with(c.as_str()), "{name}: {text}");
        }
        kinds.insert(
            format!("{:?}", got.kind)
                .split([' ', '(', '{'])
                .next()
                .unwrap()
                .to_string(),
        );
    }
    let all = [
        "UnexpectedEnd",
        "NonCanonicalVarInt",
        "TrailingBytes",
        "CountTooLarge",
        "LengthTooLarge",
        "InvalidValue",
        "WrongMagic",
        "BadChecksum",
        "MessageTooLarge",
        "PayloadTooLarge",
        "MalformedCommand",
        "UnsupportedAtVersion",
    ];
    for k in all {
        assert!(kinds.contains(k), "no case gives {k}: {kinds:?}");
    }
}
