//! The console terminal: what fds 0-2, /dev/console and /dev/tty are. Bytes
//! go to and come from the Platform's console; the line discipline is the
//! host terminal's, so termios settings are recorded and reported back
//! (tcgetattr/tcsetattr round-trip, isatty() is true) without changing how
//! bytes flow. Input readiness cannot be asked of the Platform, so the
//! console always polls readable and FIONREAD reports 0.

use crate::platform::Platform;
use spin::Mutex;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// The kernel's `struct termios` (asm-generic/termbits.h, NCCS = 19), which
/// TCGETS and TCSETS* use.
#[repr(C)]
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Termios {
    pub iflag: u32,
    pub oflag: u32,
    pub cflag: u32,
    pub lflag: u32,
    pub line: u8,
    pub cc: [u8; 19],
}

/// `struct winsize` (TIOCGWINSZ, TIOCSWINSZ).
#[repr(C)]
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Winsize {
    pub row: u16,
    pub col: u16,
    pub xpixel: u16,
    pub ypixel: u16,
}

impl Termios {
    /// What a Linux console starts with (`stty -a` on a fresh VT): ICRNL
    /// IXON; OPOST ONLCR; B38400 CS8 CREAD HUPCL; ISIG ICANON ECHO ECHOE
    /// ECHOK ECHOCTL ECHOKE IEXTEN; and the usual control characters.
    pub fn console_default() -> Self {
        let mut cc = [0u8; 19];
        let set = [
            (0, 0x03),  // VINTR ^C
            (1, 0x1c),  // VQUIT ^\
            (2, 0x7f),  // VERASE DEL
            (3, 0x15),  // VKILL ^U
            (4, 0x04),  // VEOF ^D
            (6, 0x01),  // VMIN
            (8, 0x11),  // VSTART ^Q
            (9, 0x13),  // VSTOP ^S
            (10, 0x1a), // VSUSP ^Z
            (12, 0x12), // VREPRINT ^R
            (13, 0x0f), // VDISCARD ^O
            (14, 0x17), // VWERASE ^W
            (15, 0x16), // VLNEXT ^V
        ];
        for (i, c) in set {
            cc[i] = c;
        }
        Termios {
            iflag: 0o400 | 0o2000,
            oflag: 0o1 | 0o4,
            cflag: 0o17 | 0o60 | 0o200 | 0o2000,
            lflag: 0o1 | 0o2 | 0o10 | 0o20 | 0o40 | 0o1000 | 0o4000 | 0o100000,
            line: 0,
            cc,
        }
    }
}

struct State {
    termios: Termios,
    winsize: Winsize,
    pgrp: i32,
}

pub struct Tty {
    state: Mutex<State>,
}

impl Default for Tty {
    fn default() -> Self {
        Tty {
            state: Mutex::new(State {
                termios: Termios::console_default(),
                winsize: Winsize {
                    row: 24,
                    col: 80,
                    xpixel: 0,
                    ypixel: 0,
                },
                pgrp: 1,
            }),
        }
    }
}

impl Tty {
    /// Reads what the host has typed, waiting for some unless
    /// `nonblocking`. The console has no interrupt yet, so a reader looks
    /// again every millisecond; a signal interrupts the wait (restarted
    /// under SA_RESTART, as a terminal read is).
    pub fn read(
        &self,
        ctx: &crate::dispatch::Ctx<'_>,
        buf: &mut [u8],
        nonblocking: bool,
    ) -> Result<usize, crate::Error> {
        const POLL_NS: u64 = 1_000_000;
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if let Some(n) = ctx.platform.console_read(buf) {
                return Ok(n);
            }
            if nonblocking {
                return Err(crate::Errno::EAGAIN.into());
            }
            let next = ctx.platform.monotonic_ns().saturating_add(POLL_NS);
            crate::wait::sleep_until(ctx, next).map_err(|e| e.restartable())?;
        }
    }

    pub fn write(&self, p: &dyn Platform, data: &[u8]) {
        p.console_write(data);
    }

    pub fn termios(&self) -> Termios {
        self.state.lock().termios
    }

    pub fn set_termios(&self, t: Termios) {
        self.state.lock().termios = t;
    }

    pub fn winsize(&self) -> Winsize {
        self.state.lock().winsize
    }

    pub fn set_winsize(&self, w: Winsize) {
        self.state.lock().winsize = w;
    }

    /// The foreground process group (the program is pid 1, its own group).
    pub fn pgrp(&self) -> i32 {
        self.state.lock().pgrp
    }

    pub fn set_pgrp(&self, pgrp: i32) {
        self.state.lock().pgrp = pgrp;
    }
}
