//! Bad Decred input fails with the exact typed error, at the right byte, and cheaply: bad checksums and magic,
//! per-type size limits checked from the header, the addrv2 rules, count bombs in the mixing messages (checked
//! with an allocator that records the largest allocation), truncations and trailing bytes.

use bytes::{Bytes, BytesMut};
use coinpeer_wire::decred::{
    blake256_hash, version, AddrV2, AddrV2Entry, Message, MixCiphertexts, MixDCNet, Transaction, TxSerType,
};
use coinpeer_wire::encode::from_bytes;
use coinpeer_wire::messages::ServiceFlags;
use coinpeer_wire::{
    encode_frame, Command, DecodeError, Dialect, EncodeError, EncodeOptions, ErrorKind, FrameDecoder, Network,
    WireMessage, HEADER_LEN,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::Ipv4Addr;

/// Records, per thread, the largest single allocation, so that a test can show a decoder reserved nothing
/// in proportion to a count it was sent.
struct Tracking;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the thread-local is a plain `Cell` with a
// const initialiser and no destructor, so touching it never allocates or re-enters the allocator.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = LARGEST.try_with(|l| l.set(l.get().max(layout.size())));
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = LARGEST.try_with(|l| l.set(l.get().max(new_size)));
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

/// Runs `f` and returns its result with the largest allocation it made on this thread.
fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|l| l.set(0));
    let r = f();
    (r, LARGEST.with(Cell::get))
}

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
