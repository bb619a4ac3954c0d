//! clone(2) and clone3(2) for threads; exit(2) and what a thread leaves.

use super::*;
use crate::nr;
use crate::sys::clone::*;
use crate::testing::TestWaker;
use crate::thread::Thread;
use alloc::sync::Arc;
use zerocopy::IntoBytes;

/// glibc's pthread_create flags.
const GLIBC: u64 = CLONE_VM
    | CLONE_FS
    | CLONE_FILES
    | CLONE_SIGHAND
    | CLONE_THREAD
    | CLONE_SYSVSEM
    | CLONE_SETTLS
    | CLONE_PARENT_SETTID
    | CLONE_CHILD_CLEARTID;

#[test]
fn a_thread_starts_with_the_creator_s_registers_its_stack_and_tls() {
    let (mut h, mem) = setup();
    let tid = h.call(nr::CLONE, &[GLIBC, 0x7000_1000, mem, mem + 4, 0x5000]);
    assert_eq!(tid, 2);
    assert_eq!(get_u32(&h, mem), 2, "CLONE_PARENT_SETTID");
    let spawned = h.platform.spawned.lock();
    let (t, regs, tls) = spawned[0];
    assert_eq!(t, 2);
    assert_eq!(regs.rax, 0, "the child sees 0");
    assert_eq!(regs.rsp, 0x7000_1000);
    assert_eq!(regs.rip, 0x40_1002, "after the syscall instruction");
    assert_eq!(tls, Some(0x5000));
    drop(spawned);
    let child = h.process.thread(2).expect("registered");
    assert_eq!(
        child
            .clear_child_tid
            .load(core::sync::atomic::Ordering::Relaxed),
        mem + 4
    );
    assert_eq!(h.process.thread_count(), 2);
}

#[test]
fn clone3_takes_a_stack_and_its_size() {
    let (mut h, mem) = setup();
    let args = CloneArgs {
        flags: GLIBC,
        child_tid: mem + 128,
        parent_tid: mem + 132,
        stack: 0x7000_0000,
        stack_size: 0x1000,
        tls: 0x6000,
        ..CloneArgs::default()
    };
    h.platform.write_user(mem, args.as_bytes()).unwrap();
    assert_eq!(h.call(nr::CLONE3, &[mem, 88]), 2);
    assert_eq!(h.platform.spawned.lock()[0].1.rsp, 0x7000_1000);
    // Too small, too big with non-zero tail, an exit signal for a thread.
    assert_eq!(h.call(nr::CLONE3, &[mem, 32]), -22);
    h.platform.write_user(mem + 88, &[1u8]).unwrap();
    assert_eq!(h.call(nr::CLONE3, &[mem, 96]), -7, "E2BIG");
    h.platform.write_user(mem + 88, &[0u8]).unwrap();
    let bad = CloneArgs {
        exit_signal: 17,
        ..args
    };
    h.platform.write_user(mem, bad.as_bytes()).unwrap();
    assert_eq!(h.call(nr::CLONE3, &[mem, 88]), -22);
}

#[test]
fn new_processes_are_refused_and_bad_flag_sets_are_einval() {
    let (mut h, _) = setup();
    // fork (SIGCHLD), vfork (CLONE_VM | CLONE_VFORK): no.
    assert_eq!(h.call(nr::CLONE, &[17, 0, 0, 0, 0]), -38);
    assert_eq!(
        h.call(nr::CLONE, &[CLONE_VM | CLONE_VFORK | 17, 0, 0, 0, 0]),
        -38
    );
    // copy_process's rules: THREAD needs SIGHAND, SIGHAND needs VM.
    assert_eq!(
        h.call(nr::CLONE, &[CLONE_VM | CLONE_THREAD, 0, 0, 0, 0]),
        -22
    );
    assert_eq!(h.call(nr::CLONE, &[CLONE_SIGHAND, 0, 0, 0, 0]), -22);
    // A TLS in the kernel's half.
    assert_eq!(
        h.call(nr::CLONE, &[GLIBC, 0, 0, 0, 0xffff_8000_0000_0000]),
        -1
    );
    assert_eq!(h.process.thread_count(), 1);
}

#[test]
fn thread_exit_clears_the_tid_word_wakes_joiners_and_ends_the_process_last() {
    let (mut h, mem) = setup();
    put_u32(&h, mem, 1);
    assert_eq!(h.call(nr::SET_TID_ADDRESS, &[mem]), 1);
    let second = Arc::new(Thread::new(2, Arc::new(TestWaker::default()), [0; 16]));
    h.process.add_thread(&second, 0).unwrap();
    let (outcome, _) = h.call_from(nr::EXIT, &[3], h.stack);
    assert_eq!(outcome, crate::Outcome::ThreadExit);
    assert_eq!(get_u32(&h, mem), 0, "CLONE_CHILD_CLEARTID word zeroed");
    // The last thread's exit ends the process with the main thread's status.
    h.thread = second;
    let (outcome, _) = h.call_from(nr::EXIT, &[9], h.stack);
    assert_eq!(
        outcome,
        crate::Outcome::Exit(crate::process::ExitStatus::Code(3))
    );
}

#[test]
fn exit_group_ends_every_thread() {
    let (mut h, _) = setup();
    let second = Arc::new(Thread::new(2, Arc::new(TestWaker::default()), [0; 16]));
    h.process.add_thread(&second, 0).unwrap();
    let (outcome, _) = h.call_from(nr::EXIT_GROUP, &[300], h.stack);
    assert_eq!(
        outcome,
        crate::Outcome::Exit(crate::process::ExitStatus::Code(44))
    );
    assert!(second.has_work(), "the other thread is told");
}

#[test]
fn robust_futexes_of_a_dying_thread_are_marked_owner_died() {
    let (mut h, mem) = setup();
    // A robust list head at mem, one lock whose futex word is at
    // entry + 16: held by thread 1 with waiters.
    let head = mem;
    let entry = mem + 64;
    let word = entry + 16;
    h.platform.write_user(head, &entry.to_le_bytes()).unwrap();
    h.platform
        .write_user(head + 8, &16u64.to_le_bytes())
        .unwrap();
    h.platform
        .write_user(head + 16, &0u64.to_le_bytes())
        .unwrap();
    h.platform.write_user(entry, &head.to_le_bytes()).unwrap();
    put_u32(&h, word, 1 | crate::futex::FUTEX_WAITERS);
    assert_eq!(h.call(nr::SET_ROBUST_LIST, &[head, 24]), 0);
    assert_eq!(h.call(nr::SET_ROBUST_LIST, &[head, 16]), -22);
    let second = Arc::new(Thread::new(2, Arc::new(TestWaker::default()), [0; 16]));
    h.process.add_thread(&second, 0).unwrap();
    h.call_from(nr::EXIT, &[0], h.stack);
    assert_eq!(
        get_u32(&h, word),
        crate::futex::FUTEX_OWNER_DIED | crate::futex::FUTEX_WAITERS
    );
}
