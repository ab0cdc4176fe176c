//! Real blocks and transactions of both networks stay far within the bound.

use crate::counter::measure;
use crate::{support, ALLOWANCE, FACTOR};
use bytes::Bytes;
use coinpeer_wire::{bitcoin, decred, Command, WireMessage};
use std::path::Path;

/// Decodes `payload` as `command` and returns the most it held per payload byte, checking the bound.
fn held_per_byte<M: WireMessage>(label: &str, command: &str, version: u32, payload: &[u8]) -> f64 {
    let command = Command::new(command).unwrap();
    let payload = Bytes::copy_from_slice(payload);
    let usage = measure(|| M::decode_payload(&command, &payload, version).expect(label));
    let ratio = usage.peak as f64 / payload.len() as f64;
    assert!(
        usage.peak <= FACTOR * payload.len() + ALLOWANCE,
        "{label}: held {} B for {} B",
        usage.peak,
        payload.len()
    );
    ratio
}

fn report(label: &str, ratios: &[f64]) {
    let worst = ratios.iter().copied().fold(0.0, f64::max);
    eprintln!("{label:<60} {:>5} payloads, worst {worst:.2}x", ratios.len());
}

/// The blocks of a record file: (4-byte magic,) 4-byte little-endian length, block.
fn records(raw: &[u8], magic: bool) -> Vec<&[u8]> {
    let skip = if magic { 4 } else { 0 };
    let mut at = 0;
    let mut out = Vec::new();
    while at < raw.len() {
        let len = u32::from_le_bytes(raw[at + skip..at + skip + 4].try_into().unwrap()) as usize;
        out.push(&raw[at + skip + 4..at + skip + 4 + len]);
        at += skip + 4 + len;
    }
    out
}

fn bitcoin_block(label: &str, raw: &[u8]) -> f64 {
    held_per_byte::<bitcoin::Message>(label, "block", bitcoin::version::MAX, raw)
}

fn decred_block(label: &str, raw: &[u8]) -> f64 {
    held_per_byte::<decred::Message>(label, "block", decred::version::MAX, raw)
}

#[test]
fn real_bitcoin_blocks_and_transactions() {
    let Some(dir) = support::testdata("real_bitcoin_blocks_and_transactions") else {
        return;
    };
    for file in [
        "bitcoin/block-00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab.blk",
        "bitcoin/mainnet_block_000000000000000000000c835b2adcaedc20fdf6ee440009c249452c726dafae.raw",
        "bitcoin/testnet_block_000000000000045e0b1660b6445b5e5c5ab63c9a4f956be7e1e69be04fa4497b.raw",
    ] {
        let raw = support::read(&dir, file);
        report(file, &[bitcoin_block(file, &raw)]);
    }
    for file in ["bitcoin/blk_0_to_4.dat", "bitcoin/blocks1-256", "bitcoin/277647.dat"] {
        let raw = support::read(&dir, file);
        let ratios: Vec<f64> = records(&raw, true).iter().map(|b| bitcoin_block(file, b)).collect();
        report(file, &ratios);
    }
    let raw = support::read(&dir, "bitcoin/megatx.bin");
    let ratio = held_per_byte::<bitcoin::Message>("megatx", "tx", bitcoin::version::MAX, &raw);
    report("bitcoin/megatx.bin", &[ratio]);
}

#[test]
fn real_decred_blocks_and_transactions() {
    let Some(dir) = support::testdata("real_decred_blocks_and_transactions") else {
        return;
    };
    for file in [
        "decred/blocks0to168.lenprefixed",
        "decred/reorgto179.lenprefixed",
        "decred/testexpiry.lenprefixed",
    ] {
        let raw = support::read(&dir, file);
        let ratios: Vec<f64> = records(&raw, false).iter().map(|b| decred_block(file, b)).collect();
        report(file, &ratios);
    }
    let mut ratios = Vec::new();
    for entry in std::fs::read_dir(dir.join("decred")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".hex") {
            let raw = support::read_hex(&dir, &Path::new("decred").join(&name).to_string_lossy());
            ratios.push(held_per_byte::<decred::Message>(
                &name,
                "tx",
                decred::version::MAX,
                &raw,
            ));
        }
    }
    assert!(!ratios.is_empty(), "no decred transactions");
    report("decred/*.hex transactions", &ratios);
}
