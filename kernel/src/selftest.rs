//! In-kernel unit tests (`sole run --selftest`, kernel word `selftest`): the
//! parts that only exist on a booted machine. Each prints
//! `selftest NAME ... ok|FAILED: why`; the summary line and the exit status
//! (0 when all pass) tell the host.

use crate::arch::{apic, cpu};
use crate::mm::paging::{AddressSpace, GlobalFrames, NO_EXECUTE, PageSize, WRITABLE};
use crate::mm::{self, PAGE_SIZE, frame, heap, phys_to_virt};
use crate::{println, time};
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

type Outcome = Result<(), String>;
type Test = (&'static str, fn() -> Outcome);

macro_rules! check {
    ($cond:expr, $($why:tt)*) => {
        if !$cond {
            return Err(format!($($why)*));
        }
    };
}

const TESTS: &[Test] = &[
    (
        "frame_alloc_distinct_and_freed",
        frame_alloc_distinct_and_freed,
    ),
    (
        "frame_alloc_contiguous_aligned",
        frame_alloc_contiguous_aligned,
    ),
    ("frame_alloc_refuses_too_much", frame_alloc_refuses_too_much),
    (
        "frame_allocator_finds_runs_around_holes",
        frame_allocator_finds_runs_around_holes,
    ),
    ("paging_map_write_unmap_4k", paging_map_write_unmap_4k),
    ("paging_map_unmap_2m", paging_map_unmap_2m),
    (
        "paging_kernel_text_not_writable",
        paging_kernel_text_not_writable,
    ),
    ("paging_stack_guards_unmapped", paging_stack_guards_unmapped),
    ("heap_alloc_free_and_grow", heap_alloc_free_and_grow),
    ("heap_honours_alignment", heap_honours_alignment),
    ("timer_interrupts_fire", timer_interrupts_fire),
    ("clock_monotonic", clock_monotonic),
    ("clock_tracks_sleep", clock_tracks_sleep),
    ("wall_clock_plausible", wall_clock_plausible),
    ("tsc_frequency_plausible", tsc_frequency_plausible),
    (
        "symbols_name_kernel_functions",
        symbols_name_kernel_functions,
    ),
    ("cmdline_parses_words", cmdline_parses_words),
    ("cmdline_parses_virtio_mmio", cmdline_parses_virtio_mmio),
    (
        "acpi_finds_virtio_mmio_in_aml",
        acpi_finds_virtio_mmio_in_aml,
    ),
];

/// Runs every test; returns the number that failed.
pub fn run() -> usize {
    let mut failed = 0;
    for (name, test) in TESTS {
        match test() {
            Ok(()) => println!("selftest {name} ... ok"),
            Err(why) => {
                failed += 1;
                println!("selftest {name} ... FAILED: {why}");
            }
        }
    }
    println!("selftest: {} passed, {failed} failed", TESTS.len() - failed);
    failed
}

fn frame_alloc_distinct_and_freed() -> Outcome {
    let before = frame::free_frames();
    let mut got = Vec::new();
    for _ in 0..64 {
        let f = frame::alloc(1).ok_or("allocation failed")?;
        check!(f % PAGE_SIZE == 0, "frame {f:#x} not page-aligned");
        check!(!got.contains(&f), "frame {f:#x} handed out twice");
        got.push(f);
    }
    check!(
        frame::free_frames() == before - 64,
        "free count did not drop by 64"
    );
    let (img_start, img_end) = mm::kernel_image_phys();
    check!(
        got.iter()
            .all(|&f| f >= 1 << 20 && !(img_start..img_end).contains(&f)),
        "handed out a reserved frame"
    );
    for f in got {
        frame::dealloc(f, 1);
    }
    check!(frame::free_frames() == before, "free count not restored");
    Ok(())
}

fn frame_alloc_contiguous_aligned() -> Outcome {
    let f = frame::alloc_aligned(16, 16).ok_or("allocation failed")?;
    check!(f % (16 * PAGE_SIZE) == 0, "{f:#x} not aligned to 64 KiB");
    // Touch every frame through the direct map: they must be real RAM.
    for i in 0..16 {
        let p = phys_to_virt(f + i * PAGE_SIZE) as *mut u64;
        // SAFETY: the frames were just allocated to this test.
        unsafe { p.write_volatile(i) };
        // SAFETY: as above.
        let back = unsafe { p.read_volatile() };
        check!(back == i, "frame {i} did not keep a value");
    }
    frame::dealloc(f, 16);
    Ok(())
}

fn frame_alloc_refuses_too_much() -> Outcome {
    let free = frame::free_frames();
    check!(
        frame::alloc(free + 1).is_none(),
        "allocated more frames than are free"
    );
    check!(
        frame::free_frames() == free,
        "a refused allocation changed the free count"
    );
    Ok(())
}

fn frame_allocator_finds_runs_around_holes() -> Outcome {
    // A private allocator over 256 frames with RAM at [8,40) and [48,256).
    let bitmap: &'static mut [u64] = Box::leak(Box::new([0u64; 4]));
    let ranges = [
        (8 * PAGE_SIZE, 40 * PAGE_SIZE),
        (48 * PAGE_SIZE, 256 * PAGE_SIZE),
    ];
    let mut a = frame::FrameAllocator::new(bitmap, 256, ranges.into_iter());
    check!(
        a.free_frames() == 32 + 208,
        "free count {} != 240",
        a.free_frames()
    );
    let big = a.alloc(40, 1).ok_or("no run of 40")? / PAGE_SIZE;
    check!(big >= 48, "run of 40 at frame {big} crosses the hole");
    let aligned = a.alloc(8, 32).ok_or("no aligned run")? / PAGE_SIZE;
    check!(
        aligned.is_multiple_of(32) && !(40..48).contains(&aligned),
        "bad aligned run at {aligned}"
    );
    check!(a.alloc(300, 1).is_none(), "allocated beyond the end");
    a.dealloc(big * PAGE_SIZE, 40);
    check!(a.free_frames() == 240 - 8, "free count after dealloc");
    Ok(())
}

/// Unused kernel-half addresses for mapping tests.
const TEST_VIRT: u64 = 0xffff_c000_0000_0000;

fn paging_map_write_unmap_4k() -> Outcome {
    let space = AddressSpace::current();
    let phys = frame::alloc_zeroed().ok_or("no frame")?;
    check!(
        space.translate(TEST_VIRT).is_none(),
        "test address already mapped"
    );
    space
        .map(
            TEST_VIRT,
            phys,
            PageSize::Size4K,
            WRITABLE | NO_EXECUTE,
            &mut GlobalFrames,
        )
        .map_err(|e| format!("map: {e:?}"))?;
    check!(
        space.translate(TEST_VIRT + 0x123) == Some(phys + 0x123),
        "translate after map"
    );
    // SAFETY: TEST_VIRT was just mapped writable to a frame this test owns.
    unsafe { (TEST_VIRT as *mut u64).write_volatile(0x5013_1e55) };
    // SAFETY: the same frame through the direct map.
    let seen = unsafe { (phys_to_virt(phys) as *const u64).read_volatile() };
    check!(
        seen == 0x5013_1e55,
        "write through the new mapping not seen in the direct map"
    );
    check!(
        space
            .map(
                TEST_VIRT,
                phys,
                PageSize::Size4K,
                WRITABLE,
                &mut GlobalFrames
            )
            .is_err(),
        "mapping twice succeeded"
    );
    let (unmapped, size) = space
        .unmap(TEST_VIRT)
        .map_err(|e| format!("unmap: {e:?}"))?;
    check!(
        unmapped == phys && size == PageSize::Size4K,
        "unmap returned the wrong page"
    );
    check!(
        space.translate(TEST_VIRT).is_none(),
        "still mapped after unmap"
    );
    check!(space.unmap(TEST_VIRT).is_err(), "unmapping twice succeeded");
    frame::dealloc(phys, 1);
    Ok(())
}

fn paging_map_unmap_2m() -> Outcome {
    let space = AddressSpace::current();
    let virt = TEST_VIRT + (1 << 30);
    let frames = (2 << 20) / PAGE_SIZE;
    let phys = frame::alloc_aligned(frames, frames).ok_or("no 2 MiB run")?;
    space
        .map(
            virt,
            phys,
            PageSize::Size2M,
            WRITABLE | NO_EXECUTE,
            &mut GlobalFrames,
        )
        .map_err(|e| format!("map: {e:?}"))?;
    check!(
        space.translate(virt + 0x1f_f008) == Some(phys + 0x1f_f008),
        "translate inside the 2 MiB page"
    );
    check!(
        space
            .map(
                virt + PAGE_SIZE,
                phys,
                PageSize::Size4K,
                WRITABLE,
                &mut GlobalFrames
            )
            .is_err(),
        "mapped a 4 KiB page inside a 2 MiB one"
    );
    let (p, size) = space.unmap(virt).map_err(|e| format!("unmap: {e:?}"))?;
    check!(
        p == phys && size == PageSize::Size2M,
        "unmap returned the wrong page"
    );
    check!(space.translate(virt).is_none(), "still mapped after unmap");
    frame::dealloc(phys, frames);
    Ok(())
}

fn paging_kernel_text_not_writable() -> Outcome {
    let space = AddressSpace::current();
    let text = run as *const () as usize as u64;
    let flags = space.flags(text).ok_or("kernel text not mapped")?;
    check!(flags & WRITABLE == 0, "kernel text is writable");
    check!(flags & NO_EXECUTE == 0, "kernel text is not executable");
    let data = TESTS.as_ptr() as u64;
    check!(
        space.flags(data).is_some_and(|f| f & NO_EXECUTE != 0),
        "read-only data is executable"
    );
    Ok(())
}

fn paging_stack_guards_unmapped() -> Outcome {
    let space = AddressSpace::current();
    let mut guards = 0;
    for g in crate::arch::stack_guard_pages() {
        check!(space.translate(g).is_none(), "guard page {g:#x} is mapped");
        check!(
            space.translate(g + PAGE_SIZE).is_some(),
            "stack above guard {g:#x} is not mapped"
        );
        guards += 1;
    }
    check!(
        guards == 7,
        "{guards} guard pages, expected 7 (boot, 6 IST)"
    );
    Ok(())
}

fn heap_alloc_free_and_grow() -> Outcome {
    let (used_before, _) = heap::usage();
    let v: Vec<u64> = (0..1000).collect();
    check!(v.iter().sum::<u64>() == 499_500, "vector contents wrong");
    // Bigger than the first heap chunk: forces the heap to take frames.
    let big = alloc::vec![0xa5u8; 3 << 20];
    check!(
        big.iter().all(|&b| b == 0xa5),
        "large allocation contents wrong"
    );
    let (_, total) = heap::usage();
    check!(total >= 3 << 20, "heap did not grow (total {total})");
    drop(big);
    drop(v);
    let (used_after, _) = heap::usage();
    check!(
        used_after == used_before,
        "heap use {used_after} != {used_before} after freeing"
    );
    Ok(())
}

fn heap_honours_alignment() -> Outcome {
    #[repr(align(4096))]
    struct Page([u8; 4096]);
    let mut boxes: Vec<Box<Page>> = Vec::with_capacity(4);
    // Page-aligned blocks are whole frames, given back when freed.
    let free = frame::free_frames();
    boxes.extend((0..4).map(|_| Box::new(Page([1; 4096]))));
    check!(
        frame::free_frames() == free - 4,
        "4 page-aligned boxes took {} frames",
        free - frame::free_frames()
    );
    check!(
        boxes
            .iter()
            .all(|b| (&raw const **b as usize).is_multiple_of(4096)),
        "page-aligned box misaligned"
    );
    check!(boxes.iter().all(|b| b.0[4095] == 1), "contents wrong");
    boxes.clear();
    check!(
        frame::free_frames() == free,
        "page-aligned boxes' frames not given back"
    );
    Ok(())
}

fn timer_interrupts_fire() -> Outcome {
    let before = apic::timer_interrupts();
    for _ in 0..3 {
        let start = time::monotonic_ns();
        time::sleep_ns(200_000);
        let slept = time::monotonic_ns() - start;
        check!(slept >= 200_000, "slept only {slept} ns of 200000");
    }
    let fired = apic::timer_interrupts() - before;
    check!(
        fired >= 3,
        "{fired} timer interrupts for 3 sleeps ({} mode)",
        apic::timer_mode()
    );
    Ok(())
}

fn clock_monotonic() -> Outcome {
    let mut last = time::monotonic_ns();
    for _ in 0..100_000 {
        let now = time::monotonic_ns();
        check!(now >= last, "clock went back from {last} to {now}");
        last = now;
    }
    Ok(())
}

fn clock_tracks_sleep() -> Outcome {
    let t0 = time::monotonic_ns();
    time::sleep_ns(2_000_000);
    let dt = time::monotonic_ns() - t0;
    check!(
        (2_000_000..50_000_000).contains(&dt),
        "2 ms sleep measured as {dt} ns"
    );
    Ok(())
}

fn wall_clock_plausible() -> Outcome {
    let now = time::realtime_ns().ok_or("no RTC reading")?;
    let secs = now / 1_000_000_000;
    // 2024-01-01 .. 2100-01-01
    check!(
        (1_704_067_200..4_102_444_800).contains(&secs),
        "wall clock {secs} s is implausible"
    );
    Ok(())
}

fn tsc_frequency_plausible() -> Outcome {
    let hz = time::tsc_hz();
    check!(
        (100_000_000..20_000_000_000).contains(&hz),
        "TSC at {hz} Hz"
    );
    check!(cpu::rdtsc() > 0, "TSC reads zero");
    Ok(())
}

fn symbols_name_kernel_functions() -> Outcome {
    let table = crate::backtrace::symbols().ok_or("the image has no symbol table")?;
    let addr = symbols_name_kernel_functions as *const () as usize as u64;
    let (name, off) = table
        .lookup(addr + 1)
        .ok_or("no symbol for a kernel function")?;
    check!(
        name.ends_with("symbols_name_kernel_functions") && off == 1,
        "looked up as {name}+{off:#x}"
    );
    Ok(())
}

fn cmdline_parses_words() -> Outcome {
    use crate::cmdline::{Crash, Options};
    let mut unknown = Vec::new();
    let o = Options::parse(
        "log=debug  selftest crash=divide-error bogus log=loud",
        |u| unknown.push(String::from(u.0)),
    );
    check!(
        o.log_level == log::LevelFilter::Debug,
        "log level {:?}",
        o.log_level
    );
    check!(
        o.selftest && o.crash == Some(Crash::DivideError),
        "flags {o:?}"
    );
    check!(
        unknown == ["bogus", "log=loud"],
        "unknown words {unknown:?}"
    );
    Ok(())
}

fn cmdline_parses_virtio_mmio() -> Outcome {
    use crate::cmdline::Options;
    use crate::virtio::MmioDevice;
    let mut unknown = Vec::new();
    let o = Options::parse(
        "virtio_mmio.device=512@0xfeb00e00:12 virtio_mmio.device=4K@0x1000:5:3 \
         virtio_mmio.device=512@0xfeb00000 virtio_mmio.device=0@0x1000:5 blktest",
        |u| unknown.push(String::from(u.0)),
    );
    let want = [
        MmioDevice {
            base: 0xfeb0_0e00,
            size: 512,
            irq: 12,
        },
        MmioDevice {
            base: 0x1000,
            size: 4096,
            irq: 5,
        },
    ];
    check!(o.mmio_devices() == want, "devices {:?}", o.mmio_devices());
    check!(o.blktest, "blktest not set");
    check!(
        unknown
            == [
                "virtio_mmio.device=512@0xfeb00000",
                "virtio_mmio.device=0@0x1000:5"
            ],
        "unknown words {unknown:?}"
    );
    Ok(())
}

/// A device as QEMU's microvm writes it: `_HID` "LNRO0005", then a `_CRS`
/// buffer with Memory32Fixed and Extended Interrupt descriptors.
fn acpi_finds_virtio_mmio_in_aml() -> Outcome {
    use crate::virtio::MmioDevice;
    let mut dsdt = alloc::vec![0u8; 36];
    for (base, irq) in [(0xfeb0_0000u32, 16u32), (0xfeb0_0200, 17)] {
        dsdt.extend_from_slice(b"\x5b\x82\x40VR00\x08_HID\x0dLNRO0005\x00\x08_CRS\x11\x1a\x0a\x17");
        dsdt.extend_from_slice(&[0x86, 0x09, 0x00, 0x01]);
        dsdt.extend_from_slice(&base.to_le_bytes());
        dsdt.extend_from_slice(&0x200u32.to_le_bytes());
        dsdt.extend_from_slice(&[0x89, 0x06, 0x00, 0x03, 0x01]);
        dsdt.extend_from_slice(&irq.to_le_bytes());
        dsdt.extend_from_slice(&[0x79, 0x00]);
    }
    // A Memory32Fixed outside any virtio device is not taken.
    dsdt.extend_from_slice(&[0x86, 0x09, 0x00, 0x01, 0, 0, 0xc0, 0xfe, 0, 0x10, 0, 0]);
    let found = crate::arch::acpi::virtio_mmio_devices(&dsdt);
    check!(
        found.len() == 2
            && found[0]
                == MmioDevice {
                    base: 0xfeb0_0000,
                    size: 0x200,
                    irq: 16
                }
            && found[1].base == 0xfeb0_0200
            && found[1].irq == 17,
        "found {found:?}"
    );
    check!(
        crate::arch::acpi::virtio_mmio_devices(&dsdt[..40]).is_empty(),
        "a cut table gave devices"
    );
    Ok(())
}
