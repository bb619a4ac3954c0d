//! The file descriptor table: small integers naming open file
//! descriptions, each with its own close-on-exec flag. New descriptors take
//! the lowest free number (open(2)); RLIMIT_NOFILE bounds them.

use super::file::OpenFile;
use crate::Errno;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Linux's fs.nr_open default: no descriptor reaches this, whatever
/// RLIMIT_NOFILE says.
pub const NR_OPEN: u64 = 1 << 20;

#[derive(Clone)]
pub struct FdEntry {
    pub file: Arc<OpenFile>,
    pub cloexec: bool,
}

#[derive(Default)]
pub struct FdTable {
    slots: Vec<Option<FdEntry>>,
}

impl FdTable {
    pub fn entry(&self, fd: i32) -> Result<&FdEntry, Errno> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.slots.get(i))
            .and_then(Option::as_ref)
            .ok_or(Errno::EBADF)
    }

    pub fn entry_mut(&mut self, fd: i32) -> Result<&mut FdEntry, Errno> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.slots.get_mut(i))
            .and_then(Option::as_mut)
            .ok_or(Errno::EBADF)
    }

    /// The open file `fd` names, or EBADF.
    pub fn get(&self, fd: i32) -> Result<Arc<OpenFile>, Errno> {
        Ok(self.entry(fd)?.file.clone())
    }

    /// Installs `file` at the lowest free descriptor at or above `min`;
    /// EMFILE when that would reach `limit` (RLIMIT_NOFILE).
    pub fn insert(
        &mut self,
        file: Arc<OpenFile>,
        cloexec: bool,
        min: usize,
        limit: u64,
    ) -> Result<i32, Errno> {
        let limit = limit.min(NR_OPEN) as usize;
        let free = (min..self.slots.len()).find(|&i| self.slots[i].is_none());
        let fd = free.unwrap_or(self.slots.len().max(min));
        if fd >= limit {
            return Err(Errno::EMFILE);
        }
        if fd >= self.slots.len() {
            self.slots.resize(fd + 1, None);
        }
        self.slots[fd] = Some(FdEntry { file, cloexec });
        Ok(fd as i32)
    }

    /// Puts `file` at `fd` (dup2), returning what was there.
    pub fn install(&mut self, fd: usize, file: Arc<OpenFile>, cloexec: bool) -> Option<FdEntry> {
        if fd >= self.slots.len() {
            self.slots.resize(fd + 1, None);
        }
        self.slots[fd].replace(FdEntry { file, cloexec })
    }

    pub fn remove(&mut self, fd: i32) -> Result<FdEntry, Errno> {
        let slot = usize::try_from(fd)
            .ok()
            .and_then(|i| self.slots.get_mut(i))
            .ok_or(Errno::EBADF)?;
        let entry = slot.take().ok_or(Errno::EBADF)?;
        while self.slots.last().is_some_and(Option::is_none) {
            self.slots.pop();
        }
        Ok(entry)
    }

    /// The open descriptors, ascending.
    pub fn iter(&self) -> impl Iterator<Item = (i32, &FdEntry)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|e| (i as i32, e)))
    }

    /// One more than the highest open descriptor.
    pub fn end(&self) -> usize {
        self.slots.len()
    }
}
