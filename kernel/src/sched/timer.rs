//! Each CPU's timer queue: deadlines (monotonic ns) in order, and what to
//! do at each. The local APIC is armed for the earliest one only (no
//! periodic tick; see `sched::rearm`).

use super::thread::Thread;
use alloc::collections::BTreeMap;
use alloc::sync::Weak;
use alloc::vec::Vec;

pub enum Event {
    /// End a sleep (if the thread still sleeps the sleep `seq` names).
    Wake { thread: Weak<Thread>, seq: u64 },
    /// A timer the Linux personality armed (`Platform::arm_timer`).
    Personality(u64),
}

/// A queued event's key: its deadline and a sequence number.
pub type Key = (u64, u64);

#[derive(Default)]
pub struct TimerQueue {
    events: BTreeMap<Key, Event>,
    seq: u64,
}

impl TimerQueue {
    pub fn insert(&mut self, deadline: u64, event: Event) -> Key {
        self.seq += 1;
        let key = (deadline, self.seq);
        self.events.insert(key, event);
        key
    }

    pub fn remove(&mut self, key: Key) -> bool {
        self.events.remove(&key).is_some()
    }

    /// The earliest deadline.
    pub fn first(&self) -> Option<u64> {
        self.events.keys().next().map(|k| k.0)
    }

    /// Takes every event due at `now`.
    pub fn expired(&mut self, now: u64) -> Vec<(Key, Event)> {
        let mut out = Vec::new();
        while let Some(entry) = self.events.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let key = *entry.key();
            out.push((key, entry.remove()));
        }
        out
    }
}
