//! The one task that runs a peer: socket readiness, the state machine's next deadline and the handles'
//! requests, in a single poll loop.
//!
//! Each turn takes the state machine's lock briefly: it runs due timers, hands out events (outcomes to
//! their handles, messages to the listeners), writes everything pending in one vectored write, and reads
//! what has arrived, unless the listeners have fallen behind, in which case input pauses (the state machine
//! then credits the remote with the time). Listener calls run in this task too, one at a time and in order,
//! while reading, writing and timers go on; one that panics or overruns its time budget ends this peer only.

use crate::hooks::{Hooks, Job};
use crate::peer::{now, relock, Peer};
use crate::queue::Outcome;
use crate::settings::protocol_config;
use crate::stream::PeerEvent;
use crate::{Dialect, PeerConfig};
use coinpeer_handshake::{ConfigError, Direction};
use coinpeer_protocol::{Connection, DisconnectReason, Event, SendId, Start};
use coinpeer_wire::messages::NetAddress;
use std::collections::VecDeque;
use std::future::Future;
use std::io::IoSlice;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::sync::oneshot;
use tracing::{debug, Instrument};

/// Bytes read from the socket per call.
const READ_CHUNK: usize = 64 * 1024;
/// Slices handed to one vectored write: Linux's `IOV_MAX`, and the connection's window of frames.
const WRITE_SLICES: usize = 1024;
/// Slices tried first, enough for the usual write of a quiet peer.
const FEW_SLICES: usize = 16;
/// Turns of the loop per poll before the task yields to others.
const TURNS_PER_POLL: usize = 4;
/// Listener jobs and undelivered events that may wait before reading pauses, and their bytes: whichever
/// comes first (a remote chooses how large its messages are).
const MAX_BACKLOG: usize = 64;
/// Reading or writing nothing for this long, a peer lets go of the buffers it keeps between messages.
const SHED_AFTER: Duration = Duration::from_millis(250);
pub(crate) const MAX_BACKLOG_BYTES: usize = 8 * 1024 * 1024;

/// The state machine and who waits on it.
pub(crate) struct Core<D: Dialect> {
    pub(crate) conn: Connection<D>,
    /// Handles waiting for an outcome, with the message when write hooks need it, in the order sent: ids
    /// grow and outcomes come nearly in order, so the one reported is almost always at the front.
    waiting: VecDeque<(SendId, Waiting<D::Message>)>,
    /// Wakes the driver after a handle changed something.
    waker: Option<Waker>,
}

struct Waiting<M> {
    done: oneshot::Sender<Outcome>,
    /// Boxed, so that an entry costs the same small size whether or not listeners keep the message.
    msg: Option<Box<M>>,
}

/// What the runtime keeps for each message a handle awaits, besides its frame: the entry awaiting its
/// outcome and the handle's one-shot channel (about 120 bytes with its allocation's bookkeeping). Counted
/// against the queue's caps with the frame.
pub(crate) const HANDLE_OVERHEAD: usize = std::mem::size_of::<(SendId, Waiting<()>)>() + 128;

impl<D: Dialect> Core<D> {
    pub(crate) fn new(
        config: &PeerConfig<D>,
        direction: Direction,
        remote: NetAddress,
        start_height: i32,
    ) -> Result<Self, ConfigError> {
        let unix_time = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let start = Start {
            direction,
            remote,
            now: now(),
            unix_time,
            start_height,
        };
        let conn = Connection::new(protocol_config(config), start, rand::make_rng())?;
        Ok(Core {
            conn,
            waiting: VecDeque::new(),
            waker: None,
        })
    }

    pub(crate) fn await_outcome(&mut self, id: SendId, done: oneshot::Sender<Outcome>, msg: Option<Box<D::Message>>) {
        self.waiting.push_back((id, Waiting { done, msg }));
    }

    fn take_waiting(&mut self, id: SendId) -> Option<Waiting<D::Message>> {
        let at = self.waiting.iter().position(|(waiting, _)| *waiting == id)?;
        self.waiting.remove(at).map(|(_, w)| w)
    }

    /// Wakes the driver, so that what a handle queued is written now.
    pub(crate) fn wake(&mut self) {
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }
}

/// Starts the task of `peer` (an uncounted handle) on `stream`; `opened` hears whether the handshake
/// completed.
pub(crate) fn spawn<D, S>(peer: Peer<D>, stream: S, opened: oneshot::Sender<Result<(), DisconnectReason>>)
where
    D: Dialect,
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    peer.shared.live_tasks.fetch_add(1, Ordering::SeqCst);
    let span = peer.shared.span.clone();
    let task = async move {
        let _finish = Finish(peer.shared.clone());
        let cancelled = Box::pin(peer.shared.closing.clone().cancelled_owned());
        let mut driver = Driver {
            hooks: Hooks::new(peer.internal()),
            unsent: VecDeque::new(),
            peer,
            stream: Box::pin(stream),
            sleep: Box::pin(tokio::time::sleep(Duration::from_secs(86_400))),
            cancelled,
            cancel_seen: false,
            opened: Some(opened),
            unflushed: false,
            last_io: now(),
            shed: false,
        };
        std::future::poll_fn(|cx| driver.poll(cx)).await;
        let _ = tokio::time::timeout(Duration::from_secs(1), driver.stream.shutdown()).await;
        // The stream closes before the waiters hear the peer is finished.
        drop(driver);
    };
    // Entering a disabled span on every poll still costs a little: only instrument when someone listens.
    if span.is_disabled() {
        tokio::spawn(task);
    } else {
        tokio::spawn(task.instrument(span));
    }
}

struct Driver<D: Dialect, S> {
    peer: Peer<D>,
    /// This turn's events for the stream, handed over together.
    unsent: VecDeque<PeerEvent<D::Message>>,
    stream: Pin<Box<S>>,
    hooks: Hooks<D>,
    sleep: Pin<Box<tokio::time::Sleep>>,
    cancelled: Pin<Box<tokio_util::sync::WaitForCancellationFutureOwned>>,
    cancel_seen: bool,
    opened: Option<oneshot::Sender<Result<(), DisconnectReason>>>,
    /// Bytes were written since the stream last flushed.
    unflushed: bool,
    /// When the task last read or wrote, and whether it has let go of its burst buffers since.
    last_io: std::time::Instant,
    shed: bool,
}

impl<D: Dialect, S: AsyncRead + AsyncWrite> Driver<D, S> {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        // Once per poll, not per turn: reading the clock and the token each cost a measurable share of a
        // round trip. A cancellation during the turns wakes the task, so the next poll sees it.
        let now = now();
        if !self.cancel_seen && self.cancelled.as_mut().poll(cx).is_ready() {
            self.cancel_seen = true;
            self.peer.core().conn.close(now);
        }
        for _ in 0..TURNS_PER_POLL {
            let mut progress = false;
            let shared = self.peer.shared.clone();
            let mut core = relock(&shared.core);
            if !core.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                core.waker = Some(cx.waker().clone());
            }
            if core.conn.poll_timeout().is_some_and(|d| d <= now) {
                core.conn.handle_timeout(now);
            }
            if !self.shed && now >= self.last_io + SHED_AFTER {
                self.shed_idle_memory(&mut core);
            }
            let mut io = self.write(cx, &mut core, now);
            let listeners_behind =
                self.hooks.backlog() >= MAX_BACKLOG || self.hooks.backlog_bytes() >= MAX_BACKLOG_BYTES;
            let stream_behind = shared.events.as_ref().is_some_and(|q| q.is_full(cx));
            if !listeners_behind && !stream_behind {
                core.conn.resume_input(now);
                io |= self.read(cx, &mut core, now);
            } else {
                core.conn.pause_input(now);
            }
            self.take_events(&mut core, now);
            // Reading may have queued answers (pongs): write them in this turn.
            io |= self.write(cx, &mut core, now);
            if io {
                (self.last_io, self.shed) = (now, false);
            }
            progress |= io;
            self.take_events(&mut core, now);
            let closed = core.conn.is_closed();
            let room = closed || (core.conn.queued_memory() as u64) < shared.send_buffer;
            if room && shared.room_waiters.load(Ordering::SeqCst) > 0 {
                shared.room.notify_waiters();
            }
            let shed_at = (!self.shed).then_some(self.last_io + SHED_AFTER);
            let deadline = core
                .conn
                .poll_timeout()
                .into_iter()
                .chain(self.hooks.deadline())
                .chain(shed_at)
                .min();
            drop(core);
            if let Some(d) = deadline {
                let d = tokio::time::Instant::from_std(d);
                // A deadline that moved later (the idle timer restarts with every message) waits for the
                // armed one to fire first: an early wake-up now and then costs less than a timer reset per
                // message.
                if d < self.sleep.deadline() || (d != self.sleep.deadline() && self.sleep.is_elapsed()) {
                    self.sleep.as_mut().reset(d);
                }
                progress |= self.sleep.as_mut().poll(cx).is_ready();
            }
            progress |= self.hooks.poll(cx, closed, now);
            if self.shed {
                // Quiet, but the listeners were still at work when the buffers went: their queue goes as it
                // empties, which no read or write will follow to arm the shed again.
                self.hooks.shed();
            }
            progress |= self.deliver();
            if closed && self.hooks.is_idle() {
                return Poll::Ready(());
            }
            if !progress {
                return Poll::Pending;
            }
        }
        // Still busy: give other peers their turn (a flooding remote must not starve the rest), and come back.
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Writes what is pending in as few calls as the socket allows; returns whether anything was written.
    fn write(&mut self, cx: &mut Context<'_>, core: &mut Core<D>, now: std::time::Instant) -> bool {
        let mut wrote = false;
        while core.conn.wants_to_transmit() && !core.conn.is_closed() {
            // A few slices first (a ping, an answer): the full array is 16 KiB to set up for each write.
            let few = {
                let mut slices = [IoSlice::new(&[]); FEW_SLICES];
                let n = core.conn.transmit_slices(now, &mut slices);
                (n < FEW_SLICES).then(|| self.stream.as_mut().poll_write_vectored(cx, &slices[..n]))
            };
            let result = few.unwrap_or_else(|| {
                let mut slices = [IoSlice::new(&[]); WRITE_SLICES];
                let n = core.conn.transmit_slices(now, &mut slices);
                self.stream.as_mut().poll_write_vectored(cx, &slices[..n])
            });
            match result {
                Poll::Ready(Ok(0)) => core.conn.handle_io_error(std::io::ErrorKind::WriteZero, now),
                Poll::Ready(Ok(n)) => {
                    core.conn.transmitted(n, now);
                    wrote = true;
                }
                Poll::Ready(Err(e)) => core.conn.handle_io_error(e.kind(), now),
                Poll::Pending => break,
            }
        }
        self.unflushed |= wrote;
        if self.unflushed {
            // A no-op on TCP; streams that buffer (TLS, proxies) get their bytes out now, or at a later turn.
            match self.stream.as_mut().poll_flush(cx) {
                Poll::Ready(Ok(())) => self.unflushed = false,
                Poll::Ready(Err(e)) => core.conn.handle_io_error(e.kind(), now),
                Poll::Pending => {}
            }
        }
        wrote
    }

    /// Reads what has arrived into the state machine; returns whether anything was read.
    fn read(&mut self, cx: &mut Context<'_>, core: &mut Core<D>, now: std::time::Instant) -> bool {
        if core.conn.disconnect_reason().is_some() {
            return false;
        }
        if core.conn.is_open() && core.conn.buffered_input() > 0 {
            // A frame is arriving: read straight into the state machine's buffer, which its payload will
            // share, rather than copy it there from ours.
            let buf = core.conn.input_buffer();
            buf.reserve(READ_CHUNK);
            match tokio_util::io::poll_read_buf(self.stream.as_mut(), cx, buf) {
                Poll::Ready(Ok(0)) => core.conn.handle_eof(now),
                Poll::Ready(Ok(n)) => core.conn.handle_buffered(n, now),
                Poll::Ready(Err(e)) => core.conn.handle_io_error(e.kind(), now),
                Poll::Pending => return false,
            }
            return true;
        }
        // Between frames: a buffer on the stack, so that an idle peer holds none of its own.
        let mut buf = [MaybeUninit::<u8>::uninit(); READ_CHUNK];
        let mut rb = ReadBuf::uninit(&mut buf);
        match self.stream.as_mut().poll_read(cx, &mut rb) {
            Poll::Ready(Ok(())) if rb.filled().is_empty() => core.conn.handle_eof(now),
            Poll::Ready(Ok(())) => core.conn.handle_input(rb.filled(), now),
            Poll::Ready(Err(e)) => core.conn.handle_io_error(e.kind(), now),
            Poll::Pending => return false,
        }
        true
    }

    /// Hands out what the state machine reported.
    fn take_events(&mut self, core: &mut Core<D>, now: std::time::Instant) {
        while let Some(event) = core.conn.poll_event() {
            match event {
                Event::Outcome { id, outcome, bytes } => {
                    if let Some(w) = core.take_waiting(id) {
                        if let Some(msg) = w.msg {
                            self.hooks.push(
                                Job::Wrote {
                                    msg: *msg,
                                    outcome: outcome.clone(),
                                    bytes,
                                },
                                now,
                            );
                        }
                        let _ = w.done.send(outcome);
                    }
                }
                Event::Message { msg, frame } => {
                    if self.peer.shared.events.is_none() {
                        self.hooks.push(Job::Read { msg, frame }, now);
                        continue;
                    }
                    if self.hooks.is_enabled() {
                        let job = Job::Read {
                            msg: msg.clone(),
                            frame: frame.clone(),
                        };
                        self.hooks.push(job, now);
                    }
                    self.unsent.push_back(PeerEvent::Message { msg, frame });
                }
                Event::Version(v) => self.hooks.push(Job::Version(v), now),
                Event::Connected(session) => {
                    debug!(version = session.version, agent = %session.remote.user_agent, "handshake complete");
                    self.peer
                        .shared
                        .last_block
                        .store(session.remote.start_height, Ordering::Relaxed);
                    let features = session.features;
                    let _ = self.peer.shared.session.set(session);
                    self.hooks.push_announcements(features);
                    if let Some(opened) = self.opened.take() {
                        let _ = opened.send(Ok(()));
                    }
                }
                Event::Disconnected(reason) => {
                    debug!("disconnected: {reason}");
                    self.hooks.disconnected(&reason);
                    if let Some(opened) = self.opened.take() {
                        let _ = opened.send(Err(reason));
                    }
                }
                _ => {}
            }
        }
    }

    /// Lets go of the room kept between messages by the connection, the event queue, the listeners' queue
    /// and this task's own batch of events, where it is empty.
    fn shed_idle_memory(&mut self, core: &mut Core<D>) {
        core.conn.shed_idle_memory();
        if core.waiting.is_empty() {
            core.waiting = VecDeque::new();
        }
        if let Some(queue) = &self.peer.shared.events {
            queue.shed();
        }
        self.hooks.shed();
        if self.unsent.is_empty() {
            self.unsent = VecDeque::new();
        }
        self.shed = true;
    }

    /// Hands this turn's events to the stream; returns whether any went.
    fn deliver(&mut self) -> bool {
        match &self.peer.shared.events {
            Some(queue) => queue.hand_over(&mut self.unsent),
            None => false,
        }
    }
}

/// Ends the task's part in the peer, however the task ends (a panic included): handles still waiting hear
/// their message was dropped, and waiters are woken.
struct Finish<D: Dialect>(Arc<crate::peer::Shared<D>>);

impl<D: Dialect> Drop for Finish<D> {
    fn drop(&mut self) {
        let waiting = {
            let mut core = relock(&self.0.core);
            // Normally closed already; not if the task panicked. Closed now, so that nothing queued later
            // waits for a task that is gone.
            if !core.conn.is_closed() {
                core.conn.close(now());
            }
            // A closed peer is as quiet as a peer gets: the handles the application still holds keep its state,
            // not the room of its last burst.
            core.conn.shed_idle_memory();
            std::mem::take(&mut core.waiting)
        };
        for (_, w) in waiting {
            let _ = w.done.send(Outcome::Dropped);
        }
        if let Some(queue) = &self.0.events {
            queue.finish();
        }
        // Counted out before the waiters are woken, so that they see no task running.
        self.0.live_tasks.fetch_sub(1, Ordering::SeqCst);
        self.0.finished.store(true, Ordering::SeqCst);
        self.0.ended.notify_waiters();
        // Callers of `send` waiting for room: there will be none, and the peer is no longer connected.
        self.0.closing.cancel();
        self.0.room.notify_waiters();
    }
}
