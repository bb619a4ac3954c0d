//! The program's FPU, SSE and AVX state (Intel SDM Vol. 1, chapter 13).
//! The kernel itself is soft-float, so this state belongs to the program
//! thread on the CPU and is saved only when that thread is switched out or
//! a signal frame needs it, never on the syscall path (DESIGN.md).
//!
//! With XSAVE the image is the standard (non-compacted) format for the
//! features in XCR0: x87, SSE, AVX and AVX-512 when the CPU has them;
//! without it, the 512-byte FXSAVE image. The same format goes into signal
//! frames, as Linux puts it there.

use super::cpu;
use alloc::alloc::{Layout, alloc_zeroed, dealloc};
use core::arch::asm;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};

const CR4_OSXSAVE: u64 = 1 << 18;
const FXSAVE_SIZE: usize = 512;
const HEADER: usize = 512;

/// x87, SSE, AVX, and AVX-512's three parts (opmask, ZMM_Hi256, Hi16_ZMM).
const WANTED: u64 = 0b1110_0111;
const AVX512: u64 = 0b1110_0000;

static XSAVE: AtomicBool = AtomicBool::new(false);
static XSAVEOPT: AtomicBool = AtomicBool::new(false);
static XCR0: AtomicU64 = AtomicU64::new(0);
static SIZE: AtomicUsize = AtomicUsize::new(FXSAVE_SIZE);
static MXCSR_MASK: AtomicU32 = AtomicU32::new(0xffbf);

fn has_xsave() -> bool {
    cpu::cpuid(1, 0).ecx & (1 << 26) != 0
}

/// Turns on XSAVE and the state components this CPU and Sole support
/// (unless `use_xsave` is false: FXSAVE then, for x87 and SSE only). The
/// boot CPU decides; the others follow (they are the same model).
pub fn init_cpu(boot: bool, use_xsave: bool) {
    if boot && use_xsave && has_xsave() && cpu::max_leaf() >= 0xd {
        let supported = {
            let r = cpu::cpuid(0xd, 0);
            u64::from(r.eax) | (u64::from(r.edx) << 32)
        };
        let mut xcr0 = supported & WANTED;
        if xcr0 & AVX512 != AVX512 {
            xcr0 &= !AVX512;
        }
        XCR0.store(xcr0, Ordering::Relaxed);
        XSAVE.store(true, Ordering::Relaxed);
        XSAVEOPT.store(cpu::cpuid(0xd, 1).eax & 1 != 0, Ordering::Relaxed);
    }
    if XSAVE.load(Ordering::Relaxed) {
        let cr4 = cpu::read_cr4() | CR4_OSXSAVE;
        let xcr0 = XCR0.load(Ordering::Relaxed);
        // SAFETY: CPUID said XSAVE exists; XCR0 names only supported
        // components with x87 and SSE set, as XSETBV requires.
        unsafe {
            asm!("mov cr4, {}", in(reg) cr4, options(nostack));
            asm!("xsetbv", in("ecx") 0, in("eax") xcr0 as u32, in("edx") (xcr0 >> 32) as u32,
                 options(nostack));
        }
    }
    if boot {
        let size = if XSAVE.load(Ordering::Relaxed) {
            cpu::cpuid(0xd, 0).ebx as usize
        } else {
            FXSAVE_SIZE
        };
        SIZE.store(size.max(FXSAVE_SIZE), Ordering::Relaxed);
        let mut probe = FpuArea::new();
        probe.save_fx();
        let mask = u32::from_le_bytes(probe.bytes()[28..32].try_into().unwrap_or_default());
        if mask != 0 {
            MXCSR_MASK.store(mask, Ordering::Relaxed);
        }
    }
}

/// The image's size in bytes.
pub fn size() -> usize {
    SIZE.load(Ordering::Relaxed)
}

/// The XSAVE features in the image (0 without XSAVE).
pub fn xfeatures() -> u64 {
    if XSAVE.load(Ordering::Relaxed) {
        XCR0.load(Ordering::Relaxed)
    } else {
        0
    }
}

/// A 64-byte-aligned buffer for one thread's state.
pub struct FpuArea {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the buffer is plain memory owned by the area; whoever holds the
// area (one thread's record) decides who touches it.
unsafe impl Send for FpuArea {}
// SAFETY: as above; shared references only read it.
unsafe impl Sync for FpuArea {}

impl FpuArea {
    fn layout(len: usize) -> Layout {
        Layout::from_size_align(len, 64).unwrap_or(Layout::new::<[u8; 64]>())
    }

    /// An area holding the initial state (FNINIT's, MXCSR 0x1f80).
    pub fn new() -> Self {
        let len = size();
        // SAFETY: a non-zero size with a valid alignment.
        let ptr = unsafe { alloc_zeroed(Self::layout(len)) };
        if ptr.is_null() {
            alloc::alloc::handle_alloc_error(Self::layout(len));
        }
        let mut a = FpuArea { ptr, len };
        let xsave = XSAVE.load(Ordering::Relaxed);
        let b = a.bytes_mut();
        b[0..2].copy_from_slice(&0x037fu16.to_le_bytes());
        b[24..28].copy_from_slice(&0x1f80u32.to_le_bytes());
        if xsave {
            b[HEADER..HEADER + 8].copy_from_slice(&3u64.to_le_bytes());
        }
        a
    }

    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` is an allocation of `len` bytes owned by self.
        unsafe { core::slice::from_raw_parts(self.ptr, self.len) }
    }

    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `bytes`, and self is borrowed mutably.
        unsafe { core::slice::from_raw_parts_mut(self.ptr, self.len) }
    }

    fn save_fx(&mut self) {
        // SAFETY: the area is 512 bytes or more and 16-aligned; FXSAVE only
        // writes it.
        unsafe { asm!("fxsave64 [{}]", in(reg) self.ptr, options(nostack)) };
    }

    /// Saves this CPU's live state into the area.
    pub fn save(&mut self) {
        if XSAVE.load(Ordering::Relaxed) {
            let (lo, hi) = (u32::MAX, u32::MAX);
            if XSAVEOPT.load(Ordering::Relaxed) {
                // SAFETY: the area is `size()` bytes, 64-aligned, as XSAVE
                // needs for XCR0's features.
                unsafe {
                    asm!("xsaveopt64 [{}]", in(reg) self.ptr, in("eax") lo, in("edx") hi,
                         options(nostack))
                };
            } else {
                // SAFETY: as above.
                unsafe {
                    asm!("xsave64 [{}]", in(reg) self.ptr, in("eax") lo, in("edx") hi,
                         options(nostack))
                };
            }
        } else {
            self.save_fx();
        }
    }

    /// Loads the area into this CPU. The area must hold a valid image
    /// (`valid` checks one that came from a program).
    pub fn restore(&self) {
        if XSAVE.load(Ordering::Relaxed) {
            // SAFETY: a valid image of `size()` bytes, 64-aligned: XRSTOR
            // cannot fault on it.
            unsafe {
                asm!("xrstor64 [{}]", in(reg) self.ptr, in("eax") u32::MAX, in("edx") u32::MAX,
                     options(nostack))
            };
        } else {
            // SAFETY: as above, for FXRSTOR.
            unsafe { asm!("fxrstor64 [{}]", in(reg) self.ptr, options(nostack)) };
        }
    }
}

impl Default for FpuArea {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for FpuArea {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { dealloc(self.ptr, Self::layout(self.len)) };
    }
}

/// Whether an image from a program (rt_sigreturn) can be loaded without a
/// fault: MXCSR's reserved bits clear, and a well-formed XSAVE header
/// (Intel SDM Vol. 1, 13.8: XRSTOR's #GP conditions).
pub fn valid(image: &[u8]) -> bool {
    if image.len() != size() {
        return false;
    }
    let mxcsr = u32::from_le_bytes(image[24..28].try_into().unwrap_or_default());
    if mxcsr & !MXCSR_MASK.load(Ordering::Relaxed) != 0 {
        return false;
    }
    if !XSAVE.load(Ordering::Relaxed) {
        return true;
    }
    let word = |at: usize| u64::from_le_bytes(image[at..at + 8].try_into().unwrap_or_default());
    let xstate_bv = word(HEADER);
    let xcomp_bv = word(HEADER + 8);
    xstate_bv & !XCR0.load(Ordering::Relaxed) == 0
        && xcomp_bv == 0
        && image[HEADER + 16..HEADER + 64].iter().all(|&b| b == 0)
}
