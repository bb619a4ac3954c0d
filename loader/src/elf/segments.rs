//! PT_LOAD segments: their validation (gABI "Program Header" and "Program
//! Loading"; Linux `load_elf_binary`), where the image goes, and the page
//! mappings that hold it.

use super::{ElfKind, LoadError, MIN_ADDR, Mapping, PAGE_SIZE, Prot, USER_END, page_down, page_up};
use alloc::vec::Vec;
use goblin::elf::ProgramHeader;
use goblin::elf::program_header::PT_LOAD;

/// A validated PT_LOAD segment with bytes in memory, at its link address.
///
/// `vaddr + memsz` and `offset + filesz` do not overflow, `vaddr + memsz`
/// rounds up to a page without overflowing, `filesz <= memsz`, the file range
/// lies in the file and `align` is a power of two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Load {
    /// Its program header's index.
    pub index: usize,
    pub vaddr: u64,
    pub memsz: u64,
    pub offset: u64,
    pub filesz: u64,
    pub align: u64,
    pub prot: Prot,
}

impl Load {
    /// One past its last byte in memory.
    pub fn end(&self) -> u64 {
        self.vaddr.saturating_add(self.memsz)
    }

    /// Whether `[addr, addr + len)` lies in its memory.
    pub fn contains(&self, addr: u64, len: u64) -> bool {
        addr >= self.vaddr && addr.checked_add(len).is_some_and(|end| end <= self.end())
    }

    /// The address at which the file bytes `[offset, offset + len)` appear,
    /// if this segment maps all of them from the file.
    pub fn file_addr(&self, offset: u64, len: u64) -> Option<u64> {
        let skip = offset.checked_sub(self.offset)?;
        (skip.checked_add(len)? <= self.filesz).then(|| self.vaddr.saturating_add(skip))
    }
}

/// Validates every PT_LOAD program header and returns those with bytes in
/// memory, in file order (which the checks make address order).
pub(super) fn loads(file_len: usize, phdrs: &[ProgramHeader]) -> Result<Vec<Load>, LoadError> {
    let mut loads: Vec<Load> = Vec::new();
    let mut previous_vaddr: Option<u64> = None;
    // The segment reaching highest so far: index and end.
    let mut highest: Option<(usize, u64)> = None;
    for (index, ph) in phdrs.iter().enumerate() {
        if ph.p_type != PT_LOAD {
            continue;
        }
        check_sizes(index, ph, file_len)?;
        let end = ph
            .p_vaddr
            .checked_add(ph.p_memsz)
            .filter(|&end| page_up(end).is_some())
            .ok_or(LoadError::SegmentOverflow {
                index,
                sum: "p_vaddr + p_memsz",
            })?;
        let align = check_align(index, ph.p_align)?;
        if ph.p_vaddr % PAGE_SIZE != ph.p_offset % PAGE_SIZE {
            return Err(LoadError::MisalignedSegment {
                index,
                vaddr: ph.p_vaddr,
                offset: ph.p_offset,
            });
        }
        // gABI: "Loadable segment entries in the program header table appear
        // in ascending order, sorted on the p_vaddr member."
        if let Some(previous_vaddr) = previous_vaddr
            && ph.p_vaddr < previous_vaddr
        {
            return Err(LoadError::Unsorted {
                index,
                vaddr: ph.p_vaddr,
                previous_vaddr,
            });
        }
        previous_vaddr = Some(ph.p_vaddr);
        if ph.p_memsz == 0 {
            // Linux maps nothing for it; it only had to be well-formed.
            continue;
        }
        if let Some((other, other_end)) = highest
            && ph.p_vaddr < other_end
        {
            return Err(LoadError::Overlap {
                index,
                other,
                vaddr: ph.p_vaddr,
                other_end,
            });
        }
        highest = Some((index, end));
        loads.push(Load {
            index,
            vaddr: ph.p_vaddr,
            memsz: ph.p_memsz,
            offset: ph.p_offset,
            filesz: ph.p_filesz,
            align,
            prot: Prot::from_flags(ph.p_flags),
        });
    }
    if loads.is_empty() {
        return Err(LoadError::NoLoadSegments);
    }
    Ok(loads)
}

/// Checks `p_filesz <= p_memsz` and that the file range is inside the file.
pub(super) fn check_sizes(
    index: usize,
    ph: &ProgramHeader,
    file_len: usize,
) -> Result<(), LoadError> {
    if ph.p_filesz > ph.p_memsz {
        return Err(LoadError::FileSizeExceedsMemSize {
            index,
            filesz: ph.p_filesz,
            memsz: ph.p_memsz,
        });
    }
    check_file_range(index, ph, file_len)
}

/// Checks that `[p_offset, p_offset + p_filesz)` is inside the file. An
/// empty range is not read, so only its arithmetic matters.
pub(super) fn check_file_range(
    index: usize,
    ph: &ProgramHeader,
    file_len: usize,
) -> Result<(), LoadError> {
    let end = ph
        .p_offset
        .checked_add(ph.p_filesz)
        .ok_or(LoadError::SegmentOverflow {
            index,
            sum: "p_offset + p_filesz",
        })?;
    if ph.p_filesz > 0 && end > file_len as u64 {
        return Err(LoadError::SegmentOutOfFile {
            index,
            offset: ph.p_offset,
            filesz: ph.p_filesz,
            file_len,
        });
    }
    Ok(())
}

/// Checks a `p_align` and returns it as a power of two (0 and 1 both mean
/// "no alignment").
pub(super) fn check_align(index: usize, align: u64) -> Result<u64, LoadError> {
    match align {
        0 | 1 => Ok(1),
        a if a.is_power_of_two() => Ok(a),
        _ => Err(LoadError::BadAlignment { index, align }),
    }
}

/// Where the image goes: its lowest page, `min_page` at link time, lands at
/// `base`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Placement {
    pub base: u64,
    min_page: u64,
}

impl Placement {
    /// Places the segments (as returned by [`loads`], so sorted and not
    /// empty) and checks the whole image lands in
    /// `[MIN_ADDR, USER_END)`.
    pub fn new(kind: ElfKind, loads: &[Load], base_for_dyn: u64) -> Result<Self, LoadError> {
        let first = loads.first().ok_or(LoadError::NoLoadSegments)?;
        let min_page = page_down(first.vaddr);
        let max_end = loads.iter().map(Load::end).max().unwrap_or(first.vaddr);
        let span = page_up(max_end)
            .ok_or(LoadError::OutsideImage { vaddr: max_end })?
            .saturating_sub(min_page);
        let base = match kind {
            ElfKind::Executable => min_page,
            ElfKind::SharedObject => {
                // Linux `maximum_alignment`: keep huge-page aligned segments
                // aligned.
                let align = loads.iter().map(|l| l.align).fold(PAGE_SIZE, u64::max);
                base_for_dyn & !(align - 1)
            }
        };
        if base < MIN_ADDR {
            return Err(LoadError::BelowMinAddr { start: base });
        }
        if base.checked_add(span).is_none_or(|end| end > USER_END) {
            return Err(LoadError::AboveUserSpace { start: base, span });
        }
        Ok(Self { base, min_page })
    }

    /// Where the byte linked at `vaddr` lands.
    pub fn addr(&self, vaddr: u64) -> Result<u64, LoadError> {
        vaddr
            .checked_sub(self.min_page)
            .and_then(|offset| self.base.checked_add(offset))
            .filter(|&addr| addr <= USER_END)
            .ok_or(LoadError::OutsideImage { vaddr })
    }

    /// What is added (wrapping) to link addresses.
    pub fn bias(&self) -> u64 {
        self.base.wrapping_sub(self.min_page)
    }
}

/// The page mappings of `loads`: each segment covers the pages its memory
/// touches, a page shared by several segments gets the union of their
/// protections, and neighbouring pages with equal protections form one
/// mapping.
pub(super) fn mappings(loads: &[Load], place: &Placement) -> Result<Vec<Mapping>, LoadError> {
    let mut ranges = Vec::with_capacity(loads.len());
    for load in loads {
        let end = page_up(load.end()).ok_or(LoadError::OutsideImage { vaddr: load.end() })?;
        ranges.push((
            place.addr(page_down(load.vaddr))?,
            place.addr(end)?,
            load.prot,
        ));
    }
    let mut bounds: Vec<u64> = ranges.iter().flat_map(|&(s, e, _)| [s, e]).collect();
    bounds.sort_unstable();
    bounds.dedup();
    let mut mappings: Vec<Mapping> = Vec::new();
    for pair in bounds.windows(2) {
        let (start, end) = (pair[0], pair[1]);
        let prot = ranges
            .iter()
            .filter(|&&(s, e, _)| s <= start && end <= e)
            .map(|&(_, _, prot)| prot)
            .reduce(Prot::union);
        let Some(prot) = prot else {
            continue; // a gap between segments
        };
        match mappings.last_mut() {
            Some(last) if last.end == start && last.prot == prot => last.end = end,
            _ => mappings.push(Mapping { start, end, prot }),
        }
    }
    Ok(mappings)
}
