//! The same tests again with the root (and /tmp) on a rootfs disk, so
//! that the files syscalls behave alike on both filesystems. Each file
//! is compiled twice on purpose, hence `duplicate_mod`.
#![allow(clippy::duplicate_mod)]

#[allow(unused_imports)]
use super::{
    AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW, Errno,
    FromBytes, IntoBytes, Platform, Stat, String, Vec, format, nr, res, vec,
};
pub use crate::fs::file::*;

/// `super::T` on a disk.
pub struct T(super::T);

impl T {
    pub fn new() -> Self {
        T(super::T::on_disk())
    }
}

impl core::ops::Deref for T {
    type Target = super::T;
    fn deref(&self) -> &super::T {
        &self.0
    }
}

impl core::ops::DerefMut for T {
    fn deref_mut(&mut self) -> &mut super::T {
        &mut self.0
    }
}

#[path = "attrs.rs"]
mod attrs;
#[path = "dirs.rs"]
mod dirs;
#[path = "links.rs"]
mod links;
#[path = "open.rs"]
mod open;
#[path = "rename.rs"]
mod rename;
#[path = "rw.rs"]
mod rw;
