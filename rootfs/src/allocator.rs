//! Free space: a frontier over the data area plus a set of reclaimed blocks
//! below it (FORMAT.md, "Free space"). Blocks come from the free set first,
//! lowest address first, then from the frontier, which only moves forward and
//! is recorded in every uberblock.
//!
//! A block freed by a committed group is not reused until
//! [`RING_SLOTS`](crate::format::RING_SLOTS) more groups have committed, so
//! every uberblock still in the ring reaches intact blocks, unless nothing
//! else is left: then the oldest waiting blocks are used (the current root
//! never reaches them; only older uberblocks lose their fallback). Nothing about
//! the free set is on disk: mount rebuilds it from what the ring's roots
//! reach.

use alloc::collections::{BTreeSet, VecDeque};
use alloc::vec::Vec;

use crate::format::RING_SLOTS;

/// Hands out the blocks below `end`: reclaimed ones, then `next..end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocator {
    next: u64,
    end: u64,
    /// Blocks below `next` that nothing in the ring reaches.
    free: BTreeSet<u64>,
    /// The frontier when the open group began.
    open_frontier: u64,
    /// Blocks the open group took from `free`.
    open_reused: Vec<u64>,
    /// Blocks the open group no longer reaches.
    open_frees: Vec<u64>,
    /// Blocks freed by committed groups, waiting out the ring.
    deferred: VecDeque<(u64, Vec<u64>)>,
}

impl Allocator {
    /// An allocator whose free blocks are `next..end`.
    pub fn new(next: u64, end: u64) -> Self {
        Self {
            next,
            end,
            free: BTreeSet::new(),
            open_frontier: next,
            open_reused: Vec::new(),
            open_frees: Vec::new(),
            deferred: VecDeque::new(),
        }
    }

    /// A free block, or `None` when the data area is full.
    pub fn allocate(&mut self) -> Option<u64> {
        if let Some(block) = self.free.pop_first() {
            self.open_reused.push(block);
            return Some(block);
        }
        if self.next < self.end {
            let block = self.next;
            self.next += 1;
            return Some(block);
        }
        // Full: a block that only older uberblocks reach, oldest first.
        while let Some((_, blocks)) = self.deferred.front_mut() {
            if let Some(block) = blocks.pop() {
                self.open_reused.push(block);
                return Some(block);
            }
            self.deferred.pop_front();
        }
        None
    }

    /// Notes that the open group no longer reaches `block`; it becomes free
    /// once the group and [`RING_SLOTS`] more have committed.
    pub fn free(&mut self, block: u64) {
        self.open_frees.push(block);
    }

    /// The open group committed as `txg`: its frees start waiting, and the
    /// frees of groups the ring no longer holds become free.
    pub fn committed(&mut self, txg: u64) {
        self.open_frontier = self.next;
        self.open_reused.clear();
        let frees = core::mem::take(&mut self.open_frees);
        if !frees.is_empty() {
            self.deferred.push_back((txg, frees));
        }
        while let Some((freed, _)) = self.deferred.front() {
            if freed.saturating_add(RING_SLOTS) > txg {
                break;
            }
            if let Some((_, blocks)) = self.deferred.pop_front() {
                self.free.extend(blocks);
            }
        }
    }

    /// Gives back every block the open group took and forgets its frees (a
    /// commit that failed: nothing committed reaches its blocks).
    pub fn discard_open(&mut self) {
        self.next = self.open_frontier;
        self.free.extend(self.open_reused.drain(..));
        self.open_frees.clear();
    }

    /// Mount: every block from `start` up to the frontier that `in_use`
    /// does not hold is free now. `held` lists, by group, blocks that only
    /// older uberblocks in the ring reach; each list is treated as freed by
    /// its group, so it is free once the ring has moved past.
    pub fn reclaim_unreachable(
        &mut self,
        start: u64,
        in_use: &BTreeSet<u64>,
        mut held: Vec<(u64, Vec<u64>)>,
    ) {
        self.free = (start..self.next).filter(|b| !in_use.contains(b)).collect();
        self.open_reused.clear();
        held.sort_by_key(|&(txg, _)| txg);
        self.deferred = held.into_iter().filter(|(_, b)| !b.is_empty()).collect();
    }

    /// The frontier: the first block never handed out.
    pub fn next_free(&self) -> u64 {
        self.next
    }

    /// Every block free now, and every block waiting out the ring (for
    /// tests that check each block is accounted for exactly once).
    #[cfg(test)]
    pub fn free_and_waiting(&self) -> (Vec<u64>, Vec<u64>) {
        let waiting = self.deferred.iter().flat_map(|(_, b)| b.iter().copied());
        (self.free.iter().copied().collect(), waiting.collect())
    }

    /// Blocks free now (not counting those waiting out the ring).
    pub fn free_blocks(&self) -> u64 {
        self.end.saturating_sub(self.next) + self.free.len() as u64
    }

    /// Blocks that can still be allocated: those free now and, as the last
    /// resort, those waiting out the ring.
    pub fn available_blocks(&self) -> u64 {
        let waiting: usize = self.deferred.iter().map(|(_, b)| b.len()).sum();
        self.free_blocks() + waiting as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn hands_out_each_block_once_then_runs_out() {
        let mut a = Allocator::new(17, 20);
        assert_eq!(a.free_blocks(), 3);
        assert_eq!(a.allocate(), Some(17));
        assert_eq!(a.allocate(), Some(18));
        assert_eq!(a.next_free(), 19);
        assert_eq!(a.allocate(), Some(19));
        assert_eq!(a.allocate(), None);
        assert_eq!(a.allocate(), None);
        assert_eq!(a.free_blocks(), 0);
        assert_eq!(a.next_free(), 20, "running out does not move the frontier");
    }

    #[test]
    fn freed_blocks_wait_out_the_ring_then_come_first() {
        let mut a = Allocator::new(17, 100);
        let b = a.allocate().unwrap();
        a.committed(1);
        a.free(b);
        a.committed(2);
        for txg in 3..2 + RING_SLOTS {
            assert_ne!(a.allocate(), Some(b));
            a.committed(txg);
        }
        let before = a.free_blocks();
        a.committed(2 + RING_SLOTS);
        assert_eq!(a.free_blocks(), before + 1);
        assert_eq!(a.allocate(), Some(b));
        a.discard_open();
        assert_eq!(a.allocate(), Some(b), "a failed group gives it back");
    }

    #[test]
    fn unreachable_blocks_are_reclaimed() {
        let mut a = Allocator::new(20, 30);
        a.reclaim_unreachable(17, &[17, 19].into_iter().collect(), vec![(5, vec![19])]);
        assert_eq!(a.free_blocks(), 11);
        assert_eq!(a.allocate(), Some(18));
        assert_eq!(a.allocate(), Some(20));
        a.committed(5 + RING_SLOTS);
        assert_eq!(a.allocate(), Some(19), "held until the ring moves on");
    }

    #[test]
    fn when_nothing_else_is_left_waiting_blocks_are_used_oldest_first() {
        let mut a = Allocator::new(17, 20);
        let (x, y) = (a.allocate().unwrap(), a.allocate().unwrap());
        a.committed(1);
        a.free(x);
        a.committed(2);
        a.free(y);
        a.committed(3);
        assert_eq!(a.allocate(), Some(19));
        assert_eq!(a.free_blocks(), 0);
        assert_eq!(a.available_blocks(), 2);
        assert_eq!(a.allocate(), Some(x), "freed by group 2, the oldest");
        assert_eq!(a.allocate(), Some(y));
        assert_eq!(a.allocate(), None);
        a.discard_open();
        assert_eq!(a.available_blocks(), 3, "a failed group gives them back");
    }

    #[test]
    fn a_frontier_past_the_end_has_nothing_free() {
        let mut a = Allocator::new(30, 20);
        assert_eq!(a.free_blocks(), 0);
        assert_eq!(a.allocate(), None);
    }
}
