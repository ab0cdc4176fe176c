//! The lenient store `listen` keeps of headers heard from any peer: heights, orphans, the best chain and the
//! lookups that answer `getheaders` and `getblocks`.

use super::ChainHeader;
use coinpeer_wire::Hash256;
use std::collections::HashMap;

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
