//! Connections themselves as the weapon: 500 handshakes in flight at once, thousands of short-lived
//! connections one after another, a half-closed socket, a connection to ourselves.

use crate::attacker::{version, Attacker};
use crate::harness::{Lang, Scene};
use coinpeer_handshake::{HandshakeError, HandshakeMessage};
use coinpeer_runtime::{CancellationToken, Direction, DisconnectReason, Peer};
use std::sync::Arc;
use std::time::Instant;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::Barrier;
use tokio::task::JoinSet;

dialects!(
    five_hundred_handshakes_in_flight_at_once,
    thousands_of_short_lived_connections_one_after_another,
    a_half_closed_socket,
    a_self_connection,
);

const IN_FLIGHT: usize = 500;
const ONE_AFTER_ANOTHER: usize = 2000;

/// 500 remotes connect at once and send their version; only once all 500 have the listener's verack (so
/// that all 500 handshakes are half done together) do they send theirs. Every one completes and is served.
async fn five_hundred_handshakes_in_flight_at_once<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c).await;
    let start = Instant::now();
    let all_half_done = Arc::new(Barrier::new(IN_FLIGHT));
    let mut set = JoinSet::new();
    for i in 0..IN_FLIGHT {
        let (to, all_half_done) = (scene.addr, all_half_done.clone());
        set.spawn(async move {
            let mut a = Attacker::<D>::connect(to).await;
            a.send(&version::<D>(D::VERSION, i as u64)).await;
            a.until_verack().await;
            all_half_done.wait().await;
            a.send(&D::Message::verack()).await;
            a.round_trip().await;
            a
        });
    }
    let mut attackers = Vec::new();
    while let Some(a) = set.join_next().await {
        attackers.push(a.unwrap());
    }
    let took = start.elapsed();
    let addrs: Vec<_> = attackers.iter().map(|a| a.addr).collect();
    let mut leaving = JoinSet::new();
    for a in attackers {
        leaving.spawn(a.leave());
    }
    while leaving.join_next().await.is_some() {}
    for addr in addrs {
        assert!(scene.expect(addr, &DisconnectReason::RemoteClosed).await.opened);
    }
    println!("{IN_FLIGHT} handshakes at once, each then answered a ping: {took:?}");
    scene.finish().await;
}

/// 2000 connections, each closed by the remote before the next opens: at once, after its version, or after
/// a whole handshake. Every one ends as a remote close, and none leaves anything behind.
async fn thousands_of_short_lived_connections_one_after_another<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c).await;
    let start = Instant::now();
    for i in 0..ONE_AFTER_ANOTHER {
        let mut a = Attacker::<D>::connect(scene.addr).await;
        if i % 3 > 0 {
            a.send(&version::<D>(D::VERSION, i as u64)).await;
            a.until_verack().await;
        }
        if i % 3 == 2 {
            a.send(&D::Message::verack()).await;
        }
        let addr = a.addr;
        a.leave().await;
        let ended = scene.expect(addr, &DisconnectReason::RemoteClosed).await;
        assert_eq!(ended.opened, i % 3 == 2);
    }
    println!(
        "{ONE_AFTER_ANOTHER} connections one after another: {:?}",
        start.elapsed()
    );
    scene.finish().await;
}

/// A remote that shuts its sending side (a FIN) and goes on reading is a remote that left: the listener
/// closes its side too rather than keep a half-open connection, before and after the handshake.
async fn a_half_closed_socket<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c).await;
    let mut a = Attacker::<D>::open(scene.addr).await;
    a.send(&D::ping(1)).await;
    a.stream().shutdown().await.unwrap();
    scene.expect(a.addr, &DisconnectReason::RemoteClosed).await;
    a.until_closed().await;

    let mut a = Attacker::<D>::connect(scene.addr).await;
    a.send(&version::<D>(D::VERSION, 2)).await;
    a.stream().shutdown().await.unwrap();
    assert!(!scene.expect(a.addr, &DisconnectReason::RemoteClosed).await.opened);
    a.until_closed().await;
    scene.finish().await;
}

/// The listener dialing itself (same process, same nonce cache) recognises its own version nonce.
async fn a_self_connection<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c).await;
    let stream = TcpStream::connect(scene.addr).await.unwrap();
    let addr = stream.local_addr().unwrap();
    let dialed = Peer::from_tcp(
        scene.config.clone(),
        stream,
        Direction::Outbound,
        CancellationToken::new(),
    )
    .await;
    assert!(dialed.is_err(), "the dialing side completed a handshake with itself");
    let reason = DisconnectReason::Handshake(HandshakeError::SelfConnection);
    assert!(!scene.expect(addr, &reason).await.opened);
    scene.finish().await;
}
