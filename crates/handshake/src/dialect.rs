//! What the handshake needs from a dialect: how to build and recognise the few messages it deals with.

use coinpeer_wire::bitcoin::{self, RejectCode};
use coinpeer_wire::decred;
use coinpeer_wire::messages::{ServiceFlags, VersionMessage};
use coinpeer_wire::WireMessage;

/// How the handshake sees a received message.
#[derive(Debug)]
pub enum MessageKind<'a> {
    /// A version message.
    Version(&'a VersionMessage),
    /// A verack.
    Verack,
    /// Bitcoin's `sendaddrv2` (BIP155).
    SendAddrV2,
    /// Bitcoin's `wtxidrelay` (BIP339).
    WtxidRelay,
    /// Anything else: recorded and replayed after the handshake.
    Other,
}

/// The messages of a dialect, as far as the handshake is concerned.
pub trait HandshakeMessage: WireMessage {
    /// The newest protocol version the dialect speaks, our default.
    const MAX_VERSION: u32;
    /// The oldest protocol version accepted by default.
    const DEFAULT_MIN_VERSION: u32;

    /// A version message.
    fn version(v: VersionMessage) -> Self;
    /// A verack.
    fn verack() -> Self;
    /// Bitcoin's `sendaddrv2`; `None` in dialects without it.
    fn send_addrv2() -> Option<Self>;
    /// Bitcoin's `wtxidrelay`; `None` in dialects without it.
    fn wtxid_relay() -> Option<Self>;
    /// Classifies a received message.
    fn kind(&self) -> MessageKind<'_>;
    /// The optional features that can be negotiated at protocol version `negotiated`.
    fn features_at(negotiated: u32) -> FeatureSupport;
    /// A reject for `command`, if the dialect has one at `version` (Bitcoin from 70002; Decred never).
    fn reject(version: u32, command: &str, code: u8, reason: &str) -> Option<Self>;
    /// Whether a peer advertising `services` can send and receive witness data.
    fn has_witness(services: ServiceFlags) -> bool;
}

/// Optional features a dialect offers at a negotiated version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeatureSupport {
    /// `sendaddrv2` may be exchanged.
    pub addrv2: bool,
    /// `wtxidrelay` may be exchanged.
    pub wtxid_relay: bool,
}

impl HandshakeMessage for bitcoin::Message {
    const MAX_VERSION: u32 = bitcoin::version::MAX;
    // 70001 rather than btcd's 209: nothing older than BIP37 is still on the network.
    const DEFAULT_MIN_VERSION: u32 = bitcoin::version::BIP0037;

    fn version(v: VersionMessage) -> Self {
        bitcoin::Message::Version(v)
    }
    fn verack() -> Self {
        bitcoin::Message::Verack
    }
    fn send_addrv2() -> Option<Self> {
        Some(bitcoin::Message::SendAddrV2)
    }
    fn wtxid_relay() -> Option<Self> {
        Some(bitcoin::Message::WtxidRelay)
    }
    fn kind(&self) -> MessageKind<'_> {
        match self {
            bitcoin::Message::Version(v) => MessageKind::Version(v),
            bitcoin::Message::Verack => MessageKind::Verack,
            bitcoin::Message::SendAddrV2 => MessageKind::SendAddrV2,
            bitcoin::Message::WtxidRelay => MessageKind::WtxidRelay,
            _ => MessageKind::Other,
        }
    }
    fn features_at(negotiated: u32) -> FeatureSupport {
        let modern = negotiated >= bitcoin::version::ADDRV2;
        FeatureSupport {
            addrv2: modern,
            wtxid_relay: modern,
        }
    }
    fn reject(version: u32, command: &str, code: u8, reason: &str) -> Option<Self> {
        (version >= bitcoin::version::REJECT).then(|| {
            bitcoin::Message::Reject(bitcoin::Reject {
                message: command.to_string(),
                code: RejectCode(code),
                reason: reason.to_string(),
                hash: None,
            })
        })
    }
    fn has_witness(services: ServiceFlags) -> bool {
        services.contains(ServiceFlags::BTC_WITNESS)
    }
}

impl HandshakeMessage for decred::Message {
    const MAX_VERSION: u32 = decred::version::MAX;
    // dcrd refuses anything older than the removal of `reject`.
    const DEFAULT_MIN_VERSION: u32 = decred::version::REMOVE_REJECT;

    fn version(v: VersionMessage) -> Self {
        decred::Message::Version(v)
    }
    fn verack() -> Self {
        decred::Message::Verack
    }
    fn send_addrv2() -> Option<Self> {
        None
    }
    fn wtxid_relay() -> Option<Self> {
        None
    }
    fn kind(&self) -> MessageKind<'_> {
        match self {
            decred::Message::Version(v) => MessageKind::Version(v),
            decred::Message::Verack => MessageKind::Verack,
            _ => MessageKind::Other,
        }
    }
    fn features_at(_negotiated: u32) -> FeatureSupport {
        FeatureSupport::default()
    }
    // Decred never sends `reject`: dcrd removed it at version 9 and disconnects on one.
    fn reject(_version: u32, _command: &str, _code: u8, _reason: &str) -> Option<Self> {
        None
    }
    fn has_witness(_services: ServiceFlags) -> bool {
        // Decred transactions always carry their witness part; there is no service bit to negotiate.
        true
    }
}
