//! A `tokio_util` codec over [`FrameDecoder`] and [`encode_frame`], for `Framed` streams.

use crate::error::{DecodeError, EncodeError};
use crate::frame::{encode_frame, FrameDecoder};
use crate::message::{EncodeOptions, WireMessage};
use crate::network::Network;
use bytes::BytesMut;
use std::marker::PhantomData;

/// What can go wrong on a framed stream.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The transport failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// The peer sent bytes that do not decode.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A message could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

/// Decodes and encodes whole messages of dialect `M` on a stream, for `tokio_util::codec::Framed`.
///
/// ```
/// use coinpeer_wire::{bitcoin::Message, codec::MessageCodec, Network};
/// use tokio_util::codec::{Decoder, Encoder};
/// use bytes::BytesMut;
///
/// let mut codec = MessageCodec::<Message>::new(Network::BITCOIN, 70016);
/// let mut buf = BytesMut::new();
/// codec.encode(Message::Ping(1), &mut buf).unwrap();
/// assert_eq!(codec.decode(&mut buf).unwrap(), Some(Message::Ping(1)));
/// ```
#[derive(Debug)]
pub struct MessageCodec<M> {
    frames: FrameDecoder,
    network: Network,
    options: EncodeOptions,
    _dialect: PhantomData<fn() -> M>,
}

impl<M: WireMessage> MessageCodec<M> {
    /// A codec for `network` at protocol `version`.
    pub fn new(network: Network, version: u32) -> Self {
        MessageCodec {
            frames: FrameDecoder::new(network.clone(), version),
            network,
            options: EncodeOptions::new(version),
            _dialect: PhantomData,
        }
    }

    /// Changes the protocol version used both ways (e.g. once negotiated).
    pub fn set_version(&mut self, version: u32) {
        self.frames.set_version(version);
        self.options.version = version;
    }

    /// Chooses whether Bitcoin transactions are written with witness data.
    pub fn set_witness(&mut self, witness: bool) {
        self.options.witness = witness;
    }
}

impl<M: WireMessage> tokio_util::codec::Decoder for MessageCodec<M> {
    type Item = M;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<M>, CodecError> {
        match self.frames.decode_from(src)? {
            Some(frame) => Ok(Some(frame.decode(self.options.version)?)),
            None => Ok(None),
        }
    }
}

impl<M: WireMessage> tokio_util::codec::Encoder<M> for MessageCodec<M> {
    type Error = CodecError;

    fn encode(&mut self, msg: M, dst: &mut BytesMut) -> Result<(), CodecError> {
        encode_frame(&self.network, &msg, self.options, dst)?;
        Ok(())
    }
}
