//! What the runtime needs from a dialect, so that one peer implementation serves both.

use crate::stall::{Awaited, Expect};
use crate::Peer;
use bytes::Bytes;
use coinpeer_handshake::{Features, HandshakeMessage};
use coinpeer_wire::messages::{BlockLocator, Inventory, ServiceFlags, TimedNetAddress, VersionMessage};
use coinpeer_wire::DecodeError;
use std::future::Future;
use std::pin::Pin;

/// A boxed future borrowed for `'a`, as listeners return.
pub type BoxFuture<'a, T = ()> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Messages the peer handles itself, whatever the dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// A ping to answer.
    Ping(u64),
    /// A pong answering one of our pings.
    Pong(u64),
    /// The remote wants blocks announced with headers.
    SendHeaders,
    /// The remote's minimum fee rate for transactions we announce (`feefilter`).
    FeeFilter(i64),
    /// A request only a node offering these services answers (Bitcoin: BIP37 filters and `mempool` need
    /// bloom). Sent to a node that does not advertise them, it breaks the protocol.
    NeedsService(ServiceFlags),
    /// A command the dialect does not know (counted under one name in the statistics, so that a remote
    /// cannot grow them with made-up commands).
    Unknown,
    /// A handshake message after the handshake: a protocol violation.
    HandshakeOnly,
    /// Everything else.
    Other,
}

/// A protocol dialect as the runtime sees it: its messages, its listener trait and how to call it.
///
/// Implemented by [`Bitcoin`](crate::Bitcoin) and [`Decred`](crate::Decred).
pub trait Dialect: Send + Sync + Sized + 'static {
    /// The dialect's messages.
    type Message: HandshakeMessage;
    /// The dialect's listener trait object, e.g. `dyn BitcoinListener`.
    type Listener: ?Sized + Send + Sync + 'static;
    /// The dialect's `addrv2` entry.
    type AddrV2Entry: Clone + Send + Sync + 'static;

    /// A ping carrying `nonce`.
    fn ping(nonce: u64) -> Self::Message;
    /// A pong answering `nonce`.
    fn pong(nonce: u64) -> Self::Message;
    /// An `inv` of `items`.
    fn inv(items: Vec<Inventory>) -> Self::Message;
    /// A `getheaders`.
    fn get_headers(locator: BlockLocator) -> Self::Message;
    /// A `getblocks`.
    fn get_blocks(locator: BlockLocator) -> Self::Message;
    /// An `addr` of `addrs`.
    fn addr(addrs: Vec<TimedNetAddress>) -> Self::Message;
    /// An `addrv2` of `entries`.
    fn addr_v2(entries: Vec<Self::AddrV2Entry>) -> Self::Message;
    /// `addr` as an `addrv2` entry; `None` for legacy encodings `addrv2` forbids (OnionCat Tor v2, internal).
    fn to_addr_v2(addr: &TimedNetAddress) -> Option<Self::AddrV2Entry>;
    /// Whether the remote takes `addrv2` (Bitcoin: it sent `sendaddrv2`; Decred: protocol version 12).
    fn addr_v2_in_force(features: &Features, version: u32) -> bool;

    /// The inventory a received message announces (so that it is not announced back).
    fn announced(msg: &Self::Message) -> &[Inventory];
    /// The answers a message we send asks for, fed to `out` (stall detection).
    fn requests(msg: &Self::Message, out: &mut dyn FnMut(Expect));
    /// What a received message answers, fed to `out` (stall detection).
    fn answers(msg: &Self::Message, out: &mut dyn FnMut(Awaited));
    /// How the peer itself treats `msg`.
    fn control(msg: &Self::Message) -> Control;
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
