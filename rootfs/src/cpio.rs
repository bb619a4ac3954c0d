//! cpio archives in the "new ASCII" (newc) format: `sole run` packs the
//! program and its files into one, QEMU hands it to the kernel as the PVH
//! module (the initrd), and the kernel unpacks it into its tmpfs root.
//!
//! The format is the one Linux's initramfs reads
//! (Documentation/driver-api/early-userspace/buffer-format.rst) and
//! `cpio -H newc` writes. Each member is a 110-byte header of ASCII fields,
//! the NUL-terminated name, padding to a multiple of four bytes, the
//! contents, and padding to a multiple of four again:
//!
//! ```text
//! c_magic      6 bytes  "070701" ("070702": the crc variant, same layout)
//! c_ino        8 hex digits each, from here on
//! c_mode       file type and permissions (st_mode)
//! c_uid, c_gid
//! c_nlink
//! c_mtime      seconds since the epoch
//! c_filesize   bytes of contents (a symlink's contents are its target)
//! c_devmajor, c_devminor, c_rdevmajor, c_rdevminor
//! c_namesize   bytes of the name, its NUL included
//! c_check      checksum of the contents in "070702" archives (ignored here)
//! ```
//!
//! The archive ends with a member named `TRAILER!!!`.
//!
//! [`Writer`] builds archives (deterministically: every timestamp, owner and
//! device number is zero and inode numbers count up from 1), streaming into
//! any [`Sink`]; [`entries`] reads one without copying, validating every
//! field and bound, and never panics whatever the bytes.

use core::fmt;

mod read;
mod write;

pub use read::{Entries, Entry, EntryKind, entries};
pub use write::{Sink, Writer};

/// The magic of a newc member.
pub const MAGIC_NEWC: &[u8; 6] = b"070701";
/// The magic of a newc member with a contents checksum (`cpio -H crc`).
pub const MAGIC_CRC: &[u8; 6] = b"070702";
/// The name of the member that ends an archive.
pub const TRAILER: &str = "TRAILER!!!";
/// Bytes in a member header.
pub const HEADER_LEN: usize = 110;
/// The longest name a member may have, its NUL included (Linux's `PATH_MAX`).
pub const NAME_MAX: usize = 4096;

/// The file-type bits of a mode (`S_IFMT`, inode(7)).
pub const S_IFMT: u32 = 0o170_000;
/// A regular file.
pub const S_IFREG: u32 = 0o100_000;
/// A directory.
pub const S_IFDIR: u32 = 0o040_000;
/// A symbolic link.
pub const S_IFLNK: u32 = 0o120_000;
/// The permission bits of a mode, set-user-ID, set-group-ID and sticky
/// included.
pub const PERMISSION_BITS: u32 = 0o7777;

/// Why an archive could not be read or a member could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpioError {
    /// The archive ends inside the member that starts at `offset`.
    Truncated {
        /// Where the member starts.
        offset: usize,
    },
    /// No `070701`/`070702` magic at `offset`.
    BadMagic {
        /// Where the member starts.
        offset: usize,
    },
    /// Header field `field` of the member at `offset` is not 8 hex digits.
    BadField {
        /// Where the member starts.
        offset: usize,
        /// The field's name (`c_mode`, ...).
        field: &'static str,
    },
    /// The name of the member at `offset` is empty, longer than
    /// [`NAME_MAX`], not NUL-terminated, contains a NUL, or is not UTF-8.
    BadName {
        /// Where the member starts.
        offset: usize,
    },
    /// The archive ends without a `TRAILER!!!` member.
    MissingTrailer,
    /// A path given to the writer is empty, contains a NUL, an empty, `.`
    /// or `..` component, is too long, or is the trailer's name.
    BadPath,
    /// A file's contents do not fit the format's 32-bit size field.
    TooLarge,
    /// Streamed contents do not add up to the size the file was begun with,
    /// or another member was started before they were complete.
    ContentsMismatch,
}

impl fmt::Display for CpioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CpioError::Truncated { offset } => {
                write!(f, "cpio archive ends inside the member at byte {offset}")
            }
            CpioError::BadMagic { offset } => {
                write!(f, "no cpio newc magic (070701) at byte {offset}")
            }
            CpioError::BadField { offset, field } => write!(
                f,
                "cpio member at byte {offset}: {field} is not 8 hexadecimal digits"
            ),
            CpioError::BadName { offset } => write!(
                f,
                "cpio member at byte {offset}: the name is empty, too long, \
                 not NUL-terminated or not UTF-8"
            ),
            CpioError::MissingTrailer => f.write_str("cpio archive has no TRAILER!!! member"),
            CpioError::BadPath => f.write_str(
                "path is empty, too long, contains a NUL or an empty, `.` or `..` component",
            ),
            CpioError::TooLarge => f.write_str("file is 4 GiB or larger; cpio newc cannot hold it"),
            CpioError::ContentsMismatch => {
                f.write_str("file contents do not match the size the member was begun with")
            }
        }
    }
}

impl core::error::Error for CpioError {}

/// `len` rounded up to a multiple of four; `None` if that overflows.
const fn align4(len: usize) -> Option<usize> {
    match len.checked_add(3) {
        Some(n) => Some(n & !3),
        None => None,
    }
}

#[cfg(test)]
mod tests;
