//! BIP152 compact block relay: `sendcmpct`, `cmpctblock`, `getblocktxn`, `blocktxn`.
//!
//! Transaction indexes travel differentially encoded (each as the gap after the previous one); these types
//! hold the absolute indexes, which BIP152 bounds to 16 bits.

use super::{BlockHeader, Transaction};
use crate::encode::{Decode, Encode, Reader, Sink};
use crate::error::{DecodeError, EncodeError};
use crate::hash::Hash256;
use crate::varint;

/// Upper bound on a block's transactions, from the largest block.
const MAX_TX_PER_BLOCK: usize = 4_000_000 / 10 + 1;

/// The payload of `sendcmpct`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendCmpct {
    /// Whether the sender wants new blocks announced as `cmpctblock` (high-bandwidth mode).
    pub announce: bool,
    /// Compact block version (1 = txids, 2 = wtxids).
    pub version: u64,
}

impl Decode for SendCmpct {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(SendCmpct {
            announce: r.read_bool()?,
            version: r.read_u64_le()?,
        })
    }
}

impl Encode for SendCmpct {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put_u8(u8::from(self.announce));
        out.put_u64_le(self.version);
    }
}

/// A transaction sent whole inside a compact block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefilledTransaction {
    /// Index in the block.
    pub index: u16,
    /// The transaction.
    pub tx: Transaction,
}

/// The payload of `cmpctblock`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmpctBlock {
    /// The block's header.
    pub header: BlockHeader,
    /// Salt for the short ids.
    pub nonce: u64,
    /// 6-byte short transaction ids.
    pub short_ids: Vec<[u8; 6]>,
    /// Transactions the receiver probably lacks (at least the coinbase).
    pub prefilled: Vec<PrefilledTransaction>,
}

/// Reads differentially encoded indexes into absolute ones, refusing any beyond 16 bits.
fn read_index(r: &mut Reader<'_>, prev: Option<u16>) -> Result<u16, DecodeError> {
    let at = r.offset();
    let gap = r.read_varint()?;
    let absolute = match prev {
        None => Some(gap),
        Some(p) => u64::from(p).checked_add(1).and_then(|v| v.checked_add(gap)),
    };
    match absolute {
        Some(v) if v <= u64::from(u16::MAX) => Ok(v as u16),
        _ => {
            let mut e = r.invalid("transaction index", "overflows 16 bits");
            e.offset = at as u64;
            Err(e)
        }
    }
}

fn check_increasing(what: &'static str, indexes: impl Iterator<Item = u16>) -> Result<(), EncodeError> {
    let mut prev: Option<u16> = None;
    for i in indexes {
        if prev.is_some_and(|p| i <= p) {
            return Err(EncodeError::InvalidValue {
                what,
                detail: "indexes must be strictly increasing".into(),
            });
        }
        prev = Some(i);
    }
    Ok(())
}

fn put_index<S: Sink + ?Sized>(out: &mut S, index: u16, prev: Option<u16>) {
    let gap = match prev {
        None => u64::from(index),
        Some(p) => u64::from(index) - u64::from(p) - 1,
    };
    varint::write(out, gap);
}

impl Decode for CmpctBlock {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let header = BlockHeader::decode(r)?;
        let nonce = r.read_u64_le()?;
        let (n, mut short_ids) = r.begin_list("short ids", MAX_TX_PER_BLOCK, 6)?;
        for _ in 0..n {
            short_ids.push(r.read_array::<6>()?);
        }
        let n = r.read_count("prefilled transactions", MAX_TX_PER_BLOCK, 11)?;
        let mut prev = None;
        let prefilled = r.read_each(n, |r| {
            let index = read_index(r, prev)?;
            prev = Some(index);
            Ok(PrefilledTransaction {
                index,
                tx: Transaction::decode(r)?,
            })
        })?;
        Ok(CmpctBlock {
            header,
            nonce,
            short_ids,
            prefilled,
        })
    }
}

impl CmpctBlock {
    /// Writes the payload; prefilled indexes must be strictly increasing.
    pub fn encode_checked<S: Sink + ?Sized>(&self, out: &mut S, witness: bool) -> Result<(), EncodeError> {
        check_increasing("prefilled index", self.prefilled.iter().map(|p| p.index))?;
        self.header.encode(out);
        out.put_u64_le(self.nonce);
        varint::write(out, self.short_ids.len() as u64);
        for id in &self.short_ids {
            out.put(id);
        }
        varint::write(out, self.prefilled.len() as u64);
        let mut prev = None;
        for p in &self.prefilled {
            put_index(out, p.index, prev);
            p.tx.encode_as(out, witness);
            prev = Some(p.index);
        }
        Ok(())
    }
}

/// The payload of `getblocktxn`: the transactions of a compact block the receiver could not rebuild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetBlockTxn {
    /// The block.
    pub block_hash: Hash256,
    /// Absolute, strictly increasing transaction indexes.
    pub indexes: Vec<u16>,
}

impl Decode for GetBlockTxn {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let block_hash = Hash256::decode(r)?;
        let (n, mut indexes): (usize, Vec<u16>) = r.begin_list("transaction indexes", MAX_TX_PER_BLOCK, 1)?;
        for _ in 0..n {
            let i = read_index(r, indexes.last().copied())?;
            indexes.push(i);
        }
        Ok(GetBlockTxn { block_hash, indexes })
    }
}

impl GetBlockTxn {
    /// Writes the payload; indexes must be strictly increasing.
    pub fn encode_checked<S: Sink + ?Sized>(&self, out: &mut S) -> Result<(), EncodeError> {
        check_increasing("transaction index", self.indexes.iter().copied())?;
        self.block_hash.encode(out);
        varint::write(out, self.indexes.len() as u64);
        let mut prev = None;
        for &i in &self.indexes {
            put_index(out, i, prev);
            prev = Some(i);
        }
        Ok(())
    }
}

/// The payload of `blocktxn`: the transactions asked for by a `getblocktxn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockTxn {
    /// The block.
    pub block_hash: Hash256,
    /// The transactions, in the order asked.
    pub transactions: Vec<Transaction>,
}

impl Decode for BlockTxn {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let block_hash = Hash256::decode(r)?;
        let n = r.read_count("transactions", MAX_TX_PER_BLOCK, 10)?;
        let transactions = r.read_each(n, Transaction::decode)?;
        Ok(BlockTxn {
            block_hash,
            transactions,
        })
    }
}

impl BlockTxn {
    /// Writes the payload, transactions with witness data if `witness`.
    pub fn encode_as<S: Sink + ?Sized>(&self, out: &mut S, witness: bool) {
        self.block_hash.encode(out);
        varint::write(out, self.transactions.len() as u64);
        for tx in &self.transactions {
            tx.encode_as(out, witness);
        }
    }
}

/// The payload of `sendtxrcncl` (BIP330, Erlay): decoded so that it is recognised, otherwise unused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendTxRcncl {
    /// Reconciliation protocol version.
    pub version: u32,
    /// The sender's salt.
    pub salt: u64,
}

impl Decode for SendTxRcncl {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(SendTxRcncl {
            version: r.read_u32_le()?,
            salt: r.read_u64_le()?,
        })
    }
}

impl Encode for SendTxRcncl {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put_u32_le(self.version);
        out.put_u64_le(self.salt);
    }
}
