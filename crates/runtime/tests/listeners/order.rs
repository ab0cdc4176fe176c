//! Order: listeners run in the order they were added, each finishing before the next starts.

use crate::samples::inventory;
use crate::support::{pair, quiet};
use crate::WAIT;
use coinpeer_runtime::{Bitcoin, BitcoinListener, Outcome, Peer};
use coinpeer_wire::bitcoin as btc;
use coinpeer_wire::messages::{Inventory, VersionMessage};
use coinpeer_wire::Network;
use std::sync::Arc;
use tokio::sync::watch;

/// Records `name:method` into a log shared by several listeners.
struct Named {
    name: &'static str,
    log: Arc<watch::Sender<Vec<String>>>,
}

impl Named {
    fn push(&self, method: &str) {
        self.log.send_modify(|v| v.push(format!("{}:{method}", self.name)));
    }
}

#[coinpeer_runtime::async_trait]
impl BitcoinListener for Named {
    async fn on_version(&self, _peer: &Peer<Bitcoin>, _msg: &VersionMessage) -> Result<(), String> {
        self.push("on_version");
        Ok(())
    }
    async fn on_inv(&self, _peer: &Peer<Bitcoin>, _msg: &Vec<Inventory>) {
        // Yield in the middle: the next listener must still wait for this one to finish.
        tokio::task::yield_now().await;
        self.push("on_inv");
    }
    async fn on_get_addr(&self, _peer: &Peer<Bitcoin>) {
        self.push("on_get_addr");
    }
    async fn on_verack(&self, _peer: &Peer<Bitcoin>) {
        self.push("on_verack");
    }
}

#[tokio::test]
async fn listeners_run_in_the_order_they_were_added() {
    let log = Arc::new(watch::Sender::new(Vec::new()));
    let named = |name| Arc::new(Named { name, log: log.clone() });
    let (a, _b) = pair(
        quiet::<Bitcoin>(Network::BITCOIN_REGTEST).build(),
        quiet::<Bitcoin>(Network::BITCOIN_REGTEST)
            .listener(named("first"))
            .listener(named("second"))
            .build(),
    )
    .await;
    assert_eq!(a.send(btc::Message::Inv(inventory())).await.await, Outcome::Sent);
    assert_eq!(a.send(btc::Message::GetAddr).await.await, Outcome::Sent);
    let mut rx = log.subscribe();
    tokio::time::timeout(WAIT, rx.wait_for(|v| v.len() >= 8))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "first:on_version",
            "second:on_version",
            "first:on_verack",
            "second:on_verack",
            "first:on_inv",
            "second:on_inv",
            "first:on_get_addr",
            "second:on_get_addr"
        ]
    );
}
