//! Round trips on a connected pair: a coinpeer ping answered by the remote peer's automatic pong, against
//! 32 bytes echoed by a bare task.

use crate::common::{config, peer_pair, result_path, run, tcp_pair, Counter, Tally};
use coinpeer::runtime::{Bitcoin, Peer};
use criterion::Bencher;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;
use tokio::sync::Mutex;

/// What the bare side sends and echoes: the size of a ping frame (24-byte header, 8-byte nonce).
const BARE_MESSAGE: usize = 32;

pub trait RoundTrip: Send + 'static {
    /// One request and its answer.
    fn round_trip(&mut self) -> impl Future<Output = ()> + Send;
}

/// The criterion routine timing round trips of `pinger`; each one's time is also added to `rtts`.
pub fn routine<'a, P: RoundTrip>(
    rt: &'a Runtime,
    pinger: &Arc<Mutex<P>>,
    rtts: &'a mut Vec<Duration>,
) -> impl FnMut(&mut Bencher) + 'a {
    let pinger = pinger.clone();
    move |b| {
        b.iter_custom(|n| {
            let pinger = pinger.clone();
            let timed = run(rt, async move {
                let mut pinger = pinger.lock().await;
                let mut timed = Vec::with_capacity(n as usize);
                for _ in 0..n {
                    let start = Instant::now();
                    pinger.round_trip().await;
                    timed.push(start.elapsed());
                }
                timed
            });
            let total = timed.iter().sum();
            rtts.extend(timed);
            total
        })
    }
}

/// Two peers; `local` pings and counts the pongs that come back.
pub struct CoinpeerPing {
    local: Peer<Bitcoin>,
    remote: Peer<Bitcoin>,
    pongs: Arc<Tally>,
    sent: u64,
}

impl CoinpeerPing {
    pub async fn connect() -> Arc<Mutex<CoinpeerPing>> {
        let pongs = Tally::new();
        let (local, remote) = peer_pair(config(Some(Arc::new(Counter(pongs.clone())))), config(None)).await;
        Arc::new(Mutex::new(CoinpeerPing {
            local,
            remote,
            pongs,
            sent: 0,
        }))
    }
}

impl RoundTrip for CoinpeerPing {
    async fn round_trip(&mut self) {
        self.sent += 1;
        drop(self.local.push_ping());
        self.pongs.wait_for(self.sent).await;
    }
}

impl Drop for CoinpeerPing {
    fn drop(&mut self) {
        self.local.disconnect();
        self.remote.disconnect();
    }
}

/// A socket whose other end is a task echoing what it reads.
pub struct BarePing {
    client: TcpStream,
}

impl BarePing {
    pub async fn connect() -> Arc<Mutex<BarePing>> {
        let (client, mut server) = tcp_pair().await;
        tokio::spawn(async move {
            let mut buf = [0u8; BARE_MESSAGE];
            while server.read_exact(&mut buf).await.is_ok() {
                if server.write_all(&buf).await.is_err() {
                    return;
                }
            }
        });
        Arc::new(Mutex::new(BarePing { client }))
    }
}

impl RoundTrip for BarePing {
    async fn round_trip(&mut self) {
        let mut buf = [7u8; BARE_MESSAGE];
        self.client.write_all(&buf).await.expect("write");
        self.client.read_exact(&mut buf).await.expect("read");
    }
}

/// Writes the median and 99th percentile of each side's round trips to `target/bench-results/NAME`. The
/// warm-up's round trips are included: the connections are made before it, so they are the same steady state.
pub fn write_percentiles(name: &str, sides: [(&str, &mut Vec<Duration>); 2]) {
    // Fewer than 100 round trips have no 99th percentile: the group was filtered out, or run once as a test.
    if sides.iter().any(|(_, rtts)| rtts.len() < 100) {
        return;
    }
    let mut json = serde_json::Map::new();
    for (side, rtts) in sides {
        rtts.sort_unstable();
        let at = |pct: usize| rtts[(rtts.len() * pct / 100).min(rtts.len() - 1)].as_nanos() as u64;
        json.insert(side.into(), serde_json::json!({ "p50_ns": at(50), "p99_ns": at(99) }));
    }
    let path = result_path(name);
    let text = serde_json::to_string_pretty(&json).expect("JSON");
    std::fs::write(&path, text + "\n").unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    eprintln!("{}: {}", path.display(), serde_json::Value::Object(json));
}
