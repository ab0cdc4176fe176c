//! Truncations, trailing bytes, transaction serialization errors and strings that are not printable ASCII.

use crate::tracking::largest_allocation;
use crate::{decode, err, PVER};
use bytes::Bytes;
use coinpeer_wire::decred::{Transaction, TxSerType};
use coinpeer_wire::encode::from_bytes;
use coinpeer_wire::ErrorKind;

#[test]
fn truncations_and_trailing_bytes() {
    assert_eq!(
        err("ping", &[0; 7], PVER),
        (
            ErrorKind::UnexpectedEnd {
                needed: 8,
                available: 7
            },
            0
        )
    );
    assert_eq!(err("pong", &[0; 9], PVER), (ErrorKind::TrailingBytes { count: 1 }, 8));
    assert_eq!(err("verack", &[0], PVER), (ErrorKind::TrailingBytes { count: 1 }, 0));
    // A header cut inside its stake fields.
    let (kind, offset) = err("headers", &[&[1u8][..], &[0; 150]].concat(), PVER);
    assert_eq!(
        (kind, offset),
        (
            ErrorKind::UnexpectedEnd {
                needed: 181,
                available: 150
            },
            1
        )
    );
    // A header followed by a non-zero transaction count.
    let mut headers = vec![1u8];
    headers.extend_from_slice(&[0; 180]);
    headers.push(1);
    let (kind, offset) = err("headers", &headers, PVER);
    assert!(matches!(
        kind,
        ErrorKind::InvalidValue {
            what: "header transaction count",
            ..
        }
    ));
    assert_eq!(offset, 181);
    // A block with trailing bytes after its stake tree.
    let mut block = vec![0u8; 180];
    block.extend_from_slice(&[0, 0, 0xaa]);
    assert_eq!(err("block", &block, PVER), (ErrorKind::TrailingBytes { count: 1 }, 182));
    // Non-canonical varints are refused here too.
    assert_eq!(
        err("inv", &[0xfd, 0x01, 0x00], PVER),
        (ErrorKind::NonCanonicalVarInt { value: 1 }, 0)
    );
}

#[test]
fn transaction_serialization_errors() {
    // Serialization type 3 does not exist.
    let raw = Bytes::from_static(&[1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let e = from_bytes::<Transaction>(&raw, PVER).unwrap_err();
    assert!(matches!(
        e.kind,
        ErrorKind::InvalidValue {
            what: "transaction serialization type",
            ..
        }
    ));
    assert_eq!(e.offset, 0);
    // A full transaction whose witness count differs from its input count.
    let tx = Transaction {
        ser_type: TxSerType::Full,
        version: 1,
        inputs: vec![Default::default()],
        ..Default::default()
    };
    let mut raw = coinpeer_wire::encode::to_vec(&tx);
    let witness_count_at = 4 + 1 + 41 + 1 + 4 + 4;
    assert_eq!(raw[witness_count_at], 1);
    raw[witness_count_at] = 2;
    let e = from_bytes::<Transaction>(&Bytes::from(raw), PVER).unwrap_err();
    assert!(matches!(
        e.kind,
        ErrorKind::InvalidValue {
            what: "witness count",
            ..
        }
    ));
    assert_eq!(e.offset, witness_count_at as u64);
    // Input count bombs in a tx message.
    let (r, largest) = largest_allocation(|| decode("tx", &[1, 0, 0, 0, 0xfe, 0x00, 0x00, 0x0b, 0x00], PVER));
    assert_eq!(
        r.unwrap_err().kind,
        ErrorKind::UnexpectedEnd {
            needed: 0x000b_0000 * 41,
            available: 0
        }
    );
    assert!(largest < 4096);
    let e = decode("tx", &[1, 0, 0, 0, 0xfe, 0x00, 0x00, 0x00, 0x01], PVER).unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::CountTooLarge {
            what: "transaction inputs",
            count: 1 << 24,
            max: 780_336
        }
    );
}

#[test]
fn strings_must_be_printable_ascii() {
    let mut v = Vec::new();
    v.extend_from_slice(&12i32.to_le_bytes());
    v.extend_from_slice(&[0; 8 + 8 + 26 + 26 + 8]);
    v.extend_from_slice(&[2, 0xc3, 0xa9]);
    let (kind, offset) = err("version", &v, PVER);
    assert!(matches!(kind, ErrorKind::InvalidValue { what: "user agent", .. }));
    assert_eq!(offset, 80);
    let (kind, offset) = err("getinitstate", &[1, 2, b'a', 0x07], PVER);
    assert!(matches!(
        kind,
        ErrorKind::InvalidValue {
            what: "init state type",
            ..
        }
    ));
    assert_eq!(offset, 2);
    // reject only before version 9, and with printable strings.
    assert_eq!(
        err("reject", &[0, 1, 0], 9),
        (ErrorKind::UnsupportedAtVersion { version: 9 }, 0)
    );
    assert!(decode("reject", &[0, 1, 0], 8).is_ok());
    let (kind, _) = err("reject", &[1, 0x80, 1, 0], 8);
    assert!(matches!(
        kind,
        ErrorKind::InvalidValue {
            what: "rejected command",
            ..
        }
    ));
    // A rejected block needs its hash.
    let (kind, _) = err("reject", &[&[5u8][..], b"block", &[0x10, 0], &[0; 31]].concat(), 8);
    assert_eq!(
        kind,
        ErrorKind::UnexpectedEnd {
            needed: 32,
            available: 31
        }
    );
}
