//! Decred blocks: the 180-byte header with its stake fields, the two transaction trees, and the merkle rules
//! before and after DCP0005.

use super::{blake256_hash, Blake256Writer, Transaction};
use crate::encode::{Decode, Encode, Reader, Sink};
use crate::error::DecodeError;
use crate::hash::{merkle_root, Hash256};
use crate::varint;
use std::fmt;

/// The height at which DCP0005 (header commitments) became active on mainnet.
pub const DCP0005_MAINNET_HEIGHT: u32 = 431_488;

/// The 180-byte block header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BlockHeader {
    /// Block version.
    pub version: i32,
    /// Hash of the previous block.
    pub prev_block: Hash256,
    /// Commitment to the regular transaction tree (see [`MerkleRules`] for what it holds when).
    pub merkle_root: Hash256,
    /// Commitment to the stake tree before DCP0005; the header commitment root after it.
    pub stake_root: Hash256,
    /// Votes on the previous block and on agendas.
    pub vote_bits: u16,
    /// Final state of the ticket-lottery PRNG.
    pub final_state: [u8; 6],
    /// Number of votes in the block.
    pub voters: u16,
    /// Number of ticket purchases in the block.
    pub fresh_stake: u8,
    /// Number of revocations in the block.
    pub revocations: u8,
    /// Size of the live ticket pool.
    pub pool_size: u32,
    /// Compact proof-of-work difficulty target.
    pub bits: u32,
    /// Ticket price (stake difficulty), in atoms.
    pub sbits: i64,
    /// Block height.
    pub height: u32,
    /// Size of the serialized block.
    pub size: u32,
    /// Unix time claimed by the miner.
    pub timestamp: u32,
    /// Proof-of-work nonce.
    pub nonce: u32,
    /// Extra nonce space and future consensus data.
    pub extra_data: [u8; 32],
    /// Stake version the miner votes with.
    pub stake_version: u32,
}

impl BlockHeader {
    /// Wire size.
    pub const LEN: usize = 180;

    /// The block hash: BLAKE-256 of the 180 header bytes (also the proof-of-work hash before DCP0011).
    pub fn hash(&self) -> Hash256 {
        let mut h = Blake256Writer::new();
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
            stake_root: Hash256::decode(r)?,
            vote_bits: r.read_u16_le()?,
            final_state: r.read_array()?,
            voters: r.read_u16_le()?,
            fresh_stake: r.read_u8()?,
            revocations: r.read_u8()?,
            pool_size: r.read_u32_le()?,
            bits: r.read_u32_le()?,
            sbits: r.read_i64_le()?,
            height: r.read_u32_le()?,
            size: r.read_u32_le()?,
            timestamp: r.read_u32_le()?,
            nonce: r.read_u32_le()?,
            extra_data: r.read_array()?,
            stake_version: r.read_u32_le()?,
        })
    }
}

impl Encode for BlockHeader {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put_i32_le(self.version);
        self.prev_block.encode(out);
        self.merkle_root.encode(out);
        self.stake_root.encode(out);
        out.put_u16_le(self.vote_bits);
        out.put(&self.final_state);
        out.put_u16_le(self.voters);
        out.put_u8(self.fresh_stake);
        out.put_u8(self.revocations);
        out.put_u32_le(self.pool_size);
        out.put_u32_le(self.bits);
        out.put_i64_le(self.sbits);
        out.put_u32_le(self.height);
        out.put_u32_le(self.size);
        out.put_u32_le(self.timestamp);
        out.put_u32_le(self.nonce);
        out.put(&self.extra_data);
        out.put_u32_le(self.stake_version);
    }
}

/// Which merkle commitments a header makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MerkleRules {
    /// Before DCP0005: `merkle_root` is the regular tree's root and `stake_root` the stake tree's.
    PreDcp0005,
    /// With DCP0005 active: `merkle_root` is BLAKE-256(regular root || stake root), and `stake_root` holds the
    /// header commitment root, which cannot be checked from the block alone.
    Dcp0005,
}

impl MerkleRules {
    /// The rules of Decred mainnet at `height` (DCP0005 from height 431,488).
    pub fn mainnet(height: u32) -> Self {
        if height >= DCP0005_MAINNET_HEIGHT {
            MerkleRules::Dcp0005
        } else {
            MerkleRules::PreDcp0005
        }
    }
}

/// Which commitment a block failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MerkleField {
    /// The header's `merkle_root`.
    MerkleRoot,
    /// The header's `stake_root`.
    StakeRoot,
}

/// A header commitment that does not match the block's transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{field} mismatch: header has {in_header}, transactions give {computed}")]
pub struct MerkleMismatch {
    /// The field that does not match.
    pub field: MerkleField,
    /// What the header holds.
    pub in_header: Hash256,
    /// What the transactions hash to under the rules checked.
    pub computed: Hash256,
}

/// A block: header, regular transactions, stake transactions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Block {
    /// The header.
    pub header: BlockHeader,
    /// The regular transaction tree, coinbase first.
    pub transactions: Vec<Transaction>,
    /// The stake transaction tree (tickets, votes, revocations, treasury transactions).
    pub stake_transactions: Vec<Transaction>,
}

/// dcrd's bound on the transactions of one tree: half the largest block divided by its 15-byte minimum
/// transaction, plus one (protocol version 3 and below had 1,000,000-byte blocks).
pub fn max_tx_per_tree(version: u32) -> usize {
    let max_block = if version <= super::version::SEND_HEADERS {
        1_000_000
    } else {
        1_310_720
    };
    max_block / 15 / 2 + 1
}

fn hash_pair(pair: &[u8; 64]) -> Hash256 {
    blake256_hash(pair)
}

impl Block {
    /// The block hash.
    pub fn hash(&self) -> Hash256 {
        self.header.hash()
    }

    /// The transaction hashes (prefix hashes) of the regular tree.
    pub fn txids(&self) -> Vec<Hash256> {
        self.transactions.iter().map(Transaction::txid).collect()
    }

    /// The transaction hashes (prefix hashes) of the stake tree.
    pub fn stake_txids(&self) -> Vec<Hash256> {
        self.stake_transactions.iter().map(Transaction::txid).collect()
    }

    /// The merkle root of the regular tree: full hashes as leaves, BLAKE-256 pairs, last node duplicated on
    /// odd levels, zero for an empty tree.
    pub fn compute_regular_root(&self) -> Hash256 {
        let leaves: Vec<Hash256> = self.transactions.iter().map(Transaction::full_hash).collect();
        merkle_root(&leaves, hash_pair)
    }

    /// The merkle root of the stake tree, built like the regular one.
    pub fn compute_stake_root(&self) -> Hash256 {
        let leaves: Vec<Hash256> = self.stake_transactions.iter().map(Transaction::full_hash).collect();
        merkle_root(&leaves, hash_pair)
    }

    /// The DCP0005 combined root: BLAKE-256(regular root || stake root).
    pub fn compute_combined_root(&self) -> Hash256 {
        combine_roots(self.compute_regular_root(), self.compute_stake_root())
    }

    /// Checks the header's merkle commitments against the transactions under `rules`.
    ///
    /// Genesis blocks (height 0) are exempt and always pass: their merkle root is a hard-coded constant that
    /// consensus never checks (the simnet genesis of dcrd's test chains commits to the coinbase's prefix hash,
    /// another to neither hash). Under [`MerkleRules::Dcp0005`] only `merkle_root` can be checked.
    pub fn check_merkle_roots(&self, rules: MerkleRules) -> Result<(), MerkleMismatch> {
        if self.header.height == 0 {
            return Ok(());
        }
        let regular = self.compute_regular_root();
        let stake = self.compute_stake_root();
        let (merkle, stake_expected) = match rules {
            MerkleRules::PreDcp0005 => (regular, Some(stake)),
            MerkleRules::Dcp0005 => (combine_roots(regular, stake), None),
        };
        if merkle != self.header.merkle_root {
            return Err(MerkleMismatch {
                field: MerkleField::MerkleRoot,
                in_header: self.header.merkle_root,
                computed: merkle,
            });
        }
        if let Some(stake) = stake_expected {
            if stake != self.header.stake_root {
                return Err(MerkleMismatch {
                    field: MerkleField::StakeRoot,
                    in_header: self.header.stake_root,
                    computed: stake,
                });
            }
        }
        Ok(())
    }
}

/// BLAKE-256 of two roots in wire order: the DCP0005 `merkle_root` (the root of a two-leaf tree).
pub fn combine_roots(regular: Hash256, stake: Hash256) -> Hash256 {
    let mut pair = [0u8; 64];
    pair[..32].copy_from_slice(&regular.0);
    pair[32..].copy_from_slice(&stake.0);
    blake256_hash(&pair)
}

impl Decode for Block {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let header = BlockHeader::decode(r)?;
        let max = max_tx_per_tree(r.version());
        let n = r.read_count("regular transactions", max, Transaction::MIN_LEN)?;
        let transactions = r.read_each(n, Transaction::decode)?;
        let n = r.read_count("stake transactions", max, Transaction::MIN_LEN)?;
        let stake_transactions = r.read_each(n, Transaction::decode)?;
        Ok(Block {
            header,
            transactions,
            stake_transactions,
        })
    }
}

impl Encode for Block {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        self.header.encode(out);
        varint::write(out, self.transactions.len() as u64);
        for tx in &self.transactions {
            tx.encode(out);
        }
        varint::write(out, self.stake_transactions.len() as u64);
        for tx in &self.stake_transactions {
            tx.encode(out);
        }
    }
}

impl fmt::Display for MerkleField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MerkleField::MerkleRoot => "merkle root",
            MerkleField::StakeRoot => "stake root",
        })
    }
}
