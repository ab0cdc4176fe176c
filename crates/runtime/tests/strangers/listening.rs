//! The listening peer: an accept loop on 127.0.0.1 as `coinpeer listen` runs it.

use coinpeer_runtime::{Bitcoin, CancellationToken, ConnectError, Direction, Peer, PeerConfig};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// What `from_tcp` answered for one accepted connection.
pub(crate) struct Accepted {
    pub(crate) result: Result<Peer<Bitcoin>, ConnectError>,
    /// From the accept to the answer.
    pub(crate) took: Duration,
}

pub(crate) struct Listening {
    pub(crate) addr: SocketAddr,
    accepted: mpsc::UnboundedReceiver<Accepted>,
    cancel: CancellationToken,
}

impl Listening {
    /// The next `n` answers of `from_tcp`, in the order they came.
    pub(crate) async fn next(&mut self, n: usize, within: Duration) -> Vec<Accepted> {
        let mut out = Vec::with_capacity(n);
        let deadline = tokio::time::Instant::now() + within;
        while out.len() < n {
            match tokio::time::timeout_at(deadline, self.accepted.recv()).await {
                Ok(Some(a)) => out.push(a),
                Ok(None) => panic!("the accept loop ended"),
                Err(_) => panic!(
                    "only {} of {n} connections ended their handshake in {within:?}",
                    out.len()
                ),
            }
        }
        out
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Listens on 127.0.0.1 as `coinpeer listen` does: every accepted connection becomes an inbound peer, served
/// by a task of its own until it disconnects; what `from_tcp` answered goes to [`Listening::accepted`].
pub(crate) async fn listen(config: PeerConfig<Bitcoin>) -> Listening {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let cancel = CancellationToken::new();
    let (tx, accepted) = mpsc::unbounded_channel();
    let stop = cancel.clone();
    tokio::spawn(async move {
        let mut tasks = JoinSet::new();
        loop {
            tokio::select! {
                () = stop.cancelled() => break,
                accepted = listener.accept() => {
                    let (stream, _) = accepted.expect("accept");
                    let (config, cancel, tx) = (config.clone(), stop.clone(), tx.clone());
                    tasks.spawn(async move {
                        let start = Instant::now();
                        let result = Peer::from_tcp(config, stream, Direction::Inbound, cancel).await;
                        let peer = result.as_ref().ok().cloned();
                        let _ = tx.send(Accepted { result, took: start.elapsed() });
                        // Served until it leaves, as `coinpeer listen` does (this handle keeps it open).
                        if let Some(peer) = peer {
                            peer.wait_for_disconnect().await;
                        }
                    });
                }
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            }
        }
    });
    Listening { addr, accepted, cancel }
}
