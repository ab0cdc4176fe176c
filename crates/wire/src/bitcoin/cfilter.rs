//! BIP157 compact block filters: requests and replies for filters, filter headers and checkpoints.

use crate::encode::{put_list, put_var_bytes, read_vec, Decode, Encode, Reader, Sink};
use crate::error::DecodeError;
use crate::hash::Hash256;
use bytes::Bytes;

/// The largest filter.
pub const MAX_CFILTER_LEN: usize = 256 * 1024;
/// Most filter hashes in one `cfheaders`.
pub const MAX_CFHEADERS_PER_MSG: usize = 2000;
/// Most filter headers in one `cfcheckpt`.
pub(crate) const MAX_CFCHECKPT_HEADERS: usize = 100_000;

/// The payload of `getcfilters` and `getcfheaders`: a filter type and a height range ending at a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetCFilters {
    /// Filter type (0 = basic).
    pub filter_type: u8,
    /// First block height wanted.
    pub start_height: u32,
    /// Last block wanted.
    pub stop_hash: Hash256,
}

impl Decode for GetCFilters {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(GetCFilters {
            filter_type: r.read_u8()?,
            start_height: r.read_u32_le()?,
            stop_hash: Hash256::decode(r)?,
        })
    }
}

impl Encode for GetCFilters {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put_u8(self.filter_type);
        out.put_u32_le(self.start_height);
        self.stop_hash.encode(out);
    }
}

/// The payload of `cfilter`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CFilter {
    /// Filter type.
    pub filter_type: u8,
    /// The block filtered.
    pub block_hash: Hash256,
    /// The filter.
    pub filter: Bytes,
}

impl Decode for CFilter {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(CFilter {
            filter_type: r.read_u8()?,
            block_hash: Hash256::decode(r)?,
            filter: r.read_var_bytes("compact filter", MAX_CFILTER_LEN)?,
        })
    }
}

impl Encode for CFilter {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put_u8(self.filter_type);
        self.block_hash.encode(out);
        put_var_bytes(out, &self.filter);
    }
}

/// The payload of `cfheaders`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CFHeaders {
    /// Filter type.
    pub filter_type: u8,
    /// The last block covered.
    pub stop_hash: Hash256,
    /// The filter header before the first covered block.
    pub prev_filter_header: Hash256,
    /// Filter hashes, one per block.
    pub filter_hashes: Vec<Hash256>,
}

impl Decode for CFHeaders {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let filter_type = r.read_u8()?;
        let stop_hash = Hash256::decode(r)?;
        let prev_filter_header = Hash256::decode(r)?;
        let n = r.read_count("filter hashes", MAX_CFHEADERS_PER_MSG, 32)?;
        Ok(CFHeaders {
            filter_type,
            stop_hash,
            prev_filter_header,
            filter_hashes: read_vec(r, n)?,
        })
    }
}

impl Encode for CFHeaders {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put_u8(self.filter_type);
        self.stop_hash.encode(out);
        self.prev_filter_header.encode(out);
        put_list(out, &self.filter_hashes);
    }
}

/// The payload of `getcfcheckpt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetCFCheckpt {
    /// Filter type.
    pub filter_type: u8,
    /// The last block covered.
    pub stop_hash: Hash256,
}

impl Decode for GetCFCheckpt {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(GetCFCheckpt {
            filter_type: r.read_u8()?,
            stop_hash: Hash256::decode(r)?,
        })
    }
}

impl Encode for GetCFCheckpt {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put_u8(self.filter_type);
        self.stop_hash.encode(out);
    }
}

/// The payload of `cfcheckpt`: a filter header every 1,000 blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CFCheckpt {
    /// Filter type.
    pub filter_type: u8,
    /// The last block covered.
    pub stop_hash: Hash256,
    /// Filter headers at each checkpoint.
    pub filter_headers: Vec<Hash256>,
}

impl Decode for CFCheckpt {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let filter_type = r.read_u8()?;
        let stop_hash = Hash256::decode(r)?;
        let n = r.read_count("checkpoint headers", MAX_CFCHECKPT_HEADERS, 32)?;
        Ok(CFCheckpt {
            filter_type,
            stop_hash,
            filter_headers: read_vec(r, n)?,
        })
    }
}

impl Encode for CFCheckpt {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put_u8(self.filter_type);
        self.stop_hash.encode(out);
        put_list(out, &self.filter_headers);
    }
}
