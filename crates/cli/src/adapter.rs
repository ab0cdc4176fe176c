//! The per-dialect adapter: the little the subcommands need that differs between Bitcoin and Decred messages,
//! so that `demo`, `connect` and `listen` are each written once, generic over the dialect.

use crate::chain::ChainHeader;
use btc::Message as BtcMessage;
use bytes::Bytes;
use coinpeer_runtime::{async_trait, Bitcoin, BitcoinListener, Decred, DecredListener, Dialect, Peer};
use coinpeer_wire::messages::{BlockLocator, InvType, Inventory, ServiceFlags};
use coinpeer_wire::{bitcoin as btc, decred as dcr, Command, DecodeError, Encode, Hash256, Network, WireMessage};
use dcr::Message as DcrMessage;
use std::sync::Arc;

/// A received message, as far as the subcommands care.
pub(crate) enum Incoming<'a, D: CliDialect> {
    /// `inv`.
    Inv(&'a [Inventory]),
    /// `getdata`.
    GetData(&'a [Inventory]),
    /// `notfound`.
    NotFound(&'a [Inventory]),
    /// `getheaders`.
    GetHeaders(&'a BlockLocator),
    /// `getblocks`.
    GetBlocks(&'a BlockLocator),
    /// `headers`.
    Headers(&'a [D::Header]),
    /// `pong`.
    Pong(u64),
    /// Anything else (blocks arrive through [`Handler::on_block`], with their payload).
    Other,
}

/// What downloading one block showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BlockCheck {
    /// The hash of the block received.
    pub(crate) hash: Hash256,
    /// Its transactions (Decred: both trees).
    pub(crate) txs: usize,
    /// The header commits to these transactions.
    pub(crate) merkle_ok: bool,
    /// Encoding the decoded block again gives the payload received, byte for byte.
    pub(crate) reencoded_identical: bool,
}

/// Callbacks a subcommand implements once for both dialects; [`CliDialect::listener`] wraps one into the
/// dialect's listener. They run on the peer's read path (and `on_sent` on its write path): keep them short.
#[async_trait]
pub(crate) trait Handler<D: CliDialect>: Send + Sync + 'static {
    /// The handshake is complete; called before any message of the peer reaches `on_message`.
    async fn on_connected(&self, _peer: &Peer<D>) {}
    /// Every message read after the handshake, with its size on the wire (0 for those read during it).
    async fn on_message(&self, peer: &Peer<D>, msg: &D::Message, wire_len: usize);
    /// A block, with the payload it was decoded from (after `on_message` saw it).
    async fn on_block(&self, _peer: &Peer<D>, _block: &D::Block, _raw: &Bytes) {}
    /// A message written to the remote.
    async fn on_sent(&self, _peer: &Peer<D>, _msg: &D::Message) {}
}

/// The CLI's view of a dialect.
pub(crate) trait CliDialect: Dialect {
    /// The block header.
    type Header: ChainHeader;
    /// The block.
    type Block: Clone + Send + Sync + 'static;
    /// Most headers in one `headers` message, and so in one answer to `getheaders`.
    const MAX_HEADERS: usize;

    /// Sorts out a message (received, or sent for the write hook).
    fn classify(msg: &Self::Message) -> Incoming<'_, Self>;
    /// A `getdata`.
    fn get_data(items: Vec<Inventory>) -> Self::Message;
    /// A `notfound`.
    fn not_found(items: Vec<Inventory>) -> Self::Message;
    /// A `headers`.
    fn headers(headers: Vec<Self::Header>) -> Self::Message;
    /// A message of a command the dialect does not define.
    fn unknown(command: Command, payload: Bytes) -> Self::Message;
    /// The header of a block.
    fn block_header(block: &Self::Block) -> &Self::Header;
    /// The inventory type to request full blocks from `peer` with (Bitcoin: with witness data when the peer
    /// serves it).
    fn block_inv_type(peer: &Peer<Self>) -> InvType;
    /// The services a node that stores and serves blocks advertises.
    fn serving_services() -> ServiceFlags;
    /// Checks a block received on `network`; `witness` says whether it was requested with witness data.
    fn check_block(network: &Network, block: &Self::Block, raw: &Bytes, witness: bool) -> BlockCheck;
    /// The dialect's listener calling `handler`.
    fn listener(handler: Arc<dyn Handler<Self>>) -> Arc<Self::Listener>;
}

/// Decodes a block payload received earlier into a message ready to send again.
pub(crate) fn block_message<D: CliDialect>(raw: &Bytes, version: u32) -> Result<D::Message, DecodeError> {
    D::Message::decode_payload(&Command::from_static("block"), raw, version)
}

/// Whether `kind` asks for a block, with or without witness data.
pub(crate) fn is_block_request(kind: InvType) -> bool {
    kind.base() == InvType::BLOCK
}

/// The dialect's listener: forwards what a [`Handler`] wants to hear.
struct Forward<D: CliDialect>(Arc<dyn Handler<D>>);

/// Implements a dialect's listener trait for [`Forward`]: the three hooks are the same in both dialects.
macro_rules! forward_listener {
    ($listener:ident, $dialect:ty, $message:ty, $block:ty) => {
        #[async_trait]
        impl $listener for Forward<$dialect> {
            // The runtime hands the handshake's verack to the listeners first, before anything read during
            // or after the handshake.
            async fn on_verack(&self, peer: &Peer<$dialect>) {
                self.0.on_connected(peer).await;
            }
            async fn on_read(
                &self,
                peer: &Peer<$dialect>,
                bytes: usize,
                msg: Option<&$message>,
                _err: Option<&DecodeError>,
            ) {
                if let Some(msg) = msg {
                    self.0.on_message(peer, msg, bytes).await;
                }
            }
            async fn on_block(&self, peer: &Peer<$dialect>, block: &$block, raw: &Bytes) {
                self.0.on_block(peer, block, raw).await;
            }
            async fn on_write(&self, peer: &Peer<$dialect>, _bytes: usize, msg: &$message, err: Option<&str>) {
                if err.is_none() {
                    self.0.on_sent(peer, msg).await;
                }
            }
        }
    };
}

forward_listener!(BitcoinListener, Bitcoin, btc::Message, btc::Block);
forward_listener!(DecredListener, Decred, dcr::Message, dcr::Block);

/// The [`CliDialect`] methods whose bodies are the same in both dialects, whose message enums share these
/// variants' names. Expanded inside each impl, with the dialect's message and block types.
macro_rules! shared_cli_methods {
    ($message:ident, $header:ty, $block:ty) => {
        fn classify(msg: &$message) -> Incoming<'_, Self> {
            match msg {
                $message::Inv(items) => Incoming::Inv(items),
                $message::GetData(items) => Incoming::GetData(items),
                $message::NotFound(items) => Incoming::NotFound(items),
                $message::GetHeaders(l) => Incoming::GetHeaders(l),
                $message::GetBlocks(l) => Incoming::GetBlocks(l),
                $message::Headers(h) => Incoming::Headers(h),
                $message::Pong(n) => Incoming::Pong(*n),
                _ => Incoming::Other,
            }
        }
        fn get_data(items: Vec<Inventory>) -> $message {
            $message::GetData(items)
        }
        fn not_found(items: Vec<Inventory>) -> $message {
            $message::NotFound(items)
        }
        fn headers(headers: Vec<$header>) -> $message {
            $message::Headers(headers)
        }
        fn unknown(command: Command, payload: Bytes) -> $message {
            $message::Unknown { command, payload }
        }
        fn block_header(block: &$block) -> &$header {
            &block.header
        }
    };
}

impl CliDialect for Bitcoin {
    type Header = btc::BlockHeader;
    type Block = btc::Block;
    const MAX_HEADERS: usize = btc::MAX_HEADERS_PER_MSG;

    shared_cli_methods!(BtcMessage, btc::BlockHeader, btc::Block);
    fn block_inv_type(peer: &Peer<Self>) -> InvType {
        if peer.witness_enabled() {
            InvType::WITNESS_BLOCK
        } else {
            InvType::BLOCK
        }
    }
    fn serving_services() -> ServiceFlags {
        ServiceFlags::NETWORK | ServiceFlags::BTC_WITNESS
    }
    fn check_block(_network: &Network, block: &btc::Block, raw: &Bytes, witness: bool) -> BlockCheck {
        let mut again = Vec::with_capacity(raw.len());
        block.encode_as(&mut again, witness);
        BlockCheck {
            hash: block.hash(),
            txs: block.transactions.len(),
            merkle_ok: block.check_merkle_root(),
            reencoded_identical: again == raw[..],
        }
    }
    fn listener(handler: Arc<dyn Handler<Self>>) -> Arc<dyn BitcoinListener> {
        Arc::new(Forward(handler))
    }
}

impl CliDialect for Decred {
    type Header = dcr::BlockHeader;
    type Block = dcr::Block;
    const MAX_HEADERS: usize = dcr::MAX_HEADERS_PER_MSG;

    shared_cli_methods!(DcrMessage, dcr::BlockHeader, dcr::Block);
    fn block_inv_type(_peer: &Peer<Self>) -> InvType {
        InvType::BLOCK
    }
    fn serving_services() -> ServiceFlags {
        ServiceFlags::NETWORK
    }
    fn check_block(network: &Network, block: &dcr::Block, raw: &Bytes, _witness: bool) -> BlockCheck {
        use dcr::MerkleRules;
        // Which commitment rule holds depends on whether the network activated DCP0005 at this height: known
        // for mainnet; elsewhere either rule is accepted.
        let merkle_ok = if *network == Network::DECRED {
            block
                .check_merkle_roots(MerkleRules::mainnet(block.header.height))
                .is_ok()
        } else {
            block.check_merkle_roots(MerkleRules::Dcp0005).is_ok()
                || block.check_merkle_roots(MerkleRules::PreDcp0005).is_ok()
        };
        let mut again = Vec::with_capacity(raw.len());
        block.encode(&mut again);
        BlockCheck {
            hash: block.hash(),
            txs: block.transactions.len() + block.stake_transactions.len(),
            merkle_ok,
            reencoded_identical: again == raw[..],
        }
    }
    fn listener(handler: Arc<dyn Handler<Self>>) -> Arc<dyn DecredListener> {
        Arc::new(Forward(handler))
    }
}
