//! What a dialect's message type must provide, so that framing, codecs and the runtime above can be written
//! once for both dialects.

use crate::encode::Sink;
use crate::error::{DecodeError, EncodeError};
use crate::frame::Command;
use crate::network::Dialect;
use bytes::Bytes;
use std::fmt::Debug;

/// How to encode a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeOptions {
    /// The protocol version the remote understands (the negotiated one, after a handshake).
    pub version: u32,
    /// Bitcoin only: write transactions with their witness data (BIP144). Turn off for peers that did not
    /// advertise witness support. Decred ignores it.
    pub witness: bool,
}

impl EncodeOptions {
    /// Options for protocol `version`, witness data included.
    pub const fn new(version: u32) -> Self {
        EncodeOptions { version, witness: true }
    }

    /// The same options without witness data.
    pub const fn without_witness(self) -> Self {
        EncodeOptions { witness: false, ..self }
    }
}

/// A dialect's message enum: [`bitcoin::Message`](crate::bitcoin::Message) or
/// [`decred::Message`](crate::decred::Message).
pub trait WireMessage: Sized + Clone + Debug + PartialEq + Send + Sync + 'static {
    /// The dialect these messages belong to.
    const DIALECT: Dialect;

    /// The command naming this message on the wire.
    fn command(&self) -> Command;

    /// Decodes the payload of a `command` message at protocol `version`. Unknown commands give the dialect's
    /// `Unknown` variant, never an error.
    fn decode_payload(command: &Command, payload: &Bytes, version: u32) -> Result<Self, DecodeError>;

    /// Writes the payload (without frame header).
    fn encode_payload<S: Sink + ?Sized>(&self, opts: EncodeOptions, out: &mut S) -> Result<(), EncodeError>;

    /// A one-line human summary for logs, e.g. `inv (3 tx, 1 block)`.
    fn summary(&self) -> String;
}
