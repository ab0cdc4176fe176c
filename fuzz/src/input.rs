//! Reading structured choices out of the fuzzer's bytes, and building well-formed frames from them.
//!
//! Written with `super::` paths only and no dependency beyond `coinpeer-wire`, so that regression tests can
//! include this file (and the target bodies) with `#[path]` and replay crash inputs in the normal test suite.

use coinpeer_wire::{Command, FrameHeader, Network};

/// Reads choices out of the fuzzer's bytes. Reading past the end gives zeros, so every input is a valid one.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Input { data }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }

    /// Up to `n` bytes, fewer at the end of the input.
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    fn le<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let b = self.bytes(N);
        out[..b.len()].copy_from_slice(b);
        out
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.le())
    }

    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.le())
    }

    pub fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.le())
    }

    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// One of `items`, chosen by the next byte.
    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[usize::from(self.u8()) % items.len()].clone()
    }

    /// A byte string prefixed by its length as a little-endian u16.
    pub fn chunk(&mut self) -> &'a [u8] {
        let n = usize::from(self.u16());
        self.bytes(n)
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }
}

/// Bitcoin protocol versions around every change of encoding or message set.
pub const BITCOIN_VERSIONS: &[u32] = &[
    0,
    209,
    31_401,
    31_402,
    60_000,
    60_001,
    60_002,
    70_000,
    70_001,
    70_002,
    70_011,
    70_012,
    70_013,
    70_014,
    70_015,
    70_016,
    u32::MAX,
];

/// Decred protocol versions: every one from 0 to one past the newest.
pub const DECRED_VERSIONS: &[u32] = &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, u32::MAX];

/// The frame a remote would send: `payload` under a header with the right magic, length and checksum.
pub fn framed(network: &Network, command: Command, payload: &[u8]) -> Vec<u8> {
    let header = FrameHeader {
        magic: network.magic(),
        command,
        length: payload.len() as u32,
        checksum: network.dialect().checksum(payload),
    };
    [&header.to_bytes()[..], payload].concat()
}

/// A command: one of `known` for most selector bytes, else one made of the next twelve bytes (kept printable,
/// so that it is a command the frame decoder accepts, and most likely one nobody knows).
pub fn command(input: &mut Input<'_>, known: &[&'static str]) -> Command {
    let selector = input.u8();
    if usize::from(selector) < 240 {
        return Command::from_static(known[usize::from(selector) % known.len()]);
    }
    let len = 1 + usize::from(selector - 240) % 12;
    let name: String = input.bytes(len).iter().map(|b| char::from(b'a' + b % 26)).collect();
    Command::new(if name.is_empty() { "zz" } else { &name }).expect("printable and short")
}
