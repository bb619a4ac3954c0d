//! The kernel heap.
//!
//! Page-aligned requests (the page cache's 4 KiB page buffers are most of
//! them) are whole frames from the frame allocator and go back to it when
//! freed. Everything else comes from a talc heap: boundary-tagged free
//! chunks kept in size bins, so an allocation finds its bin with a bit scan
//! and a free merges with its neighbours through their tags; neither walks
//! a free list (a buddy heap's free did, and slowed down with every block
//! freed). The talc heap grows by taking runs of frames and keeps them.

use super::{DIRECT_MAP_BASE, PAGE_SIZE, frame, phys_to_virt};
use crate::sync::IrqMutex;
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicUsize, Ordering};
use talc::base::Talc;
use talc::base::binning::{Binning, DefaultBinning};
use talc::source::Source;

/// The talc heap grows by at least this much at a time, or an eighth of
/// what it has if that is more: small steps waste little in a guest of a
/// few MiB, and proportional ones keep a big heap in few runs.
const GROW_BYTES: u64 = 64 * 1024;

/// The talc heap and what it has handed out. An `IrqMutex`: interrupt
/// handlers allocate too (a wakeup grows a run queue), and must never spin
/// on the lock the code they interrupted holds.
static HEAP: IrqMutex<Heap> = IrqMutex::new(Heap {
    talc: Talc::new(Frames { top: 0, owned: 0 }),
    handed_out: 0,
});

/// Bytes handed out as whole frames, and the frames' bytes.
static PAGES_HANDED_OUT: AtomicUsize = AtomicUsize::new(0);
static PAGES_OWNED: AtomicUsize = AtomicUsize::new(0);

struct Heap {
    talc: Talc<Frames, DefaultBinning>,
    handed_out: usize,
}

/// Where the talc heap gets memory: runs of frames. A run that starts where
/// the last one ended extends that heap, so the two can serve one request.
#[derive(Debug)]
struct Frames {
    /// The end of the heap the last run went to (0 before the first).
    top: usize,
    /// Bytes of frames taken.
    owned: usize,
}

// SAFETY: `acquire` takes memory from the frame allocator, which never uses
// the heap, and hands it to `talc` only through the reference it is given.
unsafe impl Source for Frames {
    fn acquire<B: Binning>(talc: &mut Talc<Self, B>, layout: Layout) -> Result<(), ()> {
        // The request at its alignment, talc's tags around it, and talc's
        // bin table the first time.
        let mut need = layout.size() + layout.align() + 4 * talc::base::CHUNK_UNIT;
        if !talc.is_metadata_established() {
            need += talc::min_first_heap_size::<B>();
        }
        let bytes = (need as u64)
            .max(GROW_BYTES)
            .max(talc.source.owned as u64 / 8)
            .next_multiple_of(PAGE_SIZE);
        let phys = frame::alloc(bytes / PAGE_SIZE).ok_or(())?;
        let start = phys_to_virt(phys) as *mut u8;
        let end = start.wrapping_add(bytes as usize);
        let top = match NonNull::new(talc.source.top as *mut u8) {
            // SAFETY: `top` is the end talc last reported for that heap, and
            // the frames from there to `end` were just taken for it alone
            // (mapped by the direct map); they are never given back.
            Some(top) if top.as_ptr() == start => unsafe { talc.extend(top, end) },
            // SAFETY: as above, for a run not next to the last one.
            _ => match unsafe { talc.claim(start, bytes as usize) } {
                Some(top) => top,
                None => {
                    frame::dealloc(phys, bytes / PAGE_SIZE);
                    return Err(());
                }
            },
        };
        talc.source.top = top.as_ptr() as usize;
        talc.source.owned += bytes as usize;
        Ok(())
    }
}

/// Whether `layout` is served by whole frames. It depends on the alignment
/// only, which `realloc` keeps, so a block is always freed the way it was
/// allocated.
fn is_pages(layout: Layout) -> bool {
    layout.align() as u64 >= PAGE_SIZE
}

fn frames_for(size: usize) -> u64 {
    (size as u64).div_ceil(PAGE_SIZE)
}

fn alloc_pages(layout: Layout) -> *mut u8 {
    let frames = frames_for(layout.size());
    match frame::alloc_aligned(frames, layout.align() as u64 / PAGE_SIZE) {
        Some(phys) => {
            PAGES_HANDED_OUT.fetch_add(layout.size(), Ordering::Relaxed);
            PAGES_OWNED.fetch_add((frames * PAGE_SIZE) as usize, Ordering::Relaxed);
            phys_to_virt(phys) as *mut u8
        }
        None => ptr::null_mut(),
    }
}

fn dealloc_pages(ptr: *mut u8, layout: Layout) {
    let frames = frames_for(layout.size());
    frame::dealloc(ptr as u64 - DIRECT_MAP_BASE, frames);
    PAGES_HANDED_OUT.fetch_sub(layout.size(), Ordering::Relaxed);
    PAGES_OWNED.fetch_sub((frames * PAGE_SIZE) as usize, Ordering::Relaxed);
}

struct KernelHeap;

#[global_allocator]
static ALLOCATOR: KernelHeap = KernelHeap;

// SAFETY: frames come from the frame allocator, which hands each out once;
// the rest is talc's, a correct allocator, used only under its lock.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if is_pages(layout) {
            return alloc_pages(layout);
        }
        let mut heap = HEAP.lock();
        // SAFETY: `layout` is not zero-sized (the `GlobalAlloc` contract).
        match unsafe { heap.talc.allocate(layout) } {
            Some(p) => {
                heap.handed_out += layout.size();
                p.as_ptr()
            }
            None => ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if is_pages(layout) {
            return dealloc_pages(ptr, layout);
        }
        let mut heap = HEAP.lock();
        // SAFETY: the caller's contract: `ptr` came from `alloc` with
        // `layout`, which (not being page-aligned) went to talc.
        unsafe { heap.talc.deallocate(ptr, layout) };
        heap.handed_out -= layout.size();
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if is_pages(layout) {
            if frames_for(new_size) == frames_for(layout.size()) {
                PAGES_HANDED_OUT.fetch_add(new_size, Ordering::Relaxed);
                PAGES_HANDED_OUT.fetch_sub(layout.size(), Ordering::Relaxed);
                return ptr;
            }
        } else {
            let mut heap = HEAP.lock();
            // SAFETY: the caller's contract: `ptr` came from talc with
            // `layout`, and `new_size` is not zero.
            if unsafe { heap.talc.try_realloc_in_place(ptr, layout, new_size) } {
                heap.handed_out = heap.handed_out - layout.size() + new_size;
                return ptr;
            }
        }
        // Moving it: the copy runs without the lock held, so interrupts
        // stay on for it.
        // SAFETY: the caller guarantees `new_size` rounded up to the
        // alignment does not overflow.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: `new_size` is not zero (the caller's contract).
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks are live, distinct, and hold at least the
            // smaller size; the old one is then freed with its own layout.
            unsafe {
                ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

/// Gives the talc heap its first run of frames (else the first allocation
/// takes it).
pub fn init() {
    let mut heap = HEAP.lock();
    let _ = Frames::acquire(&mut heap.talc, Layout::new::<u8>());
}

/// (bytes handed out, bytes the heap owns).
pub fn usage() -> (usize, usize) {
    let heap = HEAP.lock();
    (
        heap.handed_out + PAGES_HANDED_OUT.load(Ordering::Relaxed),
        heap.talc.source.owned + PAGES_OWNED.load(Ordering::Relaxed),
    )
}
