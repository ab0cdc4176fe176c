//! The Decred dialect: BLAKE-256 hashing, 180-byte headers, prefix/witness transactions, and the messages of
//! dcrd's protocol versions 1 to 12.
//!
//! Layouts follow dcrd's `wire` package. Where dcrd's encoder and decoder disagree (it decodes an empty DC-net
//! but refuses to encode one) this crate does what dcrd does on each side; where dcrd's encoder would write
//! something its own decoder refuses (a negative mix amount, an over-long UTXO script), this crate refuses to
//! encode it.

pub mod blake256;

mod addrv2;
mod block;
mod cfilter;
mod field_matrix;
mod initstate;
mod mining;
mod mix;
mod reject;
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
pub use initstate::{
    GetInitState, InitState, INIT_STATE_HEAD_BLOCKS, INIT_STATE_HEAD_BLOCK_VOTES, INIT_STATE_TSPENDS,
    MAX_INIT_STATE_TYPES, MAX_INIT_STATE_TYPE_LEN, MAX_TSPENDS_AT_HEAD_PER_MSG,
};
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

use crate::encode::{put_list, put_var_bytes, read_vec, Decode, Encode, Reader, Sink};
use crate::error::{DecodeError, EncodeError, ErrorKind};
use crate::frame::Command;
use crate::hash::Hash256;
use crate::message::{EncodeOptions, WireMessage};
use crate::messages::{
    BlockLocator, InvType, Inventory, TimedNetAddress, VersionMessage, MAX_ADDR_PER_MSG, MAX_INV_PER_MSG,
    MAX_LOCATOR_HASHES, MAX_USER_AGENT_LEN,
};
use crate::network::Dialect;
use crate::varint;
use bytes::Bytes;
use std::fmt;

/// Protocol versions of the Decred dialect at which messages or encodings change.
pub mod version {
    /// The first version.
    pub const INITIAL: u32 = 1;
    /// `sendheaders`.
    pub const SEND_HEADERS: u32 = 3;
    /// Larger blocks (1,310,720 bytes instead of 1,000,000).
    pub const MAX_BLOCK_SIZE: u32 = 4;
    /// `feefilter`.
    pub const FEE_FILTER: u32 = 5;
    /// Committed filters, version 1 (`getcfilter` and friends).
    pub const NODE_CF: u32 = 6;
    /// Committed filters, version 2 (`getcfilterv2`, `cfilterv2`).
    pub const CFILTER_V2: u32 = 7;
    /// `getinitstate` and `initstate`.
    pub const INIT_STATE: u32 = 8;
    /// `reject` removed; the oldest version dcrd accepts.
    pub const REMOVE_REJECT: u32 = 9;
    /// Mixing messages.
    pub const MIXING: u32 = 10;
    /// Batched committed filters (`getcfsv2`, `cfiltersv2`).
    pub const BATCHED_CFILTERS_V2: u32 = 11;
    /// `addrv2` replaces `addr`.
    pub const ADDRV2: u32 = 12;
    /// The newest version this crate speaks.
    pub const MAX: u32 = 12;
}

/// Most headers in one `headers` message.
pub const MAX_HEADERS_PER_MSG: usize = 2000;

/// The largest payload of a Decred `command` at protocol `version`; `None` for unknown commands.
///
/// The values are dcrd's `MaxPayloadLength`, including its zeros: `addr` from version 12, `addrv2` below 12,
/// `getinitstate`/`initstate` below 8, the mixing messages below 10 and `reject` from 9 may carry no payload,
/// so a frame decoder refuses them from the header alone (an empty one then fails to decode with
/// [`ErrorKind::UnsupportedAtVersion`]). Some of dcrd's mixing limits undercount the largest encodable
/// message by a few bytes (`mixpairreq` omits its change flag and two flag bytes, `mixfactpoly` the length
/// byte of each root); they are kept as they are, since a peer enforcing them is what matters.
pub fn max_payload_len(command: &str, version: u32) -> Option<u32> {
    use version::*;
    const MAX: u32 = Dialect::Decred.max_message_len();
    let mixing = |len: u32| if version >= MIXING { len } else { 0 };
    Some(match command {
        "version" => 358,
        "verack" | "getaddr" | "mempool" | "getminings" | "sendheaders" | "getcftypes" => 0,
        "addr" if version >= ADDRV2 => 0,
        "addr" => 3 + MAX_ADDR_PER_MSG as u32 * 30,
        "addrv2" if version < ADDRV2 => 0,
        "addrv2" => 3 + MAX_ADDR_PER_MSG as u32 * AddrV2Entry::MAX_LEN as u32,
        "inv" | "getdata" | "notfound" => 3 + MAX_INV_PER_MSG as u32 * 36,
        "getblocks" | "getheaders" => 4 + 3 + MAX_LOCATOR_HASHES as u32 * 32 + 32,
        "headers" => 3 + MAX_HEADERS_PER_MSG as u32 * (BlockHeader::LEN as u32 + 1),
        "block" | "tx" if version <= SEND_HEADERS => 1_000_000,
        "block" | "tx" => 1_310_720,
        "ping" | "pong" | "feefilter" => 8,
        "miningstate" => 4 + 4 + 1 + 8 * 32 + 1 + 40 * 32,
        "getcfilter" => 32 + 1,
        "getcfheaders" => 3 + MAX_LOCATOR_HASHES as u32 * 32 + 32 + 1,
        "cfilter" => 5 + MAX_CFILTER_DATA_LEN as u32 + 32 + 1,
        "cfheaders" => 32 + 1 + 3 + MAX_CFHEADERS_PER_MSG as u32 * 32,
        "cftypes" => 3 + MAX_FILTER_TYPES_PER_MSG as u32,
        "getcfilterv2" => 32,
        "cfilterv2" => CFILTER_V2_MAX,
        "getcfsv2" => 64,
        "cfiltersv2" => 1 + MAX_CFILTERS_V2_PER_BATCH as u32 * CFILTER_V2_MAX,
        "getinitstate" | "initstate" if version < INIT_STATE => 0,
        "getinitstate" => 1 + 32 * 33,
        "initstate" => 1 + 8 * 32 + 1 + 40 * 32 + 1 + 7 * 32,
        "mixpairreq" => mixing(8_476_848),
        "mixkeyxchg" => mixing(17_815),
        "mixcphrtxt" => mixing(552_584),
        "mixslotres" => mixing(17_318_030),
        "mixfactpoly" => mixing(49_291),
        "mixdcnet" => mixing(20_988_047),
        "mixconfirm" => mixing(1_016_520),
        "mixsecrets" => mixing(70_831),
        "reject" if version >= REMOVE_REJECT => 0,
        "reject" => MAX,
        _ => return None,
    })
}

/// Largest `cfilterv2`: hash, filter with its 5-byte length, proof index, 32 proof hashes with their count.
const CFILTER_V2_MAX: u32 = 32 + 5 + MAX_CFILTER_DATA_LEN as u32 + 4 + 1 + 32 * 32;

/// BLAKE-256, Decred's hash for checksums, blocks, transactions and mixing messages.
pub fn blake256_hash(data: &[u8]) -> Hash256 {
    Hash256(blake256::blake256(data))
}

/// A [`Sink`] that hashes what is written with BLAKE-256, so that an encoding can be hashed without building
/// it in memory first.
#[derive(Debug, Clone, Default)]
pub struct Blake256Writer(blake256::Blake256);

impl Blake256Writer {
    /// A writer with nothing hashed yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The BLAKE-256 of everything written.
    pub fn finish(self) -> Hash256 {
        Hash256(self.0.finalize())
    }
}

impl Sink for Blake256Writer {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// True if every byte is printable ASCII (0x20 to 0x7e), dcrd's "strict ASCII".
pub(crate) fn is_strict_ascii(s: &str) -> bool {
    s.bytes().all(|c| (0x20..=0x7e).contains(&c))
}

/// Reads a length-prefixed string of at most `max` bytes that must be printable ASCII.
pub(crate) fn read_ascii_str(r: &mut Reader<'_>, what: &'static str, max: usize) -> Result<String, DecodeError> {
    let start = r.offset();
    let len = r.read_varint()?;
    if len > max as u64 {
        return Err(DecodeError::new(
            ErrorKind::LengthTooLarge {
                what,
                length: len,
                max: max as u64,
            },
            start as u64,
        ));
    }
    let at = r.offset();
    let s = r.read_slice(len as usize)?;
    match std::str::from_utf8(s) {
        Ok(s) if is_strict_ascii(s) => Ok(s.to_string()),
        _ => Err(DecodeError::new(
            ErrorKind::InvalidValue {
                what,
                detail: "not printable ASCII".into(),
            },
            at as u64,
        )),
    }
}

pub(crate) fn check_count(what: &'static str, count: usize, max: usize) -> Result<(), EncodeError> {
    if count > max {
        return Err(EncodeError::CountTooLarge { what, count, max });
    }
    Ok(())
}

/// A Decred P2P message.
///
/// The mixing messages are boxed: some hold kilobyte arrays, and boxing keeps every other message small.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    /// `version`: the first message of a connection. Decred always writes the relay byte.
    Version(VersionMessage),
    /// `verack`: the version was accepted.
    Verack,
    /// `getaddr`: asks for known addresses.
    GetAddr,
    /// `addr`: known addresses (time always present, port big-endian). Invalid from version 12.
    Addr(Vec<TimedNetAddress>),
    /// `addrv2`: known addresses in Decred's own layout, 1 to 1000 of them. Version 12 and later.
    AddrV2(Vec<AddrV2Entry>),
    /// `inv`: announces objects.
    Inv(Vec<Inventory>),
    /// `getdata`: asks for objects.
    GetData(Vec<Inventory>),
    /// `notfound`: objects asked for that the sender does not have.
    NotFound(Vec<Inventory>),
    /// `getblocks`: asks for an `inv` of the blocks after a locator.
    GetBlocks(BlockLocator),
    /// `getheaders`: asks for the headers after a locator.
    GetHeaders(BlockLocator),
    /// `headers`: block headers (each followed on the wire by a zero transaction count).
    Headers(Vec<BlockHeader>),
    /// `block`.
    Block(Block),
    /// `tx`.
    Tx(Transaction),
    /// `ping` with its nonce (always present in Decred).
    Ping(u64),
    /// `pong` echoing a ping's nonce.
    Pong(u64),
    /// `reject`: only below version 9.
    Reject(Reject),
    /// `sendheaders` (version 3): announce new blocks with `headers`.
    SendHeaders,
    /// `feefilter` (version 5): the smallest fee rate (atoms/kB) worth announcing.
    FeeFilter(i64),
    /// `mempool`: asks for an `inv` of the mempool.
    MemPool,
    /// `getminings`: asks for a `miningstate`.
    GetMiningState,
    /// `miningstate`: tip blocks and their votes.
    MiningState(MiningState),
    /// `getcfilter` (version 6).
    GetCFilter(GetCFilter),
    /// `cfilter` (version 6).
    CFilter(CFilter),
    /// `getcfheaders` (version 6).
    GetCFHeaders(GetCFHeaders),
    /// `cfheaders` (version 6).
    CFHeaders(CFHeaders),
    /// `getcftypes` (version 6).
    GetCFTypes,
    /// `cftypes` (version 6): the filter types supported, at most 256.
    CFTypes(Vec<u8>),
    /// `getcfilterv2` (version 7): the block whose version 2 filter is wanted.
    GetCFilterV2(Hash256),
    /// `cfilterv2` (version 7).
    CFilterV2(CFilterV2),
    /// `getcfsv2` (version 11).
    GetCFsV2(GetCFsV2),
    /// `cfiltersv2` (version 11): at most 100 filters.
    CFiltersV2(Vec<CFilterV2>),
    /// `getinitstate` (version 8).
    GetInitState(GetInitState),
    /// `initstate` (version 8).
    InitState(InitState),
    /// `mixpairreq` (version 10).
    MixPairReq(Box<MixPairReq>),
    /// `mixkeyxchg` (version 10).
    MixKeyExchange(Box<MixKeyExchange>),
    /// `mixcphrtxt` (version 10).
    MixCiphertexts(Box<MixCiphertexts>),
    /// `mixslotres` (version 10).
    MixSlotReserve(Box<MixSlotReserve>),
    /// `mixfactpoly` (version 10).
    MixFactoredPoly(Box<MixFactoredPoly>),
    /// `mixdcnet` (version 10).
    MixDCNet(Box<MixDCNet>),
    /// `mixconfirm` (version 10).
    MixConfirm(Box<MixConfirm>),
    /// `mixsecrets` (version 10).
    MixSecrets(Box<MixSecrets>),
    /// A command this crate does not know, kept whole.
    Unknown {
        /// The command.
        command: Command,
        /// The undecoded payload.
        payload: Bytes,
    },
}

/// The smallest protocol version at which `command` exists, if it is gated.
fn introduced_at(command: &str) -> Option<u32> {
    use version::*;
    Some(match command {
        "sendheaders" => SEND_HEADERS,
        "feefilter" => FEE_FILTER,
        "getcfilter" | "cfilter" | "getcfheaders" | "cfheaders" | "getcftypes" | "cftypes" => NODE_CF,
        "getcfilterv2" | "cfilterv2" => CFILTER_V2,
        "getinitstate" | "initstate" => INIT_STATE,
        "mixpairreq" | "mixkeyxchg" | "mixcphrtxt" | "mixslotres" | "mixfactpoly" | "mixdcnet" | "mixconfirm"
        | "mixsecrets" => MIXING,
        "getcfsv2" | "cfiltersv2" => BATCHED_CFILTERS_V2,
        "addrv2" => ADDRV2,
        _ => return None,
    })
}

/// The protocol version from which `command` no longer exists, if it was withdrawn.
fn removed_at(command: &str) -> Option<u32> {
    match command {
        "reject" => Some(version::REMOVE_REJECT),
        "addr" => Some(version::ADDRV2),
        _ => None,
    }
}

/// True if `command` is a message of protocol `version` (unknown commands always are).
pub fn valid_at(command: &str, version: u32) -> bool {
    !matches!(introduced_at(command), Some(v) if version < v) && !matches!(removed_at(command), Some(v) if version >= v)
}

fn read_inv_list(r: &mut Reader<'_>) -> Result<Vec<Inventory>, DecodeError> {
    let n = r.read_count("inventory vectors", MAX_INV_PER_MSG, Inventory::LEN)?;
    read_vec(r, n)
}

macro_rules! commands {
    ($($variant:ident $(($($x:tt)*))? => $name:literal,)*) => {
        /// Command names of the messages this dialect knows.
        pub const COMMANDS: &[&str] = &[$($name),*];

        impl Message {
            /// The command naming this message.
            pub fn command(&self) -> Command {
                match self {
                    $(Message::$variant $(($($x)*))? => Command::from_static($name),)*
                    Message::Unknown { command, .. } => *command,
                }
            }
        }
    };
}

commands! {
    Version(_) => "version", Verack => "verack", GetAddr => "getaddr", Addr(_) => "addr", AddrV2(_) => "addrv2",
    Inv(_) => "inv", GetData(_) => "getdata", NotFound(_) => "notfound", GetBlocks(_) => "getblocks",
    GetHeaders(_) => "getheaders", Headers(_) => "headers", Block(_) => "block", Tx(_) => "tx", Ping(_) => "ping",
    Pong(_) => "pong", Reject(_) => "reject", SendHeaders => "sendheaders", FeeFilter(_) => "feefilter",
    MemPool => "mempool", GetMiningState => "getminings", MiningState(_) => "miningstate",
    GetCFilter(_) => "getcfilter", CFilter(_) => "cfilter", GetCFHeaders(_) => "getcfheaders",
    CFHeaders(_) => "cfheaders", GetCFTypes => "getcftypes", CFTypes(_) => "cftypes",
    GetCFilterV2(_) => "getcfilterv2", CFilterV2(_) => "cfilterv2", GetCFsV2(_) => "getcfsv2",
    CFiltersV2(_) => "cfiltersv2", GetInitState(_) => "getinitstate", InitState(_) => "initstate",
    MixPairReq(_) => "mixpairreq", MixKeyExchange(_) => "mixkeyxchg", MixCiphertexts(_) => "mixcphrtxt",
    MixSlotReserve(_) => "mixslotres", MixFactoredPoly(_) => "mixfactpoly", MixDCNet(_) => "mixdcnet",
    MixConfirm(_) => "mixconfirm", MixSecrets(_) => "mixsecrets",
}

impl Message {
    /// The BLAKE-256 hash of a mixing message's serialization (what `mix` inventory vectors name and dcrd's
    /// stall tracker waits for); `None` for other messages.
    pub fn mix_hash(&self) -> Option<Hash256> {
        Some(match self {
            Message::MixPairReq(m) => m.hash(),
            Message::MixKeyExchange(m) => m.hash(),
            Message::MixCiphertexts(m) => m.hash(),
            Message::MixSlotReserve(m) => m.hash(),
            Message::MixFactoredPoly(m) => m.hash(),
            Message::MixDCNet(m) => m.hash(),
            Message::MixConfirm(m) => m.hash(),
            Message::MixSecrets(m) => m.hash(),
            _ => return None,
        })
    }

    fn decode_body(command: &Command, r: &mut Reader<'_>) -> Result<Message, DecodeError> {
        Ok(match command.as_str() {
            "version" => {
                let v = VersionMessage::decode_lenient(r, true)?;
                // dcrd refuses user agents outside printable ASCII. The agent follows 80 bytes of fixed fields.
                if !is_strict_ascii(&v.user_agent) {
                    return Err(DecodeError::new(
                        ErrorKind::InvalidValue {
                            what: "user agent",
                            detail: "not printable ASCII".into(),
                        },
                        80,
                    ));
                }
                Message::Version(v)
            }
            "verack" => Message::Verack,
            "getaddr" => Message::GetAddr,
            "addr" => {
                let (n, mut v) = r.begin_list("addresses", MAX_ADDR_PER_MSG, 30)?;
                for _ in 0..n {
                    v.push(TimedNetAddress::decode_with_time(r, true)?);
                }
                Message::Addr(v)
            }
            "addrv2" => {
                let at = r.offset();
                let n = r.read_count("addresses", MAX_ADDR_PER_MSG, AddrV2Entry::MIN_LEN)?;
                if n == 0 {
                    return Err(DecodeError::new(
                        ErrorKind::InvalidValue {
                            what: "addresses",
                            detail: "count 0, at least 1".into(),
                        },
                        at as u64,
                    ));
                }
                Message::AddrV2(read_vec(r, n)?)
            }
            "inv" => Message::Inv(read_inv_list(r)?),
            "getdata" => Message::GetData(read_inv_list(r)?),
            "notfound" => Message::NotFound(read_inv_list(r)?),
            "getblocks" => Message::GetBlocks(BlockLocator::decode(r)?),
            "getheaders" => Message::GetHeaders(BlockLocator::decode(r)?),
            "headers" => {
                let (n, mut v) = r.begin_list("headers", MAX_HEADERS_PER_MSG, BlockHeader::LEN + 1)?;
                for _ in 0..n {
                    v.push(BlockHeader::decode(r)?);
                    let at = r.offset();
                    let txs = r.read_varint()?;
                    if txs != 0 {
                        return Err(DecodeError::new(
                            ErrorKind::InvalidValue {
                                what: "header transaction count",
                                detail: format!("{txs}, expected 0"),
                            },
                            at as u64,
                        ));
                    }
                }
                Message::Headers(v)
            }
            "block" => Message::Block(Block::decode(r)?),
            "tx" => Message::Tx(Transaction::decode(r)?),
            "ping" => Message::Ping(r.read_u64_le()?),
            "pong" => Message::Pong(r.read_u64_le()?),
            "reject" => Message::Reject(Reject::decode(r)?),
            "sendheaders" => Message::SendHeaders,
            "feefilter" => Message::FeeFilter(r.read_i64_le()?),
            "mempool" => Message::MemPool,
            "getminings" => Message::GetMiningState,
            "miningstate" => Message::MiningState(MiningState::decode(r)?),
            "getcfilter" => Message::GetCFilter(GetCFilter::decode(r)?),
            "cfilter" => Message::CFilter(CFilter::decode(r)?),
            "getcfheaders" => Message::GetCFHeaders(GetCFHeaders::decode(r)?),
            "cfheaders" => Message::CFHeaders(CFHeaders::decode(r)?),
            "getcftypes" => Message::GetCFTypes,
            "cftypes" => Message::CFTypes(cfilter::decode_cftypes(r)?),
            "getcfilterv2" => Message::GetCFilterV2(Hash256::decode(r)?),
            "cfilterv2" => Message::CFilterV2(CFilterV2::decode(r)?),
            "getcfsv2" => Message::GetCFsV2(GetCFsV2::decode(r)?),
            "cfiltersv2" => Message::CFiltersV2(cfilter::decode_cfiltersv2(r)?),
            "getinitstate" => Message::GetInitState(GetInitState::decode(r)?),
            "initstate" => Message::InitState(InitState::decode(r)?),
            "mixpairreq" => Message::MixPairReq(Box::new(MixPairReq::decode(r)?)),
            "mixkeyxchg" => Message::MixKeyExchange(Box::new(MixKeyExchange::decode(r)?)),
            "mixcphrtxt" => Message::MixCiphertexts(Box::new(MixCiphertexts::decode(r)?)),
            "mixslotres" => Message::MixSlotReserve(Box::new(MixSlotReserve::decode(r)?)),
            "mixfactpoly" => Message::MixFactoredPoly(Box::new(MixFactoredPoly::decode(r)?)),
            "mixdcnet" => Message::MixDCNet(Box::new(MixDCNet::decode(r)?)),
            "mixconfirm" => Message::MixConfirm(Box::new(MixConfirm::decode(r)?)),
            "mixsecrets" => Message::MixSecrets(Box::new(MixSecrets::decode(r)?)),
            _ => Message::Unknown {
                command: *command,
                payload: r.read_bytes(r.remaining())?,
            },
        })
    }

    /// Checks what the wire cannot carry or dcrd would refuse, before anything is written.
    fn check(&self) -> Result<(), EncodeError> {
        match self {
            Message::Version(v) => {
                if v.user_agent.len() > MAX_USER_AGENT_LEN || !is_strict_ascii(&v.user_agent) {
                    return Err(EncodeError::InvalidValue {
                        what: "user agent",
                        detail: format!(
                            "{} bytes; at most {MAX_USER_AGENT_LEN} printable ASCII characters",
                            v.user_agent.len()
                        ),
                    });
                }
                Ok(())
            }
            Message::Addr(l) => check_count("addresses", l.len(), MAX_ADDR_PER_MSG),
            Message::AddrV2(l) => {
                if l.is_empty() {
                    return Err(EncodeError::InvalidValue {
                        what: "addresses",
                        detail: "addrv2 needs at least one address".into(),
                    });
                }
                check_count("addresses", l.len(), MAX_ADDR_PER_MSG)
            }
            Message::Inv(l) | Message::GetData(l) | Message::NotFound(l) => {
                check_count("inventory vectors", l.len(), MAX_INV_PER_MSG)
            }
            Message::GetBlocks(l) | Message::GetHeaders(l) => {
                check_count("locator hashes", l.locator.len(), MAX_LOCATOR_HASHES)
            }
            Message::Headers(l) => check_count("headers", l.len(), MAX_HEADERS_PER_MSG),
            Message::Reject(r) => r.check(),
            Message::MiningState(m) => m.check(),
            Message::CFilter(c) if c.data.len() > MAX_CFILTER_DATA_LEN => Err(EncodeError::InvalidValue {
                what: "cfilter data",
                detail: format!("{} bytes, at most {MAX_CFILTER_DATA_LEN}", c.data.len()),
            }),
            Message::GetCFHeaders(g) => check_count("locator hashes", g.locator.len(), MAX_LOCATOR_HASHES),
            Message::CFHeaders(c) => check_count("filter headers", c.headers.len(), MAX_CFHEADERS_PER_MSG),
            Message::CFTypes(t) => check_count("filter types", t.len(), MAX_FILTER_TYPES_PER_MSG),
            Message::CFilterV2(c) => c.check(),
            Message::CFiltersV2(l) => {
                check_count("filters", l.len(), MAX_CFILTERS_V2_PER_BATCH)?;
                l.iter().try_for_each(CFilterV2::check)
            }
            Message::GetInitState(g) => g.check(),
            Message::InitState(i) => i.check(),
            Message::MixPairReq(m) => m.check(),
            Message::MixKeyExchange(m) => m.check(),
            Message::MixCiphertexts(m) => m.check(),
            Message::MixSlotReserve(m) => m.check(),
            Message::MixFactoredPoly(m) => m.check(),
            Message::MixDCNet(m) => m.check(),
            Message::MixConfirm(m) => m.check(),
            Message::MixSecrets(m) => m.check(),
            _ => Ok(()),
        }
    }

    fn encode_body<S: Sink + ?Sized>(&self, out: &mut S) {
        match self {
            Message::Version(v) => v.encode_with_relay(out, true),
            Message::Verack
            | Message::GetAddr
            | Message::SendHeaders
            | Message::MemPool
            | Message::GetMiningState
            | Message::GetCFTypes => {}
            Message::Addr(list) => {
                varint::write(out, list.len() as u64);
                for a in list {
                    a.encode_with_time(out, true);
                }
            }
            Message::AddrV2(list) => put_list(out, list),
            Message::Inv(list) | Message::GetData(list) | Message::NotFound(list) => put_list(out, list),
            Message::GetBlocks(l) | Message::GetHeaders(l) => l.encode(out),
            Message::Headers(list) => {
                varint::write(out, list.len() as u64);
                for h in list {
                    h.encode(out);
                    out.put_u8(0);
                }
            }
            Message::Block(b) => b.encode(out),
            Message::Tx(tx) => tx.encode(out),
            Message::Ping(n) | Message::Pong(n) => out.put_u64_le(*n),
            Message::Reject(r) => r.encode(out),
            Message::FeeFilter(rate) => out.put_i64_le(*rate),
            Message::MiningState(m) => m.encode(out),
            Message::GetCFilter(g) => g.encode(out),
            Message::CFilter(c) => c.encode(out),
            Message::GetCFHeaders(g) => g.encode(out),
            Message::CFHeaders(c) => c.encode(out),
            Message::CFTypes(t) => put_var_bytes(out, t),
            Message::GetCFilterV2(h) => h.encode(out),
            Message::CFilterV2(c) => c.encode(out),
            Message::GetCFsV2(g) => g.encode(out),
            Message::CFiltersV2(l) => put_list(out, l),
            Message::GetInitState(g) => g.encode(out),
            Message::InitState(i) => i.encode(out),
            Message::MixPairReq(m) => m.encode(out),
            Message::MixKeyExchange(m) => m.encode(out),
            Message::MixCiphertexts(m) => m.encode(out),
            Message::MixSlotReserve(m) => m.encode(out),
            Message::MixFactoredPoly(m) => m.encode(out),
            Message::MixDCNet(m) => m.encode(out),
            Message::MixConfirm(m) => m.encode(out),
            Message::MixSecrets(m) => m.encode(out),
            Message::Unknown { payload, .. } => out.put(payload),
        }
    }
}

impl WireMessage for Message {
    const DIALECT: Dialect = Dialect::Decred;

    fn command(&self) -> Command {
        Message::command(self)
    }

    fn decode_payload(command: &Command, payload: &Bytes, version: u32) -> Result<Self, DecodeError> {
        if !valid_at(command.as_str(), version) {
            return Err(DecodeError::new(ErrorKind::UnsupportedAtVersion { version }, 0).in_command(*command));
        }
        let mut r = Reader::new(payload, version);
        let msg = Message::decode_body(command, &mut r).map_err(|e| e.in_command(*command))?;
        r.finish().map_err(|e| e.in_command(*command))?;
        Ok(msg)
    }

    fn encode_payload<S: Sink + ?Sized>(&self, opts: EncodeOptions, out: &mut S) -> Result<(), EncodeError> {
        let name = self.command();
        if !valid_at(name.as_str(), opts.version) {
            let command = COMMANDS
                .iter()
                .find(|c| **c == name.as_str())
                .copied()
                .unwrap_or("unknown");
            return Err(EncodeError::UnsupportedAtVersion {
                command,
                version: opts.version,
            });
        }
        self.check()?;
        self.encode_body(out);
        Ok(())
    }

    fn summary(&self) -> String {
        summarize(self)
    }
}

/// Counts of an inventory list per type, e.g. `3 tx, 1 block`; a single item is shown with its hash.
fn inv_summary(list: &[Inventory]) -> String {
    let name = |t: InvType| match t.0 {
        0 => "error".to_string(),
        1 => "tx".to_string(),
        2 => "block".to_string(),
        3 => "filtered block".to_string(),
        4 => "mix".to_string(),
        other => format!("type {other}"),
    };
    if let [one] = list {
        return format!("{} {}", name(one.kind), one.hash);
    }
    let mut counts: Vec<(InvType, usize)> = Vec::new();
    for i in list {
        match counts.iter_mut().find(|(t, _)| *t == i.kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((i.kind, 1)),
        }
    }
    if counts.is_empty() {
        return "empty".into();
    }
    counts
        .iter()
        .map(|(t, n)| format!("{n} {}", name(*t)))
        .collect::<Vec<_>>()
        .join(", ")
}

struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

fn summarize(msg: &Message) -> String {
    let cmd = msg.command();
    let mix = |session: &[u8; 32], run: u32| {
        format!(
            "{cmd} {} (session {}, run {run})",
            msg.mix_hash().unwrap_or_default(),
            Hex(&session[..8])
        )
    };
    match msg {
        Message::Version(v) => format!(
            "version {} {} height {} services {}",
            v.version, v.user_agent, v.start_height, v.services
        ),
        Message::Addr(l) => format!("addr ({} addresses)", l.len()),
        Message::AddrV2(l) => format!("addrv2 ({} addresses)", l.len()),
        Message::Inv(l) | Message::GetData(l) | Message::NotFound(l) => format!("{cmd} ({})", inv_summary(l)),
        Message::GetBlocks(l) | Message::GetHeaders(l) => format!(
            "{cmd} (locator {}, stop {})",
            l.locator.first().map_or_else(|| "empty".to_string(), |h| h.to_string()),
            l.stop
        ),
        Message::Headers(h) => format!("headers ({} headers)", h.len()),
        Message::Block(b) => format!(
            "block {} height {} ({} txs, {} stake txs)",
            b.hash(),
            b.header.height,
            b.transactions.len(),
            b.stake_transactions.len()
        ),
        Message::Tx(t) => format!(
            "tx {} ({}, {} in, {} out)",
            t.txid(),
            t.stake_type(),
            t.inputs.len(),
            t.outputs.len()
        ),
        Message::Ping(n) | Message::Pong(n) => format!("{cmd} (nonce {n:#018x})"),
        Message::Reject(r) => {
            let reason: String = r.reason.chars().take(250).collect();
            format!("reject ({} {}: {reason})", r.message, r.code)
        }
        Message::FeeFilter(f) => format!("feefilter ({f} atoms/kB)"),
        Message::MiningState(m) => format!(
            "miningstate (height {}, {} blocks, {} votes)",
            m.height,
            m.block_hashes.len(),
            m.vote_hashes.len()
        ),
        Message::CFilterV2(c) => format!("cfilterv2 {} ({} bytes)", c.block_hash, c.data.len()),
        Message::CFiltersV2(l) => format!("cfiltersv2 ({} filters)", l.len()),
        Message::GetInitState(g) => format!("getinitstate ({})", g.types.join(", ")),
        Message::InitState(i) => format!(
            "initstate ({} blocks, {} votes, {} tspends)",
            i.block_hashes.len(),
            i.vote_hashes.len(),
            i.tspend_hashes.len()
        ),
        Message::MixPairReq(m) => format!(
            "mixpairreq {} ({} UTXOs, {} x {} atoms)",
            m.hash(),
            m.utxos.len(),
            m.message_count,
            m.mix_amount
        ),
        Message::MixKeyExchange(m) => mix(&m.session_id, m.run),
        Message::MixCiphertexts(m) => mix(&m.session_id, m.run),
        Message::MixSlotReserve(m) => mix(&m.session_id, m.run),
        Message::MixFactoredPoly(m) => mix(&m.session_id, m.run),
        Message::MixDCNet(m) => mix(&m.session_id, m.run),
        Message::MixConfirm(m) => mix(&m.session_id, m.run),
        Message::MixSecrets(m) => mix(&m.session_id, m.run),
        Message::Unknown { payload, .. } => format!("{cmd} (unknown, {} bytes)", payload.len()),
        _ => cmd.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
