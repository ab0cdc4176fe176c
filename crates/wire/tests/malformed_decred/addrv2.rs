//! The addrv2 layout and its errors.

use crate::{decode, err, PVER};
use coinpeer_wire::decred::{AddrV2, AddrV2Entry, Message};
use coinpeer_wire::messages::ServiceFlags;
use coinpeer_wire::{EncodeError, EncodeOptions, ErrorKind, WireMessage};
use std::net::Ipv4Addr;

fn addrv2_payload(type_byte: u8, addr: &[u8]) -> Vec<u8> {
    let mut p = vec![1u8];
    p.extend_from_slice(&1_700_000_000u64.to_le_bytes());
    p.extend_from_slice(&1u64.to_le_bytes());
    p.push(type_byte);
    p.extend_from_slice(addr);
    p.extend_from_slice(&9108u16.to_le_bytes());
    p
}

#[test]
fn addrv2_layout_and_its_errors() {
    let ok = decode("addrv2", &addrv2_payload(1, &[10, 0, 0, 1]), PVER).unwrap();
    assert_eq!(
        ok,
        Message::AddrV2(vec![AddrV2Entry {
            time: 1_700_000_000,
            services: ServiceFlags::NETWORK,
            addr: AddrV2::Ipv4(Ipv4Addr::new(10, 0, 0, 1)),
            // Little-endian on the wire: 9108 = 0x2394 is sent 94 23.
            port: 9108,
        }])
    );
    assert_eq!(&addrv2_payload(1, &[10, 0, 0, 1])[22..], &[0x94, 0x23]);
    assert!(decode("addrv2", &addrv2_payload(2, &[0; 16]), PVER).is_ok());
    assert!(decode("addrv2", &addrv2_payload(3, &[7; 32]), PVER).is_ok());
    for bad in [0u8, 4, 5, 0xff] {
        let (kind, offset) = err("addrv2", &addrv2_payload(bad, &[0; 16]), PVER);
        assert!(
            matches!(
                kind,
                ErrorKind::InvalidValue {
                    what: "addrv2 address type",
                    ..
                }
            ),
            "type {bad}: {kind:?}"
        );
        assert_eq!(offset, 17);
    }
    assert_eq!(
        err("addrv2", &[0], PVER),
        (
            ErrorKind::InvalidValue {
                what: "addresses",
                detail: "count 0, at least 1".into()
            },
            0
        )
    );
    assert_eq!(
        err("addrv2", &[0xfd, 0xe9, 0x03], PVER).0,
        ErrorKind::CountTooLarge {
            what: "addresses",
            count: 1001,
            max: 1000
        }
    );
    assert_eq!(
        Message::AddrV2(vec![]).encode_payload(EncodeOptions::new(PVER), &mut Vec::new()),
        Err(EncodeError::InvalidValue {
            what: "addresses",
            detail: "addrv2 needs at least one address".into()
        })
    );
    // addrv2 before 12 and addr from 12 do not exist.
    assert_eq!(
        err("addrv2", &addrv2_payload(1, &[1, 2, 3, 4]), 11),
        (ErrorKind::UnsupportedAtVersion { version: 11 }, 0)
    );
    assert_eq!(
        err("addr", &[0], 12),
        (ErrorKind::UnsupportedAtVersion { version: 12 }, 0)
    );
    assert_eq!(decode("addr", &[0], 11).unwrap(), Message::Addr(vec![]));
}
