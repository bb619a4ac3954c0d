//! The scheduler: per-CPU run queues, round robin with a 10 ms slice,
//! idle CPUs that halt and steal work, sleeping with timeouts, and the
//! timer queue behind them. Tickless: a CPU's timer is armed for its next
//! deadline only, and a slice tick only while a program thread runs.
//!
//! Kernel code is not preempted: a thread leaves its CPU only when it
//! sleeps, yields, exits, or is about to return to the program with a
//! reschedule pending. So a spin lock is never held across a switch.
//!
//! A thread's state changes under its own lock. Waking a sleeping thread
//! makes it Runnable and queues it, unless it is still on its CPU (it was
//! about to sleep): then the CPU switching away from it queues it
//! (`finish_switch`), so every wake queues exactly once.

pub mod thread;
pub mod timer;

use crate::arch::percpu::{self, PerCpu};
use crate::arch::{apic, cpu, fpu, syscall};
use crate::mm::kstack::KernelStack;
use crate::sync::IrqMutex;
use crate::time;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use spin::Once;
pub use syscalls::platform::CpuMask;
use thread::{SchedState, State, Thread};
use timer::{Event, Key, TimerQueue};

/// The time slice, and the tick while a program thread runs (CPU-time
/// accounting, CPU-time timers, balancing).
pub const TICK_NS: u64 = syscalls::sys::sched::TIME_SLICE_NS;

/// One CPU's scheduler state (in its `PerCpu`).
pub struct CpuSched {
    rq: IrqMutex<VecDeque<Arc<Thread>>>,
    /// The thread on this CPU (only this CPU touches it, interrupts off).
    current: UnsafeCell<Option<Arc<Thread>>>,
    /// The thread being switched away from, for `finish_switch`.
    prev: UnsafeCell<Option<Arc<Thread>>>,
    idle: Once<Arc<Thread>>,
    pub need_resched: AtomicBool,
    /// Halted in the idle loop: a wakeup must send an IPI.
    pub halted: AtomicBool,
    pub timers: IrqMutex<TimerQueue>,
    /// When the slice tick is due (0: none).
    tick_at: AtomicU64,
    /// Work for the next safe point: personality timers that expired, and
    /// whether a tick asked for the CPU-time timers.
    pub softirq: AtomicBool,
    pub expired: IrqMutex<Vec<u64>>,
    pub cpu_tick: AtomicBool,
    /// Whose FPU state the registers hold.
    fpu_owner: AtomicU64,
    /// Time spent running threads other than idle, for /proc/stat.
    pub busy_ns: AtomicU64,
    /// Context switches on this CPU.
    pub switches: AtomicU64,
}

// SAFETY: `current` and `prev` are touched only by their own CPU with
// interrupts disabled; everything else is atomic or locked.
unsafe impl Sync for CpuSched {}
// SAFETY: as above.
unsafe impl Send for CpuSched {}

impl CpuSched {
    pub fn new() -> Self {
        CpuSched {
            rq: IrqMutex::new(VecDeque::new()),
            current: UnsafeCell::new(None),
            prev: UnsafeCell::new(None),
            idle: Once::new(),
            need_resched: AtomicBool::new(false),
            halted: AtomicBool::new(false),
            timers: IrqMutex::new(TimerQueue::default()),
            tick_at: AtomicU64::new(0),
            softirq: AtomicBool::new(false),
            expired: IrqMutex::new(Vec::new()),
            cpu_tick: AtomicBool::new(false),
            fpu_owner: AtomicU64::new(0),
            busy_ns: AtomicU64::new(0),
            switches: AtomicU64::new(0),
        }
    }

    /// Threads waiting to run here.
    pub fn queued(&self) -> usize {
        self.rq.lock().len()
    }
}

impl Default for CpuSched {
    fn default() -> Self {
        Self::new()
    }
}

/// Program threads by Linux thread id.
static THREADS: IrqMutex<BTreeMap<u32, Arc<Thread>>> = IrqMutex::new(BTreeMap::new());
static NEXT_IDLE_ID: AtomicU32 = AtomicU32::new(u32::MAX);

fn all_cpus_mask() -> CpuMask {
    let mut m: CpuMask = [0; 4];
    for i in 0..percpu::online().max(1) as usize {
        m[i / 64] |= 1 << (i % 64);
    }
    m
}

fn allows(mask: &CpuMask, cpu: u32) -> bool {
    mask[cpu as usize / 64] & (1 << (cpu % 64)) != 0
}

/// The thread running on this CPU.
pub fn current() -> &'static Thread {
    let cpu = percpu::this();
    // SAFETY: `current` is set before any thread runs on this CPU and only
    // this CPU changes it, with interrupts off; the Arc it holds keeps the
    // thread alive while it runs (and the thread reading this is it).
    let cur = unsafe { &*cpu.sched.current.get() };
    let t: &Thread = cur.as_ref().expect("a CPU runs a thread");
    // SAFETY: see above: the thread outlives its own execution.
    unsafe { &*(t as *const Thread) }
}

/// The thread running on this CPU, if threads run yet (the fault and
/// interrupt paths ask).
pub fn try_current() -> Option<&'static Thread> {
    if !percpu::ready() {
        return None;
    }
    let cpu = percpu::this();
    // SAFETY: as in `current`.
    let cur = unsafe { &*cpu.sched.current.get() };
    // SAFETY: as in `current`.
    cur.as_ref().map(|t| unsafe { &*(Arc::as_ptr(t)) })
}

/// Makes the code running on this CPU (its boot or start-up stack) its
/// idle thread, and the current one.
pub fn init_cpu(cpu: &PerCpu, stack_bottom: u64, stack_top: u64) {
    let idle = Arc::new_cyclic(|me| Thread {
        id: NEXT_IDLE_ID.fetch_sub(1, Ordering::Relaxed),
        sched: IrqMutex::new(SchedState {
            state: State::Running,
            on_cpu: true,
            cpu: cpu.index,
            affinity: [0; 4],
            sleep_seq: 0,
            woken_on_cpu: false,
        }),
        saved_rsp: UnsafeCell::new(0),
        stack: None,
        stack_bottom,
        stack_top,
        fpu: UnsafeCell::new(None),
        fpu_cpu: AtomicU32::new(u32::MAX),
        fs_base: AtomicU64::new(0),
        gs_base: AtomicU64::new(0),
        cpu_ns: AtomicU64::new(0),
        on_since: AtomicU64::new(0),
        linux: Once::new(),
        me: me.clone(),
    });
    cpu.sched.idle.call_once(|| idle.clone());
    // SAFETY: this CPU's own field, set before interrupts are enabled.
    unsafe { *cpu.sched.current.get() = Some(idle) };
}

/// A new program thread that will start by restoring `regs` (through
/// `thread_entry`), with FS base `fs_base` and the FPU state `fpu`. It
/// runs once `start` is called.
pub fn new_program_thread(
    tid: u32,
    regs: &syscalls::regs::UserRegs,
    fs_base: u64,
    gs_base: u64,
    fpu: fpu::FpuArea,
) -> Option<Arc<Thread>> {
    let stack = KernelStack::new(thread::STACK_SIZE)?;
    let (bottom, top) = (stack.bottom(), stack.top());
    // The frame the thread returns to the program with, at its stack top,
    // and below it what `switch_context` pops to start `thread_entry`.
    let frame_at = top - size_of::<syscalls::regs::UserRegs>() as u64;
    // SAFETY: the stack was just mapped for this thread alone.
    unsafe { (frame_at as *mut syscalls::regs::UserRegs).write(*regs) };
    let rsp = syscall::initial_switch_frame(frame_at);
    let t = Arc::new_cyclic(|me| Thread {
        id: tid,
        sched: IrqMutex::new(SchedState {
            state: State::Sleeping,
            on_cpu: false,
            cpu: percpu::this().index,
            affinity: all_cpus_mask(),
            sleep_seq: 0,
            woken_on_cpu: false,
        }),
        saved_rsp: UnsafeCell::new(rsp),
        stack: Some(stack),
        stack_bottom: bottom,
        stack_top: top,
        fpu: UnsafeCell::new(Some(fpu)),
        fpu_cpu: AtomicU32::new(u32::MAX),
        fs_base: AtomicU64::new(fs_base),
        gs_base: AtomicU64::new(gs_base),
        cpu_ns: AtomicU64::new(0),
        on_since: AtomicU64::new(0),
        linux: Once::new(),
        me: me.clone(),
    });
    Some(t)
}

/// Registers a program thread by its id and makes it runnable.
pub fn start(t: Arc<Thread>) {
    THREADS.lock().insert(t.id, t.clone());
    {
        let mut st = t.sched.lock();
        st.state = State::Runnable;
    }
    enqueue(t, true);
}

/// A program thread by Linux thread id.
pub fn thread(tid: u32) -> Option<Arc<Thread>> {
    THREADS.lock().get(&tid).cloned()
}

/// Picks the CPU for a runnable thread: its last CPU if that is idle,
/// else an idle CPU it may use, else its last CPU if allowed, else the
/// first it may use.
fn place(t: &Thread) -> u32 {
    let (last, mask) = {
        let st = t.sched.lock();
        (st.cpu, st.affinity)
    };
    let idle = |c: &PerCpu| c.sched.halted.load(Ordering::Acquire) && c.sched.queued() == 0;
    if allows(&mask, last) && percpu::cpu(last).is_some_and(idle) {
        return last;
    }
    if let Some(c) = percpu::all().find(|c| allows(&mask, c.index) && idle(c)) {
        return c.index;
    }
    if allows(&mask, last) && percpu::cpu(last).is_some() {
        return last;
    }
    percpu::all()
        .find(|c| allows(&mask, c.index))
        .map_or(0, |c| c.index)
}

/// Queues a Runnable thread on a CPU and tells that CPU. A thread that
/// was woken (`woken`) takes this CPU from the program thread running here
/// at its next return to the program; one that merely gave its CPU up
/// (a yield, the end of a slice) waits its turn.
fn enqueue(t: Arc<Thread>, woken: bool) {
    let target = place(&t);
    let Some(cpu) = percpu::cpu(target) else {
        return;
    };
    cpu.sched.rq.lock().push_back(t);
    let here = percpu::this().index;
    if target != here {
        apic::send_ipi(cpu.apic_id, crate::arch::idt::vector::RESCHEDULE);
    } else if !is_idle(current()) {
        if woken {
            cpu.sched.need_resched.store(true, Ordering::Release);
        }
        // Someone waits here now: the running thread's slice counts.
        update_tick();
    }
}

fn is_idle(t: &Thread) -> bool {
    t.stack.is_none()
}

/// Wakes `t` if it sleeps; if it runs on another CPU, makes that CPU look
/// at its pending work (an IPI: the interrupt's return path delivers
/// signals).
pub fn wake(t: &Arc<Thread>) {
    let (queue, kick) = {
        let mut st = t.sched.lock();
        match st.state {
            State::Sleeping => {
                st.state = State::Runnable;
                // Still switching away: its CPU queues it, as woken.
                st.woken_on_cpu = st.on_cpu;
                (!st.on_cpu, None)
            }
            State::Running if st.cpu != percpu::this().index => (false, Some(st.cpu)),
            _ => (false, None),
        }
    };
    if queue {
        enqueue(t.clone(), true);
    }
    if let Some(c) = kick.and_then(percpu::cpu) {
        apic::send_ipi(c.apic_id, crate::arch::idt::vector::RESCHEDULE);
    }
}

/// The next thread for this CPU: from its queue, else stolen from another
/// CPU's (one that may run here).
fn pick(cpu: &PerCpu) -> Option<Arc<Thread>> {
    let me = cpu.index;
    let ok = |t: &Arc<Thread>| allows(&t.sched.lock().affinity, me);
    {
        let mut q = cpu.sched.rq.lock();
        if let Some(i) = q.iter().position(ok) {
            return q.remove(i);
        }
    }
    for other in percpu::all() {
        if other.index == me {
            continue;
        }
        let mut q = other.sched.rq.lock();
        // Steal from the back: the thread that waited least there.
        if let Some(i) = q.iter().rposition(ok) {
            return q.remove(i);
        }
    }
    None
}

/// The current thread is about to sleep (see `block`).
pub fn prepare_sleep() {
    let me = current();
    let mut st = me.sched.lock();
    st.state = State::Sleeping;
    st.sleep_seq += 1;
}

/// The current thread will not sleep after all.
pub fn cancel_sleep() {
    let me = current();
    let mut st = me.sched.lock();
    if st.state != State::Dead {
        st.state = State::Running;
    }
}

/// Sleeps (after `prepare_sleep`) until woken or `deadline`; returns at
/// once if woken already.
pub fn sleep(deadline: Option<u64>) {
    let me = current();
    let armed = deadline.map(|d| {
        let seq = me.sched.lock().sleep_seq;
        let cpu = percpu::this();
        let key = cpu.sched.timers.lock().insert(
            d,
            Event::Wake {
                thread: me.me.clone(),
                seq,
            },
        );
        rearm(cpu);
        (cpu.index, key)
    });
    block();
    if let Some((c, key)) = armed
        && let Some(cpu) = percpu::cpu(c)
    {
        cpu.sched.timers.lock().remove(key);
    }
}

/// Switches away from the current thread, which has said it will sleep;
/// returns once it is woken and runs again.
fn block() {
    let were = cpu::interrupts_enabled();
    cpu::interrupts_disable();
    let cpu = percpu::this();
    let me = current();
    {
        let mut st = me.sched.lock();
        if st.state != State::Sleeping {
            // Woken before it could sleep.
            st.state = State::Running;
            drop(st);
            if were {
                cpu::interrupts_enable();
            }
            return;
        }
    }
    let next = pick(cpu).unwrap_or_else(|| idle_of(cpu));
    switch_to(cpu, next);
    if were {
        cpu::interrupts_enable();
    }
}

fn idle_of(cpu: &PerCpu) -> Arc<Thread> {
    cpu.sched
        .idle
        .get()
        .expect("every CPU has an idle thread")
        .clone()
}

/// Lets another runnable thread have this CPU (sched_yield, the end of a
/// slice). Nothing happens if none is waiting.
pub fn yield_now() {
    let were = cpu::interrupts_enabled();
    cpu::interrupts_disable();
    let cpu = percpu::this();
    cpu.sched.need_resched.store(false, Ordering::Release);
    let me = current();
    // A thread whose affinity no longer includes this CPU leaves it even
    // if nothing else wants it (it is queued where it may run).
    let must_move = !is_idle(me) && !allows(&me.sched.lock().affinity, cpu.index);
    let next = pick(cpu).or_else(|| must_move.then(|| idle_of(cpu)));
    if let Some(next) = next {
        if !is_idle(me) {
            me.sched.lock().state = State::Runnable;
        }
        switch_to(cpu, next);
    }
    if were {
        cpu::interrupts_enable();
    }
}

/// Ends the current thread: it never runs again, and its stack goes once
/// another thread is on this CPU.
pub fn exit_current() -> ! {
    cpu::interrupts_disable();
    let cpu = percpu::this();
    let me = current();
    me.sched.lock().state = State::Dead;
    THREADS.lock().remove(&me.id);
    let next = pick(cpu).unwrap_or_else(|| idle_of(cpu));
    switch_to(cpu, next);
    unreachable!("a dead thread ran again");
}

/// Switches this CPU from its current thread to `next` (interrupts off).
fn switch_to(cpu: &PerCpu, next: Arc<Thread>) {
    // SAFETY: this CPU's own fields, interrupts off.
    let prev =
        unsafe { (*cpu.sched.current.get()).replace(next.clone()) }.expect("a CPU runs a thread");
    if Arc::ptr_eq(&prev, &next) {
        next.sched.lock().state = State::Running;
        return;
    }
    {
        let mut st = next.sched.lock();
        st.state = State::Running;
        st.on_cpu = true;
        st.cpu = cpu.index;
    }
    let now = time::monotonic_ns();
    let since = prev.on_since.swap(0, Ordering::Relaxed);
    if since != 0 {
        prev.cpu_ns
            .fetch_add(now.saturating_sub(since), Ordering::Relaxed);
        if !is_idle(&prev) {
            cpu.sched
                .busy_ns
                .fetch_add(now.saturating_sub(since), Ordering::Relaxed);
        }
    }
    next.on_since.store(now.max(1), Ordering::Relaxed);
    cpu.sched.switches.fetch_add(1, Ordering::Relaxed);

    // The program's registers: FPU state, FS and GS bases.
    if prev.is_program() {
        prev.gs_base
            .store(percpu::program_gs_base(), Ordering::Relaxed);
        // SAFETY: prev is this CPU's thread until the switch below; its
        // FPU area is touched only here and by itself.
        if let Some(area) = unsafe { (*prev.fpu.get()).as_mut() } {
            area.save();
            prev.fpu_cpu.store(cpu.index, Ordering::Relaxed);
        }
    }
    if next.is_program() {
        let me = Arc::as_ptr(&next) as u64;
        let loaded = next.fpu_cpu.load(Ordering::Relaxed) == cpu.index
            && cpu.sched.fpu_owner.load(Ordering::Relaxed) == me;
        if !loaded {
            // SAFETY: next is not running anywhere (it is being switched
            // in here), so its area is not being written.
            if let Some(area) = unsafe { (*next.fpu.get()).as_ref() } {
                area.restore();
            }
            next.fpu_cpu.store(cpu.index, Ordering::Relaxed);
            cpu.sched.fpu_owner.store(me, Ordering::Relaxed);
        }
        syscall::set_fs_base(next.fs_base.load(Ordering::Relaxed));
        percpu::set_program_gs_base(next.gs_base.load(Ordering::Relaxed));
    }
    // A full slice for the thread coming in, if it needs a tick at all.
    let tick = wants_tick(cpu, &next);
    cpu.sched
        .tick_at
        .store(if tick { now + TICK_NS } else { 0 }, Ordering::Relaxed);
    rearm(cpu);
    syscall::set_kstack_top(next.stack_top);

    let prev_rsp = prev.saved_rsp.get();
    let next_rsp = next.saved_rsp.get();
    // SAFETY: this CPU's field, interrupts off.
    unsafe { *cpu.sched.prev.get() = Some(prev) };
    drop(next);
    // SAFETY: next's saved RSP was written by its last switch away (or
    // `new_program_thread`), and its stack is not in use elsewhere; prev's
    // slot stays valid (the Arc in `prev` keeps the thread).
    unsafe { syscall::switch_context(prev_rsp, *next_rsp) };
    finish_switch();
}

/// Runs on the thread just switched to (also first thing in a new
/// thread): lets go of the thread switched away from, queueing it if it
/// is runnable, freeing it if it died.
pub fn finish_switch() {
    let cpu = percpu::this();
    // SAFETY: this CPU's own field, interrupts off.
    let Some(prev) = (unsafe { (*cpu.sched.prev.get()).take() }) else {
        return;
    };
    let (requeue, woken) = {
        let mut st = prev.sched.lock();
        st.on_cpu = false;
        (st.state == State::Runnable, st.woken_on_cpu)
    };
    if requeue && !is_idle(&prev) {
        prev.sched.lock().woken_on_cpu = false;
        enqueue(prev, woken);
    }
}

/// Whether CPU-time timers (ITIMER_VIRTUAL, ITIMER_PROF, CPU-clock POSIX
/// timers) are armed: CPUs running program threads then tick to check them.
static CPU_TIMERS: AtomicBool = AtomicBool::new(false);

/// Whether this CPU, running `t`, needs the slice tick: a program thread
/// runs and others wait here for the CPU, or CPU-time timers need
/// checking. Otherwise the CPU stays tickless even while busy.
fn wants_tick(cpu: &PerCpu, t: &Thread) -> bool {
    t.is_program() && (cpu.sched.queued() > 0 || CPU_TIMERS.load(Ordering::Acquire))
}

/// Starts the tick if this CPU now needs one (something was queued here,
/// or CPU-time timers were armed).
pub fn update_tick() {
    let cpu = percpu::this();
    let Some(t) = try_current() else { return };
    if cpu.sched.tick_at.load(Ordering::Relaxed) == 0 && wants_tick(cpu, t) {
        let now = time::monotonic_ns();
        cpu.sched.tick_at.store(now + TICK_NS, Ordering::Relaxed);
        rearm(cpu);
    }
}

/// The personality says whether CPU-time timers are armed.
pub fn watch_cpu_time(on: bool) {
    if CPU_TIMERS.swap(on, Ordering::AcqRel) == on || !on {
        return;
    }
    update_tick();
    let here = percpu::this().index;
    for c in percpu::all().filter(|c| c.index != here) {
        apic::send_ipi(c.apic_id, crate::arch::idt::vector::RESCHEDULE);
    }
}

/// Arms this CPU's timer for its earliest deadline (or the slice tick).
pub fn rearm(cpu: &PerCpu) {
    let first = cpu.sched.timers.lock().first();
    let tick = match cpu.sched.tick_at.load(Ordering::Relaxed) {
        0 => None,
        t => Some(t),
    };
    match (first, tick) {
        (None, None) => apic::disarm(),
        (a, b) => time::arm_timer(a.unwrap_or(u64::MAX).min(b.unwrap_or(u64::MAX))),
    }
}

/// The timer interrupt: wakes sleepers, passes personality timers to the
/// next safe point, and at each slice tick asks for a reschedule if
/// others wait.
pub fn on_timer_interrupt() {
    let cpu = percpu::this();
    let now = time::monotonic_ns();
    let due = cpu.sched.timers.lock().expired(now);
    for (key, ev) in due {
        match ev {
            Event::Wake { thread, seq } => {
                if let Some(t) = thread.upgrade()
                    && t.sched.lock().sleep_seq == seq
                {
                    wake(&t);
                }
            }
            Event::Personality(id) => {
                let mine = {
                    let mut map = PERSONALITY.lock();
                    match map.get(&id) {
                        Some(&(c, k)) if c == cpu.index && k == key => {
                            map.remove(&id);
                            true
                        }
                        _ => false,
                    }
                };
                if mine {
                    cpu.sched.expired.lock().push(id);
                    cpu.sched.softirq.store(true, Ordering::Release);
                }
            }
        }
    }
    let tick = cpu.sched.tick_at.load(Ordering::Relaxed);
    if tick != 0 && now >= tick {
        let again = try_current().is_some_and(|t| wants_tick(cpu, t));
        cpu.sched
            .tick_at
            .store(if again { now + TICK_NS } else { 0 }, Ordering::Relaxed);
        if cpu.sched.queued() > 0 {
            cpu.sched.need_resched.store(true, Ordering::Release);
            // A CPU with nothing to do could take some of it.
            if let Some(idle) = percpu::all().find(|c| c.sched.halted.load(Ordering::Acquire)) {
                apic::send_ipi(idle.apic_id, crate::arch::idt::vector::RESCHEDULE);
            }
        }
        cpu.sched.cpu_tick.store(true, Ordering::Release);
        cpu.sched.softirq.store(true, Ordering::Release);
    }
    rearm(cpu);
}

/// Personality timer id -> where it is queued.
static PERSONALITY: IrqMutex<BTreeMap<u64, (u32, Key)>> = IrqMutex::new(BTreeMap::new());

/// Arms (or disarms) a personality timer on this CPU.
pub fn arm_personality_timer(id: u64, deadline: Option<u64>) {
    let mut map = PERSONALITY.lock();
    if let Some((c, key)) = map.remove(&id)
        && let Some(cpu) = percpu::cpu(c)
    {
        cpu.sched.timers.lock().remove(key);
    }
    if let Some(d) = deadline {
        let cpu = percpu::this();
        let key = cpu.sched.timers.lock().insert(d, Event::Personality(id));
        map.insert(id, (cpu.index, key));
        drop(map);
        rearm(cpu);
    }
}

/// Takes this CPU's pending personality timers and tick (for the next
/// safe point).
pub fn take_softirq() -> Option<(Vec<u64>, bool)> {
    let cpu = percpu::this();
    if !cpu.sched.softirq.swap(false, Ordering::AcqRel) {
        return None;
    }
    let ids = core::mem::take(&mut *cpu.sched.expired.lock());
    let tick = cpu.sched.cpu_tick.swap(false, Ordering::AcqRel);
    Some((ids, tick))
}

/// A new thread runs where its creator may.
pub fn inherit_affinity(t: &Thread, creator: &Thread) {
    let mask = creator.sched.lock().affinity;
    if mask.iter().any(|&w| w != 0) {
        t.sched.lock().affinity = mask;
    }
}

/// Where a thread may run.
pub fn affinity(t: &Thread) -> CpuMask {
    t.sched.lock().affinity
}

/// Restricts `t` to `mask`. A thread on a CPU it may no longer use moves:
/// the current thread at once, a queued one to another queue, one running
/// elsewhere at its next return to the program.
pub fn set_affinity(t: &Arc<Thread>, mask: CpuMask) {
    let online = all_cpus_mask();
    let mut m = mask;
    for (w, o) in m.iter_mut().zip(online) {
        *w &= o;
    }
    let (state, cpu_of) = {
        let mut st = t.sched.lock();
        st.affinity = m;
        (st.state, st.cpu)
    };
    let here = percpu::this().index;
    if core::ptr::eq(Arc::as_ptr(t), current()) {
        if !allows(&m, here) {
            // Requeue: `place` picks an allowed CPU.
            let were = cpu::interrupts_enabled();
            cpu::interrupts_disable();
            let cpu = percpu::this();
            let next = pick(cpu).unwrap_or_else(|| idle_of(cpu));
            t.sched.lock().state = State::Runnable;
            switch_to(cpu, next);
            if were {
                cpu::interrupts_enable();
            }
        }
        return;
    }
    match state {
        State::Runnable => {
            for c in percpu::all().filter(|c| !allows(&m, c.index)) {
                let taken = {
                    let mut q = c.sched.rq.lock();
                    q.iter()
                        .position(|x| Arc::ptr_eq(x, t))
                        .and_then(|i| q.remove(i))
                };
                if let Some(moved) = taken {
                    enqueue(moved, false);
                    break;
                }
            }
        }
        State::Running if !allows(&m, cpu_of) => {
            if let Some(c) = percpu::cpu(cpu_of) {
                c.sched.need_resched.store(true, Ordering::Release);
                apic::send_ipi(c.apic_id, crate::arch::idt::vector::RESCHEDULE);
            }
        }
        _ => {}
    }
}

/// The idle loop of every CPU: run what is queued (or can be stolen),
/// run deferred timer work, else halt until an interrupt.
pub fn idle_loop() -> ! {
    loop {
        cpu::interrupts_disable();
        let cpu = percpu::this();
        if let Some(next) = pick(cpu) {
            switch_to(cpu, next);
            continue;
        }
        if cpu.sched.softirq.load(Ordering::Acquire) {
            cpu::interrupts_enable();
            crate::program::run_idle_work();
            continue;
        }
        cpu.sched.halted.store(true, Ordering::Release);
        // Look once more now that wakers can see this CPU is halting.
        if cpu.sched.queued() > 0 {
            cpu.sched.halted.store(false, Ordering::Release);
            continue;
        }
        cpu::enable_and_halt();
        cpu.sched.halted.store(false, Ordering::Release);
    }
}
