//! The physical frame allocator: one bit per 4 KiB frame of RAM.
//!
//! A bitmap keeps the allocator free of the heap (the heap grows by asking it
//! for frames) and makes contiguous runs easy to find. Frames are never
//! zeroed here: callers that need zeroes ask for them (`alloc_zeroed`).

use super::{PAGE_SIZE, Region, RegionKind, align_down, align_up, phys_to_virt};
use crate::sync::IrqMutex;

pub struct FrameAllocator {
    /// Bit set = frame in use (or not RAM).
    bitmap: &'static mut [u64],
    frames: u64,
    free: u64,
    /// Where the next search starts (next fit).
    hint: u64,
}

static FRAMES: IrqMutex<Option<FrameAllocator>> = IrqMutex::new(None);

impl FrameAllocator {
    /// Builds an allocator over `bitmap` covering frames `0..frames`, where
    /// every frame starts in use and `free_ranges` are then released.
    pub fn new(
        bitmap: &'static mut [u64],
        frames: u64,
        free_ranges: impl Iterator<Item = (u64, u64)>,
    ) -> Self {
        bitmap.fill(u64::MAX);
        let mut a = FrameAllocator {
            bitmap,
            frames,
            free: 0,
            hint: 0,
        };
        for (start, end) in free_ranges {
            let first = align_up(start, PAGE_SIZE) / PAGE_SIZE;
            let last = (align_down(end, PAGE_SIZE) / PAGE_SIZE).min(frames);
            if last > first {
                a.clear_range(first, last);
                a.free += last - first;
            }
        }
        a
    }

    /// Marks frames `first..last` free, a word at a time where it can (boot
    /// time with many GiB of RAM depends on it).
    fn clear_range(&mut self, first: u64, last: u64) {
        let mut f = first;
        while f < last {
            if f.is_multiple_of(64) && last - f >= 64 {
                self.bitmap[(f / 64) as usize] = 0;
                f += 64;
            } else {
                self.set(f, false);
                f += 1;
            }
        }
    }

    fn used(&self, f: u64) -> bool {
        self.bitmap[(f / 64) as usize] & (1 << (f % 64)) != 0
    }

    fn set(&mut self, f: u64, used: bool) {
        let word = &mut self.bitmap[(f / 64) as usize];
        if used {
            *word |= 1 << (f % 64);
        } else {
            *word &= !(1 << (f % 64));
        }
    }

    /// Allocates `count` contiguous frames whose first frame number is a
    /// multiple of `align` frames. Returns the physical address.
    pub fn alloc(&mut self, count: u64, align: u64) -> Option<u64> {
        if count == 0 || count > self.free {
            return None;
        }
        let align = align.max(1);
        // Two passes: from the hint to the end, then from the start.
        for (from, to) in [(self.hint, self.frames), (0, self.hint.min(self.frames))] {
            if let Some(f) = self.find_run(from, to, count, align) {
                for i in f..f + count {
                    self.set(i, true);
                }
                self.free -= count;
                self.hint = f + count;
                return Some(f * PAGE_SIZE);
            }
        }
        None
    }

    fn find_run(&self, from: u64, to: u64, count: u64, align: u64) -> Option<u64> {
        let mut f = from.div_ceil(align) * align;
        while f + count <= to {
            // Skip whole used words quickly.
            if f.is_multiple_of(64) && self.bitmap[(f / 64) as usize] == u64::MAX {
                f = (f + 64).div_ceil(align) * align;
                continue;
            }
            match (f..f + count).find(|&i| self.used(i)) {
                None => return Some(f),
                Some(busy) => f = (busy + 1).div_ceil(align) * align,
            }
        }
        None
    }

    /// Returns frames to the allocator. Freeing a frame that is not in use is a
    /// kernel bug and panics.
    pub fn dealloc(&mut self, phys: u64, count: u64) {
        let first = phys / PAGE_SIZE;
        assert!(
            phys.is_multiple_of(PAGE_SIZE) && first + count <= self.frames,
            "bad frame free {phys:#x}"
        );
        for f in first..first + count {
            assert!(self.used(f), "double free of frame {:#x}", f * PAGE_SIZE);
            self.set(f, false);
        }
        self.free += count;
    }

    pub fn free_frames(&self) -> u64 {
        self.free
    }
}

/// Sets up the global allocator. The bitmap is carved out of `bitmap_phys`
/// (already excluded from `free_ranges` by the caller).
pub fn init(bitmap_phys: u64, frames: u64, free_ranges: impl Iterator<Item = (u64, u64)>) {
    let words = frames.div_ceil(64) as usize;
    // SAFETY: the caller reserved `bitmap_bytes(frames)` bytes at
    // `bitmap_phys` for the bitmap alone; it is mapped by the direct map.
    let bitmap =
        unsafe { core::slice::from_raw_parts_mut(phys_to_virt(bitmap_phys) as *mut u64, words) };
    *FRAMES.lock() = Some(FrameAllocator::new(bitmap, frames, free_ranges));
}

/// Bytes of bitmap needed for `frames` frames.
pub fn bitmap_bytes(frames: u64) -> u64 {
    frames.div_ceil(64) * 8
}

fn with<R>(f: impl FnOnce(&mut FrameAllocator) -> R) -> R {
    f(FRAMES
        .lock()
        .as_mut()
        .expect("frame allocator used before init"))
}

/// Allocates `count` contiguous frames (not zeroed).
pub fn alloc(count: u64) -> Option<u64> {
    with(|a| a.alloc(count, 1))
}

/// Allocates `count` contiguous frames aligned to `align` frames (not zeroed).
pub fn alloc_aligned(count: u64, align: u64) -> Option<u64> {
    with(|a| a.alloc(count, align))
}

/// Allocates one frame filled with zeroes.
pub fn alloc_zeroed() -> Option<u64> {
    let phys = alloc(1)?;
    // SAFETY: the frame was just allocated, so nothing else refers to it.
    unsafe { core::ptr::write_bytes(phys_to_virt(phys) as *mut u8, 0, PAGE_SIZE as usize) };
    Some(phys)
}

pub fn dealloc(phys: u64, count: u64) {
    with(|a| a.dealloc(phys, count))
}

/// Gives the allocator a range that was reserved at boot (the initrd, once
/// unpacked). The range is widened to pages, as the reservation was.
pub fn release_reserved(start: u64, end: u64) {
    let first = align_down(start, PAGE_SIZE);
    let count = (align_up(end, PAGE_SIZE) - first) / PAGE_SIZE;
    with(|a| a.dealloc(first, count))
}

pub fn free_frames() -> u64 {
    with(|a| a.free_frames())
}

/// The RAM ranges of a memory map, minus `reserved` ranges, as an iterator of
/// `(start, end)`. Used to seed the allocator.
pub fn free_ranges<'a>(
    regions: &'a [Region],
    reserved: &'a [(u64, u64)],
) -> impl Iterator<Item = (u64, u64)> + 'a {
    regions
        .iter()
        .filter(|r| r.kind == RegionKind::Ram)
        .flat_map(move |r| {
            // Split [r.start, r.end) around every reserved range (few of them).
            let mut pieces: [(u64, u64); 16] = [(0, 0); 16];
            let mut n = 1;
            pieces[0] = (r.start, r.end());
            for &(rs, re) in reserved {
                let mut next: [(u64, u64); 16] = [(0, 0); 16];
                let mut m = 0;
                for &(s, e) in &pieces[..n] {
                    if re <= s || rs >= e {
                        next[m] = (s, e);
                        m += 1;
                    } else {
                        if s < rs && m < 16 {
                            next[m] = (s, rs);
                            m += 1;
                        }
                        if re < e && m < 16 {
                            next[m] = (re, e);
                            m += 1;
                        }
                    }
                }
                pieces = next;
                n = m;
            }
            pieces.into_iter().take(n).filter(|(s, e)| e > s)
        })
}
