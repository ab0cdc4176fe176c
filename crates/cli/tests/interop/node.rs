//! The three real nodes: how to start each on 127.0.0.1 in regtest, reach its RPC, mine, and stop it.

use crate::process::Process;
use crate::rpc::Rpc;
use serde_json::json;
use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a node may take to answer RPC after it was started.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Which implementation a node is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    LitecoinCore,
    BitcoinSv,
    Bcoin,
}

/// A node under test and what it is known to say about itself (shared/REAL_NODES.md, checked by hand).
pub struct Spec {
    pub kind: Kind,
    /// Its name in the report.
    pub name: &'static str,
    /// `coinpeer --network` for its regtest.
    pub network: &'static str,
    /// The protocol version in its `version` message.
    pub version: u32,
    /// The version both sides use after the handshake: the lower of theirs and ours (70016).
    pub negotiated_version: u32,
    pub user_agent: &'static str,
    /// Whether both sides send `sendaddrv2` (both at 70016 or newer and the node implements BIP155).
    pub addrv2: bool,
    /// Whether it advertises NODE_WITNESS.
    pub witness: bool,
}

pub const SPECS: [Spec; 3] = [
    Spec {
        kind: Kind::LitecoinCore,
        name: "litecoin-core",
        network: "litecoin-regtest",
        version: 70016,
        negotiated_version: 70016,
        user_agent: "/LitecoinCore:0.21.2.1/",
        addrv2: true,
        witness: true,
    },
    Spec {
        kind: Kind::BitcoinSv,
        name: "bitcoin-sv",
        network: "bsv-regtest",
        version: 70016,
        negotiated_version: 70016,
        user_agent: "/Bitcoin SV:1.0.13/",
        // It advertises 70016 but implements neither BIP155 nor segwit.
        addrv2: false,
        witness: false,
    },
    Spec {
        kind: Kind::Bcoin,
        name: "bcoin",
        network: "bitcoin-regtest",
        version: 70015,
        negotiated_version: 70015,
        user_agent: "/bcoin:v1.0.2/",
        addrv2: false,
        witness: true,
    },
];

/// A running node. Dropping it stops the process, then removes its data folder.
pub struct Node {
    pub spec: &'static Spec,
    pub p2p_port: u16,
    pub rpc: Rpc,
    // Field order matters: the process stops before its folder is removed.
    process: Process,
    dir: ScratchDir,
    /// Where its log goes, for failure messages.
    log: PathBuf,
}

impl Node {
    /// Starts the node on free ports and waits until its RPC answers.
    pub fn start(spec: &'static Spec) -> Result<Node, String> {
        let [p2p_port, rpc_port] = free_ports();
        let dir = ScratchDir::new(spec.name)?;
        let console = dir.path().join("console.log");
        let (mut command, rpc, log) = match spec.kind {
            Kind::LitecoinCore => {
                let litecoind = env_path("COINPEER_LITECOIND", "the litecoind program")?;
                let mut command = Command::new(litecoind);
                command.args(bitcoin_core_args(dir.path(), p2p_port, rpc_port));
                command.args(["-conf=/dev/null", "-disablewallet", "-listenonion=0", "-onlynet=ipv4"]);
                let log = dir.path().join("regtest").join("debug.log");
                (command, Rpc::new(rpc_port, "coinpeer", "interop"), log)
            }
            Kind::BitcoinSv => {
                let bitcoind = env_path("COINPEER_BSV_BITCOIND", "the Bitcoin SV bitcoind program")?;
                // The wheel's bitcoin.conf (beside bin/) sets the consensus limits its regtest needs.
                let conf = bitcoind
                    .parent()
                    .and_then(Path::parent)
                    .map(|dir| dir.join("bitcoin.conf"))
                    .ok_or("COINPEER_BSV_BITCOIND is not in the wheel's bin/ folder")?;
                let mut command = Command::new(&bitcoind);
                command.arg(format!("-conf={}", conf.display()));
                command.args(bitcoin_core_args(dir.path(), p2p_port, rpc_port));
                let log = dir.path().join("regtest").join("bitcoind.log");
                (command, Rpc::new(rpc_port, "coinpeer", "interop"), log)
            }
            Kind::Bcoin => {
                let bcoin_dir = env_path("COINPEER_BCOIN_DIR", "the folder npm installed bcoin into")?;
                let wrapper = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/bcoin-node.js");
                let mut command = Command::new("node");
                command.arg(wrapper).arg(bcoin_dir);
                command.args([p2p_port.to_string(), rpc_port.to_string(), "interop".to_string()]);
                command.arg(dir.path());
                // The JavaScript backends of bcoin's crypto: the native ones were not built.
                command.env("NODE_BACKEND", "js");
                // bcoin takes any user name with its API key as the password.
                (command, Rpc::new(rpc_port, "coinpeer", "interop"), console.clone())
            }
        };
        let out = File::create(&console).map_err(|e| format!("creating {}: {e}", console.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        command.stdin(Stdio::null()).stdout(out).stderr(err);
        let process = Process::spawn(&mut command, spec.name)?;
        let mut node = Node {
            spec,
            p2p_port,
            rpc,
            process,
            dir,
            log,
        };
        node.wait_for_rpc()?;
        Ok(node)
    }

    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// Polls a cheap RPC until it answers; fails early if the process exits.
    fn wait_for_rpc(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let last_error = match self.rpc.call("getblockcount", json!([])) {
                Ok(_) => return Ok(()),
                Err(e) => e,
            };
            if let Some(status) = self.process.exited() {
                return Err(format!(
                    "{} exited ({status}) before its RPC answered{}",
                    self.spec.name,
                    self.log_tail()
                ));
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "its RPC did not answer within {} s (last: {last_error}){}",
                    START_TIMEOUT.as_secs(),
                    self.log_tail()
                ));
            }
            thread::sleep(Duration::from_millis(250));
        }
    }

    /// Mines `blocks` blocks and returns the hashes of the whole chain, genesis first, as `getblockhash` says.
    pub fn mine(&self, blocks: u32) -> Result<Vec<String>, String> {
        match self.spec.kind {
            // Litecoin Core 0.21 has no `generate`: mine to a fixed regtest address.
            Kind::LitecoinCore => self
                .rpc
                .call("generatetoaddress", json!([blocks, regtest_p2pkh_address()]))?,
            // Bitcoin SV keeps `generate` (no wallet needed); bcoin's wrapper configures a coinbase address.
            Kind::BitcoinSv | Kind::Bcoin => self.rpc.call("generate", json!([blocks]))?,
        };
        let tip = self.rpc.call("getblockcount", json!([]))?;
        let tip = tip.as_u64().ok_or_else(|| format!("getblockcount returned {tip}"))?;
        (0..=tip)
            .map(|height| {
                let hash = self.rpc.call("getblockhash", json!([height]))?;
                hash.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("getblockhash {height} returned {hash}"))
            })
            .collect()
    }

    /// The service bits the node says it advertises (`getnetworkinfo`'s `localservices`, hex).
    pub fn local_services(&self) -> Result<u64, String> {
        let info = self.rpc.call("getnetworkinfo", json!([]))?;
        let hex = info["localservices"]
            .as_str()
            .ok_or_else(|| format!("getnetworkinfo has no localservices: {info}"))?;
        u64::from_str_radix(hex, 16).map_err(|_| format!("localservices {hex:?} is not hex"))
    }

    /// Asks the node to open one outbound connection to `addr` (`host:port`).
    pub fn dial(&self, addr: &str) -> Result<(), String> {
        self.rpc.call("addnode", json!([addr, "onetry"])).map(drop)
    }

    /// Stops the node (SIGTERM, SIGKILL after a grace period) and says how long it took.
    pub fn stop(mut self) -> Result<Duration, String> {
        self.process.stop()
    }

    /// The last lines of the node's log (and of its console output, when that is elsewhere), for a failure
    /// message.
    pub fn log_tail(&self) -> String {
        let console = self.dir.path().join("console.log");
        let mut paths = vec![&self.log];
        if self.log != console {
            paths.push(&console);
        }
        let mut text = String::new();
        for path in paths {
            let Ok(log) = std::fs::read_to_string(path) else {
                continue;
            };
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(15)..];
            if !tail.is_empty() {
                text += &format!(
                    "\n    --- last lines of {} ---\n    {}",
                    path.display(),
                    tail.join("\n    ")
                );
            }
        }
        text
    }
}

/// Arguments Litecoin Core and Bitcoin SV share (both Bitcoin Core code bases): regtest, listen and RPC on
/// 127.0.0.1 only, no outbound connections, DNS seeds, discovery or UPnP.
fn bitcoin_core_args(datadir: &Path, p2p_port: u16, rpc_port: u16) -> Vec<String> {
    vec![
        "-regtest".into(),
        format!("-datadir={}", datadir.display()),
        "-server=1".into(),
        "-listen=1".into(),
        format!("-bind=127.0.0.1:{p2p_port}"),
        format!("-port={p2p_port}"),
        "-rpcbind=127.0.0.1".into(),
        "-rpcallowip=127.0.0.1".into(),
        format!("-rpcport={rpc_port}"),
        "-rpcuser=coinpeer".into(),
        "-rpcpassword=interop".into(),
        "-connect=0".into(),
        "-dnsseed=0".into(),
        "-discover=0".into(),
        "-upnp=0".into(),
        "-printtoconsole=0".into(),
        format!("-pid={}", datadir.join("node.pid").display()),
    ]
}

/// A path from an environment variable `cargo xtask interop` sets; missing is a failure, not a skip.
fn env_path(var: &str, what: &str) -> Result<PathBuf, String> {
    match std::env::var_os(var) {
        Some(value) if !value.is_empty() => Ok(PathBuf::from(value)),
        _ => Err(format!(
            "{var} is not set ({what}): run the suite with `cargo xtask interop`, which installs the nodes"
        )),
    }
}

/// Two distinct free TCP ports on 127.0.0.1: bound together (so they differ), then released for the node.
fn free_ports() -> [u16; 2] {
    let bind = || TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
    let (a, b) = (bind(), bind());
    let port = |l: &TcpListener| l.local_addr().expect("a bound listener has an address").port();
    [port(&a), port(&b)]
}

/// A regtest/testnet P2PKH address (base58check, version byte 0x6f) of an arbitrary 20-byte hash: somewhere
/// for `generatetoaddress` to pay the coinbase.
pub fn regtest_p2pkh_address() -> String {
    let mut bytes = vec![0x6f];
    bytes.extend_from_slice(&[0x11; 20]);
    let checksum = coinpeer_wire::sha256d(&bytes);
    bytes.extend_from_slice(&checksum.as_bytes()[..4]);
    base58(&bytes)
}

fn base58(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    // Repeated division of the big-endian number by 58, least significant digit first.
    let mut digits: Vec<u8> = Vec::new();
    for &byte in bytes {
        let mut carry = u32::from(byte);
        for digit in digits.iter_mut() {
            carry += u32::from(*digit) << 8;
            *digit = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    // Each leading zero byte is a leading '1'.
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    std::iter::repeat('1')
        .take(zeros)
        .chain(digits.iter().rev().map(|&d| ALPHABET[d as usize] as char))
        .collect()
}

/// A fresh folder under the system's temp folder, removed on drop.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new(name: &str) -> Result<ScratchDir, String> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!("coinpeer-interop-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).map_err(|e| format!("creating {}: {e}", path.display()))?;
        Ok(ScratchDir(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn base58check_addresses_match_known_ones() {
    // Bitcoin's genesis coinbase address: version 0x00 and HASH160 62e907b1...; its checksum comes from sha256d.
    let mut bytes = vec![0x00];
    bytes.extend_from_slice(&hex::decode("62e907b15cbf27d5425399ebf6f0fb50ebb88f18").expect("hex"));
    let checksum = coinpeer_wire::sha256d(&bytes);
    bytes.extend_from_slice(&checksum.as_bytes()[..4]);
    assert_eq!(base58(&bytes), "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
    assert!(
        regtest_p2pkh_address().starts_with(['m', 'n']),
        "version 0x6f addresses start with m or n"
    );
}
