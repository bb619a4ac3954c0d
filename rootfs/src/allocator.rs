//! Free space for this layer of the format: a bump allocator over the data
//! area. Blocks are handed out in address order from a frontier that only
//! moves forward and is recorded in every uberblock, so a block below any
//! committed frontier is never written again (copy-on-write) and every older
//! uberblock in the ring stays mountable. Nothing is reclaimed yet
//! (FORMAT.md, "Free space").

/// Hands out the blocks `next..end`, each once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocator {
    next: u64,
    end: u64,
}

impl Allocator {
    /// An allocator whose free blocks are `next..end`.
    pub fn new(next: u64, end: u64) -> Self {
        Self { next, end }
    }

    /// The next never-used block, or `None` when the data area is full.
    pub fn allocate(&mut self) -> Option<u64> {
        if self.next >= self.end {
            return None;
        }
        let block = self.next;
        self.next += 1;
        Some(block)
    }

    /// The frontier: the first block not yet handed out.
    pub fn next_free(&self) -> u64 {
        self.next
    }

    /// Blocks still free.
    pub fn free_blocks(&self) -> u64 {
        self.end.saturating_sub(self.next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_frontier_past_the_end_has_nothing_free() {
        let mut a = Allocator::new(30, 20);
        assert_eq!(a.free_blocks(), 0);
        assert_eq!(a.allocate(), None);
    }
}
