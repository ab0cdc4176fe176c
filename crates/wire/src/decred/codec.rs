//! Reading, checking and writing the payload of each [`Message`], by command.

use super::{
    cfilter, check_count, is_strict_ascii, AddrV2Entry, Block, BlockHeader, CFHeaders, CFilter, CFilterV2,
    GetCFHeaders, GetCFilter, GetCFsV2, GetInitState, InitState, Message, MiningState, MixCiphertexts, MixConfirm,
    MixDCNet, MixFactoredPoly, MixKeyExchange, MixPairReq, MixSecrets, MixSlotReserve, Reject, Transaction,
    MAX_CFHEADERS_PER_MSG, MAX_CFILTERS_V2_PER_BATCH, MAX_CFILTER_DATA_LEN, MAX_FILTER_TYPES_PER_MSG,
    MAX_HEADERS_PER_MSG,
};
use crate::encode::{put_list, put_var_bytes, read_vec, Decode, Encode, Reader, Sink};
use crate::error::{DecodeError, EncodeError, ErrorKind};
use crate::frame::Command;
use crate::hash::Hash256;
use crate::messages::{
    BlockLocator, Inventory, TimedNetAddress, VersionMessage, MAX_ADDR_PER_MSG, MAX_INV_PER_MSG, MAX_LOCATOR_HASHES,
    MAX_USER_AGENT_LEN,
};
use crate::varint;

fn read_inv_list(r: &mut Reader<'_>) -> Result<Vec<Inventory>, DecodeError> {
    let n = r.read_count("inventory vectors", MAX_INV_PER_MSG, Inventory::LEN)?;
    read_vec(r, n)
}

impl Message {
    pub(super) fn decode_body(command: &Command, r: &mut Reader<'_>) -> Result<Message, DecodeError> {
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
    pub(super) fn check(&self) -> Result<(), EncodeError> {
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

    pub(super) fn encode_body<S: Sink + ?Sized>(&self, out: &mut S) {
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
