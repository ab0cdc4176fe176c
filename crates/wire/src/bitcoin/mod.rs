//! The Bitcoin dialect: every message Bitcoin Core, btcd and their forks send, with the protocol-version
//! rules of each.

mod addrv2;
mod block;
mod bloom;
mod cfilter;
mod compact;
mod reject;
mod tx;
mod witness;

pub use addrv2::{AddrV2, AddrV2Entry, MAX_ADDRV2_LEN};
pub use block::{Block, BlockHeader};
pub use bloom::{
    FilterLoad, MerkleBlock, MAX_FILTER_ADD_DATA_LEN, MAX_FILTER_LOAD_FILTER_LEN, MAX_FILTER_LOAD_HASH_FUNCS,
};
pub use cfilter::{CFCheckpt, CFHeaders, CFilter, GetCFCheckpt, GetCFilters, MAX_CFHEADERS_PER_MSG, MAX_CFILTER_LEN};
pub use compact::{BlockTxn, CmpctBlock, GetBlockTxn, PrefilledTransaction, SendCmpct, SendTxRcncl};
pub use reject::{Reject, RejectCode};
pub use tx::{OutPoint, Transaction, TxIn, TxOut};
pub use witness::{Witness, WitnessIter};

use crate::encode::{put_list, put_var_bytes, read_vec, Decode, Encode, Reader, Sink};
use crate::error::{DecodeError, EncodeError, ErrorKind};
use crate::frame::Command;
use crate::message::{EncodeOptions, WireMessage};
use crate::messages::{
    BlockLocator, Inventory, TimedNetAddress, VersionMessage, MAX_ADDR_PER_MSG, MAX_INV_PER_MSG, MAX_USER_AGENT_LEN,
};
use crate::network::Dialect;
use crate::varint;
use bytes::Bytes;

/// Protocol versions of the Bitcoin dialect at which messages or encodings change.
pub mod version {
    /// Multiple addresses per `addr`; the oldest version btcd accepts.
    pub const MULTIPLE_ADDRESS: u32 = 209;
    /// `addr` entries gain a time field.
    pub const NET_ADDRESS_TIME: u32 = 31_402;
    /// BIP31: `ping` carries a nonce and `pong` exists, for versions *above* this one.
    pub const BIP0031: u32 = 60_000;
    /// BIP35: `mempool`.
    pub const BIP0035: u32 = 60_002;
    /// BIP37: bloom filters, `merkleblock`, the version message's relay byte.
    pub const BIP0037: u32 = 70_001;
    /// BIP61: `reject`.
    pub const REJECT: u32 = 70_002;
    /// BIP130: `sendheaders`.
    pub const SEND_HEADERS: u32 = 70_012;
    /// BIP133: `feefilter`.
    pub const FEE_FILTER: u32 = 70_013;
    /// BIP152: compact blocks.
    pub const COMPACT_BLOCKS: u32 = 70_014;
    /// BIP155 `addrv2`/`sendaddrv2` and BIP339 `wtxidrelay`.
    pub const ADDRV2: u32 = 70_016;
    /// The newest version this crate speaks.
    pub const MAX: u32 = 70_016;
}

/// Most headers in one `headers` message.
pub const MAX_HEADERS_PER_MSG: usize = 2000;

/// A Bitcoin P2P message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    /// `version`: the first message of a connection.
    Version(VersionMessage),
    /// `verack`: the version was accepted.
    Verack,
    /// `getaddr`: asks for known addresses.
    GetAddr,
    /// `addr`: known addresses.
    Addr(Vec<TimedNetAddress>),
    /// `addrv2` (BIP155): known addresses of any network.
    AddrV2(Vec<AddrV2Entry>),
    /// `sendaddrv2`: the sender prefers `addrv2`.
    SendAddrV2,
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
    /// `ping` with its nonce (no nonce, sent as 0, at versions up to 60000).
    Ping(u64),
    /// `pong` echoing a ping's nonce.
    Pong(u64),
    /// `reject` (BIP61).
    Reject(Reject),
    /// `sendheaders`: announce new blocks with `headers` rather than `inv`.
    SendHeaders,
    /// `feefilter`: the smallest fee rate (sat/kvB) worth announcing.
    FeeFilter(i64),
    /// `mempool`: asks for an `inv` of the mempool.
    MemPool,
    /// `merkleblock` (BIP37).
    MerkleBlock(MerkleBlock),
    /// `filterload` (BIP37).
    FilterLoad(FilterLoad),
    /// `filteradd` (BIP37): one element to add to the filter.
    FilterAdd(Bytes),
    /// `filterclear` (BIP37).
    FilterClear,
    /// `getcfilters` (BIP157).
    GetCFilters(GetCFilters),
    /// `cfilter` (BIP157).
    CFilter(CFilter),
    /// `getcfheaders` (BIP157).
    GetCFHeaders(GetCFilters),
    /// `cfheaders` (BIP157).
    CFHeaders(CFHeaders),
    /// `getcfcheckpt` (BIP157).
    GetCFCheckpt(GetCFCheckpt),
    /// `cfcheckpt` (BIP157).
    CFCheckpt(CFCheckpt),
    /// `wtxidrelay` (BIP339): announce transactions by wtxid.
    WtxidRelay,
    /// `sendcmpct` (BIP152).
    SendCmpct(SendCmpct),
    /// `cmpctblock` (BIP152).
    CmpctBlock(CmpctBlock),
    /// `getblocktxn` (BIP152).
    GetBlockTxn(GetBlockTxn),
    /// `blocktxn` (BIP152).
    BlockTxn(BlockTxn),
    /// `sendtxrcncl` (BIP330).
    SendTxRcncl(SendTxRcncl),
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
        "pong" => BIP0031 + 1,
        "mempool" => BIP0035,
        "merkleblock" | "filterload" | "filteradd" | "filterclear" => BIP0037,
        "reject" => REJECT,
        "sendheaders" => SEND_HEADERS,
        "feefilter" => FEE_FILTER,
        "sendcmpct" | "cmpctblock" | "getblocktxn" | "blocktxn" => COMPACT_BLOCKS,
        "sendaddrv2" | "addrv2" | "wtxidrelay" => ADDRV2,
        _ => return None,
    })
}

/// True if `command` is a message of protocol `version` (unknown commands always are).
pub fn valid_at(command: &str, version: u32) -> bool {
    !introduced_at(command).is_some_and(|v| version < v)
}

/// The largest payload of a Bitcoin `command` at protocol `version`; `None` for unknown commands.
pub fn max_payload_len(command: &str, version: u32) -> Option<u32> {
    const MAX: u32 = Dialect::Bitcoin.max_message_len();
    let addr_len = if version >= version::NET_ADDRESS_TIME { 30 } else { 26 };
    let hdr = 9;
    Some(match command {
        "version" => 33 + 2 * addr_len + 9 + MAX_USER_AGENT_LEN as u32,
        "verack" | "getaddr" | "mempool" | "sendheaders" | "filterclear" | "sendaddrv2" | "wtxidrelay" => 0,
        "addr" => hdr + MAX_ADDR_PER_MSG as u32 * addr_len,
        "addrv2" => 3 + MAX_ADDR_PER_MSG as u32 * 531,
        "inv" | "getdata" | "notfound" => hdr + MAX_INV_PER_MSG as u32 * 36,
        "getblocks" | "getheaders" => 4 + hdr + 500 * 32 + 32,
        "headers" => hdr + MAX_HEADERS_PER_MSG as u32 * 81,
        "ping" if version <= version::BIP0031 => 0,
        "ping" | "pong" | "feefilter" => 8,
        "filterload" => 3 + MAX_FILTER_LOAD_FILTER_LEN as u32 + 9,
        "filteradd" => 3 + MAX_FILTER_ADD_DATA_LEN as u32,
        "getcfilters" | "getcfheaders" => 37,
        "getcfcheckpt" => 33,
        "cfilter" => 1 + 32 + 5 + MAX_CFILTER_LEN as u32,
        "cfheaders" => 1 + 32 + 32 + hdr + MAX_CFHEADERS_PER_MSG as u32 * 32,
        "cfcheckpt" => 1 + 32 + 5 + 100_000 * 32,
        "sendcmpct" => 9,
        "sendtxrcncl" => 12,
        "block" | "tx" | "merkleblock" | "reject" | "cmpctblock" | "getblocktxn" | "blocktxn" => MAX,
        _ => return None,
    })
}

fn read_inv_list(r: &mut Reader<'_>) -> Result<Vec<Inventory>, DecodeError> {
    let n = r.read_count("inventory vectors", MAX_INV_PER_MSG, Inventory::LEN)?;
    read_vec(r, n)
}

fn check_count(what: &'static str, count: usize, max: usize) -> Result<(), EncodeError> {
    if count > max {
        return Err(EncodeError::CountTooLarge { what, count, max });
    }
    Ok(())
}

/// Refuses a byte string longer than the decoder accepts, so that nothing is sent that a peer must refuse.
fn check_len(what: &'static str, len: usize, max: usize) -> Result<(), EncodeError> {
    if len > max {
        return Err(EncodeError::InvalidValue {
            what,
            detail: format!("{len} bytes, at most {max}"),
        });
    }
    Ok(())
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
    SendAddrV2 => "sendaddrv2", Inv(_) => "inv", GetData(_) => "getdata", NotFound(_) => "notfound",
    GetBlocks(_) => "getblocks", GetHeaders(_) => "getheaders", Headers(_) => "headers", Block(_) => "block",
    Tx(_) => "tx", Ping(_) => "ping", Pong(_) => "pong", Reject(_) => "reject", SendHeaders => "sendheaders",
    FeeFilter(_) => "feefilter", MemPool => "mempool", MerkleBlock(_) => "merkleblock",
    FilterLoad(_) => "filterload", FilterAdd(_) => "filteradd", FilterClear => "filterclear",
    GetCFilters(_) => "getcfilters", CFilter(_) => "cfilter", GetCFHeaders(_) => "getcfheaders",
    CFHeaders(_) => "cfheaders", GetCFCheckpt(_) => "getcfcheckpt", CFCheckpt(_) => "cfcheckpt",
    WtxidRelay => "wtxidrelay", SendCmpct(_) => "sendcmpct", CmpctBlock(_) => "cmpctblock",
    GetBlockTxn(_) => "getblocktxn", BlockTxn(_) => "blocktxn", SendTxRcncl(_) => "sendtxrcncl",
}

impl Message {
    fn decode_body(command: &Command, r: &mut Reader<'_>) -> Result<Message, DecodeError> {
        let version = r.version();
        Ok(match command.as_str() {
            "version" => Message::Version(VersionMessage::decode_lenient(r, true)?),
            "verack" => Message::Verack,
            "getaddr" => Message::GetAddr,
            "addr" => {
                let with_time = version >= version::NET_ADDRESS_TIME;
                let size = if with_time { 30 } else { 26 };
                let (n, mut v) = r.begin_list("addresses", MAX_ADDR_PER_MSG, size)?;
                for _ in 0..n {
                    v.push(TimedNetAddress::decode_with_time(r, with_time)?);
                }
                Message::Addr(v)
            }
            "addrv2" => {
                let n = r.read_count("addresses", MAX_ADDR_PER_MSG, AddrV2Entry::MIN_LEN)?;
                Message::AddrV2(read_vec(r, n)?)
            }
            "sendaddrv2" => Message::SendAddrV2,
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
                        let mut e = r.invalid("header transaction count", format!("{txs}, expected 0"));
                        e.offset = at as u64;
                        return Err(e);
                    }
                }
                Message::Headers(v)
            }
            "block" => Message::Block(Block::decode(r)?),
            "tx" => Message::Tx(Transaction::decode(r)?),
            "ping" if version <= version::BIP0031 => Message::Ping(0),
            "ping" => Message::Ping(r.read_u64_le()?),
            "pong" => Message::Pong(r.read_u64_le()?),
            "reject" => Message::Reject(Reject::decode(r)?),
            "sendheaders" => Message::SendHeaders,
            "feefilter" => Message::FeeFilter(r.read_i64_le()?),
            "mempool" => Message::MemPool,
            "merkleblock" => Message::MerkleBlock(MerkleBlock::decode(r)?),
            "filterload" => Message::FilterLoad(FilterLoad::decode(r)?),
            "filteradd" => Message::FilterAdd(r.read_var_bytes("filteradd data", MAX_FILTER_ADD_DATA_LEN)?),
            "filterclear" => Message::FilterClear,
            "getcfilters" => Message::GetCFilters(GetCFilters::decode(r)?),
            "cfilter" => Message::CFilter(CFilter::decode(r)?),
            "getcfheaders" => Message::GetCFHeaders(GetCFilters::decode(r)?),
            "cfheaders" => Message::CFHeaders(CFHeaders::decode(r)?),
            "getcfcheckpt" => Message::GetCFCheckpt(GetCFCheckpt::decode(r)?),
            "cfcheckpt" => Message::CFCheckpt(CFCheckpt::decode(r)?),
            "wtxidrelay" => Message::WtxidRelay,
            "sendcmpct" => Message::SendCmpct(SendCmpct::decode(r)?),
            "cmpctblock" => Message::CmpctBlock(CmpctBlock::decode(r)?),
            "getblocktxn" => Message::GetBlockTxn(GetBlockTxn::decode(r)?),
            "blocktxn" => Message::BlockTxn(BlockTxn::decode(r)?),
            "sendtxrcncl" => Message::SendTxRcncl(SendTxRcncl::decode(r)?),
            _ => Message::Unknown {
                command: *command,
                payload: r.read_bytes(r.remaining())?,
            },
        })
    }
}

impl WireMessage for Message {
    const DIALECT: Dialect = Dialect::Bitcoin;

    fn command(&self) -> Command {
        Message::command(self)
    }

    fn decode_payload(command: &Command, payload: &Bytes, version: u32) -> Result<Self, DecodeError> {
        let cmd = command.as_str();
        if introduced_at(cmd).is_some_and(|v| version < v) {
            return Err(DecodeError::new(ErrorKind::UnsupportedAtVersion { version }, 0).in_command(*command));
        }
        let mut r = Reader::new(payload, version);
        let msg = Message::decode_body(command, &mut r).map_err(|e| e.in_command(*command))?;
        r.finish().map_err(|e| e.in_command(*command))?;
        Ok(msg)
    }

    fn encode_payload<S: Sink + ?Sized>(&self, opts: EncodeOptions, out: &mut S) -> Result<(), EncodeError> {
        let version = opts.version;
        let name = self.command();
        if !valid_at(name.as_str(), version) {
            return Err(EncodeError::unsupported_at(COMMANDS, name.as_str(), version));
        }
        match self {
            Message::Version(v) => {
                if v.user_agent.len() > MAX_USER_AGENT_LEN {
                    return Err(EncodeError::InvalidValue {
                        what: "user agent",
                        detail: format!("{} bytes, at most {MAX_USER_AGENT_LEN}", v.user_agent.len()),
                    });
                }
                v.encode_with_relay(out, version >= version::BIP0037)
            }
            Message::Verack
            | Message::GetAddr
            | Message::SendAddrV2
            | Message::SendHeaders
            | Message::MemPool
            | Message::FilterClear
            | Message::WtxidRelay => {}
            Message::Addr(list) => {
                check_count("addresses", list.len(), MAX_ADDR_PER_MSG)?;
                varint::write(out, list.len() as u64);
                for a in list {
                    a.encode_with_time(out, version >= version::NET_ADDRESS_TIME);
                }
            }
            Message::AddrV2(list) => {
                check_count("addresses", list.len(), MAX_ADDR_PER_MSG)?;
                for entry in list {
                    if let AddrV2::Unknown { bytes, .. } = &entry.addr {
                        check_len("addrv2 address", bytes.len(), MAX_ADDRV2_LEN)?;
                    }
                }
                put_list(out, list)
            }
            Message::Inv(list) | Message::GetData(list) | Message::NotFound(list) => {
                check_count("inventory vectors", list.len(), MAX_INV_PER_MSG)?;
                put_list(out, list)
            }
            Message::GetBlocks(l) | Message::GetHeaders(l) => {
                check_count("locator hashes", l.locator.len(), crate::messages::MAX_LOCATOR_HASHES)?;
                l.encode(out)
            }
            Message::Headers(list) => {
                check_count("headers", list.len(), MAX_HEADERS_PER_MSG)?;
                varint::write(out, list.len() as u64);
                for h in list {
                    h.encode(out);
                    out.put_u8(0);
                }
            }
            Message::Block(b) => b.encode_as(out, opts.witness),
            Message::Tx(tx) => tx.encode_as(out, opts.witness),
            Message::Ping(nonce) => {
                if version > version::BIP0031 {
                    out.put_u64_le(*nonce)
                }
            }
            Message::Pong(nonce) => out.put_u64_le(*nonce),
            Message::Reject(r) => r.encode(out),
            Message::FeeFilter(rate) => out.put_i64_le(*rate),
            Message::MerkleBlock(m) => m.encode(out),
            Message::FilterLoad(f) => {
                check_len("bloom filter", f.filter.len(), MAX_FILTER_LOAD_FILTER_LEN)?;
                check_count(
                    "bloom hash functions",
                    f.hash_funcs as usize,
                    MAX_FILTER_LOAD_HASH_FUNCS as usize,
                )?;
                f.encode(out)
            }
            Message::FilterAdd(data) => {
                check_len("filteradd data", data.len(), MAX_FILTER_ADD_DATA_LEN)?;
                put_var_bytes(out, data)
            }
            Message::GetCFilters(g) | Message::GetCFHeaders(g) => g.encode(out),
            Message::CFilter(c) => {
                check_len("compact filter", c.filter.len(), MAX_CFILTER_LEN)?;
                c.encode(out)
            }
            Message::CFHeaders(c) => {
                check_count("filter hashes", c.filter_hashes.len(), MAX_CFHEADERS_PER_MSG)?;
                c.encode(out)
            }
            Message::GetCFCheckpt(g) => g.encode(out),
            Message::CFCheckpt(c) => {
                check_count(
                    "checkpoint headers",
                    c.filter_headers.len(),
                    cfilter::MAX_CFCHECKPT_HEADERS,
                )?;
                c.encode(out)
            }
            Message::SendCmpct(s) => s.encode(out),
            Message::CmpctBlock(c) => c.encode_checked(out, opts.witness)?,
            Message::GetBlockTxn(g) => g.encode_checked(out)?,
            Message::BlockTxn(b) => b.encode_as(out, opts.witness),
            Message::SendTxRcncl(s) => s.encode(out),
            Message::Unknown { payload, .. } => out.put(payload),
        }
        Ok(())
    }

    fn summary(&self) -> String {
        summarize(self)
    }
}

fn inv_summary(list: &[Inventory]) -> String {
    match list {
        [one] => format!("{} {}", one.kind, one.hash),
        _ => format!("{} items", list.len()),
    }
}

fn summarize(msg: &Message) -> String {
    let cmd = msg.command();
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
        Message::Block(b) => format!("block {} ({} txs)", b.hash(), b.transactions.len()),
        Message::Tx(t) => format!("tx {} ({} in, {} out)", t.txid(), t.inputs.len(), t.outputs.len()),
        Message::Ping(n) | Message::Pong(n) => format!("{cmd} (nonce {n:#018x})"),
        Message::Reject(r) => {
            let reason: String = r.reason.chars().take(250).filter(|c| !c.is_control()).collect();
            format!("reject ({} {}: {reason})", r.message, r.code)
        }
        Message::FeeFilter(f) => format!("feefilter ({f} sat/kvB)"),
        Message::Unknown { payload, .. } => format!("{cmd} (unknown, {} bytes)", payload.len()),
        _ => cmd.to_string(),
    }
}
