//! The body of the `differential` target: one Bitcoin frame, decoded by coinpeer-wire and by the `bitcoin`
//! crate (0.32), which must agree.
//!
//! Input: byte 0 picks the command (below 0xf0: one of both crates' known commands, see `known`; 0xf0 to 0xfe:
//! a made-up name, see `crate::command`; 0xff: the next 12 bytes as the raw command field), then the payload.
//! The frame around them has mainnet's magic, the payload's length and its checksum.
//!
//! Checked: both accept the frame or both refuse it, except for the divergences listed in `ours_only` and
//! `theirs_only`, each a deliberate difference checked by its exact condition; an accepted message re-encodes
//! to the same payload in both crates, and (except a version message, whose optional fields are written
//! back) to the payload received.

use super::Input;
use bitcoin::consensus::encode::{deserialize, serialize};
use bitcoin::p2p::message::{NetworkMessage, RawNetworkMessage};
use bytes::BytesMut;
use coinpeer_wire::bitcoin::{self as cw, Message};
use coinpeer_wire::{
    Command, DecodeError, Dialect, EncodeOptions, ErrorKind, FrameDecoder, Network, WireMessage, HEADER_LEN,
};

/// The protocol version both speak: the bitcoin crate always writes the relay byte and ping nonces.
const PVER: u32 = 70_016;

/// Commands either crate knows: ours, and `alert`, which only the bitcoin crate decodes.
fn known() -> Vec<&'static str> {
    let mut k = cw::COMMANDS.to_vec();
    k.push("alert");
    k
}

pub fn fuzz(data: &[u8]) {
    let mut input = Input::new(data);
    let field = command_field(&mut input);
    let payload = input.rest();
    let mut frame = Vec::with_capacity(HEADER_LEN + payload.len());
    frame.extend_from_slice(&Network::BITCOIN.magic().to_le_bytes());
    frame.extend_from_slice(&field);
    frame.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    frame.extend_from_slice(&Dialect::Bitcoin.checksum(payload));
    frame.extend_from_slice(payload);

    let ours = ours(&frame);
    let theirs = deserialize::<RawNetworkMessage>(&frame);
    match (ours, theirs) {
        (Ok(a), Ok(b)) => same_bytes(&a, b.payload(), payload),
        (Ok(a), Err(e)) => {
            let why = ours_only(&a, payload);
            let report = format!("only coinpeer accepts {}: the bitcoin crate says {e}", a.command());
            diverged(why, &report, &a);
        }
        (Err(e), Ok(b)) => {
            let why = theirs_only(&field, b.payload(), &e);
            let report = format!("only the bitcoin crate accepts {}: coinpeer says {e}", b.command());
            diverged(why, &report, b.payload());
        }
        (Err(_), Err(_)) => {}
    }
}

/// A divergence without a known reason fails; with `COINPEER_FUZZ_TRACE` set, it is printed instead, so that a
/// run lists every kind it meets.
fn diverged(why: Option<&'static str>, report: &str, value: &dyn std::fmt::Debug) {
    if why.is_none() {
        if std::env::var_os("COINPEER_FUZZ_TRACE").is_some() {
            eprintln!("DIVERGENCE {report}");
            return;
        }
        panic!("{report}\n{value:?}");
    }
}

fn command_field(input: &mut Input<'_>) -> [u8; 12] {
    let mut field = [0u8; 12];
    if input.clone().u8() == 0xff {
        input.u8();
        let raw = input.bytes(12);
        field[..raw.len()].copy_from_slice(raw);
    } else {
        let c = super::command(input, &known());
        field = *c.wire_bytes();
    }
    field
}

fn ours(frame: &[u8]) -> Result<Message, DecodeError> {
    let mut dec = FrameDecoder::new(Network::BITCOIN, PVER);
    dec.extend_from_slice(frame);
    let f = dec.next_frame()?.expect("a whole frame");
    assert_eq!(dec.buffered(), 0, "one frame, whole");
    f.decode::<Message>(PVER)
}

/// Both accepted: the same payload again, from each crate.
fn same_bytes(ours: &Message, theirs: &NetworkMessage, received: &[u8]) {
    let mut mine = BytesMut::new();
    ours.encode_payload(EncodeOptions::new(PVER), &mut mine)
        .unwrap_or_else(|e| panic!("a decoded {} does not encode: {e}", ours.command()));
    let their = serialize(theirs);
    assert!(mine[..] == their[..], "{} re-encodes differently", ours.command());
    if !matches!(ours, Message::Version(_)) {
        assert!(
            mine[..] == received[..],
            "{} does not re-encode to what was received",
            ours.command()
        );
    }
}

/// The most a fee rate can be: every coin there will ever be, in satoshis.
const MAX_MONEY: i64 = 21_000_000 * 100_000_000;

/// Why coinpeer may accept what the bitcoin crate refuses; `None` if it may not. Each is a deliberate
/// leniency of coinpeer, or a value the codec carries and the layer above judges.
fn ours_only(ours: &Message, payload: &[u8]) -> Option<&'static str> {
    let canonical = reencoded(ours).is_some_and(|b| b == payload);
    Some(match ours {
        // The bitcoin crate reads every field of a version, as UTF-8; coinpeer reads what real nodes send.
        Message::Version(_) if !canonical => {
            "a version with optional fields missing (old nodes, btcd's missing relay byte), bytes after the \
             relay byte (Bitcoin SV) or a user agent that is not UTF-8 (read lossily)"
        }
        Message::Unknown { command, .. } if *command == "alert" => {
            "alert is no message of coinpeer's: kept whole as an unknown command, whatever its payload"
        }
        Message::Reject(r) if r.hash.is_none() => "a reject without a hash: BIP61 sends one only for block and tx",
        Message::Reject(r) if !REJECT_CODES.contains(&r.code.0) => "a reject code BIP61 does not list, kept",
        Message::Reject(_) if !canonical => "a reject whose strings are not UTF-8 (read lossily)",
        Message::FeeFilter(rate) if !(0..=MAX_MONEY).contains(rate) => {
            "a fee rate out of range: the codec carries it, the peer (coinpeer-protocol) refuses it"
        }
        Message::SendCmpct(_) if payload.first().is_some_and(|b| *b > 1) => {
            "a sendcmpct announce byte other than 0 or 1, read as true as Bitcoin Core reads it"
        }
        Message::FilterLoad(f) if f.flags > 2 => "bloom flags BIP37 does not define, kept as a byte",
        _ => return None,
    })
}

/// The reject codes of BIP61, the only ones the bitcoin crate decodes.
const REJECT_CODES: [u8; 8] = [0x01, 0x10, 0x11, 0x12, 0x40, 0x41, 0x42, 0x43];

/// Why the bitcoin crate may accept what coinpeer refuses; `None` if it may not. Each is a limit or rule
/// coinpeer enforces (as Bitcoin Core and btcd do) that the bitcoin crate does not.
fn theirs_only(field: &[u8; 12], theirs: &NetworkMessage, ours: &DecodeError) -> Option<&'static str> {
    if Command::from_wire(field).is_err() {
        return Some(
            "a command field that is not printable ASCII padded with NULs (empty, control characters, NULs \
             inside), which the bitcoin crate takes as long as it is ASCII",
        );
    }
    Some(match theirs {
        NetworkMessage::Unknown { command, .. } if command.as_ref() == "sendtxrcncl" => {
            "sendtxrcncl (BIP330) is unknown to the bitcoin crate, so any payload passes"
        }
        NetworkMessage::FilterLoad(f) if f.hash_funcs > 50 || f.filter.len() > 36_000 => {
            "a filterload over BIP37's limits (36,000 bytes, 50 hash functions)"
        }
        NetworkMessage::GetBlockTxn(g) if g.txs_request.indexes.iter().any(|&i| i > u64::from(u16::MAX)) => {
            "a getblocktxn index over 16 bits, which Bitcoin Core refuses too"
        }
        NetworkMessage::Reject(r)
            if r.message != "block" && r.message != "tx" && matches!(ours.kind, ErrorKind::TrailingBytes { .. }) =>
        {
            "a reject of a command other than block or tx with a hash: BIP61 sends none, so the hash is left over"
        }
        _ if superfluous_witness(ours)
            && transactions(theirs).any(|tx| tx.input.iter().all(|i| i.witness.is_empty())) =>
        {
            "a transaction in segwit serialization with no witness data (Bitcoin Core: \"superfluous witness \
             record\"), which the bitcoin crate reads, and writes back that way when it has no inputs"
        }
        _ => return None,
    })
}

/// Whether coinpeer refused a transaction for its segwit marker with no witness data after it.
fn superfluous_witness(e: &DecodeError) -> bool {
    matches!(&e.kind, ErrorKind::InvalidValue { what: "witness", detail } if detail.contains("no witness data"))
}

/// Every transaction a message carries.
fn transactions(msg: &NetworkMessage) -> Box<dyn Iterator<Item = &bitcoin::Transaction> + '_> {
    match msg {
        NetworkMessage::Tx(tx) => Box::new(std::iter::once(tx)),
        NetworkMessage::Block(b) => Box::new(b.txdata.iter()),
        NetworkMessage::BlockTxn(b) => Box::new(b.transactions.transactions.iter()),
        NetworkMessage::CmpctBlock(c) => Box::new(c.compact_block.prefilled_txs.iter().map(|p| &p.tx)),
        _ => Box::new(std::iter::empty()),
    }
}

/// Our encoding of a decoded message, if it encodes.
fn reencoded(msg: &Message) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    msg.encode_payload(EncodeOptions::new(PVER), &mut out).ok()?;
    Some(out)
}
