//! Unit tests of the chain check and the store, on made-up and real Bitcoin headers.

use super::*;
use coinpeer_wire::bitcoin::BlockHeader;
use coinpeer_wire::Hash256;

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
