//! One peer's side of the load: what a busy node does with one connection.
//!
//! Every tick it announces a batch of new transactions in an `inv` (and every tenth tick it pings). The
//! remote asks for about one item in [`REQUEST_ONE_IN`](crate::txs::REQUEST_ONE_IN) with a `getdata`, as if
//! it had the rest from elsewhere, and gets each as a `tx` (or a `notfound` if the announcement is too old
//! to be served). Both ends of every connection do all of this, so both directions carry announcements,
//! requests and answers.
//!
//! Every message queued keeps its outcome handle until it resolves; what became of each is counted in a
//! [`Tally`] the main task reads. What a node keeps is allocated up front (bar its list of waiting handles
//! in a burst), so that the memory that changes under load is the peers'.

use crate::txs::{transaction, unit, wanted};
use coinpeer_runtime::{Bitcoin, Outcome, Peer, PeerEvent, SendHandle};
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::messages::{InvType, Inventory};
use coinpeer_wire::Hash256;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;
use tokio::sync::watch;

/// A ping (with an outcome handle) every this many ticks, besides the peer's own on its ping interval.
const PING_EVERY: u64 = 10;
/// Announcements a node can still serve: a few ticks' worth, allocated once.
const RECENT: usize = 256;
/// How long handles may take to resolve once the peer's task has ended.
const FINAL_GRACE: Duration = Duration::from_secs(5);

/// Where the soak stands; nodes announce only while loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Load,
    /// No new announcements; requests still get answered.
    Drain,
    /// The main task is disconnecting every peer: dropped messages are expected from now on.
    Disconnect,
}

/// The messages counted, by command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Inv,
    GetData,
    Tx,
    NotFound,
    Ping,
    Pong,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Inv,
        Kind::GetData,
        Kind::Tx,
        Kind::NotFound,
        Kind::Ping,
        Kind::Pong,
    ];

    pub fn command(self) -> &'static str {
        ["inv", "getdata", "tx", "notfound", "ping", "pong"][self as usize]
    }

    fn of(msg: &Message) -> Option<Kind> {
        Some(match msg {
            Message::Inv(_) => Kind::Inv,
            Message::GetData(_) => Kind::GetData,
            Message::Tx(_) => Kind::Tx,
            Message::NotFound(_) => Kind::NotFound,
            Message::Ping(_) => Kind::Ping,
            Message::Pong(_) => Kind::Pong,
            _ => return None,
        })
    }
}

type PerKind = [u64; Kind::ALL.len()];

/// What one node did and what became of it.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub queued: PerKind,
    pub sent: PerKind,
    pub failed: PerKind,
    /// Dropped while the peer was meant to be up: the peer ended early, or an outcome went missing.
    pub dropped_early: PerKind,
    /// Dropped once the main task had started disconnecting.
    pub dropped_at_end: PerKind,
    /// Never resolved, even after the peer's task had ended.
    pub lost: PerKind,
    /// Messages the application got from the event stream.
    pub received: PerKind,
    /// Handles not resolved yet.
    pub outstanding: usize,
    pub items_announced: u64,
    pub items_heard: u64,
    pub items_requested: u64,
    pub txs_served: u64,
    pub items_not_found: u64,
    pub txs_received: u64,
    pub not_found_received: u64,
    /// Why the peer disconnected before the main task asked it to.
    pub early_disconnect: Option<String>,
}

/// One node: its peer, what it announced recently, and the handles still waiting.
struct Node {
    peer: Peer<Bitcoin>,
    tally: Arc<Mutex<Tally>>,
    waiting: Vec<(Kind, SendHandle)>,
    recent: Vec<(Hash256, u64)>,
    next_recent: usize,
    next_seed: u64,
    items: usize,
    ticks: u64,
}

/// Runs one node until its peer has disconnected and every handle has resolved (or the grace ran out).
pub async fn run(peer: Peer<Bitcoin>, mut phase: watch::Receiver<Phase>, tally: Arc<Mutex<Tally>>, load: Load) {
    let mut events = peer.events().expect("peers are configured with an event stream");
    // Spread the nodes' ticks over the interval rather than have them fire together.
    let first = tokio::time::Instant::now() + load.interval.mul_f64(unit(load.seed));
    let mut tick = tokio::time::interval_at(first, load.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut node = Node {
        peer,
        tally,
        waiting: Vec::with_capacity(64),
        recent: Vec::with_capacity(RECENT),
        next_recent: 0,
        next_seed: load.seed << 32,
        items: load.items,
        ticks: 0,
    };
    // Read where drops are expected from a clone, as they resolve: the main task moves to `Disconnect`
    // before it disconnects anyone, so a drop seen with `Load` or `Drain` was not asked for.
    let current = phase.clone();
    let mut now = *phase.borrow();
    let mut phase_open = true;
    loop {
        tokio::select! {
            _ = tick.tick(), if now == Phase::Load => node.announce(),
            changed = phase.changed(), if phase_open => match changed {
                Ok(()) => now = *phase.borrow(),
                Err(_) => phase_open = false,
            },
            event = events.recv() => match event {
                Some(PeerEvent::Message { msg, .. }) => node.on_message(msg),
                Some(PeerEvent::Disconnected(reason)) if !disconnecting(&current) => {
                    node.tally().early_disconnect = Some(reason.to_string());
                }
                Some(_) => {}
                None => break,
            },
            () = resolve(&mut node.waiting, &node.tally, &current) => {}
        }
    }
    // The peer's task has ended: whatever still waits must resolve at once (as dropped).
    let all = async {
        while !node.waiting.is_empty() {
            resolve(&mut node.waiting, &node.tally, &current).await;
        }
    };
    let _ = tokio::time::timeout(FINAL_GRACE, all).await;
    let mut tally = node.tally.lock().unwrap_or_else(|p| p.into_inner());
    for (kind, _) in node.waiting.drain(..) {
        tally.lost[kind as usize] += 1;
    }
    tally.outstanding = 0;
}

/// The load one node puts on its connection.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub interval: Duration,
    /// Items announced per tick.
    pub items: usize,
    /// Makes this node's transactions and timing its own.
    pub seed: u64,
}

impl Node {
    fn tally(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn queue(&mut self, kind: Kind, msg: Message) {
        let handle = self.peer.queue_message(msg);
        self.track(kind, handle);
    }

    fn track(&mut self, kind: Kind, handle: SendHandle) {
        self.waiting.push((kind, handle));
        let mut tally = self.tally();
        tally.queued[kind as usize] += 1;
        tally.outstanding = self.waiting.len();
    }

    fn announce(&mut self) {
        let mut items = Vec::with_capacity(self.items);
        for _ in 0..self.items {
            let seed = self.next_seed;
            self.next_seed += 1;
            let txid = transaction(seed).txid();
            if self.recent.len() < RECENT {
                self.recent.push((txid, seed));
            } else {
                self.recent[self.next_recent] = (txid, seed);
            }
            self.next_recent = (self.next_recent + 1) % RECENT;
            items.push(Inventory::new(InvType::TX, txid));
        }
        self.tally().items_announced += items.len() as u64;
        self.queue(Kind::Inv, Message::Inv(items));
        self.ticks += 1;
        if self.ticks.is_multiple_of(PING_EVERY) {
            let handle = self.peer.push_ping();
            self.track(Kind::Ping, handle);
        }
    }

    fn on_message(&mut self, msg: Message) {
        if let Some(kind) = Kind::of(&msg) {
            self.tally().received[kind as usize] += 1;
        }
        match msg {
            Message::Inv(items) => {
                let wanted: Vec<Inventory> = items.iter().copied().filter(|i| wanted(&i.hash)).collect();
                let mut tally = self.tally();
                tally.items_heard += items.len() as u64;
                tally.items_requested += wanted.len() as u64;
                drop(tally);
                if !wanted.is_empty() {
                    self.queue(Kind::GetData, Message::GetData(wanted));
                }
            }
            Message::GetData(items) => {
                let mut missing = Vec::new();
                for item in items {
                    match self.recent.iter().find(|(txid, _)| *txid == item.hash) {
                        Some(&(_, seed)) => {
                            self.tally().txs_served += 1;
                            self.queue(Kind::Tx, Message::Tx(transaction(seed)));
                        }
                        None => missing.push(item),
                    }
                }
                if !missing.is_empty() {
                    self.tally().items_not_found += missing.len() as u64;
                    self.queue(Kind::NotFound, Message::NotFound(missing));
                }
            }
            Message::Tx(_) => self.tally().txs_received += 1,
            Message::NotFound(items) => self.tally().not_found_received += items.len() as u64,
            _ => {}
        }
    }
}

/// Waits until at least one handle has resolved and counts what became of every one that has.
fn resolve<'a>(
    waiting: &'a mut Vec<(Kind, SendHandle)>,
    tally: &'a Mutex<Tally>,
    phase: &'a watch::Receiver<Phase>,
) -> impl Future<Output = ()> + 'a {
    poll_fn(move |cx| {
        let mut done = Vec::new();
        waiting.retain_mut(|(kind, handle)| match Pin::new(handle).poll(cx) {
            Poll::Ready(outcome) => {
                done.push((*kind, outcome));
                false
            }
            Poll::Pending => true,
        });
        if done.is_empty() {
            return Poll::Pending;
        }
        let expected_drops = disconnecting(phase);
        let mut tally = tally.lock().unwrap_or_else(|p| p.into_inner());
        for (kind, outcome) in done {
            let counter = match outcome {
                Outcome::Sent => &mut tally.sent,
                Outcome::Dropped if expected_drops => &mut tally.dropped_at_end,
                Outcome::Dropped => &mut tally.dropped_early,
                _ => &mut tally.failed,
            };
            counter[kind as usize] += 1;
        }
        tally.outstanding = waiting.len();
        Poll::Ready(())
    })
}

fn disconnecting(phase: &watch::Receiver<Phase>) -> bool {
    *phase.borrow() == Phase::Disconnect
}
