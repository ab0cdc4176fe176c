//! Bitcoin blocks and their 80-byte headers, with block hash and merkle root.

use super::Transaction;
use crate::encode::{Decode, Encode, Reader, Sink};
use crate::error::DecodeError;
use crate::hash::{merkle_root, sha256d, Hash256, Sha256dWriter};
use crate::varint;

/// Smallest transaction the decoder accepts: version, empty input and output lists, lock time.
const MIN_TX_LEN: usize = 10;

/// The 80-byte block header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BlockHeader {
    /// Block version (BIP9 version bits).
    pub version: i32,
    /// Hash of the previous block.
    pub prev_block: Hash256,
    /// Merkle root of the transactions' txids.
    pub merkle_root: Hash256,
    /// Unix time claimed by the miner.
    pub time: u32,
    /// Compact difficulty target.
    pub bits: u32,
    /// Proof-of-work nonce.
    pub nonce: u32,
}

impl BlockHeader {
    /// Wire size.
    pub const LEN: usize = 80;

    /// The block hash: double SHA-256 of the 80 header bytes.
    pub fn hash(&self) -> Hash256 {
        let mut h = Sha256dWriter::new();
        self.encode(&mut h);
        h.finish()
    }
}

impl Decode for BlockHeader {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(BlockHeader {
            version: r.read_i32_le()?,
            prev_block: Hash256::decode(r)?,
            merkle_root: Hash256::decode(r)?,
            time: r.read_u32_le()?,
            bits: r.read_u32_le()?,
            nonce: r.read_u32_le()?,
        })
    }
}

impl Encode for BlockHeader {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put_i32_le(self.version);
        self.prev_block.encode(out);
        self.merkle_root.encode(out);
        out.put_u32_le(self.time);
        out.put_u32_le(self.bits);
        out.put_u32_le(self.nonce);
    }
}

/// A block: header and transactions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Block {
    /// The header.
    pub header: BlockHeader,
    /// The transactions, coinbase first.
    pub transactions: Vec<Transaction>,
}

impl Block {
    /// The block hash.
    pub fn hash(&self) -> Hash256 {
        self.header.hash()
    }

    /// The txids in block order.
    pub fn txids(&self) -> Vec<Hash256> {
        self.transactions.iter().map(Transaction::txid).collect()
    }

    /// The merkle root of the transactions' txids, recomputed.
    pub fn compute_merkle_root(&self) -> Hash256 {
        merkle_root(&self.txids(), |pair| sha256d(pair))
    }

    /// True if the header's merkle root commits to these transactions.
    pub fn check_merkle_root(&self) -> bool {
        self.compute_merkle_root() == self.header.merkle_root
    }

    /// The BIP141 witness merkle root: wtxids, with the coinbase's taken as zero.
    pub fn compute_witness_root(&self) -> Hash256 {
        let leaves: Vec<Hash256> = self
            .transactions
            .iter()
            .enumerate()
            .map(|(i, tx)| if i == 0 { Hash256::ZERO } else { tx.wtxid() })
            .collect();
        merkle_root(&leaves, |pair| sha256d(pair))
    }

    /// Writes the block, transactions with witness data if `witness` is set.
    pub fn encode_as<S: Sink + ?Sized>(&self, out: &mut S, witness: bool) {
        self.header.encode(out);
        varint::write(out, self.transactions.len() as u64);
        for tx in &self.transactions {
            tx.encode_as(out, witness);
        }
    }
}

impl Decode for Block {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let header = BlockHeader::decode(r)?;
        let n = r.read_count("block transactions", 4_000_000 / MIN_TX_LEN, MIN_TX_LEN)?;
        let transactions = r.read_each(n, Transaction::decode)?;
        Ok(Block { header, transactions })
    }
}

impl Encode for Block {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        self.encode_as(out, true);
    }
}
