//! Decred's `addrv2` (protocol 12): its own layout, not BIP155's. Each entry is a u64 time, u64 services, a
//! type byte that fixes the address length (1 IPv4, 2 IPv6, 3 TorV3), the address and a little-endian port.

use crate::encode::{Decode, Encode, Reader, Sink};
use crate::error::{DecodeError, ErrorKind};
use crate::messages::ServiceFlags;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The address of an `addrv2` entry. Decred knows exactly these three types; any other is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddrV2 {
    /// Type 1: 4 bytes.
    Ipv4(Ipv4Addr),
    /// Type 2: 16 bytes.
    Ipv6(Ipv6Addr),
    /// Type 3: a Tor v3 onion service public key, 32 bytes.
    TorV3([u8; 32]),
}

impl AddrV2 {
    /// The type byte.
    pub fn type_id(&self) -> u8 {
        match self {
            AddrV2::Ipv4(_) => 1,
            AddrV2::Ipv6(_) => 2,
            AddrV2::TorV3(_) => 3,
        }
    }
}

/// One entry of a Decred `addrv2` message: 23 to 51 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddrV2Entry {
    /// Unix time the address was last seen (a u64 here, unlike `addr`).
    pub time: u64,
    /// Services the node offers.
    pub services: ServiceFlags,
    /// The address.
    pub addr: AddrV2,
    /// Port, little-endian on the wire (unlike `addr`, whose port is big-endian).
    pub port: u16,
}

impl AddrV2Entry {
    /// Smallest wire size: an IPv4 entry.
    pub const MIN_LEN: usize = 23;
    /// Largest wire size: a TorV3 entry.
    pub const MAX_LEN: usize = 51;
}

impl Decode for AddrV2Entry {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let time = r.read_u64_le()?;
        let services = ServiceFlags(r.read_u64_le()?);
        let at = r.offset();
        let addr = match r.read_u8()? {
            1 => AddrV2::Ipv4(Ipv4Addr::from(r.read_array::<4>()?)),
            2 => AddrV2::Ipv6(Ipv6Addr::from(r.read_array::<16>()?)),
            3 => AddrV2::TorV3(r.read_array()?),
            other => {
                return Err(DecodeError::new(
                    ErrorKind::InvalidValue {
                        what: "addrv2 address type",
                        detail: format!("{other}, expected 1 (IPv4), 2 (IPv6) or 3 (TorV3)"),
                    },
                    at as u64,
                ))
            }
        };
        let port = r.read_u16_le()?;
        Ok(AddrV2Entry {
            time,
            services,
            addr,
            port,
        })
    }
}

impl Encode for AddrV2Entry {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put_u64_le(self.time);
        out.put_u64_le(self.services.0);
        out.put_u8(self.addr.type_id());
        match &self.addr {
            AddrV2::Ipv4(a) => out.put(&a.octets()),
            AddrV2::Ipv6(a) => out.put(&a.octets()),
            AddrV2::TorV3(k) => out.put(k),
        }
        out.put_u16_le(self.port);
    }
}
