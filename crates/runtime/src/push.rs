//! Helpers that build, check and queue common announcements and requests.

use crate::queue::SendHandle;
use crate::{Bitcoin, Dialect, Peer};
use coinpeer_wire::bitcoin::{self as btc, RejectCode};
use coinpeer_wire::messages::{BlockLocator, TimedNetAddress, MAX_LOCATOR_HASHES};
use coinpeer_wire::Hash256;
use rand::seq::IndexedRandom;
use tracing::{trace, warn};

/// At most this many addresses go in one `addr` or `addrv2` we send.
pub const MAX_ADDR_PER_PUSH: usize = 1000;

/// Why a push helper refused to queue anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PushError {
    /// A block locator longer than the protocol allows.
    #[error("a block locator holds at most {max} hashes, not {len}")]
    LocatorTooLong {
        /// Hashes given.
        len: usize,
        /// The most allowed.
        max: usize,
    },
    /// `addrv2` entries for a remote that does not take `addrv2`.
    #[error("the remote does not take addrv2 messages")]
    AddrV2NotInForce,
}

/// What a push helper queued: the items chosen and the message's outcome.
#[derive(Debug)]
pub struct Pushed<T> {
    /// The items sent, in the order sent.
    pub items: Vec<T>,
    /// Resolves once the message is written, failed or dropped.
    pub handle: SendHandle,
}

/// The last `getblocks` or `getheaders` sent: its first locator hash and its stop hash.
pub(crate) type LastRequest = Option<(Option<Hash256>, Hash256)>;

/// Which requests were sent last, to drop back-to-back repeats.
#[derive(Debug, Default)]
pub(crate) struct LastRequests {
    pub(crate) get_blocks: LastRequest,
    pub(crate) get_headers: LastRequest,
}

/// At most `max` of `items`: all of them in order when they fit, else a uniformly random choice of
/// distinct positions.
fn sample<T: Clone>(items: &[T], max: usize) -> Vec<T> {
    if items.len() <= max {
        return items.to_vec();
    }
    items.sample(&mut rand::rng(), max).cloned().collect()
}

impl<D: Dialect> Peer<D> {
    /// Announces addresses: at most [`MAX_ADDR_PER_PUSH`], chosen at random without repeats when there are
    /// more. Sent as `addrv2` when the remote takes it (legacy encodings `addrv2` forbids, such as OnionCat,
    /// are left out). Returns what was sent; nothing is sent when nothing is left to send.
    pub fn push_addr(&self, addrs: &[TimedNetAddress]) -> Option<Pushed<TimedNetAddress>> {
        let v2 = D::addr_v2_in_force(&self.features(), self.protocol_version());
        let items = if v2 {
            let sendable: Vec<_> = addrs.iter().filter(|a| D::to_addr_v2(a).is_some()).cloned().collect();
            sample(&sendable, MAX_ADDR_PER_PUSH)
        } else {
            sample(addrs, MAX_ADDR_PER_PUSH)
        };
        if items.is_empty() {
            return None;
        }
        let msg = if v2 {
            D::addr_v2(items.iter().filter_map(D::to_addr_v2).collect())
        } else {
            D::addr(items.clone())
        };
        Some(Pushed {
            items,
            handle: self.queue_message(msg),
        })
    }

    /// Announces `addrv2` entries (any address type the dialect knows, e.g. Tor v3), under the same rules as
    /// [`push_addr`](Self::push_addr). Fails when the remote does not take `addrv2`.
    pub fn push_addr_v2(&self, entries: &[D::AddrV2Entry]) -> Result<Option<Pushed<D::AddrV2Entry>>, PushError> {
        if !D::addr_v2_in_force(&self.features(), self.protocol_version()) {
            return Err(PushError::AddrV2NotInForce);
        }
        if entries.is_empty() {
            return Ok(None);
        }
        let items = sample(entries, MAX_ADDR_PER_PUSH);
        let handle = self.queue_message(D::addr_v2(items.clone()));
        Ok(Some(Pushed { items, handle }))
    }

    /// Asks for headers after the first `locator` hash the remote knows, up to `stop` (zero: as many as it
    /// sends). A request equal to the previous one (same first locator hash and stop) is not sent again:
    /// `Ok(None)`.
    pub fn push_get_headers(&self, locator: Vec<Hash256>, stop: Hash256) -> Result<Option<SendHandle>, PushError> {
        self.push_locator(locator, stop, |last| &mut last.get_headers, D::get_headers)
    }

    /// Asks for an `inv` of blocks after the first `locator` hash the remote knows, up to `stop`; repeats are
    /// dropped as in [`push_get_headers`](Self::push_get_headers).
    pub fn push_get_blocks(&self, locator: Vec<Hash256>, stop: Hash256) -> Result<Option<SendHandle>, PushError> {
        self.push_locator(locator, stop, |last| &mut last.get_blocks, D::get_blocks)
    }

    fn push_locator(
        &self,
        locator: Vec<Hash256>,
        stop: Hash256,
        last: impl FnOnce(&mut LastRequests) -> &mut LastRequest,
        make: fn(BlockLocator) -> D::Message,
    ) -> Result<Option<SendHandle>, PushError> {
        if locator.len() > MAX_LOCATOR_HASHES {
            return Err(PushError::LocatorTooLong {
                len: locator.len(),
                max: MAX_LOCATOR_HASHES,
            });
        }
        let begin = locator.first().copied();
        {
            let mut requests = crate::peer::relock(&self.shared.last_requests);
            let previous = last(&mut requests);
            if begin.is_some() && *previous == Some((begin, stop)) {
                trace!(?begin, %stop, "same request as the previous one: not sent");
                return Ok(None);
            }
            *previous = Some((begin, stop));
        }
        let msg = make(BlockLocator {
            version: self.protocol_version(),
            locator,
            stop,
        });
        Ok(Some(self.queue_message(msg)))
    }
}

impl Peer<Bitcoin> {
    /// Tells the remote we refused one of its messages. Rejects exist from protocol version 70002 to
    /// whatever the remote negotiated; below that nothing is sent and `None` is returned. A `tx` or `block`
    /// reject carries the object's hash (zero, with a warning, if `hash` is `None`).
    ///
    /// Await the handle to wait until the reject is written, e.g. before disconnecting.
    pub fn push_reject(
        &self,
        command: &str,
        code: RejectCode,
        reason: &str,
        hash: Option<Hash256>,
    ) -> Option<SendHandle> {
        if self.protocol_version() < btc::version::REJECT {
            trace!(
                version = self.protocol_version(),
                "no reject below protocol version 70002"
            );
            return None;
        }
        let hash = match command {
            "tx" | "block" => Some(hash.unwrap_or_else(|| {
                warn!("a {command} reject without the {command}'s hash: sending zero");
                Hash256::ZERO
            })),
            _ => None,
        };
        Some(self.queue_message(btc::Message::Reject(btc::Reject {
            message: command.to_string(),
            code,
            reason: reason.to_string(),
            hash,
        })))
    }
}
