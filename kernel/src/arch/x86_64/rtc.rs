//! The CMOS real-time clock (MC146818): read once at boot for the wall clock.

use super::port::Port;

const STATUS_A_UPDATING: u8 = 1 << 7;
const STATUS_B_24H: u8 = 1 << 1;
const STATUS_B_BINARY: u8 = 1 << 2;

fn read_register(reg: u8) -> u8 {
    // SAFETY: 0x70/0x71 are the CMOS index and data ports; bit 7 of the index
    // (NMI disable) is left clear.
    let (index, data) = unsafe { (Port::<u8>::new(0x70), Port::<u8>::new(0x71)) };
    index.write(reg & 0x7f);
    data.read()
}

#[derive(PartialEq, Eq, Clone, Copy)]
struct Raw([u8; 7]);

fn read_raw() -> Raw {
    let mut spins = 0;
    while read_register(0x0a) & STATUS_A_UPDATING != 0 && spins < 1_000_000 {
        spins += 1;
    }
    Raw([0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x32].map(read_register))
}

/// Seconds since the Unix epoch, or None when there is no RTC (registers read
/// as 0xff) or it holds nonsense.
pub fn read_unix_seconds() -> Option<u64> {
    // Read until two reads agree, so an update between them cannot tear.
    let mut raw = read_raw();
    for _ in 0..5 {
        let again = read_raw();
        if again == raw {
            break;
        }
        raw = again;
    }
    let b = read_register(0x0b);
    if b == 0xff {
        return None;
    }
    let bin = |v: u8| {
        if b & STATUS_B_BINARY != 0 {
            v
        } else {
            (v & 0x0f) + (v >> 4) * 10
        }
    };
    let [sec, min, hour_raw, day, month, year, century] = raw.0;
    let pm = hour_raw & 0x80 != 0;
    let mut hour = bin(hour_raw & 0x7f);
    if b & STATUS_B_24H == 0 {
        hour = (hour % 12) + if pm { 12 } else { 0 };
    }
    let century = match bin(century) {
        19..=21 => u64::from(bin(century)),
        _ => 20,
    };
    let year = century * 100 + u64::from(bin(year));
    let (sec, min, day, month) = (bin(sec), bin(min), bin(day), bin(month));
    if sec > 59 || min > 59 || hour > 23 || !(1..=31).contains(&day) || !(1..=12).contains(&month) {
        return None;
    }
    let days = days_from_civil(year as i64, u32::from(month), u32::from(day));
    Some(days as u64 * 86400 + u64::from(hour) * 3600 + u64::from(min) * 60 + u64::from(sec))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
