//! A peer's life and death: every queued message resolves exactly once at shutdown, disconnecting is idempotent
//! and race-free, cancellation works before, during and after the handshake, a finished peer has no task left
//! and its stream is closed, bad input disconnects with a typed reason (and a Bitcoin reject first), a slow
//! reader is cut off before it costs unbounded memory.

mod support;

use bytes::Bytes;
use coinpeer_handshake::{HandshakeMessage, MessageKind};
use coinpeer_runtime::{
    Bitcoin, CancellationToken, ConnectError, Decred, Dialect, DisconnectReason, Outcome, Peer, PeerConfig,
    ProtocolViolation, SendHandle, QUEUED_FRAME_OVERHEAD, QUEUED_MESSAGE_OVERHEAD, UNKNOWN_COMMANDS,
};
use coinpeer_wire::bitcoin::{self as btc, Message, RejectCode};
use coinpeer_wire::decred as dcr;
use coinpeer_wire::messages::{InvType, Inventory};
use coinpeer_wire::{Command, DecodeError, ErrorKind, Hash256, Network};
use std::sync::Arc;
use std::time::Duration;
use support::{addr, pair, quiet, RawRemote};

/// How long any single expected event may take; far above what an in-memory peer needs.
const WAIT: Duration = Duration::from_secs(5);

/// Runs the handshake of an outbound peer against a scripted remote speaking `version`: the remote answers our
/// version with its own and a verack, then reads up to our verack. Nothing else is read or sent.
async fn raw_peer<D: Dialect>(
    config: PeerConfig<D>,
    version: u32,
    buffer: usize,
    cancel: CancellationToken,
) -> (Peer<D>, RawRemote) {
    let (ours, theirs) = tokio::io::duplex(buffer);
    let mut remote = RawRemote::new(theirs, config.network.clone(), version);
    let script = async {
        let first: D::Message = remote.recv().await.expect("our version");
        assert!(matches!(first.kind(), MessageKind::Version(_)), "{first:?}");
        let answer = D::Message::version(remote.version_message(0x5eed_5eed));
        remote.send(&answer).await;
        remote.send(&D::Message::verack()).await;
        loop {
            let m: D::Message = remote.recv().await.expect("our verack");
            if matches!(m.kind(), MessageKind::Verack) {
                break;
            }
        }
    };
    let (peer, ()) = tokio::join!(Peer::outbound(config, ours, addr(9), cancel), script);
    (peer.expect("handshake"), remote)
}

fn regtest() -> coinpeer_runtime::PeerConfigBuilder<Bitcoin> {
    quiet(Network::BITCOIN_REGTEST)
}

fn simnet() -> coinpeer_runtime::PeerConfigBuilder<Decred> {
    quiet(Network::DECRED_SIMNET)
}

async fn bitcoin_peer(version: u32) -> (Peer<Bitcoin>, RawRemote) {
    raw_peer(regtest().build(), version, 1 << 16, CancellationToken::new()).await
}

async fn decred_peer() -> (Peer<Decred>, RawRemote) {
    raw_peer(simnet().build(), 12, 1 << 16, CancellationToken::new()).await
}

async fn wait_disconnect<D: Dialect>(peer: &Peer<D>) -> DisconnectReason {
    tokio::time::timeout(WAIT, peer.wait_for_disconnect())
        .await
        .expect("the peer disconnects");
    assert_eq!(peer.running_tasks(), 0);
    peer.disconnect_reason().expect("a reason once disconnected")
}

/// The outcome of a handle that must already be resolved.
async fn resolved_now(h: SendHandle) -> Outcome {
    tokio::time::timeout(Duration::ZERO, h)
        .await
        .expect("resolved without waiting")
}

/// Awaits every handle (each within the overall bound) and counts the outcomes: (sent, dropped, failed).
async fn outcomes(handles: Vec<SendHandle>) -> (usize, usize, Vec<coinpeer_runtime::SendFailure>) {
    let all = async {
        let (mut sent, mut dropped, mut failed) = (0, 0, Vec::new());
        for h in handles {
            match h.await {
                Outcome::Sent => sent += 1,
                Outcome::Dropped => dropped += 1,
                Outcome::Failed(e) => failed.push(e),
                other => panic!("{other:?}"),
            }
        }
        (sent, dropped, failed)
    };
    tokio::time::timeout(WAIT, all).await.expect("no handle hangs")
}

/// Waits until `cond` holds, polling in small steps, within [`WAIT`].
async fn eventually(what: &str, cond: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

// ---------------------------------------------------------------------------------------------------------
// Shutdown with messages in flight
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn queued_messages_resolve_sent_or_dropped_exactly_once_at_disconnect() {
    let (a, b) = pair(regtest().build(), regtest().build()).await;
    // The first half is written (waited for), the second half is still queued when we disconnect: on this
    // single-threaded runtime the writer cannot run between the queueing and the disconnect.
    let first: Vec<_> = (0..5_000).map(|i| a.queue_message(Message::FeeFilter(i))).collect();
    let (sent, dropped, failed) = outcomes(first).await;
    assert_eq!((sent, dropped, failed.len()), (5_000, 0, 0));
    let second: Vec<_> = (0..5_000).map(|i| a.queue_message(Message::FeeFilter(i))).collect();
    assert_eq!(a.queued_bytes(), 5_000 * (32 + QUEUED_MESSAGE_OVERHEAD as u64));
    a.disconnect();
    let (sent, dropped, failed) = outcomes(second).await;
    assert_eq!(
        (sent, dropped, failed),
        (0, 5_000, Vec::<coinpeer_runtime::SendFailure>::new())
    );
    assert_eq!(wait_disconnect(&a).await, DisconnectReason::LocalRequest);
    assert_eq!(a.queued_bytes(), 0);
    assert_eq!(wait_disconnect(&b).await, DisconnectReason::RemoteClosed);
    assert_eq!(b.stats().received["feefilter"].messages, 5_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_queued_messages_all_resolve_when_disconnect_races_the_writer() {
    // The race is only likely, not certain, so the scenario runs until it happened: the disconnect landed
    // while the writer was part way through what was queued after the first 100 (some of it written, some
    // not). Every run, raced or not, must account for every message.
    for attempt in 1..=20 {
        let (a, b) = pair(regtest().build(), regtest().build()).await;
        let mut handles: Vec<_> = (0..10_000).map(|i| a.queue_message(Message::FeeFilter(i))).collect();
        // Let the writer get going, then pull the plug while it is busy.
        let rest = handles.split_off(100);
        let (sent, _, _) = outcomes(handles).await;
        assert_eq!(sent, 100);
        a.disconnect();
        let (sent, dropped, failed) = outcomes(rest).await;
        // The pipe never fills, so no write is ever interrupted: everything was either written or never
        // started.
        assert_eq!(failed, Vec::<coinpeer_runtime::SendFailure>::new());
        assert_eq!(sent + dropped, 9_900);
        assert_eq!(wait_disconnect(&a).await, DisconnectReason::LocalRequest);
        assert_eq!(a.queued_bytes(), 0);
        // Whatever was reported sent did reach the other side, and nothing else.
        assert_eq!(wait_disconnect(&b).await, DisconnectReason::RemoteClosed);
        assert_eq!(b.stats().received["feefilter"].messages, 100 + sent as u64);
        if sent > 0 && dropped > 0 {
            println!("raced at attempt {attempt}: {sent} written after the first 100, {dropped} dropped");
            return;
        }
    }
    panic!("in 20 attempts the disconnect never landed while the writer was busy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnect_from_100_tasks_at_once_is_one_local_request() {
    let (a, b) = pair(regtest().build(), regtest().build()).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(100));
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let (a, barrier) = (a.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                a.disconnect();
                a.is_connected()
            })
        })
        .collect();
    for t in tasks {
        assert!(
            !t.await.expect("no task panics"),
            "disconnected once disconnect returns"
        );
    }
    assert_eq!(wait_disconnect(&a).await, DisconnectReason::LocalRequest);
    assert_eq!(wait_disconnect(&b).await, DisconnectReason::RemoteClosed);
    // Again, later: still a no-op.
    a.disconnect();
    assert_eq!(a.disconnect_reason(), Some(DisconnectReason::LocalRequest));
}

#[tokio::test]
async fn queue_message_after_disconnect_resolves_dropped_at_once() {
    let (a, _b) = pair(regtest().build(), regtest().build()).await;
    a.disconnect();
    // Before the tasks have even ended...
    assert_eq!(resolved_now(a.queue_message(Message::GetAddr)).await, Outcome::Dropped);
    assert_eq!(resolved_now(a.push_ping()).await, Outcome::Dropped);
    wait_disconnect(&a).await;
    // ...and after.
    assert_eq!(resolved_now(a.queue_message(Message::GetAddr)).await, Outcome::Dropped);
    assert_eq!(a.send(Message::FeeFilter(1)).await.await, Outcome::Dropped);
    assert!(!a.stats().sent.contains_key("getaddr"));
}

// ---------------------------------------------------------------------------------------------------------
// Cancellation and the end of a peer
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn cancelled_token_before_the_handshake_gives_cancelled_and_closes_the_stream() {
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    let mut remote = RawRemote::new(theirs, Network::BITCOIN_REGTEST, 70_016);
    let cancel = CancellationToken::new();
    cancel.cancel();
    let r = tokio::time::timeout(WAIT, Peer::outbound(regtest().build(), ours, addr(9), cancel))
        .await
        .expect("returns at once");
    assert!(matches!(r, Err(ConnectError::Cancelled)), "{r:?}");
    // At most our version went out before the stream was closed.
    let mut got = Vec::new();
    while let Some(m) = tokio::time::timeout(WAIT, remote.recv::<Message>()).await.unwrap() {
        got.push(m);
    }
    assert!(
        got.len() <= 1 && got.iter().all(|m| matches!(m, Message::Version(_))),
        "{got:?}"
    );
}

#[tokio::test]
async fn cancelling_during_the_handshake_gives_cancelled_and_closes_the_stream() {
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    let mut remote = RawRemote::new(theirs, Network::BITCOIN_REGTEST, 70_016);
    let cancel = CancellationToken::new();
    let dial = tokio::spawn(Peer::outbound(regtest().build(), ours, addr(9), cancel.clone()));
    // Our version arrived: the handshake is under way, waiting for a remote that stays silent.
    let Some(Message::Version(_)) = remote.recv::<Message>().await else {
        panic!("our version")
    };
    assert!(!dial.is_finished());
    cancel.cancel();
    let r = tokio::time::timeout(WAIT, dial).await.expect("returns").unwrap();
    assert!(matches!(r, Err(ConnectError::Cancelled)), "{r:?}");
    assert!(remote.recv::<Message>().await.is_none(), "the stream is closed");
}

#[tokio::test]
async fn cancelling_an_inbound_handshake_gives_cancelled() {
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    let mut remote = RawRemote::new(theirs, Network::DECRED_SIMNET, 12);
    let cancel = CancellationToken::new();
    let accept = tokio::spawn(Peer::inbound(simnet().build(), ours, addr(9), cancel.clone()));
    // Half a version message: the peer is mid-read.
    remote.send_raw(&Network::DECRED_SIMNET.magic().to_le_bytes()).await;
    tokio::task::yield_now().await;
    cancel.cancel();
    let r = tokio::time::timeout(WAIT, accept).await.expect("returns").unwrap();
    assert!(matches!(r, Err(ConnectError::Cancelled)), "{r:?}");
    assert!(remote.recv::<dcr::Message>().await.is_none());
}

#[tokio::test]
async fn cancelling_the_token_after_the_handshake_disconnects_as_a_local_request() {
    let cancel = CancellationToken::new();
    let (peer, mut remote) = raw_peer(regtest().build(), 70_016, 1 << 16, cancel.clone()).await;
    assert!(peer.is_connected());
    cancel.cancel();
    assert_eq!(wait_disconnect(&peer).await, DisconnectReason::LocalRequest);
    assert!(remote.recv::<Message>().await.is_none());
}

#[tokio::test]
async fn after_wait_for_disconnect_no_task_runs_and_the_stream_is_closed() {
    for ping in [None, Some(Duration::from_secs(120))] {
        let config = regtest().ping_interval(ping).build();
        let (peer, mut remote) = raw_peer(config, 70_016, 1 << 16, CancellationToken::new()).await;
        assert!(peer.running_tasks() > 0);
        peer.disconnect();
        peer.wait_for_disconnect().await;
        assert_eq!(peer.running_tasks(), 0);
        assert!(!peer.is_connected());
        let eof = tokio::time::timeout(WAIT, remote.recv::<Message>()).await.unwrap();
        assert!(eof.is_none(), "the remote reads EOF: {eof:?}");
        // Waiting again returns at once.
        tokio::time::timeout(WAIT, peer.wait_for_disconnect()).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_task_is_counted_once_wait_for_disconnect_returns() {
    // Whichever thread finishes the peer, its waiters must never see a task still counted.
    for _ in 0..200 {
        let (a, b) = pair(regtest().build(), regtest().build()).await;
        let waiter = tokio::spawn({
            let b = b.clone();
            async move {
                b.wait_for_disconnect().await;
                b.running_tasks()
            }
        });
        a.disconnect();
        a.wait_for_disconnect().await;
        assert_eq!(a.running_tasks(), 0);
        let left = tokio::time::timeout(WAIT, waiter).await.unwrap().unwrap();
        assert_eq!(left, 0);
    }
}

#[tokio::test]
async fn a_remote_closing_the_stream_disconnects_with_remote_closed() {
    let (peer, remote) = decred_peer().await;
    drop(remote);
    assert_eq!(wait_disconnect(&peer).await, DisconnectReason::RemoteClosed);
}

// ---------------------------------------------------------------------------------------------------------
// Messages the negotiated version does not have; the byte cap; block heights
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_message_invalid_at_the_negotiated_version_fails_and_the_peer_stays() {
    let (a, b) = pair(regtest().max_protocol_version(70_011).build(), regtest().build()).await;
    assert_eq!(a.protocol_version(), 70_011);
    match a.send(Message::SendHeaders).await.await {
        Outcome::Failed(e) => assert!(e.to_string().contains("sendheaders"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(a.queued_bytes(), 0);
    assert!(a.is_connected());
    assert_eq!(a.send(Message::GetAddr).await.await, Outcome::Sent);
    eventually("b reads the getaddr", || b.stats().received.contains_key("getaddr")).await;
    assert!(!b.stats().received.contains_key("sendheaders"));
    assert!(!b.wants_headers());
    assert!(a.is_connected() && b.is_connected());

    // Decred: addr no longer exists at 12.
    let (a, b) = pair(simnet().build(), simnet().build()).await;
    assert!(matches!(
        a.send(dcr::Message::Addr(Vec::new())).await.await,
        Outcome::Failed(_)
    ));
    assert_eq!(a.send(dcr::Message::GetAddr).await.await, Outcome::Sent);
    assert!(a.is_connected() && b.is_connected());
}

#[tokio::test]
async fn queued_bytes_exactly_at_the_cap_are_allowed_and_one_more_message_disconnects() {
    // A remote that never reads; nothing gets the writer going between the calls below. Each message counts
    // its 32 bytes and the fixed overhead of a queued message (the state machine's and the runtime's).
    let config = regtest()
        .max_queued_bytes(100 * (32 + QUEUED_MESSAGE_OVERHEAD as u64))
        .build();
    let (peer, _remote) = raw_peer(config, 70_016, 1024, CancellationToken::new()).await;
    let handles: Vec<_> = (0..100).map(|i| peer.queue_message(Message::FeeFilter(i))).collect();
    assert_eq!(peer.queued_bytes(), 100 * (32 + QUEUED_MESSAGE_OVERHEAD as u64));
    assert!(peer.is_connected(), "exactly at the cap is allowed");
    let over = peer.queue_message(Message::FeeFilter(100));
    assert_eq!(resolved_now(over).await, Outcome::Dropped);
    assert!(!peer.is_connected());
    // The disconnect releases the queue at once: every queued message is reported dropped.
    assert_eq!(peer.queued_bytes(), 0);
    assert_eq!(wait_disconnect(&peer).await, DisconnectReason::SlowReader);
    let (sent, dropped, failed) = outcomes(handles).await;
    assert_eq!(sent + dropped + failed.len(), 100);
    assert_eq!(peer.queued_bytes(), 0);
}

/// A listener that hears nothing in particular: its presence makes the peer keep each queued message
/// for `on_write`.
struct Present;

#[coinpeer_runtime::async_trait]
impl coinpeer_runtime::BitcoinListener for Present {}

#[tokio::test]
async fn with_listeners_the_copy_kept_for_on_write_counts_against_the_cap() {
    // Each message counts its frame (32 bytes and the entry's overhead) twice, the second time for the
    // message kept until the write listeners hear it, and the runtime's bookkeeping for its handle.
    let frame = 32 + QUEUED_FRAME_OVERHEAD as u64;
    let per_message = 2 * frame + (QUEUED_MESSAGE_OVERHEAD - QUEUED_FRAME_OVERHEAD) as u64;
    let config = regtest()
        .listener(Arc::new(Present))
        .max_queued_bytes(50 * per_message)
        .build();
    let (peer, _remote) = raw_peer(config, 70_016, 1024, CancellationToken::new()).await;
    let handles: Vec<_> = (0..50).map(|i| peer.queue_message(Message::FeeFilter(i))).collect();
    assert_eq!(peer.queued_bytes(), 50 * per_message);
    assert!(peer.is_connected(), "exactly at the cap is allowed");
    let over = peer.queue_message(Message::FeeFilter(50));
    assert_eq!(resolved_now(over).await, Outcome::Dropped);
    assert_eq!(wait_disconnect(&peer).await, DisconnectReason::SlowReader);
    assert_eq!(peer.queued_bytes(), 0);
    let (sent, dropped, failed) = outcomes(handles).await;
    assert_eq!(sent + dropped + failed.len(), 50);
}

#[tokio::test]
async fn a_remote_that_never_reads_is_cut_off_at_the_queued_bytes_cap() {
    const CAP: u64 = 16 * 1024;
    let config = regtest().max_queued_bytes(CAP).build();
    // The remote stays alive but never reads again: the 1 KiB pipe fills and the writer blocks.
    let (peer, _remote) = raw_peer(config, 70_016, 1024, CancellationToken::new()).await;
    let mut handles = Vec::new();
    let mut max_queued = 0;
    for i in 0..100_000 {
        if !peer.is_connected() {
            break;
        }
        handles.push(peer.queue_message(Message::FeeFilter(i)));
        max_queued = max_queued.max(peer.queued_bytes());
        tokio::task::yield_now().await;
    }
    assert!(!peer.is_connected(), "cut off after {} messages", handles.len());
    assert!(max_queued <= CAP, "{max_queued} bytes queued");
    assert!(handles.len() < 1024, "{} messages queued", handles.len());
    assert_eq!(wait_disconnect(&peer).await, DisconnectReason::SlowReader);
    assert_eq!(peer.queued_bytes(), 0, "everything queued was released");
    let (sent, dropped, failed) = outcomes(handles).await;
    assert!(
        sent > 0 && sent * 32 <= 1024,
        "at most a pipe's worth was written: {sent}"
    );
    // The write blocked on the full pipe is interrupted by the disconnect: that message is dropped too, like
    // everything queued behind it.
    assert_eq!(failed, Vec::<coinpeer_runtime::SendFailure>::new());
    assert!(dropped > 0);
}

#[tokio::test]
async fn last_block_height_only_increases() {
    let (a, _b) = pair(regtest().build(), regtest().build()).await;
    a.update_last_block_height(100);
    assert_eq!(a.last_block(), 100);
    a.update_last_block_height(99);
    assert_eq!(a.last_block(), 100, "a lower height is ignored");
    a.update_last_block_height(101);
    assert_eq!(a.last_block(), 101);
    assert_eq!(a.stats().last_block, 101);
    assert_eq!(
        a.starting_height(),
        0,
        "the starting height is the remote's, at the handshake"
    );

    // It starts from the remote's advertised height.
    let (peer, _remote) = bitcoin_peer(70_016).await;
    assert_eq!((peer.starting_height(), peer.last_block()), (7, 7));
    peer.update_last_block_height(6);
    assert_eq!(peer.last_block(), 7);
}

// ---------------------------------------------------------------------------------------------------------
// Bad input after the handshake
// ---------------------------------------------------------------------------------------------------------

/// A 24-byte header with the given fields.
fn header(magic: u32, command: &[u8], length: u32, checksum: [u8; 4]) -> Vec<u8> {
    let mut h = magic.to_le_bytes().to_vec();
    let mut cmd = [0u8; 12];
    cmd[..command.len()].copy_from_slice(command);
    h.extend_from_slice(&cmd);
    h.extend_from_slice(&length.to_le_bytes());
    h.extend_from_slice(&checksum);
    h
}

/// A whole frame with a correct checksum.
fn frame(network: &Network, command: &[u8], payload: &[u8]) -> Vec<u8> {
    let checksum = network.dialect().checksum(payload);
    let mut f = header(network.magic(), command, payload.len() as u32, checksum);
    f.extend_from_slice(payload);
    f
}

/// Sends `bytes` after the handshake and returns the decode error the peer disconnected with.
async fn malformed<D: Dialect>(peer: &Peer<D>, remote: &mut RawRemote, bytes: &[u8]) -> DecodeError {
    remote.send_raw(bytes).await;
    match wait_disconnect(peer).await {
        DisconnectReason::Protocol(ProtocolViolation::Malformed(e)) => e,
        other => panic!("{other:?}"),
    }
}

/// What the remote reads after its bad input: a Bitcoin reject "malformed" (if any), then the end.
async fn bitcoin_reject_then_eof(remote: &mut RawRemote) -> Option<btc::Reject> {
    let first = tokio::time::timeout(WAIT, remote.recv::<Message>()).await.unwrap();
    let reject = match first {
        None => return None,
        Some(Message::Reject(r)) => r,
        Some(other) => panic!("{other:?}"),
    };
    let end = tokio::time::timeout(WAIT, remote.recv::<Message>()).await.unwrap();
    assert!(end.is_none(), "the reject is the last thing sent: {end:?}");
    Some(reject)
}

/// A case of bad input: what it is, the bytes sent and a test of the error kind expected.
type BadInput = (&'static str, Vec<u8>, fn(&ErrorKind) -> bool);

/// The Bitcoin cases.
fn bitcoin_bad_inputs() -> Vec<BadInput> {
    let net = Network::BITCOIN_REGTEST;
    vec![
        ("garbage", vec![0xab; 40], |k| {
            matches!(k, ErrorKind::WrongMagic { found: 0xabab_abab, .. })
        }),
        ("wrong magic", frame(&Network::BITCOIN, b"verack", &[]), |k| {
            matches!(
                k,
                ErrorKind::WrongMagic {
                    expected: 0xdab5_bffa,
                    found: 0xd9b4_bef9
                }
            )
        }),
        (
            "oversized length",
            header(net.magic(), b"inv", 4_000_001, [0; 4]),
            |k| {
                matches!(
                    k,
                    ErrorKind::MessageTooLarge {
                        length: 4_000_001,
                        max: 4_000_000
                    }
                )
            },
        ),
        ("oversized for its type", header(net.magic(), b"ping", 9, [0; 4]), |k| {
            matches!(k, ErrorKind::PayloadTooLarge { length: 9, max: 8 })
        }),
        ("bad checksum", header(net.magic(), b"getaddr", 0, [1, 2, 3, 4]), |k| {
            matches!(
                k,
                ErrorKind::BadChecksum {
                    expected: [1, 2, 3, 4],
                    computed: [0x5d, 0xf6, 0xe0, 0xe2]
                }
            )
        }),
        (
            "bad command",
            header(net.magic(), b"in\0v", 0, [0x5d, 0xf6, 0xe0, 0xe2]),
            |k| matches!(k, ErrorKind::MalformedCommand(_)),
        ),
        ("short payload", frame(&net, b"inv", &[2, 1, 0, 0, 0]), |k| {
            matches!(k, ErrorKind::UnexpectedEnd { .. })
        }),
        ("feefilter too long", frame(&net, b"feefilter", &[0; 9]), |k| {
            matches!(k, ErrorKind::PayloadTooLarge { length: 9, max: 8 })
        }),
        ("trailing bytes", frame(&net, b"getdata", &[1; 38]), |k| {
            matches!(k, ErrorKind::TrailingBytes { count: 1 })
        }),
    ]
}

#[tokio::test]
async fn bitcoin_bad_input_disconnects_with_the_decode_error_after_a_malformed_reject() {
    for (what, bytes, kind) in bitcoin_bad_inputs() {
        let (peer, mut remote) = bitcoin_peer(70_016).await;
        let e = malformed(&peer, &mut remote, &bytes).await;
        assert!(kind(&e.kind), "{what}: {e:?}");
        let reject = bitcoin_reject_then_eof(&mut remote)
            .await
            .unwrap_or_else(|| panic!("{what}: no reject"));
        assert_eq!(reject.code, RejectCode::MALFORMED, "{what}");
        assert_eq!(reject.message, "malformed", "{what}");
        assert_eq!(reject.reason, e.to_string(), "{what}");
    }
}

#[tokio::test]
async fn bitcoin_below_70002_gets_no_reject_before_the_close() {
    let (peer, mut remote) = bitcoin_peer(70_001).await;
    assert_eq!(peer.protocol_version(), 70_001);
    let e = malformed(&peer, &mut remote, &[0xab; 24]).await;
    assert!(matches!(e.kind, ErrorKind::WrongMagic { .. }), "{e:?}");
    assert_eq!(bitcoin_reject_then_eof(&mut remote).await, None);
}

#[tokio::test]
async fn decred_bad_input_disconnects_with_the_decode_error_and_nothing_sent() {
    let net = Network::DECRED_SIMNET;
    let cases: Vec<BadInput> = vec![
        ("garbage", vec![0x5a; 30], |k| {
            matches!(k, ErrorKind::WrongMagic { found: 0x5a5a_5a5a, .. })
        }),
        ("wrong magic", frame(&Network::DECRED, b"verack", &[]), |k| {
            matches!(
                k,
                ErrorKind::WrongMagic {
                    expected: 0x1214_1c16,
                    found: 0xd9b4_00f9
                }
            )
        }),
        (
            "oversized length",
            header(net.magic(), b"inv", 32 * 1024 * 1024 + 1, [0; 4]),
            |k| {
                matches!(
                    k,
                    ErrorKind::MessageTooLarge {
                        length: 33_554_433,
                        max: 33_554_432
                    }
                )
            },
        ),
        (
            "bad checksum",
            header(net.magic(), b"getaddr", 0, [0x5d, 0xf6, 0xe0, 0xe2]),
            |k| {
                matches!(
                    k,
                    ErrorKind::BadChecksum {
                        computed: [0x71, 0x6f, 0x6e, 0x86],
                        ..
                    }
                )
            },
        ),
        ("addr at 12", frame(&net, b"addr", &[0]), |k| {
            matches!(k, ErrorKind::PayloadTooLarge { length: 1, max: 0 })
        }),
    ];
    for (what, bytes, kind) in cases {
        let (peer, mut remote) = decred_peer().await;
        let e = malformed(&peer, &mut remote, &bytes).await;
        assert!(kind(&e.kind), "{what}: {e:?}");
        let end = tokio::time::timeout(WAIT, remote.recv::<dcr::Message>()).await.unwrap();
        assert!(end.is_none(), "{what}: Decred sends nothing back: {end:?}");
    }
}

#[tokio::test]
async fn an_unknown_command_after_the_handshake_is_not_a_disconnect() {
    let (peer, mut remote) = bitcoin_peer(70_016).await;
    remote
        .send_raw(&frame(&Network::BITCOIN_REGTEST, b"sendpackages", b"\x01\x02"))
        .await;
    remote.send(&Message::GetAddr).await;
    eventually("the getaddr after it", || peer.stats().received.contains_key("getaddr")).await;
    assert!(peer.is_connected());
    // Counted under one name, so that made-up commands cannot grow the statistics.
    assert_eq!(peer.stats().received[UNKNOWN_COMMANDS].messages, 1);
    assert!(!peer.stats().received.contains_key("sendpackages"));

    let (peer, mut remote) = decred_peer().await;
    remote
        .send(&dcr::Message::Unknown {
            command: Command::from_static("newthing"),
            payload: Bytes::from_static(b"xyz"),
        })
        .await;
    remote.send(&dcr::Message::GetAddr).await;
    eventually("the getaddr after it", || peer.stats().received.contains_key("getaddr")).await;
    assert!(peer.is_connected(), "unlike dcrd, an unknown command is ignored");
    // Nothing was sent back.
    peer.disconnect();
    assert!(remote.recv::<dcr::Message>().await.is_none());
}

#[tokio::test]
async fn an_unknown_inventory_type_is_not_a_protocol_error() {
    let (peer, mut remote) = bitcoin_peer(70_016).await;
    let inv = Message::Inv(vec![Inventory {
        kind: InvType(0x1234),
        hash: Hash256::ZERO,
    }]);
    remote.send(&inv).await;
    remote.send(&Message::GetAddr).await;
    eventually("the getaddr after it", || peer.stats().received.contains_key("getaddr")).await;
    assert!(peer.is_connected());
}
