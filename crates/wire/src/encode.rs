//! The two traits every wire type implements, the offset-tracking [`Reader`] over a received payload, and the
//! [`Sink`] that encoders write into (a buffer, or a hasher so that hashing needs no intermediate copy).

use crate::error::{DecodeError, ErrorKind};
use crate::prealloc::Preallocate;
use bytes::{Bytes, BytesMut};

/// A type that can be read from the wire.
pub trait Decode: Sized {
    /// Reads one value, advancing the reader past it.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError>;
}

/// A type that can be written to the wire.
pub trait Encode {
    /// Writes the value's wire form.
    fn encode<S: Sink + ?Sized>(&self, out: &mut S);
}

/// Somewhere encoded bytes go.
pub trait Sink {
    /// Appends bytes.
    fn put(&mut self, bytes: &[u8]);

    /// Appends one byte.
    #[inline]
    fn put_u8(&mut self, v: u8) {
        self.put(&[v]);
    }
    /// Appends a little-endian `u16`.
    #[inline]
    fn put_u16_le(&mut self, v: u16) {
        self.put(&v.to_le_bytes());
    }
    /// Appends a big-endian `u16` (network-order ports).
    #[inline]
    fn put_u16_be(&mut self, v: u16) {
        self.put(&v.to_be_bytes());
    }
    /// Appends a little-endian `u32`.
    #[inline]
    fn put_u32_le(&mut self, v: u32) {
        self.put(&v.to_le_bytes());
    }
    /// Appends a little-endian `i32`.
    #[inline]
    fn put_i32_le(&mut self, v: i32) {
        self.put(&v.to_le_bytes());
    }
    /// Appends a little-endian `u64`.
    #[inline]
    fn put_u64_le(&mut self, v: u64) {
        self.put(&v.to_le_bytes());
    }
    /// Appends a little-endian `i64`.
    #[inline]
    fn put_i64_le(&mut self, v: i64) {
        self.put(&v.to_le_bytes());
    }
}

impl Sink for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl Sink for BytesMut {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// A sink that only counts, for computing encoded sizes without allocating.
#[derive(Debug, Default, Clone, Copy)]
pub struct CountingSink(pub usize);

impl Sink for CountingSink {
    fn put(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }
}

/// Encodes a value into a fresh vector.
pub fn to_vec<T: Encode + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    value.encode(&mut out);
    out
}

/// The encoded size of a value.
pub fn encoded_len<T: Encode + ?Sized>(value: &T) -> usize {
    let mut c = CountingSink(0);
    value.encode(&mut c);
    c.0
}

/// Decodes exactly one value from `bytes`: leftover bytes are an error.
pub fn from_bytes<T: Decode>(bytes: &Bytes, version: u32) -> Result<T, DecodeError> {
    let mut r = Reader::new(bytes, version);
    let v = T::decode(&mut r)?;
    r.finish()?;
    Ok(v)
}

/// A cursor over a received payload.
///
/// It holds the payload as [`Bytes`] so that variable-length fields (scripts, witness items, filters) can be
/// returned as zero-copy slices that share the payload's allocation. It also carries the protocol version the
/// payload is read at, since several encodings depend on it, and sizes the vectors decoders reserve from the
/// counts they read (see [`prealloc`](crate::prealloc)).
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a Bytes,
    pos: usize,
    version: u32,
    /// The least that the later elements of the lists being read still need, at the end of the bytes left:
    /// what the element being read may not reserve against. A `u32` (payloads are far smaller) keeps the
    /// reader as small as it was without it.
    held: u32,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`, decoding at protocol `version`.
    pub fn new(buf: &'a Bytes, version: u32) -> Self {
        Reader {
            buf,
            pos: 0,
            version,
            held: 0,
        }
    }

    /// The protocol version the payload is read at.
    #[inline]
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Bytes consumed so far.
    #[inline]
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// The next byte, without consuming it.
    #[inline]
    pub fn peek_u8(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Bytes not yet consumed.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// An error of `kind` at the current offset.
    pub fn error(&self, kind: ErrorKind) -> DecodeError {
        DecodeError::new(kind, self.pos as u64)
    }

    /// An [`ErrorKind::InvalidValue`] at the current offset.
    pub fn invalid(&self, what: &'static str, detail: impl Into<String>) -> DecodeError {
        self.error(ErrorKind::InvalidValue {
            what,
            detail: detail.into(),
        })
    }

    #[inline]
    fn need(&self, n: usize) -> Result<(), DecodeError> {
        if self.remaining() < n {
            return Err(self.error(ErrorKind::UnexpectedEnd {
                needed: n as u64,
                available: self.remaining() as u64,
            }));
        }
        Ok(())
    }

    /// Borrows the next `n` bytes.
    #[inline]
    pub fn read_slice(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        self.need(n)?;
        let buf: &'a Bytes = self.buf;
        let s = &buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// The next `n` bytes as a zero-copy slice of the payload.
    #[inline]
    pub fn read_bytes(&mut self, n: usize) -> Result<Bytes, DecodeError> {
        self.need(n)?;
        let b = self.buf.slice(self.pos..self.pos + n);
        self.pos += n;
        Ok(b)
    }

    /// The bytes not yet consumed, for hot decoders that check several fields at once. Anything they accept
    /// they must consume with [`advance`](Self::advance); anything else they leave to the checked readers,
    /// so that errors stay exact.
    #[inline(always)]
    pub(crate) fn rest(&self) -> &'a [u8] {
        let buf: &'a Bytes = self.buf;
        &buf[self.pos..]
    }

    /// Consumes `n` bytes already checked through [`rest`](Self::rest).
    #[inline(always)]
    pub(crate) fn advance(&mut self, n: usize) {
        debug_assert!(n <= self.remaining());
        self.pos += n;
    }

    /// The bytes between two earlier offsets of this reader, as a zero-copy slice.
    #[inline]
    pub fn slice_between(&self, start: usize, end: usize) -> Bytes {
        self.buf.slice(start..end)
    }

    /// Reads a fixed-size array.
    #[inline]
    pub fn read_array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        self.need(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(&self.buf[self.pos..self.pos + N]);
        self.pos += N;
        Ok(a)
    }

    /// Reads one byte.
    #[inline]
    pub fn read_u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.read_array::<1>()?[0])
    }
    /// Reads a little-endian `u16`.
    #[inline]
    pub fn read_u16_le(&mut self) -> Result<u16, DecodeError> {
        self.read_array().map(u16::from_le_bytes)
    }
    /// Reads a big-endian `u16`.
    #[inline]
    pub fn read_u16_be(&mut self) -> Result<u16, DecodeError> {
        self.read_array().map(u16::from_be_bytes)
    }
    /// Reads a little-endian `u32`.
    #[inline]
    pub fn read_u32_le(&mut self) -> Result<u32, DecodeError> {
        self.read_array().map(u32::from_le_bytes)
    }
    /// Reads a little-endian `i32`.
    #[inline]
    pub fn read_i32_le(&mut self) -> Result<i32, DecodeError> {
        self.read_array().map(i32::from_le_bytes)
    }
    /// Reads a little-endian `u64`.
    #[inline]
    pub fn read_u64_le(&mut self) -> Result<u64, DecodeError> {
        self.read_array().map(u64::from_le_bytes)
    }
    /// Reads a little-endian `i64`.
    #[inline]
    pub fn read_i64_le(&mut self) -> Result<i64, DecodeError> {
        self.read_array().map(i64::from_le_bytes)
    }

    /// Reads a boolean byte: 0 is false, anything else true (as the reference nodes read it).
    #[inline]
    pub fn read_bool(&mut self) -> Result<bool, DecodeError> {
        Ok(self.read_u8()? != 0)
    }

    /// Reads a canonical varint.
    #[inline]
    pub fn read_varint(&mut self) -> Result<u64, DecodeError> {
        crate::varint::read(self)
    }

    /// Reads an element count and checks it twice before anything is allocated: against the protocol's
    /// `max`, and against the bytes left, given that each element takes at least `min_size` bytes.
    ///
    /// Inside an element of a list read with [`read_each`](Self::read_each), the elements must fit beside the
    /// least that the later elements of that list need: a count that cannot fails here, at once, rather than
    /// after its elements have eaten the bytes of the others. The error's `needed` then counts both.
    ///
    /// Reserve for the count with [`list_with_capacity`](Self::list_with_capacity), or read it with
    /// [`begin_list`](Self::begin_list), which gives the vector too.
    #[inline]
    pub fn read_count(&mut self, what: &'static str, max: usize, min_size: usize) -> Result<usize, DecodeError> {
        let start = self.pos;
        let count = self.read_varint()?;
        if count > max as u64 {
            self.pos = start;
            return Err(self.error(ErrorKind::CountTooLarge {
                what,
                count,
                max: max as u64,
            }));
        }
        let needed = count.saturating_mul(min_size as u64).saturating_add(self.held as u64);
        if needed > self.remaining() as u64 {
            return Err(self.error(ErrorKind::UnexpectedEnd {
                needed,
                available: self.remaining() as u64,
            }));
        }
        Ok(count as usize)
    }

    /// Bytes left that the element being read may reserve against: those not yet read, less the least that
    /// the later elements of the enclosing lists need.
    #[inline]
    fn available(&self) -> usize {
        self.remaining().saturating_sub(self.held as usize)
    }

    /// How many of `count` elements of `T` a vector may reserve room for: no more than the bytes available
    /// could hold at `T`'s least wire size, so at most `size_of::<T>() / T::MIN_WIRE_LEN` bytes per payload
    /// byte (see [`prealloc`](crate::prealloc)).
    #[inline]
    pub(crate) fn capacity_for<T: Preallocate>(&self, count: usize) -> usize {
        count.min(self.available() / T::MIN_WIRE_LEN)
    }

    /// Reads the count that starts a list of `T`, checked as [`read_count`](Self::read_count) checks it, and
    /// returns it with an empty vector with room for all of it.
    ///
    /// The room is what [`list_with_capacity`](Self::list_with_capacity) would give: when `min_size` is at
    /// least `T::MIN_WIRE_LEN` (a constant at every call, so the test costs nothing), the check has already
    /// shown that the bytes available hold the whole count at `T`'s least size.
    #[inline]
    pub fn begin_list<T: Preallocate>(
        &mut self,
        what: &'static str,
        max: usize,
        min_size: usize,
    ) -> Result<(usize, Vec<T>), DecodeError> {
        let count = self.read_count(what, max, min_size)?;
        let capacity = if min_size >= T::MIN_WIRE_LEN {
            count
        } else {
            self.capacity_for::<T>(count)
        };
        Ok((count, Vec::with_capacity(capacity)))
    }

    /// An empty vector for a list of `count` elements of `T`, with room for all of them if the bytes available
    /// could hold them at `T`'s least wire size (as they can after [`read_count`](Self::read_count)), and for
    /// no more than those bytes could hold otherwise.
    #[inline]
    pub fn list_with_capacity<T: Preallocate>(&self, count: usize) -> Vec<T> {
        Vec::with_capacity(self.capacity_for::<T>(count))
    }

    /// Reads `count` elements with `element` into a vector from
    /// [`list_with_capacity`](Self::list_with_capacity), for elements that hold lists of their own. While each
    /// is read, the least the elements after it need (`T::MIN_WIRE_LEN` each) is held back from the bytes its
    /// own counts are checked and reserved against, so that no payload byte pays for two reservations at once.
    pub fn read_each<T: Preallocate>(
        &mut self,
        count: usize,
        mut element: impl FnMut(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        let mut list = self.list_with_capacity(count);
        let outer = self.held;
        let step = u32::try_from(T::MIN_WIRE_LEN).unwrap_or(u32::MAX);
        let mut after = u32::try_from(count.saturating_sub(1))
            .unwrap_or(u32::MAX)
            .saturating_mul(step);
        for _ in 0..count {
            self.held = outer.saturating_add(after);
            after = after.saturating_sub(step);
            match element(self) {
                Ok(v) => list.push(v),
                Err(e) => {
                    self.held = outer;
                    return Err(e);
                }
            }
        }
        self.held = outer;
        Ok(list)
    }

    /// Reads the length prefix of a byte string, refusing one over `max` (the error points at the prefix).
    #[inline]
    fn read_len(&mut self, what: &'static str, max: usize) -> Result<usize, DecodeError> {
        let start = self.pos;
        let len = self.read_varint()?;
        if len > max as u64 {
            self.pos = start;
            return Err(self.error(ErrorKind::LengthTooLarge {
                what,
                length: len,
                max: max as u64,
            }));
        }
        Ok(len as usize)
    }

    /// Reads a length-prefixed byte string of at most `max` bytes, as a zero-copy slice.
    #[inline]
    pub fn read_var_bytes(&mut self, what: &'static str, max: usize) -> Result<Bytes, DecodeError> {
        let len = self.read_len(what, max)?;
        self.read_bytes(len)
    }

    /// Skips a length-prefixed byte string of at most `max` bytes, with the checks of
    /// [`read_var_bytes`](Self::read_var_bytes); returns its length.
    #[inline]
    pub fn skip_var_bytes(&mut self, what: &'static str, max: usize) -> Result<usize, DecodeError> {
        let len = self.read_len(what, max)?;
        self.read_slice(len).map(<[u8]>::len)
    }

    /// Reads a length-prefixed string of at most `max` bytes. Invalid UTF-8 is replaced rather than refused:
    /// user agents and reject reasons are informational, and a peer should not be dropped over one.
    pub fn read_var_str(&mut self, what: &'static str, max: usize) -> Result<String, DecodeError> {
        let len = self.read_len(what, max)?;
        Ok(String::from_utf8_lossy(self.read_slice(len)?).into_owned())
    }

    /// Succeeds only if every byte was consumed.
    pub fn finish(&self) -> Result<(), DecodeError> {
        if self.remaining() != 0 {
            return Err(self.error(ErrorKind::TrailingBytes {
                count: self.remaining() as u64,
            }));
        }
        Ok(())
    }
}

/// Writes a length-prefixed byte string.
#[inline]
pub fn put_var_bytes<S: Sink + ?Sized>(out: &mut S, bytes: &[u8]) {
    crate::varint::write(out, bytes.len() as u64);
    out.put(bytes);
}

/// Reads `count` values of `T` (a count checked by [`Reader::read_count`]) into a vector from
/// [`Reader::list_with_capacity`].
pub fn read_vec<T: Decode + Preallocate>(r: &mut Reader<'_>, count: usize) -> Result<Vec<T>, DecodeError> {
    let mut v = r.list_with_capacity(count);
    for _ in 0..count {
        v.push(T::decode(r)?);
    }
    Ok(v)
}

/// Writes a varint count followed by each value.
pub fn put_list<S: Sink + ?Sized, T: Encode>(out: &mut S, items: &[T]) {
    crate::varint::write(out, items.len() as u64);
    for item in items {
        item.encode(out);
    }
}
