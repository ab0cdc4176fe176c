//! Outcome handles: how a caller learns what became of a queued message.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::oneshot;

pub use coinpeer_protocol::{Outcome, SendFailure};

/// Resolves once, to what became of a queued message. Dropping it does not cancel the send.
#[derive(Debug)]
pub struct SendHandle {
    rx: oneshot::Receiver<Outcome>,
}

impl Future for SendHandle {
    type Output = Outcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        // A sender dropped unresolved means the peer went away first.
        Pin::new(&mut self.rx).poll(cx).map(|r| r.unwrap_or(Outcome::Dropped))
    }
}

/// A handle and the sender that resolves it.
pub(crate) fn handle() -> (oneshot::Sender<Outcome>, SendHandle) {
    let (tx, rx) = oneshot::channel();
    (tx, SendHandle { rx })
}

/// A handle already resolved to `outcome`.
pub(crate) fn resolved(outcome: Outcome) -> SendHandle {
    let (tx, h) = handle();
    let _ = tx.send(outcome);
    h
}
