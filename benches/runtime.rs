//! The runtime against bare tokio: coinpeer peers and plain tokio sockets doing the same byte exchange over
//! real TCP on 127.0.0.1, in the same process, one after the other in each group. Connections are made and
//! handshaked before the clock starts; each timed loop runs as a task on a multi-thread runtime.
//!
//! The report generator reads these group names and function ids (`coinpeer`, `coinpeer-frame`, `bare-tokio`,
//! `bare-copy`):
//! - `runtime-ping-rtt`: one ping/pong round trip; p50/p99 also go to `target/bench-results/runtime-ping-rtt.json`;
//! - `runtime-block-throughput`: 1.38 MB mainnet blocks one way;
//! - `runtime-inv1-throughput`, `runtime-inv1000-throughput`: `inv`s of 1 and 1000 items one way;
//! - in those three, `coinpeer` encodes each message as it sends it, `coinpeer-frame` sends a frame encoded
//!   once, as the bare side does;
//! - `runtime-throughput-by-size`: `inv`s of 1 to 50,000 items (37 B to 1.8 MB), by payload size;
//! - `runtime-handshakes`: handshakes over fresh connections, 64 in flight;
//! - `runtime-forward-block`: a block from A through a relay to B.
//!
//! Byte throughputs count payload bytes (the 24-byte headers are not counted).

// The modules live in `benches/runtime/`; `support` is shared with the codec benches (test data).
#[path = "runtime/common.rs"]
mod common;
#[path = "runtime/handshakes.rs"]
mod handshakes;
#[path = "runtime/one_way.rs"]
mod one_way;
#[path = "runtime/ping.rs"]
mod ping;
mod support;

use coinpeer::wire::bitcoin::Message;
use common::{inv, mainnet_block, runtime, Payload};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use handshakes::{BareHandshake, CoinpeerHandshake, Handshakes};
use one_way::{Links, Route};
use ping::{BarePing, CoinpeerPing};
use std::sync::Arc;
use std::time::Duration;

fn ping_rtt(c: &mut Criterion) {
    let rt = runtime();
    let (coinpeer, bare) = rt.block_on(async { (CoinpeerPing::connect().await, BarePing::connect().await) });
    let (mut coinpeer_rtts, mut bare_rtts) = (Vec::new(), Vec::new());
    let mut g = c.benchmark_group("runtime-ping-rtt");
    g.bench_function("coinpeer", ping::routine(&rt, &coinpeer, &mut coinpeer_rtts));
    g.bench_function("bare-tokio", ping::routine(&rt, &bare, &mut bare_rtts));
    g.finish();
    let sides = [("coinpeer", &mut coinpeer_rtts), ("bare-tokio", &mut bare_rtts)];
    ping::write_percentiles("runtime-ping-rtt.json", sides);
}

/// A group carrying one message over `route`, coinpeer against its baseline; peer to peer, coinpeer also
/// sends it as a frame encoded once.
fn one_way(c: &mut Criterion, group: &str, route: Route, payload: Arc<Payload>, throughput: Throughput) {
    let rt = runtime();
    let links = Links::connect(&rt, route);
    let mut g = c.benchmark_group(group);
    g.throughput(throughput);
    links.bench(&mut g, &rt, &payload, None, matches!(route, Route::Direct));
    g.finish();
}

fn block_throughput(c: &mut Criterion) {
    one_block(c, "runtime-block-throughput", Route::Direct);
}

fn forward_block(c: &mut Criterion) {
    one_block(c, "runtime-forward-block", Route::Relayed);
}

/// Blocks one way over `route`, unless the test data is missing.
fn one_block(c: &mut Criterion, group: &str, route: Route) {
    if let Some(block) = mainnet_block() {
        let payload = Payload::new(Message::Block(block));
        let bytes = Throughput::Bytes(payload.len());
        one_way(c, group, route, payload, bytes);
    }
}

fn inv_throughput(c: &mut Criterion) {
    for (group, items) in [("runtime-inv1-throughput", 1), ("runtime-inv1000-throughput", 1000)] {
        one_way(
            c,
            group,
            Route::Direct,
            Payload::new(inv(items)),
            Throughput::Elements(1),
        );
    }
}

fn throughput_by_size(c: &mut Criterion) {
    let rt = runtime();
    let links = Links::connect(&rt, Route::Direct);
    let mut g = c.benchmark_group("runtime-throughput-by-size");
    for items in [1, 10, 100, 1000, 10_000, 50_000] {
        let payload = Payload::new(inv(items));
        g.throughput(Throughput::Bytes(payload.len()));
        links.bench(&mut g, &rt, &payload, Some(payload.len()), false);
    }
    g.finish();
}

fn handshakes(c: &mut Criterion) {
    let rt = runtime();
    let coinpeer = rt.block_on(Handshakes::start(CoinpeerHandshake::new()));
    let bare = rt.block_on(async { Handshakes::start(BareHandshake::recorded().await).await });
    let mut g = c.benchmark_group("runtime-handshakes");
    g.throughput(Throughput::Elements(1));
    g.bench_function("coinpeer", handshakes::routine(&rt, &coinpeer));
    g.bench_function("bare-tokio", handshakes::routine(&rt, &bare));
    g.finish();
}

criterion_group! {
    name = runtime_benches;
    // Defaults for a full run of a few minutes; command-line options (`--measurement-time` and the like)
    // override them.
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(4));
    targets = ping_rtt, block_throughput, inv_throughput, throughput_by_size, handshakes, forward_block
}
criterion_main!(runtime_benches);
