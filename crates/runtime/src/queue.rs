//! The outbound queue: every queued message reports its outcome exactly once.

use bytes::Bytes;
use coinpeer_wire::{Command, EncodeError};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::oneshot;

/// What became of a queued message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Written to the connection.
    Sent,
    /// Not written: it could not be encoded, or the write failed.
    Failed(String),
    /// Not written: the peer disconnected first.
    Dropped,
}

/// A queued message's outcome, to await or to drop.
///
/// It resolves exactly once. Dropping it does not cancel the message.
#[derive(Debug)]
pub struct SendHandle {
    rx: oneshot::Receiver<Outcome>,
}

impl Future for SendHandle {
    type Output = Outcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        // A sender dropped without reporting can only be a message discarded at shutdown.
        Pin::new(&mut self.rx).poll(cx).map(|r| r.unwrap_or(Outcome::Dropped))
    }
}

/// A message encoded and waiting for the writer.
#[derive(Debug)]
pub(crate) struct Queued<M> {
    /// Kept for the write listeners.
    pub(crate) msg: M,
    pub(crate) command: Command,
    /// The whole frame, header included: encoded when queued so its size is known for the byte cap.
    pub(crate) frame: Bytes,
    /// The ping nonce, if this is a ping: ping statistics start when a ping is written.
    pub(crate) ping_nonce: Option<u64>,
    pub(crate) done: oneshot::Sender<Outcome>,
}

impl<M> Queued<M> {
    pub(crate) fn resolve(self, outcome: Outcome) {
        // The handle may have been dropped; the outcome then has no one to tell.
        let _ = self.done.send(outcome);
    }
}

/// A handle and its sender.
pub(crate) fn handle() -> (oneshot::Sender<Outcome>, SendHandle) {
    let (tx, rx) = oneshot::channel();
    (tx, SendHandle { rx })
}

/// A handle already resolved.
pub(crate) fn resolved(outcome: Outcome) -> SendHandle {
    let (tx, h) = handle();
    let _ = tx.send(outcome);
    h
}

pub(crate) fn encode_failed(e: &EncodeError) -> Outcome {
    Outcome::Failed(format!("encode: {e}"))
}
