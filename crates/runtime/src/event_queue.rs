//! The queue between a peer's task and its event stream.
//!
//! Hand-written rather than a `tokio::sync::mpsc` channel: the task hands over a whole turn's events under one
//! short lock and wakes the reader once, with no reservation future per event; and the bound is applied
//! where it belongs, to reading from the socket (the task stops reading while the queue is full), so that
//! events already decoded are never refused and never need a queue of their own on the task's side.

use crate::stream::PeerEvent;
use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

pub(crate) struct EventQueue<M> {
    /// Events, and bytes of received frames, at which the task stops reading until the reader catches up.
    capacity: usize,
    max_bytes: usize,
    state: Mutex<State<M>>,
}

struct State<M> {
    events: VecDeque<PeerEvent<M>>,
    /// Wire bytes of the messages queued.
    bytes: usize,
    /// The stream, waiting for an event.
    reader: Option<Waker>,
    /// The task, waiting for room.
    task: Option<Waker>,
    /// The stream was dropped: events are no longer kept.
    reader_gone: bool,
    /// The task ended: no event will come after those queued.
    finished: bool,
}

impl<M> EventQueue<M> {
    pub(crate) fn new(capacity: usize, max_bytes: usize) -> Self {
        EventQueue {
            capacity: capacity.max(1),
            max_bytes,
            state: Mutex::new(State {
                events: VecDeque::new(),
                bytes: 0,
                reader: None,
                task: None,
                reader_gone: false,
                finished: false,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<M>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The task: moves `events` to the queue (or drops them if nobody will read them); returns whether any
    /// were handed over.
    pub(crate) fn hand_over(&self, events: &mut VecDeque<PeerEvent<M>>) -> bool {
        if events.is_empty() {
            return false;
        }
        let reader = {
            let mut s = self.lock();
            if s.reader_gone {
                events.clear();
                return false;
            }
            s.bytes += events.iter().map(wire_len).sum::<usize>();
            s.events.append(events);
            s.reader.take()
        };
        if let Some(w) = reader {
            w.wake();
        }
        true
    }

    /// The task: whether the queue is full, in which case the task is woken once the reader makes room.
    pub(crate) fn is_full(&self, cx: &Context<'_>) -> bool {
        let mut s = self.lock();
        let full = !s.reader_gone && (s.events.len() >= self.capacity || s.bytes >= self.max_bytes);
        if full && !s.task.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            s.task = Some(cx.waker().clone());
        }
        full
    }

    /// The task ended: the reader hears the end once it has taken what is queued.
    pub(crate) fn finish(&self) {
        let reader = {
            let mut s = self.lock();
            s.finished = true;
            s.reader.take()
        };
        if let Some(w) = reader {
            w.wake();
        }
    }

    /// The stream: the next event, `Ready(None)` once the task has ended and nothing is left.
    pub(crate) fn poll_next(&self, cx: &Context<'_>) -> Poll<Option<PeerEvent<M>>> {
        let (event, task) = {
            let mut s = self.lock();
            match s.events.pop_front() {
                Some(event) => {
                    s.bytes -= wire_len(&event);
                    // The task waits only while the queue is full: wake it once there is room again.
                    let room = s.events.len() < self.capacity && s.bytes < self.max_bytes;
                    let task = if room { s.task.take() } else { None };
                    (event, task)
                }
                None if s.finished => return Poll::Ready(None),
                None => {
                    if !s.reader.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                        s.reader = Some(cx.waker().clone());
                    }
                    return Poll::Pending;
                }
            }
        };
        if let Some(w) = task {
            w.wake();
        }
        Poll::Ready(Some(event))
    }

    /// The stream was dropped: what is queued goes, and so does anything the task hands over later.
    pub(crate) fn close_reader(&self) {
        let (dropped, task) = {
            let mut s = self.lock();
            s.reader_gone = true;
            s.bytes = 0;
            (std::mem::take(&mut s.events), s.task.take())
        };
        // Dropped outside the lock: a message may be large.
        drop(dropped);
        if let Some(w) = task {
            w.wake();
        }
    }
}

/// The wire bytes an event holds.
fn wire_len<M>(event: &PeerEvent<M>) -> usize {
    match event {
        PeerEvent::Message { frame, .. } => frame.wire_len(),
        _ => 0,
    }
}
