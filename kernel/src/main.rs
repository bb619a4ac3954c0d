//! The Sole kernel: boots by PVH, brings up memory, interrupts and clocks, and
//! (in later issues) runs one Linux program in ring 0.
//!
//! Boot order (`kernel_main`): console, start info and command line, memory
//! (page tables, frames, heap), CPU tables (GDT/TSS/IDT), ACPI, local APIC,
//! per-CPU data, FPU and syscall set-up, clocks, the other CPUs, then the
//! banner. "Ready" is the moment before the banner. With a program, its
//! first thread is made runnable and the boot CPU becomes its idle thread.
#![no_std]
#![no_main]
#![allow(unsafe_code)]

extern crate alloc;

mod arch;
mod backtrace;
mod cmdline;
mod crash;
mod klog;
mod mm;
mod program;
mod sched;
mod selftest;
mod sync;
mod time;
mod virtio;

use arch::{acpi, apic, cpu, fpu, kvmclock, percpu, power, pvh, rtc, serial, smp, syscall, tsc};
use cmdline::Options;
use core::fmt::Write;
use core::panic::PanicInfo;

const VERSION: &str = env!("CARGO_PKG_VERSION");

#[unsafe(no_mangle)]
extern "C" fn kernel_main(start_info: u32, entry_tsc: u64) -> ! {
    time::set_entry_tsc(entry_tsc);
    serial::init();
    klog::init(log::LevelFilter::Warn);

    let info = pvh::BootInfo::parse(u64::from(start_info)).unwrap_or_else(|e| {
        log::error!("unusable PVH start info at {start_info:#x}: {e}");
        power::exit(power::KERNEL_FAILURE_STATUS)
    });
    let cmdline = info.cmdline().unwrap_or_else(|_| {
        log::warn!("kernel command line is not UTF-8; ignoring it");
        ""
    });
    let options = Options::parse(cmdline, |w| {
        log::warn!("unknown kernel command-line word `{}`", w.0)
    });
    log::set_max_level(options.log_level);
    log::debug!("command line: {cmdline:?}");

    let mut reserved = [(0u64, 0u64); 10];
    reserved[0] = (info.start_info, info.start_info + 4096);
    for (slot, m) in reserved[1..].iter_mut().zip(info.modules()) {
        *slot = (m.start, m.start + m.len);
    }
    let memory = mm::init::init(info.regions(), &reserved).unwrap_or_else(|e| {
        log::error!("cannot set up memory: {e}");
        power::exit(power::KERNEL_FAILURE_STATUS)
    });
    arch::init_cpu_tables();

    let mut facts = acpi::discover(info.rsdp).unwrap_or_else(|e| {
        log::info!("no usable ACPI ({e}); looking for an MP table");
        acpi::Facts::default()
    });
    if facts.apic_ids.is_empty() {
        match acpi::mp_table_apic_ids().or_else(acpi::fw_cfg_apic_ids) {
            Some(ids) => facts.apic_ids = ids,
            None => log::warn!("neither ACPI, an MP table nor fw_cfg lists the CPUs; using one"),
        }
    }
    apic::init(facts.lapic_phys);
    let boot_cpu = percpu::init(0, apic::id());
    fpu::init_cpu(true, !options.noxsave);
    syscall::init_cpu();
    let (stack_bottom, stack_top) = arch::boot_stack();
    sched::init_cpu(boot_cpu, stack_bottom, stack_top);
    smp::init_ipis();
    let kvm = kvmclock::read();
    let (tsc_hz, source) = tsc::calibrate(kvm.as_ref().map(|k| k.tsc_hz), facts.hpet_phys)
        .unwrap_or_else(|| {
            log::error!("cannot calibrate the TSC: no kvmclock, CPUID frequency, HPET or PIT");
            power::exit(power::KERNEL_FAILURE_STATUS)
        });
    let (wall, wall_source) = match kvm {
        Some(k) => (Some(k.unix_ns), "kvmclock"),
        None => (rtc::read_unix_seconds().map(|s| s * 1_000_000_000), "RTC"),
    };
    time::init(tsc_hz, wall);
    apic::calibrate_timer(tsc_hz);
    let cpus = smp::start_aps(&facts.apic_ids);
    let ready_ns = time::monotonic_ns();

    // With a program to run, the console is the program's: the banner is
    // a log message then.
    let program = !info.modules().is_empty();
    if !program || log::max_level() >= log::LevelFilter::Info {
        println!(
            "Sole {VERSION}: {} MiB RAM, {cpus} CPU{}, ready in {} us",
            memory.ram_bytes >> 20,
            if cpus == 1 { "" } else { "s" },
            ready_ns / 1000
        );
    }
    log::info!(
        "TSC {} kHz ({}{}), APIC timer {}, {} free frames, wall clock: {}",
        tsc_hz / 1000,
        source.name(),
        if cpu::feature::invariant_tsc() {
            ", invariant"
        } else {
            ""
        },
        apic::timer_mode(),
        mm::frame::free_frames(),
        if time::realtime_ns().is_some() {
            wall_source
        } else {
            "unavailable"
        },
    );

    if options.selftest {
        let failed = selftest::run();
        power::exit(if failed == 0 { 0 } else { 1 });
    }
    let mut mmio = options.mmio_devices().to_vec();
    for d in &facts.virtio_mmio {
        if !mmio.iter().any(|m| m.base == d.base) {
            mmio.push(*d);
        }
    }
    if options.blktest {
        let passed = virtio::blk::blktest(&mmio, &facts.io_apics);
        power::exit(if passed { 0 } else { 1 });
    }
    if let Some(kind) = options.crash {
        crash::trigger(kind);
    }
    let Some(initrd) = info.modules().first() else {
        power::exit(0)
    };
    let root = if options.root_disk {
        match virtio::blk::Disk::find(&mmio, &facts.io_apics) {
            Some(disk) => program::exec::Root::Disk(alloc::boxed::Box::new(disk)),
            None => {
                println!("sole: root=disk, but the machine has no virtio-blk disk");
                power::exit(program::exec::CANNOT_EXECUTE)
            }
        }
    } else {
        program::exec::Root::Initrd
    };
    program::exec::start((initrd.start, initrd.len), root, memory.ram_bytes);
    cpu::interrupts_enable();
    sched::idle_loop()
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    cpu::interrupts_disable();
    let mut out = serial::RawConsole;
    let _ = write!(out, "\nKERNEL PANIC: {}", info.message());
    if let Some(loc) = info.location() {
        let _ = write!(out, " at {}:{}", loc.file(), loc.line());
    }
    let _ = writeln!(out);
    backtrace::print(
        &mut out,
        panic as *const () as usize as u64,
        arch::frames::current_rbp(),
    );
    power::exit(power::KERNEL_FAILURE_STATUS)
}
