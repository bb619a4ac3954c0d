//! The program's address space as Linux describes it: VMAs (ranges with a
//! protection and a kind), the heap break, and where new mappings go. The
//! kernel maps pages on demand by asking `Mm::fault`; the syscalls here
//! change the VMAs and tell the Platform which pages to drop or re-protect.
//!
//! Layout (DESIGN.md "Memory"): the stack at the top of the lower half, an
//! 8 MiB demand-paged VMA (RLIMIT_STACK); `mmap` top-down below a gap under
//! it; the heap after the program image.

mod ops;
#[cfg(test)]
mod tests;

use crate::Errno;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use bitflags::bitflags;
use spin::Mutex;

pub use ops::{MapFlags, MremapFlags};

pub const PAGE_SIZE: u64 = 4096;
/// The top of the stack (one page below the end of the lower half, as Linux
/// leaves a guard page there).
pub const STACK_TOP: u64 = 0x0000_7fff_ffff_f000;
pub const STACK_SIZE: u64 = 8 << 20;
/// How far a growing stack keeps from the mapping below it (Linux's
/// stack_guard_gap: 256 pages).
pub const STACK_GUARD_GAP: u64 = 256 * PAGE_SIZE;
/// `mmap` allocates top-down from here (Linux leaves a gap of at least
/// 128 MiB under the stack limit).
pub const MMAP_BASE: u64 = STACK_TOP - STACK_SIZE - (128 << 20);
/// Linux's default `vm.mmap_min_addr`.
pub const MMAP_MIN_ADDR: u64 = 0x10000;

bitflags! {
    /// PROT_* (mman-common.h).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Prot: u32 {
        const READ = 0x1;
        const WRITE = 0x2;
        const EXEC = 0x4;
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VmaKind {
    /// The program's own segments (and its interpreter's).
    Image,
    Heap,
    Stack,
    Anonymous,
    /// The vDSO image the kernel maps for the program.
    Vdso,
    /// A file mapping (mmap with a file descriptor).
    File(FileMap),
}

/// What a file mapping reads its pages from: the file systems' regular
/// files implement it.
pub trait MapSource: Send + Sync {
    /// The file's size now (pages wholly past it raise SIGBUS).
    fn size(&self) -> u64;
    /// Fills `page` with the file's bytes at `offset` (page-aligned); what
    /// lies past the end of the file reads as zeroes. An error (EIO from
    /// a disk) maps nothing: the access gets SIGBUS.
    fn read_page(&self, offset: u64, page: &mut [u8]) -> Result<(), Errno>;
    /// Identifies the file (device and inode), for /proc/self/maps.
    fn dev_ino(&self) -> (u64, u64);
    /// The kernel address of the file's page at `offset` (allocated if it
    /// is a hole), which a mapping maps itself (a private one read-only):
    /// it stays at that address as long as the file lives. `writable`: a
    /// shared mapping that may write the page, which the file must then
    /// count as changed. ENOSPC when no memory is left.
    fn share_page(&self, offset: u64, writable: bool) -> Result<u64, Errno>;
}

/// A VMA's file: which, from what offset, and how it was named.
#[derive(Clone)]
pub struct FileMap {
    pub source: Arc<dyn MapSource>,
    /// The file offset of the VMA's first page.
    pub offset: u64,
    /// The path it was opened by (for /proc/self/maps).
    pub path: Arc<[u8]>,
    /// MAP_SHARED: the file's own pages, so writes reach the file.
    pub shared: bool,
    /// The descriptor was open for writing (a shared mapping may then be
    /// made writable).
    pub writable: bool,
}

impl FileMap {
    /// Whether `next`, placed `gap` bytes after this one's start, continues
    /// the same file where this one leaves off.
    fn continued_by(&self, next: &FileMap, gap: u64) -> bool {
        Arc::ptr_eq(&self.source, &next.source)
            && self.shared == next.shared
            && self.offset.checked_add(gap) == Some(next.offset)
    }
}

impl PartialEq for FileMap {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.source, &other.source)
            && self.offset == other.offset
            && self.shared == other.shared
    }
}

impl Eq for FileMap {}

impl core::fmt::Debug for FileMap {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "FileMap({}, offset {:#x})",
            alloc::string::String::from_utf8_lossy(&self.path),
            self.offset
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vma {
    pub start: u64,
    pub end: u64,
    pub prot: Prot,
    pub kind: VmaKind,
}

impl Vma {
    /// The part `[start, end)` of this VMA (inside it), its file offset
    /// moved along.
    pub fn slice(&self, start: u64, end: u64) -> Vma {
        let kind = match &self.kind {
            VmaKind::File(f) => VmaKind::File(FileMap {
                offset: f.offset + (start - self.start),
                ..f.clone()
            }),
            k => k.clone(),
        };
        Vma {
            start,
            end,
            prot: self.prot,
            kind,
        }
    }

    /// This VMA moved to start at `to`, keeping its file offset.
    pub fn moved(&self, to: u64) -> Vma {
        Vma {
            start: to,
            end: to + (self.end - self.start),
            ..self.clone()
        }
    }

    /// Whether `next` (which starts where this ends) is the same kind of
    /// memory with the same protection, so the two can be one VMA.
    fn joins(&self, next: &Vma) -> bool {
        self.end == next.start
            && self.prot == next.prot
            && match (&self.kind, &next.kind) {
                (VmaKind::File(a), VmaKind::File(b)) => a.continued_by(b, self.end - self.start),
                (a, b) => a == b,
            }
    }
}

/// How a page fault touched memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Execute,
}

/// si_code values for SIGSEGV (siginfo.h).
pub const SEGV_MAPERR: i32 = 1;
pub const SEGV_ACCERR: i32 = 2;

#[derive(Clone, PartialEq, Eq)]
pub enum FaultResolution {
    /// Map a zeroed page at `page` with `prot` and retry.
    Map { page: u64, prot: Prot },
    /// Map a private copy of the file's page at `offset` (a write to a
    /// MAP_PRIVATE file mapping) at `page` with `prot`, in place of the
    /// file's own page if that was mapped, and retry.
    Fill {
        page: u64,
        prot: Prot,
        file: FileMap,
        offset: u64,
    },
    /// Map the file's own page, at kernel address `addr`, at `page` with
    /// `prot` (`file` at `offset`), and retry. `cow`: a private mapping
    /// reading the file's page, mapped read-only whatever `prot` says, so
    /// that the first write takes a private copy (`Fill`).
    Share {
        page: u64,
        prot: Prot,
        addr: u64,
        cow: bool,
        file: FileMap,
        offset: u64,
    },
    /// The access is not allowed: SIGSEGV with this si_code.
    Segv { code: i32 },
    /// The page lies wholly past the end of the mapped file (or the file
    /// has no memory left for it): SIGBUS (BUS_ADRERR).
    Bus,
}

impl core::fmt::Debug for FaultResolution {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Map { page, prot } => write!(f, "Map({page:#x}, {prot:?})"),
            Self::Fill {
                page, prot, file, ..
            } => write!(f, "Fill({page:#x}, {prot:?}, {file:?})"),
            Self::Share {
                page, prot, file, ..
            } => write!(f, "Share({page:#x}, {prot:?}, {file:?})"),
            Self::Segv { code } => write!(f, "Segv({code})"),
            Self::Bus => write!(f, "Bus"),
        }
    }
}

#[derive(Debug, Default)]
struct State {
    /// VMAs by start address; never overlapping.
    vmas: BTreeMap<u64, Vma>,
    brk_start: u64,
    brk: u64,
}

/// The address space. Its lock is its own (not the process's), so the page
/// fault handler can consult it while a syscall copies program memory.
#[derive(Debug, Default)]
pub struct Mm {
    state: Mutex<State>,
}

pub const fn page_floor(v: u64) -> u64 {
    v & !(PAGE_SIZE - 1)
}

pub fn page_ceil(v: u64) -> Option<u64> {
    v.checked_add(PAGE_SIZE - 1).map(page_floor)
}

impl Mm {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a VMA for the program image or the stack at exec time.
    pub fn insert(&self, vma: Vma) -> Result<(), Errno> {
        let mut s = self.state.lock();
        if vma.start >= vma.end || s.overlaps(vma.start, vma.end) {
            return Err(Errno::EINVAL);
        }
        s.vmas.insert(vma.start, vma);
        Ok(())
    }

    /// Where the heap starts (page-aligned end of the image).
    pub fn set_brk_start(&self, addr: u64) {
        let mut s = self.state.lock();
        s.brk_start = addr;
        s.brk = addr;
    }

    /// The highest free range of `len` bytes below the mmap base, where a
    /// new mapping without a hint would go (the interpreter's place).
    pub fn free_area(&self, len: u64) -> Option<u64> {
        self.state.lock().gap_top_down(page_ceil(len)?, MMAP_BASE)
    }

    pub fn find(&self, addr: u64) -> Option<Vma> {
        self.state.lock().find(addr).cloned()
    }

    pub fn vmas(&self) -> Vec<Vma> {
        self.state.lock().vmas.values().cloned().collect()
    }

    /// Decides what a page fault at `addr` means.
    pub fn fault(&self, addr: u64, access: Access) -> FaultResolution {
        self.fault_with(addr, access, |r| r)
    }

    /// Decides what a page fault at `addr` means and lets `act` carry it
    /// out with the VMAs locked, so no munmap or mprotect slips between
    /// the decision and the page-table change.
    pub fn fault_with<R>(
        &self,
        addr: u64,
        access: Access,
        act: impl FnOnce(FaultResolution) -> R,
    ) -> R {
        let mut s = self.state.lock();
        act(s.resolve(addr, access))
    }
}

impl State {
    fn resolve(&mut self, addr: u64, access: Access) -> FaultResolution {
        let Some(vma) = self.find(addr).cloned().or_else(|| self.grow_stack(addr)) else {
            return FaultResolution::Segv { code: SEGV_MAPERR };
        };
        let allowed = match access {
            Access::Read => vma.prot.intersects(Prot::READ | Prot::WRITE | Prot::EXEC),
            Access::Write => vma.prot.contains(Prot::WRITE),
            Access::Execute => vma.prot.contains(Prot::EXEC),
        };
        if !allowed {
            return FaultResolution::Segv { code: SEGV_ACCERR };
        }
        let page = page_floor(addr);
        match &vma.kind {
            VmaKind::File(file) => {
                let offset = file.offset + (page - vma.start);
                if offset >= file.source.size() {
                    FaultResolution::Bus
                } else if file.shared || access != Access::Write {
                    let writable = file.shared && vma.prot.contains(Prot::WRITE);
                    match file.source.share_page(offset, writable) {
                        Ok(addr) => FaultResolution::Share {
                            page,
                            prot: vma.prot,
                            addr,
                            cow: !file.shared,
                            file: file.clone(),
                            offset,
                        },
                        Err(_) => FaultResolution::Bus,
                    }
                } else {
                    FaultResolution::Fill {
                        page,
                        prot: vma.prot,
                        file: file.clone(),
                        offset,
                    }
                }
            }
            _ => FaultResolution::Map {
                page,
                prot: vma.prot,
            },
        }
    }
}

impl State {
    /// A fault at `addr` just below a stack (the main one, or a
    /// MAP_GROWSDOWN mapping) grows it down to the page, as Linux's
    /// expand_downwards: while the stack stays within RLIMIT_STACK's
    /// default and keeps the guard gap above an accessible mapping below.
    fn grow_stack(&mut self, addr: u64) -> Option<Vma> {
        let page = page_floor(addr);
        let above = self.vmas.range(addr..).next().map(|(_, v)| v.clone())?;
        if above.kind != VmaKind::Stack || above.end - page > STACK_SIZE {
            return None;
        }
        if let Some((_, below)) = self.vmas.range(..above.start).next_back()
            && (below.end > page || (!below.prot.is_empty() && page - below.end < STACK_GUARD_GAP))
        {
            return None;
        }
        let grown = Vma {
            start: page,
            ..above.clone()
        };
        self.vmas.remove(&above.start);
        self.vmas.insert(page, grown.clone());
        Some(grown)
    }

    fn find(&self, addr: u64) -> Option<&Vma> {
        self.vmas
            .range(..=addr)
            .next_back()
            .map(|(_, v)| v)
            .filter(|v| addr < v.end)
    }

    fn overlaps(&self, start: u64, end: u64) -> bool {
        self.vmas
            .range(..end)
            .next_back()
            .is_some_and(|(_, v)| v.end > start)
    }

    /// Whether every page of `[start, end)` is in some VMA.
    fn fully_mapped(&self, start: u64, end: u64) -> bool {
        let mut at = start;
        while at < end {
            match self.find(at) {
                Some(v) => at = v.end,
                None => return false,
            }
        }
        true
    }

    /// Removes `[start, end)` from the VMAs, splitting those that straddle it.
    fn carve(&mut self, start: u64, end: u64) {
        let hit: Vec<Vma> = self
            .vmas
            .range(..end)
            .map(|(_, v)| v.clone())
            .filter(|v| v.end > start)
            .collect();
        for v in hit {
            self.vmas.remove(&v.start);
            if v.start < start {
                self.vmas.insert(v.start, v.slice(v.start, start));
            }
            if v.end > end {
                self.vmas.insert(end, v.slice(end, v.end));
            }
        }
    }

    /// The highest free range of `len` bytes that ends at or below `below`.
    fn gap_top_down(&self, len: u64, below: u64) -> Option<u64> {
        let mut ceiling = below;
        for v in self.vmas.values().rev() {
            if v.start >= ceiling {
                continue;
            }
            if v.end <= ceiling && ceiling - v.end >= len {
                return Some(ceiling - len);
            }
            // A stack keeps its guard gap free to grow into (Linux's
            // vm_start_gap).
            let floor = if v.kind == VmaKind::Stack {
                v.start.saturating_sub(STACK_GUARD_GAP)
            } else {
                v.start
            };
            ceiling = ceiling.min(floor);
        }
        let lowest = MMAP_MIN_ADDR.checked_add(len)?;
        (ceiling >= lowest).then(|| ceiling - len)
    }

    /// Merges `v` with neighbours of the same kind and protection that touch
    /// it, so /proc/self/maps and later splits stay simple.
    fn insert_merged(&mut self, mut v: Vma) {
        if let Some((_, prev)) = self.vmas.range(..v.start).next_back()
            && prev.joins(&v)
        {
            let prev = prev.clone();
            self.vmas.remove(&prev.start);
            v = Vma { end: v.end, ..prev };
        }
        if let Some(next) = self.vmas.get(&v.end)
            && v.joins(next)
        {
            let next_start = next.start;
            v.end = next.end;
            self.vmas.remove(&next_start);
        }
        self.vmas.insert(v.start, v);
    }
}
