//! Writing an archive: members go straight to a [`Sink`] (a `Vec<u8>`, or a
//! file on the host), so a large archive never sits in memory, and a file's
//! contents may be streamed in pieces.

use alloc::vec::Vec;

use super::{CpioError, HEADER_LEN, MAGIC_NEWC, NAME_MAX, PERMISSION_BITS, S_IFDIR, S_IFLNK};
use super::{S_IFREG, TRAILER};

/// Where a [`Writer`] puts the archive's bytes.
pub trait Sink {
    /// What can go wrong; it also carries the writer's own [`CpioError`]s,
    /// so one error type reaches the caller.
    type Error: From<CpioError>;

    /// Appends all of `bytes`.
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), Self::Error>;
}

impl Sink for Vec<u8> {
    type Error = CpioError;

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), CpioError> {
        self.extend_from_slice(bytes);
        Ok(())
    }
}

/// Builds an archive member by member. The output depends only on the calls
/// made: modification times, owners and device numbers are zero, and inode
/// numbers count up from 1 in the order members are added. Paths may be
/// given with or without a leading `/`; they are stored without one, as
/// Linux's own initramfs archives are.
#[derive(Debug)]
pub struct Writer<S: Sink = Vec<u8>> {
    sink: S,
    next_ino: u32,
    /// Bytes written so far.
    len: u64,
    /// Contents still owed by a file begun with [`Writer::begin_file`], and
    /// the padding that follows them.
    owed: Option<Owed>,
}

#[derive(Debug, Clone, Copy)]
struct Owed {
    remaining: u32,
    padding: usize,
}

impl Writer<Vec<u8>> {
    /// A writer that builds the archive in memory.
    pub fn new() -> Self {
        Self::with_sink(Vec::new())
    }

    /// Ends the archive with the trailer and returns its bytes.
    pub fn finish(self) -> Result<Vec<u8>, CpioError> {
        self.finish_sink()
    }
}

impl Default for Writer<Vec<u8>> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Sink> Writer<S> {
    /// A writer appending to `sink`.
    pub fn with_sink(sink: S) -> Self {
        Self {
            sink,
            next_ino: 1,
            len: 0,
            owed: None,
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing has been written yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds a directory with permissions `mode` (only [`PERMISSION_BITS`]
    /// are used).
    pub fn add_dir(&mut self, path: &str, mode: u32) -> Result<(), S::Error> {
        self.member(path, S_IFDIR | (mode & PERMISSION_BITS), 2, 0)
    }

    /// Adds a regular file with permissions `mode` and contents `data`.
    pub fn add_file(&mut self, path: &str, mode: u32, data: &[u8]) -> Result<(), S::Error> {
        let size = u32::try_from(data.len()).map_err(|_| CpioError::TooLarge)?;
        self.begin_file(path, mode, size)?;
        self.write_contents(data)
    }

    /// Adds a symbolic link to `target`.
    pub fn add_symlink(&mut self, path: &str, target: &str) -> Result<(), S::Error> {
        if target.is_empty() || target.contains('\0') {
            return Err(CpioError::BadPath.into());
        }
        let size = u32::try_from(target.len()).map_err(|_| CpioError::TooLarge)?;
        self.member(path, S_IFLNK | 0o777, 1, size)?;
        self.put(target.as_bytes())?;
        self.pad(padding(target.len()))
    }

    /// Starts a regular file of `size` bytes whose contents follow in one
    /// or more [`Writer::write_contents`] calls.
    pub fn begin_file(&mut self, path: &str, mode: u32, size: u32) -> Result<(), S::Error> {
        self.member(path, S_IFREG | (mode & PERMISSION_BITS), 1, size)?;
        self.owed = Some(Owed {
            remaining: size,
            padding: padding(size as usize),
        });
        self.settle()
    }

    /// Appends the next piece of the file begun with
    /// [`Writer::begin_file`]; fails if that would exceed its size.
    /// Writing nothing always succeeds.
    pub fn write_contents(&mut self, bytes: &[u8]) -> Result<(), S::Error> {
        if bytes.is_empty() {
            return Ok(());
        }
        let owed = self.owed.as_mut().ok_or(CpioError::ContentsMismatch)?;
        let remaining = u32::try_from(bytes.len())
            .ok()
            .and_then(|n| owed.remaining.checked_sub(n))
            .ok_or(CpioError::ContentsMismatch)?;
        owed.remaining = remaining;
        self.put(bytes)?;
        self.settle()
    }

    /// Ends the archive with the trailer and returns the sink.
    pub fn finish_sink(mut self) -> Result<S, S::Error> {
        // As GNU cpio and Linux's gen_init_cpio write it: all zero but the
        // link count.
        self.header(TRAILER, 0, 0, 1, 0)?;
        Ok(self.sink)
    }

    /// Pads a file whose contents are complete and forgets it.
    fn settle(&mut self) -> Result<(), S::Error> {
        match self.owed {
            Some(Owed {
                remaining: 0,
                padding,
            }) => {
                self.owed = None;
                self.pad(padding)
            }
            _ => Ok(()),
        }
    }

    /// Writes the header and name of a member stored at `path`.
    fn member(&mut self, path: &str, mode: u32, nlink: u32, size: u32) -> Result<(), S::Error> {
        let name = stored_name(path)?;
        let ino = self.next_ino;
        self.header(name, ino, mode, nlink, size)?;
        self.next_ino = self.next_ino.wrapping_add(1).max(1);
        Ok(())
    }

    /// Writes a header, the name, its NUL and the padding after them.
    fn header(
        &mut self,
        name: &str,
        ino: u32,
        mode: u32,
        nlink: u32,
        size: u32,
    ) -> Result<(), S::Error> {
        if self.owed.is_some() {
            return Err(CpioError::ContentsMismatch.into());
        }
        let namesize = name.len() + 1;
        // The name is shorter than NAME_MAX, so its size fits.
        let fields = [
            ino,
            mode,
            0, // uid
            0, // gid
            nlink,
            0, // mtime
            size,
            0, // devmajor
            0, // devminor
            0, // rdevmajor
            0, // rdevminor
            namesize as u32,
            0, // check
        ];
        let mut header = [0u8; HEADER_LEN];
        header[..6].copy_from_slice(MAGIC_NEWC);
        for (chunk, value) in header[6..].chunks_exact_mut(8).zip(fields) {
            write_hex(chunk, value);
        }
        self.put(&header)?;
        self.put(name.as_bytes())?;
        // The NUL, then padding: header and name together fill whole words.
        self.pad(1 + padding(HEADER_LEN + namesize))
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), S::Error> {
        self.sink.write_all(bytes)?;
        self.len += bytes.len() as u64;
        Ok(())
    }

    fn pad(&mut self, zeros: usize) -> Result<(), S::Error> {
        self.put(&[0u8; 4][..zeros])
    }
}

/// The zero bytes that bring `len` up to a multiple of four (0 to 3).
fn padding(len: usize) -> usize {
    (4 - len % 4) % 4
}

/// `path` as stored: without leading `/`, checked to be a clean relative
/// path that the kernel can create.
fn stored_name(path: &str) -> Result<&str, CpioError> {
    let name = path.trim_start_matches('/');
    let clean = !name.is_empty()
        && name.len() < NAME_MAX
        && name != TRAILER
        && !name.contains('\0')
        && name
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..");
    if clean {
        Ok(name)
    } else {
        Err(CpioError::BadPath)
    }
}

/// Writes `value` as eight uppercase hex digits (as GNU cpio does).
fn write_hex(out: &mut [u8], value: u32) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    for (i, byte) in out.iter_mut().enumerate() {
        let nibble = (value >> (28 - 4 * i)) & 0xf;
        *byte = DIGITS[nibble as usize];
    }
}
