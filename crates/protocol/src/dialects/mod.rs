//! The two dialects: what their messages mean to the peer.

/// The [`Dialect`](crate::Dialect) methods whose bodies are the same in both dialects: their message enums
/// share these variants' names. Expanded inside each `impl Dialect`.
macro_rules! shared_dialect_methods {
    () => {
        fn ping(nonce: u64) -> Message {
            Message::Ping(nonce)
        }
        fn pong(nonce: u64) -> Message {
            Message::Pong(nonce)
        }
        fn inv(items: Vec<Inventory>) -> Message {
            Message::Inv(items)
        }
        fn get_headers(locator: BlockLocator) -> Message {
            Message::GetHeaders(locator)
        }
        fn get_blocks(locator: BlockLocator) -> Message {
            Message::GetBlocks(locator)
        }
        fn addr(addrs: Vec<TimedNetAddress>) -> Message {
            Message::Addr(addrs)
        }
        fn addr_v2(entries: Vec<Self::AddrV2Entry>) -> Message {
            Message::AddrV2(entries)
        }
        fn announced(msg: &Message) -> &[Inventory] {
            match msg {
                Message::Inv(items) => items,
                _ => &[],
            }
        }
    };
}

/// What a legacy 16-byte address means in `addrv2` terms: IPv4 for IPv4-mapped addresses, nothing for the
/// encodings `addrv2` replaced (OnionCat Tor v2 `fd87:d87e:eb43::/48`, Bitcoin Core's internal
/// `fd6b:88c0:8724::/48`), IPv6 otherwise.
fn legacy_ip(ip: std::net::Ipv6Addr) -> Option<std::net::IpAddr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4.into());
    }
    match ip.segments() {
        [0xfd87, 0xd87e, 0xeb43, ..] | [0xfd6b, 0x88c0, 0x8724, ..] => None,
        _ => Some(ip.into()),
    }
}

pub(crate) mod bitcoin;
pub(crate) mod decred;
