//! Inventory trickling, in virtual time: batching, the known-inventory cache, the immediate path and the
//! interval settings.

mod support;

use coinpeer_runtime::{Bitcoin, Decred, Peer, TrickleInterval};
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::decred;
use coinpeer_wire::messages::{InvType, Inventory};
use coinpeer_wire::{Hash256, Network};
use std::collections::HashSet;
use std::time::Duration;
use support::{quiet, raw_peer, RawRemote};
use tokio::time::{timeout, Instant};

fn tx(n: u32) -> Inventory {
    let mut h = [0u8; 32];
    h[..4].copy_from_slice(&n.to_le_bytes());
    Inventory::new(InvType::TX, Hash256(h))
}

async fn bitcoin(interval: TrickleInterval) -> (Peer<Bitcoin>, RawRemote) {
    raw_peer(
        quiet(Network::BITCOIN_REGTEST).trickle_interval(interval).build(),
        70_016,
        1 << 22,
    )
    .await
}

/// The next `inv` the remote receives, with the virtual time it arrived.
async fn next_inv(remote: &mut RawRemote) -> (Vec<Inventory>, Instant) {
    match remote.recv::<Message>().await.expect("connection open") {
        Message::Inv(items) => (items, Instant::now()),
        other => panic!("expected an inv, got {other:?}"),
    }
}

/// The longest a random trickle delay (drawn below 500 ms) can take to fire here: tokio's
/// timers tick in whole milliseconds and round a deadline up, so a 499.6 ms delay fires at 500.
const LONGEST_FIRED_DELAY: Duration = Duration::from_millis(500);

/// Nothing arrives within `wait` (virtual time).
async fn assert_silent(remote: &mut RawRemote, wait: Duration) {
    let got = timeout(wait, remote.recv::<Message>()).await;
    assert!(got.is_err(), "expected nothing, got {got:?}");
}

#[tokio::test(start_paused = true)]
async fn twenty_five_hundred_queued_items_leave_as_three_messages_after_the_random_delay() {
    let (peer, mut remote) = bitcoin(TrickleInterval::default()).await;
    // Let the first trickle pass empty-handed, then queue everything at once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = Instant::now();
    for n in 0..2500 {
        assert!(peer.queue_inventory(tx(n)));
    }
    assert_eq!(peer.stats().pending_inventory, 2500);
    let (first, at) = next_inv(&mut remote).await;
    let (second, _) = next_inv(&mut remote).await;
    let (third, _) = next_inv(&mut remote).await;
    assert_eq!([first.len(), second.len(), third.len()], [1000, 1000, 500]);
    let waited = at - start;
    assert!(
        waited <= LONGEST_FIRED_DELAY,
        "a random trickle delay is below 500 ms: {waited:?}"
    );
    let all: Vec<Inventory> = first.into_iter().chain(second).chain(third).collect();
    assert_eq!(
        all,
        (0..2500).map(tx).collect::<Vec<_>>(),
        "every item once, in queue order"
    );
    assert!(
        peer.is_known_inventory(&tx(2499)),
        "what we announced is known to the remote"
    );
    assert!(
        !peer.is_known_inventory(&tx(0)),
        "the cache holds the last 1000 items only"
    );
    assert_eq!(peer.stats().pending_inventory, 0);
    assert_silent(&mut remote, Duration::from_secs(2)).await;
}

#[tokio::test(start_paused = true)]
async fn random_delays_fall_in_100_to_500_ms() {
    let (peer, mut remote) = bitcoin(TrickleInterval::default()).await;
    let mut gaps = HashSet::new();
    let mut last = Instant::now();
    for n in 0..20 {
        peer.queue_inventory(tx(n));
        let (items, at) = next_inv(&mut remote).await;
        assert_eq!(items, [tx(n)]);
        // The item was queued right after the previous trickle, so it waits one full delay.
        let gap = at - last;
        assert!(
            gap >= Duration::from_millis(100) && gap <= LONGEST_FIRED_DELAY,
            "{gap:?}"
        );
        gaps.insert(gap.as_millis());
        last = at;
    }
    assert!(gaps.len() > 1, "the delay varies: {gaps:?}");
}

#[tokio::test(start_paused = true)]
async fn a_fixed_interval_announces_every_ten_seconds() {
    let (peer, mut remote) = bitcoin(TrickleInterval::Fixed(Duration::from_secs(10))).await;
    let start = Instant::now();
    peer.queue_inventory(tx(1));
    assert_silent(&mut remote, Duration::from_millis(9_990)).await;
    let (items, at) = next_inv(&mut remote).await;
    assert_eq!(items, [tx(1)]);
    let waited = at - start;
    assert!(
        waited >= Duration::from_secs(10) && waited <= Duration::from_millis(10_002),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn items_the_remote_knows_are_not_announced() {
    let (peer, mut remote) = bitcoin(TrickleInterval::default()).await;
    // The remote announces 1 and 2: the peer learns that it knows them.
    remote.send(&Message::Inv(vec![tx(1), tx(2)])).await;
    support::settle().await;
    assert!(peer.is_known_inventory(&tx(1)));
    assert!(!peer.is_known_inventory(&tx(3)));
    assert!(!peer.queue_inventory(tx(1)), "known when queued: not queued");
    peer.add_known_inventory(&tx(5));
    assert!(!peer.queue_inventory(tx(5)));
    // Known after queueing but before the trickle: skipped then.
    assert!(peer.queue_inventory(tx(3)));
    assert!(peer.queue_inventory(tx(4)));
    assert!(peer.queue_inventory(tx(6)));
    peer.add_known_inventory(&tx(6));
    // A witness announcement is the same item as a plain one.
    assert!(!peer.queue_inventory(Inventory::new(InvType::WITNESS_TX, tx(2).hash)));
    let (items, _) = next_inv(&mut remote).await;
    assert_eq!(items, [tx(3), tx(4)]);
    // Queued twice, announced once.
    peer.queue_inventory(tx(3));
    peer.queue_inventory(tx(7));
    peer.queue_inventory(tx(7));
    let (items, _) = next_inv(&mut remote).await;
    assert_eq!(items, [tx(7)]);
}

#[tokio::test(start_paused = true)]
async fn immediate_items_leave_at_once_alone_and_only_once() {
    let (peer, mut remote) = bitcoin(TrickleInterval::Fixed(Duration::from_secs(10))).await;
    peer.queue_inventory(tx(1));
    let start = Instant::now();
    let handle = peer.queue_inventory_immediate(tx(2)).expect("unknown item: sent");
    let (items, at) = next_inv(&mut remote).await;
    assert_eq!(items, [tx(2)], "the trickled item does not ride along");
    assert_eq!(at, start, "no delay");
    assert_eq!(handle.await, coinpeer_runtime::Outcome::Sent);
    assert!(peer.queue_inventory_immediate(tx(2)).is_none(), "now known");
    assert!(!peer.queue_inventory(tx(2)), "and not trickled either");
    let (items, _) = next_inv(&mut remote).await;
    assert_eq!(items, [tx(1)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn threads_announcing_one_item_at_once_announce_it_once() {
    let (peer, _remote) = bitcoin(TrickleInterval::default()).await;
    for n in 0..200 {
        // Four threads released together, each announcing item n.
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (peer, barrier) = (peer.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    peer.queue_inventory_immediate(tx(n)).is_some()
                })
            })
            .collect();
        let announced = threads
            .into_iter()
            .map(|t| t.join().expect("no panic"))
            .filter(|&a| a)
            .count();
        assert_eq!(announced, 1, "item {n} announced {announced} times");
    }
}

#[tokio::test(start_paused = true)]
async fn known_items_expire_after_15_minutes() {
    let (peer, _remote) = bitcoin(TrickleInterval::default()).await;
    peer.add_known_inventory(&tx(1));
    tokio::time::sleep(Duration::from_secs(15 * 60 - 1)).await;
    assert!(peer.is_known_inventory(&tx(1)));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!peer.is_known_inventory(&tx(1)));
}

#[tokio::test(start_paused = true)]
async fn a_disconnected_peer_queues_nothing() {
    let (peer, _remote) = bitcoin(TrickleInterval::default()).await;
    peer.disconnect();
    peer.wait_for_disconnect().await;
    assert!(!peer.queue_inventory(tx(1)));
    assert_eq!(
        peer.queue_inventory_immediate(tx(2)).expect("unknown item").await,
        coinpeer_runtime::Outcome::Dropped
    );
}

#[tokio::test(start_paused = true)]
async fn decred_trickles_the_same_way() {
    let config = quiet::<Decred>(Network::DECRED_SIMNET).build();
    let (peer, mut remote) = raw_peer(config, decred::version::MAX, 1 << 22).await;
    for n in 0..1001 {
        peer.queue_inventory(tx(n));
    }
    let mut sizes = Vec::new();
    while sizes.iter().sum::<usize>() < 1001 {
        match remote.recv::<decred::Message>().await.expect("open") {
            decred::Message::Inv(items) => sizes.push(items.len()),
            other => panic!("expected an inv, got {other:?}"),
        }
    }
    assert_eq!(sizes, [1000, 1]);
}
