//! Futexes (futex(2), futex(7)): wait queues keyed by the address of a
//! 32-bit word in program memory. Sole has one address space, so private
//! and shared futexes are the same thing.
//!
//! A waiter checks the word and queues itself under its bucket's lock, so a
//! waker that changes the word and then wakes (under the same lock) cannot
//! slip between the check and the sleep. Requeueing moves a waiter to
//! another word; the waiter's `addr` says where it is now.
//!
//! PI futexes carry the owner's thread id in the word (FUTEX_WAITERS set
//! when someone waits). Sole has no priorities to inherit, so the PI
//! operations are the locking protocol alone: LOCK_PI queues the caller
//! until UNLOCK_PI hands it the lock, writing its id into the word.

use crate::dispatch::Ctx;
use crate::platform::Platform;
use crate::user::UserPtr;
use crate::wait::{WaitError, Wake, wait_until};
use crate::{Errno, Error};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use spin::Mutex;

pub const FUTEX_WAITERS: u32 = 0x8000_0000;
pub const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
pub const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
pub const FUTEX_BITSET_MATCH_ANY: u32 = u32::MAX;

const BUCKETS: usize = 64;

/// A queued waiter.
pub struct Waiter {
    /// The word it waits on (changes when requeued).
    addr: AtomicU64,
    bitset: u32,
    tid: u32,
    pi: bool,
    woken: AtomicBool,
    waker: Arc<dyn Wake>,
}

impl Waiter {
    fn wake(&self) {
        self.woken.store(true, Ordering::Release);
        self.waker.wake();
    }
}

pub struct FutexTable {
    buckets: [Mutex<Vec<Arc<Waiter>>>; BUCKETS],
}

impl Default for FutexTable {
    fn default() -> Self {
        FutexTable {
            buckets: core::array::from_fn(|_| Mutex::new(Vec::new())),
        }
    }
}

fn bucket_of(addr: u64) -> usize {
    // Fibonacci hashing of the word's address.
    ((addr >> 2).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58) as usize % BUCKETS
}

fn read_word(p: &dyn Platform, addr: u64) -> Result<u32, Errno> {
    UserPtr::<u32>::new(addr).read(p).map_err(|_| Errno::EFAULT)
}

fn cmpxchg(p: &dyn Platform, addr: u64, old: u32, new: u32) -> Result<u32, Errno> {
    p.cmpxchg_user_u32(addr, old, new)
        .map_err(|_| Errno::EFAULT)
}

impl FutexTable {
    /// FUTEX_WAIT and FUTEX_WAIT_BITSET: sleeps while the word holds `val`.
    pub fn wait(
        &self,
        ctx: &Ctx<'_>,
        addr: u64,
        val: u32,
        bitset: u32,
        deadline: Option<u64>,
    ) -> Result<(), Error> {
        let me = Arc::new(Waiter {
            addr: AtomicU64::new(addr),
            bitset,
            tid: ctx.thread.tid,
            pi: false,
            woken: AtomicBool::new(false),
            waker: ctx.thread.waker().clone(),
        });
        {
            let mut b = self.buckets[bucket_of(addr)].lock();
            if read_word(ctx.platform, addr)? != val {
                return Err(Errno::EAGAIN.into());
            }
            b.push(me.clone());
        }
        let r = wait_until(ctx, &[], deadline, || {
            me.woken.load(Ordering::Acquire).then_some(())
        });
        match r {
            Ok(()) => Ok(()),
            // Woken after all while leaving: the wake counts.
            Err(_) if !self.unqueue(&me) => Ok(()),
            Err(e) => Err(wait_error(e)),
        }
    }

    /// Takes `me` off whatever queue it is on; false if a waker took it
    /// first.
    fn unqueue(&self, me: &Arc<Waiter>) -> bool {
        loop {
            let addr = me.addr.load(Ordering::Acquire);
            let mut b = self.buckets[bucket_of(addr)].lock();
            if me.addr.load(Ordering::Acquire) != addr {
                continue; // requeued meanwhile
            }
            let before = b.len();
            b.retain(|w| !Arc::ptr_eq(w, me));
            return b.len() != before;
        }
    }

    /// FUTEX_WAKE and FUTEX_WAKE_BITSET: wakes up to `n` non-PI waiters of
    /// the word whose bitset meets `bitset`; how many.
    pub fn wake(&self, addr: u64, n: u32, bitset: u32) -> u32 {
        let mut b = self.buckets[bucket_of(addr)].lock();
        take_waiters(&mut b, addr, n, |w| w.bitset & bitset != 0)
    }

    /// FUTEX_REQUEUE and FUTEX_CMP_REQUEUE: wakes up to `nwake` waiters of
    /// `addr` and moves up to `nmove` more to `addr2`; the total. With
    /// `expect`, the word must hold it (else EAGAIN).
    pub fn requeue(
        &self,
        p: &dyn Platform,
        addr: u64,
        addr2: u64,
        nwake: u32,
        nmove: u32,
        expect: Option<u32>,
    ) -> Result<u32, Errno> {
        let (i, j) = (bucket_of(addr), bucket_of(addr2));
        let (mut first, mut second) = if i == j {
            (self.buckets[i].lock(), None)
        } else if i < j {
            let a = self.buckets[i].lock();
            (a, Some(self.buckets[j].lock()))
        } else {
            let b = self.buckets[j].lock();
            (self.buckets[i].lock(), Some(b))
        };
        if let Some(want) = expect
            && read_word(p, addr)? != want
        {
            return Err(Errno::EAGAIN);
        }
        let woken = take_waiters(&mut first, addr, nwake, |w| !w.pi);
        let mut moved = 0;
        let mut keep = Vec::with_capacity(first.len());
        let mut to_move = Vec::new();
        for w in first.drain(..) {
            if moved < nmove && !w.pi && w.addr.load(Ordering::Relaxed) == addr {
                moved += 1;
                w.addr.store(addr2, Ordering::Release);
                to_move.push(w);
            } else {
                keep.push(w);
            }
        }
        *first = keep;
        match second.as_mut() {
            Some(dst) => dst.extend(to_move),
            None => first.extend(to_move),
        }
        Ok(woken + moved)
    }

    /// FUTEX_WAKE_OP (futex(2)): changes the word at `addr2` atomically,
    /// wakes up to `n` waiters of `addr`, and up to `n2` of `addr2` if the
    /// old value passes the comparison.
    pub fn wake_op(
        &self,
        p: &dyn Platform,
        addr: u64,
        addr2: u64,
        n: u32,
        n2: u32,
        encoded: u32,
    ) -> Result<u32, Error> {
        let op = (encoded >> 28) & 7;
        let cmp = (encoded >> 24) & 15;
        let mut oparg = ((encoded << 8) as i32) >> 20;
        let cmparg = ((encoded << 20) as i32) >> 20;
        if encoded & (8 << 28) != 0 {
            if !(0..32).contains(&oparg) {
                return Err(Errno::EINVAL.into());
            }
            oparg = 1 << oparg;
        }
        if op > 4 || cmp > 5 {
            return Err(Error::new(Errno::ENOSYS, "unknown FUTEX_WAKE_OP operation"));
        }
        if !addr2.is_multiple_of(4) {
            return Err(Errno::EINVAL.into());
        }
        let mut old = read_word(p, addr2)?;
        loop {
            let o = old as i32;
            let new = match op {
                0 => oparg,
                1 => o.wrapping_add(oparg),
                2 => o | oparg,
                3 => o & !oparg,
                _ => o ^ oparg,
            } as u32;
            let seen = cmpxchg(p, addr2, old, new)?;
            if seen == old {
                break;
            }
            old = seen;
        }
        let o = old as i32;
        let pass = match cmp {
            0 => o == cmparg,
            1 => o != cmparg,
            2 => o < cmparg,
            3 => o <= cmparg,
            4 => o > cmparg,
            _ => o >= cmparg,
        };
        let mut woken = self.wake(addr, n, FUTEX_BITSET_MATCH_ANY);
        if pass {
            woken += self.wake(addr2, n2, FUTEX_BITSET_MATCH_ANY);
        }
        Ok(woken)
    }

    /// FUTEX_LOCK_PI, FUTEX_LOCK_PI2 and FUTEX_TRYLOCK_PI.
    pub fn lock_pi(
        &self,
        ctx: &Ctx<'_>,
        addr: u64,
        deadline: Option<u64>,
        try_only: bool,
    ) -> Result<(), Error> {
        let tid = ctx.thread.tid;
        let p = ctx.platform;
        loop {
            let me = {
                let mut b = self.buckets[bucket_of(addr)].lock();
                let v = read_word(p, addr)?;
                let owner = v & FUTEX_TID_MASK;
                let queued = b
                    .iter()
                    .any(|w| w.pi && w.addr.load(Ordering::Relaxed) == addr);
                if owner == 0 || (ctx.process.thread(owner).is_none() && v & FUTEX_OWNER_DIED != 0)
                {
                    // Free, or its owner died and the robust list said so:
                    // take it (the OWNER_DIED bit stays for the libc).
                    let mut new = tid | (v & FUTEX_OWNER_DIED);
                    if queued {
                        new |= FUTEX_WAITERS;
                    }
                    if cmpxchg(p, addr, v, new)? == v {
                        return Ok(());
                    }
                    continue;
                }
                if owner == tid {
                    return Err(Errno::EDEADLK.into());
                }
                if ctx.process.thread(owner).is_none() {
                    // The owner is gone without telling (no robust list).
                    return Err(Errno::ESRCH.into());
                }
                if try_only {
                    return Err(Errno::EAGAIN.into());
                }
                if v & FUTEX_WAITERS == 0 && cmpxchg(p, addr, v, v | FUTEX_WAITERS)? != v {
                    continue;
                }
                let me = Arc::new(Waiter {
                    addr: AtomicU64::new(addr),
                    bitset: FUTEX_BITSET_MATCH_ANY,
                    tid,
                    pi: true,
                    woken: AtomicBool::new(false),
                    waker: ctx.thread.waker().clone(),
                });
                b.push(me.clone());
                me
            };
            let r = wait_until(ctx, &[], deadline, || {
                me.woken.load(Ordering::Acquire).then_some(())
            });
            return match r {
                // UNLOCK_PI wrote our id into the word: the lock is ours.
                Ok(()) => Ok(()),
                Err(_) if !self.unqueue(&me) => Ok(()),
                Err(WaitError::TimedOut) => Err(Errno::ETIMEDOUT.into()),
                // pthread_mutex_lock cannot fail with EINTR: after a
                // handler the lock attempt starts again.
                Err(WaitError::Interrupted) => Err(Errno::ERESTARTNOINTR.into()),
            };
        }
    }

    /// FUTEX_UNLOCK_PI: hands the lock to the longest waiter, or frees it.
    pub fn unlock_pi(&self, ctx: &Ctx<'_>, addr: u64) -> Result<(), Error> {
        self.release_pi(ctx.platform, addr, ctx.thread.tid, 0)
    }

    /// Gives the PI lock at `addr`, held by `tid`, to the next waiter (with
    /// `extra` bits, OWNER_DIED when its owner died) or frees it.
    fn release_pi(&self, p: &dyn Platform, addr: u64, tid: u32, extra: u32) -> Result<(), Error> {
        let mut b = self.buckets[bucket_of(addr)].lock();
        loop {
            let v = read_word(p, addr)?;
            if v & FUTEX_TID_MASK != tid {
                return Err(Errno::EPERM.into());
            }
            let next = b
                .iter()
                .position(|w| w.pi && w.addr.load(Ordering::Relaxed) == addr);
            let new = match next {
                Some(i) => b[i].tid | FUTEX_WAITERS | extra,
                None => extra,
            };
            if cmpxchg(p, addr, v, new)? != v {
                continue;
            }
            if let Some(i) = next {
                b.remove(i).wake();
            }
            return Ok(());
        }
    }

    /// A dead thread's robust futex (Linux's handle_futex_death): if it
    /// still holds the word, mark the owner dead and wake (or, for a PI
    /// futex, hand over to) a waiter.
    pub fn owner_died(&self, p: &dyn Platform, addr: u64, tid: u32, pi: bool) {
        if !addr.is_multiple_of(4) {
            return;
        }
        loop {
            let Ok(v) = read_word(p, addr) else { return };
            if v & FUTEX_TID_MASK != tid {
                return;
            }
            if pi && v & FUTEX_WAITERS != 0 {
                let _ = self.release_pi(p, addr, tid, FUTEX_OWNER_DIED);
                return;
            }
            let new = (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
            match cmpxchg(p, addr, v, new) {
                Ok(seen) if seen == v => {
                    if v & FUTEX_WAITERS != 0 {
                        self.wake(addr, 1, FUTEX_BITSET_MATCH_ANY);
                    }
                    return;
                }
                Ok(_) => continue,
                Err(_) => return,
            }
        }
    }
}

#[cfg(test)]
impl FutexTable {
    /// Queues a waiter as FUTEX_WAIT_BITSET would (host tests run one
    /// thread, so the waiter is a record).
    pub fn test_queue(&self, addr: u64, bitset: u32, tid: u32, waker: Arc<dyn Wake>) {
        self.buckets[bucket_of(addr)].lock().push(Arc::new(Waiter {
            addr: AtomicU64::new(addr),
            bitset,
            tid,
            pi: false,
            woken: AtomicBool::new(false),
            waker,
        }));
    }

    /// Queues a PI waiter as FUTEX_LOCK_PI would.
    pub fn test_queue_pi(&self, addr: u64, tid: u32, waker: Arc<dyn Wake>) {
        self.buckets[bucket_of(addr)].lock().push(Arc::new(Waiter {
            addr: AtomicU64::new(addr),
            bitset: FUTEX_BITSET_MATCH_ANY,
            tid,
            pi: true,
            woken: AtomicBool::new(false),
            waker,
        }));
    }
}

/// Wakes up to `n` waiters of `addr` in the bucket that `pick` accepts.
fn take_waiters(
    b: &mut Vec<Arc<Waiter>>,
    addr: u64,
    n: u32,
    pick: impl Fn(&Waiter) -> bool,
) -> u32 {
    let mut woken = 0;
    b.retain(|w| {
        if woken < n && w.addr.load(Ordering::Relaxed) == addr && pick(w) {
            woken += 1;
            w.wake();
            false
        } else {
            true
        }
    });
    woken
}

/// FUTEX_WAIT is restarted after a handler with SA_RESTART; a timed wait
/// is restarted only when no handler runs (then through
/// restart_syscall(2), by the caller).
fn wait_error(e: WaitError) -> Error {
    e.restartable()
}

/// The robust list at thread exit (Documentation/locking/robust-futexes):
/// every lock the thread still held is marked FUTEX_OWNER_DIED and a
/// waiter woken.
pub fn exit_robust_list(table: &FutexTable, p: &dyn Platform, tid: u32, head: u64) {
    /// How many entries Linux walks at most (ROBUST_LIST_LIMIT).
    const LIMIT: usize = 2048;
    if head == 0 {
        return;
    }
    let word = |a: u64| UserPtr::<u64>::new(a).read(p).ok();
    let (Some(mut entry), Some(offset), Some(pending)) =
        (word(head), word(head + 8), word(head + 16))
    else {
        return;
    };
    let offset = offset as i64;
    let futex_of = |e: u64| (e & !1).wrapping_add(offset as u64);
    for _ in 0..LIMIT {
        if entry == head || entry == 0 {
            break;
        }
        let Some(next) = word(entry & !1) else { break };
        if entry & !1 != pending & !1 {
            table.owner_died(p, futex_of(entry), tid, entry & 1 != 0);
        }
        entry = next;
    }
    if pending != 0 {
        table.owner_died(p, futex_of(pending), tid, pending & 1 != 0);
    }
}
