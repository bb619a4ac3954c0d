//! [`FileDevice`]: a block device over a host file (`std` only), the device
//! `sole` builds and edits disk images on. Block `n` is bytes
//! `n * block_size ..` of the file; a sparse file's unwritten blocks read as
//! zeros, so a large image costs the host only the blocks written.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::{BlockDevice, DeviceError, check_run, run_in_range};

/// A block device over a file. Reads and writes go to the file at once
/// (through the host's page cache); [`BlockDevice::flush`] is
/// `File::sync_data`, so what a commit flushes is on the host's disk.
#[derive(Debug)]
pub struct FileDevice {
    file: File,
    block_size: usize,
    block_count: u64,
}

impl FileDevice {
    /// A device over `file`: as many whole blocks of `block_size` bytes as
    /// the file holds now (a tail shorter than a block is not used).
    pub fn new(file: File, block_size: usize) -> io::Result<Self> {
        if block_size == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a block size of 0 bytes",
            ));
        }
        let len = file.metadata()?.len();
        Ok(Self {
            file,
            block_size,
            block_count: len / block_size as u64,
        })
    }

    /// Opens the file at `path`, for reading and writing if `writable`
    /// (otherwise a write fails with [`DeviceError::Io`]).
    pub fn open(path: &Path, block_size: usize, writable: bool) -> io::Result<Self> {
        let file = OpenOptions::new().read(true).write(writable).open(path)?;
        Self::new(file, block_size)
    }

    /// Creates (or truncates) the file at `path` with `block_count` blocks,
    /// all zero and unwritten (sparse).
    pub fn create(path: &Path, block_size: usize, block_count: u64) -> io::Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        let len = block_count
            .checked_mul(block_size as u64)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "device too large"))?;
        file.set_len(len)?;
        Self::new(file, block_size)
    }

    /// The file underneath.
    pub fn file(&self) -> &File {
        &self.file
    }

    /// Gives the file back.
    pub fn into_file(self) -> File {
        self.file
    }

    /// The byte offset of block `n`, checking `n` and the buffer length.
    fn offset(&self, n: u64, buf_len: usize) -> Result<u64, DeviceError> {
        if n >= self.block_count {
            return Err(DeviceError::OutOfRange {
                block: n,
                count: self.block_count,
            });
        }
        if buf_len != self.block_size {
            return Err(DeviceError::BadBufferLength {
                expected: self.block_size,
                actual: buf_len,
            });
        }
        // n < block_count, and block_count * block_size is the file's length.
        Ok(n * self.block_size as u64)
    }

    /// The byte offset of the run of `len` bytes from block `first`,
    /// checking that it is whole blocks, all on the device.
    fn run_offset(&self, first: u64, len: usize) -> Result<u64, DeviceError> {
        let blocks = check_run(self.block_size, len)?;
        run_in_range(first, blocks, self.block_count)?;
        Ok(first * self.block_size as u64)
    }
}

impl BlockDevice for FileDevice {
    fn block_size(&self) -> usize {
        self.block_size
    }

    fn block_count(&self) -> u64 {
        self.block_count
    }

    fn read_block(&mut self, n: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        let at = self.offset(n, buf.len())?;
        // A file that shrank under us reads short: that is an I/O error.
        self.file
            .read_exact_at(buf, at)
            .map_err(|_| DeviceError::Io)
    }

    fn write_block(&mut self, n: u64, buf: &[u8]) -> Result<(), DeviceError> {
        let at = self.offset(n, buf.len())?;
        self.file.write_all_at(buf, at).map_err(|_| DeviceError::Io)
    }

    fn flush(&mut self) -> Result<(), DeviceError> {
        self.file.sync_data().map_err(|_| DeviceError::Io)
    }

    /// One `pwrite` per run.
    fn write_runs(&mut self, runs: &[(u64, &[u8])]) -> Result<(), DeviceError> {
        for &(first, data) in runs {
            let at = self.run_offset(first, data.len())?;
            self.file
                .write_all_at(data, at)
                .map_err(|_| DeviceError::Io)?;
        }
        Ok(())
    }

    /// One `pread` per run.
    fn read_runs(&mut self, runs: &mut [(u64, &mut [u8])]) -> Result<(), DeviceError> {
        for (first, buf) in runs.iter_mut() {
            let at = self.run_offset(*first, buf.len())?;
            self.file
                .read_exact_at(buf, at)
                .map_err(|_| DeviceError::Io)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_round_trip_and_unwritten_ones_read_as_zeros() {
        let dir = std::env::temp_dir().join(format!("rootfs-filedev-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("dev.img");
        let mut dev = FileDevice::create(&path, 512, 8).unwrap();
        assert_eq!((dev.block_size(), dev.block_count()), (512, 8));
        dev.write_block(3, &[7; 512]).unwrap();
        dev.flush().unwrap();
        let mut buf = [0xaa; 512];
        dev.read_block(7, &mut buf).unwrap();
        assert_eq!(buf, [0; 512], "a sparse block reads as zeros");
        drop(dev);

        let mut dev = FileDevice::open(&path, 512, false).unwrap();
        dev.read_block(3, &mut buf).unwrap();
        assert_eq!(buf, [7; 512]);
        assert_eq!(dev.write_block(3, &buf), Err(DeviceError::Io), "read-only");
        assert_eq!(
            dev.read_block(8, &mut buf),
            Err(DeviceError::OutOfRange { block: 8, count: 8 })
        );
        assert!(matches!(
            dev.read_block(0, &mut [0; 100]),
            Err(DeviceError::BadBufferLength { .. })
        ));
        drop(dev);

        let mut dev = FileDevice::open(&path, 512, true).unwrap();
        dev.write_runs(&[(5, &[5; 1024]), (0, &[1; 512])]).unwrap();
        let (mut a, mut b) = ([0; 1536], [0; 512]);
        dev.read_runs(&mut [(3, &mut a[..]), (0, &mut b[..])])
            .unwrap();
        assert!(a[..512].iter().all(|&x| x == 7) && a[512..1024].iter().all(|&x| x == 0));
        assert!(a[1024..].iter().all(|&x| x == 5) && b == [1; 512]);
        assert_eq!(
            dev.write_runs(&[(7, &[0; 1024])]),
            Err(DeviceError::OutOfRange { block: 8, count: 8 })
        );
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 4096);
        assert!(bytes[1536..2048].iter().all(|&b| b == 7));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_partial_tail_is_not_a_block() {
        let dir = std::env::temp_dir().join(format!("rootfs-filedev-tail-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("dev.img");
        std::fs::write(&path, vec![1u8; 4096 + 100]).unwrap();
        let dev = FileDevice::open(&path, 4096, false).unwrap();
        assert_eq!(dev.block_count(), 1);
        assert!(FileDevice::open(&path, 0, false).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
