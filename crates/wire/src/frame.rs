//! Framing: the 24-byte header, the size limits checked from it, and the incremental decoder that cuts a
//! byte stream into frames whatever the chunking of its input.

use crate::encode::CountingSink;
use crate::error::{DecodeError, EncodeError, ErrorKind};
use crate::message::{EncodeOptions, WireMessage};
use crate::network::{Dialect, Network};
use bytes::{Buf, Bytes, BytesMut};
use std::fmt;

/// Size of the frame header: magic, command, length, checksum.
pub const HEADER_LEN: usize = 24;

/// The most the decoder reserves ahead of bytes actually received.
const RESERVE_STEP: usize = 256 * 1024;

/// A command name: at most 12 printable ASCII characters, NUL-padded on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Command {
    bytes: [u8; 12],
    len: u8,
}

impl Command {
    /// A command from a string, checking its length and characters.
    pub fn new(name: &str) -> Result<Command, EncodeError> {
        let b = name.as_bytes();
        if b.is_empty() || b.len() > 12 || !b.iter().all(|c| (0x20..=0x7e).contains(c)) {
            return Err(EncodeError::InvalidCommand(name.to_string()));
        }
        let mut bytes = [0u8; 12];
        bytes[..b.len()].copy_from_slice(b);
        Ok(Command {
            bytes,
            len: b.len() as u8,
        })
    }

    /// A command from a literal known to be valid; usable in constants.
    ///
    /// # Panics
    /// If `name` is empty, longer than 12 bytes or not printable ASCII (at compile time in a `const`).
    pub const fn from_static(name: &'static str) -> Command {
        let b = name.as_bytes();
        assert!(!b.is_empty() && b.len() <= 12, "a command is 1 to 12 bytes");
        let mut bytes = [0u8; 12];
        let mut i = 0;
        while i < b.len() {
            assert!(b[i] >= 0x20 && b[i] <= 0x7e, "a command is printable ASCII");
            bytes[i] = b[i];
            i += 1;
        }
        Command {
            bytes,
            len: b.len() as u8,
        }
    }

    /// Parses the 12-byte wire field: printable ASCII, then only NULs.
    pub fn from_wire(field: &[u8; 12]) -> Result<Command, ErrorKind> {
        let len = field.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
        let name = &field[..len];
        if len == 0 || !name.iter().all(|c| (0x20..=0x7e).contains(c)) {
            return Err(ErrorKind::MalformedCommand(
                String::from_utf8_lossy(name).escape_default().to_string(),
            ));
        }
        Ok(Command {
            bytes: *field,
            len: len as u8,
        })
    }

    /// The command as text.
    pub fn as_str(&self) -> &str {
        let name = &self.bytes[..self.len as usize];
        debug_assert!(name.iter().all(|c| (0x20..=0x7e).contains(c)));
        // SAFETY: every constructor (`new`, `from_static`, `from_wire`) admits printable ASCII only, which is
        // UTF-8. Unchecked because this runs several times per message (dispatch, limits, statistics) and
        // validation was a measurable share of relaying small messages.
        unsafe { std::str::from_utf8_unchecked(name) }
    }

    /// The 12-byte NUL-padded wire field.
    pub fn wire_bytes(&self) -> &[u8; 12] {
        &self.bytes
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Command({:?})", self.as_str())
    }
}

impl PartialEq<str> for Command {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Command {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A parsed frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// The network magic.
    pub magic: u32,
    /// The message's command.
    pub command: Command,
    /// Payload length.
    pub length: u32,
    /// First four bytes of the payload's hash.
    pub checksum: [u8; 4],
}

impl FrameHeader {
    /// The 24 wire bytes of the header.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[0..4].copy_from_slice(&self.magic.to_le_bytes());
        b[4..16].copy_from_slice(self.command.wire_bytes());
        b[16..20].copy_from_slice(&self.length.to_le_bytes());
        b[20..24].copy_from_slice(&self.checksum);
        b
    }
}

/// One framed message whose payload has not been decoded yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The header.
    pub header: FrameHeader,
    /// The payload: exactly `header.length` bytes, or none at all for a frame the decoder skipped (see
    /// [`FrameDecoder::skip_unknown_commands`]).
    pub payload: Bytes,
    /// Stream offset of the frame's first byte (0 for frames not read from a stream).
    pub offset: u64,
}

impl Frame {
    /// Encodes `msg` once into a frame that can be sent as it is to any number of peers of `network` whose
    /// connections encode as `opts` says (a block relayed to every peer, say): sending it copies no payload
    /// and hashes nothing again. Fails as [`encode_frame`] does.
    pub fn encode<M: WireMessage>(network: &Network, msg: &M, opts: EncodeOptions) -> Result<Frame, EncodeError> {
        // Sized first, so that a frame kept for many peers holds no spare capacity.
        let mut size = CountingSink(0);
        msg.encode_payload(opts, &mut size)?;
        let mut out = BytesMut::with_capacity(HEADER_LEN + size.0);
        let header = encode_framed(network, msg, opts, &mut out)?;
        Ok(Frame {
            header,
            payload: out.freeze().slice(HEADER_LEN..),
            offset: 0,
        })
    }

    /// Checks, without decoding, that the remote of a connection at protocol `version` will take this frame:
    /// its command exists at that version and its length is within the command's limit there. A frame
    /// encoded for one peer may be sent to another that negotiated an older version.
    pub fn sendable_at(&self, dialect: Dialect, version: u32) -> Result<(), EncodeError> {
        let command = self.header.command;
        let (valid, known): (bool, &[&'static str]) = match dialect {
            Dialect::Bitcoin => (
                crate::bitcoin::valid_at(command.as_str(), version),
                crate::bitcoin::COMMANDS,
            ),
            Dialect::Decred => (
                crate::decred::valid_at(command.as_str(), version),
                crate::decred::COMMANDS,
            ),
        };
        if !valid {
            return Err(EncodeError::unsupported_at(known, command.as_str(), version));
        }
        let max = max_payload_len(dialect, &command, version);
        if self.header.length > max {
            return Err(EncodeError::PayloadTooLarge {
                command,
                length: self.header.length.into(),
                max: max.into(),
            });
        }
        Ok(())
    }

    /// Decodes the payload as a message of dialect `M` at protocol `version`.
    pub fn decode<M: WireMessage>(&self, version: u32) -> Result<M, DecodeError> {
        M::decode_payload(&self.header.command, &self.payload, version).map_err(|e| e.in_command(self.header.command))
    }

    /// Bytes the frame took on the wire.
    pub fn wire_len(&self) -> usize {
        HEADER_LEN + self.header.length as usize
    }

    /// True for a frame whose payload the decoder discarded unread (an unknown command while
    /// [`FrameDecoder::skip_unknown_commands`] is on). An empty payload has nothing to discard: false.
    pub fn is_skipped(&self) -> bool {
        self.payload.len() != self.header.length as usize
    }
}

/// Cuts a byte stream into frames, checking each header before its payload is buffered.
///
/// Feed it bytes in any chunking, one byte at a time included, and pull frames out. The magic, the command,
/// the dialect's maximum size and the command's own maximum at the current protocol version are all checked
/// from the header alone, so an oversized or foreign message is refused before its payload is read. Memory
/// grows only with bytes actually received.
///
/// An error leaves the stream out of step (except a bad checksum, after which the frame has been consumed):
/// the peer that sent it should be disconnected.
///
/// ```
/// use coinpeer_wire::{FrameDecoder, Network, bitcoin::Message, encode_frame, EncodeOptions};
/// use bytes::BytesMut;
///
/// let mut wire = BytesMut::new();
/// encode_frame(&Network::BITCOIN, &Message::Ping(7), EncodeOptions::new(70016), &mut wire).unwrap();
///
/// let mut dec = FrameDecoder::new(Network::BITCOIN, 70016);
/// for byte in wire.iter() {
///     dec.extend_from_slice(&[*byte]);
/// }
/// let frame = dec.next_frame().unwrap().expect("one whole frame");
/// assert_eq!(frame.decode::<Message>(70016).unwrap(), Message::Ping(7));
/// ```
#[derive(Debug)]
pub struct FrameDecoder {
    network: Network,
    version: u32,
    verify_checksum: bool,
    /// A limit below the per-type ones, for every command (e.g. a tiny one before a handshake completes).
    payload_cap: Option<u32>,
    /// Discard the payloads of commands the dialect does not know as they arrive, instead of buffering them.
    skip_unknown: bool,
    buf: BytesMut,
    /// The header of the frame whose payload is awaited; kept so that it is checked only once.
    pending: Option<FrameHeader>,
    /// Payload bytes still to be discarded, while the pending frame is being skipped.
    skipping: Option<u32>,
    /// Stream offset of the first byte still held, so that errors can say where they happened.
    consumed: u64,
}

impl FrameDecoder {
    /// A decoder for `network`, applying the per-message limits of protocol `version`.
    pub fn new(network: Network, version: u32) -> Self {
        FrameDecoder {
            network,
            version,
            verify_checksum: true,
            payload_cap: None,
            skip_unknown: false,
            buf: BytesMut::new(),
            pending: None,
            skipping: None,
            consumed: 0,
        }
    }

    /// Turns checksum verification off (for benchmarks and trusted local data); it is on by default.
    pub fn verify_checksum(mut self, verify: bool) -> Self {
        self.verify_checksum = verify;
        self
    }

    /// Refuses, from the header alone, any frame whose payload is longer than `cap` (`None`: only the
    /// per-type limits apply). Applies to frames whose header has not been read yet.
    pub fn set_payload_cap(&mut self, cap: Option<u32>) {
        self.payload_cap = cap;
    }

    /// When on, a frame of a command the dialect does not know is not buffered: its payload is discarded as
    /// it arrives (unchecked, since it is never held) and the frame comes out with an empty payload and its
    /// header intact ([`Frame::is_skipped`]). The payload cap does not apply to it, the dialect's maximum
    /// message size does.
    pub fn skip_unknown_commands(&mut self, on: bool) {
        self.skip_unknown = on;
    }

    /// Changes the protocol version whose per-message limits apply (e.g. once a handshake has negotiated one).
    pub fn set_version(&mut self, version: u32) {
        self.version = version;
    }

    /// The network spoken.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// Appends received bytes.
    pub fn extend_from_slice(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The receive buffer, for reading into directly (e.g. with `AsyncReadExt::read_buf`).
    pub fn buffer_mut(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    /// Bytes received but not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Stream offset of the next byte to be decoded.
    pub fn stream_offset(&self) -> u64 {
        self.consumed
    }

    /// The next whole frame, `None` if more bytes are needed.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, DecodeError> {
        let mut buf = std::mem::take(&mut self.buf);
        let r = self.decode_from(&mut buf);
        self.buf = buf;
        r
    }

    /// Like [`next_frame`](Self::next_frame), on a buffer owned by the caller (as a `tokio_util` codec has).
    pub fn decode_from(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, DecodeError> {
        let header = match self.pending {
            Some(h) => h,
            None => {
                if src.len() < HEADER_LEN {
                    return Ok(None);
                }
                let h = self.check_header(src[..HEADER_LEN].try_into().expect("24 bytes"))?;
                self.pending = Some(h);
                if self.skip_unknown && !self.is_known(&h.command) {
                    src.advance(HEADER_LEN);
                    self.consumed += HEADER_LEN as u64;
                    self.skipping = Some(h.length);
                }
                h
            }
        };
        if let Some(remaining) = self.skipping {
            return Ok(self.skip_payload(header, remaining, src));
        }
        let total = HEADER_LEN + header.length as usize;
        if src.len() < total {
            // Grow towards the announced size in steps: a header alone must not buy a 32 MiB allocation.
            src.reserve((total - src.len()).min(RESERVE_STEP));
            return Ok(None);
        }
        self.pending = None;
        src.advance(HEADER_LEN);
        let payload = src.split_to(header.length as usize).freeze();
        let offset = self.consumed;
        self.consumed += total as u64;
        if self.verify_checksum {
            let computed = self.network.dialect().checksum(&payload);
            if computed != header.checksum {
                return Err(DecodeError::new(
                    ErrorKind::BadChecksum {
                        expected: header.checksum,
                        computed,
                    },
                    offset + 20,
                )
                .in_command(header.command));
            }
        }
        Ok(Some(Frame {
            header,
            payload,
            offset,
        }))
    }

    fn is_known(&self, command: &Command) -> bool {
        match self.network.dialect() {
            Dialect::Bitcoin => crate::bitcoin::max_payload_len(command.as_str(), self.version).is_some(),
            Dialect::Decred => crate::decred::max_payload_len(command.as_str(), self.version).is_some(),
        }
    }

    /// Discards what has arrived of a skipped payload; the frame comes out once all of it has.
    fn skip_payload(&mut self, header: FrameHeader, remaining: u32, src: &mut BytesMut) -> Option<Frame> {
        let n = src.len().min(remaining as usize);
        src.advance(n);
        self.consumed += n as u64;
        if n < remaining as usize {
            self.skipping = Some(remaining - n as u32);
            return None;
        }
        self.skipping = None;
        self.pending = None;
        let offset = self.consumed - HEADER_LEN as u64 - u64::from(header.length);
        Some(Frame {
            header,
            payload: Bytes::new(),
            offset,
        })
    }

    fn check_header(&self, raw: &[u8; HEADER_LEN]) -> Result<FrameHeader, DecodeError> {
        let at = |field: u64| self.consumed + field;
        let magic = u32::from_le_bytes(raw[0..4].try_into().expect("4 bytes"));
        if magic != self.network.magic() {
            return Err(DecodeError::new(
                ErrorKind::WrongMagic {
                    expected: self.network.magic(),
                    found: magic,
                },
                at(0),
            ));
        }
        let command =
            Command::from_wire(raw[4..16].try_into().expect("12 bytes")).map_err(|k| DecodeError::new(k, at(4)))?;
        let length = u32::from_le_bytes(raw[16..20].try_into().expect("4 bytes"));
        let dialect = self.network.dialect();
        let max = dialect.max_message_len();
        if length > max {
            return Err(DecodeError::new(
                ErrorKind::MessageTooLarge {
                    length: length.into(),
                    max: max.into(),
                },
                at(16),
            )
            .in_command(command));
        }
        let mut type_max = max_payload_len(dialect, &command, self.version);
        // A skipped frame is never held, so only the dialect's maximum bounds it.
        let skipped = self.skip_unknown && !self.is_known(&command);
        if !skipped {
            type_max = type_max.min(self.payload_cap.unwrap_or(u32::MAX));
        }
        if length > type_max {
            return Err(DecodeError::new(
                ErrorKind::PayloadTooLarge {
                    length: length.into(),
                    max: type_max.into(),
                },
                at(16),
            )
            .in_command(command));
        }
        let checksum = raw[20..24].try_into().expect("4 bytes");
        Ok(FrameHeader {
            magic,
            command,
            length,
            checksum,
        })
    }
}

/// The largest payload of `command` at protocol `version` in `dialect`; the dialect's maximum for commands it
/// does not know.
pub fn max_payload_len(dialect: Dialect, command: &Command, version: u32) -> u32 {
    match dialect {
        Dialect::Bitcoin => crate::bitcoin::max_payload_len(command.as_str(), version),
        Dialect::Decred => crate::decred::max_payload_len(command.as_str(), version),
    }
    .unwrap_or(dialect.max_message_len())
}

/// Appends one framed message to `out` and returns the number of bytes appended.
///
/// The payload is encoded in place after a reserved header, so a block is copied once, not twice. A payload
/// over its type's limit at `opts.version` is an error and leaves `out` as it was.
pub fn encode_frame<M: WireMessage>(
    network: &Network,
    msg: &M,
    opts: EncodeOptions,
    out: &mut BytesMut,
) -> Result<usize, EncodeError> {
    encode_framed(network, msg, opts, out).map(|header| HEADER_LEN + header.length as usize)
}

/// [`encode_frame`], returning the header it wrote.
fn encode_framed<M: WireMessage>(
    network: &Network,
    msg: &M,
    opts: EncodeOptions,
    out: &mut BytesMut,
) -> Result<FrameHeader, EncodeError> {
    let start = out.len();
    out.extend_from_slice(&[0u8; HEADER_LEN]);
    if let Err(e) = msg.encode_payload(opts, out) {
        out.truncate(start);
        return Err(e);
    }
    let length = out.len() - start - HEADER_LEN;
    let command = msg.command();
    let max = max_payload_len(network.dialect(), &command, opts.version);
    if length as u64 > u64::from(max) {
        out.truncate(start);
        return Err(EncodeError::PayloadTooLarge {
            command,
            length: length as u64,
            max: max.into(),
        });
    }
    let checksum = network.dialect().checksum(&out[start + HEADER_LEN..]);
    let header = FrameHeader {
        magic: network.magic(),
        command,
        length: length as u32,
        checksum,
    };
    out[start..start + HEADER_LEN].copy_from_slice(&header.to_bytes());
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_rejects_embedded_nul_and_accepts_padding() {
        let mut f = [0u8; 12];
        f[..4].copy_from_slice(b"ping");
        assert_eq!(Command::from_wire(&f).unwrap().as_str(), "ping");
        f[5] = b'x';
        assert!(matches!(Command::from_wire(&f), Err(ErrorKind::MalformedCommand(_))));
        assert!(Command::from_wire(&[0; 12]).is_err());
        assert!(Command::new("thirteen-long").is_err());
    }

    fn framed(command: &str, payload: &[u8]) -> Vec<u8> {
        let header = FrameHeader {
            magic: Network::BITCOIN.magic(),
            command: Command::new(command).unwrap(),
            length: payload.len() as u32,
            checksum: Dialect::Bitcoin.checksum(payload),
        };
        [&header.to_bytes()[..], payload].concat()
    }

    #[test]
    fn unknown_commands_are_skipped_without_buffering_their_payload() {
        let mut dec = FrameDecoder::new(Network::BITCOIN, 70016);
        dec.skip_unknown_commands(true);
        dec.set_payload_cap(Some(100));
        let big = framed("madeup", &vec![7u8; 1_000_000]);
        for chunk in big.chunks(4096) {
            dec.extend_from_slice(chunk);
            let before_done = dec.buffered();
            assert!(
                before_done <= 4096,
                "a skipped payload is never held: {before_done} bytes buffered"
            );
            if let Some(frame) = dec.next_frame().unwrap() {
                assert!(frame.is_skipped());
                assert_eq!(frame.header.command, "madeup");
                assert_eq!(frame.wire_len(), big.len());
                assert_eq!(frame.offset, 0);
            }
            assert_eq!(dec.buffered(), 0);
        }
        // The next frame, known and under the cap, is buffered and checked as usual.
        dec.extend_from_slice(&framed("ping", &5u64.to_le_bytes()));
        let ping = dec.next_frame().unwrap().expect("a whole ping");
        assert!(!ping.is_skipped());
        assert_eq!(ping.offset, big.len() as u64);
        // An empty unknown frame comes out at once (with nothing to skip, it is not marked skipped).
        dec.extend_from_slice(&framed("nothing", &[]));
        assert_eq!(dec.next_frame().unwrap().unwrap().header.command, "nothing");
        assert_eq!(dec.buffered(), 0);
    }

    #[test]
    fn the_payload_cap_refuses_known_commands_from_the_header() {
        let mut dec = FrameDecoder::new(Network::BITCOIN, 70016);
        dec.set_payload_cap(Some(100));
        dec.extend_from_slice(&framed("tx", &[0u8; 101])[..HEADER_LEN]);
        let err = dec.next_frame().unwrap_err();
        assert!(
            matches!(err.kind, ErrorKind::PayloadTooLarge { length: 101, max: 100 }),
            "{err}"
        );
        // Without skipping, an unknown command is capped too.
        let mut dec = FrameDecoder::new(Network::BITCOIN, 70016);
        dec.set_payload_cap(Some(100));
        dec.extend_from_slice(&framed("madeup", &[0u8; 101])[..HEADER_LEN]);
        assert!(dec.next_frame().is_err());
    }
}
