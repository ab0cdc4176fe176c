//! Decred transactions: the prefix/witness split, the three serialization types, the transaction hashes and the
//! classification of stake transactions.
//!
//! A Decred transaction is two halves. The *prefix* holds what is signed and what identifies the transaction
//! (outpoints, sequences, outputs, lock time, expiry); the *witness* holds, per input, the amount spent, where
//! the spent output was mined and the signature script. The serialized version field carries the transaction
//! version in its lower 16 bits and the serialization type in its upper 16 bits, so one wire form can hold the
//! prefix only, the witness only, or both.

use super::Blake256Writer;
use crate::encode::{put_var_bytes, Decode, Encode, Reader, Sink};
use crate::error::{DecodeError, ErrorKind};
use crate::hash::Hash256;
use crate::varint;
use bytes::Bytes;
use std::fmt;

/// The largest message dcrd reads; no script or list inside a transaction can exceed it.
const MAX_MESSAGE: usize = 32 * 1024 * 1024;
/// dcrd's bound on inputs: the largest message divided by its 43-byte minimum input, plus one.
pub const MAX_TX_INPUTS: usize = MAX_MESSAGE / 43 + 1;
/// dcrd's bound on outputs: the largest message divided by its 9-byte minimum output, plus one.
pub const MAX_TX_OUTPUTS: usize = MAX_MESSAGE / 9 + 1;
/// Smallest prefix input: outpoint (32 + 4 + 1) and sequence.
const MIN_PREFIX_INPUT_LEN: usize = 41;
/// Smallest witness input: value, block height, block index and an empty script's length byte.
const MIN_WITNESS_INPUT_LEN: usize = 17;
/// Smallest output: value, script version and an empty script's length byte.
const MIN_OUTPUT_LEN: usize = 11;

/// The transaction version of treasury transactions (DCP0006).
pub const TX_VERSION_TREASURY: u16 = 3;

/// Script opcodes the stake classification looks at.
pub mod opcodes {
    /// Marks an output as provably unspendable data.
    pub const OP_RETURN: u8 = 0x6a;
    /// Tags the ticket (stake submission) output of a ticket purchase.
    pub const OP_SSTX: u8 = 0xba;
    /// Tags the payouts of a vote (stake generation).
    pub const OP_SSGEN: u8 = 0xbb;
    /// Tags the payouts of a revocation.
    pub const OP_SSRTX: u8 = 0xbc;
    /// Tags the change outputs of a ticket purchase or treasury add.
    pub const OP_SSTXCHANGE: u8 = 0xbd;
    /// The sole opcode of a treasury add output.
    pub const OP_TADD: u8 = 0xc1;
    /// Ends the signature script of a treasury spend.
    pub const OP_TSPEND: u8 = 0xc2;
    /// Tags the payouts of a treasury spend.
    pub const OP_TGEN: u8 = 0xc3;
}

/// Which halves of a transaction a serialization holds; the upper 16 bits of the serialized version field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TxSerType {
    /// Prefix and witness (0): what blocks and `tx` messages carry.
    #[default]
    Full,
    /// Prefix only (1): what the transaction hash commits to.
    NoWitness,
    /// Witness only (2).
    OnlyWitness,
}

impl TxSerType {
    /// The value carried in the version field.
    pub fn to_u16(self) -> u16 {
        match self {
            TxSerType::Full => 0,
            TxSerType::NoWitness => 1,
            TxSerType::OnlyWitness => 2,
        }
    }

    /// The type for a version field value; `None` for values dcrd does not know.
    pub fn from_u16(v: u16) -> Option<Self> {
        Some(match v {
            0 => TxSerType::Full,
            1 => TxSerType::NoWitness,
            2 => TxSerType::OnlyWitness,
            _ => return None,
        })
    }

    fn has_prefix(self) -> bool {
        self != TxSerType::OnlyWitness
    }

    fn has_witness(self) -> bool {
        self != TxSerType::NoWitness
    }
}

/// A reference to an output of an earlier transaction, in one of the two trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct OutPoint {
    /// The earlier transaction's hash (its prefix hash).
    pub hash: Hash256,
    /// The output's index in it.
    pub index: u32,
    /// The tree the earlier transaction is in: 0 regular, 1 stake.
    pub tree: i8,
}

impl OutPoint {
    /// Wire size.
    pub const LEN: usize = 37;

    /// The outpoint coinbase and stakebase inputs spend: zero hash, index `u32::MAX`, regular tree.
    pub const NULL: OutPoint = OutPoint {
        hash: Hash256::ZERO,
        index: u32::MAX,
        tree: 0,
    };
}

impl Decode for OutPoint {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(OutPoint {
            hash: Hash256::decode(r)?,
            index: r.read_u32_le()?,
            tree: r.read_u8()? as i8,
        })
    }
}

impl Encode for OutPoint {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        self.hash.encode(out);
        out.put_u32_le(self.index);
        out.put_u8(self.tree as u8);
    }
}

/// A transaction input: its prefix half (outpoint, sequence) and its witness half.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TxIn {
    /// Prefix: the output spent.
    pub previous_output: OutPoint,
    /// Prefix: sequence number (relative lock time).
    pub sequence: u32,
    /// Witness: the amount of the output spent, in atoms (-1 when unknown).
    pub value_in: i64,
    /// Witness: height of the block holding the output spent.
    pub block_height: u32,
    /// Witness: index of the spent output's transaction in that block.
    pub block_index: u32,
    /// Witness: the signature script (a slice of the received payload when decoded).
    pub signature_script: Bytes,
}

impl TxIn {
    fn encode_prefix<S: Sink + ?Sized>(&self, out: &mut S) {
        self.previous_output.encode(out);
        out.put_u32_le(self.sequence);
    }

    fn encode_witness<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put_i64_le(self.value_in);
        out.put_u32_le(self.block_height);
        out.put_u32_le(self.block_index);
        put_var_bytes(out, &self.signature_script);
    }

    fn decode_witness(&mut self, r: &mut Reader<'_>) -> Result<(), DecodeError> {
        self.value_in = r.read_i64_le()?;
        self.block_height = r.read_u32_le()?;
        self.block_index = r.read_u32_le()?;
        self.signature_script = r.read_var_bytes("signature script", MAX_MESSAGE)?;
        Ok(())
    }
}

/// A transaction output.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TxOut {
    /// Amount in atoms.
    pub value: i64,
    /// Script language version (0 for every standard script).
    pub version: u16,
    /// The locking script (a slice of the received payload when decoded).
    pub pk_script: Bytes,
}

impl Decode for TxOut {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(TxOut {
            value: r.read_i64_le()?,
            version: r.read_u16_le()?,
            pk_script: r.read_var_bytes("public key script", MAX_MESSAGE)?,
        })
    }
}

impl Encode for TxOut {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put_i64_le(self.value);
        out.put_u16_le(self.version);
        put_var_bytes(out, &self.pk_script);
    }
}

/// What a transaction does in Decred's hybrid proof-of-stake, as far as its shape tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StakeTxType {
    /// An ordinary transaction (coinbases included).
    Regular,
    /// A ticket purchase (SStx): its first output is tagged `OP_SSTX`.
    Ticket,
    /// A vote (SSGen): stakebase first input, two `OP_RETURN` outputs, then `OP_SSGEN` payouts.
    Vote,
    /// A revocation (SSRtx): every output is tagged `OP_SSRTX`.
    Revocation,
    /// A treasury add (version 3, first output exactly `OP_TADD`).
    TreasuryAdd,
    /// A treasury spend (version 3, one input whose script ends in `OP_TSPEND`, `OP_TGEN` payouts).
    TreasurySpend,
    /// A treasury base (version 3, null-outpoint input, `OP_TADD` then `OP_RETURN` outputs).
    TreasuryBase,
}

impl fmt::Display for StakeTxType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StakeTxType::Regular => "regular",
            StakeTxType::Ticket => "ticket",
            StakeTxType::Vote => "vote",
            StakeTxType::Revocation => "revocation",
            StakeTxType::TreasuryAdd => "treasury add",
            StakeTxType::TreasurySpend => "treasury spend",
            StakeTxType::TreasuryBase => "treasury base",
        })
    }
}

/// A Decred transaction.
///
/// Scripts are [`Bytes`] slices of the payload they were decoded from. `ser_type` records which halves the
/// decoded serialization held, so that re-encoding gives the same bytes; a prefix-only transaction has zero
/// witness fields, a witness-only one has zero prefix fields and no outputs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Transaction {
    /// The serialization this value is written with (and was read from).
    pub ser_type: TxSerType,
    /// Transaction version (1; 3 for treasury transactions).
    pub version: u16,
    /// Inputs.
    pub inputs: Vec<TxIn>,
    /// Outputs.
    pub outputs: Vec<TxOut>,
    /// Lock time (block height or Unix time).
    pub lock_time: u32,
    /// Height after which the transaction may no longer be mined; 0 for none.
    pub expiry: u32,
}

impl Transaction {
    /// Smallest serialization of any type: a witness-only transaction without inputs.
    pub(crate) const MIN_LEN: usize = 5;

    /// Writes the transaction in serialization `ser_type`, whatever `self.ser_type` says.
    pub fn encode_as<S: Sink + ?Sized>(&self, out: &mut S, ser_type: TxSerType) {
        out.put_u32_le(u32::from(self.version) | u32::from(ser_type.to_u16()) << 16);
        if ser_type.has_prefix() {
            varint::write(out, self.inputs.len() as u64);
            for i in &self.inputs {
                i.encode_prefix(out);
            }
            varint::write(out, self.outputs.len() as u64);
            for o in &self.outputs {
                o.encode(out);
            }
            out.put_u32_le(self.lock_time);
            out.put_u32_le(self.expiry);
        }
        if ser_type.has_witness() {
            varint::write(out, self.inputs.len() as u64);
            for i in &self.inputs {
                i.encode_witness(out);
            }
        }
    }

    /// The transaction hash (dcrd's `TxHash`): BLAKE-256 of the prefix serialization. It does not commit to
    /// signatures, so it cannot be malleated; it is what outpoints and inventory vectors name.
    pub fn txid(&self) -> Hash256 {
        let mut h = Blake256Writer::new();
        self.encode_as(&mut h, TxSerType::NoWitness);
        h.finish()
    }

    /// BLAKE-256 of the witness-only serialization (dcrd's `TxHashWitness`).
    pub fn witness_hash(&self) -> Hash256 {
        let mut h = Blake256Writer::new();
        self.encode_as(&mut h, TxSerType::OnlyWitness);
        h.finish()
    }

    /// dcrd's `TxHashFull`: BLAKE-256 of `txid || witness_hash`, both in wire byte order. The merkle trees of
    /// a block are built over these.
    pub fn full_hash(&self) -> Hash256 {
        let mut pair = [0u8; 64];
        pair[..32].copy_from_slice(&self.txid().0);
        pair[32..].copy_from_slice(&self.witness_hash().0);
        super::blake256_hash(&pair)
    }

    /// True for a coinbase or stakebase shape: a first input spending the null outpoint.
    pub fn spends_null_outpoint(&self) -> bool {
        self.inputs
            .first()
            .is_some_and(|i| i.previous_output.hash.is_zero() && i.previous_output.index == u32::MAX)
    }

    /// Classifies the transaction by its shape.
    ///
    /// The checks are structural, not full consensus checks (no script templates are parsed beyond their
    /// first opcode): treasury transactions are recognised first (version 3), then tickets (first output
    /// tagged `OP_SSTX`), votes (stakebase first input, `OP_RETURN` block reference and vote bits, then
    /// `OP_SSGEN` payouts) and revocations (every output tagged `OP_SSRTX`). Everything else is regular.
    pub fn stake_type(&self) -> StakeTxType {
        use opcodes::*;
        let first_op = |o: &TxOut| o.pk_script.first().copied();
        let outs = &self.outputs;
        if self.version == TX_VERSION_TREASURY {
            let tadd = |o: &TxOut| o.pk_script.as_ref() == [OP_TADD];
            if self.inputs.len() == 1
                && self.spends_null_outpoint()
                && outs.len() == 2
                && tadd(&outs[0])
                && first_op(&outs[1]) == Some(OP_RETURN)
            {
                return StakeTxType::TreasuryBase;
            }
            if outs.first().is_some_and(tadd) {
                return StakeTxType::TreasuryAdd;
            }
            if self.inputs.len() == 1
                && self.inputs[0].signature_script.last() == Some(&OP_TSPEND)
                && outs.len() >= 2
                && first_op(&outs[0]) == Some(OP_RETURN)
                && outs[1..].iter().all(|o| first_op(o) == Some(OP_TGEN))
            {
                return StakeTxType::TreasurySpend;
            }
        }
        match outs.first().and_then(first_op) {
            Some(OP_SSTX) => return StakeTxType::Ticket,
            Some(OP_SSRTX) if outs.iter().all(|o| first_op(o) == Some(OP_SSRTX)) => return StakeTxType::Revocation,
            _ => {}
        }
        if self.inputs.len() == 2
            && self.spends_null_outpoint()
            && outs.len() >= 3
            && first_op(&outs[0]) == Some(OP_RETURN)
            && first_op(&outs[1]) == Some(OP_RETURN)
            && first_op(&outs[2]) == Some(OP_SSGEN)
        {
            return StakeTxType::Vote;
        }
        StakeTxType::Regular
    }
}

impl Encode for Transaction {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        self.encode_as(out, self.ser_type);
    }
}

impl Decode for Transaction {
    /// Reads any of the three serializations, as dcrd's `MsgTx.BtcDecode` does. In the full serialization the
    /// witness count must equal the prefix's input count.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.offset();
        let field = r.read_u32_le()?;
        let Some(ser_type) = TxSerType::from_u16((field >> 16) as u16) else {
            return Err(DecodeError::new(
                ErrorKind::InvalidValue {
                    what: "transaction serialization type",
                    detail: format!("{}, expected 0, 1 or 2", field >> 16),
                },
                start as u64,
            ));
        };
        let mut tx = Transaction {
            ser_type,
            version: field as u16,
            ..Transaction::default()
        };
        if ser_type.has_prefix() {
            let (n, inputs) = r.begin_list("transaction inputs", MAX_TX_INPUTS, MIN_PREFIX_INPUT_LEN)?;
            tx.inputs = inputs;
            for _ in 0..n {
                let previous_output = OutPoint::decode(r)?;
                let sequence = r.read_u32_le()?;
                tx.inputs.push(TxIn {
                    previous_output,
                    sequence,
                    ..TxIn::default()
                });
            }
            let (n, outputs) = r.begin_list("transaction outputs", MAX_TX_OUTPUTS, MIN_OUTPUT_LEN)?;
            tx.outputs = outputs;
            for _ in 0..n {
                tx.outputs.push(TxOut::decode(r)?);
            }
            tx.lock_time = r.read_u32_le()?;
            tx.expiry = r.read_u32_le()?;
        }
        match ser_type {
            TxSerType::NoWitness => {}
            TxSerType::OnlyWitness => {
                let (n, inputs) = r.begin_list("transaction inputs", MAX_TX_INPUTS, MIN_WITNESS_INPUT_LEN)?;
                tx.inputs = inputs;
                for _ in 0..n {
                    let mut input = TxIn::default();
                    input.decode_witness(r)?;
                    tx.inputs.push(input);
                }
            }
            TxSerType::Full => {
                let at = r.offset();
                let n = r.read_varint()?;
                if n != tx.inputs.len() as u64 {
                    return Err(DecodeError::new(
                        ErrorKind::InvalidValue {
                            what: "witness count",
                            detail: format!("{n} witnesses for {} inputs", tx.inputs.len()),
                        },
                        at as u64,
                    ));
                }
                for input in &mut tx.inputs {
                    input.decode_witness(r)?;
                }
            }
        }
        Ok(tx)
    }
}

#[cfg(test)]
mod tests {
    use super::opcodes::*;
    use super::*;

    fn out(script: &[u8]) -> TxOut {
        TxOut {
            value: 1,
            version: 0,
            pk_script: Bytes::copy_from_slice(script),
        }
    }

    fn input(previous_output: OutPoint, script: &[u8]) -> TxIn {
        TxIn {
            previous_output,
            signature_script: Bytes::copy_from_slice(script),
            ..TxIn::default()
        }
    }

    fn tx(version: u16, inputs: Vec<TxIn>, outputs: Vec<TxOut>) -> Transaction {
        Transaction {
            version,
            inputs,
            outputs,
            ..Transaction::default()
        }
    }

    #[test]
    fn classifies_stake_shapes() {
        let spend = OutPoint {
            hash: Hash256([1; 32]),
            index: 0,
            tree: 1,
        };
        let p2pkh = [0x76, 0xa9, 0x14];
        let ticket = tx(
            1,
            vec![input(spend, &[])],
            vec![out(&[OP_SSTX, 0x76]), out(&[OP_RETURN, 30])],
        );
        assert_eq!(ticket.stake_type(), StakeTxType::Ticket);
        let vote = tx(
            1,
            vec![input(OutPoint::NULL, &[]), input(spend, &[])],
            vec![out(&[OP_RETURN, 36]), out(&[OP_RETURN, 2]), out(&[OP_SSGEN, 0x76])],
        );
        assert_eq!(vote.stake_type(), StakeTxType::Vote);
        let revocation = tx(
            1,
            vec![input(spend, &[])],
            vec![out(&[OP_SSRTX, 0x76]), out(&[OP_SSRTX])],
        );
        assert_eq!(revocation.stake_type(), StakeTxType::Revocation);
        let mixed = tx(1, vec![input(spend, &[])], vec![out(&[OP_SSRTX, 0x76]), out(&p2pkh)]);
        assert_eq!(mixed.stake_type(), StakeTxType::Regular);
        let tadd = tx(
            3,
            vec![input(spend, &[])],
            vec![out(&[OP_TADD]), out(&[OP_SSTXCHANGE, 0x76])],
        );
        assert_eq!(tadd.stake_type(), StakeTxType::TreasuryAdd);
        let tbase = tx(
            3,
            vec![input(OutPoint::NULL, &[])],
            vec![out(&[OP_TADD]), out(&[OP_RETURN, 12])],
        );
        assert_eq!(tbase.stake_type(), StakeTxType::TreasuryBase);
        let mut sig = vec![0x40; 65];
        sig.extend([0x21; 34]);
        sig.push(OP_TSPEND);
        let tspend = tx(
            3,
            vec![input(OutPoint::NULL, &sig)],
            vec![out(&[OP_RETURN, 32]), out(&[OP_TGEN, 0x76]), out(&[OP_TGEN, 0xa9])],
        );
        assert_eq!(tspend.stake_type(), StakeTxType::TreasurySpend);
        // The same shapes are not treasury transactions at version 1.
        assert_eq!(
            tx(1, tspend.inputs.clone(), tspend.outputs.clone()).stake_type(),
            StakeTxType::Regular
        );
        let coinbase = tx(1, vec![input(OutPoint::NULL, &[0; 4])], vec![out(&p2pkh)]);
        assert_eq!(coinbase.stake_type(), StakeTxType::Regular);
        assert!(coinbase.spends_null_outpoint());
    }
}
