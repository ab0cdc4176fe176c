//! The table's hostile frames: magic, command, sizes and checksum.

use crate::build::{cat, checksum, end, err, field, frame, header};
use crate::table::{stream, Input};
use crate::{MAINNET_MAGIC, TESTNET3_MAGIC};
use coinpeer_wire::bitcoin::version;
use coinpeer_wire::{DecodeError, ErrorKind};

/// Streams with a bad frame, and the error each gives at its stream offset.
pub fn framing_cases() -> Vec<(&'static str, Input, DecodeError)> {
    let verack = frame("verack", &[]);
    let ping7 = 7u64.to_le_bytes();
    vec![
        // ----- Framing: magic, command, sizes, checksum; offsets count from the start of the stream. -----
        (
            "testnet3 magic on mainnet",
            stream(header(TESTNET3_MAGIC, field(b"verack"), 0, checksum(&[]))),
            err(
                None,
                0,
                ErrorKind::WrongMagic {
                    expected: MAINNET_MAGIC,
                    found: TESTNET3_MAGIC,
                },
            ),
        ),
        (
            "wrong magic in the second frame is reported at its stream offset",
            stream(cat(&[
                &verack,
                &header(0xdead_beef, field(b"verack"), 0, checksum(&[])),
            ])),
            err(
                None,
                24,
                ErrorKind::WrongMagic {
                    expected: MAINNET_MAGIC,
                    found: 0xdead_beef,
                },
            ),
        ),
        (
            "magic is checked before the command",
            stream(header(TESTNET3_MAGIC, [0; 12], u32::MAX, [0; 4])),
            err(
                None,
                0,
                ErrorKind::WrongMagic {
                    expected: MAINNET_MAGIC,
                    found: TESTNET3_MAGIC,
                },
            ),
        ),
        (
            "command with an embedded NUL",
            stream(header(MAINNET_MAGIC, field(b"pi\0ng"), 8, [0; 4])),
            err(None, 4, ErrorKind::MalformedCommand("pi\\u{0}ng".into())),
        ),
        (
            "command with text after the NUL padding",
            stream(header(MAINNET_MAGIC, field(b"ping\0\0\0x"), 8, [0; 4])),
            err(None, 4, ErrorKind::MalformedCommand("ping\\u{0}\\u{0}\\u{0}x".into())),
        ),
        (
            "command with a control character",
            stream(header(MAINNET_MAGIC, field(b"ping\x07"), 8, [0; 4])),
            err(None, 4, ErrorKind::MalformedCommand("ping\\u{7}".into())),
        ),
        (
            "command with DEL",
            stream(header(MAINNET_MAGIC, field(b"inv\x7f"), 0, [0; 4])),
            err(None, 4, ErrorKind::MalformedCommand("inv\\u{7f}".into())),
        ),
        (
            "command with a non-ASCII byte",
            stream(header(MAINNET_MAGIC, field(b"vers\xffion"), 0, [0; 4])),
            err(None, 4, ErrorKind::MalformedCommand("vers\\u{fffd}ion".into())),
        ),
        (
            "empty command",
            stream(header(MAINNET_MAGIC, [0; 12], 0, checksum(&[]))),
            err(None, 4, ErrorKind::MalformedCommand(String::new())),
        ),
        (
            "command is checked before the length",
            stream(header(MAINNET_MAGIC, [0; 12], 4_000_001, [0; 4])),
            err(None, 4, ErrorKind::MalformedCommand(String::new())),
        ),
        (
            "block of 4,000,001 bytes",
            stream(header(MAINNET_MAGIC, field(b"block"), 4_000_001, [0; 4])),
            err(
                Some("block"),
                16,
                ErrorKind::MessageTooLarge {
                    length: 4_000_001,
                    max: 4_000_000,
                },
            ),
        ),
        (
            "unknown command of 4,000,001 bytes",
            stream(header(MAINNET_MAGIC, field(b"zzz"), 4_000_001, [0; 4])),
            err(
                Some("zzz"),
                16,
                ErrorKind::MessageTooLarge {
                    length: 4_000_001,
                    max: 4_000_000,
                },
            ),
        ),
        (
            "the dialect's maximum is checked before the type's",
            stream(header(MAINNET_MAGIC, field(b"verack"), 4_000_001, [0; 4])),
            err(
                Some("verack"),
                16,
                ErrorKind::MessageTooLarge {
                    length: 4_000_001,
                    max: 4_000_000,
                },
            ),
        ),
        (
            "tx claiming u32::MAX bytes, after a verack",
            stream(cat(&[&verack, &header(MAINNET_MAGIC, field(b"tx"), u32::MAX, [0; 4])])),
            err(
                Some("tx"),
                24 + 16,
                ErrorKind::MessageTooLarge {
                    length: u32::MAX.into(),
                    max: 4_000_000,
                },
            ),
        ),
        (
            "verack with a 1-byte payload",
            stream(frame("verack", &[0])),
            err(Some("verack"), 16, ErrorKind::PayloadTooLarge { length: 1, max: 0 }),
        ),
        (
            "ping of 9 bytes",
            stream(frame("ping", &[0; 9])),
            err(Some("ping"), 16, ErrorKind::PayloadTooLarge { length: 9, max: 8 }),
        ),
        (
            "ping with a nonce at 60000, where it has none",
            Input::Stream {
                version: version::BIP0031,
                bytes: frame("ping", &[0; 8]),
            },
            err(Some("ping"), 16, ErrorKind::PayloadTooLarge { length: 8, max: 0 }),
        ),
        (
            "inv of 1,800,010 bytes",
            stream(header(MAINNET_MAGIC, field(b"inv"), 1_800_010, [0; 4])),
            err(
                Some("inv"),
                16,
                ErrorKind::PayloadTooLarge {
                    length: 1_800_010,
                    max: 1_800_009,
                },
            ),
        ),
        (
            "version of 359 bytes",
            stream(header(MAINNET_MAGIC, field(b"version"), 359, [0; 4])),
            err(
                Some("version"),
                16,
                ErrorKind::PayloadTooLarge { length: 359, max: 358 },
            ),
        ),
        (
            "version of 351 bytes below 31402 (no addr time)",
            Input::Stream {
                version: version::NET_ADDRESS_TIME - 1,
                bytes: header(MAINNET_MAGIC, field(b"version"), 351, [0; 4]),
            },
            err(
                Some("version"),
                16,
                ErrorKind::PayloadTooLarge { length: 351, max: 350 },
            ),
        ),
        (
            "headers of 162,010 bytes",
            stream(header(MAINNET_MAGIC, field(b"headers"), 162_010, [0; 4])),
            err(
                Some("headers"),
                16,
                ErrorKind::PayloadTooLarge {
                    length: 162_010,
                    max: 162_009,
                },
            ),
        ),
        (
            "verack with a zero checksum",
            stream(header(MAINNET_MAGIC, field(b"verack"), 0, [0; 4])),
            err(
                Some("verack"),
                20,
                ErrorKind::BadChecksum {
                    expected: [0; 4],
                    computed: [0x5d, 0xf6, 0xe0, 0xe2],
                },
            ),
        ),
        (
            "ping with a bad checksum after a verack",
            stream(cat(&[
                &verack,
                &header(MAINNET_MAGIC, field(b"ping"), 8, [1, 2, 3, 4]),
                &7u64.to_le_bytes(),
            ])),
            err(
                Some("ping"),
                24 + 20,
                ErrorKind::BadChecksum {
                    expected: [1, 2, 3, 4],
                    computed: checksum(&7u64.to_le_bytes()),
                },
            ),
        ),
        (
            "payload errors in a stream count from the payload's start",
            stream(cat(&[&verack, &frame("ping", &ping7[..7])])),
            err(Some("ping"), 0, end(8, 7)),
        ),
    ]
}
