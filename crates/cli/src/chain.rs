//! Block headers as the CLI keeps them: a strictly checked chain downloaded from one peer (`connect`), and a
//! lenient store of everything heard from many peers, with the best chain and locator lookups (`listen`).

use coinpeer_wire::Hash256;
use std::collections::HashMap;
use std::fmt;

/// What the CLI needs of a block header, whatever the dialect.
pub(crate) trait ChainHeader: Clone + Send + Sync + 'static {
    /// The block hash.
    fn hash(&self) -> Hash256;
    /// The hash of the previous block.
    fn prev(&self) -> Hash256;
    /// The height the header claims, when headers carry one (Decred).
    fn claimed_height(&self) -> Option<u32>;
}

impl ChainHeader for coinpeer_wire::bitcoin::BlockHeader {
    fn hash(&self) -> Hash256 {
        coinpeer_wire::bitcoin::BlockHeader::hash(self)
    }
    fn prev(&self) -> Hash256 {
        self.prev_block
    }
    fn claimed_height(&self) -> Option<u32> {
        None
    }
}

impl ChainHeader for coinpeer_wire::decred::BlockHeader {
    fn hash(&self) -> Hash256 {
        coinpeer_wire::decred::BlockHeader::hash(self)
    }
    fn prev(&self) -> Hash256 {
        self.prev_block
    }
    fn claimed_height(&self) -> Option<u32> {
        Some(self.height)
    }
}

/// Why downloaded headers were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChainError {
    /// The first header does not build on the network's genesis block.
    WrongGenesis {
        /// The first header's parent.
        parent: Hash256,
        /// The genesis block of the network.
        genesis: Hash256,
    },
    /// A header does not build on the one before it.
    Broken {
        /// The height the header should have.
        height: u32,
        /// Its hash.
        hash: Hash256,
        /// Its parent as it names it.
        parent: Hash256,
        /// The hash of the header before it.
        expected: Hash256,
    },
    /// A header claims a height other than its place in the chain (Decred headers carry their height).
    WrongHeight {
        /// Its hash.
        hash: Hash256,
        /// The height it claims.
        claimed: u32,
        /// Its place in the chain.
        height: u32,
    },
}

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainError::WrongGenesis { parent, genesis } => write!(
                f,
                "the first header builds on {parent}, not on the network's genesis block {genesis}"
            ),
            ChainError::Broken {
                height,
                hash,
                parent,
                expected,
            } => write!(
                f,
                "header {hash} at height {height} builds on {parent}, not on the previous header {expected}"
            ),
            ChainError::WrongHeight { hash, claimed, height } => {
                write!(f, "header {hash} claims height {claimed} but is at height {height}")
            }
        }
    }
}

/// A chain of headers downloaded in order from one peer: every header must build on the one before it, and
/// the first on the genesis block when it is known.
#[derive(Debug, Clone, Default)]
pub(crate) struct HeaderChain {
    /// The parent of the first header: the genesis block (given, or learnt from the first header).
    genesis: Option<Hash256>,
    /// Header hashes by height minus one (the first header is at height 1).
    hashes: Vec<Hash256>,
}

impl HeaderChain {
    /// An empty chain that must start on `genesis` when given.
    pub(crate) fn new(genesis: Option<Hash256>) -> Self {
        HeaderChain {
            genesis,
            hashes: Vec::new(),
        }
    }

    /// Appends a batch, checking that it links up; on error nothing of the batch is kept.
    pub(crate) fn extend<H: ChainHeader>(&mut self, batch: &[H]) -> Result<(), ChainError> {
        let mut added = Vec::with_capacity(batch.len());
        let mut expected = self.tip();
        for header in batch {
            let (hash, parent) = (header.hash(), header.prev());
            let height = (self.hashes.len() + added.len() + 1) as u32;
            match expected {
                Some(expected) if parent != expected => {
                    return Err(if height == 1 {
                        ChainError::WrongGenesis {
                            parent,
                            genesis: expected,
                        }
                    } else {
                        ChainError::Broken {
                            height,
                            hash,
                            parent,
                            expected,
                        }
                    });
                }
                _ => {}
            }
            if let Some(claimed) = header.claimed_height() {
                if claimed != height {
                    return Err(ChainError::WrongHeight { hash, claimed, height });
                }
            }
            added.push(hash);
            expected = Some(hash);
        }
        if self.genesis.is_none() {
            self.genesis = batch.first().map(ChainHeader::prev);
        }
        self.hashes.extend(added);
        Ok(())
    }

    /// The newest header, or the genesis block before any header.
    pub(crate) fn tip(&self) -> Option<Hash256> {
        self.hashes.last().copied().or(self.genesis)
    }

    /// The locator to ask for what follows: the tip alone, or nothing when even the genesis is unknown (the
    /// remote then starts after its own genesis block).
    pub(crate) fn locator(&self) -> Vec<Hash256> {
        self.tip().into_iter().collect()
    }

    /// The height of the newest header (0 before any).
    pub(crate) fn height(&self) -> u32 {
        self.hashes.len() as u32
    }

    /// The genesis block: given, or the first header's parent.
    pub(crate) fn genesis(&self) -> Option<Hash256> {
        self.genesis
    }

    /// Header hashes from height 1 up.
    pub(crate) fn hashes(&self) -> &[Hash256] {
        &self.hashes
    }
}

/// What [`HeaderStore::add`] did with a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Added {
    /// Already stored.
    Known,
    /// Stored at this height (it, and any stored descendants, now chain to the root).
    Connected(u32),
    /// Stored without a height: its parent is unknown so far.
    Orphan,
}

/// A stored header and its height, once it chains to the root.
#[derive(Debug, Clone)]
struct Stored<H> {
    header: H,
    height: Option<u32>,
}

/// Headers heard from any peer, by hash, with heights for those that chain to the root, and the best
/// (longest) chain. Lenient by design: a listener keeps whatever it hears, orphans included, and answers
/// `getheaders` from the best chain.
#[derive(Debug, Clone)]
pub(crate) struct HeaderStore<H> {
    /// Height 0: the genesis block when known, else the parent of the first header stored.
    root: Option<Hash256>,
    headers: HashMap<Hash256, Stored<H>>,
    /// Headers waiting for their parent, by the parent's hash.
    orphans: HashMap<Hash256, Vec<Hash256>>,
    /// The best chain: `best[h]` is the hash at height `h`, `best[0]` the root.
    best: Vec<Hash256>,
}

impl<H: ChainHeader> HeaderStore<H> {
    /// An empty store rooted at `genesis`, when known.
    pub(crate) fn new(genesis: Option<Hash256>) -> Self {
        HeaderStore {
            root: genesis,
            headers: HashMap::new(),
            orphans: HashMap::new(),
            best: genesis.into_iter().collect(),
        }
    }

    /// Stores `header`; a header extending a branch beyond the best chain's height makes that branch best.
    pub(crate) fn add(&mut self, header: H) -> Added {
        let hash = header.hash();
        if self.headers.contains_key(&hash) || self.root == Some(hash) {
            return Added::Known;
        }
        let parent = header.prev();
        if self.root.is_none() {
            // Without a known genesis, heights count from the first header's parent.
            self.root = Some(parent);
            self.best = vec![parent];
        }
        let parent_height = self.height(&parent);
        self.headers.insert(hash, Stored { header, height: None });
        match parent_height {
            Some(h) => {
                self.connect(hash, h + 1);
                Added::Connected(h + 1)
            }
            None => {
                self.orphans.entry(parent).or_default().push(hash);
                Added::Orphan
            }
        }
    }

    /// Gives `hash` its height, and its waiting descendants theirs, moving the best chain as they go.
    fn connect(&mut self, hash: Hash256, height: u32) {
        let mut pending = vec![(hash, height)];
        while let Some((hash, height)) = pending.pop() {
            if let Some(stored) = self.headers.get_mut(&hash) {
                stored.height = Some(height);
            }
            if height as usize >= self.best.len() {
                self.make_best(hash, height);
            }
            for child in self.orphans.remove(&hash).unwrap_or_default() {
                pending.push((child, height + 1));
            }
        }
    }

    /// Makes the chain ending at `tip` the best one, replacing the best chain above the fork.
    fn make_best(&mut self, tip: Hash256, height: u32) {
        let mut branch = Vec::new();
        let (mut hash, mut h) = (tip, height as usize);
        while h > 0 && self.best.get(h) != Some(&hash) {
            branch.push(hash);
            match self.headers.get(&hash) {
                Some(stored) => hash = stored.header.prev(),
                None => break,
            }
            h -= 1;
        }
        self.best.truncate(h + 1);
        self.best.extend(branch.into_iter().rev());
    }

    /// The height of `hash`, if it chains to the root.
    pub(crate) fn height(&self, hash: &Hash256) -> Option<u32> {
        if self.root == Some(*hash) {
            return Some(0);
        }
        self.headers.get(hash)?.height
    }

    /// The header of `hash`, if stored.
    pub(crate) fn header(&self, hash: &Hash256) -> Option<&H> {
        self.headers.get(hash).map(|s| &s.header)
    }

    /// The height of the best chain (0 when only the root, or nothing, is known).
    pub(crate) fn tip_height(&self) -> u32 {
        self.best.len().saturating_sub(1) as u32
    }

    /// Headers stored, orphans included.
    pub(crate) fn len(&self) -> usize {
        self.headers.len()
    }

    /// A locator of the best chain: the ten newest hashes, then exponentially sparser ones back to the root.
    pub(crate) fn locator(&self) -> Vec<Hash256> {
        let mut out = Vec::new();
        let Some(mut h) = self.best.len().checked_sub(1) else {
            return out;
        };
        let mut step = 1;
        loop {
            out.push(self.best[h]);
            if h == 0 {
                return out;
            }
            if out.len() >= 10 {
                step *= 2;
            }
            h = h.saturating_sub(step);
        }
    }

    /// Best-chain hashes after the first locator hash on the best chain (after the root when none is), up to
    /// `max` of them, and up to `stop` included when it is not zero: the answer to `getheaders` and
    /// `getblocks`.
    pub(crate) fn hashes_after(&self, locator: &[Hash256], stop: Hash256, max: usize) -> Vec<Hash256> {
        let start = locator
            .iter()
            .find_map(|hash| {
                let h = self.height(hash)? as usize;
                (self.best.get(h) == Some(hash)).then_some(h + 1)
            })
            .unwrap_or(1);
        let mut out = Vec::new();
        for hash in self.best.iter().skip(start).take(max) {
            out.push(*hash);
            if *hash == stop {
                break;
            }
        }
        out
    }

    /// The headers of [`hashes_after`](Self::hashes_after).
    pub(crate) fn headers_after(&self, locator: &[Hash256], stop: Hash256, max: usize) -> Vec<H> {
        self.hashes_after(locator, stop, max)
            .iter()
            .filter_map(|hash| self.header(hash).cloned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coinpeer_wire::bitcoin::BlockHeader;

    /// A header with a made-up hash: chains are easy to draw with these.
    #[derive(Debug, Clone)]
    struct Fake {
        hash: Hash256,
        prev: Hash256,
        height: Option<u32>,
    }

    impl ChainHeader for Fake {
        fn hash(&self) -> Hash256 {
            self.hash
        }
        fn prev(&self) -> Hash256 {
            self.prev
        }
        fn claimed_height(&self) -> Option<u32> {
            self.height
        }
    }

    fn h(n: u32) -> Hash256 {
        let mut b = [0u8; 32];
        b[..4].copy_from_slice(&n.to_le_bytes());
        b[31] = 0xaa;
        Hash256(b)
    }

    /// Headers `from..=to` of a chain where block `n` is `h(branch * 1000 + n)`, the first on `parent`.
    fn fakes(branch: u32, parent: Hash256, from: u32, to: u32) -> Vec<Fake> {
        let mut prev = parent;
        (from..=to)
            .map(|n| {
                let f = Fake {
                    hash: h(branch * 1000 + n),
                    prev,
                    height: None,
                };
                prev = f.hash;
                f
            })
            .collect()
    }

    /// Real Bitcoin headers on `genesis`: distinct nonces make distinct hashes.
    fn bitcoin_chain(genesis: Hash256, n: u32) -> Vec<BlockHeader> {
        let mut prev = genesis;
        (0..n)
            .map(|i| {
                let header = BlockHeader {
                    version: 4,
                    prev_block: prev,
                    nonce: i,
                    ..BlockHeader::default()
                };
                prev = header.hash();
                header
            })
            .collect()
    }

    #[test]
    fn chain_accepts_linked_batches_from_the_genesis() {
        let genesis = h(0);
        let headers = bitcoin_chain(genesis, 5);
        let mut chain = HeaderChain::new(Some(genesis));
        assert_eq!(chain.locator(), [genesis]);
        chain.extend(&headers[..3]).unwrap();
        assert_eq!(chain.locator(), [headers[2].hash()]);
        chain.extend(&headers[3..]).unwrap();
        chain.extend::<BlockHeader>(&[]).unwrap();
        assert_eq!(chain.height(), 5);
        assert_eq!(chain.tip(), Some(headers[4].hash()));
        assert_eq!(chain.hashes()[0], headers[0].hash());
    }

    #[test]
    fn chain_refuses_a_first_header_off_the_genesis() {
        let headers = bitcoin_chain(h(7), 2);
        let mut chain = HeaderChain::new(Some(h(0)));
        let err = chain.extend(&headers).unwrap_err();
        assert_eq!(
            err,
            ChainError::WrongGenesis {
                parent: h(7),
                genesis: h(0)
            }
        );
        assert!(err.to_string().contains("genesis"));
        assert_eq!(chain.height(), 0);
    }

    #[test]
    fn chain_refuses_a_gap_and_keeps_nothing_of_the_batch() {
        let headers = bitcoin_chain(h(0), 4);
        let mut chain = HeaderChain::new(Some(h(0)));
        chain.extend(&headers[..1]).unwrap();
        let gapped = [headers[1], headers[3]];
        let err = chain.extend(&gapped).unwrap_err();
        assert!(matches!(err, ChainError::Broken { height: 3, .. }), "{err}");
        assert_eq!(chain.height(), 1);
    }

    #[test]
    fn chain_learns_the_genesis_from_the_first_header_when_unknown() {
        let mut chain = HeaderChain::new(None);
        assert!(chain.locator().is_empty());
        chain.extend(&fakes(0, h(99), 1, 3)).unwrap();
        assert_eq!(chain.genesis(), Some(h(99)));
        assert_eq!(chain.height(), 3);
    }

    #[test]
    fn chain_checks_heights_headers_claim() {
        let mut headers = fakes(0, h(0), 1, 3);
        headers[0].height = Some(1);
        headers[1].height = Some(5);
        let err = HeaderChain::new(Some(h(0))).extend(&headers).unwrap_err();
        assert_eq!(
            err,
            ChainError::WrongHeight {
                hash: h(2),
                claimed: 5,
                height: 2
            }
        );
    }

    #[test]
    fn store_gives_heights_and_answers_locators() {
        let mut store = HeaderStore::new(Some(h(0)));
        for f in fakes(0, h(0), 1, 30) {
            assert!(matches!(store.add(f), Added::Connected(_)));
        }
        assert_eq!(store.add(fakes(0, h(0), 1, 1).remove(0)), Added::Known);
        assert_eq!(store.tip_height(), 30);
        assert_eq!(store.height(&h(12)), Some(12));
        // Ten newest, then doubling steps, then the root.
        let loc = store.locator();
        assert_eq!(&loc[..10], &(21..=30).rev().map(h).collect::<Vec<_>>()[..]);
        assert_eq!(loc.last(), Some(&h(0)));
        assert_eq!(
            store.hashes_after(&[h(27), h(5)], Hash256::ZERO, 2000),
            [h(28), h(29), h(30)]
        );
        assert_eq!(store.hashes_after(&[h(999)], Hash256::ZERO, 3), [h(1), h(2), h(3)]);
        assert_eq!(store.hashes_after(&[], h(2), 2000), [h(1), h(2)]);
        assert_eq!(store.headers_after(&[h(29)], Hash256::ZERO, 2000)[0].hash, h(30));
    }

    #[test]
    fn store_connects_orphans_once_their_parent_arrives() {
        let mut store = HeaderStore::new(Some(h(0)));
        let chain = fakes(0, h(0), 1, 4);
        assert_eq!(store.add(chain[3].clone()), Added::Orphan);
        assert_eq!(store.add(chain[2].clone()), Added::Orphan);
        assert_eq!(store.height(&h(4)), None);
        assert_eq!(store.tip_height(), 0);
        store.add(chain[0].clone());
        store.add(chain[1].clone());
        assert_eq!(store.height(&h(4)), Some(4));
        assert_eq!(store.tip_height(), 4);
        assert_eq!(store.len(), 4);
    }

    #[test]
    fn store_switches_to_a_longer_branch() {
        let mut store = HeaderStore::new(Some(h(0)));
        for f in fakes(0, h(0), 1, 5) {
            store.add(f);
        }
        // A branch forking after height 2 that grows to height 7.
        for f in fakes(1, h(2), 3, 7) {
            store.add(f);
        }
        assert_eq!(store.tip_height(), 7);
        assert_eq!(
            store.hashes_after(&[h(1)], Hash256::ZERO, 2000),
            [h(2), h(1003), h(1004), h(1005), h(1006), h(1007)]
        );
        // The old branch's headers are kept, with their heights, but are not on the best chain.
        assert_eq!(store.height(&h(5)), Some(5));
        assert_eq!(store.hashes_after(&[h(5), h(1)], Hash256::ZERO, 1), [h(2)]);
    }

    #[test]
    fn store_without_genesis_roots_at_the_first_parent() {
        let mut store = HeaderStore::new(None);
        assert!(store.locator().is_empty());
        for f in fakes(0, h(50), 1, 3) {
            store.add(f);
        }
        assert_eq!(store.height(&h(50)), Some(0));
        assert_eq!(store.tip_height(), 3);
        assert_eq!(store.locator(), [h(3), h(2), h(1), h(50)]);
    }
}
