//! The table's hostile payloads: truncations, non-canonical varints, trailing bytes, counts and lengths over
//! their maximum, invalid values, messages below their version, and count bombs.

use crate::build::{
    cat, count_too_large, end, err, header80, invalid, legacy_tx_bytes, length_too_large, segwit_tx_head, varint,
};
use crate::table::{payload, payload_at, Input};
use coinpeer_wire::bitcoin::version;
use coinpeer_wire::{DecodeError, ErrorKind};

/// Bad payloads, and the error each gives at its payload offset.
pub fn payload_cases() -> Vec<(&'static str, Input, DecodeError)> {
    let ping7 = 7u64.to_le_bytes();
    let inv_count_1 = cat(&[&[1], &1u32.to_le_bytes(), &[0xab; 32]]);
    vec![
        // ----- Payloads: UnexpectedEnd. -----
        (
            "ping of 7 bytes",
            payload("ping", ping7[..7].to_vec()),
            err(Some("ping"), 0, end(8, 7)),
        ),
        (
            "empty version",
            payload("version", vec![]),
            err(Some("version"), 0, end(4, 0)),
        ),
        (
            "inv vector one byte short",
            payload("inv", inv_count_1[..36].to_vec()),
            err(Some("inv"), 1, end(36, 35)),
        ),
        (
            "varint cut after its marker",
            payload("inv", vec![0xfd, 0x01]),
            err(Some("inv"), 1, end(2, 1)),
        ),
        (
            "tx cut inside its input's script",
            payload("tx", cat(&[&1i32.to_le_bytes(), &[1], &[0; 36], &[40], &[0; 10]])),
            err(Some("tx"), 42, end(40, 10)),
        ),
        // ----- Payloads: non-canonical varints in each width. -----
        (
            "inv count 0xfc in 3 bytes",
            payload("inv", vec![0xfd, 0xfc, 0x00]),
            err(Some("inv"), 0, ErrorKind::NonCanonicalVarInt { value: 0xfc }),
        ),
        (
            "tx script length 0 in 3 bytes",
            payload(
                "tx",
                cat(&[
                    &1i32.to_le_bytes(),
                    &[1],
                    &[0; 36],
                    &[0xfd, 0, 0],
                    &[0; 4],
                    &[0],
                    &[0; 4],
                ]),
            ),
            err(Some("tx"), 41, ErrorKind::NonCanonicalVarInt { value: 0 }),
        ),
        (
            "addrv2 services 0xffff in 5 bytes",
            payload(
                "addrv2",
                cat(&[
                    &[1],
                    &[0; 4],
                    &[0xfe, 0xff, 0xff, 0, 0],
                    &[1, 4, 1, 2, 3, 4],
                    &[0x20, 0x8d],
                ]),
            ),
            err(Some("addrv2"), 5, ErrorKind::NonCanonicalVarInt { value: 0xffff }),
        ),
        (
            "block tx count 0xffffffff in 9 bytes",
            payload(
                "block",
                cat(&[&header80(), &[0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]]),
            ),
            err(Some("block"), 80, ErrorKind::NonCanonicalVarInt { value: 0xffff_ffff }),
        ),
        // ----- Payloads: trailing bytes. -----
        (
            "verack with a payload",
            payload("verack", vec![0]),
            err(Some("verack"), 0, ErrorKind::TrailingBytes { count: 1 }),
        ),
        (
            "ping of 9 bytes",
            payload("ping", vec![0; 9]),
            err(Some("ping"), 8, ErrorKind::TrailingBytes { count: 1 }),
        ),
        (
            "inv with 2 bytes after its vector",
            payload("inv", cat(&[&inv_count_1, &[0, 0]])),
            err(Some("inv"), 37, ErrorKind::TrailingBytes { count: 2 }),
        ),
        (
            "tx with a byte after its lock time",
            payload("tx", cat(&[&legacy_tx_bytes(), &[0]])),
            err(
                Some("tx"),
                legacy_tx_bytes().len() as u64,
                ErrorKind::TrailingBytes { count: 1 },
            ),
        ),
        // ----- Payloads: counts above their maximum (the offset is the count's first byte). -----
        (
            "inv of 50,001 vectors",
            payload("inv", varint(50_001)),
            err(Some("inv"), 0, count_too_large("inventory vectors", 50_001, 50_000)),
        ),
        (
            "inv count u64::MAX",
            payload("inv", varint(u64::MAX)),
            err(Some("inv"), 0, count_too_large("inventory vectors", u64::MAX, 50_000)),
        ),
        (
            "addr of 1001 addresses",
            payload("addr", varint(1001)),
            err(Some("addr"), 0, count_too_large("addresses", 1001, 1000)),
        ),
        (
            "headers of 2001 headers",
            payload("headers", varint(2001)),
            err(Some("headers"), 0, count_too_large("headers", 2001, 2000)),
        ),
        (
            "getheaders with 501 locator hashes",
            payload("getheaders", cat(&[&70016u32.to_le_bytes(), &varint(501)])),
            err(Some("getheaders"), 4, count_too_large("locator hashes", 501, 500)),
        ),
        (
            "tx claiming 2^32 inputs",
            payload("tx", cat(&[&1i32.to_le_bytes(), &varint(1 << 32), &[0; 20]])),
            err(Some("tx"), 4, count_too_large("transaction inputs", 1 << 32, 97_560)),
        ),
        (
            "segwit tx with 4,000,001 witness items",
            payload("tx", cat(&[&segwit_tx_head(), &varint(4_000_001), &[0; 8]])),
            err(Some("tx"), 58, count_too_large("witness items", 4_000_001, 4_000_000)),
        ),
        (
            "filterload with 51 hash functions",
            payload("filterload", cat(&[&[0], &51u32.to_le_bytes(), &[0; 4], &[0]])),
            err(Some("filterload"), 1, count_too_large("bloom hash functions", 51, 50)),
        ),
        (
            "cfheaders with 2001 filter hashes",
            payload("cfheaders", cat(&[&[0], &[0; 64], &varint(2001)])),
            err(Some("cfheaders"), 65, count_too_large("filter hashes", 2001, 2000)),
        ),
        // ----- Payloads: lengths above their maximum (the offset is the length's first byte). -----
        (
            "version with a 257-byte user agent",
            payload("version", cat(&[&[0; 80], &varint(257), &[b'a'; 257]])),
            err(Some("version"), 80, length_too_large("user agent", 257, 256)),
        ),
        (
            "filteradd of 521 bytes",
            payload("filteradd", cat(&[&varint(521), &[0; 521]])),
            err(Some("filteradd"), 0, length_too_large("filteradd data", 521, 520)),
        ),
        (
            "addrv2 address of 513 bytes",
            payload("addrv2", cat(&[&[1], &[0; 4], &[0], &[0x2a], &varint(513), &[0; 515]])),
            err(Some("addrv2"), 7, length_too_large("addrv2 address", 513, 512)),
        ),
        (
            "cfilter of 262,145 bytes",
            payload("cfilter", cat(&[&[0], &[0; 32], &varint(262_145)])),
            err(
                Some("cfilter"),
                33,
                length_too_large("compact filter", 262_145, 262_144),
            ),
        ),
        (
            "tx script of 4,000,001 bytes",
            payload(
                "tx",
                cat(&[&1i32.to_le_bytes(), &[1], &[0; 36], &varint(4_000_001), &[0; 9]]),
            ),
            err(
                Some("tx"),
                41,
                length_too_large("signature script", 4_000_001, 4_000_000),
            ),
        ),
        (
            "reject naming a command longer than the payload",
            payload("reject", vec![5, b'b', b'l']),
            err(Some("reject"), 0, length_too_large("rejected command", 5, 3)),
        ),
        // ----- Payloads: values the protocol does not allow. -----
        (
            "segwit flag 0x02",
            payload("tx", cat(&[&1i32.to_le_bytes(), &[0x00, 0x02], &[0; 50]])),
            // The offset is the flag byte itself.
            err(Some("tx"), 5, invalid("segwit flag", "0x02, expected 0x01")),
        ),
        (
            "segwit serialization with no witness",
            payload("tx", cat(&[&segwit_tx_head(), &[0], &0u32.to_le_bytes()])),
            err(
                Some("tx"),
                58,
                invalid("witness", "segwit serialization with no witness data"),
            ),
        ),
        (
            "addrv2 IPv4 address of 5 bytes",
            payload(
                "addrv2",
                cat(&[&[1], &[0; 4], &[1], &[1], &[5, 10, 0, 0, 1, 9], &[0x20, 0x8d]]),
            ),
            // The offset is the byte after the address, not its length or first byte.
            err(
                Some("addrv2"),
                13,
                invalid("addrv2 address", "IPv4 address of 5 bytes, expected 4"),
            ),
        ),
        (
            "addrv2 TorV3 address of 31 bytes",
            payload("addrv2", cat(&[&[1], &[0; 4], &[1], &[4], &[31], &[7; 31], &[0, 0]])),
            err(
                Some("addrv2"),
                39,
                invalid("addrv2 address", "TorV3 address of 31 bytes, expected 32"),
            ),
        ),
        (
            "headers entry with a transaction count of 1",
            payload("headers", cat(&[&[1], &header80(), &[1]])),
            err(
                Some("headers"),
                81,
                invalid("header transaction count", "1, expected 0"),
            ),
        ),
        (
            "getblocktxn index overflowing 16 bits",
            payload("getblocktxn", cat(&[&[0; 32], &[2], &varint(65_535), &[0]])),
            err(
                Some("getblocktxn"),
                36,
                invalid("transaction index", "overflows 16 bits"),
            ),
        ),
        (
            "getblocktxn first index 65,536",
            payload("getblocktxn", cat(&[&[0; 32], &[1], &varint(65_536)])),
            err(
                Some("getblocktxn"),
                33,
                invalid("transaction index", "overflows 16 bits"),
            ),
        ),
        (
            "cmpctblock prefilled index 65,536",
            payload(
                "cmpctblock",
                cat(&[&header80(), &[0; 8], &[0], &[1], &varint(65_536), &legacy_tx_bytes()]),
            ),
            err(
                Some("cmpctblock"),
                90,
                invalid("transaction index", "overflows 16 bits"),
            ),
        ),
        // ----- Payloads: messages that do not exist at the protocol version in use. -----
        (
            "sendheaders at 70011",
            payload_at("sendheaders", 70_011, vec![]),
            err(
                Some("sendheaders"),
                0,
                ErrorKind::UnsupportedAtVersion { version: 70_011 },
            ),
        ),
        (
            "pong at 60000",
            payload_at("pong", 60_000, 7u64.to_le_bytes().to_vec()),
            err(Some("pong"), 0, ErrorKind::UnsupportedAtVersion { version: 60_000 }),
        ),
        (
            "addrv2 at 70015",
            payload_at("addrv2", 70_015, vec![0]),
            err(Some("addrv2"), 0, ErrorKind::UnsupportedAtVersion { version: 70_015 }),
        ),
        (
            "mempool at 60001",
            payload_at("mempool", 60_001, vec![]),
            err(Some("mempool"), 0, ErrorKind::UnsupportedAtVersion { version: 60_001 }),
        ),
        (
            "merkleblock at 70000",
            payload_at("merkleblock", 70_000, vec![0; 90]),
            err(
                Some("merkleblock"),
                0,
                ErrorKind::UnsupportedAtVersion { version: 70_000 },
            ),
        ),
        (
            "reject at 70001",
            payload_at("reject", 70_001, vec![0, 1, 0]),
            err(Some("reject"), 0, ErrorKind::UnsupportedAtVersion { version: 70_001 }),
        ),
        (
            "cmpctblock at 70013",
            payload_at("cmpctblock", 70_013, vec![]),
            err(
                Some("cmpctblock"),
                0,
                ErrorKind::UnsupportedAtVersion { version: 70_013 },
            ),
        ),
        // ----- Count bombs: a plausible count the bytes cannot hold (the offset is just after the count). -----
        (
            "inv claiming 50,000 vectors in 10 bytes",
            payload("inv", cat(&[&varint(50_000), &[0; 7]])),
            err(Some("inv"), 3, end(1_800_000, 7)),
        ),
        (
            "addr claiming 1000 addresses in 5 bytes",
            payload("addr", cat(&[&varint(1000), &[0; 2]])),
            err(Some("addr"), 3, end(30_000, 2)),
        ),
        (
            "addr claiming 1000 time-less addresses in 5 bytes below 31402",
            payload_at("addr", version::NET_ADDRESS_TIME - 1, cat(&[&varint(1000), &[0; 2]])),
            err(Some("addr"), 3, end(26_000, 2)),
        ),
        (
            "block claiming 400,000 transactions in 90 bytes",
            payload("block", cat(&[&header80(), &varint(400_000), &[0; 5]])),
            err(Some("block"), 85, end(4_000_000, 5)),
        ),
        (
            "tx claiming 97,560 inputs in 20 bytes",
            payload("tx", cat(&[&1i32.to_le_bytes(), &varint(97_560), &[0; 11]])),
            err(Some("tx"), 9, end(97_560 * 41, 11)),
        ),
        (
            "segwit tx claiming 4,000,000 witness items in 8 bytes",
            payload("tx", cat(&[&segwit_tx_head(), &varint(4_000_000), &[0; 8]])),
            err(Some("tx"), 63, end(4_000_000, 8)),
        ),
        (
            "getblocktxn claiming 400,001 indexes in 40 bytes",
            payload("getblocktxn", cat(&[&[0; 32], &varint(400_001), &[0; 3]])),
            err(Some("getblocktxn"), 37, end(400_001, 3)),
        ),
        (
            "headers claiming 2000 headers in 100 bytes",
            payload("headers", cat(&[&varint(2000), &[0; 97]])),
            err(Some("headers"), 3, end(162_000, 97)),
        ),
    ]
}
