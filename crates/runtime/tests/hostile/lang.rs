//! The two dialects as the scenarios speak them: networks, versions and what differs in their answers.

use coinpeer_handshake::HandshakeMessage;
use coinpeer_runtime::{Bitcoin, Decred, Dialect, DisconnectReason, ProtocolViolation};
use coinpeer_wire::messages::ServiceFlags;
use coinpeer_wire::{bitcoin, decred, Command, DecodeError, ErrorKind, Network};

/// A dialect as the scenarios speak it.
pub(crate) trait Lang: Dialect {
    /// The network the listener speaks.
    const NETWORK: Network;
    /// A network of the same dialect with another magic.
    const FOREIGN: Network;
    /// A protocol version far older than the oldest the listener accepts.
    const ANCIENT: u32;
    /// Whether a message that breaks the protocol after the handshake is answered with a `reject`.
    const REJECTS: bool;
    /// The address message at the newest version (Decred replaced `addr` with `addrv2` at 12).
    const ADDR: &'static str;
    /// The service `filterload` needs, where the dialect has bloom filters at all.
    const BLOOM: Option<ServiceFlags>;
    /// The newest version, which the attackers speak.
    const VERSION: u32 = <Self::Message as HandshakeMessage>::MAX_VERSION;
    fn fee_filter(rate: i64) -> Self::Message;
}

impl Lang for Bitcoin {
    const NETWORK: Network = Network::BITCOIN_REGTEST;
    const FOREIGN: Network = Network::BITCOIN;
    const ANCIENT: u32 = 209;
    const REJECTS: bool = true;
    const ADDR: &'static str = "addr";
    const BLOOM: Option<ServiceFlags> = Some(ServiceFlags::BTC_BLOOM);
    fn fee_filter(rate: i64) -> bitcoin::Message {
        bitcoin::Message::FeeFilter(rate)
    }
}

impl Lang for Decred {
    const NETWORK: Network = Network::DECRED_SIMNET;
    const FOREIGN: Network = Network::DECRED;
    const ANCIENT: u32 = decred::version::INITIAL;
    const REJECTS: bool = false;
    const ADDR: &'static str = "addrv2";
    const BLOOM: Option<ServiceFlags> = None;
    fn fee_filter(rate: i64) -> decred::Message {
        decred::Message::FeeFilter(rate)
    }
}

/// `Malformed` with the decode error the listener must report.
pub(crate) fn malformed(command: Option<&str>, offset: u64, kind: ErrorKind) -> DisconnectReason {
    DisconnectReason::Protocol(ProtocolViolation::Malformed(DecodeError {
        command: command.map(|c| Command::new(c).expect("a command")),
        offset,
        kind,
    }))
}
