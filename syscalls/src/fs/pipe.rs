//! Pipes (pipe(7)): a 64 KiB buffer with counts of the open read and write
//! ends. Writes of at most PIPE_BUF bytes are atomic; writing with no
//! reader is EPIPE (and SIGPIPE, sent by the caller); reading with no
//! writer is end of file. "Would block" is EAGAIN here; the open file
//! decides whether that means EAGAIN (O_NONBLOCK) or waiting on `waiters`,
//! which every change of the pipe wakes.

use crate::Errno;
use crate::wait::WaitQueue;
use alloc::collections::VecDeque;
use spin::Mutex;

pub const PIPE_BUF: usize = 4096;
pub const DEFAULT_CAPACITY: usize = 64 * 1024;
/// /proc/sys/fs/pipe-max-size's default: F_SETPIPE_SZ's ceiling.
pub const MAX_CAPACITY: usize = 1024 * 1024;

/// poll(2) events.
pub const POLLIN: u16 = 0x001;
pub const POLLPRI: u16 = 0x002;
pub const POLLOUT: u16 = 0x004;
pub const POLLERR: u16 = 0x008;
pub const POLLHUP: u16 = 0x010;
pub const POLLNVAL: u16 = 0x020;
pub const POLLRDNORM: u16 = 0x040;
pub const POLLWRNORM: u16 = 0x100;

struct State {
    buf: VecDeque<u8>,
    capacity: usize,
    readers: usize,
    writers: usize,
}

pub struct Pipe {
    state: Mutex<State>,
    /// Readers, writers and pollers waiting for the pipe to change.
    waiters: WaitQueue,
}

impl Default for Pipe {
    fn default() -> Self {
        Pipe {
            state: Mutex::new(State {
                buf: VecDeque::new(),
                capacity: DEFAULT_CAPACITY,
                readers: 0,
                writers: 0,
            }),
            waiters: WaitQueue::default(),
        }
    }
}

impl Pipe {
    /// An open file description of this pipe came or went.
    pub fn open_end(&self, read: bool, write: bool) {
        let mut s = self.state.lock();
        s.readers += usize::from(read);
        s.writers += usize::from(write);
    }

    pub fn close_end(&self, read: bool, write: bool) {
        {
            let mut s = self.state.lock();
            s.readers -= usize::from(read);
            s.writers -= usize::from(write);
        }
        self.waiters.wake_all();
    }

    /// What a blocked reader, writer or poller sleeps on.
    pub fn waiters(&self) -> &WaitQueue {
        &self.waiters
    }

    pub fn available(&self) -> usize {
        self.state.lock().buf.len()
    }

    pub fn capacity(&self) -> usize {
        self.state.lock().capacity
    }

    /// F_SETPIPE_SZ: at least a page, rounded up to a power of two; EBUSY
    /// if the data already held does not fit.
    pub fn set_capacity(&self, want: usize) -> Result<usize, Errno> {
        if want > MAX_CAPACITY {
            return Err(Errno::EPERM);
        }
        let size = want.max(PIPE_BUF).next_power_of_two();
        let mut s = self.state.lock();
        if s.buf.len() > size {
            return Err(Errno::EBUSY);
        }
        s.capacity = size;
        drop(s);
        self.waiters.wake_all();
        Ok(size)
    }

    /// Reads what is there: Ok(0) is end of file, EAGAIN means empty with a
    /// writer still open.
    pub fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        let mut s = self.state.lock();
        if s.buf.is_empty() {
            return if s.writers == 0 {
                Ok(0)
            } else {
                Err(Errno::EAGAIN)
            };
        }
        let n = buf.len().min(s.buf.len());
        for (dst, src) in buf.iter_mut().zip(s.buf.drain(..n)) {
            *dst = src;
        }
        drop(s);
        self.waiters.wake_all();
        Ok(n)
    }

    /// Writes what fits, keeping writes of up to PIPE_BUF bytes whole;
    /// EAGAIN when nothing can be written yet.
    pub fn write(&self, data: &[u8]) -> Result<usize, Errno> {
        if data.is_empty() {
            return Ok(0);
        }
        let mut s = self.state.lock();
        if s.readers == 0 {
            return Err(Errno::EPIPE);
        }
        let room = s.capacity - s.buf.len();
        let n = if data.len() <= PIPE_BUF {
            if room < data.len() {
                return Err(Errno::EAGAIN);
            }
            data.len()
        } else {
            room.min(data.len())
        };
        if n == 0 {
            return Err(Errno::EAGAIN);
        }
        s.buf.extend(&data[..n]);
        drop(s);
        self.waiters.wake_all();
        Ok(n)
    }

    /// poll(2) readiness for an end opened for reading and/or writing.
    pub fn poll(&self, read: bool, write: bool) -> u16 {
        let s = self.state.lock();
        let mut events = 0;
        if read {
            if !s.buf.is_empty() {
                events |= POLLIN | POLLRDNORM;
            }
            if s.writers == 0 {
                events |= POLLHUP;
            }
        }
        if write {
            // Writable when a PIPE_BUF write would not block, as Linux
            // reports when a slot is free.
            if s.capacity - s.buf.len() >= PIPE_BUF {
                events |= POLLOUT | POLLWRNORM;
            }
            if s.readers == 0 {
                events |= POLLERR;
            }
        }
        events
    }
}
