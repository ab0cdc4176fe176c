//! The differential check: same payload, same frame, and each side decodes what the other wrote.

use crate::convert::to_btc;
use crate::PVER;
use bitcoin::consensus::encode::{deserialize, serialize};
use bitcoin::p2p::message::RawNetworkMessage;
use bitcoin::p2p::Magic;
use bytes::{Bytes, BytesMut};
use coinpeer_wire::bitcoin as cw;
use coinpeer_wire::{encode_frame, EncodeOptions, FrameDecoder, Network, WireMessage};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

pub fn our_payload(msg: &cw::Message, version: u32) -> Vec<u8> {
    let mut out = Vec::new();
    msg.encode_payload(EncodeOptions::new(version), &mut out).unwrap();
    out
}

pub fn our_frame(msg: &cw::Message) -> BytesMut {
    let mut out = BytesMut::new();
    encode_frame(&Network::BITCOIN, msg, EncodeOptions::new(PVER), &mut out).unwrap();
    out
}

pub fn decode_our_frame(wire: &[u8]) -> Result<cw::Message, TestCaseError> {
    let mut dec = FrameDecoder::new(Network::BITCOIN, PVER);
    dec.extend_from_slice(wire);
    let frame = dec
        .next_frame()
        .map_err(|e| TestCaseError::fail(format!("our frame decoder on their frame: {e}")))?
        .ok_or_else(|| TestCaseError::fail("their frame is incomplete for our decoder"))?;
    prop_assert_eq!(dec.buffered(), 0);
    frame
        .decode(PVER)
        .map_err(|e| TestCaseError::fail(format!("our decoder on their payload: {e}")))
}

/// Same payload bytes, same frame bytes, and each side decodes the other's frame to the equal value.
pub fn same_as_bitcoin_crate(ours: &cw::Message) -> Result<(), TestCaseError> {
    let theirs = to_btc(ours);
    let command = ours.command();
    prop_assert_eq!(theirs.command().to_string(), command.to_string());

    let mine = our_payload(ours, PVER);
    let their_payload = serialize(&theirs);
    prop_assert_eq!(
        hex::encode(&mine),
        hex::encode(&their_payload),
        "{} payload: ours vs bitcoin crate",
        command
    );
    let back = cw::Message::decode_payload(&command, &Bytes::from(their_payload), PVER)
        .map_err(|e| TestCaseError::fail(format!("{command}: our decoder on their payload: {e}")))?;
    prop_assert_eq!(&back, ours);

    let frame = our_frame(ours);
    let their_frame = serialize(&RawNetworkMessage::new(Magic::BITCOIN, theirs.clone()));
    prop_assert_eq!(
        hex::encode(&frame),
        hex::encode(&their_frame),
        "{} frame: ours vs bitcoin crate",
        command
    );
    let raw: RawNetworkMessage =
        deserialize(&frame).map_err(|e| TestCaseError::fail(format!("{command}: bitcoin crate on our frame: {e}")))?;
    prop_assert_eq!(raw.magic(), &Magic::BITCOIN);
    prop_assert_eq!(raw.payload(), &theirs);
    prop_assert_eq!(&decode_our_frame(&their_frame)?, ours);
    Ok(())
}
