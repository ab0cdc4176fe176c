//! Committed filters: version 1 (`getcfilter`, `cfilter`, `getcfheaders`, `cfheaders`, `getcftypes`,
//! `cftypes`; protocol 6), version 2 with header-commitment proofs (`getcfilterv2`, `cfilterv2`; protocol 7)
//! and their batched form (`getcfsv2`, `cfiltersv2`; protocol 11).

use crate::encode::{put_list, put_var_bytes, read_vec, Decode, Encode, Reader, Sink};
use crate::error::{DecodeError, EncodeError};
use crate::hash::Hash256;
use crate::messages::MAX_LOCATOR_HASHES;
use bytes::Bytes;

/// The largest filter, in bytes (256 KiB).
pub const MAX_CFILTER_DATA_LEN: usize = 256 * 1024;
/// Most filter headers in one `cfheaders`.
pub const MAX_CFHEADERS_PER_MSG: usize = 2000;
/// Most filter types in one `cftypes` (one per value of the type byte).
pub const MAX_FILTER_TYPES_PER_MSG: usize = 256;
/// Most inclusion-proof hashes in one `cfilterv2` (proofs of up to 2^32 commitments).
pub const MAX_HEADER_PROOF_HASHES: usize = 32;
/// Most filters in one `cfiltersv2`.
pub const MAX_CFILTERS_V2_PER_BATCH: usize = 100;

/// The payload of `getcfilter`: a block and a filter type (0 regular, 1 extended).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GetCFilter {
    /// The block whose filter is wanted.
    pub block_hash: Hash256,
    /// Filter type.
    pub filter_type: u8,
}

impl Decode for GetCFilter {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(GetCFilter {
            block_hash: Hash256::decode(r)?,
            filter_type: r.read_u8()?,
        })
    }
}

impl Encode for GetCFilter {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        self.block_hash.encode(out);
        out.put_u8(self.filter_type);
    }
}

/// The payload of `cfilter`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CFilter {
    /// The block filtered.
    pub block_hash: Hash256,
    /// Filter type.
    pub filter_type: u8,
    /// The filter (a slice of the received payload when decoded).
    pub data: Bytes,
}

impl Decode for CFilter {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(CFilter {
            block_hash: Hash256::decode(r)?,
            filter_type: r.read_u8()?,
            data: r.read_var_bytes("cfilter data", MAX_CFILTER_DATA_LEN)?,
        })
    }
}

impl Encode for CFilter {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        self.block_hash.encode(out);
        out.put_u8(self.filter_type);
        put_var_bytes(out, &self.data);
    }
}

/// The payload of `getcfheaders`: a block locator, a stop hash and a filter type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetCFHeaders {
    /// Known block hashes, newest first.
    pub locator: Vec<Hash256>,
    /// Stop after this block; zero for as many as allowed.
    pub stop: Hash256,
    /// Filter type.
    pub filter_type: u8,
}

impl Decode for GetCFHeaders {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.read_count("locator hashes", MAX_LOCATOR_HASHES, 32)?;
        Ok(GetCFHeaders {
            locator: read_vec(r, n)?,
            stop: Hash256::decode(r)?,
            filter_type: r.read_u8()?,
        })
    }
}

impl Encode for GetCFHeaders {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        put_list(out, &self.locator);
        self.stop.encode(out);
        out.put_u8(self.filter_type);
    }
}

/// The payload of `cfheaders`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CFHeaders {
    /// The last block covered.
    pub stop_hash: Hash256,
    /// Filter type.
    pub filter_type: u8,
    /// Filter headers, oldest first.
    pub headers: Vec<Hash256>,
}

impl Decode for CFHeaders {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let stop_hash = Hash256::decode(r)?;
        let filter_type = r.read_u8()?;
        let n = r.read_count("filter headers", MAX_CFHEADERS_PER_MSG, 32)?;
        Ok(CFHeaders {
            stop_hash,
            filter_type,
            headers: read_vec(r, n)?,
        })
    }
}

impl Encode for CFHeaders {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        self.stop_hash.encode(out);
        out.put_u8(self.filter_type);
        put_list(out, &self.headers);
    }
}

/// Reads the body of `cftypes`: a count and that many type bytes.
pub(crate) fn decode_cftypes(r: &mut Reader<'_>) -> Result<Vec<u8>, DecodeError> {
    let n = r.read_count("filter types", MAX_FILTER_TYPES_PER_MSG, 1)?;
    Ok(r.read_slice(n)?.to_vec())
}

/// The payload of `cfilterv2`: a version 2 filter and the proof that the header commits to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CFilterV2 {
    /// The block filtered.
    pub block_hash: Hash256,
    /// The filter (a slice of the received payload when decoded).
    pub data: Bytes,
    /// Index of the filter among the header's commitments.
    pub proof_index: u32,
    /// Inclusion proof, leaf to root.
    pub proof_hashes: Vec<Hash256>,
}

impl CFilterV2 {
    /// Smallest wire size: hash, empty data, index, empty proof.
    pub const MIN_LEN: usize = 38;

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        if self.data.len() > MAX_CFILTER_DATA_LEN {
            return Err(EncodeError::InvalidValue {
                what: "cfilterv2 data",
                detail: format!("{} bytes, at most {MAX_CFILTER_DATA_LEN}", self.data.len()),
            });
        }
        super::check_count("proof hashes", self.proof_hashes.len(), MAX_HEADER_PROOF_HASHES)
    }
}

impl Decode for CFilterV2 {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let block_hash = Hash256::decode(r)?;
        let data = r.read_var_bytes("cfilterv2 data", MAX_CFILTER_DATA_LEN)?;
        let proof_index = r.read_u32_le()?;
        let n = r.read_count("proof hashes", MAX_HEADER_PROOF_HASHES, 32)?;
        Ok(CFilterV2 {
            block_hash,
            data,
            proof_index,
            proof_hashes: read_vec(r, n)?,
        })
    }
}

impl Encode for CFilterV2 {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        self.block_hash.encode(out);
        put_var_bytes(out, &self.data);
        out.put_u32_le(self.proof_index);
        put_list(out, &self.proof_hashes);
    }
}

/// The payload of `getcfsv2`: the version 2 filters of the blocks from `start_hash` to `end_hash` inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GetCFsV2 {
    /// First block wanted.
    pub start_hash: Hash256,
    /// Last block wanted.
    pub end_hash: Hash256,
}

impl Decode for GetCFsV2 {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(GetCFsV2 {
            start_hash: Hash256::decode(r)?,
            end_hash: Hash256::decode(r)?,
        })
    }
}

impl Encode for GetCFsV2 {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        self.start_hash.encode(out);
        self.end_hash.encode(out);
    }
}

/// Reads the body of `cfiltersv2`: a count and that many `cfilterv2` payloads.
pub(crate) fn decode_cfiltersv2(r: &mut Reader<'_>) -> Result<Vec<CFilterV2>, DecodeError> {
    let n = r.read_count("filters", MAX_CFILTERS_V2_PER_BATCH, CFilterV2::MIN_LEN)?;
    r.read_each(n, CFilterV2::decode)
}
