//! The eight mixing messages of Decred's peer-to-peer coinjoin (protocol 10): pair request, key exchange,
//! ciphertexts, slot reservation, factored polynomial, DC-net, confirmation and revealed secrets.
//!
//! Every message starts with a 64-byte signature and the sender's 33-byte identity key, and all but the pair
//! request then carry a 32-byte session id and a run number. Each ends with the hashes of the earlier messages
//! its sender had seen. A message's hash (what inventory vectors of type `mix` name) is BLAKE-256 of its whole
//! serialization, see [`Message::mix_hash`](super::Message::mix_hash).
//!
//! Decoding checks every count against its limit and against the bytes left before allocating, including the
//! two-dimensional matrices of the slot reservation and DC-net messages, whose element count is a product.
//! The slot reservation matrix is kept in its wire form ([`FieldMatrix`](super::FieldMatrix)), so that its
//! values, which may be empty, cost no more in memory than on the wire.

mod common;
mod dc_net;
mod key_exchange;
mod pair_req;
mod secrets;
mod slot_reserve;

pub use dc_net::{MixConfirm, MixDCNet};
pub use key_exchange::{MixCiphertexts, MixKeyExchange};
pub use pair_req::{MixPairReq, MixPairReqUtxo};
pub use secrets::MixSecrets;
pub use slot_reserve::{MixFactoredPoly, MixSlotReserve};

/// Most peers in one mix; bounds the previous-message lists and one matrix dimension.
pub const MAX_MIX_PEERS: usize = 512;
/// Most mixed messages in one mix; bounds the other matrix dimension.
pub const MAX_MIX_MCOUNT: usize = 1024;
/// Longest field element of the slot reservation mix, in bytes.
pub const MAX_MIX_FIELD_VAL_LEN: usize = 32;
/// Size of one DC-net message.
pub const MIX_MSG_SIZE: usize = 20;
/// Most UTXOs in one pair request.
pub const MAX_MIX_PAIR_REQ_UTXOS: usize = 512;
/// Longest script class of a pair request.
pub const MAX_MIX_PAIR_REQ_SCRIPT_CLASS_LEN: usize = 32;
/// Longest P2SH redeem script of a pair request UTXO.
pub const MAX_MIX_PAIR_REQ_UTXO_SCRIPT_LEN: usize = 16_384;
/// Longest public key of a pair request UTXO.
pub const MAX_MIX_PAIR_REQ_UTXO_PUBKEY_LEN: usize = 33;
/// Longest signature of a pair request UTXO.
pub const MAX_MIX_PAIR_REQ_UTXO_SIGNATURE_LEN: usize = 64;
/// Size of an sntrup4591761 public key.
pub const PQ_PUBLIC_KEY_LEN: usize = 1218;
/// Size of an sntrup4591761 ciphertext.
pub const PQ_CIPHERTEXT_LEN: usize = 1047;

/// One DC-net message.
pub type MixMsg = [u8; MIX_MSG_SIZE];
