//! Per-command limits of the Decred dialect: the protocol versions at which each command exists, and the
//! largest payload each may have.

use super::{
    version, AddrV2Entry, BlockHeader, MAX_CFHEADERS_PER_MSG, MAX_CFILTERS_V2_PER_BATCH, MAX_CFILTER_DATA_LEN,
    MAX_FILTER_TYPES_PER_MSG,
};
use crate::messages::{MAX_ADDR_PER_MSG, MAX_INV_PER_MSG, MAX_LOCATOR_HASHES};
use crate::network::Dialect;

/// Most headers in one `headers` message.
pub const MAX_HEADERS_PER_MSG: usize = 2000;

/// The largest payload of a Decred `command` at protocol `version`; `None` for unknown commands.
///
/// The values are dcrd's `MaxPayloadLength`, including its zeros: `addr` from version 12, `addrv2` below 12,
/// `getinitstate`/`initstate` below 8, the mixing messages below 10 and `reject` from 9 may carry no payload,
/// so a frame decoder refuses them from the header alone (an empty one then fails to decode with
/// [`ErrorKind::UnsupportedAtVersion`](crate::ErrorKind::UnsupportedAtVersion)). Some of dcrd's mixing limits undercount the largest encodable
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
