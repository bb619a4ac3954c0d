//! A list of program buffers read or written as one (Linux's iov_iter):
//! read(2) uses one, readv(2) many. Transfers on streams (pipes, the
//! console) then happen once for the whole list, so a readv never blocks
//! between its buffers.

use crate::Errno;
use crate::platform::Platform;
use crate::user::UserSlice;
use alloc::vec::Vec;

pub struct UserIov {
    segs: Vec<UserSlice>,
    len: usize,
}

impl UserIov {
    pub fn one(buf: UserSlice) -> Self {
        UserIov {
            len: buf.len,
            segs: alloc::vec![buf],
        }
    }

    /// Buffers whose lengths the caller has checked sum to at most
    /// isize::MAX.
    pub fn many(segs: Vec<UserSlice>) -> Self {
        let len = segs.iter().map(|s| s.len).sum();
        UserIov { segs, len }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Calls `f` with each piece of program memory covering
    /// `[at, at + len)` of the list, and the matching range of that span.
    fn pieces(
        &self,
        at: usize,
        len: usize,
        mut f: impl FnMut(UserSlice, core::ops::Range<usize>) -> Result<(), Errno>,
    ) -> Result<(), Errno> {
        let mut seg_start = 0;
        let end = at + len;
        for s in &self.segs {
            let seg_end = seg_start + s.len;
            let lo = at.max(seg_start);
            let hi = end.min(seg_end);
            if lo < hi {
                let piece = UserSlice::new(s.addr + (lo - seg_start) as u64, hi - lo);
                f(piece, lo - at..hi - at)?;
            }
            if seg_end >= end {
                break;
            }
            seg_start = seg_end;
        }
        Ok(())
    }

    /// Copies `data` into the list starting `at` bytes in. On a fault,
    /// how many bytes went in before it (found a page at a time, so a
    /// buffer running into unmapped memory takes what fits, as
    /// copy_to_user does).
    pub fn scatter(&self, p: &dyn Platform, at: usize, data: &[u8]) -> Result<(), Partial> {
        let mut done = 0;
        self.pieces(at, data.len(), |piece, r| {
            copy_pages(piece, &mut done, |s, off, len| {
                s.write(p, &data[r.start + off..r.start + off + len])
            })
        })
        .map_err(|errno| Partial { done, errno })
    }

    /// Copies from the list, starting `at` bytes in, into `out`; on a
    /// fault, how many bytes came before it.
    pub fn gather(&self, p: &dyn Platform, at: usize, out: &mut [u8]) -> Result<(), Partial> {
        let len = out.len();
        let mut done = 0;
        self.pieces(at, len, |piece, r| {
            copy_pages(piece, &mut done, |s, off, n| {
                s.read_into(p, &mut out[r.start + off..r.start + off + n])
            })
        })
        .map_err(|errno| Partial { done, errno })
    }
}

/// A copy that stopped at a fault after `done` bytes.
#[derive(Debug, Clone, Copy)]
pub struct Partial {
    pub done: usize,
    pub errno: Errno,
}

impl From<Partial> for crate::Error {
    fn from(p: Partial) -> Self {
        p.errno.into()
    }
}

/// Copies one piece whole, or page by page once that faults, adding what
/// was copied to `done`.
fn copy_pages(
    piece: UserSlice,
    done: &mut usize,
    mut copy: impl FnMut(UserSlice, usize, usize) -> Result<(), Errno>,
) -> Result<(), Errno> {
    if copy(piece, 0, piece.len).is_ok() {
        *done += piece.len;
        return Ok(());
    }
    let mut off = 0;
    while off < piece.len {
        let addr = piece.addr + off as u64;
        let n = ((PAGE - addr % PAGE) as usize).min(piece.len - off);
        copy(UserSlice::new(addr, n), off, n)?;
        *done += n;
        off += n;
    }
    Ok(())
}

const PAGE: u64 = 4096;

/// Where the bytes of a write come from: program memory, or the kernel
/// (sendfile's bounce buffer).
pub enum Source<'a> {
    User(&'a UserIov),
    Kernel(&'a [u8]),
}

impl Source<'_> {
    pub fn len(&self) -> usize {
        match self {
            Source::User(iov) => iov.len(),
            Source::Kernel(data) => data.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Copies `out.len()` bytes from `at` bytes in.
    pub fn gather(&self, p: &dyn Platform, at: usize, out: &mut [u8]) -> Result<(), Partial> {
        match self {
            Source::User(iov) => iov.gather(p, at, out),
            Source::Kernel(data) => {
                out.copy_from_slice(&data[at..at + out.len()]);
                Ok(())
            }
        }
    }
}
