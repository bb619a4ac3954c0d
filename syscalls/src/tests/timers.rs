//! alarm(2), setitimer(2) and POSIX timers: arming, expiry through the
//! platform's timer, overruns, and the CPU-time timers.

use super::*;
use crate::nr;
use crate::signal::{SIGALRM, SIGRTMIN, SIGVTALRM, bit};
use crate::timers::{REAL_TIMER_ID, cpu_tick, expire};
use zerocopy::IntoBytes;

#[test]
fn alarm_arms_itimer_real_and_reports_what_was_left() {
    let (mut h, _) = setup();
    assert_eq!(h.call(nr::ALARM, &[5]), 0);
    let deadline = *h.platform.timers.lock().get(&REAL_TIMER_ID).unwrap();
    assert_eq!(deadline, h.platform.monotonic_ns() + 5_000_000_000);
    h.platform
        .sleep_until(h.platform.monotonic_ns() + 1_400_000_000);
    assert_eq!(h.call(nr::ALARM, &[0]), 4, "3.6 s rounds to 4");
    assert!(h.platform.timers.lock().get(&REAL_TIMER_ID).is_none());
}

#[test]
fn itimer_real_sends_sigalrm_and_rearms_with_its_interval() {
    let (mut h, mem) = setup();
    // Block SIGALRM so it stays pending where the test can see it.
    h.platform
        .write_user(mem, &bit(SIGALRM).to_le_bytes())
        .unwrap();
    h.call(nr::RT_SIGPROCMASK, &[0, mem, 0, 8]);
    let val = [0i64, 100_000, 0, 50_000]; // interval 0.1 s, value 0.05 s
    h.platform.write_user(mem + 64, val.as_bytes()).unwrap();
    assert_eq!(h.call(nr::SETITIMER, &[0, mem + 64, 0]), 0);
    let first = *h.platform.timers.lock().get(&REAL_TIMER_ID).unwrap();
    h.platform.sleep_until(first);
    expire(&h.process, &h.platform, REAL_TIMER_ID);
    assert_eq!(h.process.signals.lock().pending(1), bit(SIGALRM));
    let next = *h.platform.timers.lock().get(&REAL_TIMER_ID).unwrap();
    assert_eq!(next, first + 100_000_000);
    assert_eq!(h.call(nr::GETITIMER, &[0, mem + 128]), 0);
    assert_eq!(h.call(nr::SETITIMER, &[3, mem + 64, 0]), -22);
}

#[test]
fn posix_timer_overruns_count_expiries_while_the_signal_waits() {
    let (mut h, mem) = setup();
    let sig = SIGRTMIN + 1;
    h.platform.write_user(mem, &bit(sig).to_le_bytes()).unwrap();
    h.call(nr::RT_SIGPROCMASK, &[0, mem, 0, 8]);
    // sigevent: value 42, SIGEV_SIGNAL.
    let mut ev = [0u8; 64];
    ev[0] = 42;
    ev[8] = sig as u8;
    h.platform.write_user(mem + 64, &ev).unwrap();
    assert_eq!(h.call(nr::TIMER_CREATE, &[1, mem + 64, mem + 128]), 0);
    assert_eq!(get_u32(&h, mem + 128), 0, "the first timer id");
    let spec = [0i64, 10_000_000, 0, 10_000_000]; // every 10 ms
    h.platform.write_user(mem + 192, spec.as_bytes()).unwrap();
    assert_eq!(h.call(nr::TIMER_SETTIME, &[0, 0, mem + 192, 0]), 0);
    // Three expiries while the signal is still queued: one signal, two
    // overruns.
    for _ in 0..3 {
        let d = *h.platform.timers.lock().get(&1).unwrap();
        h.platform.sleep_until(d);
        expire(&h.process, &h.platform, 1);
    }
    let got = h.call(nr::RT_SIGTIMEDWAIT, &[mem, mem + 256, 0, 8]);
    assert_eq!(got, sig as i64);
    let mut info = crate::signal::SigInfo::default();
    h.platform
        .read_user(mem + 256, zerocopy::IntoBytes::as_mut_bytes(&mut info))
        .unwrap();
    assert_eq!(info.code, crate::signal::SI_TIMER);
    assert_eq!(info.fields[0] >> 32, 2, "si_overrun");
    assert_eq!(info.fields[1], 42, "si_value");
    assert_eq!(h.call(nr::TIMER_GETOVERRUN, &[0]), 2);
    assert_eq!(h.call(nr::TIMER_DELETE, &[0]), 0);
    assert_eq!(h.call(nr::TIMER_DELETE, &[0]), -22);
    assert!(h.platform.timers.lock().get(&1).is_none());
}

#[test]
fn cpu_time_timers_fire_on_the_tick_once_the_time_is_used() {
    let (mut h, mem) = setup();
    h.platform
        .write_user(mem, &bit(SIGVTALRM).to_le_bytes())
        .unwrap();
    h.call(nr::RT_SIGPROCMASK, &[0, mem, 0, 8]);
    let val = [0i64, 0, 0, 20_000]; // 20 ms of CPU time, once
    h.platform.write_user(mem + 64, val.as_bytes()).unwrap();
    assert_eq!(h.call(nr::SETITIMER, &[1, mem + 64, 0]), 0);
    let watched = || {
        h.platform
            .cpu_watch
            .load(core::sync::atomic::Ordering::Relaxed)
    };
    assert!(watched(), "the kernel is asked to tick");
    h.platform.cpu_ns.lock().insert(1, 10_000_000);
    cpu_tick(&h.process, &h.platform);
    assert_eq!(
        h.process.signals.lock().pending(1),
        0,
        "10 ms is not enough"
    );
    h.platform.cpu_ns.lock().insert(1, 25_000_000);
    cpu_tick(&h.process, &h.platform);
    assert_eq!(h.process.signals.lock().pending(1), bit(SIGVTALRM));
    assert!(
        !watched(),
        "a one-shot timer that fired needs no more ticks"
    );
}
