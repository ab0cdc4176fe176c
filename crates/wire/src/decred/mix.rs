//! The eight mixing messages of Decred's peer-to-peer coinjoin (protocol 10): pair request, key exchange,
//! ciphertexts, slot reservation, factored polynomial, DC-net, confirmation and revealed secrets.
//!
//! Every message starts with a 64-byte signature and the sender's 33-byte identity key, and all but the pair
//! request then carry a 32-byte session id and a run number. Each ends with the hashes of the earlier messages
//! its sender had seen. A message's hash (what inventory vectors of type `mix` name) is BLAKE-256 of its whole
//! serialization, see [`Message::mix_hash`](super::Message::mix_hash).
//!
//! Decoding checks every count against its limit and against the bytes left before allocating, including the
//! two-dimensional matrices of the slot reservation and DC-net messages, whose element count is a product.
//! The slot reservation matrix is kept in its wire form ([`FieldMatrix`]), so that its values, which may be
//! empty, cost no more in memory than on the wire.

use super::field_matrix::FieldMatrix;
use super::tx::{OutPoint, Transaction, TxOut};
use super::{check_count, is_strict_ascii, read_ascii_str, Blake256Writer};
use crate::encode::{put_list, put_var_bytes, read_vec, Decode, Encode, Reader, Sink};
use crate::error::{DecodeError, EncodeError, ErrorKind};
use crate::hash::Hash256;
use crate::varint;
use bytes::Bytes;

/// Most peers in one mix; bounds the previous-message lists and one matrix dimension.
pub const MAX_MIX_PEERS: usize = 512;
/// Most mixed messages in one mix; bounds the other matrix dimension.
pub const MAX_MIX_MCOUNT: usize = 1024;
/// Longest field element of the slot reservation mix, in bytes.
pub const MAX_MIX_FIELD_VAL_LEN: usize = 32;
/// Size of one DC-net message.
pub const MIX_MSG_SIZE: usize = 20;
/// Most UTXOs in one pair request.
pub const MAX_MIX_PAIR_REQ_UTXOS: usize = 512;
/// Longest script class of a pair request.
pub const MAX_MIX_PAIR_REQ_SCRIPT_CLASS_LEN: usize = 32;
/// Longest P2SH redeem script of a pair request UTXO.
pub const MAX_MIX_PAIR_REQ_UTXO_SCRIPT_LEN: usize = 16_384;
/// Longest public key of a pair request UTXO.
pub const MAX_MIX_PAIR_REQ_UTXO_PUBKEY_LEN: usize = 33;
/// Longest signature of a pair request UTXO.
pub const MAX_MIX_PAIR_REQ_UTXO_SIGNATURE_LEN: usize = 64;
/// Size of an sntrup4591761 public key.
pub const PQ_PUBLIC_KEY_LEN: usize = 1218;
/// Size of an sntrup4591761 ciphertext.
pub const PQ_CIPHERTEXT_LEN: usize = 1047;

/// One DC-net message.
pub type MixMsg = [u8; MIX_MSG_SIZE];

fn read_seen(r: &mut Reader<'_>) -> Result<Vec<Hash256>, DecodeError> {
    let n = r.read_count("previous messages", MAX_MIX_PEERS, 32)?;
    read_vec(r, n)
}

fn check_seen(seen: &[Hash256]) -> Result<(), EncodeError> {
    check_count("previous messages", seen.len(), MAX_MIX_PEERS)
}

fn invalid_at(at: usize, what: &'static str, detail: impl Into<String>) -> DecodeError {
    DecodeError::new(
        ErrorKind::InvalidValue {
            what,
            detail: detail.into(),
        },
        at as u64,
    )
}

fn too_many_at(at: usize, what: &'static str, count: u64, max: usize) -> DecodeError {
    DecodeError::new(
        ErrorKind::CountTooLarge {
            what,
            count,
            max: max as u64,
        },
        at as u64,
    )
}

/// Fails unless `needed` bytes are left: the guard for element counts that are products of two counts.
fn need(r: &Reader<'_>, needed: u64) -> Result<(), DecodeError> {
    if needed > r.remaining() as u64 {
        return Err(r.error(ErrorKind::UnexpectedEnd {
            needed,
            available: r.remaining() as u64,
        }));
    }
    Ok(())
}

fn read_field_values(r: &mut Reader<'_>, n: usize, what: &'static str) -> Result<Vec<Bytes>, DecodeError> {
    let mut v = r.list_with_capacity(n);
    for _ in 0..n {
        v.push(r.read_var_bytes(what, MAX_MIX_FIELD_VAL_LEN)?);
    }
    Ok(v)
}

fn check_field_values(values: &[Bytes], what: &'static str) -> Result<(), EncodeError> {
    match values.iter().find(|v| v.len() > MAX_MIX_FIELD_VAL_LEN) {
        Some(v) => Err(EncodeError::InvalidValue {
            what,
            detail: format!("{} bytes, at most {MAX_MIX_FIELD_VAL_LEN}", v.len()),
        }),
        None => Ok(()),
    }
}

fn put_field_values<S: Sink + ?Sized>(out: &mut S, values: &[Bytes]) {
    varint::write(out, values.len() as u64);
    for v in values {
        put_var_bytes(out, v);
    }
}

fn hash_of<T: Encode>(msg: &T) -> Hash256 {
    let mut h = Blake256Writer::new();
    msg.encode(&mut h);
    h.finish()
}

/// A UTXO contributed to a mix, with the proof that its owner can spend it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MixPairReqUtxo {
    /// The output.
    pub outpoint: OutPoint,
    /// P2SH redeem script; empty for other outputs.
    pub script: Bytes,
    /// Public key proving possession.
    pub pubkey: Bytes,
    /// Signature by that key.
    pub signature: Bytes,
    /// 0 for a regular output, else the stake opcode tagging it (`OP_SSGEN`, `OP_SSRTX`, `OP_TGEN`).
    pub opcode: u8,
}

/// The payload of `mixpairreq`: the coinjoin wanted, the coins contributed and the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixPairReq {
    /// Signature over the rest of the message.
    pub signature: [u8; 64],
    /// The sender's identity key.
    pub identity: [u8; 33],
    /// Block height after which the request expires.
    pub expiry: u32,
    /// Amount of each mixed output, in atoms (never negative).
    pub mix_amount: i64,
    /// Script class of the mixed outputs, e.g. `P2PKH-secp256k1-v0` (printable ASCII, at most 32 bytes).
    pub script_class: String,
    /// Version of the coinjoin transaction.
    pub tx_version: u16,
    /// Lock time of the coinjoin transaction.
    pub lock_time: u32,
    /// Number of mixed outputs wanted.
    pub message_count: u32,
    /// Total value of the UTXOs, in atoms (never negative).
    pub input_value: i64,
    /// The coins contributed.
    pub utxos: Vec<MixPairReqUtxo>,
    /// Change output, if any.
    pub change: Option<TxOut>,
    /// Flags.
    pub flags: u8,
    /// Flags that must match for requests to be paired.
    pub pairing_flags: u8,
}

impl MixPairReq {
    /// BLAKE-256 of the serialization.
    pub fn hash(&self) -> Hash256 {
        hash_of(self)
    }

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        if self.script_class.len() > MAX_MIX_PAIR_REQ_SCRIPT_CLASS_LEN || !is_strict_ascii(&self.script_class) {
            return Err(EncodeError::InvalidValue {
                what: "script class",
                detail: format!("at most {MAX_MIX_PAIR_REQ_SCRIPT_CLASS_LEN} printable ASCII characters"),
            });
        }
        for (what, v) in [("mix amount", self.mix_amount), ("input value", self.input_value)] {
            if v < 0 {
                return Err(EncodeError::InvalidValue {
                    what,
                    detail: format!("{v} is negative"),
                });
            }
        }
        check_count("UTXOs", self.utxos.len(), MAX_MIX_PAIR_REQ_UTXOS)?;
        for u in &self.utxos {
            for (what, len, max) in [
                ("UTXO script", u.script.len(), MAX_MIX_PAIR_REQ_UTXO_SCRIPT_LEN),
                ("UTXO public key", u.pubkey.len(), MAX_MIX_PAIR_REQ_UTXO_PUBKEY_LEN),
                ("UTXO signature", u.signature.len(), MAX_MIX_PAIR_REQ_UTXO_SIGNATURE_LEN),
            ] {
                if len > max {
                    return Err(EncodeError::InvalidValue {
                        what,
                        detail: format!("{len} bytes, at most {max}"),
                    });
                }
            }
        }
        Ok(())
    }
}

impl Decode for MixPairReq {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let signature = r.read_array()?;
        let identity = r.read_array()?;
        let expiry = r.read_u32_le()?;
        let at = r.offset();
        let mix_amount = r.read_i64_le()?;
        if mix_amount < 0 {
            return Err(invalid_at(at, "mix amount", format!("{mix_amount} is negative")));
        }
        let script_class = read_ascii_str(r, "script class", MAX_MIX_PAIR_REQ_SCRIPT_CLASS_LEN)?;
        let tx_version = r.read_u16_le()?;
        let lock_time = r.read_u32_le()?;
        let message_count = r.read_u32_le()?;
        let at = r.offset();
        let input_value = r.read_i64_le()?;
        if input_value < 0 {
            return Err(invalid_at(at, "input value", format!("{input_value} is negative")));
        }
        // Smallest UTXO: outpoint, three empty byte strings, opcode.
        let (n, mut utxos) = r.begin_list("UTXOs", MAX_MIX_PAIR_REQ_UTXOS, OutPoint::LEN + 4)?;
        for _ in 0..n {
            utxos.push(MixPairReqUtxo {
                outpoint: OutPoint::decode(r)?,
                script: r.read_var_bytes("UTXO script", MAX_MIX_PAIR_REQ_UTXO_SCRIPT_LEN)?,
                pubkey: r.read_var_bytes("UTXO public key", MAX_MIX_PAIR_REQ_UTXO_PUBKEY_LEN)?,
                signature: r.read_var_bytes("UTXO signature", MAX_MIX_PAIR_REQ_UTXO_SIGNATURE_LEN)?,
                opcode: r.read_u8()?,
            });
        }
        let at = r.offset();
        let change = match r.read_u8()? {
            0 => None,
            1 => Some(TxOut::decode(r)?),
            other => return Err(invalid_at(at, "change flag", format!("{other}, expected 0 or 1"))),
        };
        Ok(MixPairReq {
            signature,
            identity,
            expiry,
            mix_amount,
            script_class,
            tx_version,
            lock_time,
            message_count,
            input_value,
            utxos,
            change,
            flags: r.read_u8()?,
            pairing_flags: r.read_u8()?,
        })
    }
}

impl Encode for MixPairReq {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put(&self.signature);
        out.put(&self.identity);
        out.put_u32_le(self.expiry);
        out.put_i64_le(self.mix_amount);
        put_var_bytes(out, self.script_class.as_bytes());
        out.put_u16_le(self.tx_version);
        out.put_u32_le(self.lock_time);
        out.put_u32_le(self.message_count);
        out.put_i64_le(self.input_value);
        varint::write(out, self.utxos.len() as u64);
        for u in &self.utxos {
            u.outpoint.encode(out);
            put_var_bytes(out, &u.script);
            put_var_bytes(out, &u.pubkey);
            put_var_bytes(out, &u.signature);
            out.put_u8(u.opcode);
        }
        match &self.change {
            None => out.put_u8(0),
            Some(c) => {
                out.put_u8(1);
                c.encode(out);
            }
        }
        out.put_u8(self.flags);
        out.put_u8(self.pairing_flags);
    }
}

/// The payload of `mixkeyxchg`: the session keys and a commitment to the secrets revealed on failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixKeyExchange {
    /// Signature over the rest of the message.
    pub signature: [u8; 64],
    /// The sender's identity key.
    pub identity: [u8; 33],
    /// Session id.
    pub session_id: [u8; 32],
    /// Epoch the session started in.
    pub epoch: u64,
    /// Run number within the session.
    pub run: u32,
    /// The sender's position among the session's peers.
    pub pos: u32,
    /// secp256k1 public key for ECDH.
    pub ecdh: [u8; 33],
    /// sntrup4591761 public key.
    pub pqpk: [u8; PQ_PUBLIC_KEY_LEN],
    /// Commitment to the secrets of this run.
    pub commitment: [u8; 32],
    /// Pair requests seen.
    pub seen_prs: Vec<Hash256>,
}

impl MixKeyExchange {
    /// BLAKE-256 of the serialization.
    pub fn hash(&self) -> Hash256 {
        hash_of(self)
    }

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        check_seen(&self.seen_prs)
    }
}

impl Decode for MixKeyExchange {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(MixKeyExchange {
            signature: r.read_array()?,
            identity: r.read_array()?,
            session_id: r.read_array()?,
            epoch: r.read_u64_le()?,
            run: r.read_u32_le()?,
            pos: r.read_u32_le()?,
            ecdh: r.read_array()?,
            pqpk: r.read_array()?,
            commitment: r.read_array()?,
            seen_prs: read_seen(r)?,
        })
    }
}

impl Encode for MixKeyExchange {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put(&self.signature);
        out.put(&self.identity);
        out.put(&self.session_id);
        out.put_u64_le(self.epoch);
        out.put_u32_le(self.run);
        out.put_u32_le(self.pos);
        out.put(&self.ecdh);
        out.put(&self.pqpk);
        out.put(&self.commitment);
        put_list(out, &self.seen_prs);
    }
}

/// The payload of `mixcphrtxt`: one ciphertext per key exchange seen, under one shared count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixCiphertexts {
    /// Signature over the rest of the message.
    pub signature: [u8; 64],
    /// The sender's identity key.
    pub identity: [u8; 33],
    /// Session id.
    pub session_id: [u8; 32],
    /// Run number.
    pub run: u32,
    /// sntrup4591761 ciphertexts, one per entry of `seen_key_exchanges`.
    pub ciphertexts: Vec<[u8; PQ_CIPHERTEXT_LEN]>,
    /// Key exchanges seen; as many as ciphertexts.
    pub seen_key_exchanges: Vec<Hash256>,
}

impl MixCiphertexts {
    /// BLAKE-256 of the serialization.
    pub fn hash(&self) -> Hash256 {
        hash_of(self)
    }

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        if self.ciphertexts.len() != self.seen_key_exchanges.len() {
            return Err(EncodeError::InvalidValue {
                what: "ciphertexts",
                detail: format!(
                    "{} ciphertexts for {} key exchanges; the wire has one count for both",
                    self.ciphertexts.len(),
                    self.seen_key_exchanges.len()
                ),
            });
        }
        check_seen(&self.seen_key_exchanges)
    }
}

impl Decode for MixCiphertexts {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let signature = r.read_array()?;
        let identity = r.read_array()?;
        let session_id = r.read_array()?;
        let run = r.read_u32_le()?;
        let (n, mut ciphertexts) = r.begin_list("ciphertexts", MAX_MIX_PEERS, PQ_CIPHERTEXT_LEN + 32)?;
        for _ in 0..n {
            ciphertexts.push(r.read_array()?);
        }
        Ok(MixCiphertexts {
            signature,
            identity,
            session_id,
            run,
            ciphertexts,
            seen_key_exchanges: read_vec(r, n)?,
        })
    }
}

impl Encode for MixCiphertexts {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put(&self.signature);
        out.put(&self.identity);
        out.put(&self.session_id);
        out.put_u32_le(self.run);
        varint::write(out, self.ciphertexts.len() as u64);
        for c in &self.ciphertexts {
            out.put(c);
        }
        for h in &self.seen_key_exchanges {
            h.encode(out);
        }
    }
}

/// The payload of `mixslotres`: the slot reservation mix, a matrix of field elements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixSlotReserve {
    /// Signature over the rest of the message.
    pub signature: [u8; 64],
    /// The sender's identity key.
    pub identity: [u8; 33],
    /// Session id.
    pub session_id: [u8; 32],
    /// Run number.
    pub run: u32,
    /// Mixed-messages-by-peers matrix (1 to 1024 rows of 1 to 512 equal-length columns) of field elements of
    /// at most 32 bytes.
    pub dc_mix: FieldMatrix,
    /// Ciphertext messages seen.
    pub seen_ciphertexts: Vec<Hash256>,
}

impl MixSlotReserve {
    /// BLAKE-256 of the serialization.
    pub fn hash(&self) -> Hash256 {
        hash_of(self)
    }

    /// The matrix is valid by construction ([`FieldMatrix::from_rows`]).
    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        check_seen(&self.seen_ciphertexts)
    }
}

impl Decode for MixSlotReserve {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let signature = r.read_array()?;
        let identity = r.read_array()?;
        let session_id = r.read_array()?;
        let run = r.read_u32_le()?;
        let at = r.offset();
        let rows = r.read_count("slot reservation messages", MAX_MIX_MCOUNT, 1)?;
        if rows == 0 {
            return Err(invalid_at(at, "slot reservation messages", "count 0, at least 1"));
        }
        let at = r.offset();
        // Every element takes at least its length byte, so the whole matrix needs rows * columns bytes.
        let columns = r.read_count("mixing peers", MAX_MIX_PEERS, rows)?;
        if columns == 0 {
            return Err(invalid_at(at, "mixing peers", "count 0, at least 1"));
        }
        let dc_mix = FieldMatrix::decode(r, rows, columns)?;
        Ok(MixSlotReserve {
            signature,
            identity,
            session_id,
            run,
            dc_mix,
            seen_ciphertexts: read_seen(r)?,
        })
    }
}

impl Encode for MixSlotReserve {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put(&self.signature);
        out.put(&self.identity);
        out.put(&self.session_id);
        out.put_u32_le(self.run);
        self.dc_mix.encode(out);
        put_list(out, &self.seen_ciphertexts);
    }
}

/// The payload of `mixfactpoly`: the roots of the factored slot reservation polynomial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixFactoredPoly {
    /// Signature over the rest of the message.
    pub signature: [u8; 64],
    /// The sender's identity key.
    pub identity: [u8; 33],
    /// Session id.
    pub session_id: [u8; 32],
    /// Run number.
    pub run: u32,
    /// The roots: at most 1024 field elements of at most 32 bytes.
    pub roots: Vec<Bytes>,
    /// Slot reservation messages seen.
    pub seen_slot_reserves: Vec<Hash256>,
}

impl MixFactoredPoly {
    /// BLAKE-256 of the serialization.
    pub fn hash(&self) -> Hash256 {
        hash_of(self)
    }

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        check_count("roots", self.roots.len(), MAX_MIX_MCOUNT)?;
        check_field_values(&self.roots, "root")?;
        check_seen(&self.seen_slot_reserves)
    }
}

impl Decode for MixFactoredPoly {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let signature = r.read_array()?;
        let identity = r.read_array()?;
        let session_id = r.read_array()?;
        let run = r.read_u32_le()?;
        let n = r.read_count("roots", MAX_MIX_MCOUNT, 1)?;
        Ok(MixFactoredPoly {
            signature,
            identity,
            session_id,
            run,
            roots: read_field_values(r, n, "root")?,
            seen_slot_reserves: read_seen(r)?,
        })
    }
}

impl Encode for MixFactoredPoly {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put(&self.signature);
        out.put(&self.identity);
        out.put(&self.session_id);
        out.put_u32_le(self.run);
        put_field_values(out, &self.roots);
        put_list(out, &self.seen_slot_reserves);
    }
}

/// The payload of `mixdcnet`: the XOR DC-net vectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixDCNet {
    /// Signature over the rest of the message.
    pub signature: [u8; 64],
    /// The sender's identity key.
    pub identity: [u8; 33],
    /// Session id.
    pub session_id: [u8; 32],
    /// Run number.
    pub run: u32,
    /// Up to 1024 vectors of up to 1024 messages, all vectors of one length. dcrd decodes an empty list
    /// but refuses to encode one, and so does this crate.
    pub dc_net: Vec<Vec<MixMsg>>,
    /// Slot reservation messages seen.
    pub seen_slot_reserves: Vec<Hash256>,
}

impl MixDCNet {
    /// BLAKE-256 of the serialization.
    pub fn hash(&self) -> Hash256 {
        hash_of(self)
    }

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        check_count("DC-net vectors", self.dc_net.len(), MAX_MIX_MCOUNT)?;
        let Some(first) = self.dc_net.first() else {
            return Err(EncodeError::InvalidValue {
                what: "DC-net vectors",
                detail: "no vectors".into(),
            });
        };
        check_count("DC-net vector length", first.len(), MAX_MIX_MCOUNT)?;
        if let Some(row) = self.dc_net.iter().find(|v| v.len() != first.len()) {
            return Err(EncodeError::InvalidValue {
                what: "DC-net vectors",
                detail: format!("vectors of {} and {} messages", first.len(), row.len()),
            });
        }
        check_seen(&self.seen_slot_reserves)
    }
}

impl Decode for MixDCNet {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let signature = r.read_array()?;
        let identity = r.read_array()?;
        let session_id = r.read_array()?;
        let run = r.read_u32_le()?;
        let at = r.offset();
        let rows = r.read_varint()?;
        let mut dc_net = Vec::new();
        if rows != 0 {
            let at_columns = r.offset();
            let columns = r.read_varint()?;
            let at_size = r.offset();
            let size = r.read_varint()?;
            if rows > MAX_MIX_MCOUNT as u64 {
                return Err(too_many_at(at, "DC-net vectors", rows, MAX_MIX_MCOUNT));
            }
            if columns > MAX_MIX_MCOUNT as u64 {
                return Err(too_many_at(at_columns, "DC-net vector length", columns, MAX_MIX_MCOUNT));
            }
            if size != MIX_MSG_SIZE as u64 {
                return Err(invalid_at(
                    at_size,
                    "DC-net message size",
                    format!("{size}, expected 20"),
                ));
            }
            need(r, rows * columns * MIX_MSG_SIZE as u64)?;
            dc_net = if columns == 0 {
                // Vectors without messages take no bytes; there are at most 1024 of them (24 KiB).
                vec![Vec::new(); rows as usize]
            } else {
                r.read_each(rows as usize, |r| {
                    let mut v = r.list_with_capacity(columns as usize);
                    for _ in 0..columns {
                        v.push(r.read_array()?);
                    }
                    Ok(v)
                })?
            };
        }
        Ok(MixDCNet {
            signature,
            identity,
            session_id,
            run,
            dc_net,
            seen_slot_reserves: read_seen(r)?,
        })
    }
}

impl Encode for MixDCNet {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put(&self.signature);
        out.put(&self.identity);
        out.put(&self.session_id);
        out.put_u32_le(self.run);
        varint::write(out, self.dc_net.len() as u64);
        if let Some(first) = self.dc_net.first() {
            varint::write(out, first.len() as u64);
            varint::write(out, MIX_MSG_SIZE as u64);
            for m in self.dc_net.iter().flatten() {
                out.put(m);
            }
        }
        put_list(out, &self.seen_slot_reserves);
    }
}

/// The payload of `mixconfirm`: the coinjoin transaction with the sender's signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixConfirm {
    /// Signature over the rest of the message.
    pub signature: [u8; 64],
    /// The sender's identity key.
    pub identity: [u8; 33],
    /// Session id.
    pub session_id: [u8; 32],
    /// Run number.
    pub run: u32,
    /// The partially signed coinjoin (any serialization type, as a `tx` message).
    pub mix: Transaction,
    /// DC-net messages seen.
    pub seen_dc_nets: Vec<Hash256>,
}

impl MixConfirm {
    /// BLAKE-256 of the serialization.
    pub fn hash(&self) -> Hash256 {
        hash_of(self)
    }

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        check_seen(&self.seen_dc_nets)
    }
}

impl Decode for MixConfirm {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(MixConfirm {
            signature: r.read_array()?,
            identity: r.read_array()?,
            session_id: r.read_array()?,
            run: r.read_u32_le()?,
            mix: Transaction::decode(r)?,
            seen_dc_nets: read_seen(r)?,
        })
    }
}

impl Encode for MixConfirm {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put(&self.signature);
        out.put(&self.identity);
        out.put(&self.session_id);
        out.put_u32_le(self.run);
        self.mix.encode(out);
        put_list(out, &self.seen_dc_nets);
    }
}

/// The payload of `mixsecrets`: the secrets of a failed run, revealed for blame assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixSecrets {
    /// Signature over the rest of the message.
    pub signature: [u8; 64],
    /// The sender's identity key.
    pub identity: [u8; 33],
    /// Session id.
    pub session_id: [u8; 32],
    /// Run number.
    pub run: u32,
    /// The PRNG seed of the run.
    pub seed: [u8; 32],
    /// The unpadded slot reservation messages: at most 1024 field elements of at most 32 bytes.
    pub slot_reserve_msgs: Vec<Bytes>,
    /// The DC-net messages: at most 1024.
    pub dc_net_msgs: Vec<MixMsg>,
    /// Secrets messages seen.
    pub seen_secrets: Vec<Hash256>,
}

impl MixSecrets {
    /// BLAKE-256 of the serialization.
    pub fn hash(&self) -> Hash256 {
        hash_of(self)
    }

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        check_count(
            "slot reservation messages",
            self.slot_reserve_msgs.len(),
            MAX_MIX_MCOUNT,
        )?;
        check_field_values(&self.slot_reserve_msgs, "slot reservation message")?;
        check_count("DC-net messages", self.dc_net_msgs.len(), MAX_MIX_MCOUNT)?;
        check_seen(&self.seen_secrets)
    }
}

impl Decode for MixSecrets {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let signature = r.read_array()?;
        let identity = r.read_array()?;
        let session_id = r.read_array()?;
        let run = r.read_u32_le()?;
        let seed = r.read_array()?;
        let n = r.read_count("slot reservation messages", MAX_MIX_MCOUNT, 1)?;
        let slot_reserve_msgs = read_field_values(r, n, "slot reservation message")?;
        let at = r.offset();
        let n = r.read_varint()?;
        let mut dc_net_msgs = Vec::new();
        if n != 0 {
            let at_size = r.offset();
            let size = r.read_varint()?;
            if n > MAX_MIX_MCOUNT as u64 {
                return Err(too_many_at(at, "DC-net messages", n, MAX_MIX_MCOUNT));
            }
            if size != MIX_MSG_SIZE as u64 {
                return Err(invalid_at(
                    at_size,
                    "DC-net message size",
                    format!("{size}, expected 20"),
                ));
            }
            need(r, n * MIX_MSG_SIZE as u64)?;
            dc_net_msgs = r.list_with_capacity(n as usize);
            for _ in 0..n {
                dc_net_msgs.push(r.read_array()?);
            }
        }
        Ok(MixSecrets {
            signature,
            identity,
            session_id,
            run,
            seed,
            slot_reserve_msgs,
            dc_net_msgs,
            seen_secrets: read_seen(r)?,
        })
    }
}

impl Encode for MixSecrets {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put(&self.signature);
        out.put(&self.identity);
        out.put(&self.session_id);
        out.put_u32_le(self.run);
        out.put(&self.seed);
        put_field_values(out, &self.slot_reserve_msgs);
        varint::write(out, self.dc_net_msgs.len() as u64);
        if !self.dc_net_msgs.is_empty() {
            varint::write(out, MIX_MSG_SIZE as u64);
            for m in &self.dc_net_msgs {
                out.put(m);
            }
        }
        put_list(out, &self.seen_secrets);
    }
}
