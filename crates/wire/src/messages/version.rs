//! The version message, the first message each side sends.

use super::{NetAddress, ServiceFlags};
use crate::encode::{Decode, Reader, Sink};
use crate::error::DecodeError;

/// The longest user agent accepted.
pub const MAX_USER_AGENT_LEN: usize = 256;

/// The payload of `version`. The layout is the same in both dialects.
///
/// Decoding is lenient where real nodes differ: fields after `receiver` are optional (very old nodes stop
/// early), the relay byte is optional whatever the stated version (btcd omits it), and bytes after the relay
/// byte are ignored (Bitcoin SV sends some).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionMessage {
    /// The highest protocol version the sender speaks.
    pub version: u32,
    /// Services the sender offers.
    pub services: ServiceFlags,
    /// The sender's clock, Unix seconds.
    pub timestamp: i64,
    /// The receiver's address as the sender sees it.
    pub receiver: NetAddress,
    /// The sender's own address (usually unspecified).
    pub sender: NetAddress,
    /// Random value that lets a node recognise a connection to itself.
    pub nonce: u64,
    /// BIP14 user agent, e.g. `/Satoshi:27.0.0/`.
    pub user_agent: String,
    /// Height of the sender's best block.
    pub start_height: i32,
    /// Whether the receiver should announce transactions (BIP37).
    pub relay: bool,
}

impl VersionMessage {
    /// Reads the payload. `relay_default` is used when the relay byte is absent.
    pub fn decode_lenient(r: &mut Reader<'_>, relay_default: bool) -> Result<Self, DecodeError> {
        let version = r.read_i32_le()? as u32;
        let services = ServiceFlags(r.read_u64_le()?);
        let timestamp = r.read_i64_le()?;
        let receiver = NetAddress::decode(r)?;
        let mut msg = VersionMessage {
            version,
            services,
            timestamp,
            receiver,
            sender: NetAddress::unspecified(ServiceFlags::NONE),
            nonce: 0,
            user_agent: String::new(),
            start_height: 0,
            relay: relay_default,
        };
        if r.remaining() == 0 {
            return Ok(msg);
        }
        msg.sender = NetAddress::decode(r)?;
        if r.remaining() == 0 {
            return Ok(msg);
        }
        msg.nonce = r.read_u64_le()?;
        if r.remaining() == 0 {
            return Ok(msg);
        }
        msg.user_agent = r.read_var_str("user agent", MAX_USER_AGENT_LEN)?;
        if r.remaining() == 0 {
            return Ok(msg);
        }
        msg.start_height = r.read_i32_le()?;
        if r.remaining() > 0 {
            msg.relay = r.read_bool()?;
        }
        // Whatever follows is an extension we do not know; skip it.
        r.read_slice(r.remaining())?;
        Ok(msg)
    }

    /// Writes the payload, with the relay byte if `with_relay`.
    pub fn encode_with_relay<S: Sink + ?Sized>(&self, out: &mut S, with_relay: bool) {
        use crate::encode::Encode;
        out.put_i32_le(self.version as i32);
        out.put_u64_le(self.services.0);
        out.put_i64_le(self.timestamp);
        self.receiver.encode(out);
        self.sender.encode(out);
        out.put_u64_le(self.nonce);
        crate::encode::put_var_bytes(out, self.user_agent.as_bytes());
        out.put_i32_le(self.start_height);
        if with_relay {
            out.put_u8(u8::from(self.relay));
        }
    }
}
