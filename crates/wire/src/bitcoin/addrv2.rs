//! BIP155 `addrv2` entries: addresses of any network, with a variable-length address field.

use crate::encode::{put_var_bytes, Decode, Encode, Reader, Sink};
use crate::error::DecodeError;
use crate::messages::ServiceFlags;
use crate::varint;
use bytes::Bytes;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The longest address field BIP155 allows.
pub const MAX_ADDRV2_LEN: usize = 512;

/// An address of one of BIP155's networks.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AddrV2 {
    /// Network id 1.
    Ipv4(Ipv4Addr),
    /// Network id 2.
    Ipv6(Ipv6Addr),
    /// Network id 3: a retired Tor v2 onion address (10 bytes).
    TorV2([u8; 10]),
    /// Network id 4: a Tor v3 public key.
    TorV3([u8; 32]),
    /// Network id 5: an I2P destination hash.
    I2p([u8; 32]),
    /// Network id 6: a CJDNS address.
    Cjdns([u8; 16]),
    /// A network id this crate does not know, kept so that it can be relayed unchanged.
    Unknown {
        /// The network id.
        network_id: u8,
        /// The address bytes.
        bytes: Bytes,
    },
}

impl AddrV2 {
    /// The BIP155 network id.
    pub fn network_id(&self) -> u8 {
        match self {
            AddrV2::Ipv4(_) => 1,
            AddrV2::Ipv6(_) => 2,
            AddrV2::TorV2(_) => 3,
            AddrV2::TorV3(_) => 4,
            AddrV2::I2p(_) => 5,
            AddrV2::Cjdns(_) => 6,
            AddrV2::Unknown { network_id, .. } => *network_id,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        match self {
            AddrV2::Ipv4(a) => a.octets().to_vec(),
            AddrV2::Ipv6(a) => a.octets().to_vec(),
            AddrV2::TorV2(a) => a.to_vec(),
            AddrV2::TorV3(a) | AddrV2::I2p(a) => a.to_vec(),
            AddrV2::Cjdns(a) => a.to_vec(),
            AddrV2::Unknown { bytes, .. } => bytes.to_vec(),
        }
    }
}

/// One entry of an `addrv2` message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AddrV2Entry {
    /// Unix time the address was last seen.
    pub time: u32,
    /// Services, as a varint here (unlike `addr`).
    pub services: ServiceFlags,
    /// The address.
    pub addr: AddrV2,
    /// Port, big-endian on the wire.
    pub port: u16,
}

impl AddrV2Entry {
    /// Smallest wire size: time 4, services 1, id 1, length 1, port 2.
    pub const MIN_LEN: usize = 9;
}

fn fixed<const N: usize>(r: &Reader<'_>, b: &[u8], name: &'static str) -> Result<[u8; N], DecodeError> {
    b.try_into().map_err(|_| {
        r.invalid(
            "addrv2 address",
            format!("{name} address of {} bytes, expected {N}", b.len()),
        )
    })
}

impl Decode for AddrV2Entry {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let time = r.read_u32_le()?;
        let services = ServiceFlags(r.read_varint()?);
        let network_id = r.read_u8()?;
        let bytes = r.read_var_bytes("addrv2 address", MAX_ADDRV2_LEN)?;
        let addr = match network_id {
            1 => AddrV2::Ipv4(Ipv4Addr::from(fixed::<4>(r, &bytes, "IPv4")?)),
            2 => AddrV2::Ipv6(Ipv6Addr::from(fixed::<16>(r, &bytes, "IPv6")?)),
            3 => AddrV2::TorV2(fixed(r, &bytes, "TorV2")?),
            4 => AddrV2::TorV3(fixed(r, &bytes, "TorV3")?),
            5 => AddrV2::I2p(fixed(r, &bytes, "I2P")?),
            6 => AddrV2::Cjdns(fixed(r, &bytes, "CJDNS")?),
            _ => AddrV2::Unknown { network_id, bytes },
        };
        let port = r.read_u16_be()?;
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
        out.put_u32_le(self.time);
        varint::write(out, self.services.0);
        out.put_u8(self.addr.network_id());
        put_var_bytes(out, &self.addr.bytes());
        out.put_u16_be(self.port);
    }
}
