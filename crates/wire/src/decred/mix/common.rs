//! Wire helpers shared by the mixing messages: lists of seen messages, field element lists, errors at a given
//! offset, and hashing.

use super::{MAX_MIX_FIELD_VAL_LEN, MAX_MIX_PEERS};
use crate::decred::{check_count, Blake256Writer};
use crate::encode::{put_var_bytes, read_vec, Encode, Reader, Sink};
use crate::error::{DecodeError, EncodeError, ErrorKind};
use crate::hash::Hash256;
use crate::varint;
use bytes::Bytes;

pub(super) fn read_seen(r: &mut Reader<'_>) -> Result<Vec<Hash256>, DecodeError> {
    let n = r.read_count("previous messages", MAX_MIX_PEERS, 32)?;
    read_vec(r, n)
}

pub(super) fn check_seen(seen: &[Hash256]) -> Result<(), EncodeError> {
    check_count("previous messages", seen.len(), MAX_MIX_PEERS)
}

pub(super) fn invalid_at(at: usize, what: &'static str, detail: impl Into<String>) -> DecodeError {
    DecodeError::new(
        ErrorKind::InvalidValue {
            what,
            detail: detail.into(),
        },
        at as u64,
    )
}

pub(super) fn too_many_at(at: usize, what: &'static str, count: u64, max: usize) -> DecodeError {
    DecodeError::new(
        ErrorKind::CountTooLarge {
            what,
            count,
            max: max as u64,
        },
        at as u64,
    )
}

/// Fails unless `needed` bytes are left: the guard for element counts that are products of two counts.
pub(super) fn need(r: &Reader<'_>, needed: u64) -> Result<(), DecodeError> {
    if needed > r.remaining() as u64 {
        return Err(r.error(ErrorKind::UnexpectedEnd {
            needed,
            available: r.remaining() as u64,
        }));
    }
    Ok(())
}

pub(super) fn read_field_values(r: &mut Reader<'_>, n: usize, what: &'static str) -> Result<Vec<Bytes>, DecodeError> {
    let mut v = r.list_with_capacity(n);
    for _ in 0..n {
        v.push(r.read_var_bytes(what, MAX_MIX_FIELD_VAL_LEN)?);
    }
    Ok(v)
}

pub(super) fn check_field_values(values: &[Bytes], what: &'static str) -> Result<(), EncodeError> {
    match values.iter().find(|v| v.len() > MAX_MIX_FIELD_VAL_LEN) {
        Some(v) => Err(EncodeError::InvalidValue {
            what,
            detail: format!("{} bytes, at most {MAX_MIX_FIELD_VAL_LEN}", v.len()),
        }),
        None => Ok(()),
    }
}

pub(super) fn put_field_values<S: Sink + ?Sized>(out: &mut S, values: &[Bytes]) {
    varint::write(out, values.len() as u64);
    for v in values {
        put_var_bytes(out, v);
    }
}

pub(super) fn hash_of<T: Encode>(msg: &T) -> Hash256 {
    let mut h = Blake256Writer::new();
    msg.encode(&mut h);
    h.finish()
}
