//! Framing: a bad checksum or magic, and per-type size limits checked from the header alone.

use crate::{cmd, frame, header, header_error, PVER};
use bytes::BytesMut;
use coinpeer_wire::decred::{blake256_hash, Message};
use coinpeer_wire::{encode_frame, EncodeError, EncodeOptions, ErrorKind, FrameDecoder, Network, HEADER_LEN};

#[test]
fn bad_blake256_checksum_is_refused() {
    let net = Network::DECRED_SIMNET;
    let mut wire = frame(&net, &Message::Ping(0x0102_0304_0506_0708), PVER);
    let payload = wire[HEADER_LEN..].to_vec();
    let good: [u8; 4] = blake256_hash(&payload).0[..4].try_into().unwrap();
    assert_eq!(wire[20..24], good);
    wire[20] ^= 0xff;
    let mut dec = FrameDecoder::new(net.clone(), PVER);
    dec.extend_from_slice(&wire);
    let e = dec.next_frame().unwrap_err();
    let mut bad = good;
    bad[0] ^= 0xff;
    assert_eq!(
        e.kind,
        ErrorKind::BadChecksum {
            expected: bad,
            computed: good
        }
    );
    assert_eq!((e.offset, e.command), (20, Some(cmd("ping"))));

    // Bitcoin's checksum (double SHA-256) is not Decred's.
    let mut wire = frame(&net, &Message::Verack, PVER);
    wire[20..24].copy_from_slice(&[0x5d, 0xf6, 0xe0, 0xe2]);
    let mut dec = FrameDecoder::new(net, PVER);
    dec.extend_from_slice(&wire);
    assert!(matches!(
        dec.next_frame().unwrap_err().kind,
        ErrorKind::BadChecksum {
            computed: [0x71, 0x6f, 0x6e, 0x86],
            ..
        }
    ));
}

#[test]
fn wrong_magic_is_refused_from_the_header() {
    let wire = frame(&Network::DECRED_TESTNET3, &Message::Verack, PVER);
    let mut dec = FrameDecoder::new(Network::DECRED, PVER);
    dec.extend_from_slice(&wire);
    let e = dec.next_frame().unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::WrongMagic {
            expected: 0xd9b4_00f9,
            found: 0xb194_aa75
        }
    );
    assert_eq!(e.offset, 0);
}

#[test]
fn oversize_messages_are_refused_from_the_header() {
    let net = Network::DECRED;
    for (command, max) in [
        ("mixpairreq", 8_476_848),
        ("mixkeyxchg", 17_815),
        ("mixcphrtxt", 552_584),
        ("mixslotres", 17_318_030),
        ("mixfactpoly", 49_291),
        ("mixdcnet", 20_988_047),
        ("mixconfirm", 1_016_520),
        ("mixsecrets", 70_831),
        ("block", 1_310_720),
        ("headers", 362_003),
        ("addrv2", 51_003),
        ("cfiltersv2", 26_321_001),
    ] {
        let e = header_error(&net, command, max + 1, PVER);
        assert_eq!(
            e.kind,
            ErrorKind::PayloadTooLarge {
                length: u64::from(max) + 1,
                max: u64::from(max)
            },
            "{command}"
        );
        assert_eq!((e.offset, e.command), (16, Some(cmd(command))));
    }
    // Messages a version does not have may carry nothing at all (dcrd's zero limits).
    for (command, pver) in [
        ("mixdcnet", 9),
        ("addr", 12),
        ("addrv2", 11),
        ("initstate", 7),
        ("reject", 9),
    ] {
        let e = header_error(&net, command, 1, pver);
        assert_eq!(
            e.kind,
            ErrorKind::PayloadTooLarge { length: 1, max: 0 },
            "{command} at {pver}"
        );
    }
    // Old versions had smaller blocks.
    let e = header_error(&net, "block", 1_000_001, 3);
    assert_eq!(
        e.kind,
        ErrorKind::PayloadTooLarge {
            length: 1_000_001,
            max: 1_000_000
        }
    );
    // Over 32 MiB nothing is acceptable, known command or not.
    let e = header_error(&net, "whatever", 32 * 1024 * 1024 + 1, PVER);
    assert_eq!(
        e.kind,
        ErrorKind::MessageTooLarge {
            length: 32 * 1024 * 1024 + 1,
            max: 32 * 1024 * 1024
        }
    );
    // A command with an embedded NUL is malformed.
    let mut h = header(&net, "ping", 8);
    h[6] = 0;
    let mut dec = FrameDecoder::new(net.clone(), PVER);
    dec.extend_from_slice(&h);
    assert!(matches!(
        dec.next_frame().unwrap_err().kind,
        ErrorKind::MalformedCommand(_)
    ));
    // And the encoder refuses what the decoder would.
    let big = Message::CFTypes(vec![0; 300]);
    assert_eq!(
        encode_frame(&net, &big, EncodeOptions::new(PVER), &mut BytesMut::new()).unwrap_err(),
        EncodeError::CountTooLarge {
            what: "filter types",
            count: 300,
            max: 256
        }
    );
}
