//! Scheduling calls: affinity, getcpu, policies and priorities.

use super::*;
use crate::nr;
use crate::thread::{SCHED_FIFO, SCHED_OTHER, SCHED_RR};

#[test]
fn affinity_masks_are_checked_against_the_online_cpus() {
    let (mut h, mem) = setup();
    // The test platform has CPUs 0 and 1.
    assert_eq!(h.call(nr::SCHED_GETAFFINITY, &[0, 128, mem]), 8);
    assert_eq!(get_u32(&h, mem), 0b11);
    assert_eq!(
        h.call(nr::SCHED_GETAFFINITY, &[0, 4, mem]),
        -22,
        "too small"
    );
    put_u32(&h, mem, 0b100);
    assert_eq!(
        h.call(nr::SCHED_SETAFFINITY, &[0, 8, mem]),
        -22,
        "no online CPU"
    );
    put_u32(&h, mem, 0b10);
    assert_eq!(h.call(nr::SCHED_SETAFFINITY, &[0, 8, mem]), 0);
    assert_eq!(h.call(nr::SCHED_SETAFFINITY, &[99, 8, mem]), -3);
    assert_eq!(h.call(nr::GETCPU, &[mem, mem + 4, 0]), 0);
    assert_eq!((get_u32(&h, mem), get_u32(&h, mem + 4)), (0, 0));
}

#[test]
fn policies_are_recorded_and_reported_back() {
    let (mut h, mem) = setup();
    assert_eq!(h.call(nr::SCHED_GETSCHEDULER, &[0]), SCHED_OTHER as i64);
    assert_eq!(h.call(nr::SCHED_GET_PRIORITY_MAX, &[SCHED_FIFO as u64]), 99);
    assert_eq!(h.call(nr::SCHED_GET_PRIORITY_MIN, &[SCHED_RR as u64]), 1);
    assert_eq!(h.call(nr::SCHED_GET_PRIORITY_MAX, &[SCHED_OTHER as u64]), 0);
    assert_eq!(h.call(nr::SCHED_GET_PRIORITY_MAX, &[42]), -22);
    put_u32(&h, mem, 50);
    assert_eq!(
        h.call(nr::SCHED_SETSCHEDULER, &[0, SCHED_RR as u64, mem]),
        0
    );
    assert_eq!(h.call(nr::SCHED_GETSCHEDULER, &[0]), SCHED_RR as i64);
    put_u32(&h, mem, 0);
    assert_eq!(h.call(nr::SCHED_GETPARAM, &[0, mem]), 0);
    assert_eq!(get_u32(&h, mem), 50);
    put_u32(&h, mem, 100);
    assert_eq!(h.call(nr::SCHED_SETPARAM, &[0, mem]), -22, "above 99");
    put_u32(&h, mem, 5);
    assert_eq!(
        h.call(nr::SCHED_SETSCHEDULER, &[0, SCHED_OTHER as u64, mem]),
        -22
    );
    // Nice values: getpriority's raw result is 20 - nice.
    assert_eq!(h.call(nr::SETPRIORITY, &[0, 0, 5]), 0);
    assert_eq!(h.call(nr::GETPRIORITY, &[0, 0]), 15);
    assert_eq!(h.call(nr::SETPRIORITY, &[0, 0, (-30i64) as u64]), 0);
    assert_eq!(h.call(nr::GETPRIORITY, &[0, 0]), 40, "clamped to -20");
    assert_eq!(h.call(nr::SCHED_RR_GET_INTERVAL, &[0, mem]), 0);
}
