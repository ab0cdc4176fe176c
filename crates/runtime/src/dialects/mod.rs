//! The two dialects: their listener traits and how the runtime calls them.

/// Declares a listener trait: one async method per message, each doing nothing by default, plus the
/// hooks every dialect has (`on_version`, `on_read`, `on_write`, `on_unknown`).
macro_rules! listener_trait {
    (
        $(#[$doc:meta])*
        pub trait $name:ident for $dialect:ty, $msg:ty {
            payload { $( $(#[$pdoc:meta])* $pmethod:ident($pty:ty); )* }
            empty { $( $(#[$edoc:meta])* $emethod:ident; )* }
            block($bty:ty);
        }
    ) => {
        $(#[$doc])*
        #[async_trait::async_trait]
        pub trait $name: Send + Sync + 'static {
            /// The remote's version, during the handshake; `Err(reason)` refuses the peer.
            async fn on_version(
                &self,
                _peer: &$crate::Peer<$dialect>,
                _msg: &coinpeer_wire::messages::VersionMessage,
            ) -> Result<(), String> {
                Ok(())
            }
            /// Every read attempt after the handshake: its size, and the message or the error.
            async fn on_read(
                &self,
                _peer: &$crate::Peer<$dialect>,
                _bytes: usize,
                _msg: Option<&$msg>,
                _err: Option<&coinpeer_wire::DecodeError>,
            ) {
            }
            /// Every write attempt after the handshake: its size, the message, and the error if it failed.
            async fn on_write(&self, _peer: &$crate::Peer<$dialect>, _bytes: usize, _msg: &$msg, _err: Option<&str>) {}
            /// A message of a command this crate does not know.
            async fn on_unknown(&self, _peer: &$crate::Peer<$dialect>, _command: &coinpeer_wire::Command, _payload: &bytes::Bytes) {}
            /// A block, with the payload it was decoded from: shared, not copied, ready to store or relay.
            async fn on_block(&self, _peer: &$crate::Peer<$dialect>, _block: &$bty, _raw: &bytes::Bytes) {}
            $( $(#[$pdoc])* async fn $pmethod(&self, _peer: &$crate::Peer<$dialect>, _msg: &$pty) {} )*
            $( $(#[$edoc])* async fn $emethod(&self, _peer: &$crate::Peer<$dialect>) {} )*
        }

        #[async_trait::async_trait]
        impl $name for $crate::EventForwarder<$msg> {
            async fn on_read(
                &self,
                peer: &$crate::Peer<$dialect>,
                _bytes: usize,
                msg: Option<&$msg>,
                err: Option<&coinpeer_wire::DecodeError>,
            ) {
                self.forward_read(peer.id(), peer.addr(), msg, err).await
            }
        }
    };
}

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
pub(crate) fn legacy_ip(ip: std::net::Ipv6Addr) -> Option<std::net::IpAddr> {
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
