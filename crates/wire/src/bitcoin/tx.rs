//! Bitcoin transactions: legacy and segwit (BIP144) serializations, txid and wtxid.

use super::Witness;
use crate::encode::{put_var_bytes, Decode, Encode, Reader, Sink};
use crate::error::DecodeError;
use crate::hash::{Hash256, Sha256dWriter};
use crate::varint;
use bytes::Bytes;

/// Upper bounds on counts, from the largest message: nothing can hold more than 4,000,000 bytes.
const MAX_PAYLOAD: usize = 4_000_000;
/// Smallest input: outpoint 36, empty script 1, sequence 4.
const MIN_TXIN_LEN: usize = 41;
/// Smallest output: value 8, empty script 1.
const MIN_TXOUT_LEN: usize = 9;

/// A reference to an output of an earlier transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct OutPoint {
    /// The earlier transaction's txid.
    pub txid: Hash256,
    /// The output's index in it.
    pub vout: u32,
}

impl OutPoint {
    /// The outpoint a coinbase input spends: zero txid, index `u32::MAX`.
    pub const COINBASE: OutPoint = OutPoint {
        txid: Hash256::ZERO,
        vout: u32::MAX,
    };
}

/// A transaction input.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TxIn {
    /// The output spent.
    pub previous_output: OutPoint,
    /// The unlocking script (a slice of the received payload when decoded).
    pub script_sig: Bytes,
    /// Sequence number (relative lock time, RBF signalling).
    pub sequence: u32,
    /// Witness stack (BIP141); empty for legacy inputs.
    pub witness: Witness,
}

/// A transaction output.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TxOut {
    /// Amount in satoshis.
    pub value: i64,
    /// The locking script (a slice of the received payload when decoded).
    pub script_pubkey: Bytes,
}

/// A Bitcoin transaction.
///
/// Scripts and witness items are [`Bytes`] slices of the payload they were decoded from: decoding copies no
/// script, and a decoded block stays one allocation shared by all its transactions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Transaction {
    /// Transaction version.
    pub version: i32,
    /// Inputs.
    pub inputs: Vec<TxIn>,
    /// Outputs.
    pub outputs: Vec<TxOut>,
    /// Lock time (block height or Unix time).
    pub lock_time: u32,
}

impl Transaction {
    /// True if any input carries witness data, so the segwit serialization applies.
    pub fn has_witness(&self) -> bool {
        self.inputs.iter().any(|i| !i.witness.is_empty())
    }

    /// Writes the transaction, with witness data if `witness` is set and there is any.
    pub fn encode_as<S: Sink + ?Sized>(&self, out: &mut S, witness: bool) {
        let segwit = witness && self.has_witness();
        out.put_i32_le(self.version);
        if segwit {
            out.put(&[0x00, 0x01]);
        }
        varint::write(out, self.inputs.len() as u64);
        for i in &self.inputs {
            i.previous_output.txid.encode(out);
            out.put_u32_le(i.previous_output.vout);
            put_var_bytes(out, &i.script_sig);
            out.put_u32_le(i.sequence);
        }
        varint::write(out, self.outputs.len() as u64);
        for o in &self.outputs {
            out.put_i64_le(o.value);
            put_var_bytes(out, &o.script_pubkey);
        }
        if segwit {
            for i in &self.inputs {
                i.witness.encode(out);
            }
        }
        out.put_u32_le(self.lock_time);
    }

    /// The txid: double SHA-256 of the serialization without witness data.
    pub fn txid(&self) -> Hash256 {
        let mut h = Sha256dWriter::new();
        self.encode_as(&mut h, false);
        h.finish()
    }

    /// The wtxid: double SHA-256 of the full serialization (the txid when there is no witness data).
    pub fn wtxid(&self) -> Hash256 {
        let mut h = Sha256dWriter::new();
        self.encode_as(&mut h, true);
        h.finish()
    }

    /// True if this is a coinbase: one input spending the null outpoint.
    pub fn is_coinbase(&self) -> bool {
        self.inputs.len() == 1 && self.inputs[0].previous_output == OutPoint::COINBASE
    }
}

impl Encode for Transaction {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        self.encode_as(out, true);
    }
}

impl Decode for Transaction {
    /// Reads either serialization: a zero byte where the input count would be marks segwit, and must be
    /// followed by flag 1. A segwit transaction whose witnesses are all empty is refused, as Bitcoin Core
    /// does, since it has a shorter canonical form.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let version = r.read_i32_le()?;
        let segwit = r.peek_u8() == Some(0);
        if segwit {
            r.read_u8()?;
            let at = r.offset();
            let flag = r.read_u8()?;
            if flag != 1 {
                let mut e = r.invalid("segwit flag", format!("{flag:#04x}, expected 0x01"));
                e.offset = at as u64;
                return Err(e);
            }
        }
        let n_in = r.read_count("transaction inputs", MAX_PAYLOAD / MIN_TXIN_LEN, MIN_TXIN_LEN)?;
        let mut inputs = Vec::with_capacity(n_in);
        for _ in 0..n_in {
            let txid = Hash256::decode(r)?;
            let vout = r.read_u32_le()?;
            let script_sig = r.read_var_bytes("signature script", MAX_PAYLOAD)?;
            let sequence = r.read_u32_le()?;
            inputs.push(TxIn {
                previous_output: OutPoint { txid, vout },
                script_sig,
                sequence,
                witness: Witness::new(),
            });
        }
        let n_out = r.read_count("transaction outputs", MAX_PAYLOAD / MIN_TXOUT_LEN, MIN_TXOUT_LEN)?;
        let mut outputs = Vec::with_capacity(n_out);
        for _ in 0..n_out {
            let value = r.read_i64_le()?;
            let script_pubkey = r.read_var_bytes("public key script", MAX_PAYLOAD)?;
            outputs.push(TxOut { value, script_pubkey });
        }
        if segwit {
            let start = r.offset();
            for input in &mut inputs {
                input.witness = Witness::decode(r, MAX_PAYLOAD)?;
            }
            if inputs.iter().all(|i| i.witness.is_empty()) {
                let mut e = r.invalid("witness", "segwit serialization with no witness data");
                e.offset = start as u64;
                return Err(e);
            }
        }
        let lock_time = r.read_u32_le()?;
        Ok(Transaction {
            version,
            inputs,
            outputs,
            lock_time,
        })
    }
}
