//! The peer's events as a `futures::Stream`: for callers who would rather pull than implement a listener.

use crate::peer::Shared;
use crate::Dialect;
use coinpeer_protocol::{DisconnectReason, Session};
use coinpeer_wire::Frame;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Something that happened to a peer, from [`Peer::events`](crate::Peer::events).
#[derive(Debug)]
#[non_exhaustive]
pub enum PeerEvent<M> {
    /// The handshake completed: what it settled (the negotiated version, the remote's version message, the
    /// clock offset, the features in force). The first event, unless the handshake never completed (a
    /// stream taken by an `on_version` listener of a peer that then failed).
    Connected(Arc<Session>),
    /// A message from the remote, with the frame it came in: its raw payload is shared, not copied, and
    /// can be forwarded as it is.
    Message {
        /// The decoded message.
        msg: M,
        /// Its frame.
        frame: Frame,
    },
    /// The peer disconnected; the last event.
    Disconnected(DisconnectReason),
}

/// The stream of a peer's events. While it is full the peer stops reading (the remote is not blamed for
/// the time); once it and every [`Peer`](crate::Peer) handle are dropped, the connection closes.
pub struct PeerEvents<D: Dialect> {
    pub(crate) shared: Arc<Shared<D>>,
    /// The handshake was reported.
    pub(crate) started: bool,
    /// An event taken from the queue before the handshake's could be reported, held for the next poll.
    pub(crate) held: Option<PeerEvent<D::Message>>,
    /// The disconnect was reported.
    pub(crate) done: bool,
}

impl<D: Dialect> PeerEvents<D> {
    /// The next event; `None` after [`PeerEvent::Disconnected`].
    pub async fn recv(&mut self) -> Option<PeerEvent<D::Message>> {
        std::future::poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut *self), cx)).await
    }
}

impl<D: Dialect> futures_core::Stream for PeerEvents<D> {
    type Item = PeerEvent<D::Message>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // The handshake's event is reported here rather than queued; it comes first.
        if let Some(event) = self.connected() {
            return Poll::Ready(Some(event));
        }
        if let Some(held) = self.held.take() {
            return Poll::Ready(Some(held));
        }
        let queue = self
            .shared
            .events
            .as_ref()
            .expect("a stream exists only with an event queue");
        match queue.poll_next(cx) {
            Poll::Ready(None) if !self.done => {
                // The peer's task ended: the reason is known by now. It is reported here rather than
                // queued, so that a stream nobody reads cannot hold the task up.
                self.done = true;
                let reason = crate::peer::relock(&self.shared.core).conn.disconnect_reason().cloned();
                Poll::Ready(Some(PeerEvent::Disconnected(
                    reason.unwrap_or(DisconnectReason::LocalRequest),
                )))
            }
            Poll::Ready(Some(event)) if !self.started => {
                // Taken before the handshake was reported (a stream polled early, from an `on_version`
                // listener): the session was set before this event was queued, so it goes first.
                match self.connected() {
                    Some(connected) => {
                        self.held = Some(event);
                        Poll::Ready(Some(connected))
                    }
                    None => Poll::Ready(Some(event)),
                }
            }
            other => other,
        }
    }
}

// Nothing in the stream is pinned structurally: the held event moves freely.
impl<D: Dialect> Unpin for PeerEvents<D> {}

impl<D: Dialect> PeerEvents<D> {
    /// The handshake's event, the first time the session is known.
    fn connected(&mut self) -> Option<PeerEvent<D::Message>> {
        if self.started {
            return None;
        }
        let session = self.shared.session.get()?.clone();
        self.started = true;
        Some(PeerEvent::Connected(session))
    }
}

impl<D: Dialect> Drop for PeerEvents<D> {
    fn drop(&mut self) {
        if let Some(queue) = &self.shared.events {
            queue.close_reader();
        }
        self.shared.stream_alive.store(false, Ordering::SeqCst);
        self.shared.close_if_abandoned();
    }
}

impl<D: Dialect> std::fmt::Debug for PeerEvents<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerEvents").field("peer", &self.shared.id).finish()
    }
}
