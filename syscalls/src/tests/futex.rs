//! futex(2) operations that need no second running thread.

use super::*;
use crate::futex::{FUTEX_OWNER_DIED, FUTEX_WAITERS};
use crate::nr;
use crate::sys::futex::*;
use crate::testing::TestWaker;
use crate::thread::Thread;
use crate::wait::Wake;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

const PRIVATE: u64 = FUTEX_PRIVATE_FLAG as u64;

#[test]
fn wake_op_changes_the_second_word_and_wakes_on_the_comparison() {
    let (mut h, mem) = setup();
    put_u32(&h, mem + 4, 5);
    // op ADD 3, compare old > 4: wakes on both (none waiting: 0).
    let encoded = (1u32 << 28) | (4 << 24) | (3 << 12) | 4;
    let r = h.call(
        nr::FUTEX,
        &[
            mem,
            FUTEX_WAKE_OP as u64 | PRIVATE,
            1,
            1,
            mem + 4,
            encoded as u64,
        ],
    );
    assert_eq!(r, 0);
    assert_eq!(get_u32(&h, mem + 4), 8);
    // FUTEX_OP_OPARG_SHIFT: SET 1 << 4.
    let encoded = (8u32 << 28) | (4 << 12);
    h.call(
        nr::FUTEX,
        &[mem, FUTEX_WAKE_OP as u64, 1, 1, mem + 4, encoded as u64],
    );
    assert_eq!(get_u32(&h, mem + 4), 16);
    // An unknown operation.
    let encoded = 7u32 << 28;
    assert_eq!(
        h.call(
            nr::FUTEX,
            &[mem, FUTEX_WAKE_OP as u64, 1, 1, mem + 4, encoded as u64]
        ),
        -38
    );
}

#[test]
fn cmp_requeue_checks_the_word() {
    let (mut h, mem) = setup();
    put_u32(&h, mem, 3);
    assert_eq!(
        h.call(
            nr::FUTEX,
            &[mem, FUTEX_CMP_REQUEUE as u64, 1, 1, mem + 8, 4]
        ),
        -11
    );
    assert_eq!(
        h.call(
            nr::FUTEX,
            &[mem, FUTEX_CMP_REQUEUE as u64, 1, 1, mem + 8, 3]
        ),
        0
    );
    assert_eq!(
        h.call(nr::FUTEX, &[mem, FUTEX_REQUEUE as u64, 1, 1, mem + 2, 0]),
        -22,
        "misaligned second word"
    );
}

#[test]
fn a_timed_wait_times_out_on_the_platform_clock() {
    let (mut h, mem) = setup();
    put_u32(&h, mem, 7);
    let ts = mem + 64;
    h.platform
        .write_user(ts, &[2u64.to_le_bytes(), 0u64.to_le_bytes()].concat())
        .unwrap();
    let before = h.platform.monotonic_ns();
    assert_eq!(
        h.call(nr::FUTEX, &[mem, FUTEX_WAIT as u64, 7, ts, 0, 0]),
        -110
    );
    assert_eq!(h.platform.monotonic_ns() - before, 2_000_000_000);
    assert_eq!(
        h.call(nr::FUTEX, &[mem, FUTEX_WAIT as u64, 6, ts, 0, 0]),
        -11
    );
}

#[test]
fn waiters_are_woken_by_bitset_and_requeued_to_another_word() {
    let (h, mem) = setup();
    let table = &h.process.futexes;
    // Two waiters queued as FUTEX_WAIT would queue them (the test runs one
    // thread, so they are placed directly).
    let a = Arc::new(TestWaker::default());
    let b = Arc::new(TestWaker::default());
    table.test_queue(mem, 0b01, 2, a.clone());
    table.test_queue(mem, 0b10, 3, b.clone());
    assert_eq!(table.wake(mem, 10, 0b100), 0, "no bitset meets");
    assert_eq!(table.wake(mem, 10, 0b01), 1);
    assert!(a.woken.load(Ordering::Acquire));
    assert!(!b.woken.load(Ordering::Acquire));
    // Requeue b to mem + 8: a wake of mem no longer finds it.
    assert_eq!(table.requeue(&h.platform, mem, mem + 8, 0, 5, None), Ok(1));
    assert_eq!(table.wake(mem, 10, u32::MAX), 0);
    assert_eq!(table.wake(mem + 8, 10, u32::MAX), 1);
    assert!(b.woken.load(Ordering::Acquire));
    b.wake();
}

#[test]
fn pi_locks_take_free_words_refuse_their_owner_and_hand_over() {
    let (mut h, mem) = setup();
    // Free: LOCK_PI takes it (word = tid).
    assert_eq!(
        h.call(nr::FUTEX, &[mem, FUTEX_LOCK_PI as u64, 0, 0, 0, 0]),
        0
    );
    assert_eq!(get_u32(&h, mem), 1);
    assert_eq!(
        h.call(nr::FUTEX, &[mem, FUTEX_LOCK_PI as u64, 0, 0, 0, 0]),
        -35,
        "EDEADLK"
    );
    assert_eq!(
        h.call(nr::FUTEX, &[mem, FUTEX_TRYLOCK_PI as u64, 0, 0, 0, 0]),
        -35
    );
    assert_eq!(
        h.call(nr::FUTEX, &[mem, FUTEX_UNLOCK_PI as u64, 0, 0, 0, 0]),
        0
    );
    assert_eq!(get_u32(&h, mem), 0);
    // Held by thread 2: TRYLOCK is EAGAIN, UNLOCK is EPERM.
    let second = Arc::new(Thread::new(2, Arc::new(TestWaker::default()), [0; 16]));
    h.process.add_thread(&second, 0).unwrap();
    put_u32(&h, mem, 2);
    assert_eq!(
        h.call(nr::FUTEX, &[mem, FUTEX_TRYLOCK_PI as u64, 0, 0, 0, 0]),
        -11
    );
    assert_eq!(
        h.call(nr::FUTEX, &[mem, FUTEX_UNLOCK_PI as u64, 0, 0, 0, 0]),
        -1
    );
    // A dead owner without a robust list: ESRCH; with OWNER_DIED: taken.
    put_u32(&h, mem, 77);
    assert_eq!(
        h.call(nr::FUTEX, &[mem, FUTEX_LOCK_PI as u64, 0, 0, 0, 0]),
        -3
    );
    put_u32(&h, mem, 77 | FUTEX_OWNER_DIED);
    assert_eq!(
        h.call(nr::FUTEX, &[mem, FUTEX_LOCK_PI as u64, 0, 0, 0, 0]),
        0
    );
    assert_eq!(get_u32(&h, mem), 1 | FUTEX_OWNER_DIED);
    // Unlocking with a queued waiter hands the lock to it.
    let waiter = Arc::new(TestWaker::default());
    h.process.futexes.test_queue_pi(mem, 2, waiter.clone());
    put_u32(&h, mem, 1 | FUTEX_WAITERS);
    assert_eq!(
        h.call(nr::FUTEX, &[mem, FUTEX_UNLOCK_PI as u64, 0, 0, 0, 0]),
        0
    );
    assert_eq!(get_u32(&h, mem), 2 | FUTEX_WAITERS);
    assert!(waiter.woken.load(Ordering::Acquire));
}

#[test]
fn clock_flags_and_requeue_pi_are_refused_as_linux_refuses_them() {
    let (mut h, mem) = setup();
    let rt = FUTEX_CLOCK_REALTIME as u64;
    assert_eq!(
        h.call(nr::FUTEX, &[mem, FUTEX_WAKE as u64 | rt, 1, 0, 0, 0]),
        -38
    );
    assert_eq!(
        h.call(
            nr::FUTEX,
            &[mem, FUTEX_CMP_REQUEUE_PI as u64, 1, 0, mem + 4, 0]
        ),
        -38
    );
    assert_eq!(
        h.call(nr::FUTEX, &[mem + 1, FUTEX_WAKE as u64, 1, 0, 0, 0]),
        -22
    );
}
