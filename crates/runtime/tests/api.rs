//! The handle's newer surface: events as a stream, sending that waits for room (and only for room), and a
//! connection that closes once nobody holds it.

mod support;

use coinpeer_runtime::{Bitcoin, DisconnectReason, Outcome, PeerEvent, TrySendError};
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::messages::{InvType, Inventory};
use coinpeer_wire::{Hash256, Network};
use futures_core::Stream;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use support::{pair, quiet, raw_peer};

const WAIT: Duration = Duration::from_secs(5);

fn regtest() -> coinpeer_runtime::PeerConfigBuilder<Bitcoin> {
    quiet(Network::BITCOIN_REGTEST)
}

/// The next item of a stream, polled by hand (the crate uses no stream combinators).
async fn next<S: Stream + Unpin>(s: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *s).poll_next(cx)).await
}

/// A peer's event stream, past its first event: the handshake's.
async fn after_connected(peer: &coinpeer_runtime::Peer<Bitcoin>) -> coinpeer_runtime::PeerEvents<Bitcoin> {
    let mut events = peer.events().expect("configured");
    match next(&mut events).await {
        Some(PeerEvent::Connected(_)) => events,
        other => panic!("the first event is the handshake's: {other:?}"),
    }
}

#[tokio::test]
async fn events_arrive_in_order_with_their_frames_then_the_disconnect() {
    let (a, b) = pair(regtest().build(), regtest().events(16).build()).await;
    let mut events = b.events().expect("configured");
    assert!(b.events().is_none(), "taken once");
    match next(&mut events).await {
        Some(PeerEvent::Connected(session)) => {
            assert_eq!(session.version, 70016, "the negotiated version");
            assert_eq!(session.direction, coinpeer_runtime::Direction::Inbound);
            assert_eq!(session.remote.version, 70016, "the remote's version message");
        }
        other => panic!("the handshake comes first: {other:?}"),
    }
    assert_eq!(a.send(Message::FeeFilter(7)).await.await, Outcome::Sent);
    assert_eq!(a.send(Message::SendHeaders).await.await, Outcome::Sent);
    for expected in [Message::FeeFilter(7), Message::SendHeaders] {
        match tokio::time::timeout(WAIT, next(&mut events)).await.expect("an event") {
            Some(PeerEvent::Message { msg, frame }) => {
                assert_eq!(msg, expected);
                assert_eq!(frame.header.command, expected.command());
                assert_eq!(
                    frame.decode::<Message>(70016).unwrap(),
                    expected,
                    "the raw payload decodes to it"
                );
            }
            other => panic!("{other:?}"),
        }
    }
    a.disconnect();
    match tokio::time::timeout(WAIT, next(&mut events))
        .await
        .expect("the disconnect")
    {
        Some(PeerEvent::Disconnected(reason)) => assert_eq!(reason, DisconnectReason::RemoteClosed),
        other => panic!("{other:?}"),
    }
    assert!(next(&mut events).await.is_none(), "nothing after the disconnect");
}

/// Takes the peer's event stream in `on_version`, before the handshake completed, and polls it there once.
struct TakesTheStreamEarly(
    std::sync::Mutex<Option<tokio::sync::oneshot::Sender<coinpeer_runtime::PeerEvents<Bitcoin>>>>,
);

#[coinpeer_runtime::async_trait]
impl coinpeer_runtime::BitcoinListener for TakesTheStreamEarly {
    async fn on_version(
        &self,
        peer: &coinpeer_runtime::Peer<Bitcoin>,
        _msg: &coinpeer_wire::messages::VersionMessage,
    ) -> Result<(), String> {
        let mut events = peer.events().expect("configured");
        std::future::poll_fn(|cx| {
            assert!(Pin::new(&mut events).poll_next(cx).is_pending(), "nothing yet");
            std::task::Poll::Ready(())
        })
        .await;
        let out = self.0.lock().unwrap().take().expect("one handshake");
        let _ = out.send(events);
        Ok(())
    }
}

#[tokio::test]
async fn a_stream_polled_before_the_handshake_completed_still_starts_with_it() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let early = std::sync::Arc::new(TakesTheStreamEarly(std::sync::Mutex::new(Some(tx))));
    let (a, _b) = pair(regtest().build(), regtest().events(16).listener(early).build()).await;
    let mut events = rx.await.expect("the listener ran");
    assert_eq!(a.send(Message::SendHeaders).await.await, Outcome::Sent);
    match tokio::time::timeout(WAIT, next(&mut events)).await.expect("an event") {
        Some(PeerEvent::Connected(session)) => assert_eq!(session.version, 70016),
        other => panic!("the handshake's event comes first: {other:?}"),
    }
    match tokio::time::timeout(WAIT, next(&mut events)).await.expect("an event") {
        Some(PeerEvent::Message { msg, .. }) => assert_eq!(msg, Message::SendHeaders),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_full_event_stream_pauses_reading_without_losing_events() {
    let (a, b) = pair(regtest().build(), regtest().events(2).build()).await;
    let mut events = after_connected(&b).await;
    for i in 0..200 {
        drop(a.queue_message(Message::FeeFilter(i)));
    }
    // Nobody reads for a while: the peer holds back rather than buffering without bound.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(b.is_connected());
    for i in 0..200 {
        match tokio::time::timeout(WAIT, next(&mut events)).await.expect("an event") {
            Some(PeerEvent::Message { msg, .. }) => assert_eq!(msg, Message::FeeFilter(i)),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn try_send_says_full_past_the_send_buffer_and_send_waits_for_room() {
    // A remote that never reads: a 1 KiB pipe fills, then the queue.
    let (peer, _remote) = raw_peer(regtest().send_buffer(4096).build(), 70_016, 1024).await;
    // One 36 KB inv passes the 4 KiB buffer (a queue with room takes one message whatever its size); the
    // pipe takes 1 KiB of it and no more.
    let big = || Message::Inv(vec![Inventory::new(InvType::TX, Hash256([1; 32])); 1000]);
    drop(peer.try_send(big()).expect("room for one"));
    let full = peer.try_send(big()).expect_err("no room for a second");
    assert!(matches!(full, TrySendError::Full(Message::Inv(_))), "{full:?}");
    // `send` waits for room that never comes, until the peer closes.
    let waiting = tokio::spawn({
        let peer = peer.clone();
        // Returns the handle: the task is unfinished only while send itself waits for room.
        #[allow(clippy::async_yields_async)] // the handle, not its outcome, is what the task yields
        async move {
            peer.send(Message::SendHeaders).await
        }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!waiting.is_finished(), "send waits while the queue is full");
    peer.disconnect();
    let handle = tokio::time::timeout(WAIT, waiting).await.unwrap().unwrap();
    assert_eq!(handle.await, Outcome::Dropped);
    assert!(matches!(
        peer.try_send(Message::SendHeaders),
        Err(TrySendError::Closed(_))
    ));
}

#[tokio::test]
async fn send_returns_once_queued_and_a_loop_of_sends_lets_other_tasks_run() {
    // A remote that never reads, and room for every message below.
    let (peer, _remote) = raw_peer(regtest().send_buffer(1 << 20).build(), 70_016, 1024).await;
    // On this single-threaded runtime the peer's task cannot have run yet: `send` returned as soon as the
    // message was queued, and its handle is still waiting.
    let mut handle = peer.send(Message::SendHeaders).await;
    let early = std::future::poll_fn(|cx| std::task::Poll::Ready(Pin::new(&mut handle).poll(cx))).await;
    assert!(early.is_pending(), "not written yet: {early:?}");
    assert_eq!(handle.await, Outcome::Sent);
    // A tight loop of sends yields now and then, so the other tasks of the thread (the peer's own among
    // them) run while it queues.
    let ticks = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let ticker = tokio::spawn({
        let ticks = ticks.clone();
        async move {
            loop {
                ticks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::task::yield_now().await;
            }
        }
    });
    for i in 0..1000 {
        drop(peer.send(Message::FeeFilter(i)).await);
    }
    let ran = ticks.load(std::sync::atomic::Ordering::SeqCst);
    ticker.abort();
    assert!(ran > 0, "the loop of sends never yielded");
    assert!(peer.is_connected());
}

#[tokio::test]
async fn dropping_every_handle_closes_the_connection() {
    let (a, b) = pair(regtest().build(), regtest().build()).await;
    let clone = a.clone();
    drop(a);
    assert!(clone.is_connected(), "a clone still holds it");
    drop(clone);
    tokio::time::timeout(WAIT, b.wait_for_disconnect())
        .await
        .expect("the remote sees the close");
    assert_eq!(b.disconnect_reason(), Some(DisconnectReason::RemoteClosed));
}

#[tokio::test]
async fn a_held_event_stream_keeps_the_connection_open_without_handles() {
    let (a, b) = pair(regtest().events(4).build(), regtest().build()).await;
    let mut events = after_connected(&a).await;
    drop(a);
    assert_eq!(b.send(Message::SendHeaders).await.await, Outcome::Sent);
    match tokio::time::timeout(WAIT, next(&mut events)).await.expect("an event") {
        Some(PeerEvent::Message { msg, .. }) => assert_eq!(msg, Message::SendHeaders),
        other => panic!("{other:?}"),
    }
    drop(events);
    tokio::time::timeout(WAIT, b.wait_for_disconnect())
        .await
        .expect("closed once the stream is dropped too");
}

#[tokio::test]
async fn peers_of_one_process_recognise_a_connection_to_themselves_by_default() {
    use coinpeer_runtime::{CancellationToken, ConnectError, Peer, PeerConfig};
    let (a, b) = tokio::io::duplex(1 << 16);
    let config = || PeerConfig::<Bitcoin>::builder(Network::BITCOIN_REGTEST).build();
    let (_out, inb) = tokio::join!(
        Peer::outbound(config(), a, support::addr(1), CancellationToken::new()),
        Peer::inbound(config(), b, support::addr(2), CancellationToken::new()),
    );
    assert!(
        matches!(
            inb,
            Err(ConnectError::Handshake(
                coinpeer_handshake::HandshakeError::SelfConnection
            ))
        ),
        "{inb:?}"
    );
}

#[tokio::test]
async fn a_received_frame_is_forwarded_unchanged() {
    // a -> b, then b's frames go out through c to d, as a relay's would.
    let (a, b) = pair(regtest().build(), regtest().events(4).build()).await;
    let (c, d) = pair(regtest().build(), regtest().events(4).build()).await;
    let (mut from_a, mut at_d) = (after_connected(&b).await, after_connected(&d).await);
    let block = Message::Inv(vec![Inventory::new(InvType::BLOCK, Hash256([9; 32])); 3]);
    assert_eq!(a.send(block.clone()).await.await, Outcome::Sent);
    let Some(PeerEvent::Message { frame, .. }) = tokio::time::timeout(WAIT, next(&mut from_a)).await.unwrap() else {
        panic!("a message");
    };
    assert_eq!(c.forward(&frame).await, Outcome::Sent);
    match tokio::time::timeout(WAIT, next(&mut at_d)).await.expect("an event") {
        Some(PeerEvent::Message { msg, frame: out }) => {
            assert_eq!(msg, block);
            assert_eq!(out.header, frame.header, "same command, length and checksum");
            assert_eq!(out.payload, frame.payload);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_message_queued_by_reference_is_sent_as_queue_message_sends_it() {
    let (a, b) = pair(regtest().build(), regtest().events(8).build()).await;
    let mut events = after_connected(&b).await;
    let inv = Message::Inv(vec![Inventory::new(InvType::TX, Hash256([4; 32]))]);
    assert_eq!(a.queue_message_ref(&inv).await, Outcome::Sent);
    assert_eq!(
        a.queue_message_ref(&inv).await,
        Outcome::Sent,
        "the caller still has it to send again"
    );
    for _ in 0..2 {
        match tokio::time::timeout(WAIT, next(&mut events)).await.expect("an event") {
            Some(PeerEvent::Message { msg, .. }) => assert_eq!(msg, inv),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(a.stats().sent["inv"].messages, 2);
}

#[tokio::test]
async fn a_frame_encoded_once_reaches_every_peer_it_is_sent_to() {
    let (a, b) = pair(regtest().build(), regtest().events(4).build()).await;
    let (c, d) = pair(regtest().build(), regtest().events(4).build()).await;
    assert_eq!(
        a.encode_options(),
        c.encode_options(),
        "equal settings: one frame suits both"
    );
    let inv = Message::Inv(vec![Inventory::new(InvType::TX, Hash256([6; 32])); 2]);
    let prepared = coinpeer_wire::Frame::encode(&Network::BITCOIN_REGTEST, &inv, a.encode_options()).unwrap();
    assert_eq!(a.send_frame(&prepared).await.await, Outcome::Sent);
    assert_eq!(c.send_frame(&prepared).await.await, Outcome::Sent);
    for receiver in [&b, &d] {
        let mut events = after_connected(receiver).await;
        match tokio::time::timeout(WAIT, next(&mut events)).await.expect("an event") {
            Some(PeerEvent::Message { msg, frame }) => {
                assert_eq!(msg, inv);
                assert_eq!(frame.payload, prepared.payload);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(a.stats().sent["inv"].messages, 1);
}

#[tokio::test]
async fn send_frame_waits_for_room_as_send_does() {
    // A remote that never reads; one large message fills the 4 KiB buffer.
    let (peer, _remote) = raw_peer(regtest().send_buffer(4096).build(), 70_016, 1024).await;
    let big = Message::Inv(vec![Inventory::new(InvType::TX, Hash256([1; 32])); 1000]);
    drop(peer.try_send(big).expect("room for one"));
    let small = Message::SendHeaders;
    let frame = coinpeer_wire::Frame::encode(&Network::BITCOIN_REGTEST, &small, peer.encode_options()).unwrap();
    let waiting = tokio::spawn({
        let peer = peer.clone();
        // Returns the handle: the task is unfinished only while send_frame itself waits for room.
        #[allow(clippy::async_yields_async)] // the handle, not its outcome, is what the task yields
        async move {
            peer.send_frame(&frame).await
        }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!waiting.is_finished(), "send_frame waits while the queue is full");
    peer.disconnect();
    let handle = tokio::time::timeout(WAIT, waiting).await.unwrap().unwrap();
    assert_eq!(handle.await, Outcome::Dropped);
}
