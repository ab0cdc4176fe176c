//! The round trip, at every version: one property per message type.

use crate::messages::{
    block_txn, cfcheckpt, cfheaders, cfilter, cmpct_block, filter_load, get_block_txn, get_cfcheckpt, get_cfilters,
    merkle_block, message, reject, send_cmpct, unknown,
};
use crate::values::{
    addrv2_entry, block, bytes, header, inventory, locator, segwit_transaction, timed_net_address, transaction,
    version_message,
};
use crate::{config, expected_at, gate, MAX, VERSIONS};
use bytes::{Bytes, BytesMut};
use coinpeer_wire::bitcoin::{Message, SendTxRcncl};
use coinpeer_wire::{
    encode_frame, Command, DecodeError, EncodeError, EncodeOptions, ErrorKind, Frame, FrameDecoder, Network,
    WireMessage,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;

/// How a test feeds a frame decoder: chunk sizes used in turn, and the network.
fn chunks() -> impl Strategy<Value = Vec<usize>> {
    vec(
        prop_oneof![4 => 1usize..=8, 2 => 9usize..=200, 1 => 201usize..=70_000],
        1..=8,
    )
}

fn network() -> impl Strategy<Value = Network> {
    select(vec![
        Network::BITCOIN,
        Network::BITCOIN_TESTNET3,
        Network::BITCOIN_SIGNET,
        Network::BITCOIN_REGTEST,
        Network::LITECOIN,
    ])
}

pub fn payload(msg: &Message, opts: EncodeOptions) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    msg.encode_payload(opts, &mut out)?;
    Ok(out)
}

pub fn decode(command: &Command, payload: &[u8], version: u32) -> Result<Message, DecodeError> {
    Message::decode_payload(command, &Bytes::copy_from_slice(payload), version)
}

/// Feeds `wire` to `decoder` in chunks of the given sizes (cycling), collecting every frame as it completes.
/// Each frame comes with the stream range of the chunk after which it was returned.
fn feed(
    decoder: &mut FrameDecoder,
    wire: &[u8],
    chunks: &[usize],
) -> Result<Vec<(Frame, std::ops::Range<usize>)>, TestCaseError> {
    let mut frames = Vec::new();
    let mut at = 0;
    for &size in chunks.iter().cycle() {
        if at == wire.len() {
            break;
        }
        let end = (at + size).min(wire.len());
        decoder.extend_from_slice(&wire[at..end]);
        while let Some(frame) = decoder
            .next_frame()
            .map_err(|e| TestCaseError::fail(format!("frame decoder: {e}")))?
        {
            frames.push((frame, at..end));
        }
        at = end;
    }
    prop_assert_eq!(decoder.buffered(), 0, "bytes left in the decoder");
    Ok(frames)
}

/// `msg` encoded at `version` three ways (payload, frame, frame among others chunked at random) decodes to the
/// value the wire can carry at that version; below the message's gate both directions refuse it.
fn check_at(msg: &Message, version: u32, net: &Network, chunks: &[usize]) -> Result<(), TestCaseError> {
    let command = msg.command();
    let opts = EncodeOptions::new(version);
    if version < gate(command.as_str()) {
        match payload(msg, opts) {
            Err(EncodeError::UnsupportedAtVersion { command: c, version: v }) => {
                prop_assert_eq!((c, v), (command.as_str(), version));
            }
            other => prop_assert!(false, "{command} at {version}: encoder gave {other:?}"),
        }
        let mut out = BytesMut::from(&b"kept"[..]);
        let r = encode_frame(net, msg, opts, &mut out);
        prop_assert!(matches!(r, Err(EncodeError::UnsupportedAtVersion { .. })), "{r:?}");
        prop_assert_eq!(&out[..], b"kept", "a refused frame leaves the buffer as it was");
        let valid = payload(msg, EncodeOptions::new(MAX)).expect("encodes at the newest version");
        let err = decode(&command, &valid, version).expect_err("decoder refuses a message below its gate");
        prop_assert_eq!(err.kind, ErrorKind::UnsupportedAtVersion { version });
        prop_assert_eq!(err.command, Some(command));
        return Ok(());
    }

    let expected = expected_at(msg, version);
    let bytes = payload(msg, opts).map_err(|e| TestCaseError::fail(format!("{command} at {version}: {e}")))?;
    let decoded = decode(&command, &bytes, version)
        .map_err(|e| TestCaseError::fail(format!("{command} at {version}: {e}; payload {}", hex::encode(&bytes))))?;
    prop_assert_eq!(&decoded, &expected, "payload round trip at {}", version);
    // What was decoded encodes back to the same bytes: one wire form per value.
    prop_assert_eq!(
        payload(&decoded, opts).unwrap(),
        bytes.clone(),
        "re-encoding at {}",
        version
    );

    // Frames: the message, a verack and the message again, cut into chunks.
    let mut wire = BytesMut::from(&b"junk"[..]);
    let n = encode_frame(net, msg, opts, &mut wire).unwrap();
    prop_assert_eq!(n, 24 + bytes.len());
    prop_assert_eq!(&wire[..4], b"junk", "encode_frame appends");
    let mut wire = wire.split_off(4);
    let verack_at = wire.len();
    encode_frame(net, &Message::Verack, opts, &mut wire).unwrap();
    encode_frame(net, msg, opts, &mut wire).unwrap();
    let mut decoder = FrameDecoder::new(net.clone(), version);
    let frames = feed(&mut decoder, &wire, chunks)?;
    prop_assert_eq!(frames.len(), 3);
    let (start, end) = (frames[0].1.start, frames[0].1.end);
    prop_assert!(
        start < verack_at && verack_at <= end,
        "the first frame is returned with the chunk holding its last byte"
    );
    for (i, (frame, _)) in frames.iter().enumerate() {
        let want = if i == 1 { &Message::Verack } else { &expected };
        prop_assert_eq!(frame.header.magic, net.magic());
        prop_assert_eq!(frame.header.command, want.command());
        prop_assert_eq!(frame.header.length as usize, frame.payload.len());
        if i != 1 {
            prop_assert_eq!(&frame.payload[..], &bytes[..]);
        }
        let got: Message = frame
            .decode(version)
            .map_err(|e| TestCaseError::fail(format!("frame {i} at {version}: {e}")))?;
        prop_assert_eq!(&got, want, "frame {} at {}", i, version);
    }
    Ok(())
}

fn round_trip_everywhere(msg: &Message, net: &Network, chunks: &[usize]) -> Result<(), TestCaseError> {
    for &v in VERSIONS {
        check_at(msg, v, net, chunks)?;
    }
    Ok(())
}

/// One property per message type, so that a failure names the message.
macro_rules! round_trip_props {
    ($($name:ident: $strategy:expr;)*) => {
        proptest! {
            #![proptest_config(config())]
            $(
                #[test]
                fn $name(msg in $strategy, net in network(), chunks in chunks()) {
                    round_trip_everywhere(&msg, &net, &chunks)?;
                }
            )*
        }
    };
}

round_trip_props! {
    version_round_trips_at_every_version: version_message().prop_map(Message::Version);
    verack_round_trips_at_every_version: Just(Message::Verack);
    getaddr_round_trips_at_every_version: Just(Message::GetAddr);
    addr_round_trips_at_every_version: vec(timed_net_address(), 0..=20).prop_map(Message::Addr);
    addrv2_round_trips_from_70016: vec(addrv2_entry(), 0..=20).prop_map(Message::AddrV2);
    sendaddrv2_round_trips_from_70016: Just(Message::SendAddrV2);
    inv_round_trips_at_every_version: vec(inventory(), 0..=30).prop_map(Message::Inv);
    getdata_round_trips_at_every_version: vec(inventory(), 0..=30).prop_map(Message::GetData);
    notfound_round_trips_at_every_version: vec(inventory(), 0..=30).prop_map(Message::NotFound);
    getblocks_round_trips_at_every_version: locator().prop_map(Message::GetBlocks);
    getheaders_round_trips_at_every_version: locator().prop_map(Message::GetHeaders);
    headers_round_trip_at_every_version: vec(header(), 0..=30).prop_map(Message::Headers);
    block_round_trips_at_every_version: block().prop_map(Message::Block);
    tx_round_trips_at_every_version: transaction().prop_map(Message::Tx);
    segwit_tx_round_trips_at_every_version: segwit_transaction().prop_map(Message::Tx);
    ping_round_trips_at_every_version: any::<u64>().prop_map(Message::Ping);
    pong_round_trips_above_60000: any::<u64>().prop_map(Message::Pong);
    reject_round_trips_from_70002: reject().prop_map(Message::Reject);
    sendheaders_round_trips_from_70012: Just(Message::SendHeaders);
    feefilter_round_trips_from_70013: any::<i64>().prop_map(Message::FeeFilter);
    mempool_round_trips_from_60002: Just(Message::MemPool);
    merkleblock_round_trips_from_70001: merkle_block().prop_map(Message::MerkleBlock);
    filterload_round_trips_from_70001: filter_load().prop_map(Message::FilterLoad);
    filteradd_round_trips_from_70001: bytes(0..=520).prop_map(Message::FilterAdd);
    filterclear_round_trips_from_70001: Just(Message::FilterClear);
    getcfilters_round_trips_at_every_version: get_cfilters().prop_map(Message::GetCFilters);
    cfilter_round_trips_at_every_version: cfilter().prop_map(Message::CFilter);
    getcfheaders_round_trips_at_every_version: get_cfilters().prop_map(Message::GetCFHeaders);
    cfheaders_round_trips_at_every_version: cfheaders().prop_map(Message::CFHeaders);
    getcfcheckpt_round_trips_at_every_version: get_cfcheckpt().prop_map(Message::GetCFCheckpt);
    cfcheckpt_round_trips_at_every_version: cfcheckpt().prop_map(Message::CFCheckpt);
    wtxidrelay_round_trips_from_70016: Just(Message::WtxidRelay);
    sendcmpct_round_trips_from_70014: send_cmpct().prop_map(Message::SendCmpct);
    cmpctblock_round_trips_from_70014: cmpct_block().prop_map(Message::CmpctBlock);
    getblocktxn_round_trips_from_70014: get_block_txn().prop_map(Message::GetBlockTxn);
    blocktxn_round_trips_from_70014: block_txn().prop_map(Message::BlockTxn);
    sendtxrcncl_round_trips_at_every_version:
        (any::<u32>(), any::<u64>()).prop_map(|(version, salt)| Message::SendTxRcncl(SendTxRcncl { version, salt }));
    unknown_command_round_trips_whole_at_every_version: unknown();
    any_message_round_trips_at_every_version: message();
}
