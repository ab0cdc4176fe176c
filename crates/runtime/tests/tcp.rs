//! Real TCP on 127.0.0.1: both directions handshake for each dialect, with the reference byte counts.

mod support;

use coinpeer_runtime::{Bitcoin, CancellationToken, Decred, Dialect, Direction, Peer, PeerConfig};
use coinpeer_wire::Network;
use support::quiet;
use tokio::net::{TcpListener, TcpStream};

async fn connect_tcp<D: Dialect>(out: PeerConfig<D>, inb: PeerConfig<D>) -> (Peer<D>, Peer<D>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accept = tokio::spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        Peer::from_tcp(inb, s, Direction::Inbound, CancellationToken::new()).await
    });
    let s = TcpStream::connect(addr).await.unwrap();
    let out = Peer::from_tcp(out, s, Direction::Outbound, CancellationToken::new())
        .await
        .unwrap();
    let inb = accept.await.unwrap().unwrap();
    (out, inb)
}

#[tokio::test]
async fn bitcoin_handshake_is_167_bytes_each_way_at_70002() {
    let cfg = || {
        quiet::<Bitcoin>(Network::BITCOIN_SIMNET)
            .user_agent_base("/btcwire:0.5.0/")
            .user_agent("peer", "1.0")
            .user_agent_comment("comment")
            .max_protocol_version(70002)
            .build()
    };
    let (out, inb) = connect_tcp(cfg(), cfg()).await;
    for (p, remote_dir) in [(&out, Direction::Outbound), (&inb, Direction::Inbound)] {
        let s = p.stats();
        assert_eq!((s.bytes_sent, s.bytes_received), (167, 167), "{:?}", p.direction());
        assert_eq!((s.version, s.negotiated_version), (70002, 70002));
        assert_eq!(s.user_agent, "/btcwire:0.5.0/peer:1.0(comment)/");
        assert_eq!(s.direction, remote_dir);
        assert_eq!((s.last_ping_nonce, s.last_ping_latency), (None, None));
        assert!(s.time_offset == 0 || s.time_offset == -1);
        assert!(p.local_addr().is_some());
        assert!(!p.witness_enabled(), "neither side advertised witness");
    }
    assert_eq!(out.addr(), inb.local_addr().unwrap());
    out.disconnect();
    out.wait_for_disconnect().await;
    inb.wait_for_disconnect().await;
    assert_eq!(
        inb.disconnect_reason(),
        Some(coinpeer_runtime::DisconnectReason::RemoteClosed)
    );
}

#[tokio::test]
async fn decred_handshake_is_158_bytes_each_way_at_12() {
    let cfg = || {
        quiet::<Decred>(Network::DECRED_SIMNET)
            .user_agent_base("/dcrwire:1.0.0/")
            .user_agent("peer", "1.0")
            .build()
    };
    let (out, inb) = connect_tcp(cfg(), cfg()).await;
    for p in [&out, &inb] {
        let s = p.stats();
        assert_eq!((s.bytes_sent, s.bytes_received), (158, 158));
        assert_eq!(s.negotiated_version, 12);
        assert_eq!(s.user_agent, "/dcrwire:1.0.0/peer:1.0/");
    }
    inb.disconnect();
    out.wait_for_disconnect().await;
    assert_eq!(out.running_tasks(), 0);
}

#[tokio::test]
async fn messages_flow_both_ways_with_per_command_counters() {
    let (out, inb) = connect_tcp(
        quiet::<Bitcoin>(Network::BITCOIN_REGTEST).build(),
        quiet(Network::BITCOIN_REGTEST).build(),
    )
    .await;
    use coinpeer_runtime::Outcome;
    use coinpeer_wire::bitcoin::Message;
    assert_eq!(out.send(Message::FeeFilter(1000)).await.await, Outcome::Sent);
    assert_eq!(out.send(Message::GetAddr).await.await, Outcome::Sent);
    // A ping is answered automatically; wait for the pong to come back.
    assert_eq!(inb.push_ping().await, Outcome::Sent);
    for _ in 0..200 {
        if inb.stats().last_ping_latency.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let s = inb.stats();
    assert!(s.last_ping_latency.is_some() && s.last_ping_nonce.is_none());
    assert_eq!(s.received["feefilter"].messages, 1);
    assert_eq!(s.received["feefilter"].bytes, 32);
    assert_eq!(s.received["pong"].messages, 1);
    assert_eq!(out.stats().sent["pong"].messages, 1);
}
