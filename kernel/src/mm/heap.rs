//! The kernel heap: a buddy allocator that grows by taking frames from the
//! frame allocator when it runs out.

use super::{PAGE_SIZE, frame, phys_to_virt};
use buddy_system_allocator::{Heap, LockedHeapWithRescue};
use core::alloc::{GlobalAlloc, Layout};

/// Memory the heap starts with; it grows in chunks of at least this much.
const GROW_BYTES: u64 = 256 * 1024; // a power of two

static HEAP: LockedHeapWithRescue<32> = LockedHeapWithRescue::new(grow);

/// The heap with interrupts off while its lock is held: interrupt handlers
/// allocate too (a wakeup grows a run queue), and must never spin on a
/// lock the code they interrupted holds.
struct IrqSafeHeap;

#[global_allocator]
static ALLOCATOR: IrqSafeHeap = IrqSafeHeap;

fn without_interrupts<R>(f: impl FnOnce() -> R) -> R {
    let were = crate::arch::cpu::interrupts_enabled();
    crate::arch::cpu::interrupts_disable();
    let r = f();
    if were {
        crate::arch::cpu::interrupts_enable();
    }
    r
}

// SAFETY: forwards to the buddy heap, which is a correct allocator; only
// the interrupt flag changes around each call.
unsafe impl GlobalAlloc for IrqSafeHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        without_interrupts(|| unsafe { HEAP.alloc(layout) })
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        without_interrupts(|| unsafe { HEAP.dealloc(ptr, layout) })
    }
}

/// Gives the heap its first chunk.
pub fn init() {
    let mut heap = HEAP.lock();
    add_frames(&mut heap, GROW_BYTES / PAGE_SIZE);
}

/// Called with the heap locked when an allocation fails: adds enough frames
/// for `layout`. The frame allocator does not use the heap, so this cannot
/// recurse. A buddy heap serves a request from one power-of-two block
/// aligned to its size, so the chunk is one such block.
fn grow(heap: &mut Heap<32>, layout: &Layout) {
    let need = (layout.size().max(layout.align()) as u64)
        .next_power_of_two()
        .max(GROW_BYTES);
    add_frames(heap, need / PAGE_SIZE);
}

fn add_frames(heap: &mut Heap<32>, frames: u64) {
    if let Some(phys) = frame::alloc_aligned(frames, frames) {
        let start = phys_to_virt(phys) as usize;
        // SAFETY: the frames were just allocated for the heap alone and are
        // mapped by the direct map.
        unsafe { heap.add_to_heap(start, start + (frames * PAGE_SIZE) as usize) };
    }
}

/// (bytes handed out, bytes the heap owns).
pub fn usage() -> (usize, usize) {
    without_interrupts(|| {
        let heap = HEAP.lock();
        (heap.stats_alloc_actual(), heap.stats_total_bytes())
    })
}
