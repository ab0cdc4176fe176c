//! The Decred dialect: BLAKE-256 hashing, 180-byte headers, prefix/witness transactions, and the messages of
//! dcrd's protocol versions 1 to 12.
//!
//! Layouts follow dcrd's `wire` package. Where dcrd's encoder and decoder disagree (it decodes an empty DC-net
//! but refuses to encode one) this crate does what dcrd does on each side; where dcrd's encoder would write
//! something its own decoder refuses (a negative mix amount, an over-long UTXO script), this crate refuses to
//! encode it.

pub mod blake256;
pub mod version;

mod addrv2;
mod block;
mod cfilter;
mod codec;
mod common;
mod field_matrix;
mod hashing;
mod initstate;
mod limits;
mod message;
mod mining;
mod mix;
mod reject;
mod summary;
mod tx;

pub use addrv2::{AddrV2, AddrV2Entry};
pub use block::{
    combine_roots, max_tx_per_tree, Block, BlockHeader, MerkleField, MerkleMismatch, MerkleRules,
    DCP0005_MAINNET_HEIGHT,
};
pub use cfilter::{
    CFHeaders, CFilter, CFilterV2, GetCFHeaders, GetCFilter, GetCFsV2, MAX_CFHEADERS_PER_MSG,
    MAX_CFILTERS_V2_PER_BATCH, MAX_CFILTER_DATA_LEN, MAX_FILTER_TYPES_PER_MSG, MAX_HEADER_PROOF_HASHES,
};
pub use field_matrix::{FieldMatrix, FieldRow, FieldRows};
pub use hashing::{blake256_hash, Blake256Writer};
pub use initstate::{
    GetInitState, InitState, INIT_STATE_HEAD_BLOCKS, INIT_STATE_HEAD_BLOCK_VOTES, INIT_STATE_TSPENDS,
    MAX_INIT_STATE_TYPES, MAX_INIT_STATE_TYPE_LEN, MAX_TSPENDS_AT_HEAD_PER_MSG,
};
pub use limits::{max_payload_len, valid_at, MAX_HEADERS_PER_MSG};
pub use message::{Message, COMMANDS};
pub use mining::{MiningState, MAX_BLOCKS_AT_HEAD_PER_MSG, MAX_VOTES_AT_HEAD_PER_MSG};
pub use mix::{
    MixCiphertexts, MixConfirm, MixDCNet, MixFactoredPoly, MixKeyExchange, MixMsg, MixPairReq, MixPairReqUtxo,
    MixSecrets, MixSlotReserve, MAX_MIX_FIELD_VAL_LEN, MAX_MIX_MCOUNT, MAX_MIX_PAIR_REQ_SCRIPT_CLASS_LEN,
    MAX_MIX_PAIR_REQ_UTXOS, MAX_MIX_PAIR_REQ_UTXO_PUBKEY_LEN, MAX_MIX_PAIR_REQ_UTXO_SCRIPT_LEN,
    MAX_MIX_PAIR_REQ_UTXO_SIGNATURE_LEN, MAX_MIX_PEERS, MIX_MSG_SIZE, PQ_CIPHERTEXT_LEN, PQ_PUBLIC_KEY_LEN,
};
pub use reject::Reject;
pub use tx::{
    opcodes, OutPoint, StakeTxType, Transaction, TxIn, TxOut, TxSerType, MAX_TX_INPUTS, MAX_TX_OUTPUTS,
    TX_VERSION_TREASURY,
};

pub(crate) use common::{check_count, is_strict_ascii, read_ascii_str};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::Sink;

    #[test]
    fn limits_match_dcrd_at_the_newest_version() {
        let v = version::MAX;
        for (cmd, max) in [
            ("version", 358),
            ("addrv2", 51_003),
            ("inv", 1_800_003),
            ("getblocks", 16_039),
            ("headers", 362_003),
            ("block", 1_310_720),
            ("miningstate", 1_546),
            ("getcfilter", 33),
            ("getcfheaders", 16_036),
            ("cfilter", 262_182),
            ("cfheaders", 64_036),
            ("cftypes", 259),
            ("cfilterv2", 263_210),
            ("getinitstate", 1_057),
            ("initstate", 1_763),
            ("getcfsv2", 64),
            ("cfiltersv2", 26_321_001),
            ("addr", 0),
            ("reject", 0),
        ] {
            assert_eq!(max_payload_len(cmd, v), Some(max), "{cmd}");
        }
        assert_eq!(max_payload_len("addr", 11), Some(30_003));
        assert_eq!(max_payload_len("block", 3), Some(1_000_000));
        assert_eq!(max_payload_len("mixdcnet", 9), Some(0));
        assert_eq!(max_payload_len("nonsense", v), None);
    }

    #[test]
    fn blake256_writer_matches_one_shot_hashing() {
        let data: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let mut w = Blake256Writer::new();
        for chunk in data.chunks(7) {
            w.put(chunk);
        }
        assert_eq!(w.finish(), blake256_hash(&data));
    }
}
