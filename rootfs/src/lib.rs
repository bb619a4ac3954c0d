//! The copy-on-write, checksummed filesystem (DESIGN.md, "Storage: rootfs"):
//! the kernel mounts it, and `sole` builds and edits images with it.
//!
//! For now it holds the storage primitives the filesystem is built on: the
//! [`device::BlockDevice`] it reads and writes, and the Fletcher-4
//! [`checksum`] every block pointer will carry. The on-disk format comes in a
//! later issue.
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod checksum;
pub mod cpio;
pub mod device;
