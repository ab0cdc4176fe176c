//! Events on a channel, for callers who would rather receive than implement a listener trait.

use coinpeer_wire::DecodeError;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Something a peer received.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event<M> {
    /// A message, in the order received (messages that arrived before the verack first).
    Message {
        /// The peer's id.
        peer: u64,
        /// The peer's address.
        addr: SocketAddr,
        /// The message.
        message: M,
    },
    /// Bytes that did not decode; the peer disconnects after this.
    ReadError {
        /// The peer's id.
        peer: u64,
        /// The peer's address.
        addr: SocketAddr,
        /// What was wrong.
        error: DecodeError,
    },
}

/// The receiving end of [`event_channel`].
#[derive(Debug)]
pub struct EventReceiver<M> {
    rx: mpsc::Receiver<Event<M>>,
}

impl<M> EventReceiver<M> {
    /// The next event; `None` once every peer using the channel has gone.
    pub async fn recv(&mut self) -> Option<Event<M>> {
        self.rx.recv().await
    }

    /// The next event if one is waiting.
    pub fn try_recv(&mut self) -> Option<Event<M>> {
        self.rx.try_recv().ok()
    }
}

/// The listener half of [`event_channel`]: forwards what the peer reads.
#[derive(Debug, Clone)]
pub struct EventForwarder<M> {
    pub(crate) tx: mpsc::Sender<Event<M>>,
}

impl<M: Clone> EventForwarder<M> {
    /// Forwards what a read hook heard: a message, or the error of bytes that did not decode.
    pub(crate) async fn forward_read(&self, peer: u64, addr: SocketAddr, msg: Option<&M>, err: Option<&DecodeError>) {
        let event = match (msg, err) {
            (Some(m), _) => Event::Message {
                peer,
                addr,
                message: m.clone(),
            },
            (None, Some(e)) => Event::ReadError {
                peer,
                addr,
                error: e.clone(),
            },
            (None, None) => return,
        };
        // A receiver that went away wants no more events; that is not the peer's problem.
        let _ = self.tx.send(event).await;
    }
}

/// A listener that forwards every message (and decode error) of the peers it is given to, with the
/// receiver of those events. Add the listener to one or many peers' configurations.
///
/// The channel holds `capacity` events; when it is full, a peer's listener call waits until the receiver
/// catches up, so memory stays bounded; a receiver slower than [`LISTENER_BUDGET`](crate::LISTENER_BUDGET)
/// disconnects the peers it holds up. [`Peer::events`](crate::Peer::events) is the cheaper way to receive.
///
/// ```
/// use coinpeer_runtime::{event_channel, Bitcoin, PeerConfig};
/// use coinpeer_wire::Network;
///
/// let (listener, mut events) = event_channel::<Bitcoin>(64);
/// let config = PeerConfig::<Bitcoin>::builder(Network::BITCOIN_REGTEST).listener(listener).build();
/// assert!(events.try_recv().is_none());
/// # drop(config);
/// ```
pub fn event_channel<D: crate::Dialect>(capacity: usize) -> (Arc<D::Listener>, EventReceiver<D::Message>) {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    (D::event_listener(EventForwarder { tx }), EventReceiver { rx })
}
