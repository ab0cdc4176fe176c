//! Checks shared by the Decred message codecs: printable-ASCII strings and counts against their limits.

use crate::encode::Reader;
use crate::error::{DecodeError, EncodeError, ErrorKind};

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
