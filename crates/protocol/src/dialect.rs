//! What the peer needs to know of a dialect's messages, so that one state machine serves both.

use coinpeer_handshake::{Features, HandshakeMessage};
use coinpeer_wire::messages::{BlockLocator, Inventory, ServiceFlags, TimedNetAddress};
use coinpeer_wire::Hash256;

/// How the peer itself treats a received message, whatever the dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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

/// What a request waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Awaited {
    /// An item requested by hash (a block, a transaction, a mixing message).
    Item(Hash256),
    /// A reply message of this command (e.g. `initstate`, `headers`).
    Reply(&'static str),
}

/// An answer a sent message asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// An item by hash, answered by `reply` or by a `notfound` listing it.
    Item {
        /// The item's hash.
        hash: Hash256,
        /// The command that delivers it.
        reply: &'static str,
    },
    /// A reply message (within the normal timeout).
    Reply(&'static str),
    /// A `headers` reply: tracked only when a headers timeout is configured.
    Headers,
}

/// A protocol dialect as the peer sees it: how to build the messages it sends on its own, and what the
/// messages it receives mean to it.
///
/// Implemented by [`Bitcoin`](crate::Bitcoin) and [`Decred`](crate::Decred).
pub trait Dialect: Send + Sync + Sized + 'static {
    /// The dialect's messages.
    type Message: HandshakeMessage;
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
}
