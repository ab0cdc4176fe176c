//! Every message survives encode -> frame -> decode -> encode, and its payload cut short fails.

use crate::messages::message_at_version;
use bytes::{Bytes, BytesMut};
use coinpeer_wire::decred::Message;
use coinpeer_wire::{encode_frame, EncodeOptions, FrameDecoder, Network, WireMessage};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_message_round_trips_through_a_frame((msg, pver) in message_at_version()) {
        let net = Network::DECRED;
        let mut wire = BytesMut::new();
        encode_frame(&net, &msg, EncodeOptions::new(pver), &mut wire).unwrap();
        let mut dec = FrameDecoder::new(net.clone(), pver);
        dec.extend_from_slice(&wire);
        let frame = dec.next_frame().unwrap().expect("a whole frame");
        let back: Message = frame.decode(pver).unwrap();
        prop_assert_eq!(&back, &msg);
        let mut again = BytesMut::new();
        encode_frame(&net, &back, EncodeOptions::new(pver), &mut again).unwrap();
        prop_assert_eq!(again, wire);
        prop_assert_eq!(back.mix_hash().is_some(), msg.command().as_str().starts_with("mix"));
    }

    #[test]
    fn payloads_cut_short_fail_without_panicking((msg, pver) in message_at_version(), cut in any::<prop::sample::Index>()) {
        let mut payload = Vec::new();
        msg.encode_payload(EncodeOptions::new(pver), &mut payload).unwrap();
        prop_assume!(!payload.is_empty() && !matches!(msg, Message::Unknown { .. } | Message::Version(_)));
        let at = cut.index(payload.len());
        let r = Message::decode_payload(&msg.command(), &Bytes::copy_from_slice(&payload[..at]), pver);
        prop_assert!(r.is_err(), "{} cut at {} of {} decoded", msg.command(), at, payload.len());
    }
}
