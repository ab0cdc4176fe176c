//! Stall detection through the driver, in virtual time: unanswered requests disconnect after the timeout,
//! answered ones do not, reading goes on while listeners run (a listener over its budget ends its peer),
//! and the detector can be turned off. The state machine's own tests pin the rules in detail.

mod support;

use coinpeer_runtime::{
    async_trait, Bitcoin, BitcoinListener, Decred, DisconnectReason, Peer, PeerConfigBuilder, StallConfig,
    LISTENER_BUDGET,
};
use coinpeer_wire::bitcoin::{self as btc, Message};
use coinpeer_wire::decred;
use coinpeer_wire::messages::{BlockLocator, InvType, Inventory};
use coinpeer_wire::{Command, Hash256, Network};
use std::sync::Arc;
use std::time::Duration;
use support::{quiet, raw_peer, settle, RawRemote};
use tokio::time::Instant;

const SECOND: Duration = Duration::from_secs(1);

fn block(nonce: u32) -> btc::Block {
    btc::Block {
        header: btc::BlockHeader {
            version: 0x2000_0000,
            prev_block: Hash256([1; 32]),
            merkle_root: Hash256::ZERO,
            time: 1_700_000_000,
            bits: 0x207f_ffff,
            nonce,
        },
        transactions: Vec::new(),
    }
}

fn get_block(b: &btc::Block) -> Message {
    Message::GetData(vec![Inventory::new(InvType::WITNESS_BLOCK, b.hash())])
}

fn regtest() -> PeerConfigBuilder<Bitcoin> {
    // The idle timeout is pushed out of the way so that only stall detection can disconnect.
    quiet(Network::BITCOIN_REGTEST).idle_timeout(Duration::from_secs(3600))
}

async fn bitcoin(config: PeerConfigBuilder<Bitcoin>) -> (Peer<Bitcoin>, RawRemote) {
    raw_peer(config.build(), 70_016, 1 << 20).await
}

/// Waits for the peer to disconnect and returns why, and when (virtual time since `start`).
async fn disconnected(peer: &Peer<Bitcoin>, start: Instant) -> (DisconnectReason, Duration) {
    peer.wait_for_disconnect().await;
    (peer.disconnect_reason().expect("a reason"), start.elapsed())
}

/// The remote reads our request (so that it has left) and answers nothing.
async fn read_request(remote: &mut RawRemote) -> Message {
    remote.recv::<Message>().await.expect("our request")
}

fn stall(command: &'static str) -> DisconnectReason {
    DisconnectReason::Stall {
        command: Command::from_static(command),
    }
}

#[tokio::test(start_paused = true)]
async fn an_unanswered_getdata_disconnects_at_the_first_tick_after_30_seconds() {
    let (peer, mut remote) = bitcoin(regtest()).await;
    let start = Instant::now();
    peer.queue_message(get_block(&block(1)));
    read_request(&mut remote).await;
    assert_eq!(peer.pending_requests(), 1);
    let (reason, after) = disconnected(&peer, start).await;
    assert_eq!(reason, stall("block"));
    // Ticks fall at 15 s and 30 s after the start: the deadline (30 s) is seen at the second.
    assert!(
        after >= 30 * SECOND && after < 30 * SECOND + 10 * Duration::from_millis(1),
        "{after:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn answered_requests_do_not_stall() {
    let (peer, mut remote) = bitcoin(regtest()).await;
    let (b1, b2) = (block(1), block(2));
    // One getdata for two blocks and a transaction: three deadlines, three answers of three kinds.
    let tx_hash = Hash256([9; 32]);
    peer.queue_message(Message::GetData(vec![
        Inventory::new(InvType::BLOCK, b1.hash()),
        Inventory::new(InvType::BLOCK, b2.hash()),
        Inventory::new(InvType::TX, tx_hash),
    ]));
    read_request(&mut remote).await;
    assert_eq!(peer.pending_requests(), 3);
    tokio::time::sleep(20 * SECOND).await;
    remote.send(&Message::Block(b1)).await;
    remote
        .send(&Message::NotFound(vec![Inventory::new(InvType::TX, tx_hash)]))
        .await;
    settle().await;
    assert_eq!(peer.pending_requests(), 1, "the second block is still awaited");
    remote.send(&Message::Block(b2)).await;
    settle().await;
    assert_eq!(peer.pending_requests(), 0);
    tokio::time::sleep(120 * SECOND).await;
    assert!(peer.is_connected(), "{:?}", peer.disconnect_reason());
}

#[tokio::test(start_paused = true)]
async fn a_block_answers_only_its_own_request() {
    let (peer, mut remote) = bitcoin(regtest()).await;
    let start = Instant::now();
    peer.queue_message(get_block(&block(1)));
    read_request(&mut remote).await;
    remote.send(&Message::Block(block(2))).await;
    let (reason, after) = disconnected(&peer, start).await;
    assert_eq!(reason, stall("block"));
    assert!(after >= 30 * SECOND && after < 31 * SECOND, "{after:?}");
}

/// Sleeps in `on_inv` for a set (virtual) time: a slow listener on the read path.
struct SlowInv(Duration);

#[async_trait]
impl BitcoinListener for SlowInv {
    async fn on_inv(&self, _peer: &Peer<Bitcoin>, _msg: &Vec<Inventory>) {
        tokio::time::sleep(self.0).await;
    }
}

fn with_slow_inv(d: Duration) -> PeerConfigBuilder<Bitcoin> {
    regtest().listener(Arc::new(SlowInv(d)))
}

#[tokio::test(start_paused = true)]
async fn an_answer_arriving_while_a_listener_runs_is_read_at_once() {
    let (peer, mut remote) = bitcoin(with_slow_inv(20 * SECOND)).await;
    let b = block(1);
    peer.queue_message(get_block(&b));
    read_request(&mut remote).await;
    // The listener takes 20 s over the inv; the block behind it is still read at once, so the request is
    // answered long before its deadline and the remote is never blamed for our listener's time.
    remote
        .send(&Message::Inv(vec![Inventory::new(InvType::TX, Hash256([3; 32]))]))
        .await;
    remote.send(&Message::Block(b)).await;
    tokio::time::sleep(SECOND).await;
    assert_eq!(peer.pending_requests(), 0);
    tokio::time::sleep(60 * SECOND).await;
    assert!(peer.is_connected(), "{:?}", peer.disconnect_reason());
}

#[tokio::test(start_paused = true)]
async fn the_remote_is_judged_by_its_own_silence_not_by_our_listeners() {
    // 20 s in a listener right after the request: reading goes on meanwhile, so a remote that never
    // answers stalls exactly 30 s after the request, listener or not.
    let (peer, mut remote) = bitcoin(with_slow_inv(20 * SECOND)).await;
    let start = Instant::now();
    peer.queue_message(get_block(&block(1)));
    read_request(&mut remote).await;
    remote
        .send(&Message::Inv(vec![Inventory::new(InvType::TX, Hash256([3; 32]))]))
        .await;
    let (reason, after) = disconnected(&peer, start).await;
    assert_eq!(reason, stall("block"));
    assert!(after >= 30 * SECOND && after < 31 * SECOND, "{after:?}");
}

#[tokio::test(start_paused = true)]
async fn a_listener_over_its_time_budget_ends_its_peer() {
    let (peer, mut remote) = bitcoin(with_slow_inv(40 * SECOND)).await;
    let start = Instant::now();
    remote
        .send(&Message::Inv(vec![Inventory::new(InvType::TX, Hash256([3; 32]))]))
        .await;
    let (reason, after) = disconnected(&peer, start).await;
    assert_eq!(reason, DisconnectReason::ListenerTimeout);
    assert!(
        after >= LISTENER_BUDGET && after < LISTENER_BUDGET + SECOND,
        "{after:?}"
    );
}

fn witness_tx() -> btc::Transaction {
    btc::Transaction {
        version: 2,
        inputs: vec![btc::TxIn {
            previous_output: btc::OutPoint {
                txid: Hash256([8; 32]),
                vout: 0,
            },
            script_sig: bytes::Bytes::new(),
            sequence: 0xffff_ffff,
            witness: btc::Witness::from_items([&[1u8; 72][..], &[2u8; 33][..]]),
        }],
        outputs: vec![btc::TxOut {
            value: 1000,
            script_pubkey: bytes::Bytes::from_static(&[0x51]),
        }],
        lock_time: 0,
    }
}

#[tokio::test(start_paused = true)]
async fn transactions_answer_by_txid_or_wtxid_and_filtered_blocks_by_merkleblock() {
    const MSG_WTX: InvType = InvType(5);
    let (peer, mut remote) = bitcoin(regtest()).await;
    let (tx, b) = (witness_tx(), block(4));
    assert_ne!(tx.txid(), tx.wtxid());
    peer.queue_message(Message::GetData(vec![
        Inventory::new(MSG_WTX, tx.wtxid()),
        Inventory::new(InvType::WITNESS_TX, tx.txid()),
        Inventory::new(InvType::FILTERED_BLOCK, b.hash()),
    ]));
    read_request(&mut remote).await;
    assert_eq!(peer.pending_requests(), 3);
    remote.send(&Message::Tx(tx)).await;
    remote
        .send(&Message::MerkleBlock(btc::MerkleBlock {
            header: b.header,
            total_transactions: 0,
            hashes: vec![],
            flags: bytes::Bytes::new(),
        }))
        .await;
    settle().await;
    assert_eq!(peer.pending_requests(), 0, "one tx answers both of its hashes");
    tokio::time::sleep(100 * SECOND).await;
    assert!(peer.is_connected(), "{:?}", peer.disconnect_reason());
}

#[tokio::test(start_paused = true)]
async fn decred_mixing_messages_and_filtered_blocks_are_answered_by_notfound() {
    let config = quiet::<Decred>(Network::DECRED_SIMNET)
        .idle_timeout(Duration::from_secs(3600))
        .build();
    let (peer, mut remote) = raw_peer(config, decred::version::MAX, 1 << 20).await;
    let items = vec![
        Inventory::new(InvType::MIX, Hash256([1; 32])),
        Inventory::new(InvType::FILTERED_BLOCK, Hash256([2; 32])),
    ];
    peer.queue_message(decred::Message::GetData(items.clone()));
    remote.recv::<decred::Message>().await.expect("our request");
    assert_eq!(peer.pending_requests(), 2);
    remote.send(&decred::Message::NotFound(items)).await;
    settle().await;
    assert_eq!(peer.pending_requests(), 0);
}

#[tokio::test(start_paused = true)]
async fn disabled_stall_detection_never_disconnects() {
    let (peer, mut remote) = bitcoin(regtest().stall_detection(None)).await;
    peer.queue_message(get_block(&block(1)));
    read_request(&mut remote).await;
    assert_eq!(peer.pending_requests(), 0, "nothing is tracked");
    tokio::time::sleep(600 * SECOND).await;
    assert!(peer.is_connected(), "{:?}", peer.disconnect_reason());
}

#[tokio::test(start_paused = true)]
async fn requests_without_a_guaranteed_answer_are_not_tracked_by_default() {
    let (peer, mut remote) = bitcoin(regtest()).await;
    let locator = BlockLocator {
        version: 70_016,
        locator: vec![Hash256([1; 32])],
        stop: Hash256::ZERO,
    };
    for msg in [
        Message::GetHeaders(locator.clone()),
        Message::GetBlocks(locator),
        Message::MemPool,
        Message::Ping(7),
    ] {
        peer.queue_message(msg);
        read_request(&mut remote).await;
    }
    assert_eq!(peer.pending_requests(), 0);
    tokio::time::sleep(600 * SECOND).await;
    assert!(peer.is_connected(), "{:?}", peer.disconnect_reason());
}

#[tokio::test(start_paused = true)]
async fn getheaders_can_be_tracked_with_90_seconds() {
    let (peer, mut remote) = bitcoin(regtest().stall_detection(Some(StallConfig::tracking_headers()))).await;
    let start = Instant::now();
    peer.push_get_headers(vec![Hash256([1; 32])], Hash256::ZERO).unwrap();
    read_request(&mut remote).await;
    let (reason, after) = disconnected(&peer, start).await;
    assert_eq!(reason, stall("headers"));
    assert!(after >= 90 * SECOND && after < 91 * SECOND, "{after:?}");
}

#[tokio::test(start_paused = true)]
async fn decred_getinitstate_waits_for_initstate() {
    let config = quiet::<Decred>(Network::DECRED_SIMNET)
        .idle_timeout(Duration::from_secs(3600))
        .build();
    let (peer, mut remote) = raw_peer(config, decred::version::MAX, 1 << 20).await;
    let start = Instant::now();
    peer.queue_message(decred::Message::GetInitState(decred::GetInitState { types: vec![] }));
    remote.recv::<decred::Message>().await.expect("our request");
    assert_eq!(peer.pending_requests(), 1);
    peer.wait_for_disconnect().await;
    assert_eq!(
        peer.disconnect_reason(),
        Some(DisconnectReason::Stall {
            command: Command::from_static("initstate")
        })
    );
    assert!(start.elapsed() >= 30 * SECOND && start.elapsed() < 31 * SECOND);
}
