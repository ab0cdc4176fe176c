//! Hostile input for the Bitcoin dialect: every malformed frame or payload fails with the exact error (kind and
//! fields, command, byte offset), no count read from the wire makes the decoder allocate more than the bytes
//! received justify, and no truncation or chunking of a stream ever panics.

mod support;

use bytes::{Bytes, BytesMut};
use coinpeer_wire::bitcoin::{version, Block, BlockHeader, Message, OutPoint, Transaction, TxIn, TxOut};
use coinpeer_wire::messages::{InvType, Inventory, NetAddress, ServiceFlags, VersionMessage};
use coinpeer_wire::{
    encode_frame, Command, DecodeError, EncodeOptions, ErrorKind, Frame, FrameDecoder, Hash256, Network, WireMessage,
};
use sha2::{Digest, Sha256};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::{Ipv4Addr, SocketAddr};

const PVER: u32 = version::MAX;
const MAINNET_MAGIC: u32 = 0xd9b4_bef9;
const TESTNET3_MAGIC: u32 = 0x0709_110b;

// ---------------------------------------------------------------------------------------------------------------
// A global allocator that counts, per thread, what is allocated while a measurement is running.
// ---------------------------------------------------------------------------------------------------------------

struct CountingAlloc;

thread_local! {
    static MEASURING: Cell<bool> = const { Cell::new(false) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note_allocation(size: usize) {
    // `try_with`: the allocator also runs while thread-locals are being torn down.
    let _ = MEASURING.try_with(|m| {
        if m.get() {
            let _ = TOTAL.try_with(|t| t.set(t.get() + size));
            let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
        }
    });
}

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation(layout.size());
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation(layout.size());
        System.alloc_zeroed(layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation(new_size);
        System.realloc(ptr, layout, new_size)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: CountingAlloc = CountingAlloc;

/// Allocation made by this thread while `f` runs: (total bytes, largest single allocation).
fn allocations<R>(f: impl FnOnce() -> R) -> (R, usize, usize) {
    TOTAL.with(|t| t.set(0));
    LARGEST.with(|l| l.set(0));
    MEASURING.with(|m| m.set(true));
    let r = std::hint::black_box(f());
    MEASURING.with(|m| m.set(false));
    (r, TOTAL.with(Cell::get), LARGEST.with(Cell::get))
}

// ---------------------------------------------------------------------------------------------------------------
// Building hostile input by hand.
// ---------------------------------------------------------------------------------------------------------------

fn cmd(name: &str) -> Command {
    Command::new(name).unwrap()
}

fn err(command: Option<&str>, offset: u64, kind: ErrorKind) -> DecodeError {
    DecodeError {
        command: command.map(cmd),
        offset,
        kind,
    }
}

fn end(needed: u64, available: u64) -> ErrorKind {
    ErrorKind::UnexpectedEnd { needed, available }
}

fn count_too_large(what: &'static str, count: u64, max: u64) -> ErrorKind {
    ErrorKind::CountTooLarge { what, count, max }
}

fn length_too_large(what: &'static str, length: u64, max: u64) -> ErrorKind {
    ErrorKind::LengthTooLarge { what, length, max }
}

fn invalid(what: &'static str, detail: &str) -> ErrorKind {
    ErrorKind::InvalidValue {
        what,
        detail: detail.to_string(),
    }
}

/// First four bytes of double SHA-256, computed here independently of the crate.
fn checksum(payload: &[u8]) -> [u8; 4] {
    let h = Sha256::digest(Sha256::digest(payload));
    [h[0], h[1], h[2], h[3]]
}

/// A raw 12-byte command field.
fn field(name: &[u8]) -> [u8; 12] {
    let mut f = [0u8; 12];
    f[..name.len()].copy_from_slice(name);
    f
}

fn header(magic: u32, command: [u8; 12], length: u32, checksum: [u8; 4]) -> Vec<u8> {
    let mut h = Vec::with_capacity(24);
    h.extend_from_slice(&magic.to_le_bytes());
    h.extend_from_slice(&command);
    h.extend_from_slice(&length.to_le_bytes());
    h.extend_from_slice(&checksum);
    h
}

/// A well-formed mainnet frame around `payload`.
fn frame(command: &str, payload: &[u8]) -> Vec<u8> {
    let mut f = header(
        MAINNET_MAGIC,
        field(command.as_bytes()),
        payload.len() as u32,
        checksum(payload),
    );
    f.extend_from_slice(payload);
    f
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn varint(v: u64) -> Vec<u8> {
    match v {
        0..=0xfc => vec![v as u8],
        0xfd..=0xffff => cat(&[&[0xfd], &(v as u16).to_le_bytes()]),
        0x1_0000..=0xffff_ffff => cat(&[&[0xfe], &(v as u32).to_le_bytes()]),
        _ => cat(&[&[0xff], &v.to_le_bytes()]),
    }
}

/// An 80-byte block header of recognisable bytes.
fn header80() -> Vec<u8> {
    (0..80u8).collect()
}

/// A legacy transaction: one input with an empty script, one output with an empty script.
fn legacy_tx_bytes() -> Vec<u8> {
    cat(&[
        &1i32.to_le_bytes(),
        &[1],
        &[0x11; 32],
        &0u32.to_le_bytes(),
        &[0],
        &u32::MAX.to_le_bytes(),
        &[1],
        &5000i64.to_le_bytes(),
        &[0],
        &0u32.to_le_bytes(),
    ])
}

/// The start of a segwit transaction (version, marker, flag) followed by one empty-script input and output:
/// 58 bytes, the witness section comes next.
fn segwit_tx_head() -> Vec<u8> {
    cat(&[
        &2i32.to_le_bytes(),
        &[0x00, 0x01],
        &[1],
        &[0x22; 32],
        &7u32.to_le_bytes(),
        &[0],
        &u32::MAX.to_le_bytes(),
        &[1],
        &1000i64.to_le_bytes(),
        &[0],
    ])
}

// ---------------------------------------------------------------------------------------------------------------
// The table.
// ---------------------------------------------------------------------------------------------------------------

enum Input {
    /// Bytes fed to a mainnet `FrameDecoder` at protocol `version`; every frame is decoded as a `Message`.
    Stream { version: u32, bytes: Vec<u8> },
    /// A payload given to `Message::decode_payload`.
    Payload {
        command: &'static str,
        version: u32,
        bytes: Vec<u8>,
    },
}

fn stream(bytes: Vec<u8>) -> Input {
    Input::Stream { version: PVER, bytes }
}

fn payload(command: &'static str, bytes: Vec<u8>) -> Input {
    Input::Payload {
        command,
        version: PVER,
        bytes,
    }
}

fn payload_at(command: &'static str, version: u32, bytes: Vec<u8>) -> Input {
    Input::Payload {
        command,
        version,
        bytes,
    }
}

fn cases() -> Vec<(&'static str, Input, DecodeError)> {
    let verack = frame("verack", &[]);
    let ping7 = 7u64.to_le_bytes();
    let inv_count_1 = cat(&[&[1], &1u32.to_le_bytes(), &[0xab; 32]]);
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

// ---------------------------------------------------------------------------------------------------------------
// Count bombs allocate nothing large.
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// Truncation.
// ---------------------------------------------------------------------------------------------------------------

/// A version payload written field by field, and the fields' (offset, size) in order. The message may end
/// after the receiver's address, the sender's, the nonce, the user agent, the start height or the relay byte.
fn version_payload(user_agent: &[u8]) -> (Vec<u8>, Vec<(usize, usize)>, Vec<usize>) {
    let mut p = Vec::new();
    let mut fields = Vec::new();
    let mut ends = Vec::new();
    let mut put = |p: &mut Vec<u8>, bytes: &[u8]| {
        fields.push((p.len(), bytes.len()));
        p.extend_from_slice(bytes);
    };
    put(&mut p, &70016i32.to_le_bytes());
    put(&mut p, &0x409u64.to_le_bytes());
    put(&mut p, &1_700_000_000i64.to_le_bytes());
    for (ip, port) in [([203, 0, 113, 7], 8333u16), ([0, 0, 0, 0], 0)] {
        put(&mut p, &0x409u64.to_le_bytes());
        put(&mut p, &Ipv4Addr::from(ip).to_ipv6_mapped().octets());
        put(&mut p, &port.to_be_bytes());
        ends.push(p.len());
    }
    put(&mut p, &0x0123_4567_89ab_cdefu64.to_le_bytes());
    ends.push(p.len());
    let len = varint(user_agent.len() as u64);
    put(&mut p, &len[..1]);
    if len.len() > 1 {
        put(&mut p, &len[1..]);
    }
    put(&mut p, user_agent);
    ends.push(p.len());
    put(&mut p, &840_000i32.to_le_bytes());
    ends.push(p.len());
    put(&mut p, &[0]);
    ends.push(p.len());
    (p, fields, ends)
}

#[test]
fn every_prefix_of_a_version_payload_decodes_or_ends_early_at_the_right_byte() {
    for user_agent in [&b"/Satoshi:27.0.0/"[..], &[b'u'; 253][..]] {
        let (full, fields, ends) = version_payload(user_agent);
        for k in 0..=full.len() {
            let prefix = Bytes::copy_from_slice(&full[..k]);
            let result = std::panic::catch_unwind(|| Message::decode_payload(&cmd("version"), &prefix, PVER))
                .unwrap_or_else(|_| panic!("prefix of {k} bytes panics"));
            if ends.contains(&k) {
                let Ok(Message::Version(v)) = result else {
                    panic!("prefix of {k} bytes: {result:?}")
                };
                assert_eq!(v.version, 70016);
                assert_eq!(v.receiver.port, 8333);
                assert_eq!(v.nonce != 0, k >= 80, "nonce at {k}");
                assert_eq!(v.user_agent.len() == user_agent.len(), k > 80, "user agent at {k}");
                assert_eq!(v.start_height != 0, k >= ends[4], "start height at {k}");
                assert_eq!(v.relay, k < full.len(), "relay at {k}: absent means true");
            } else {
                // The field the prefix cuts: the last one starting at or before k.
                let &(start, size) = fields.iter().rev().find(|(s, _)| *s <= k).unwrap();
                assert!(k < start + size);
                let expected = err(Some("version"), start as u64, end(size as u64, (k - start) as u64));
                assert_eq!(result, Err(expected), "prefix of {k} bytes");
            }
        }
    }
}

#[test]
fn every_prefix_of_a_real_testnet_block_fails_with_unexpected_end() {
    let Some(dir) = support::testdata("every_prefix_of_a_real_testnet_block_fails_with_unexpected_end") else {
        return;
    };
    let name = std::fs::read_dir(dir.join("bitcoin"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.starts_with("testnet_block_") && n.ends_with(".raw"))
        .expect("bitcoin/testnet_block_*.raw");
    let raw = support::read(&dir, &format!("bitcoin/{name}"));
    assert_eq!(raw.len(), 4319);
    let full = Bytes::from(raw.clone());
    let block = match Message::decode_payload(&cmd("block"), &full, PVER) {
        Ok(Message::Block(b)) => b,
        other => panic!("whole block: {other:?}"),
    };
    assert_eq!(block.transactions.len(), 15);
    for k in 0..raw.len() {
        let prefix = full.slice(..k);
        let result = std::panic::catch_unwind(|| Message::decode_payload(&cmd("block"), &prefix, PVER))
            .unwrap_or_else(|_| panic!("prefix of {k} bytes panics"));
        let e = result.expect_err(&format!("prefix of {k} bytes decodes"));
        assert_eq!(e.command, Some(cmd("block")), "prefix of {k} bytes");
        match e.kind {
            ErrorKind::UnexpectedEnd { needed, available } => {
                assert_eq!(e.offset + available, k as u64, "prefix of {k} bytes: {e}");
                assert!(needed > available, "prefix of {k} bytes: {e}");
            }
            _ => panic!("prefix of {k} bytes: {e}"),
        }
    }
    // Framed and cut anywhere, the stream decoder just waits for more.
    let framed = frame("block", &raw);
    for k in 0..framed.len() {
        let mut dec = FrameDecoder::new(Network::BITCOIN, PVER);
        dec.extend_from_slice(&framed[..k]);
        assert_eq!(dec.next_frame(), Ok(None), "frame cut at {k}");
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Whole streams.
// ---------------------------------------------------------------------------------------------------------------

fn hand_built_block() -> Block {
    let coinbase = Transaction {
        version: 1,
        inputs: vec![TxIn {
            previous_output: OutPoint::COINBASE,
            script_sig: Bytes::from_static(&[0x03, 0x40, 0x0d, 0x03, 0x00]),
            sequence: u32::MAX,
            witness: vec![Bytes::from_static(&[0; 32])].into(),
        }],
        outputs: vec![
            TxOut {
                value: 312_500_000,
                script_pubkey: Bytes::from_static(&[
                    0x00, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
                ]),
            },
            TxOut {
                value: 0,
                script_pubkey: Bytes::from_static(&[0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed]),
            },
        ],
        lock_time: 0,
    };
    let legacy = Transaction {
        version: 2,
        inputs: vec![TxIn {
            previous_output: OutPoint {
                txid: Hash256([0x5a; 32]),
                vout: 3,
            },
            script_sig: Bytes::from_static(&[0x47, 0x30, 0x44, 0x02, 0x20]),
            sequence: 0xffff_fffd,
            witness: Default::default(),
        }],
        outputs: vec![TxOut {
            value: 9_000,
            script_pubkey: Bytes::from_static(&[0x76, 0xa9, 0x14, 0x88, 0xac]),
        }],
        lock_time: 840_000,
    };
    let segwit = Transaction {
        version: 2,
        inputs: vec![
            TxIn {
                previous_output: OutPoint {
                    txid: Hash256([0x6b; 32]),
                    vout: 0,
                },
                script_sig: Bytes::new(),
                sequence: u32::MAX,
                witness: vec![Bytes::from_static(&[0x30; 71]), Bytes::from_static(&[0x02; 33])].into(),
            },
            TxIn {
                previous_output: OutPoint {
                    txid: Hash256([0x7c; 32]),
                    vout: 1,
                },
                script_sig: Bytes::new(),
                sequence: u32::MAX,
                witness: Default::default(),
            },
        ],
        outputs: vec![TxOut {
            value: 100_000,
            script_pubkey: Bytes::from_static(&[0x51, 0x20, 0xee]),
        }],
        lock_time: 0,
    };
    let mut block = Block {
        header: BlockHeader {
            version: 0x2000_0000,
            prev_block: Hash256([0x99; 32]),
            merkle_root: Hash256::ZERO,
            time: 1_700_000_000,
            bits: 0x1703_6e3a,
            nonce: 12345,
        },
        transactions: vec![coinbase, legacy, segwit],
    };
    block.header.merkle_root = block.compute_merkle_root();
    block
}

fn sample_messages() -> Vec<Message> {
    vec![
        Message::Version(VersionMessage {
            version: PVER,
            services: ServiceFlags::NETWORK | ServiceFlags::BTC_WITNESS,
            timestamp: 1_700_000_000,
            receiver: NetAddress::from_socket_addr(SocketAddr::from(([198, 51, 100, 2], 8333)), ServiceFlags::NONE),
            sender: NetAddress::unspecified(ServiceFlags::NONE),
            nonce: 0xfeed_beef,
            user_agent: "/coinpeer-test:0.1.0/".into(),
            start_height: 840_000,
            relay: true,
        }),
        Message::Verack,
        Message::Ping(0x1122_3344_5566_7788),
        Message::Block(hand_built_block()),
        Message::Inv(vec![
            Inventory::new(InvType::WITNESS_TX, Hash256([1; 32])),
            Inventory::new(InvType::BLOCK, Hash256([2; 32])),
        ]),
        Message::Pong(0x1122_3344_5566_7788),
        Message::Unknown {
            command: cmd("protoconf"),
            payload: Bytes::from_static(&[1, 2, 3]),
        },
    ]
}

fn encode_all(messages: &[Message]) -> (Vec<u8>, Vec<usize>) {
    let mut wire = BytesMut::new();
    let mut starts = Vec::new();
    for m in messages {
        starts.push(wire.len());
        encode_frame(&Network::BITCOIN, m, EncodeOptions::new(PVER), &mut wire).unwrap();
    }
    (wire.to_vec(), starts)
}

fn frames_in_chunks(wire: &[u8], chunk: usize) -> Vec<Frame> {
    let mut dec = FrameDecoder::new(Network::BITCOIN, PVER);
    let mut frames = Vec::new();
    for piece in wire.chunks(chunk) {
        dec.extend_from_slice(piece);
        while let Some(f) = dec.next_frame().unwrap() {
            frames.push(f);
        }
    }
    assert_eq!(dec.buffered(), 0);
    assert_eq!(dec.stream_offset(), wire.len() as u64);
    frames
}

#[test]
fn a_stream_fed_one_byte_at_a_time_gives_the_same_messages_as_fed_at_once() {
    let messages = sample_messages();
    let (wire, _) = encode_all(&messages);
    let at_once = frames_in_chunks(&wire, wire.len());
    let decoded: Vec<Message> = at_once.iter().map(|f| f.decode(PVER).unwrap()).collect();
    assert_eq!(decoded, messages);
    for chunk in [1, 2, 7, 23, 24, 25, 100] {
        assert_eq!(frames_in_chunks(&wire, chunk), at_once, "chunks of {chunk}");
    }
}

#[test]
fn a_bad_checksum_in_the_second_message_yields_the_first_then_the_error() {
    let messages = sample_messages();
    let (mut wire, starts) = encode_all(&messages);
    let at = starts[1] + 20;
    let good: [u8; 4] = wire[at..at + 4].try_into().unwrap();
    assert_eq!(good, [0x5d, 0xf6, 0xe0, 0xe2], "verack's checksum");
    wire[at] ^= 0x80;
    let mut bad = good;
    bad[0] ^= 0x80;
    for chunk in [wire.len(), 1] {
        let mut dec = FrameDecoder::new(Network::BITCOIN, PVER);
        let mut results = Vec::new();
        for piece in wire.chunks(chunk) {
            dec.extend_from_slice(piece);
            loop {
                match dec.next_frame() {
                    Ok(Some(f)) => results.push(Ok(f.decode::<Message>(PVER).unwrap())),
                    Ok(None) => break,
                    Err(e) => results.push(Err(e)),
                }
            }
        }
        assert_eq!(results[0], Ok(messages[0].clone()));
        assert_eq!(
            results[1],
            Err(err(
                Some("verack"),
                at as u64,
                ErrorKind::BadChecksum {
                    expected: bad,
                    computed: good,
                },
            )),
            "chunks of {chunk}"
        );
        // The bad frame was consumed whole: what follows still decodes.
        let rest: Vec<Message> = results[2..].iter().map(|r| r.clone().unwrap()).collect();
        assert_eq!(rest, messages[2..], "chunks of {chunk}");
    }
}

#[test]
fn unknown_commands_decode_to_unknown_never_to_an_error() {
    let cases: [(&str, &[u8], u32); 6] = [
        ("fancycmd", &[1, 2, 3], PVER),
        ("protoconf", &[], PVER),
        ("abcdefghijkl", &[0xff; 300], PVER),
        ("a b", &[0], 209),
        // Commands are case-sensitive: this is not a verack, so its payload is not refused.
        ("VERACK", &[0], PVER),
        ("sendcmpct2", &[0; 9], 70_000),
    ];
    for (name, body, version) in cases {
        let expected = Message::Unknown {
            command: cmd(name),
            payload: Bytes::copy_from_slice(body),
        };
        let direct = Message::decode_payload(&cmd(name), &Bytes::copy_from_slice(body), version);
        assert_eq!(direct.as_ref(), Ok(&expected), "{name}");
        let mut dec = FrameDecoder::new(Network::BITCOIN, version);
        dec.extend_from_slice(&frame(name, body));
        let f = dec.next_frame().unwrap().expect("whole frame");
        assert_eq!(f.decode::<Message>(version), Ok(expected.clone()), "{name} framed");
        // And it re-encodes to the same frame.
        let mut out = BytesMut::new();
        encode_frame(&Network::BITCOIN, &expected, EncodeOptions::new(version), &mut out).unwrap();
        assert_eq!(&out[..], &frame(name, body)[..], "{name} re-encoded");
    }
    // An unknown command may be as large as the dialect allows: its header alone is no error.
    let mut dec = FrameDecoder::new(Network::BITCOIN, PVER);
    dec.extend_from_slice(&header(MAINNET_MAGIC, field(b"zzz"), 4_000_000, [0; 4]));
    assert_eq!(dec.next_frame(), Ok(None));
}

#[test]
fn a_message_decoded_above_its_gate_fails_framed_below_it() {
    // The header is acceptable at 70011 (sendheaders is empty at any version); the decode is not.
    let mut dec = FrameDecoder::new(Network::BITCOIN, 70_011);
    dec.extend_from_slice(&frame("sendheaders", &[]));
    let f = dec.next_frame().unwrap().unwrap();
    assert_eq!(
        f.decode::<Message>(70_011),
        Err(err(
            Some("sendheaders"),
            0,
            ErrorKind::UnsupportedAtVersion { version: 70_011 }
        ))
    );
    assert_eq!(f.decode::<Message>(70_012), Ok(Message::SendHeaders));
}
