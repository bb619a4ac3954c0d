//! Block devices: fixed-size blocks addressed by number, the only way rootfs
//! touches storage. The kernel implements [`BlockDevice`] over virtio-blk;
//! [`MemDevice`] keeps an image in memory for tests and for `sole`, and
//! (with the `std` feature) [`file::FileDevice`] keeps it in a host file.

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

#[cfg(any(test, feature = "std"))]
pub mod file;
#[cfg(any(test, feature = "std"))]
pub use file::FileDevice;

/// Why a block device refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceError {
    /// Block `block` is not below the device's `count` blocks.
    OutOfRange { block: u64, count: u64 },
    /// The buffer is not exactly one block long.
    BadBufferLength { expected: usize, actual: usize },
    /// A device cannot have this shape (zero-sized blocks, or more bytes than
    /// fit in memory).
    BadGeometry,
    /// The device reported an I/O failure.
    Io,
}

impl fmt::Display for DeviceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::OutOfRange { block, count } => {
                write!(f, "block {block} is past the end of a {count}-block device")
            }
            Self::BadBufferLength { expected, actual } => {
                write!(f, "buffer of {actual} bytes for a {expected}-byte block")
            }
            Self::BadGeometry => write!(f, "impossible device geometry"),
            Self::Io => write!(f, "device I/O error"),
        }
    }
}

impl core::error::Error for DeviceError {}

/// Storage made of `block_count` blocks of `block_size` bytes each.
///
/// Reads and writes move whole blocks. A write may sit in a volatile cache
/// until [`flush`](Self::flush) returns; only then is it durable (the
/// transaction commit relies on this ordering). A device may also send
/// writes behind and report a failed one only at the next flush: a flush
/// that fails means some write since the previous one may be lost, so a
/// caller writes them all again before it relies on them (a failed commit
/// discards its group and the next writes it anew).
pub trait BlockDevice {
    /// Bytes in one block.
    fn block_size(&self) -> usize;
    /// Number of blocks.
    fn block_count(&self) -> u64;
    /// Fills `buf` (exactly one block) with block `n`.
    fn read_block(&mut self, n: u64, buf: &mut [u8]) -> Result<(), DeviceError>;
    /// Writes `buf` (exactly one block) to block `n`.
    fn write_block(&mut self, n: u64, buf: &[u8]) -> Result<(), DeviceError>;
    /// Makes every write that has returned durable.
    fn flush(&mut self) -> Result<(), DeviceError>;

    /// Writes each run `(n, data)`: `data`, a nonzero whole number of
    /// blocks, to blocks `n, n + 1, ...`. A device with a queue keeps many
    /// of them in flight and sends each run as one request, so they may
    /// reach the medium in any order; as with [`write_block`]
    /// (Self::write_block), none is durable before [`flush`](Self::flush).
    /// On an error any of them may or may not have been written. The
    /// default writes the blocks one at a time, in order.
    fn write_runs(&mut self, runs: &[(u64, &[u8])]) -> Result<(), DeviceError> {
        let size = self.block_size();
        for &(first, data) in runs {
            check_run(size, data.len())?;
            for (n, block) in (first..).zip(data.chunks_exact(size)) {
                self.write_block(n, block)?;
            }
        }
        Ok(())
    }

    /// Fills each run `(n, buf)`: `buf`, a nonzero whole number of blocks,
    /// with blocks `n, n + 1, ...`; a device with a queue keeps many in
    /// flight. The default reads the blocks one at a time.
    fn read_runs(&mut self, runs: &mut [(u64, &mut [u8])]) -> Result<(), DeviceError> {
        let size = self.block_size();
        for (first, buf) in runs.iter_mut() {
            check_run(size, buf.len())?;
            for (n, block) in (*first..).zip(buf.chunks_exact_mut(size)) {
                self.read_block(n, block)?;
            }
        }
        Ok(())
    }
}

/// A boxed device (such as the kernel's `Box<dyn BlockDevice + Send>`) is
/// one, every operation passed on, the batched ones included.
impl<D: BlockDevice + ?Sized> BlockDevice for alloc::boxed::Box<D> {
    fn block_size(&self) -> usize {
        (**self).block_size()
    }
    fn block_count(&self) -> u64 {
        (**self).block_count()
    }
    fn read_block(&mut self, n: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        (**self).read_block(n, buf)
    }
    fn write_block(&mut self, n: u64, buf: &[u8]) -> Result<(), DeviceError> {
        (**self).write_block(n, buf)
    }
    fn flush(&mut self) -> Result<(), DeviceError> {
        (**self).flush()
    }
    fn write_runs(&mut self, runs: &[(u64, &[u8])]) -> Result<(), DeviceError> {
        (**self).write_runs(runs)
    }
    fn read_runs(&mut self, runs: &mut [(u64, &mut [u8])]) -> Result<(), DeviceError> {
        (**self).read_runs(runs)
    }
}

/// Refuses a run buffer that is not a nonzero whole number of `block_size`
/// blocks; returns how many blocks it holds.
pub fn check_run(block_size: usize, len: usize) -> Result<u64, DeviceError> {
    if block_size == 0 || len == 0 || !len.is_multiple_of(block_size) {
        return Err(DeviceError::BadBufferLength {
            expected: block_size,
            actual: len,
        });
    }
    Ok((len / block_size) as u64)
}

/// Blocks `first ..` for `blocks` blocks, if all are below `count`.
pub(crate) fn run_in_range(first: u64, blocks: u64, count: u64) -> Result<(), DeviceError> {
    match first.checked_add(blocks) {
        Some(end) if end <= count => Ok(()),
        _ => Err(DeviceError::OutOfRange {
            block: first.max(count),
            count,
        }),
    }
}

/// A block device held in memory.
#[derive(Clone, PartialEq, Eq)]
pub struct MemDevice {
    block_size: usize,
    bytes: Vec<u8>,
    flushes: u64,
}

impl fmt::Debug for MemDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemDevice")
            .field("block_size", &self.block_size)
            .field("block_count", &self.block_count())
            .field("flushes", &self.flushes)
            .finish_non_exhaustive()
    }
}

impl MemDevice {
    /// A zero-filled device of `block_count` blocks of `block_size` bytes.
    pub fn new(block_size: usize, block_count: u64) -> Result<Self, DeviceError> {
        let len = usize::try_from(block_count)
            .ok()
            .and_then(|count| count.checked_mul(block_size))
            .ok_or(DeviceError::BadGeometry)?;
        if block_size == 0 {
            return Err(DeviceError::BadGeometry);
        }
        Ok(Self {
            block_size,
            bytes: vec![0; len],
            flushes: 0,
        })
    }

    /// A device over an existing image, whose length must be a whole number
    /// of blocks.
    pub fn from_bytes(block_size: usize, bytes: Vec<u8>) -> Result<Self, DeviceError> {
        if block_size == 0 || !bytes.len().is_multiple_of(block_size) {
            return Err(DeviceError::BadGeometry);
        }
        Ok(Self {
            block_size,
            bytes,
            flushes: 0,
        })
    }

    /// The whole image.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Gives the image back.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// How many times [`BlockDevice::flush`] has been called.
    pub fn flushes(&self) -> u64 {
        self.flushes
    }

    /// The byte range of block `n`, checking `n` and the buffer length.
    fn range(&self, n: u64, buf_len: usize) -> Result<core::ops::Range<usize>, DeviceError> {
        let count = self.block_count();
        let out_of_range = DeviceError::OutOfRange { block: n, count };
        if n >= count {
            return Err(out_of_range);
        }
        if buf_len != self.block_size {
            return Err(DeviceError::BadBufferLength {
                expected: self.block_size,
                actual: buf_len,
            });
        }
        // n < count and count * block_size == bytes.len(), so neither overflows.
        let start = usize::try_from(n)
            .ok()
            .and_then(|n| n.checked_mul(self.block_size))
            .ok_or(out_of_range)?;
        let end = start.checked_add(self.block_size).ok_or(out_of_range)?;
        Ok(start..end)
    }
}

impl MemDevice {
    /// The byte range of the run of `len` bytes from block `first`.
    fn run_range(&self, first: u64, len: usize) -> Result<core::ops::Range<usize>, DeviceError> {
        let blocks = check_run(self.block_size, len)?;
        run_in_range(first, blocks, self.block_count())?;
        // The run ends inside the image, whose length is a usize.
        let start = first as usize * self.block_size;
        Ok(start..start + len)
    }
}

impl BlockDevice for MemDevice {
    fn block_size(&self) -> usize {
        self.block_size
    }

    fn block_count(&self) -> u64 {
        // block_size is nonzero (checked at construction).
        (self.bytes.len() / self.block_size) as u64
    }

    fn read_block(&mut self, n: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        let range = self.range(n, buf.len())?;
        let block = self.bytes.get(range).ok_or(DeviceError::Io)?;
        buf.copy_from_slice(block);
        Ok(())
    }

    fn write_block(&mut self, n: u64, buf: &[u8]) -> Result<(), DeviceError> {
        let range = self.range(n, buf.len())?;
        let block = self.bytes.get_mut(range).ok_or(DeviceError::Io)?;
        block.copy_from_slice(buf);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), DeviceError> {
        self.flushes += 1;
        Ok(())
    }

    fn write_runs(&mut self, runs: &[(u64, &[u8])]) -> Result<(), DeviceError> {
        for &(first, data) in runs {
            let range = self.run_range(first, data.len())?;
            let blocks = self.bytes.get_mut(range).ok_or(DeviceError::Io)?;
            blocks.copy_from_slice(data);
        }
        Ok(())
    }

    fn read_runs(&mut self, runs: &mut [(u64, &mut [u8])]) -> Result<(), DeviceError> {
        for (first, buf) in runs.iter_mut() {
            let range = self.run_range(*first, buf.len())?;
            let blocks = self.bytes.get(range).ok_or(DeviceError::Io)?;
            buf.copy_from_slice(blocks);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn new_device_is_zeroed_with_its_geometry() {
        let mut dev = MemDevice::new(512, 8).unwrap();
        assert_eq!(dev.block_size(), 512);
        assert_eq!(dev.block_count(), 8);
        assert_eq!(dev.as_bytes().len(), 4096);
        let mut buf = [0xaa; 512];
        dev.read_block(7, &mut buf).unwrap();
        assert!(buf.iter().all(|&b| b == 0));
    }

    #[test]
    fn writes_land_in_their_block_only() {
        let mut dev = MemDevice::new(16, 4).unwrap();
        dev.write_block(2, &[7; 16]).unwrap();
        let mut buf = [0; 16];
        dev.read_block(2, &mut buf).unwrap();
        assert_eq!(buf, [7; 16]);
        for other in [0, 1, 3] {
            dev.read_block(other, &mut buf).unwrap();
            assert_eq!(buf, [0; 16], "block {other}");
        }
        let image = dev.into_bytes();
        assert_eq!(&image[32..48], &[7; 16]);
        assert!(image[..32].iter().chain(&image[48..]).all(|&b| b == 0));
    }

    #[test]
    fn from_bytes_exposes_the_image() {
        let image: Vec<u8> = (0..32).collect();
        let mut dev = MemDevice::from_bytes(8, image).unwrap();
        assert_eq!(dev.block_count(), 4);
        let mut buf = [0; 8];
        dev.read_block(1, &mut buf).unwrap();
        assert_eq!(buf, [8, 9, 10, 11, 12, 13, 14, 15]);
        assert_eq!(
            MemDevice::from_bytes(8, vec![0; 12]).unwrap_err(),
            DeviceError::BadGeometry
        );
        assert_eq!(
            MemDevice::from_bytes(0, Vec::new()).unwrap_err(),
            DeviceError::BadGeometry
        );
    }

    #[test]
    fn out_of_range_blocks_are_refused() {
        let mut dev = MemDevice::new(16, 4).unwrap();
        let mut buf = [0; 16];
        for n in [4, 5, u64::MAX] {
            let expected = DeviceError::OutOfRange { block: n, count: 4 };
            assert_eq!(dev.read_block(n, &mut buf).unwrap_err(), expected);
            assert_eq!(dev.write_block(n, &buf).unwrap_err(), expected);
        }
        assert_eq!(dev.as_bytes(), &[0; 64][..], "nothing written");
    }

    #[test]
    fn wrong_buffer_sizes_are_refused() {
        let mut dev = MemDevice::new(16, 4).unwrap();
        let mut short = [0; 15];
        let long = [1; 17];
        assert_eq!(
            dev.read_block(0, &mut short).unwrap_err(),
            DeviceError::BadBufferLength {
                expected: 16,
                actual: 15
            }
        );
        assert_eq!(
            dev.write_block(0, &long).unwrap_err(),
            DeviceError::BadBufferLength {
                expected: 16,
                actual: 17
            }
        );
        assert_eq!(dev.as_bytes(), &[0; 64][..], "nothing written");
    }

    #[test]
    fn impossible_geometry_is_refused() {
        assert_eq!(MemDevice::new(0, 4).unwrap_err(), DeviceError::BadGeometry);
        assert_eq!(
            MemDevice::new(4096, u64::MAX).unwrap_err(),
            DeviceError::BadGeometry
        );
        // Zero blocks is a legal (if useless) device.
        let mut empty = MemDevice::new(512, 0).unwrap();
        assert_eq!(empty.block_count(), 0);
        assert!(matches!(
            empty.read_block(0, &mut [0; 512]),
            Err(DeviceError::OutOfRange { block: 0, count: 0 })
        ));
    }

    #[test]
    fn runs_move_several_blocks_and_the_default_agrees() {
        /// A device with only the single-block operations.
        struct Single(MemDevice);
        impl BlockDevice for Single {
            fn block_size(&self) -> usize {
                self.0.block_size()
            }
            fn block_count(&self) -> u64 {
                self.0.block_count()
            }
            fn read_block(&mut self, n: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
                self.0.read_block(n, buf)
            }
            fn write_block(&mut self, n: u64, buf: &[u8]) -> Result<(), DeviceError> {
                self.0.write_block(n, buf)
            }
            fn flush(&mut self) -> Result<(), DeviceError> {
                self.0.flush()
            }
        }
        let mut mem = MemDevice::new(8, 8).unwrap();
        let mut single = Single(MemDevice::new(8, 8).unwrap());
        let a: Vec<u8> = (0..24).collect();
        let b = [9u8; 8];
        let runs: [(u64, &[u8]); 2] = [(1, &a), (7, &b)];
        mem.write_runs(&runs).unwrap();
        single.write_runs(&runs).unwrap();
        assert_eq!(mem, single.0);
        assert_eq!(&mem.as_bytes()[8..32], &a[..]);
        assert_eq!(&mem.as_bytes()[56..], &b[..]);
        for dev in [&mut mem as &mut dyn BlockDevice, &mut single] {
            let (mut x, mut y) = ([0u8; 16], [0u8; 8]);
            let mut reads: [(u64, &mut [u8]); 2] = [(2, &mut x), (0, &mut y)];
            dev.read_runs(&mut reads).unwrap();
            assert_eq!(&x[..], &a[8..]);
            assert_eq!(y, [0; 8]);
            assert_eq!(
                dev.write_runs(&[(6, &[1; 24])]),
                Err(DeviceError::OutOfRange { block: 8, count: 8 })
            );
            assert_eq!(
                dev.write_runs(&[(0, &[1; 12])]),
                Err(DeviceError::BadBufferLength {
                    expected: 8,
                    actual: 12
                })
            );
            assert!(matches!(
                dev.read_runs(&mut [(0, &mut [][..])]),
                Err(DeviceError::BadBufferLength { .. })
            ));
        }
    }

    #[test]
    fn flush_is_counted() {
        let mut dev = MemDevice::new(8, 1).unwrap();
        assert_eq!(dev.flushes(), 0);
        dev.flush().unwrap();
        dev.flush().unwrap();
        assert_eq!(dev.flushes(), 2);
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(
            DeviceError::OutOfRange { block: 9, count: 4 }.to_string(),
            "block 9 is past the end of a 4-block device"
        );
        assert_eq!(
            DeviceError::BadBufferLength {
                expected: 512,
                actual: 100
            }
            .to_string(),
            "buffer of 100 bytes for a 512-byte block"
        );
    }
}
