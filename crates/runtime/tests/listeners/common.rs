//! Helpers: recorded pairs with their handshake settled, and checks that a table of messages reached exactly its
//! listener methods.

use crate::recorder::Recorder;
use crate::support::pair;
use coinpeer_runtime::{BitcoinListener, DecredListener, Dialect, Outcome, Peer};
use coinpeer_wire::WireMessage;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Waits until the handshake's calls reached `rec` (the verack comes last, once the peer runs), checks them
/// against `expected` and clears the log.
pub(crate) async fn settle(rec: &Recorder, expected: &[&str]) {
    let got = rec
        .wait_until("the handshake's verack", |v| v.contains(&"on_verack"))
        .await;
    assert_eq!(got, expected, "the handshake's calls");
    rec.clear();
}

/// What a recorder hears of a handshake between two default peers: the version during it, then the verack and,
/// for Bitcoin at 70016, the `sendaddrv2` the handshake consumed.
pub(crate) fn handshake_calls<D: Dialect>() -> &'static [&'static str] {
    if D::Message::DIALECT == coinpeer_wire::Dialect::Bitcoin {
        &["on_version", "on_send_addr_v2", "on_verack"]
    } else {
        &["on_version", "on_verack"]
    }
}

/// A pair whose inbound side records every listener call; the handshake's calls are checked and cleared.
/// Returns (sender, receiver, the receiver's recorder, the sender's recorder).
pub(crate) async fn recorded_pair<D: Dialect>(
    out: coinpeer_runtime::PeerConfigBuilder<D>,
    inb: coinpeer_runtime::PeerConfigBuilder<D>,
    as_listener: fn(Arc<Recorder>) -> Arc<D::Listener>,
    handshake: &[&str],
) -> (Peer<D>, Peer<D>, Arc<Recorder>, Arc<Recorder>) {
    let (rx_rec, tx_rec) = (Recorder::new(), Recorder::new());
    let (a, b) = pair(
        out.listener(as_listener(tx_rec.clone())).build(),
        inb.listener(as_listener(rx_rec.clone())).build(),
    )
    .await;
    settle(&rx_rec, handshake).await;
    settle(&tx_rec, handshake).await;
    (a, b, rx_rec, tx_rec)
}

pub(crate) fn btc_listener(r: Arc<Recorder>) -> Arc<dyn BitcoinListener> {
    r
}

pub(crate) fn dcr_listener(r: Arc<Recorder>) -> Arc<dyn DecredListener> {
    r
}

/// Sends each message of `table` from `a` and checks that `rec`, on the other side, got exactly the expected
/// call for it, in order, and nothing else.
pub(crate) async fn check_table<D: Dialect>(
    a: &Peer<D>,
    b: &Peer<D>,
    rec: &Recorder,
    table: Vec<(D::Message, &'static str)>,
) {
    let mut expected = Vec::new();
    for (msg, method) in table {
        let command = msg.command();
        assert_eq!(a.send(msg).await.await, Outcome::Sent, "{command}");
        expected.push(method);
        let got = rec.wait_calls(expected.len()).await;
        assert_eq!(got, expected, "after {command}");
    }
    // A last message flushes anything late: the log must hold the table's calls and that one only.
    assert_eq!(a.send(D::ping(1)).await.await, Outcome::Sent);
    expected.push("on_ping");
    let got = rec.wait_calls(expected.len()).await;
    assert_eq!(got, expected);
    assert!(a.is_connected() && b.is_connected(), "{:?}", b.disconnect_reason());
    assert_eq!(rec.io().read_errors, 0);
}

/// Every method name in `table` is distinct, and with `others` they are all of the trait's methods.
pub(crate) fn assert_covers(table: &[&'static str], others: &[&'static str], all: &[&str]) {
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for n in table.iter().chain(others) {
        assert!(names.insert(n), "{n} twice");
    }
    assert_eq!(names, all.iter().copied().collect(), "table and trait differ");
}
