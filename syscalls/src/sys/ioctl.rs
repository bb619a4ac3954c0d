//! ioctl(2): the descriptor-level requests every file takes (FIOCLEX,
//! FIONCLEX, FIONBIO, FIONREAD where it means something) and the terminal
//! requests the console takes (tty_ioctl(4)). Anything else is ENOTTY, the
//! errno Linux gives for a request a file does not know.

use crate::dispatch::Ctx;
use crate::fs::file::{O_NONBLOCK, OpenFile};
use crate::fs::inode::{Device, Node};
use crate::fs::tty::{Termios, Tty, Winsize};
use crate::user::UserPtr;
use crate::{Errno, Error, SysResult};

pub const TCGETS: u32 = 0x5401;
pub const TCSETS: u32 = 0x5402;
pub const TCSETSW: u32 = 0x5403;
pub const TCSETSF: u32 = 0x5404;
pub const TCSBRK: u32 = 0x5409;
pub const TCXONC: u32 = 0x540a;
pub const TCFLSH: u32 = 0x540b;
pub const TIOCSCTTY: u32 = 0x540e;
pub const TIOCGPGRP: u32 = 0x540f;
pub const TIOCSPGRP: u32 = 0x5410;
pub const TIOCGWINSZ: u32 = 0x5413;
pub const TIOCSWINSZ: u32 = 0x5414;
pub const FIONREAD: u32 = 0x541b;
pub const FIONBIO: u32 = 0x5421;
pub const TIOCGSID: u32 = 0x5429;
pub const FIONCLEX: u32 = 0x5450;
pub const FIOCLEX: u32 = 0x5451;

pub fn sys_ioctl(ctx: &mut Ctx<'_>, fd: i32, request: u32, arg: u64) -> SysResult {
    let file = ctx.file(fd)?;
    if file.is_path() {
        return Err(Errno::EBADF.into());
    }
    match request {
        FIOCLEX | FIONCLEX => {
            ctx.fs().fds.entry_mut(fd)?.cloexec = request == FIOCLEX;
            Ok(0)
        }
        FIONBIO => {
            let on = UserPtr::<i32>::new(arg).read(ctx.platform)? != 0;
            file.set_flags(O_NONBLOCK, if on { O_NONBLOCK } else { 0 });
            Ok(0)
        }
        FIONREAD => {
            let n = bytes_readable(&file)?;
            UserPtr::<i32>::new(arg).write(ctx.platform, &(n.min(i32::MAX as u64) as i32))?;
            Ok(0)
        }
        _ => match &file.inode.node {
            Node::Device(Device::Tty(tty)) => tty_ioctl(ctx, tty, request, arg),
            _ => Err(Errno::ENOTTY.into()),
        },
    }
}

/// FIONREAD: what a read could return now. For a regular file that is the
/// size past the offset (file_ioctl); the console cannot tell (see `tty`).
fn bytes_readable(file: &OpenFile) -> Result<u64, Error> {
    match &file.inode.node {
        Node::File(d) => {
            // The offset first: reads and writes lock the cursor, then the data.
            let pos = file.cursor.lock().pos;
            Ok(d.lock().size().saturating_sub(pos))
        }
        Node::Pipe(p) => Ok(p.available() as u64),
        Node::Device(Device::Tty(_)) => Ok(0),
        _ => Err(Errno::ENOTTY.into()),
    }
}

fn tty_ioctl(ctx: &Ctx<'_>, tty: &Tty, request: u32, arg: u64) -> SysResult {
    let p = ctx.platform;
    match request {
        TCGETS => UserPtr::<Termios>::new(arg).write(p, &tty.termios())?,
        TCSETS | TCSETSW | TCSETSF => {
            // Output is written through at once, so there is nothing to
            // drain (TCSETSW) and no queued input of ours to flush (TCSETSF).
            tty.set_termios(UserPtr::<Termios>::new(arg).read(p)?);
        }
        TIOCGWINSZ => UserPtr::<Winsize>::new(arg).write(p, &tty.winsize())?,
        TIOCSWINSZ => tty.set_winsize(UserPtr::<Winsize>::new(arg).read(p)?),
        TIOCGPGRP => UserPtr::<i32>::new(arg).write(p, &tty.pgrp())?,
        TIOCSPGRP => {
            let pgrp = UserPtr::<i32>::new(arg).read(p)?;
            if pgrp < 0 {
                return Err(Errno::EINVAL.into());
            }
            // The only process group in the session is the program's.
            if pgrp as u32 != ctx.process.pid {
                return Err(Errno::EPERM.into());
            }
            tty.set_pgrp(pgrp);
        }
        TIOCGSID => UserPtr::<i32>::new(arg).write(p, &(ctx.process.pid as i32))?,
        // Already the controlling terminal of the only session.
        TIOCSCTTY => {}
        // tcdrain/tcsendbreak: output is never queued.
        TCSBRK => {}
        TCFLSH | TCXONC if arg > 3 => return Err(Errno::EINVAL.into()),
        TCFLSH | TCXONC => {}
        _ => return Err(Error::new(Errno::ENOTTY, "unsupported terminal ioctl")),
    }
    Ok(0)
}
