//! The event channel: what listeners hear, as values on a channel, in order.

mod support;

use coinpeer_runtime::{event_channel, Bitcoin, CancellationToken, Event, Peer};
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::{ErrorKind, Network};
use std::time::Duration;
use support::{addr, pair, quiet, RawRemote};

async fn next<M>(rx: &mut coinpeer_runtime::EventReceiver<M>) -> Event<M> {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("an event in time")
        .expect("channel open")
}

#[tokio::test]
async fn messages_arrive_on_the_channel_in_order() {
    let (listener, mut events) = event_channel::<Bitcoin>(16);
    let cfg = quiet::<Bitcoin>(Network::BITCOIN_REGTEST).listener(listener).build();
    let (a, b) = pair(quiet::<Bitcoin>(Network::BITCOIN_REGTEST).build(), cfg).await;
    let sent = [
        Message::FeeFilter(5),
        Message::GetAddr,
        Message::Unknown {
            command: coinpeer_wire::Command::new("protoconf").unwrap(),
            payload: bytes::Bytes::from_static(b"\x01\x02"),
        },
    ];
    for m in &sent {
        a.queue_message(m.clone());
    }
    for m in sent {
        match next(&mut events).await {
            Event::Message { peer, message, .. } => {
                assert_eq!(peer, b.id());
                assert_eq!(message, m);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn messages_sent_before_the_verack_come_first_and_decode_errors_are_events() {
    let (listener, mut events) = event_channel::<Bitcoin>(16);
    let cfg = quiet::<Bitcoin>(Network::BITCOIN_REGTEST).listener(listener).build();
    let (x, y) = tokio::io::duplex(1 << 16);
    let mut remote = RawRemote::new(y, Network::BITCOIN_REGTEST, 70016);
    let script = async {
        let _: Option<Message> = remote.recv().await; // our version
        remote.send(&Message::Version(remote.version_message(77))).await;
        remote.send(&Message::SendHeaders).await; // before its verack: replayed
        remote.send(&Message::Verack).await;
        remote
    };
    let (peer, mut remote) = tokio::join!(Peer::outbound(cfg, x, addr(9), CancellationToken::new()), script);
    let peer = peer.unwrap();
    assert!(matches!(
        next(&mut events).await,
        Event::Message {
            message: Message::SendHeaders,
            ..
        }
    ));
    assert!(peer.wants_headers());
    remote.send_raw(&[0xde, 0xad, 0xbe, 0xef].repeat(6)).await;
    match next(&mut events).await {
        Event::ReadError { error, .. } => assert!(matches!(error.kind, ErrorKind::WrongMagic { .. })),
        other => panic!("unexpected {other:?}"),
    }
    peer.wait_for_disconnect().await;
}
