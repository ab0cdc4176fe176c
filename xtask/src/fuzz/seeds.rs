//! Each target's seeds, written in the target's own input format into its corpus folder.

use super::testdata::{frames, Seeds};
use super::{corpus_dir, MAX_SEED};
use coinpeer_wire::{bitcoin, decred, Dialect, Network};
use std::fs;

impl Seeds {
    /// Writes the seeds of `target` into its corpus folder; returns how many.
    pub(super) fn write(&self, target: &str) -> Result<usize, String> {
        let inputs: Vec<(String, Vec<u8>)> = match target {
            "stream_decoder_bitcoin" => self.stream_seeds(Dialect::Bitcoin),
            "stream_decoder_decred" => self.stream_seeds(Dialect::Decred),
            "roundtrip_bitcoin" => self.roundtrip_seeds(Dialect::Bitcoin),
            "roundtrip_decred" => self.roundtrip_seeds(Dialect::Decred),
            "differential" => self.differential_seeds(),
            "handshake" => self.handshake_seeds(),
            "connection" => self.connection_seeds(),
            _ => Vec::new(),
        };
        let dir = corpus_dir(target);
        fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for (name, bytes) in &inputs {
            let path = dir.join(format!("seed-{name}"));
            fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(inputs.len())
    }

    /// `fuzz/src/stream.rs`: network, mode, chunking, cap, then the stream. Each capture whole, at once and
    /// in chunks of up to 7 bytes, checksums verified, at the version the node spoke; each block or
    /// transaction as a one-frame stream.
    fn stream_seeds(&self, dialect: Dialect) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let version = match dialect {
            Dialect::Bitcoin => 15, // 70016 in BITCOIN_VERSIONS
            Dialect::Decred => 11,  // 11 in DECRED_VERSIONS, as dcrd spoke
        };
        for s in self.streams.iter().filter(|s| s.network.dialect() == dialect) {
            for chunking in [0u8, 7] {
                let mut seed = vec![network_index(&s.network), version << 3, chunking, 0];
                seed.extend_from_slice(&s.bytes);
                out.push((format!("{}-{chunking}", s.name), seed));
            }
        }
        for (i, m) in self.messages.iter().enumerate() {
            if m.network.dialect() != dialect || m.payload.len() > MAX_SEED {
                continue;
            }
            let mut seed = vec![network_index(&m.network), version << 3, 0, 0];
            seed.extend(frame(&m.network, &m.command, &m.payload));
            out.push((format!("msg{i}-{}", m.command), seed));
        }
        out
    }

    /// `fuzz/src/roundtrip.rs`: the command's index in the dialect's `COMMANDS`, the version's index, then
    /// the payload; every message of the dialect with a command it knows.
    fn roundtrip_seeds(&self, dialect: Dialect) -> Vec<(String, Vec<u8>)> {
        let (commands, version) = match dialect {
            Dialect::Bitcoin => (bitcoin::COMMANDS, 15),
            Dialect::Decred => (decred::COMMANDS, 11),
        };
        self.messages
            .iter()
            .enumerate()
            .filter(|(_, m)| m.network.dialect() == dialect)
            .filter_map(|(i, m)| {
                let c = commands.iter().position(|c| *c == m.command)?;
                let mut seed = vec![c as u8, version];
                seed.extend_from_slice(&m.payload);
                Some((format!("msg{i}-{}", m.command), seed))
            })
            .collect()
    }

    /// `fuzz/src/differential.rs`: the command's index among the Bitcoin `COMMANDS` and `alert`, or 0xff and
    /// the raw command field, then the payload; every Bitcoin message.
    fn differential_seeds(&self) -> Vec<(String, Vec<u8>)> {
        self.messages
            .iter()
            .enumerate()
            .filter(|(_, m)| m.network.dialect() == Dialect::Bitcoin)
            .map(|(i, m)| {
                let mut seed = match bitcoin::COMMANDS.iter().position(|c| *c == m.command) {
                    Some(c) => vec![c as u8],
                    None => {
                        let mut field = [0u8; 13];
                        field[0] = 0xff;
                        let name = m.command.as_bytes();
                        field[1..1 + name.len().min(12)].copy_from_slice(&name[..name.len().min(12)]);
                        field.to_vec()
                    }
                };
                seed.extend_from_slice(&m.payload);
                (format!("msg{i}-{}", m.command), seed)
            })
            .collect()
    }

    /// `fuzz/src/handshake.rs`: a setup with every default (the dialect of the capture; inbound for what the
    /// dialing client sent), then each message of the capture up to its verack as "any message" (operation 4)
    /// followed by "send what is queued" (6).
    fn handshake_seeds(&self) -> Vec<(String, Vec<u8>)> {
        self.streams
            .iter()
            .map(|s| {
                let commands = commands_of(s.network.dialect());
                let decred = u8::from(s.network.dialect() == Dialect::Decred);
                let inbound = if s.from_node { 0 } else { 2 };
                // Announce sendaddrv2, as coinpeer does by default.
                let mut seed = vec![decred | inbound | 16, 0, 0, 0, 0];
                for m in frames(&s.network, &s.bytes) {
                    let Some(c) = commands.iter().position(|c| *c == m.command) else {
                        continue;
                    };
                    seed.extend([4, c as u8]);
                    seed.extend_from_slice(&(m.payload.len().min(0xffff) as u16).to_le_bytes());
                    seed.extend_from_slice(&m.payload[..m.payload.len().min(0xffff)]);
                    seed.push(6);
                    if m.command == "verack" {
                        // Complete: anything more would be fed to a finished machine.
                        break;
                    }
                }
                (s.name.clone(), seed)
            })
            .collect()
    }

    /// `fuzz/src/peer/mod.rs`: a setup with the default caps (the dialect and network of the capture; a
    /// connection we dialed for what the node sent, one the remote dialed for what the client sent), then
    /// the capture as raw chunks of up to 200 bytes (operation 0), each followed by a write of everything
    /// (11) and 100 ms on the clock (7).
    fn connection_seeds(&self) -> Vec<(String, Vec<u8>)> {
        self.streams
            .iter()
            .map(|s| {
                let decred = u8::from(s.network.dialect() == Dialect::Decred);
                let inbound = if s.from_node { 0 } else { 2 };
                let mut seed = vec![decred | inbound | 0x60, network_index(&s.network), 1];
                for chunk in s.bytes.chunks(200) {
                    seed.push(0);
                    seed.extend_from_slice(&(chunk.len() as u16).to_le_bytes());
                    seed.extend_from_slice(chunk);
                    seed.extend([11, 0xff, 0xff, 63, 7, 1, 1]);
                }
                (s.name.clone(), seed)
            })
            .collect()
    }
}

fn commands_of(dialect: Dialect) -> &'static [&'static str] {
    match dialect {
        Dialect::Bitcoin => bitcoin::COMMANDS,
        Dialect::Decred => decred::COMMANDS,
    }
}

/// The index of `network` among the built-in networks of its dialect, as the targets pick networks.
fn network_index(network: &Network) -> u8 {
    Network::BUILTIN
        .iter()
        .filter(|n| n.dialect() == network.dialect())
        .position(|n| n == network)
        .expect("a built-in network") as u8
}

/// A frame around `payload`, as the remote would send it (the targets that take whole streams check
/// checksums).
fn frame(network: &Network, command: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = network.magic().to_le_bytes().to_vec();
    let mut field = [0u8; 12];
    field[..command.len().min(12)].copy_from_slice(&command.as_bytes()[..command.len().min(12)]);
    out.extend_from_slice(&field);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&network.dialect().checksum(payload));
    out.extend_from_slice(payload);
    out
}
