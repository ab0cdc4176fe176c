//! Protocol versions of the Decred dialect at which messages or encodings change.

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
