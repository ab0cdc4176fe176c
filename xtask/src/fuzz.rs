//! `cargo xtask fuzz`: the cargo-fuzz targets of `fuzz/`, each with a seed corpus built from the test data.
//!
//! `fuzz TARGET SECONDS` runs one target, `fuzz --all SECONDS` every target in turn; either ends with one line
//! per target: executions per second, coverage (libFuzzer's final `cov:` and `ft:`), corpus size and whether
//! it crashed. One job, one worker: the machine is shared.
//!
//! Before a run, the target's corpus (`fuzz/corpus/TARGET/`, ignored by git) receives seed inputs built from
//! `$COINPEER_TESTDATA` (real node conversations in `captures/`, blocks and transactions), written in the
//! target's own input format, which each target documents at its top (`fuzz/src/*.rs`). The test data itself
//! never enters the repository.

use coinpeer_wire::{bitcoin, decred, Dialect, Network};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Every target, in the order `--all` runs them.
pub const TARGETS: &[&str] = &[
    "stream_decoder_bitcoin",
    "stream_decoder_decred",
    "roundtrip_bitcoin",
    "roundtrip_decred",
    "differential",
    "handshake",
    "connection",
];

/// The largest seed: bigger blocks only slow the fuzzer down.
const MAX_SEED: usize = 64 * 1024;

pub fn fuzz(args: &[&str]) -> Result<(), String> {
    let (targets, seconds): (Vec<&str>, &str) = match args {
        ["--all", seconds] => (TARGETS.to_vec(), seconds),
        [target, seconds] if TARGETS.contains(target) => (vec![*target], seconds),
        [target, _] => {
            return Err(format!(
                "unknown fuzz target {target:?}; targets: {}",
                TARGETS.join(", ")
            ))
        }
        _ => return Err("usage: cargo xtask fuzz (TARGET | --all) SECONDS".into()),
    };
    let seconds: u32 = seconds
        .parse()
        .map_err(|_| format!("SECONDS must be a number, not {seconds:?}"))?;
    ensure_cargo_fuzz()?;
    let seeds = Seeds::load();
    let mut lines = Vec::new();
    for target in targets {
        let written = seeds.write(target)?;
        eprintln!("xtask: fuzz {target} for {seconds} s ({written} seed inputs)");
        let summary = run(target, seconds)?;
        // Printed as each finishes, and all together at the end.
        println!("{summary}");
        lines.push(summary);
    }
    if lines.len() > 1 {
        println!("\nsummary:");
        for l in &lines {
            println!("{l}");
        }
    }
    match lines.iter().filter(|l| l.crashed).count() {
        0 => Ok(()),
        n => Err(format!("{n} target(s) crashed: see fuzz/artifacts/")),
    }
}

fn ensure_cargo_fuzz() -> Result<(), String> {
    let installed = Command::new("cargo")
        .args(["+nightly", "fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if installed {
        Ok(())
    } else {
        crate::run("cargo", &["install", "--locked", "cargo-fuzz"])
    }
}

/// What one run gave, from libFuzzer's output and the corpus folder.
struct Summary {
    target: &'static str,
    seconds: u32,
    execs_per_sec: Option<u64>,
    cov: Option<u64>,
    ft: Option<u64>,
    /// libFuzzer's corpus at the end (`corp: N/SIZE`): the inputs that each add coverage.
    corpus: Option<(u64, String)>,
    /// Files in the corpus folder, older ones and seeds included.
    corpus_files: usize,
    crashed: bool,
    /// The input that crashed, or the log to look at.
    detail: String,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = |v: Option<u64>| v.map_or("?".to_string(), |v| v.to_string());
        let (inputs, size) = self.corpus.clone().unwrap_or((0, "?".into()));
        write!(
            f,
            "{:<24} {:>5} s  {:>7} exec/s  cov {:>6}  ft {:>6}  corpus {:>5} inputs ({:>6}; {:>5} files)  {}",
            self.target,
            self.seconds,
            n(self.execs_per_sec),
            n(self.cov),
            n(self.ft),
            inputs,
            size,
            self.corpus_files,
            if self.crashed {
                format!("CRASH {}", self.detail)
            } else {
                "no crash".to_string()
            }
        )
    }
}

fn run(target: &str, seconds: u32) -> Result<Summary, String> {
    let root = crate::root();
    let corpus = corpus_dir(target);
    let logs = root.join("fuzz/target/logs");
    fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
    let log_path = logs.join(format!("{target}.log"));
    let log = fs::File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    let args = [
        "+nightly".to_string(),
        "fuzz".into(),
        "run".into(),
        target.into(),
        corpus.display().to_string(),
        "--".into(),
        format!("-max_total_time={seconds}"),
        format!("-dict={}", root.join("fuzz/wire.dict").display()),
        // A single input running this long is a finding too.
        "-timeout=10".into(),
        "-print_final_stats=1".into(),
    ];
    eprintln!("xtask: $ cargo {} (log: {})", args.join(" "), log_path.display());
    let status = Command::new("cargo")
        .args(&args)
        .current_dir(&root)
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cargo fuzz: {e}"))?;
    let output = fs::read(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    let output = String::from_utf8_lossy(&output);
    let target = TARGETS.iter().find(|t| **t == target).expect("a known target");
    let mut summary = parse(target, seconds, &output);
    summary.corpus_files = fs::read_dir(&corpus).map_or(0, |d| d.count());
    summary.crashed = !status.success();
    summary.detail = crash_input(&output).unwrap_or_else(|| format!("(see {})", log_path.display()));
    if summary.crashed && summary.cov.is_none() {
        return Err(format!("{target} did not run ({status}): see {}", log_path.display()));
    }
    Ok(summary)
}

/// Reads libFuzzer's last status line (`#N DONE cov: C ft: F corp: ...`) and its final statistics.
fn parse(target: &'static str, seconds: u32, output: &str) -> Summary {
    let field = |line: &str, name: &str| -> Option<u64> {
        let rest = &line[line.find(name)? + name.len()..];
        rest.split_whitespace().next()?.parse().ok()
    };
    let status = output
        .lines()
        .rev()
        .find(|l| l.starts_with('#') && l.contains(" cov: "))
        .unwrap_or("");
    let execs = output
        .lines()
        .find_map(|l| l.strip_prefix("stat::average_exec_per_sec:"))
        .and_then(|v| v.trim().parse().ok())
        .or_else(|| field(status, "exec/s: "));
    Summary {
        target,
        seconds,
        execs_per_sec: execs,
        cov: field(status, "cov: "),
        ft: field(status, "ft: "),
        corpus: status.split_once("corp: ").and_then(|(_, rest)| {
            let (n, size) = rest.split_whitespace().next()?.split_once('/')?;
            Some((n.parse().ok()?, size.to_string()))
        }),
        corpus_files: 0,
        crashed: false,
        detail: String::new(),
    }
}

/// The path libFuzzer wrote a crashing input to, if it did.
fn crash_input(output: &str) -> Option<String> {
    output.lines().find_map(|l| {
        let at = l.find("Test unit written to ")?;
        Some(l[at + "Test unit written to ".len()..].trim().to_string())
    })
}

fn corpus_dir(target: &str) -> PathBuf {
    crate::root().join("fuzz/corpus").join(target)
}

/// One message as it crossed the wire (or as the test data holds it): which network, command and payload.
#[derive(Clone)]
struct Msg {
    network: Network,
    command: String,
    payload: Vec<u8>,
}

/// A real node's conversation: one side of it, as a byte stream.
struct Stream {
    name: String,
    network: Network,
    /// The bytes the node sent (`.in.bin`), which a connection we dialed would receive; `.out.bin` is what
    /// the client sent, which a connection the remote dialed would receive.
    from_node: bool,
    bytes: Vec<u8>,
}

/// Everything the seeds are built from.
struct Seeds {
    streams: Vec<Stream>,
    messages: Vec<Msg>,
}

impl Seeds {
    /// Reads the test data folder; with none, the seeds are empty (and a notice says so).
    fn load() -> Self {
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

    /// Writes the seeds of `target` into its corpus folder; returns how many.
    fn write(&self, target: &str) -> Result<usize, String> {
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

    /// `fuzz/src/peer.rs`: a setup with the default caps (the dialect and network of the capture; a
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

/// The frames of a capture: each message whole, as it crossed the wire.
fn frames(network: &Network, mut bytes: &[u8]) -> Vec<Msg> {
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
