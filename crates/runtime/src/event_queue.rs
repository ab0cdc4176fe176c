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
    /// The peer went quiet while events were still queued: their room goes once the reader has taken them.
    shed_when_empty: bool,
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
                shed_when_empty: false,
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
            if s.events.is_empty() && s.events.capacity() <= events.capacity().max(self.capacity) {
                // The reader keeps up: the batch changes hands without a copy of its events, and the task
                // gets the drained queue's room for its next batch. Not when that room is more than the
                // queue's capacity (left by a burst): the task would keep it while the queue grew again.
                std::mem::swap(&mut s.events, events);
            } else {
                s.events.append(events);
            }
            s.shed_when_empty = false;
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
                    if s.events.is_empty() && s.shed_when_empty {
                        s.events = VecDeque::new();
                        s.shed_when_empty = false;
                    }
                    // The task waits only while the queue is full: wake it once there is room again.
                    let room = s.events.len() < self.capacity && s.bytes < self.max_bytes;
                    let task = if room { s.task.take() } else { None };
                    (event, task)
                }
                None if s.finished => {
                    // Nothing more will come: the room of the last burst goes, though the stream be kept.
                    s.events = VecDeque::new();
                    return Poll::Ready(None);
                }
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

    /// Lets go of the queue's room (the task calls it once the peer is quiet): now if it is empty, otherwise
    /// once the reader has emptied it, which the task does not see.
    pub(crate) fn shed(&self) {
        let mut s = self.lock();
        if s.events.is_empty() {
            s.events = VecDeque::new();
        } else {
            s.shed_when_empty = true;
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use coinpeer_protocol::DisconnectReason;
    use coinpeer_wire::{Command, Frame, FrameHeader};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    /// Counts its wake-ups.
    struct Counting(AtomicUsize);

    impl Wake for Counting {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn waker() -> (Arc<Counting>, Waker) {
        let c = Arc::new(Counting(AtomicUsize::new(0)));
        (c.clone(), Waker::from(c))
    }

    fn message(payload_len: usize) -> PeerEvent<u8> {
        let header = FrameHeader {
            magic: 0,
            command: Command::from_static("tx"),
            length: payload_len as u32,
            checksum: [0; 4],
        };
        let frame = Frame {
            header,
            payload: Bytes::from(vec![0; payload_len]),
            offset: 0,
        };
        PeerEvent::Message { msg: 0, frame }
    }

    fn hand_over(q: &EventQueue<u8>, events: impl IntoIterator<Item = PeerEvent<u8>>) {
        let mut batch: VecDeque<_> = events.into_iter().collect();
        q.hand_over(&mut batch);
        assert!(batch.is_empty());
    }

    /// The payload lengths of the events the reader takes, until none is waiting.
    fn drain(q: &EventQueue<u8>) -> Vec<usize> {
        let (_, reader) = waker();
        let cx = Context::from_waker(&reader);
        let mut lens = Vec::new();
        while let Poll::Ready(Some(PeerEvent::Message { frame, .. })) = q.poll_next(&cx) {
            lens.push(frame.payload.len());
        }
        lens
    }

    #[test]
    fn batches_keep_their_order_and_bytes_whether_swapped_in_or_appended() {
        let q = EventQueue::new(8, usize::MAX);
        let mut batch: VecDeque<_> = [message(1), message(2)].into();
        q.hand_over(&mut batch);
        assert!(batch.is_empty(), "handed over whole");
        // The queue is not empty now: appended behind.
        q.hand_over(&mut [message(3)].into());
        assert_eq!(q.lock().bytes, 3 * 24 + 6, "headers and payloads");
        assert_eq!(drain(&q), [1, 2, 3]);
        assert_eq!(q.lock().bytes, 0);
        q.hand_over(&mut [message(4)].into());
        assert_eq!(drain(&q), [4]);
    }

    #[test]
    fn the_task_never_takes_more_room_than_the_queues_capacity_from_it() {
        // Steady state: the drained queue's room (none yet) and the task's batch change places.
        let q = EventQueue::new(4, usize::MAX);
        let mut batch = VecDeque::with_capacity(4);
        batch.push_back(message(1));
        q.hand_over(&mut batch);
        assert_eq!(batch.capacity(), 0, "swapped");
        drain(&q);
        // A burst the reader fell behind on leaves the queue with room for 100 events: that room stays
        // with the queue, and the next batch is copied into it.
        q.hand_over(&mut (0..100).map(|_| message(1)).collect());
        drain(&q);
        let mut batch = VecDeque::with_capacity(4);
        batch.push_back(message(1));
        let room = batch.capacity();
        q.hand_over(&mut batch);
        assert!(
            batch.is_empty() && batch.capacity() == room,
            "appended: {}",
            batch.capacity()
        );
        assert!(q.lock().events.capacity() >= 100);
    }

    #[test]
    fn full_at_its_capacity_and_the_task_is_woken_once_there_is_room() {
        let q = EventQueue::new(2, usize::MAX);
        let (task_wakes, task) = waker();
        let cx = Context::from_waker(&task);
        hand_over(&q, [message(1)]);
        assert!(!q.is_full(&cx));
        hand_over(&q, [message(1), message(1)]);
        assert!(q.is_full(&cx), "3 queued, capacity 2");

        let (_, reader) = waker();
        let rcx = Context::from_waker(&reader);
        assert!(matches!(q.poll_next(&rcx), Poll::Ready(Some(_))));
        assert_eq!(task_wakes.0.load(Ordering::SeqCst), 0, "still full: 2 queued");
        assert!(matches!(q.poll_next(&rcx), Poll::Ready(Some(_))));
        assert_eq!(task_wakes.0.load(Ordering::SeqCst), 1, "room again: the task reads on");
        assert!(!q.is_full(&cx));
    }

    #[test]
    fn full_at_its_byte_bound_whatever_the_count() {
        let q = EventQueue::new(100, 1000);
        let (_, task) = waker();
        let cx = Context::from_waker(&task);
        hand_over(&q, [message(900)]);
        assert!(!q.is_full(&cx), "924 bytes");
        hand_over(&q, [message(100)]);
        assert!(q.is_full(&cx), "1,048 bytes");
        let (_, reader) = waker();
        assert!(matches!(
            q.poll_next(&Context::from_waker(&reader)),
            Poll::Ready(Some(_))
        ));
        assert!(!q.is_full(&cx), "124 bytes left");
    }

    #[test]
    fn the_reader_is_woken_by_events_and_hears_the_end_after_them() {
        let q = EventQueue::new(4, usize::MAX);
        let (reader_wakes, reader) = waker();
        let cx = Context::from_waker(&reader);
        assert!(q.poll_next(&cx).is_pending());
        hand_over(
            &q,
            [message(1), PeerEvent::Disconnected(DisconnectReason::LocalRequest)],
        );
        assert_eq!(reader_wakes.0.load(Ordering::SeqCst), 1);
        q.finish();
        assert!(matches!(q.poll_next(&cx), Poll::Ready(Some(PeerEvent::Message { .. }))));
        assert!(matches!(
            q.poll_next(&cx),
            Poll::Ready(Some(PeerEvent::Disconnected(_)))
        ));
        assert!(matches!(q.poll_next(&cx), Poll::Ready(None)));
    }

    #[test]
    fn once_the_reader_is_gone_nothing_is_kept_and_the_task_never_waits() {
        let q = EventQueue::new(1, usize::MAX);
        let (task_wakes, task) = waker();
        let cx = Context::from_waker(&task);
        hand_over(&q, [message(10), message(10)]);
        assert!(q.is_full(&cx));
        q.close_reader();
        assert_eq!(task_wakes.0.load(Ordering::SeqCst), 1, "a waiting task reads on");
        assert!(!q.is_full(&cx));
        let mut late: VecDeque<_> = [message(10)].into_iter().collect();
        assert!(!q.hand_over(&mut late), "dropped, not queued");
        assert!(late.is_empty());
        assert_eq!(q.lock().events.len(), 0);
        assert_eq!(q.lock().bytes, 0);
    }
}
