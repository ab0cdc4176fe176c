//! What the runtime needs from a dialect beyond what the protocol core needs: its listener trait and how
//! to call it, so that one peer implementation serves both.

use crate::Peer;
use bytes::Bytes;
use coinpeer_wire::messages::VersionMessage;
use coinpeer_wire::DecodeError;
use std::future::Future;
use std::pin::Pin;

pub use coinpeer_protocol::Control;
use coinpeer_protocol::Dialect as ProtocolDialect;

/// A boxed future borrowed for `'a`, as listeners return.
pub type BoxFuture<'a, T = ()> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A protocol dialect as the runtime sees it: the protocol core's
/// [`Dialect`](coinpeer_protocol::Dialect) plus its listener trait.
///
/// Implemented by [`Bitcoin`](crate::Bitcoin) and [`Decred`](crate::Decred).
pub trait Dialect: ProtocolDialect {
    /// The dialect's listener trait object, e.g. `dyn BitcoinListener`.
    type Listener: ?Sized + Send + Sync + 'static;

    /// Calls the listener method for `msg`; `raw` is the payload it was decoded from.
    fn dispatch<'a>(
        l: &'a Self::Listener,
        peer: &'a Peer<Self>,
        msg: &'a Self::Message,
        raw: &'a Bytes,
    ) -> BoxFuture<'a>;
    /// Calls the listener's version hook; `Err` refuses the peer.
    fn on_version<'a>(
        l: &'a Self::Listener,
        peer: &'a Peer<Self>,
        v: &'a VersionMessage,
    ) -> BoxFuture<'a, Result<(), String>>;
    /// Calls the listener's read hook: every read, failed or not.
    fn on_read<'a>(
        l: &'a Self::Listener,
        peer: &'a Peer<Self>,
        bytes: usize,
        msg: Option<&'a Self::Message>,
        err: Option<&'a DecodeError>,
    ) -> BoxFuture<'a>;
    /// The dialect's listener that forwards reads to an event channel (see [`event_channel`](crate::event_channel)).
    fn event_listener(forwarder: crate::EventForwarder<Self::Message>) -> std::sync::Arc<Self::Listener>;
    /// Calls the listener's write hook: every write, failed or not.
    fn on_write<'a>(
        l: &'a Self::Listener,
        peer: &'a Peer<Self>,
        bytes: usize,
        msg: &'a Self::Message,
        err: Option<&'a str>,
    ) -> BoxFuture<'a>;
}
