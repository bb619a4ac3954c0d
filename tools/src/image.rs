//! Initrd images: what `sole build --initrd` writes and `sole run IMAGE`
//! boots (disk images, `sole build`'s default, are [`crate::disk`]'s). An
//! initrd image is the initrd `sole run PROGRAM` would pack (a newc cpio
//! archive, see `rootfs::cpio`) with the launch manifest at [`LAUNCH_PATH`]
//! in it, kept in a file.
//!
//! Booting one reads only member headers, to find the manifest, and hands
//! the file to QEMU as it is. When the command line asks for something
//! else (other arguments, `--env`, `--cwd`, reporting flags), a copy is
//! booted with a new manifest appended after the last member: the kernel
//! unpacks members in order and a later one replaces an earlier one.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use loader::launch::{self, LAUNCH_PATH, Launch};
use rootfs::cpio::{HEADER_LEN, MAGIC_CRC, MAGIC_NEWC, NAME_MAX, Sink, TRAILER, Writer};

/// A built image.
#[derive(Debug, Clone)]
pub struct BuiltImage {
    /// Where it is.
    pub path: PathBuf,
    /// What its manifest says.
    pub launch: Launch,
    /// Where its trailer member starts: what a new manifest is appended
    /// after.
    trailer_at: u64,
}

/// Whether the file at `path` starts as a newc cpio archive does (`sole
/// build`'s images do; programs do not).
pub fn looks_like_image(path: &Path) -> bool {
    let mut magic = [0u8; 6];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| &magic == MAGIC_NEWC || &magic == MAGIC_CRC)
}

impl BuiltImage {
    /// Opens the image at `path` and reads its manifest.
    pub fn open(path: &Path) -> Result<Self> {
        let shown = path.display();
        let file = File::open(path).with_context(|| format!("cannot open {shown}"))?;
        let (manifest, trailer_at) =
            scan(&mut BufReader::new(file)).with_context(|| format!("{shown} is damaged"))?;
        let manifest = manifest.ok_or_else(|| {
            anyhow!(
                "{shown} is a cpio archive but not a Sole image (it has no {LAUNCH_PATH}); \
                 build images with `sole build`"
            )
        })?;
        let launch = launch::decode(&manifest).map_err(|e| anyhow!("{shown}: {e}"))?;
        Ok(Self {
            path: path.to_path_buf(),
            launch,
            trailer_at,
        })
    }

    /// Writes a copy of the image whose manifest is `launch` to `out`;
    /// returns its size.
    pub fn write_with(&self, launch: &Launch, out: impl Write) -> Result<u64> {
        let manifest = launch::encode(launch).map_err(|e| anyhow!("{e}"))?;
        let mut out = io::BufWriter::new(out);
        let mut file = File::open(&self.path)
            .with_context(|| format!("cannot open {}", self.path.display()))?;
        let copied = io::copy(&mut (&mut file).take(self.trailer_at), &mut out)
            .with_context(|| format!("cannot copy {}", self.path.display()))?;
        if copied != self.trailer_at {
            bail!("{} shrank while being copied", self.path.display());
        }
        let mut writer = Writer::with_sink(Counted { out, len: copied });
        writer.add_file(LAUNCH_PATH, 0o444, &manifest)?;
        let mut sink = writer.finish_sink()?;
        sink.out.flush().context("cannot write the image")?;
        Ok(sink.len)
    }
}

/// A sink counting what passes.
struct Counted<W: Write> {
    out: W,
    len: u64,
}

impl<W: Write> Sink for Counted<W> {
    type Error = anyhow::Error;

    fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.out
            .write_all(bytes)
            .context("cannot write the image")?;
        self.len += bytes.len() as u64;
        Ok(())
    }
}

/// Walks the members' headers: the last manifest's contents, if any, and
/// where the trailer starts. Contents are skipped, not read.
fn scan(file: &mut (impl Read + Seek)) -> Result<(Option<Vec<u8>>, u64)> {
    let mut at = 0u64;
    let mut manifest = None;
    loop {
        let mut header = [0u8; HEADER_LEN];
        file.read_exact(&mut header).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                anyhow!("it is truncated: it ends before the member header due at byte {at}")
            } else {
                anyhow!("no member header at byte {at}: {e}")
            }
        })?;
        if &header[..6] != MAGIC_NEWC && &header[..6] != MAGIC_CRC {
            bail!("bad member magic at byte {at}");
        }
        let field = |index: usize| -> Result<u64> {
            let text = std::str::from_utf8(&header[6 + index * 8..14 + index * 8])
                .map_err(|_| anyhow!("bad header field at byte {at}"))?;
            u64::from_str_radix(text, 16).map_err(|_| anyhow!("bad header field at byte {at}"))
        };
        // Fields after the magic: ino, mode, uid, gid, nlink, mtime,
        // filesize (6), devmajor, devminor, rdevmajor, rdevminor,
        // namesize (11), check.
        let size = field(6)?;
        let namesize = usize::try_from(field(11)?)?;
        if namesize == 0 || namesize > NAME_MAX + 1 {
            bail!("bad name size at byte {at}");
        }
        let mut name = vec![0u8; namesize];
        file.read_exact(&mut name)
            .map_err(|e| anyhow!("truncated name at byte {at}: {e}"))?;
        let name = name.strip_suffix(b"\0").unwrap_or(&name);
        let name_end = HEADER_LEN as u64 + namesize as u64;
        let data_at = at + name_end.next_multiple_of(4);
        if name == TRAILER.as_bytes() {
            return Ok((manifest, at));
        }
        file.seek(SeekFrom::Start(data_at))?;
        // Names may start with `/` or `./` (see `rootfs::cpio::Entry::path`).
        let mut trimmed = name;
        while let Some(rest) = trimmed
            .strip_prefix(b"/")
            .or_else(|| trimmed.strip_prefix(b"./"))
        {
            trimmed = rest;
        }
        if trimmed == LAUNCH_PATH.as_bytes() {
            let mut data = vec![0u8; usize::try_from(size.min(1 << 24))?];
            file.read_exact(&mut data)
                .map_err(|e| anyhow!("truncated manifest: {e}"))?;
            manifest = Some(data);
        }
        at = data_at + size.next_multiple_of(4);
        file.seek(SeekFrom::Start(at))?;
    }
}

#[cfg(test)]
mod tests;
