//! Reading an archive in place: an iterator over its members that borrows
//! names and contents from the archive's bytes.

use super::{
    CpioError, HEADER_LEN, MAGIC_CRC, MAGIC_NEWC, NAME_MAX, PERMISSION_BITS, S_IFDIR, S_IFLNK,
    S_IFMT, S_IFREG, TRAILER, align4,
};

/// One member of an archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The name as stored: normally relative (`usr/bin/ls`), though
    /// `cpio` run on `find .` stores `.` and `./usr/bin/ls`; see
    /// [`Entry::path`].
    pub name: &'a str,
    /// The full `st_mode`: file type ([`S_IFMT`] bits) and permissions.
    pub mode: u32,
    /// The owner.
    pub uid: u32,
    /// The group.
    pub gid: u32,
    /// Links to this inode (2 or more for a directory).
    pub nlink: u32,
    /// The inode number (meaningful only to tell hard links apart).
    pub ino: u32,
    /// Modification time, seconds since the epoch.
    pub mtime: u32,
    /// The device number of a character or block special file (major,
    /// minor).
    pub rdev: (u32, u32),
    /// The bytes stored with the member: a regular file's contents, a
    /// symbolic link's target (no NUL); normally empty for anything else.
    pub data: &'a [u8],
}

/// What kind of file a member is, from its mode's file-type bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// Anything else (device, FIFO, socket), with its `S_IFMT` bits.
    Other(u32),
}

impl Entry<'_> {
    /// The kind of file this member is.
    pub fn kind(&self) -> EntryKind {
        match self.mode & S_IFMT {
            S_IFREG => EntryKind::File,
            S_IFDIR => EntryKind::Dir,
            S_IFLNK => EntryKind::Symlink,
            other => EntryKind::Other(other),
        }
    }

    /// The permission bits (set-ID and sticky bits included).
    pub fn permissions(&self) -> u32 {
        self.mode & PERMISSION_BITS
    }

    /// The name relative to the root the archive is unpacked into, without
    /// leading `/` or `./` (as Linux's initramfs treats it): `usr/bin/ls`,
    /// or `""` for the root itself (`.`).
    pub fn path(&self) -> &str {
        let mut path = self.name;
        loop {
            let trimmed = path.trim_start_matches('/');
            let trimmed = trimmed.strip_prefix("./").unwrap_or(trimmed);
            if trimmed == path {
                break;
            }
            path = trimmed;
        }
        if path == "." { "" } else { path }
    }
}

/// The members of `archive`, in order, up to (not including) the
/// `TRAILER!!!` member. After an error the iterator ends.
pub fn entries(archive: &[u8]) -> Entries<'_> {
    Entries {
        archive,
        offset: 0,
        done: false,
    }
}

/// The iterator [`entries`] returns.
#[derive(Debug, Clone)]
pub struct Entries<'a> {
    archive: &'a [u8],
    offset: usize,
    done: bool,
}

impl<'a> Entries<'a> {
    /// Where the next member starts: after the trailer, the archive's
    /// length up to the trailer's end (padding to 512 bytes or another
    /// archive may follow).
    pub fn offset(&self) -> usize {
        self.offset
    }

    fn read_member(&mut self) -> Result<Option<Entry<'a>>, CpioError> {
        let start = self.offset;
        let rest = &self.archive[start..];
        if rest.is_empty() {
            return Err(CpioError::MissingTrailer);
        }
        let truncated = CpioError::Truncated { offset: start };
        let header = rest.get(..HEADER_LEN).ok_or(truncated.clone())?;
        let magic = &header[..6];
        if magic != MAGIC_NEWC && magic != MAGIC_CRC {
            return Err(CpioError::BadMagic { offset: start });
        }
        let field = |index: usize, name: &'static str| {
            let at = 6 + 8 * index;
            parse_hex(&header[at..at + 8]).ok_or(CpioError::BadField {
                offset: start,
                field: name,
            })
        };
        let ino = field(0, "c_ino")?;
        let mode = field(1, "c_mode")?;
        let uid = field(2, "c_uid")?;
        let gid = field(3, "c_gid")?;
        let nlink = field(4, "c_nlink")?;
        let mtime = field(5, "c_mtime")?;
        let filesize = field(6, "c_filesize")?;
        field(7, "c_devmajor")?;
        field(8, "c_devminor")?;
        let rdev = (field(9, "c_rdevmajor")?, field(10, "c_rdevminor")?);
        let namesize = field(11, "c_namesize")?;
        field(12, "c_check")?;

        let bad_name = CpioError::BadName { offset: start };
        let namesize = usize::try_from(namesize).map_err(|_| bad_name.clone())?;
        if !(2..=NAME_MAX).contains(&namesize) {
            return Err(bad_name);
        }
        let name_end = HEADER_LEN + namesize;
        let name = rest.get(HEADER_LEN..name_end).ok_or(truncated.clone())?;
        let (nul, name) = name.split_last().ok_or(bad_name.clone())?;
        if *nul != 0 || name.contains(&0) {
            return Err(bad_name);
        }
        let name = core::str::from_utf8(name).map_err(|_| bad_name)?;

        let data_start = align4(name_end).ok_or(truncated.clone())?;
        let filesize = usize::try_from(filesize).map_err(|_| truncated.clone())?;
        let data_end = data_start.checked_add(filesize).ok_or(truncated.clone())?;
        let data = rest.get(data_start..data_end).ok_or(truncated.clone())?;
        // The padding after the last member may be cut off; the next read
        // then reports what is missing.
        let next = align4(data_end).ok_or(truncated)?;
        self.offset = start.saturating_add(next).min(self.archive.len());

        if name == TRAILER {
            self.offset = start + data_end;
            return Ok(None);
        }
        Ok(Some(Entry {
            name,
            mode,
            uid,
            gid,
            nlink,
            ino,
            mtime,
            rdev,
            data,
        }))
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, CpioError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.read_member() {
            Ok(Some(entry)) => Some(Ok(entry)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl core::iter::FusedIterator for Entries<'_> {}

/// Eight hex digits (either case) as a number.
fn parse_hex(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |value, &digit| {
        let nibble = char::from(digit).to_digit(16)?;
        Some((value << 4) | nibble)
    })
}
