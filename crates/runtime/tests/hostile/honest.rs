//! The honest peer's side: ping round trips through its event stream, again and again during an attack.

use crate::harness::WAIT;
use coinpeer_runtime::{Control, Dialect, Outcome, Peer, PeerEvent, PeerEvents};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// Pings and waits for the pong: the round trip, or why there was none.
pub(crate) async fn round_trip<D: Dialect>(peer: &Peer<D>, events: &mut PeerEvents<D>) -> Result<Duration, String> {
    let nonce = coinpeer_runtime::random_nonce();
    let start = Instant::now();
    match peer.send(D::ping(nonce)).await.await {
        Outcome::Sent => {}
        other => return Err(format!("ping not sent: {other:?}")),
    }
    loop {
        match tokio::time::timeout(WAIT, events.recv()).await {
            Err(_) => return Err(format!("no pong in {WAIT:?}")),
            Ok(Some(PeerEvent::Message { msg, .. })) if D::control(&msg) == Control::Pong(nonce) => {
                return Ok(start.elapsed());
            }
            Ok(Some(PeerEvent::Disconnected(reason))) => return Err(format!("disconnected: {reason}")),
            Ok(None) => return Err("the event stream ended".into()),
            Ok(Some(_)) => {}
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct PingLog {
    pub(crate) count: usize,
    pub(crate) worst: Duration,
    /// The round trip after the attack.
    pub(crate) last: Duration,
    pub(crate) failed: Option<String>,
}

/// The honest peer pinging every 10 ms until stopped, and once more after.
pub(crate) struct Pinger {
    stop: Arc<AtomicBool>,
    task: JoinHandle<PingLog>,
}

impl Pinger {
    pub(crate) fn start<D: Dialect>(peer: Peer<D>, mut events: PeerEvents<D>) -> Pinger {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let task = tokio::spawn(async move {
            let mut log = PingLog::default();
            loop {
                let last = flag.load(Ordering::Relaxed);
                match round_trip(&peer, &mut events).await {
                    Ok(rtt) if last => {
                        log.last = rtt;
                        return log;
                    }
                    Ok(rtt) => {
                        log.count += 1;
                        log.worst = log.worst.max(rtt);
                    }
                    Err(e) => {
                        log.failed = Some(e);
                        return log;
                    }
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        });
        Pinger { stop, task }
    }

    pub(crate) async fn stop(self) -> PingLog {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.expect("the pinger")
    }
}
