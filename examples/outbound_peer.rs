//! An inbound and an outbound Bitcoin peer on 127.0.0.1: the outbound one prints when the remote's version
//! arrives, waits for the verack (the end of the handshake), and disconnects.
//!
//! Run with `cargo run --example outbound_peer`.

use coinpeer::runtime::{async_trait, Bitcoin, BitcoinListener, CancellationToken, Direction, Peer, PeerConfig};
use coinpeer::wire::messages::VersionMessage;
use coinpeer::wire::Network;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// Prints the remote's version and signals when the verack arrives.
struct Printer {
    verack: Arc<Notify>,
}

#[async_trait]
impl BitcoinListener for Printer {
    async fn on_version(&self, peer: &Peer<Bitcoin>, msg: &VersionMessage) -> Result<(), String> {
        println!(
            "outbound: received version {} {} from {}",
            msg.version,
            msg.user_agent,
            peer.addr()
        );
        Ok(())
    }

    async fn on_verack(&self, _peer: &Peer<Bitcoin>) {
        println!("outbound: received verack");
        self.verack.notify_one();
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let network = Network::BITCOIN_SIMNET;

    // The inbound side: accept one connection and run a peer on it.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    // Both peers live in this one process: the inbound one needs a nonce cache of its own, or it would take
    // the outbound one's version for its own (self-connection detection is process-wide by default).
    let inbound_config = PeerConfig::<Bitcoin>::builder(network.clone())
        .user_agent("inbound", "1.0")
        .nonces(coinpeer::cache::NonceCache::default())
        .build();
    let inbound = tokio::spawn(async move {
        let (stream, _) = listener.accept().await?;
        let peer = Peer::from_tcp(inbound_config, stream, Direction::Inbound, CancellationToken::new()).await?;
        println!("inbound: handshake with {} done", peer.user_agent());
        peer.wait_for_disconnect().await;
        println!(
            "inbound: disconnected ({})",
            peer.disconnect_reason().map(|r| r.to_string()).unwrap_or_default()
        );
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    });

    // The outbound side.
    let verack = Arc::new(Notify::new());
    let config = PeerConfig::<Bitcoin>::builder(network)
        .user_agent("outbound", "1.0")
        .listener(Arc::new(Printer { verack: verack.clone() }))
        .build();
    let stream = TcpStream::connect(addr).await?;
    let peer = Peer::from_tcp(config, stream, Direction::Outbound, CancellationToken::new()).await?;
    verack.notified().await;
    println!(
        "outbound: negotiated protocol {}, disconnecting",
        peer.protocol_version()
    );
    peer.disconnect();
    peer.wait_for_disconnect().await;
    inbound.await?.map_err(|e| e.to_string())?;
    Ok(())
}
