//! The Decred dialect: BLAKE-256 hashing, 180-byte headers, prefix/witness transactions, and the messages of
//! dcrd's protocol versions 1 to 12.

pub mod blake256;

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

/// The largest payload of a Decred `command` at protocol `version`; `None` for unknown commands.
pub fn max_payload_len(command: &str, version: u32) -> Option<u32> {
    const MAX: u32 = crate::network::Dialect::Decred.max_message_len();
    Some(match command {
        "version" => 358,
        "verack" | "getaddr" | "mempool" | "getminings" | "sendheaders" | "getcftypes" => 0,
        "addr" => 3 + 1000 * 30,
        "addrv2" => 3 + 1000 * 51,
        "inv" | "getdata" | "notfound" => 3 + 50_000 * 36,
        "getblocks" | "getheaders" => 4 + 3 + 500 * 32 + 32,
        "headers" => 3 + 2000 * 181,
        "block" | "tx" if version <= version::SEND_HEADERS => 1_000_000,
        "block" | "tx" => 1_310_720,
        "ping" | "pong" | "feefilter" => 8,
        "miningstate" => 1_546,
        "getcfilter" => 33,
        "getcfheaders" => 16_036,
        "cfilter" => 262_182,
        "cfheaders" => 64_036,
        "cftypes" => 259,
        "getcfilterv2" => 32,
        "cfilterv2" => 263_210,
        "getinitstate" => 1_057,
        "initstate" => 1_763,
        "getcfsv2" => 64,
        "cfiltersv2" => 26_321_001,
        "mixpairreq" => 8_476_848,
        "mixkeyxchg" => 17_815,
        "mixcphrtxt" => 552_584,
        "mixslotres" => 17_318_030,
        "mixfactpoly" => 49_291,
        "mixdcnet" => 20_988_047,
        "mixconfirm" => 1_016_520,
        "mixsecrets" => 70_831,
        "reject" => MAX,
        _ => return None,
    })
}
