//! Listener calls: one job at a time, in order, each under a time budget, on the peer's own task.
//!
//! Without listeners nothing is queued or boxed. A job that panics or overruns its budget ends this peer
//! only; once the peer has closed, queued jobs are dropped and a running one is cancelled.

use crate::catch_unwind::CatchUnwind;
use crate::dialect::Dialect;
use crate::peer::{now, Peer};
use crate::queue::Outcome;
use bytes::Bytes;
use coinpeer_handshake::{Features, HandshakeMessage};
use coinpeer_protocol::{DisconnectReason, ProtocolViolation};
use coinpeer_wire::messages::VersionMessage;
use coinpeer_wire::{DecodeError, Frame};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tracing::error;

/// How long one job (every listener's call for one message) may run before its peer is disconnected.
pub const LISTENER_BUDGET: Duration = Duration::from_secs(30);

/// One thing the listeners should hear.
pub(crate) enum Job<M> {
    /// A received message.
    Read { msg: M, frame: Frame },
    /// A message of ours was written (`bytes` on the wire), or failed.
    Wrote { msg: M, outcome: Outcome, bytes: usize },
    /// The remote's version: the listeners may refuse it.
    Version(Box<VersionMessage>),
    /// A handshake message the listeners hear once the peer runs (verack, feature announcements).
    Announce(M),
    /// Bytes that did not decode, just before the disconnect.
    ReadError(DecodeError),
}

/// What a finished job asks for.
enum Verdict {
    Done,
    Refuse(String),
}

type JobFuture = Pin<Box<dyn Future<Output = Result<Verdict, String>> + Send>>;

/// The job running: its future, when it started, whether it is a version decision, its message's bytes.
type Running = (JobFuture, Instant, bool, usize);

pub(crate) struct Hooks<D: Dialect> {
    peer: Peer<D>,
    queue: VecDeque<Job<D::Message>>,
    running: Option<Running>,
    /// A job cancelled by the disconnect, dropped at the next poll: it holds application code, whose drop
    /// may call the peer, so it must not be dropped where the peer's lock is held.
    cancelled: Option<JobFuture>,
    /// Bytes of the received messages queued or running.
    bytes: usize,
    enabled: bool,
}

impl<D: Dialect> Hooks<D> {
    pub(crate) fn new(peer: Peer<D>) -> Self {
        let enabled = !peer.shared.listeners.is_empty();
        Hooks {
            peer,
            queue: VecDeque::new(),
            running: None,
            cancelled: None,
            bytes: 0,
            enabled,
        }
    }

    pub(crate) fn push(&mut self, job: Job<D::Message>, now: Instant) {
        if !self.enabled {
            return;
        }
        self.bytes += job_bytes(&job);
        if self.running.is_none() && self.queue.is_empty() {
            // Started at once: a message is large, and each queue it passes through is a copy.
            self.running = Some(self.begin(job, now));
        } else {
            self.queue.push_back(job);
        }
    }

    /// The handshake's own messages, heard first once the peer runs (as btcd's listeners hear them).
    pub(crate) fn push_announcements(&mut self, features: Features) {
        let announced = [
            D::Message::send_addrv2().filter(|_| features.remote_wants_addrv2),
            D::Message::wtxid_relay().filter(|_| features.wtxid_relay),
            Some(D::Message::verack()),
        ];
        // Ahead of anything read since: the replayed messages follow the Connected event.
        for msg in announced.into_iter().flatten().rev() {
            if self.enabled {
                self.queue.push_front(Job::Announce(msg));
            }
        }
    }

    /// The peer closed: what is queued is dropped, except the read hooks' view of a decode error.
    pub(crate) fn disconnected(&mut self, reason: &DisconnectReason) {
        self.queue.clear();
        self.cancelled = self.running.take().map(|(fut, ..)| fut);
        self.bytes = 0;
        if let DisconnectReason::Protocol(ProtocolViolation::Malformed(e)) = reason {
            self.push(Job::ReadError(e.clone()), now());
        }
    }

    /// Lets go of the queue's room if it is empty.
    pub(crate) fn shed(&mut self) {
        if self.queue.is_empty() && self.queue.capacity() > 0 {
            self.queue = VecDeque::new();
        }
    }

    pub(crate) fn backlog(&self) -> usize {
        self.queue.len() + usize::from(self.running.is_some())
    }

    pub(crate) fn backlog_bytes(&self) -> usize {
        self.bytes
    }

    pub(crate) fn is_enabled(&self) -> bool {
        self.enabled
    }

    pub(crate) fn is_idle(&self) -> bool {
        self.queue.is_empty() && self.running.is_none()
    }

    /// When the running job overruns its budget.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.running.as_ref().map(|(_, started, ..)| *started + LISTENER_BUDGET)
    }

    /// Runs jobs until one is pending; returns whether any progress was made.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>, closed: bool, now: Instant) -> bool {
        let mut progress = self.cancelled.take().is_some();
        loop {
            if self.running.is_none() {
                let Some(job) = self.queue.pop_front() else {
                    return progress;
                };
                self.running = Some(self.begin(job, now));
            }
            let (fut, started, is_version, bytes) = self.running.as_mut().expect("a job runs");
            let (started, is_version, bytes) = (*started, *is_version, *bytes);
            match fut.as_mut().poll(cx) {
                Poll::Pending if now >= started + LISTENER_BUDGET => {
                    error!("a listener ran over its {LISTENER_BUDGET:?} budget");
                    self.running = None;
                    self.fail(DisconnectReason::ListenerTimeout);
                    return true;
                }
                Poll::Pending => return progress,
                Poll::Ready(result) => {
                    self.running = None;
                    self.bytes = self.bytes.saturating_sub(bytes);
                    progress = true;
                    match result {
                        Err(panic) => {
                            error!("listener panicked: {panic}");
                            self.fail(DisconnectReason::ListenerPanic(panic));
                        }
                        Ok(Verdict::Refuse(reason)) if !closed => self.decide(Some(&reason)),
                        Ok(Verdict::Done) if is_version && !closed => self.decide(None),
                        Ok(_) => {}
                    }
                }
            }
        }
    }

    fn decide(&mut self, refusal: Option<&str>) {
        let mut core = self.peer.core();
        match refusal {
            Some(reason) => core.conn.refuse_version(reason, now()),
            None => core.conn.accept_version(now()),
        }
        core.wake();
    }

    fn fail(&mut self, reason: DisconnectReason) {
        self.queue.clear();
        self.bytes = 0;
        let mut core = self.peer.core();
        core.conn.close_for(reason, now());
        core.wake();
    }

    fn begin(&self, job: Job<D::Message>, now: Instant) -> Running {
        let is_version = matches!(job, Job::Version(_));
        let bytes = job_bytes(&job);
        (self.start(job), now, is_version, bytes)
    }

    /// The future running every listener's call for `job`, in order, panics caught.
    fn start(&self, job: Job<D::Message>) -> JobFuture {
        let peer = self.peer.internal();
        let fut = async move {
            let listeners = &peer.shared.listeners;
            match &job {
                Job::Read { msg, frame } => {
                    for l in listeners {
                        D::on_read(l, &peer, frame.wire_len(), Some(msg), None).await;
                    }
                    for l in listeners {
                        D::dispatch(l, &peer, msg, &frame.payload).await;
                    }
                }
                Job::Wrote { msg, outcome, bytes } => {
                    let bytes = *bytes;
                    let err = match outcome {
                        Outcome::Sent => None,
                        other => Some(format!("{other:?}")),
                    };
                    for l in listeners {
                        D::on_write(l, &peer, bytes, msg, err.as_deref()).await;
                    }
                }
                Job::Version(v) => {
                    for l in listeners {
                        if let Err(reason) = D::on_version(l, &peer, v).await {
                            return Verdict::Refuse(reason);
                        }
                    }
                }
                Job::Announce(msg) => {
                    for l in listeners {
                        D::dispatch(l, &peer, msg, &Bytes::new()).await;
                    }
                }
                Job::ReadError(e) => {
                    for l in listeners {
                        D::on_read(l, &peer, 0, None, Some(e)).await;
                    }
                }
            }
            Verdict::Done
        };
        Box::pin(CatchUnwind::new(fut))
    }
}

/// The bytes of a received message a job holds (counted against the backlog).
fn job_bytes<M>(job: &Job<M>) -> usize {
    match job {
        Job::Read { frame, .. } => frame.wire_len(),
        _ => 0,
    }
}
