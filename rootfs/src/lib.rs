//! The copy-on-write, checksummed filesystem (DESIGN.md, "Storage: rootfs"):
//! the kernel mounts it, and `sole` builds and edits images with it.
//!
//! It is built in layers. At the bottom are the [`device::BlockDevice`] it
//! reads and writes and the XXH3-128 [`checksum`] every block pointer
//! carries. On them sits the [`pool`]: version 3 of the on-disk format
//! (`rootfs/FORMAT.md`: the [`label`], the [`uberblock`] ring, the
//! [`blockptr`]), copy-on-write block writes from the [`allocator`],
//! checksum-verified reads (LZ4-compressed blocks are verified, then
//! decompressed) and transaction commits. On the pool, the [`fs`] layer
//! keeps objects (files, directories, symlinks) in object sets, one for
//! each dataset (a filesystem, a read-only snapshot, a writable clone), and
//! commits their changes as transaction groups.
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod allocator;
pub mod blockptr;
pub mod checksum;
pub mod cpio;
pub mod device;
pub mod format;
pub mod fs;
pub mod label;
pub mod pool;
pub mod uberblock;

#[cfg(test)]
mod testdata;
