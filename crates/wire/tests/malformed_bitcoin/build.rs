//! Building hostile input by hand.

use crate::MAINNET_MAGIC;
use coinpeer_wire::{Command, DecodeError, ErrorKind};
use sha2::{Digest, Sha256};

pub fn cmd(name: &str) -> Command {
    Command::new(name).unwrap()
}

pub fn err(command: Option<&str>, offset: u64, kind: ErrorKind) -> DecodeError {
    DecodeError {
        command: command.map(cmd),
        offset,
        kind,
    }
}

pub fn end(needed: u64, available: u64) -> ErrorKind {
    ErrorKind::UnexpectedEnd { needed, available }
}

pub fn count_too_large(what: &'static str, count: u64, max: u64) -> ErrorKind {
    ErrorKind::CountTooLarge { what, count, max }
}

pub fn length_too_large(what: &'static str, length: u64, max: u64) -> ErrorKind {
    ErrorKind::LengthTooLarge { what, length, max }
}

pub fn invalid(what: &'static str, detail: &str) -> ErrorKind {
    ErrorKind::InvalidValue {
        what,
        detail: detail.to_string(),
    }
}

/// First four bytes of double SHA-256, computed here independently of the crate.
pub fn checksum(payload: &[u8]) -> [u8; 4] {
    let h = Sha256::digest(Sha256::digest(payload));
    [h[0], h[1], h[2], h[3]]
}

/// A raw 12-byte command field.
pub fn field(name: &[u8]) -> [u8; 12] {
    let mut f = [0u8; 12];
    f[..name.len()].copy_from_slice(name);
    f
}

pub fn header(magic: u32, command: [u8; 12], length: u32, checksum: [u8; 4]) -> Vec<u8> {
    let mut h = Vec::with_capacity(24);
    h.extend_from_slice(&magic.to_le_bytes());
    h.extend_from_slice(&command);
    h.extend_from_slice(&length.to_le_bytes());
    h.extend_from_slice(&checksum);
    h
}

/// A well-formed mainnet frame around `payload`.
pub fn frame(command: &str, payload: &[u8]) -> Vec<u8> {
    let mut f = header(
        MAINNET_MAGIC,
        field(command.as_bytes()),
        payload.len() as u32,
        checksum(payload),
    );
    f.extend_from_slice(payload);
    f
}

pub fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

pub fn varint(v: u64) -> Vec<u8> {
    match v {
        0..=0xfc => vec![v as u8],
        0xfd..=0xffff => cat(&[&[0xfd], &(v as u16).to_le_bytes()]),
        0x1_0000..=0xffff_ffff => cat(&[&[0xfe], &(v as u32).to_le_bytes()]),
        _ => cat(&[&[0xff], &v.to_le_bytes()]),
    }
}

/// An 80-byte block header of recognisable bytes.
pub fn header80() -> Vec<u8> {
    (0..80u8).collect()
}

/// A legacy transaction: one input with an empty script, one output with an empty script.
pub fn legacy_tx_bytes() -> Vec<u8> {
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
pub fn segwit_tx_head() -> Vec<u8> {
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
