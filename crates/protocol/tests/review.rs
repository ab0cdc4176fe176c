//! Regression tests from a review of the memory and speed changes (arena, shedding).

mod support;

use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::messages::{InvType, Inventory};
use coinpeer_wire::Hash256;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use support::*;

/// Counts allocations made by the current thread, so that tests running in parallel do not disturb each other.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call goes to the system allocator with the caller's arguments; only a counter is added (a
// const thread-local without a destructor, which never allocates).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

/// An `inv` of `items` transactions: 25 + 36 bytes per item on the wire with its header.
fn inv(items: usize, n: u8) -> Message {
    Message::Inv(vec![Inventory::new(InvType::TX, Hash256([n; 32])); items])
}

/// The encoding buffer starts at 1 KiB and doubles only when less than 256 bytes are left. A 565-byte frame
/// with 459 left outgrew it instead: `BytesMut` reallocated at its first size (1 KiB), leaving 459 again, so the
/// buffer never grew and every frame cost two allocations (406 for 200 frames; 40 now).
#[test]
fn a_burst_of_mid_sized_frames_shares_growing_encoding_buffers() {
    let mut p = Pair::bitcoin().open();
    // Warm up: the queues' own room, the per-command counters.
    p.a.send(inv(15, 0), p.now).unwrap();
    const N: usize = 200;
    // 565 bytes each: more than the room below which a new buffer starts, less than the first buffer.
    let burst: Vec<Message> = (0..N).map(|i| inv(15, i as u8)).collect();
    let before = allocations();
    for msg in &burst {
        p.a.send_ref(msg, None, p.now).unwrap();
    }
    let made = allocations() - before;
    // 200 frames of 565 bytes are 113 KB: about 7 buffers of 16 KiB once the buffer has grown, and the
    // queue's own growth. One allocation (or more) per frame means the buffer never grew.
    assert!(made < N / 2, "{made} allocations for {N} frames");
    p.shuttle();
    assert_eq!(messages(events(&mut p.b)).len(), N + 1);
}

#[test]
fn closing_lets_go_of_a_frame_partly_received() {
    let mut s = Scripted::bitcoin();
    // Most of a 1 MB transaction has arrived when the application closes the connection: input is ignored
    // from then on, so the buffer is not held while the final messages drain.
    let mut tx = btc_tx(0, false);
    tx.outputs[0].script_pubkey = vec![0x6a; 1 << 20].into();
    let frame = s.frame(&coinpeer_wire::bitcoin::Message::Tx(tx));
    s.receive_bytes(&frame[..frame.len() - 1000]);
    assert!(s.c.buffered_input() > 1 << 19, "most of the frame waits in the buffer");
    s.c.close(s.now);
    assert_eq!(s.c.buffered_input(), 0);
    assert_eq!(s.c.input_buffer().capacity(), 0, "its allocation is let go");
    // A transport that goes on reading into the buffer while the final messages drain: nothing is kept.
    s.c.input_buffer().extend_from_slice(&frame[..4096]);
    s.c.handle_buffered(4096, s.now);
    assert_eq!(s.c.buffered_input(), 0);
    assert_eq!(s.c.input_buffer().capacity(), 0);
}
