//! A pending set (Linux's `struct sigpending`): a bitmask and the queued
//! instances with their siginfo. A standard signal is pending at most once
//! (later ones coalesce into it); real-time signals queue, each instance
//! with its own data, in order.

use super::{SIGRTMIN, SigInfo, bit};
use crate::timers::TimerShared;
use alloc::collections::VecDeque;
use alloc::sync::Arc;

pub(super) struct Queued {
    pub info: SigInfo,
    /// The POSIX timer that sent it: its overrun count is read into the
    /// siginfo at delivery (timer_getoverrun(2)).
    pub timer: Option<Arc<TimerShared>>,
}

#[derive(Default)]
pub(super) struct Pending {
    set: u64,
    queue: VecDeque<Queued>,
}

impl Pending {
    pub fn set(&self) -> u64 {
        self.set
    }

    /// Real-time instances queued here.
    pub fn queued_rt(&self) -> usize {
        self.queue
            .iter()
            .filter(|q| q.info.sig() >= SIGRTMIN)
            .count()
    }

    /// Adds an instance. A standard signal already pending is dropped
    /// (false); a real-time one always queues.
    pub fn add(&mut self, q: Queued) -> bool {
        let sig = q.info.sig();
        if sig < SIGRTMIN && self.set & bit(sig) != 0 {
            return false;
        }
        self.set |= bit(sig);
        self.queue.push_back(q);
        true
    }

    /// Marks `sig` pending without an instance (a real-time signal sent by
    /// kill(2) when the queue is full: Linux still delivers it, with
    /// less information).
    pub fn add_bare(&mut self, info: SigInfo) {
        self.set |= bit(info.sig());
        self.queue.push_back(Queued { info, timer: None });
    }

    /// Takes the oldest instance of `sig`, and whether it was real-time.
    pub fn take(&mut self, sig: usize) -> Option<(SigInfo, bool)> {
        let at = self.queue.iter().position(|q| q.info.sig() == sig);
        let q = at.and_then(|i| self.queue.remove(i));
        if !self.queue.iter().any(|q| q.info.sig() == sig) {
            self.set &= !bit(sig);
        }
        let q = q?;
        let mut info = q.info;
        if let Some(t) = q.timer {
            info.set_overrun(t.delivered());
        }
        Some((info, sig >= SIGRTMIN))
    }

    /// Drops every instance of the signals in `set`; how many real-time
    /// instances went.
    pub fn discard(&mut self, set: u64) -> usize {
        let before = self.queued_rt();
        self.queue.retain(|q| {
            let keep = set & bit(q.info.sig()) == 0;
            if let (false, Some(t)) = (keep, &q.timer) {
                t.delivered();
            }
            keep
        });
        self.set &= !set;
        before - self.queued_rt()
    }
}
