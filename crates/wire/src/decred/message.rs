//! The [`Message`] enum of the Decred dialect, its command names, and its [`WireMessage`] implementation.

use super::limits::valid_at;
use super::summary::summarize;
use super::{
    AddrV2Entry, Block, BlockHeader, CFHeaders, CFilter, CFilterV2, GetCFHeaders, GetCFilter, GetCFsV2, GetInitState,
    InitState, MiningState, MixCiphertexts, MixConfirm, MixDCNet, MixFactoredPoly, MixKeyExchange, MixPairReq,
    MixSecrets, MixSlotReserve, Reject, Transaction,
};
use crate::encode::{Reader, Sink};
use crate::error::{DecodeError, EncodeError, ErrorKind};
use crate::frame::Command;
use crate::hash::Hash256;
use crate::message::{EncodeOptions, WireMessage};
use crate::messages::{BlockLocator, Inventory, TimedNetAddress, VersionMessage};
use crate::network::Dialect;
use bytes::Bytes;

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
            return Err(EncodeError::unsupported_at(COMMANDS, name.as_str(), opts.version));
        }
        self.check()?;
        self.encode_body(out);
        Ok(())
    }

    fn summary(&self) -> String {
        summarize(self)
    }
}
