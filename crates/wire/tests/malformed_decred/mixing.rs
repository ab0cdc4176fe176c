//! The mixing messages: count bombs fail cheaply, and invalid values are refused both ways.

use crate::tracking::largest_allocation;
use crate::{cmd, decode, err, PVER};
use bytes::Bytes;
use coinpeer_wire::decred::{Message, MixCiphertexts, MixDCNet};
use coinpeer_wire::{EncodeError, EncodeOptions, ErrorKind, WireMessage};

/// The fields every mixing message but the pair request starts with: signature, identity, session, run.
const MIX_HEAD: usize = 64 + 33 + 32 + 4;

#[test]
fn count_bombs_in_mixing_messages_fail_cheaply() {
    let head = vec![0u8; MIX_HEAD];
    let with = |prefix: &[u8], tail: &[u8]| [prefix, tail].concat();
    let pair_req_head = {
        // signature, identity, expiry, amount, empty script class, tx version, lock time, count, input value
        let mut p = vec![0u8; 64 + 33 + 4 + 8];
        p.push(0);
        p.extend_from_slice(&[0; 2 + 4 + 4 + 8]);
        p
    };
    let key_exchange_head = vec![0u8; 64 + 33 + 32 + 8 + 4 + 4 + 33 + 1218 + 32];
    let cases: Vec<(&str, Vec<u8>, ErrorKind, u64)> = vec![
        (
            "mixcphrtxt",
            with(&head, &[0xfd, 0x00, 0x02]),
            ErrorKind::UnexpectedEnd {
                needed: 512 * (1047 + 32),
                available: 0,
            },
            MIX_HEAD as u64 + 3,
        ),
        (
            "mixcphrtxt",
            with(&head, &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            ErrorKind::CountTooLarge {
                what: "ciphertexts",
                count: u64::MAX,
                max: 512,
            },
            MIX_HEAD as u64,
        ),
        (
            "mixdcnet",
            with(&head, &[0xfd, 0x00, 0x04, 0xfd, 0x00, 0x04, 20]),
            ErrorKind::UnexpectedEnd {
                needed: 1024 * 1024 * 20,
                available: 0,
            },
            MIX_HEAD as u64 + 7,
        ),
        (
            "mixdcnet",
            with(&head, &[0xfd, 0x01, 0x04, 0x01, 20]),
            ErrorKind::CountTooLarge {
                what: "DC-net vectors",
                count: 1025,
                max: 1024,
            },
            MIX_HEAD as u64,
        ),
        (
            "mixdcnet",
            with(&head, &[0x01, 0xfe, 0xff, 0xff, 0xff, 0xff, 20]),
            ErrorKind::CountTooLarge {
                what: "DC-net vector length",
                count: u64::from(u32::MAX),
                max: 1024,
            },
            MIX_HEAD as u64 + 1,
        ),
        (
            "mixslotres",
            // Enough bytes for 1024 rows, not for 1024 rows of 512 columns.
            with(&head, &[&[0xfd, 0x00, 0x04, 0xfd, 0x00, 0x02][..], &[0; 2000]].concat()),
            ErrorKind::UnexpectedEnd {
                needed: 1024 * 512,
                available: 2000,
            },
            MIX_HEAD as u64 + 6,
        ),
        (
            "mixkeyxchg",
            with(&key_exchange_head, &[0xfd, 0x00, 0x02]),
            ErrorKind::UnexpectedEnd {
                needed: 512 * 32,
                available: 0,
            },
            key_exchange_head.len() as u64 + 3,
        ),
        (
            "mixpairreq",
            with(&pair_req_head, &[0xfd, 0x00, 0x02]),
            ErrorKind::UnexpectedEnd {
                needed: 512 * 41,
                available: 0,
            },
            pair_req_head.len() as u64 + 3,
        ),
        (
            "mixfactpoly",
            with(&head, &[0xfd, 0x00, 0x04]),
            ErrorKind::UnexpectedEnd {
                needed: 1024,
                available: 0,
            },
            MIX_HEAD as u64 + 3,
        ),
        (
            "mixsecrets",
            with(&with(&head, &[0; 32]), &[0xfd, 0x00, 0x04]),
            ErrorKind::UnexpectedEnd {
                needed: 1024,
                available: 0,
            },
            MIX_HEAD as u64 + 32 + 3,
        ),
        (
            "mixsecrets",
            with(&with(&head, &[0; 32]), &[0x00, 0xfd, 0x00, 0x04, 20]),
            ErrorKind::UnexpectedEnd {
                needed: 1024 * 20,
                available: 0,
            },
            MIX_HEAD as u64 + 32 + 5,
        ),
        (
            "mixconfirm",
            with(&head, &[1, 0, 0, 0, 0xfe, 0x00, 0x00, 0x01, 0x00]),
            ErrorKind::UnexpectedEnd {
                needed: 65_536 * 41,
                available: 0,
            },
            MIX_HEAD as u64 + 9,
        ),
    ];
    // The tracker sees a large allocation when there is one.
    let (v, largest) = largest_allocation(|| vec![1u8; 100_000]);
    assert!(largest >= 100_000 && v.len() == 100_000);
    for (command, payload, kind, offset) in cases {
        let payload = Bytes::from(payload);
        let (r, largest) = largest_allocation(|| Message::decode_payload(&cmd(command), &payload, PVER).map(|_| ()));
        let e = r.expect_err(command);
        assert_eq!((e.kind, e.offset), (kind, offset), "{command}");
        assert!(largest < 4096, "{command} allocated {largest} bytes");
    }
}

#[test]
fn mixing_messages_refuse_invalid_values() {
    let head = [0u8; MIX_HEAD];
    // DC-net messages are 20 bytes; another size is refused.
    let (kind, offset) = err("mixdcnet", &[&head[..], &[1, 1, 21]].concat(), PVER);
    assert!(matches!(
        kind,
        ErrorKind::InvalidValue {
            what: "DC-net message size",
            ..
        }
    ));
    assert_eq!(offset, MIX_HEAD as u64 + 2);
    // dcrd decodes an empty DC-net but will not encode one.
    let empty = decode("mixdcnet", &[&head[..], &[0, 0]].concat(), PVER).unwrap();
    let Message::MixDCNet(m) = &empty else { panic!() };
    assert!(m.dc_net.is_empty());
    assert!(matches!(
        empty.encode_payload(EncodeOptions::new(PVER), &mut Vec::new()),
        Err(EncodeError::InvalidValue {
            what: "DC-net vectors",
            ..
        })
    ));
    let ragged = Message::MixDCNet(Box::new(MixDCNet {
        dc_net: vec![vec![[0; 20]; 2], vec![[0; 20]; 1]],
        ..(**m).clone()
    }));
    assert!(ragged
        .encode_payload(EncodeOptions::new(PVER), &mut Vec::new())
        .is_err());
    // A slot reservation needs at least one row and one column.
    let (kind, offset) = err("mixslotres", &[&head[..], &[0]].concat(), PVER);
    assert!(matches!(
        kind,
        ErrorKind::InvalidValue {
            what: "slot reservation messages",
            ..
        }
    ));
    assert_eq!(offset, MIX_HEAD as u64);
    let (kind, _) = err("mixslotres", &[&head[..], &[1, 0]].concat(), PVER);
    assert!(matches!(
        kind,
        ErrorKind::InvalidValue {
            what: "mixing peers",
            ..
        }
    ));
    // Ciphertexts and seen key exchanges share one count.
    let ct = Message::MixCiphertexts(Box::new(MixCiphertexts {
        signature: [0; 64],
        identity: [0; 33],
        session_id: [0; 32],
        run: 0,
        ciphertexts: vec![[0; 1047]],
        seen_key_exchanges: vec![],
    }));
    assert!(matches!(
        ct.encode_payload(EncodeOptions::new(PVER), &mut Vec::new()),
        Err(EncodeError::InvalidValue {
            what: "ciphertexts",
            ..
        })
    ));
    // Pair requests: negative amounts, a bad change flag, a non-ASCII script class.
    let mut pr = vec![0u8; 64 + 33 + 4];
    pr.extend_from_slice(&(-1i64).to_le_bytes());
    let (kind, offset) = err("mixpairreq", &pr, PVER);
    assert!(matches!(kind, ErrorKind::InvalidValue { what: "mix amount", .. }));
    assert_eq!(offset, 101);
    let mut pr = vec![0u8; 64 + 33 + 4 + 8];
    pr.extend_from_slice(&[2, 0xc3, 0xa9]);
    let (kind, _) = err("mixpairreq", &pr, PVER);
    assert!(matches!(
        kind,
        ErrorKind::InvalidValue {
            what: "script class",
            ..
        }
    ));
    let mut pr = vec![0u8; 64 + 33 + 4 + 8 + 1 + 2 + 4 + 4 + 8];
    pr.extend_from_slice(&[0, 2]);
    let (kind, offset) = err("mixpairreq", &pr, PVER);
    assert!(matches!(
        kind,
        ErrorKind::InvalidValue {
            what: "change flag",
            ..
        }
    ));
    assert_eq!(offset, pr.len() as u64 - 1);
    // Below version 10 there is no mixing at all.
    assert_eq!(
        err("mixdcnet", &[], 9),
        (ErrorKind::UnsupportedAtVersion { version: 9 }, 0)
    );
}
