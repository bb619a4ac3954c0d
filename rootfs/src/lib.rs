//! The copy-on-write, checksummed filesystem (DESIGN.md, "Storage: rootfs"):
//! the kernel mounts it, and `sole` builds and edits images with it.
//!
//! It is built in layers. At the bottom are the [`device::BlockDevice`] it
//! reads and writes and the Fletcher-4 [`checksum`] every block pointer
//! carries. On them sits the [`pool`]: version 1 of the on-disk format
//! (`rootfs/FORMAT.md`: the [`label`], the [`uberblock`] ring, the
//! [`blockptr`]), copy-on-write block writes from the [`allocator`],
//! checksum-verified reads and transaction commits. Objects (files,
//! directories) come in the next layer.
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod allocator;
pub mod blockptr;
pub mod checksum;
pub mod cpio;
pub mod device;
pub mod format;
pub mod label;
pub mod pool;
pub mod uberblock;
