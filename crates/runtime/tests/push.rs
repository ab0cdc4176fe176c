//! Push helpers (addr, getheaders/getblocks, reject) and the Bitcoin specifics: BIP37 messages without
//! bloom, feefilter.

mod support;

use coinpeer_runtime::{
    event_channel, Bitcoin, Decred, DisconnectReason, Event, EventReceiver, Outcome, Peer, ProtocolViolation, PushError,
};
use coinpeer_wire::bitcoin::{self as btc, Message, RejectCode};
use coinpeer_wire::decred;
use coinpeer_wire::messages::{NetAddress, ServiceFlags, TimedNetAddress};
use coinpeer_wire::{Hash256, Network};
use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddr};
use support::{pair, quiet, raw_peer, settle, RawRemote};

fn addresses(n: u32) -> Vec<TimedNetAddress> {
    (0..n)
        .map(|i| TimedNetAddress {
            time: 1_700_000_000,
            addr: NetAddress::from_socket_addr(
                SocketAddr::from((Ipv4Addr::from(0x0a00_0000 + i), 8333)),
                ServiceFlags::NETWORK,
            ),
        })
        .collect()
}

async fn bitcoin(version: u32) -> (Peer<Bitcoin>, RawRemote) {
    raw_peer(quiet(Network::BITCOIN_REGTEST).build(), version, 1 << 22).await
}

#[tokio::test]
async fn push_addr_sends_at_most_1000_distinct_addresses() {
    // The remote does not send `sendaddrv2`: plain `addr`.
    let (peer, mut remote) = bitcoin(70_016).await;
    assert!(peer.push_addr(&[]).is_none(), "nothing is sent for no addresses");
    for (given, sent) in [(1, 1), (10, 10), (1100, 1000)] {
        let all = addresses(given);
        let pushed = peer.push_addr(&all).expect("something to send");
        assert_eq!(pushed.handle.await, Outcome::Sent);
        assert_eq!(pushed.items.len(), sent);
        let distinct: HashSet<_> = pushed.items.iter().map(|a| a.addr.ip).collect();
        assert_eq!(distinct.len(), sent, "no address twice");
        assert!(pushed.items.iter().all(|a| all.contains(a)));
        match remote.recv::<Message>().await.expect("open") {
            Message::Addr(got) => assert_eq!(got, pushed.items, "what was sent is what was returned"),
            other => panic!("expected addr, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn push_addr_picks_a_different_subset_each_time() {
    let (peer, _remote) = bitcoin(70_016).await;
    let all = addresses(1100);
    let a = peer.push_addr(&all).unwrap().items;
    let b = peer.push_addr(&all).unwrap().items;
    assert_eq!((a.len(), b.len()), (1000, 1000), "as many as one message holds");
    // Compared as sets: the same addresses in another order are the same subset. (Two random draws of 1,000
    // of 1,100 agree with a probability of 1 in C(1100, 1000).)
    let (a, b): (HashSet<_>, HashSet<_>) = (
        a.iter().map(|x| x.addr.ip).collect(),
        b.iter().map(|x| x.addr.ip).collect(),
    );
    assert_ne!(a, b);
}

/// The next message read by the peer behind `events`.
async fn next_message<M: Clone>(events: &mut EventReceiver<M>) -> M {
    loop {
        if let Some(Event::Message { message, .. }) = events.recv().await {
            return message;
        }
    }
}

#[tokio::test]
async fn push_addr_uses_addrv2_once_the_remote_asked_for_it() {
    let (listener, mut events) = event_channel::<Bitcoin>(64);
    let (a, _b) = pair(
        quiet::<Bitcoin>(Network::BITCOIN_REGTEST).build(),
        quiet(Network::BITCOIN_REGTEST).listener(listener).build(),
    )
    .await;
    assert!(a.features().remote_wants_addrv2);
    // An OnionCat (Tor v2) address has no addrv2 form any more: it is left out.
    let mut addrs = addresses(3);
    let onion_cat = "fd87:d87e:eb43:1:2:3:4:5".parse().unwrap();
    addrs.insert(
        1,
        TimedNetAddress {
            time: 1,
            addr: NetAddress {
                services: ServiceFlags::NETWORK,
                ip: onion_cat,
                port: 8333,
            },
        },
    );
    let pushed = a.push_addr(&addrs).unwrap();
    assert_eq!(pushed.items, addresses(3));
    assert_eq!(pushed.handle.await, Outcome::Sent);
    let got = loop {
        if let Message::AddrV2(entries) = next_message(&mut events).await {
            break entries;
        }
    };
    let ips: Vec<_> = got.iter().map(|e| e.addr.clone()).collect();
    assert_eq!(
        ips,
        (0..3)
            .map(|i| btc::AddrV2::Ipv4(Ipv4Addr::from(0x0a00_0000 + i)))
            .collect::<Vec<_>>()
    );
    // And `addrv2` entries of any network can be pushed directly.
    let tor = btc::AddrV2Entry {
        time: 1,
        services: ServiceFlags::NETWORK,
        addr: btc::AddrV2::TorV3([7; 32]),
        port: 9050,
    };
    assert_eq!(a.push_addr_v2(&[tor]).unwrap().unwrap().items.len(), 1);
}

#[tokio::test]
async fn push_addr_v2_is_refused_when_the_remote_did_not_ask() {
    let (peer, _remote) = bitcoin(70_016).await;
    assert_eq!(peer.push_addr_v2(&[]).unwrap_err(), PushError::AddrV2NotInForce);
}

#[tokio::test]
async fn decred_pushes_addr_below_version_12_and_addrv2_from_it() {
    for (version, v2) in [(11, false), (12, true)] {
        let config = quiet::<Decred>(Network::DECRED_SIMNET).build();
        let (peer, mut remote) = raw_peer(config, version, 1 << 20).await;
        peer.push_addr(&addresses(2)).unwrap();
        let got = remote.recv::<decred::Message>().await.expect("open");
        assert_eq!(
            matches!(got, decred::Message::AddrV2(_)),
            v2,
            "version {version}: {got:?}"
        );
        assert_eq!(
            matches!(got, decred::Message::Addr(_)),
            !v2,
            "version {version}: {got:?}"
        );
    }
}

#[tokio::test]
async fn back_to_back_duplicate_getheaders_and_getblocks_are_suppressed() {
    let (peer, mut remote) = bitcoin(70_016).await;
    let tip = Hash256([1; 32]);
    let other = Hash256([2; 32]);
    assert!(peer.push_get_headers(vec![tip], Hash256::ZERO).unwrap().is_some());
    assert!(
        peer.push_get_headers(vec![tip, other], Hash256::ZERO)
            .unwrap()
            .is_none(),
        "same start and stop"
    );
    assert!(peer.push_get_headers(vec![tip], other).unwrap().is_some(), "a new stop");
    assert!(
        peer.push_get_headers(vec![other], other).unwrap().is_some(),
        "a new start"
    );
    // getblocks remembers its own previous request.
    assert!(peer.push_get_blocks(vec![other], other).unwrap().is_some());
    assert!(peer.push_get_blocks(vec![other], other).unwrap().is_none());
    // An empty locator (from genesis) is never taken for a repeat.
    assert!(peer.push_get_headers(vec![], Hash256::ZERO).unwrap().is_some());
    assert!(peer.push_get_headers(vec![], Hash256::ZERO).unwrap().is_some());
    let mut commands = Vec::new();
    for _ in 0..6 {
        let msg = remote.recv::<Message>().await.expect("open");
        if let Message::GetHeaders(l) | Message::GetBlocks(l) = &msg {
            assert_eq!(l.version, 70_016);
        }
        commands.push(msg.command().to_string());
    }
    assert_eq!(
        commands,
        [
            "getheaders",
            "getheaders",
            "getheaders",
            "getblocks",
            "getheaders",
            "getheaders"
        ]
    );
}

#[tokio::test]
async fn a_locator_over_500_hashes_is_refused() {
    let (peer, _remote) = bitcoin(70_016).await;
    assert!(peer.push_get_headers(vec![Hash256::ZERO; 500], Hash256::ZERO).is_ok());
    assert_eq!(
        peer.push_get_blocks(vec![Hash256::ZERO; 501], Hash256::ZERO)
            .unwrap_err(),
        PushError::LocatorTooLong { len: 501, max: 500 }
    );
}

#[tokio::test]
async fn reject_is_sent_only_from_version_70002() {
    let (old, mut old_remote) = bitcoin(70_001).await;
    assert!(old.push_reject("tx", RejectCode::INVALID, "bad", None).is_none());
    old.push_ping();
    assert!(
        matches!(old_remote.recv::<Message>().await, Some(Message::Ping(_))),
        "no reject before it"
    );

    let (peer, mut remote) = bitcoin(70_002).await;
    let handle = peer
        .push_reject("tx", RejectCode::INVALID, "bad-txns", None)
        .expect("70002 has reject");
    assert_eq!(handle.await, Outcome::Sent, "awaiting the handle waits for the write");
    let hash = Hash256([4; 32]);
    peer.push_reject("block", RejectCode::INVALID, "bad-blk", Some(hash));
    peer.push_reject("version", RejectCode::DUPLICATE, "dup", Some(hash));
    let expected = [("tx", Some(Hash256::ZERO)), ("block", Some(hash)), ("version", None)];
    for (command, want) in expected {
        match remote.recv::<Message>().await.expect("open") {
            Message::Reject(r) => {
                assert_eq!(r.message, command);
                assert_eq!(r.hash, want, "{command}: only tx and block rejects carry a hash");
            }
            other => panic!("expected a reject, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn bip37_messages_and_mempool_disconnect_a_peer_that_does_not_offer_bloom() {
    let filter_load = Message::FilterLoad(btc::FilterLoad {
        filter: bytes::Bytes::from_static(&[0; 8]),
        hash_funcs: 3,
        tweak: 0,
        flags: 0,
    });
    for msg in [
        filter_load,
        Message::FilterAdd(bytes::Bytes::from_static(&[1; 20])),
        Message::FilterClear,
        Message::MemPool,
    ] {
        let command = msg.command();
        let (peer, mut remote) = bitcoin(70_016).await;
        remote.send(&msg).await;
        peer.wait_for_disconnect().await;
        assert_eq!(
            peer.disconnect_reason(),
            Some(DisconnectReason::Protocol(ProtocolViolation::ServiceNotOffered(
                command
            ))),
            "{command}"
        );
    }
    // Advertising bloom, the same messages are welcome.
    let config = quiet::<Bitcoin>(Network::BITCOIN_REGTEST).services(ServiceFlags::NETWORK | ServiceFlags::BTC_BLOOM);
    let (peer, mut remote) = raw_peer(config.build(), 70_016, 1 << 20).await;
    remote.send(&Message::FilterClear).await;
    remote.send(&Message::MemPool).await;
    remote.send(&Message::Ping(3)).await;
    assert!(matches!(remote.recv::<Message>().await, Some(Message::Pong(3))));
    assert!(peer.is_connected());
}

#[tokio::test]
async fn feefilter_is_stored_and_exposed() {
    let (peer, mut remote) = bitcoin(70_016).await;
    assert_eq!(peer.fee_filter(), None);
    remote.send(&Message::FeeFilter(1000)).await;
    remote.send(&Message::FeeFilter(2500)).await;
    settle().await;
    assert_eq!(peer.fee_filter(), Some(2500), "the latest rate wins");
    assert_eq!(peer.stats().fee_filter, Some(2500));
    remote.send(&Message::FeeFilter(-1)).await;
    peer.wait_for_disconnect().await;
    assert_eq!(
        peer.disconnect_reason(),
        Some(DisconnectReason::Protocol(ProtocolViolation::OutOfRange(
            coinpeer_wire::Command::from_static("feefilter")
        )))
    );
}
