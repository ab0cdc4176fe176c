//! The pair request (`mixpairreq`): the coinjoin wanted, the coins contributed and the change.

use super::common::{hash_of, invalid_at};
use super::{
    MAX_MIX_PAIR_REQ_SCRIPT_CLASS_LEN, MAX_MIX_PAIR_REQ_UTXOS, MAX_MIX_PAIR_REQ_UTXO_PUBKEY_LEN,
    MAX_MIX_PAIR_REQ_UTXO_SCRIPT_LEN, MAX_MIX_PAIR_REQ_UTXO_SIGNATURE_LEN,
};
use crate::decred::tx::{OutPoint, TxOut};
use crate::decred::{check_count, is_strict_ascii, read_ascii_str};
use crate::encode::{put_var_bytes, Decode, Encode, Reader, Sink};
use crate::error::{DecodeError, EncodeError};
use crate::hash::Hash256;
use crate::varint;
use bytes::Bytes;

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
