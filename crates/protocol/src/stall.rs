//! Stall detection: a deadline for every item we asked the remote for.
//!
//! Items are tracked one by one (a `getdata` for three blocks waits for three answers), as dcrd does, with
//! btcd's progress rule on top: an answer of the awaited kind extends the deadlines of the rest of that
//! kind, so a slow but honest peer serving many large blocks is never cut off, while one that stops
//! answering is. Nodes serve each request message (a batch: one `getdata`) in turn and in order (btcd and
//! dcrd list what they lack in one `notfound` at the end of the batch); so an answer counts as progress
//! only if it comes from the batch of the oldest item still outstanding of its kind (an item asked for
//! again keeps its first batch). Under btcd's plain rule a remote could withhold one block forever by
//! serving the ones requested after it; now it gains at most the time it takes to serve that block's own
//! batch. Deadlines run on the active clock (see `Pauses`): time the application held input back is not
//! the remote's fault.

use crate::dialect::{Awaited, Expect};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

/// dcrd's cap on requested items outstanding at once.
pub const DEFAULT_MAX_OUTSTANDING_REQUESTS: usize = 75_000;

/// Stall detection settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct StallConfig {
    /// How long an answer may take (default 30 s), counted from the request or from the latest answer of
    /// the same kind that kept to request order (see the module's notes), whichever is later.
    pub timeout: Duration,
    /// How long a `headers` answer to our `getheaders` may take. `None` (the default) does not track
    /// `getheaders` at all: a remote with nothing new may rightly stay silent (btcd #725).
    pub headers_timeout: Option<Duration>,
    /// The most requested items outstanding at once; more ends the connection (dcrd: 75,000).
    pub max_outstanding: usize,
}

impl Default for StallConfig {
    fn default() -> Self {
        StallConfig {
            timeout: Duration::from_secs(30),
            headers_timeout: None,
            max_outstanding: DEFAULT_MAX_OUTSTANDING_REQUESTS,
        }
    }
}

impl StallConfig {
    /// The defaults, also tracking `getheaders` with btcd's 90 s allowance (for a sync peer).
    pub fn tracking_headers() -> Self {
        StallConfig {
            headers_timeout: Some(Duration::from_secs(90)),
            ..StallConfig::default()
        }
    }
}

/// One awaited item.
#[derive(Debug)]
struct Pending {
    kind: &'static str,
    /// Tells this request from an older one for the same item still listed in its kind's order.
    seq: u64,
    /// The batch (request message) of the first request for it still outstanding: a remote answers that one.
    batch: u64,
}

/// The items of one kind (one reply command), oldest first.
#[derive(Debug, Default)]
struct Kind {
    /// Items in the order they were requested; entries answered since are skipped when they reach the front.
    order: VecDeque<(Instant, u64, Awaited)>,
    /// When an item of this kind was last answered in request order (see [`StallTracker::answered`]).
    progress: Option<Instant>,
    timeout: Duration,
    /// How many items of this kind each batch still has outstanding: the first key is the oldest batch.
    batches: BTreeMap<u64, usize>,
}

impl Kind {
    fn add(&mut self, batch: u64) {
        *self.batches.entry(batch).or_default() += 1;
    }

    fn remove(&mut self, batch: u64) {
        if let Some(n) = self.batches.get_mut(&batch) {
            *n -= 1;
            if *n == 0 {
                self.batches.remove(&batch);
            }
        }
    }
}

/// The deadlines of one connection, on the active clock.
#[derive(Debug)]
pub(crate) struct StallTracker {
    config: StallConfig,
    items: HashMap<Awaited, Pending>,
    kinds: HashMap<&'static str, Kind>,
    next_seq: u64,
    /// The batch requests are being added to.
    batch: u64,
}

impl StallTracker {
    pub(crate) fn new(config: StallConfig) -> Self {
        StallTracker {
            config,
            items: HashMap::new(),
            kinds: HashMap::new(),
            next_seq: 0,
            batch: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Lets go of the room kept by a burst of requests once none is outstanding; returns whether there was
    /// any. (Answered items leave `order` lazily, so it is emptied here too.)
    pub(crate) fn shed(&mut self) -> bool {
        if !self.items.is_empty() || self.items.capacity() == 0 {
            return false;
        }
        self.items = HashMap::new();
        for kind in self.kinds.values_mut() {
            kind.order = VecDeque::new();
        }
        true
    }

    pub(crate) fn max_outstanding(&self) -> usize {
        self.config.max_outstanding
    }

    /// Starts a new batch: the requests of one message written to the remote.
    pub(crate) fn begin_batch(&mut self) {
        self.batch += 1;
    }

    /// Starts (or restarts: a newer request replaces an older one) the wait for an answer.
    pub(crate) fn expect(&mut self, expect: Expect, now: Instant) {
        let (key, kind, timeout) = match expect {
            Expect::Item { hash, reply } => (Awaited::Item(hash), reply, self.config.timeout),
            Expect::Reply(reply) => (Awaited::Reply(reply), reply, self.config.timeout),
            Expect::Headers => match self.config.headers_timeout {
                Some(t) => (Awaited::Reply("headers"), "headers", t),
                None => return,
            },
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        // Asked for again: it keeps the batch of its first request, counted under its (new) kind.
        let batch = match self.items.get(&key).map(|p| (p.kind, p.batch)) {
            Some((older_kind, batch)) => {
                if let Some(k) = self.kinds.get_mut(older_kind) {
                    k.remove(batch);
                }
                batch
            }
            None => self.batch,
        };
        self.items.insert(key, Pending { kind, seq, batch });
        let k = self.kinds.entry(kind).or_default();
        k.add(batch);
        k.timeout = timeout;
        k.order.push_back((now, seq, key));
        if k.order.len() > 2 * self.items.len() + 16 {
            // Answered entries pile up behind one still awaited: keep only the live ones.
            let items = &self.items;
            k.order
                .retain(|(_, seq, key)| items.get(key).is_some_and(|p| p.seq == *seq));
        }
    }

    /// Ends the wait for `awaited` if it was awaited. Its kind made progress unless the oldest request of
    /// that kind still outstanding is from an earlier batch: that batch was served, and the item skipped.
    pub(crate) fn answered(&mut self, awaited: Awaited, now: Instant) {
        let Some(p) = self.items.remove(&awaited) else {
            return;
        };
        let Some(k) = self.kinds.get_mut(p.kind) else {
            return;
        };
        k.remove(p.batch);
        if k.batches.keys().next().map_or(true, |&oldest| p.batch <= oldest) {
            k.progress = Some(now);
        }
    }

    /// The earliest deadline, on the active clock.
    pub(crate) fn next_deadline(&mut self) -> Option<(Instant, &'static str)> {
        let items = &self.items;
        // Ties go to the kind whose oldest request was made first, not to the map's (random) order.
        let mut earliest: Option<(Instant, u64, &'static str)> = None;
        self.kinds.retain(|&name, k| {
            // Drop answered or superseded entries from the front: the front is then the oldest live request.
            while let Some(&(_, seq, key)) = k.order.front() {
                if items.get(&key).is_some_and(|p| p.seq == seq) {
                    break;
                }
                k.order.pop_front();
            }
            let Some(&(sent, seq, _)) = k.order.front() else {
                return false;
            };
            let from = k.progress.map_or(sent, |p| p.max(sent));
            let deadline = crate::clock::later(from, k.timeout);
            if earliest.map_or(true, |(e, eseq, _)| (deadline, seq) < (e, eseq)) {
                earliest = Some((deadline, seq, name));
            }
            true
        });
        earliest.map(|(deadline, _, name)| (deadline, name))
    }

    /// The reply command of a kind whose deadline has passed at `now`, if any.
    pub(crate) fn overdue(&mut self, now: Instant) -> Option<&'static str> {
        self.next_deadline().filter(|&(d, _)| now >= d).map(|(_, kind)| kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coinpeer_wire::Hash256;

    fn block(n: u8) -> Expect {
        Expect::Item {
            hash: Hash256([n; 32]),
            reply: "block",
        }
    }

    fn answer(n: u8) -> Awaited {
        Awaited::Item(Hash256([n; 32]))
    }

    #[test]
    fn a_deadline_passes_at_the_timeout_and_an_answer_ends_it() {
        let t0 = Instant::now();
        let mut s = StallTracker::new(StallConfig::default());
        s.expect(block(1), t0);
        assert_eq!(s.overdue(t0 + Duration::from_secs(29)), None);
        assert_eq!(s.overdue(t0 + Duration::from_secs(30)), Some("block"));
        s.answered(answer(1), t0 + Duration::from_secs(1));
        assert_eq!(s.overdue(t0 + Duration::from_secs(60)), None);
        assert_eq!(s.next_deadline(), None);
    }

    #[test]
    fn each_answer_of_a_kind_extends_the_rest_of_that_kind() {
        let t0 = Instant::now();
        let s_ = |n| t0 + Duration::from_secs(n);
        let mut s = StallTracker::new(StallConfig::default());
        for n in 0..16 {
            s.expect(block(n), t0);
        }
        // A slow but honest peer: one block every 20 s, 320 s for all of them.
        for n in 0..15 {
            let at = s_(20 * (n as u64 + 1));
            assert_eq!(s.overdue(at), None, "block {n}");
            s.answered(answer(n), at);
        }
        assert_eq!(s.next_deadline(), Some((s_(300 + 30), "block")));
        assert_eq!(
            s.overdue(s_(330)),
            Some("block"),
            "silence after the last answer still stalls"
        );
    }

    #[test]
    fn answers_from_later_batches_do_not_extend_an_item_skipped() {
        let t0 = Instant::now();
        let s_ = |n| t0 + Duration::from_secs(n);
        let mut s = StallTracker::new(StallConfig::default());
        // Block 0 in one getdata, blocks 1..3 in later ones: serving those means block 0 was skipped.
        for n in 0..4 {
            s.begin_batch();
            s.expect(block(n), t0);
        }
        for n in 1..4 {
            s.answered(answer(n), s_(10 * n as u64));
        }
        assert_eq!(s.next_deadline(), Some((s_(30), "block")));
        assert_eq!(s.overdue(s_(30)), Some("block"));
    }

    #[test]
    fn answers_from_the_same_batch_extend_an_item_its_notfound_will_list() {
        let t0 = Instant::now();
        let s_ = |n| t0 + Duration::from_secs(n);
        let mut s = StallTracker::new(StallConfig::default());
        // One getdata of 16 blocks; the remote lacks block 0 and says so in a notfound once the batch is
        // served, as btcd and dcrd do.
        s.begin_batch();
        for n in 0..16 {
            s.expect(block(n), t0);
        }
        for n in 1..16 {
            let at = s_(3 * n as u64);
            assert_eq!(s.overdue(at), None, "block {n}");
            s.answered(answer(n), at);
        }
        assert_eq!(s.next_deadline(), Some((s_(45 + 30), "block")));
        s.answered(answer(0), s_(46));
        assert_eq!(s.next_deadline(), None);
    }

    #[test]
    fn an_item_asked_for_again_is_answered_in_the_batch_it_was_first_asked_in() {
        let t0 = Instant::now();
        let s_ = |n| t0 + Duration::from_secs(n);
        let mut s = StallTracker::new(StallConfig::default());
        s.begin_batch();
        s.expect(block(0), t0);
        s.expect(block(1), t0);
        s.begin_batch();
        s.expect(block(0), s_(1));
        // Served in order, 25 s a block: block 0 answers the first getdata and extends block 1.
        s.answered(answer(0), s_(25));
        assert_eq!(s.next_deadline(), Some((s_(55), "block")));
        s.answered(answer(1), s_(50));
        assert_eq!(s.next_deadline(), None);
    }

    #[test]
    fn progress_of_one_kind_does_not_extend_another() {
        let t0 = Instant::now();
        let mut s = StallTracker::new(StallConfig::default());
        s.expect(block(1), t0);
        s.expect(
            Expect::Item {
                hash: Hash256([9; 32]),
                reply: "tx",
            },
            t0,
        );
        s.expect(block(2), t0);
        s.answered(answer(1), t0 + Duration::from_secs(20));
        assert_eq!(s.overdue(t0 + Duration::from_secs(30)), Some("tx"));
    }

    #[test]
    fn headers_are_tracked_only_when_configured() {
        let t0 = Instant::now();
        let mut s = StallTracker::new(StallConfig::default());
        s.expect(Expect::Headers, t0);
        assert_eq!(s.len(), 0);
        let mut s = StallTracker::new(StallConfig::tracking_headers());
        s.expect(Expect::Headers, t0);
        assert_eq!(s.overdue(t0 + Duration::from_secs(89)), None);
        assert_eq!(s.overdue(t0 + Duration::from_secs(90)), Some("headers"));
    }

    #[test]
    fn a_newer_request_restarts_the_deadline() {
        let t0 = Instant::now();
        let mut s = StallTracker::new(StallConfig::default());
        s.expect(Expect::Reply("initstate"), t0);
        s.expect(Expect::Reply("initstate"), t0 + Duration::from_secs(20));
        assert_eq!(s.len(), 1);
        assert_eq!(s.overdue(t0 + Duration::from_secs(40)), None);
        assert_eq!(s.overdue(t0 + Duration::from_secs(50)), Some("initstate"));
    }
}
