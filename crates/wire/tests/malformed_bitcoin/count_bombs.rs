//! Count bombs allocate nothing large.

use crate::build::{cat, cmd, field, header, header80, legacy_tx_bytes, segwit_tx_head, varint};
use crate::counter::allocations;
use crate::{MAINNET_MAGIC, PVER};
use bytes::Bytes;
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::{ErrorKind, FrameDecoder, Network, WireMessage};

#[test]
fn allocator_counts_what_a_decode_allocates() {
    // Positive control: 100 inventory vectors do allocate their 3,600 bytes, so the bombs' small numbers mean
    // something.
    let mut p = varint(100);
    for i in 0..100u8 {
        p.extend_from_slice(&1u32.to_le_bytes());
        p.extend_from_slice(&[i; 32]);
    }
    let p = Bytes::from(p);
    let (msg, total, largest) = allocations(|| Message::decode_payload(&cmd("inv"), &p, PVER));
    assert!(matches!(msg, Ok(Message::Inv(ref v)) if v.len() == 100));
    assert!(largest >= 3600 && total >= 3600, "total {total}, largest {largest}");
}

#[test]
fn count_bombs_allocate_less_than_4_kib() {
    let bombs: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "inv claiming 50,000 vectors in 10 bytes",
            "inv",
            cat(&[&varint(50_000), &[0; 7]]),
        ),
        ("getdata count u64::MAX", "getdata", varint(u64::MAX)),
        (
            "addr claiming 1000 addresses in 5 bytes",
            "addr",
            cat(&[&varint(1000), &[0; 2]]),
        ),
        (
            "tx claiming 2^32 inputs",
            "tx",
            cat(&[&1i32.to_le_bytes(), &varint(1 << 32), &[0; 20]]),
        ),
        (
            "tx claiming 97,560 inputs",
            "tx",
            cat(&[&1i32.to_le_bytes(), &varint(97_560), &[0; 11]]),
        ),
        (
            "tx claiming 24,390 outputs",
            "tx",
            cat(&[&legacy_tx_bytes()[..46], &varint(24_390), &[0; 11]]),
        ),
        (
            "segwit tx claiming 4,000,000 witness items",
            "tx",
            cat(&[&segwit_tx_head(), &varint(4_000_000), &[0; 8]]),
        ),
        (
            "block claiming 400,000 transactions",
            "block",
            cat(&[&header80(), &varint(400_000), &[0; 5]]),
        ),
        (
            "headers claiming 2000 headers",
            "headers",
            cat(&[&varint(2000), &[0; 97]]),
        ),
        (
            "getblocktxn claiming 400,001 indexes",
            "getblocktxn",
            cat(&[&[0; 32], &varint(400_001), &[0; 3]]),
        ),
        (
            "cmpctblock claiming 400,001 short ids",
            "cmpctblock",
            cat(&[&header80(), &[0; 8], &varint(400_001), &[0; 6]]),
        ),
        (
            "merkleblock claiming 400,001 hashes",
            "merkleblock",
            cat(&[&header80(), &[0; 4], &varint(400_001), &[0; 6]]),
        ),
        (
            "cfcheckpt claiming 100,000 headers",
            "cfcheckpt",
            cat(&[&[0], &[0; 32], &varint(100_000), &[0; 6]]),
        ),
        ("addrv2 claiming 1000 entries", "addrv2", cat(&[&varint(1000), &[0; 6]])),
    ];
    for (name, command, bytes) in bombs {
        let payload = Bytes::from(bytes);
        let c = cmd(command);
        let (result, total, largest) = allocations(|| Message::decode_payload(&c, &payload, PVER));
        let e = result.expect_err(name);
        assert!(
            matches!(
                e.kind,
                ErrorKind::UnexpectedEnd { .. } | ErrorKind::CountTooLarge { .. }
            ),
            "{name}: {e}"
        );
        assert!(
            total < 4096,
            "{name}: allocated {total} bytes (largest {largest}) for a {}-byte payload",
            payload.len()
        );
    }
}

#[test]
fn oversize_headers_are_refused_before_anything_is_reserved() {
    for (command, length) in [
        ("block", 4_000_001u32),
        ("zzz", u32::MAX),
        ("inv", 1_800_010),
        ("version", 359),
        ("verack", 1),
    ] {
        let mut dec = FrameDecoder::new(Network::BITCOIN, PVER);
        dec.extend_from_slice(&header(MAINNET_MAGIC, field(command.as_bytes()), length, [0; 4]));
        dec.extend_from_slice(&[0; 10]);
        let (result, total, largest) = allocations(|| dec.next_frame());
        assert!(result.is_err(), "{command} of {length} bytes");
        assert!(
            total < 4096,
            "{command} of {length} bytes: allocated {total} (largest {largest})"
        );
    }
}
