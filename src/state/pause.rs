//! `CLIENT PAUSE`: the gate every connection checks before it runs a
//! request (one relaxed load while no pause is set), and the queue that
//! serves the held clients one by one, in the order they were held, once
//! the pause ends.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::{oneshot, Notify};

use crate::store::Clock;

#[derive(Debug, Default)]
pub struct PauseGate {
    /// 0: no pause. Otherwise the end (server clock, Unix ms) shifted left
    /// once, with bit 0 set when every command waits (`ALL`), clear when
    /// only writes do (`WRITE`).
    state: AtomicU64,
    /// Woken when a pause is lifted or changed.
    changed: Notify,
    queue: Mutex<Queue>,
}

#[derive(Debug, Default)]
struct Queue {
    /// The held clients, in the order they were held.
    waiting: VecDeque<oneshot::Sender<()>>,
    /// One held client is being served; the others wait for it.
    serving: bool,
}

impl PauseGate {
    /// Whether a pause may be set: the hot-path check, one relaxed load.
    #[inline]
    pub fn active(&self) -> bool {
        self.state.load(Ordering::Relaxed) != 0
    }

    /// `CLIENT PAUSE`: pauses until `end_ms`. A pause already in force is
    /// extended and strengthened, never shortened or weakened, as in Redis.
    pub fn pause(&self, end_ms: u64, all: bool, now_ms: u64) {
        let _ = self.state.fetch_update(Ordering::AcqRel, Ordering::Acquire, |old| {
            let (old_end, old_all) = match old {
                0 => (0, false),
                _ if old >> 1 <= now_ms => (0, false),
                _ => (old >> 1, old & 1 == 1),
            };
            Some(end_ms.max(old_end).max(1) << 1 | u64::from(all || old_all))
        });
        self.changed.notify_waiters();
    }

    /// `CLIENT UNPAUSE`.
    pub fn unpause(&self) {
        self.state.store(0, Ordering::Release);
        self.changed.notify_waiters();
    }

    /// The end of the pause that holds a command (`write`: one that may
    /// write) at `now_ms`, if one does.
    pub fn holds(&self, write: bool, now_ms: u64) -> Option<u64> {
        let state = self.state.load(Ordering::Acquire);
        let (end, all) = (state >> 1, state & 1 == 1);
        if state == 0 || end <= now_ms {
            if state != 0 {
                // Over: back to the one-load fast path.
                let _ = self.state.compare_exchange(state, 0, Ordering::AcqRel, Ordering::Relaxed);
            }
            return None;
        }
        (all || write).then_some(end)
    }

    /// Queues a client that the pause holds, behind those held before it.
    pub fn enqueue(&self) -> Ticket<'_> {
        let (tx, rx) = oneshot::channel();
        self.queue.lock().waiting.push_back(tx);
        Ticket { gate: self, rx: Some(rx) }
    }

    /// Hands the turn to the next held client still connected; none left:
    /// the queue is idle.
    fn pass_turn(&self, queue: &mut Queue) {
        while let Some(next) = queue.waiting.pop_front() {
            if next.send(()).is_ok() {
                return;
            }
        }
        queue.serving = false;
    }
}

/// A held client's place in the queue. Dropped before its turn (the
/// connection closed), it gives its place up.
pub struct Ticket<'a> {
    gate: &'a PauseGate,
    rx: Option<oneshot::Receiver<()>>,
}

impl<'a> Ticket<'a> {
    /// Waits until the pause no longer holds the command (lifted, or over
    /// by the server clock), then for this client's turn.
    pub async fn wait(mut self, clock: &Clock, write: bool) -> Turn<'a> {
        let gate = self.gate;
        loop {
            let changed = gate.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let now = clock.now_ms();
            let Some(end) = gate.holds(write, now) else { break };
            tokio::select! {
                _ = changed => {}
                _ = tokio::time::sleep(Duration::from_millis(end - now)) => {}
            }
        }
        {
            let mut queue = gate.queue.lock();
            if !queue.serving {
                queue.serving = true;
                gate.pass_turn(&mut queue);
            }
        }
        if let Some(rx) = self.rx.as_mut() {
            let _ = rx.await;
        }
        self.rx = None;
        Turn { gate }
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if let Some(mut rx) = self.rx.take() {
            rx.close();
            // The turn arrived just as the connection went away: pass it on.
            if rx.try_recv().is_ok() {
                self.gate.pass_turn(&mut self.gate.queue.lock());
            }
        }
    }
}

/// A held client's turn: it runs its held request, then drops this to
/// let the next held client run.
pub struct Turn<'a> {
    gate: &'a PauseGate,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.gate.pass_turn(&mut self.gate.queue.lock());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_extend_and_end_by_the_clock() {
        let gate = PauseGate::default();
        assert!(!gate.active());
        assert_eq!(gate.holds(true, 1_000), None);
        gate.pause(2_000, false, 1_000);
        assert_eq!(gate.holds(true, 1_000), Some(2_000), "writes wait");
        assert_eq!(gate.holds(false, 1_000), None, "reads go on");
        gate.pause(1_500, true, 1_000);
        assert_eq!(gate.holds(false, 1_000), Some(2_000), "ALL, until the later end");
        assert_eq!(gate.holds(true, 2_000), None, "over by the clock");
        assert!(!gate.active(), "and the fast path is back");
        gate.pause(3_000, true, 2_000);
        gate.pause(2_500, false, 2_000);
        assert_eq!(gate.holds(false, 2_000), Some(3_000), "never weakened");
        gate.unpause();
        assert_eq!(gate.holds(true, 2_000), None);
        gate.pause(3_000, true, 2_000);
        gate.pause(5_000, false, 4_000);
        assert_eq!(gate.holds(false, 4_000), None, "an ended pause is not merged");
    }

    #[test]
    fn held_clients_are_served_in_order() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        runtime.block_on(async {
            let gate = PauseGate::default();
            let clock = Clock::manual(1_000);
            gate.pause(10_000, true, 1_000);
            let order = Mutex::new(Vec::new());
            let (first, gone, third, fourth) =
                (gate.enqueue(), gate.enqueue(), gate.enqueue(), gate.enqueue());
            // The second held client went away.
            drop(gone);
            let lifted = async {
                tokio::task::yield_now().await;
                gate.unpause();
            };
            // Polled last first: the order comes from the queue, not from polling.
            let (order_ref, clock_ref) = (&order, &clock);
            tokio::join!(
                serve(fourth, 3, order_ref, clock_ref),
                serve(third, 2, order_ref, clock_ref),
                serve(first, 0, order_ref, clock_ref),
                lifted
            );
            assert_eq!(*order.lock(), vec![0, 2, 3]);
        });
    }

    async fn serve(ticket: Ticket<'_>, i: usize, order: &Mutex<Vec<usize>>, clock: &Clock) {
        let turn = ticket.wait(clock, false).await;
        order.lock().push(i);
        // Others get to run meanwhile; the turn still holds them.
        tokio::task::yield_now().await;
        drop(turn);
    }
}
