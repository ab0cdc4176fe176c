//! The legacy network address: services, a 16-byte IPv6 (or IPv4-mapped) address and a big-endian port.

use super::ServiceFlags;
use crate::encode::{Decode, Encode, Reader, Sink};
use crate::error::DecodeError;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// At most this many addresses travel in one `addr` or `addrv2` message.
pub const MAX_ADDR_PER_MSG: usize = 1000;

/// An address as it appears in a version message: 26 bytes, no time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NetAddress {
    /// Services the node offers.
    pub services: ServiceFlags,
    /// IPv6 address; IPv4 travels IPv4-mapped (`::ffff:a.b.c.d`).
    pub ip: Ipv6Addr,
    /// Port (big-endian on the wire, unlike every other integer).
    pub port: u16,
}

impl NetAddress {
    /// Wire size without a time field.
    pub const LEN: usize = 26;

    /// The unspecified address `0.0.0.0:0` with `services`, as nodes write for "me" in a version message.
    pub fn unspecified(services: ServiceFlags) -> Self {
        NetAddress {
            services,
            ip: std::net::Ipv4Addr::UNSPECIFIED.to_ipv6_mapped(),
            port: 0,
        }
    }

    /// An address for a socket address; IPv4 is mapped into IPv6.
    pub fn from_socket_addr(addr: SocketAddr, services: ServiceFlags) -> Self {
        let ip = match addr.ip() {
            IpAddr::V4(v4) => v4.to_ipv6_mapped(),
            IpAddr::V6(v6) => v6,
        };
        NetAddress {
            services,
            ip,
            port: addr.port(),
        }
    }

    /// The socket address, IPv4-mapped addresses shown as IPv4.
    pub fn socket_addr(&self) -> SocketAddr {
        let ip = match self.ip.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(self.ip),
        };
        SocketAddr::new(ip, self.port)
    }
}

impl Decode for NetAddress {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let services = ServiceFlags(r.read_u64_le()?);
        let ip = Ipv6Addr::from(r.read_array::<16>()?);
        let port = r.read_u16_be()?;
        Ok(NetAddress { services, ip, port })
    }
}

impl Encode for NetAddress {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put_u64_le(self.services.0);
        out.put(&self.ip.octets());
        out.put_u16_be(self.port);
    }
}

/// An address as it appears in an `addr` message: a last-seen time, then the address.
///
/// Bitcoin omits the time below protocol version 31402; Decred always has it. The two dialects number their
/// versions differently, so the caller says which form to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimedNetAddress {
    /// Unix time the address was last seen.
    pub time: u32,
    /// The address.
    pub addr: NetAddress,
}

impl TimedNetAddress {
    /// Reads an address, with its time field if `with_time`.
    pub fn decode_with_time(r: &mut Reader<'_>, with_time: bool) -> Result<Self, DecodeError> {
        let time = if with_time { r.read_u32_le()? } else { 0 };
        Ok(TimedNetAddress {
            time,
            addr: NetAddress::decode(r)?,
        })
    }

    /// Writes an address, with its time field if `with_time`.
    pub fn encode_with_time<S: Sink + ?Sized>(&self, out: &mut S, with_time: bool) {
        if with_time {
            out.put_u32_le(self.time);
        }
        self.addr.encode(out);
    }
}
