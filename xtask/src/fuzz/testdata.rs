//! What the seeds are built from: the test data's captures (each side of a real node's conversation, and the
//! messages in it), blocks and transactions.

use super::MAX_SEED;
use coinpeer_wire::Network;
use std::fs;
use std::path::{Path, PathBuf};

/// One message as it crossed the wire (or as the test data holds it): which network, command and payload.
#[derive(Clone)]
pub(super) struct Msg {
    pub(super) network: Network,
    pub(super) command: String,
    pub(super) payload: Vec<u8>,
}

/// A real node's conversation: one side of it, as a byte stream.
pub(super) struct Stream {
    pub(super) name: String,
    pub(super) network: Network,
    /// The bytes the node sent (`.in.bin`), which a connection we dialed would receive; `.out.bin` is what
    /// the client sent, which a connection the remote dialed would receive.
    pub(super) from_node: bool,
    pub(super) bytes: Vec<u8>,
}

/// Everything the seeds are built from.
pub(super) struct Seeds {
    pub(super) streams: Vec<Stream>,
    pub(super) messages: Vec<Msg>,
}

impl Seeds {
    /// Reads the test data folder; with none, the seeds are empty (and a notice says so).
    pub(super) fn load() -> Self {
        let dir = match std::env::var_os("COINPEER_TESTDATA") {
            Some(d) => PathBuf::from(d),
            None => crate::root().join("../shared/testdata"),
        };
        let mut seeds = Seeds {
            streams: Vec::new(),
            messages: Vec::new(),
        };
        if !dir.is_dir() {
            eprintln!(
                "xtask: no test data at {} (set COINPEER_TESTDATA): the fuzzers start from an empty corpus",
                dir.display()
            );
            return seeds;
        }
        seeds.load_captures(&dir.join("captures"));
        seeds.load_blocks(&dir);
        seeds
    }

    fn load_captures(&mut self, dir: &Path) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for path in files {
            let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
            let from_node = name.ends_with(".in.bin");
            if !from_node && !name.ends_with(".out.bin") {
                continue;
            }
            let network = if name.starts_with("dcrd") {
                Network::DECRED_SIMNET
            } else if name.starts_with("bitcoin-sv") {
                // Bitcoin SV's regtest magic is Bitcoin regtest's byte-reversed (see captures/README.md).
                Network::BSV_REGTEST
            } else {
                Network::BITCOIN_REGTEST
            };
            let Ok(bytes) = fs::read(&path) else { continue };
            self.messages.extend(frames(&network, &bytes));
            self.streams.push(Stream {
                name,
                network,
                from_node,
                bytes,
            });
        }
    }

    fn load_blocks(&mut self, dir: &Path) {
        let read = |name: &str| fs::read(dir.join(name)).unwrap_or_default();
        let hex = |name: &str| {
            let text = String::from_utf8(read(name)).unwrap_or_default();
            let text: String = text.split_whitespace().collect();
            (0..text.len() / 2)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .unwrap_or_default()
        };
        let mut push = |network: &Network, command: &str, payload: Vec<u8>| {
            if !payload.is_empty() && payload.len() <= MAX_SEED {
                self.messages.push(Msg {
                    network: network.clone(),
                    command: command.into(),
                    payload,
                });
            }
        };
        let btc = Network::BITCOIN;
        push(
            &btc,
            "block",
            read("bitcoin/testnet_block_000000000000045e0b1660b6445b5e5c5ab63c9a4f956be7e1e69be04fa4497b.raw"),
        );
        push(&btc, "merkleblock", hex("bitcoin/merkle_block.hex"));
        for file in ["bitcoin/blk_0_to_4.dat", "bitcoin/blocks1-256"] {
            for block in sample(records(&read(file), 8), 12) {
                push(&btc, "block", block);
            }
        }
        let dcr = Network::DECRED_SIMNET;
        for file in [
            "decred/blocks0to168.lenprefixed",
            "decred/reorgto179.lenprefixed",
            "decred/testexpiry.lenprefixed",
        ] {
            for block in sample(records(&read(file), 4), 12) {
                push(&dcr, "block", block);
            }
        }
        let Ok(entries) = fs::read_dir(dir.join("decred")) else {
            return;
        };
        let mut txs: Vec<String> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".hex"))
            .collect();
        txs.sort();
        for name in txs {
            push(&dcr, "tx", hex(&format!("decred/{name}")));
        }
    }
}

/// The frames of a capture: each message whole, as it crossed the wire.
pub(super) fn frames(network: &Network, mut bytes: &[u8]) -> Vec<Msg> {
    let mut out = Vec::new();
    while bytes.len() >= 24 {
        let len = u32::from_le_bytes(bytes[16..20].try_into().expect("4 bytes")) as usize;
        if bytes.len() < 24 + len {
            break;
        }
        let name = &bytes[4..16];
        let end = name.iter().position(|b| *b == 0).unwrap_or(12);
        out.push(Msg {
            network: network.clone(),
            command: String::from_utf8_lossy(&name[..end]).into_owned(),
            payload: bytes[24..24 + len].to_vec(),
        });
        bytes = &bytes[24 + len..];
    }
    out
}

/// The records of a block file: each `head` bytes that end with the block's length (u32, little-endian; a
/// magic may come first), then the block.
fn records(bytes: &[u8], head: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + head <= bytes.len() {
        let len = u32::from_le_bytes(bytes[at + head - 4..at + head].try_into().expect("4 bytes")) as usize;
        let Some(block) = bytes.get(at + head..at + head + len) else {
            break;
        };
        out.push(block.to_vec());
        at += head + len;
    }
    out
}

/// At most `n` of `items`, spread evenly.
fn sample<T>(items: Vec<T>, n: usize) -> Vec<T> {
    let step = items.len().div_ceil(n).max(1);
    items.into_iter().step_by(step).collect()
}
