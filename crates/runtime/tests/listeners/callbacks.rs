//! A listener calling back into its own peer: sends, statistics and pings from inside a listener method, without
//! deadlock.

use crate::common::{handshake_calls, settle};
use crate::recorder::Recorder;
use crate::samples::inventory;
use crate::support::{pair, quiet};
use crate::WAIT;
use coinpeer_runtime::{Bitcoin, BitcoinListener, Outcome, Peer};
use coinpeer_wire::bitcoin as btc;
use coinpeer_wire::messages::Inventory;
use coinpeer_wire::Network;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// On `inv` answers with a `getdata` and reads its peer's statistics; on `ping` pings back. Every call into
/// the peer is awaited inside the listener.
struct CallsBack {
    seen: watch::Sender<Vec<String>>,
}

#[coinpeer_runtime::async_trait]
impl BitcoinListener for CallsBack {
    async fn on_inv(&self, peer: &Peer<Bitcoin>, inv: &Vec<Inventory>) {
        let invs = peer.stats().received["inv"].messages;
        let outcome = peer.send(btc::Message::GetData(inv.clone())).await.await;
        let sent = peer.stats().sent["getdata"].messages;
        peer.update_last_block_height(peer.last_block() + 1);
        let line = format!(
            "inv {invs} -> getdata {outcome:?} {sent} connected={}",
            peer.is_connected()
        );
        self.seen.send_modify(|v| v.push(line));
    }
    async fn on_ping(&self, peer: &Peer<Bitcoin>, _nonce: &u64) {
        let outcome = peer.push_ping().await;
        let queued = peer.queued_bytes();
        let nonce = peer.stats().last_ping_nonce.is_some();
        self.seen
            .send_modify(|v| v.push(format!("ping -> ping {outcome:?} queued={queued} nonce={nonce}")));
    }
}

#[tokio::test]
async fn a_listener_may_call_back_into_its_own_peer_without_deadlock() {
    let calls_back = Arc::new(CallsBack {
        seen: watch::Sender::new(Vec::new()),
    });
    let b_rec = Recorder::new();
    let a_rec = Recorder::new();
    let (a, b) = pair(
        quiet::<Bitcoin>(Network::BITCOIN_REGTEST)
            .listener(a_rec.clone())
            .build(),
        quiet::<Bitcoin>(Network::BITCOIN_REGTEST)
            .listener(calls_back.clone())
            .listener(b_rec.clone())
            .build(),
    )
    .await;
    settle(&a_rec, handshake_calls::<Bitcoin>()).await;
    settle(&b_rec, handshake_calls::<Bitcoin>()).await;
    let height = b.last_block();
    assert_eq!(a.send(btc::Message::Inv(inventory())).await.await, Outcome::Sent);
    assert_eq!(a.send(btc::Message::Ping(77)).await.await, Outcome::Sent);
    assert_eq!(a.send(btc::Message::FeeFilter(5)).await.await, Outcome::Sent);
    // The reader got past both callbacks: the later message reached the next listener. (Our pong to b's ping
    // may come in between; it is checked below.)
    let got = b_rec
        .wait_until("b's fee filter", |v| v.contains(&"on_fee_filter"))
        .await;
    let got: Vec<_> = got.into_iter().filter(|m| *m != "on_pong").collect();
    assert_eq!(got, ["on_inv", "on_ping", "on_fee_filter"]);
    assert_eq!(
        *calls_back.seen.borrow(),
        [
            "inv 1 -> getdata Sent 1 connected=true".to_string(),
            "ping -> ping Sent queued=0 nonce=true".to_string(),
        ]
    );
    assert_eq!(b.last_block(), height + 1);
    // What the listener sent arrived: the getdata, the pong to our ping, and its own ping.
    let got = a_rec.wait_calls(3).await;
    assert_eq!(got, ["on_get_data", "on_pong", "on_ping"]);
    // Our automatic pong to its ping completes its latency measurement.
    let mut waited = Duration::ZERO;
    while b.stats().last_ping_latency.is_none() {
        assert!(waited < WAIT, "no pong reached b");
        tokio::time::sleep(Duration::from_millis(1)).await;
        waited += Duration::from_millis(1);
    }
    assert!(a.is_connected() && b.is_connected());
}
