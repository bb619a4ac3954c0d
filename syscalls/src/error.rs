//! The error a syscall handler returns: an errno and, for the log and
//! `--strace`, an optional note saying why (Asterinas' `Error` is the model).

use crate::Errno;
use core::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error {
    pub errno: Errno,
    pub note: Option<&'static str>,
}

impl Error {
    pub const fn new(errno: Errno, note: &'static str) -> Self {
        Error {
            errno,
            note: Some(note),
        }
    }
}

impl From<Errno> for Error {
    fn from(errno: Errno) -> Self {
        Error { errno, note: None }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.note {
            Some(note) => write!(f, "{} ({note})", self.errno),
            None => write!(f, "{}", self.errno),
        }
    }
}

/// What a handler returns: the non-negative result register, or an error
/// (negated into `-errno` only by `dispatch`).
pub type SysResult = Result<u64, Error>;
