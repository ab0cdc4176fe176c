//! The Decred dialect's listener trait, and how the runtime calls it.

use crate::dialect::{BoxFuture, Dialect};
use crate::Peer;
use bytes::Bytes;
pub use coinpeer_protocol::Decred;
use coinpeer_wire::decred::{self as dcr, Message};
use coinpeer_wire::messages::{BlockLocator, Inventory, TimedNetAddress, VersionMessage};
use coinpeer_wire::{DecodeError, Hash256};

listener_trait! {
    /// Callbacks for a Decred peer: one per message type, all optional.
    ///
    /// Listeners run in order on the peer's task, one message at a time, while the peer goes on reading
    /// (up to a backlog), writing and keeping time. Calling any method of the peer from a listener is safe.
    /// A call that panics or runs past [`LISTENER_BUDGET`](crate::LISTENER_BUDGET) disconnects only this
    /// peer; when the peer disconnects, a call still running is cancelled.
    pub trait DecredListener for Decred, Message {
        payload {
            /// `addr` (protocol versions below 12).
            on_addr(Vec<TimedNetAddress>);
            /// `addrv2` (protocol 12).
            on_addr_v2(Vec<dcr::AddrV2Entry>);
            /// `inv`.
            on_inv(Vec<Inventory>);
            /// `getdata`.
            on_get_data(Vec<Inventory>);
            /// `notfound`.
            on_not_found(Vec<Inventory>);
            /// `getblocks`.
            on_get_blocks(BlockLocator);
            /// `getheaders`.
            on_get_headers(BlockLocator);
            /// `headers`.
            on_headers(Vec<dcr::BlockHeader>);
            /// `tx`.
            on_tx(dcr::Transaction);
            /// `ping` (already answered with a pong).
            on_ping(u64);
            /// `pong`.
            on_pong(u64);
            /// `reject` (protocol versions below 9).
            on_reject(dcr::Reject);
            /// `feefilter`.
            on_fee_filter(i64);
            /// `miningstate`.
            on_mining_state(dcr::MiningState);
            /// `getcfilter`.
            on_get_cfilter(dcr::GetCFilter);
            /// `cfilter`.
            on_cfilter(dcr::CFilter);
            /// `getcfheaders`.
            on_get_cfheaders(dcr::GetCFHeaders);
            /// `cfheaders`.
            on_cfheaders(dcr::CFHeaders);
            /// `cftypes`.
            on_cftypes(Vec<u8>);
            /// `getcfilterv2`.
            on_get_cfilter_v2(Hash256);
            /// `cfilterv2`.
            on_cfilter_v2(dcr::CFilterV2);
            /// `getcfsv2`.
            on_get_cfs_v2(dcr::GetCFsV2);
            /// `cfiltersv2`.
            on_cfilters_v2(Vec<dcr::CFilterV2>);
            /// `getinitstate`.
            on_get_init_state(dcr::GetInitState);
            /// `initstate`.
            on_init_state(dcr::InitState);
            /// `mixpairreq`.
            on_mix_pair_req(dcr::MixPairReq);
            /// `mixkeyxchg`.
            on_mix_key_exchange(dcr::MixKeyExchange);
            /// `mixcphrtxt`.
            on_mix_ciphertexts(dcr::MixCiphertexts);
            /// `mixslotres`.
            on_mix_slot_reserve(dcr::MixSlotReserve);
            /// `mixfactpoly`.
            on_mix_factored_poly(dcr::MixFactoredPoly);
            /// `mixdcnet`.
            on_mix_dcnet(dcr::MixDCNet);
            /// `mixconfirm`.
            on_mix_confirm(dcr::MixConfirm);
            /// `mixsecrets`.
            on_mix_secrets(dcr::MixSecrets);
        }
        empty {
            /// `verack` (the handshake's).
            on_verack;
            /// `getaddr`.
            on_get_addr;
            /// `sendheaders`.
            on_send_headers;
            /// `mempool`.
            on_mem_pool;
            /// `getminings`.
            on_get_mining_state;
            /// `getcftypes`.
            on_get_cftypes;
        }
        block(dcr::Block);
    }
}

impl Dialect for Decred {
    type Listener = dyn DecredListener;

    fn dispatch<'a>(
        l: &'a dyn DecredListener,
        peer: &'a Peer<Self>,
        msg: &'a Message,
        raw: &'a Bytes,
    ) -> BoxFuture<'a> {
        match msg {
            Message::Verack => l.on_verack(peer),
            Message::GetAddr => l.on_get_addr(peer),
            Message::SendHeaders => l.on_send_headers(peer),
            Message::MemPool => l.on_mem_pool(peer),
            Message::GetMiningState => l.on_get_mining_state(peer),
            Message::GetCFTypes => l.on_get_cftypes(peer),
            Message::Addr(m) => l.on_addr(peer, m),
            Message::AddrV2(m) => l.on_addr_v2(peer, m),
            Message::Inv(m) => l.on_inv(peer, m),
            Message::GetData(m) => l.on_get_data(peer, m),
            Message::NotFound(m) => l.on_not_found(peer, m),
            Message::GetBlocks(m) => l.on_get_blocks(peer, m),
            Message::GetHeaders(m) => l.on_get_headers(peer, m),
            Message::Headers(m) => l.on_headers(peer, m),
            Message::Block(b) => l.on_block(peer, b, raw),
            Message::Tx(m) => l.on_tx(peer, m),
            Message::Ping(m) => l.on_ping(peer, m),
            Message::Pong(m) => l.on_pong(peer, m),
            Message::Reject(m) => l.on_reject(peer, m),
            Message::FeeFilter(m) => l.on_fee_filter(peer, m),
            Message::MiningState(m) => l.on_mining_state(peer, m),
            Message::GetCFilter(m) => l.on_get_cfilter(peer, m),
            Message::CFilter(m) => l.on_cfilter(peer, m),
            Message::GetCFHeaders(m) => l.on_get_cfheaders(peer, m),
            Message::CFHeaders(m) => l.on_cfheaders(peer, m),
            Message::CFTypes(m) => l.on_cftypes(peer, m),
            Message::GetCFilterV2(m) => l.on_get_cfilter_v2(peer, m),
            Message::CFilterV2(m) => l.on_cfilter_v2(peer, m),
            Message::GetCFsV2(m) => l.on_get_cfs_v2(peer, m),
            Message::CFiltersV2(m) => l.on_cfilters_v2(peer, m),
            Message::GetInitState(m) => l.on_get_init_state(peer, m),
            Message::InitState(m) => l.on_init_state(peer, m),
            Message::MixPairReq(m) => l.on_mix_pair_req(peer, m),
            Message::MixKeyExchange(m) => l.on_mix_key_exchange(peer, m),
            Message::MixCiphertexts(m) => l.on_mix_ciphertexts(peer, m),
            Message::MixSlotReserve(m) => l.on_mix_slot_reserve(peer, m),
            Message::MixFactoredPoly(m) => l.on_mix_factored_poly(peer, m),
            Message::MixDCNet(m) => l.on_mix_dcnet(peer, m),
            Message::MixConfirm(m) => l.on_mix_confirm(peer, m),
            Message::MixSecrets(m) => l.on_mix_secrets(peer, m),
            Message::Unknown { command, payload } => l.on_unknown(peer, command, payload),
            // The version is handed to `on_version` during the handshake.
            _ => Box::pin(async {}),
        }
    }
    fn on_version<'a>(
        l: &'a dyn DecredListener,
        peer: &'a Peer<Self>,
        v: &'a VersionMessage,
    ) -> BoxFuture<'a, Result<(), String>> {
        l.on_version(peer, v)
    }
    fn on_read<'a>(
        l: &'a dyn DecredListener,
        peer: &'a Peer<Self>,
        bytes: usize,
        msg: Option<&'a Message>,
        err: Option<&'a DecodeError>,
    ) -> BoxFuture<'a> {
        l.on_read(peer, bytes, msg, err)
    }
    fn event_listener(forwarder: crate::EventForwarder<Message>) -> std::sync::Arc<dyn DecredListener> {
        std::sync::Arc::new(forwarder)
    }
    fn on_write<'a>(
        l: &'a dyn DecredListener,
        peer: &'a Peer<Self>,
        bytes: usize,
        msg: &'a Message,
        err: Option<&'a str>,
    ) -> BoxFuture<'a> {
        l.on_write(peer, bytes, msg, err)
    }
}
