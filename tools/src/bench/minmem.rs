//! The minimum-memory workload's search: the smallest guest memory, in
//! whole MiB, at which a program still runs, found by bisection.
//!
//! Whether a size works is taken to be monotonic (more memory never breaks
//! a boot that worked with less), so the answer takes about log2(range)
//! boots rather than one per size.

use anyhow::Result;

/// What the search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// The smallest size that works, if the largest one does.
    pub smallest: Option<u32>,
    /// Every size tried and whether it worked, in order.
    pub probes: Vec<(u32, bool)>,
}

/// The smallest size in `low..=high` MiB for which `works` says yes. The
/// largest is tried first: if it fails, nothing smaller is tried and there
/// is no answer. An error from `works` (as opposed to a no) ends the search.
pub fn smallest(low: u32, high: u32, mut works: impl FnMut(u32) -> Result<bool>) -> Result<Search> {
    let mut probes = Vec::new();
    let mut probe = |mib: u32| -> Result<bool> {
        let ok = works(mib)?;
        probes.push((mib, ok));
        Ok(ok)
    };
    if low > high || !probe(high)? {
        return Ok(Search {
            smallest: None,
            probes,
        });
    }
    // Invariant: `high` works; everything below `low` is not known to.
    let (mut low, mut high) = (low, high);
    while low < high {
        let mid = low + (high - low) / 2;
        if probe(mid)? {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    Ok(Search {
        smallest: Some(high),
        probes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn threshold(at: u32, low: u32, high: u32) -> Search {
        smallest(low, high, |mib| Ok(mib >= at)).unwrap()
    }

    #[test]
    fn finds_the_threshold_anywhere_in_the_range() {
        for at in 1..=64 {
            let search = threshold(at, 1, 64);
            assert_eq!(search.smallest, Some(at), "threshold {at}");
            // The top, then at most ceil(log2(64)) = 6 halvings.
            assert!(search.probes.len() <= 7, "{at}: {:?}", search.probes);
            assert!(search.probes.iter().all(|&(mib, ok)| ok == (mib >= at)));
        }
    }

    #[test]
    fn the_largest_size_is_tried_first() {
        let search = threshold(72, 1, 512);
        assert_eq!(search.probes[0], (512, true));
        assert_eq!(search.smallest, Some(72));
        assert!(search.probes.len() <= 10, "{:?}", search.probes);
    }

    #[test]
    fn no_answer_when_even_the_largest_fails() {
        let search = threshold(1000, 1, 512);
        assert_eq!(search.smallest, None);
        assert_eq!(search.probes, [(512, false)]);
        assert_eq!(threshold(1, 8, 4).probes, []);
    }

    #[test]
    fn a_range_of_one_is_its_only_size() {
        assert_eq!(threshold(1, 5, 5).smallest, Some(5));
        assert_eq!(threshold(0, 1, 512).smallest, Some(1));
    }

    #[test]
    fn errors_end_the_search() {
        let mut calls = 0;
        let err = smallest(1, 512, |mib| {
            calls += 1;
            if mib < 512 {
                anyhow::bail!("QEMU is gone")
            }
            Ok(true)
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "QEMU is gone");
        assert_eq!(calls, 2);
    }
}
