//! The kernel symbol table: a compact, position-independent list of function
//! addresses and names that the kernel reads from its own image to put names on
//! backtraces.
//!
//! A host build step (`tools/build/ksyms.rs`) encodes the linked kernel's
//! `.symtab` with [`encode`] and writes the bytes into the kernel's `.ksyms`
//! segment; the kernel finds them at the linker symbol `__ksyms_start`, learns
//! their length from the header with [`table_len`], and looks addresses up with
//! [`SymbolTable`]. Nothing here allocates on the lookup path, so a fault
//! handler can use it.
//!
//! Layout, all integers little-endian:
//!
//! ```text
//! offset 0   magic        8 bytes, b"SOLESYMS"
//! offset 8   count        u32, number of entries
//! offset 12  total_len    u32, bytes in the whole table, header included
//! offset 16  entries      count x 16 bytes, strictly ascending by addr:
//!              addr         u64, first byte of the symbol
//!              size         u32, bytes covered (0: unknown, up to the next symbol)
//!              name_offset  u32, into the string area
//! then       string area  NUL-terminated UTF-8 names, up to total_len
//! ```
//!
//! Sixteen zero bytes (the placeholder the linker script reserves) mean "no
//! table".

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Bytes in the table header.
pub const HEADER_LEN: usize = 16;

/// Bytes in one entry.
pub const ENTRY_LEN: usize = 16;

/// The first eight bytes of every table.
pub const MAGIC: [u8; 8] = *b"SOLESYMS";

/// Validates a table header and returns the table's total length in bytes,
/// header included: the number of bytes to hand to [`SymbolTable::parse`].
///
/// Returns `None` for a header without the magic (such as the all-zero
/// placeholder of a kernel that was never given a table) or one whose length
/// cannot hold its own entries.
pub fn table_len(header: &[u8; HEADER_LEN]) -> Option<usize> {
    let (count, total) = header_fields(header)?;
    let total = usize::try_from(total).ok()?;
    let needed = entries_end(count)?;
    (total >= needed).then_some(total)
}

/// Reads the count and total length from a header with the right magic.
fn header_fields(header: &[u8; HEADER_LEN]) -> Option<(u32, u32)> {
    if header[..8] != MAGIC {
        return None;
    }
    Some((read_u32(header, 8)?, read_u32(header, 12)?))
}

/// The offset just past `count` entries (where the string area starts).
fn entries_end(count: u32) -> Option<usize> {
    usize::try_from(count)
        .ok()?
        .checked_mul(ENTRY_LEN)?
        .checked_add(HEADER_LEN)
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let raw = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(raw.try_into().ok()?))
}

fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let raw = bytes.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(raw.try_into().ok()?))
}

/// What is wrong with a table that [`SymbolTable::parse`] refused, or why
/// [`encode`] could not build one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymtabError {
    /// Fewer bytes than a header.
    Truncated { len: usize },
    /// The first eight bytes are not [`MAGIC`].
    BadMagic,
    /// The header's total length differs from the bytes given.
    LengthMismatch { declared: u32, actual: usize },
    /// The entries the header counts do not fit in the table.
    EntriesOutOfBounds { count: u32, len: usize },
    /// Entry `index` does not start above entry `index - 1`.
    Unsorted { index: usize },
    /// Entry `index`'s address plus size passes the end of the address space.
    RangeOverflow { index: usize },
    /// Entry `index`'s name starts outside the string area.
    NameOutOfRange { index: usize, offset: u32 },
    /// Entry `index`'s name runs to the end of the table without a NUL.
    NameUnterminated { index: usize },
    /// Entry `index`'s name is not UTF-8.
    NameNotUtf8 { index: usize },
    /// [`encode`]: the table would not fit the format's 32-bit lengths.
    TooLarge,
}

impl fmt::Display for SymtabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Truncated { len } => write!(
                f,
                "symbol table truncated: {len} bytes, the header alone is {HEADER_LEN}"
            ),
            Self::BadMagic => write!(f, "symbol table magic is not \"SOLESYMS\""),
            Self::LengthMismatch { declared, actual } => write!(
                f,
                "symbol table header says {declared} bytes but {actual} were given"
            ),
            Self::EntriesOutOfBounds { count, len } => write!(
                f,
                "symbol table counts {count} entries, which do not fit in its {len} bytes"
            ),
            Self::Unsorted { index } => write!(
                f,
                "symbol table entry {index} does not start above the entry before it"
            ),
            Self::RangeOverflow { index } => write!(
                f,
                "symbol table entry {index} extends past the end of the address space"
            ),
            Self::NameOutOfRange { index, offset } => write!(
                f,
                "symbol table entry {index} has name offset {offset}, outside the string area"
            ),
            Self::NameUnterminated { index } => write!(
                f,
                "symbol table entry {index} has a name without a terminating NUL"
            ),
            Self::NameNotUtf8 { index } => {
                write!(f, "symbol table entry {index} has a name that is not UTF-8")
            }
            Self::TooLarge => write!(f, "symbol table would exceed 4 GiB"),
        }
    }
}

impl core::error::Error for SymtabError {}

/// A validated symbol table borrowed from its encoded bytes.
#[derive(Clone, Copy, Debug)]
pub struct SymbolTable<'a> {
    entries: &'a [u8],
    strings: &'a [u8],
}

impl<'a> SymbolTable<'a> {
    /// Checks every length, the ordering, every address range and every name
    /// of an encoded table; `bytes` must be exactly the table (its length is
    /// the header's total length, see [`table_len`]).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, SymtabError> {
        let header: &[u8; HEADER_LEN] = bytes
            .get(..HEADER_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(SymtabError::Truncated { len: bytes.len() })?;
        let (count, declared) = header_fields(header).ok_or(SymtabError::BadMagic)?;
        if usize::try_from(declared).ok() != Some(bytes.len()) {
            return Err(SymtabError::LengthMismatch {
                declared,
                actual: bytes.len(),
            });
        }
        let strings_start = entries_end(count).filter(|&end| end <= bytes.len()).ok_or(
            SymtabError::EntriesOutOfBounds {
                count,
                len: bytes.len(),
            },
        )?;
        let table = Self {
            entries: &bytes[HEADER_LEN..strings_start],
            strings: &bytes[strings_start..],
        };
        let mut previous: Option<u64> = None;
        for index in 0..table.len() {
            let (addr, size, name_offset) =
                table
                    .raw_entry(index)
                    .ok_or(SymtabError::EntriesOutOfBounds {
                        count,
                        len: bytes.len(),
                    })?;
            if previous.is_some_and(|p| addr <= p) {
                return Err(SymtabError::Unsorted { index });
            }
            previous = Some(addr);
            if addr.checked_add(u64::from(size)).is_none() {
                return Err(SymtabError::RangeOverflow { index });
            }
            table.check_name(index, name_offset)?;
        }
        Ok(table)
    }

    /// Number of symbols.
    pub fn len(&self) -> usize {
        self.entries.len() / ENTRY_LEN
    }

    /// Whether the table holds no symbols.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The symbol containing `addr` and `addr`'s offset into it.
    ///
    /// That is the last symbol starting at or below `addr`, if `addr` lies
    /// within its size; a symbol of size 0 (size unknown) is taken to extend
    /// up to the next symbol. Returns `None` below the first symbol and in
    /// gaps between sized symbols.
    pub fn lookup(&self, addr: u64) -> Option<(&'a str, u64)> {
        // Number of entries starting at or below `addr`; entries are strictly
        // ascending, so this is a partition point.
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.raw_entry(mid)?.0 <= addr {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let index = lo.checked_sub(1)?;
        let (start, size, name_offset) = self.raw_entry(index)?;
        let offset = addr - start;
        if size != 0 && offset >= u64::from(size) {
            return None;
        }
        Some((self.name(name_offset)?, offset))
    }

    /// Every symbol in address order as `(addr, size, name)`.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u32, &'a str)> + '_ {
        (0..self.len()).filter_map(|i| {
            let (addr, size, name_offset) = self.raw_entry(i)?;
            Some((addr, size, self.name(name_offset)?))
        })
    }

    fn raw_entry(&self, index: usize) -> Option<(u64, u32, u32)> {
        let at = index.checked_mul(ENTRY_LEN)?;
        Some((
            read_u64(self.entries, at)?,
            read_u32(self.entries, at.checked_add(8)?)?,
            read_u32(self.entries, at.checked_add(12)?)?,
        ))
    }

    /// The NUL-terminated name at `offset`, or `None` if it is not a valid
    /// one (which `parse` has ruled out for every entry).
    fn name(&self, offset: u32) -> Option<&'a str> {
        let rest = self.strings.get(usize::try_from(offset).ok()?..)?;
        let len = rest.iter().position(|&b| b == 0)?;
        core::str::from_utf8(&rest[..len]).ok()
    }

    fn check_name(&self, index: usize, offset: u32) -> Result<(), SymtabError> {
        let rest = usize::try_from(offset)
            .ok()
            .and_then(|o| self.strings.get(o..))
            .filter(|rest| !rest.is_empty())
            .ok_or(SymtabError::NameOutOfRange { index, offset })?;
        let len = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or(SymtabError::NameUnterminated { index })?;
        core::str::from_utf8(&rest[..len]).map_err(|_| SymtabError::NameNotUtf8 { index })?;
        Ok(())
    }
}

/// One symbol to encode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// First byte of the symbol.
    pub addr: u64,
    /// Bytes it covers; 0 if unknown. Sizes above `u32::MAX` are stored as
    /// `u32::MAX` (no kernel function is 4 GiB long).
    pub size: u64,
    /// Its (demangled) name. A NUL ends the name early.
    pub name: String,
}

/// Encodes `symbols` as a table.
///
/// Symbols are sorted by address. Where several share an address (aliases)
/// one is kept: the largest, and among equally large ones the first name in
/// byte order, so the output depends only on the set of symbols given. Equal
/// names share one copy in the string area. A symbol whose range would pass
/// the end of the address space is shortened to end there.
pub fn encode(symbols: &[Symbol]) -> Result<Vec<u8>, SymtabError> {
    let mut sorted: Vec<&Symbol> = symbols.iter().collect();
    sorted.sort_by(|a, b| {
        a.addr
            .cmp(&b.addr)
            .then(b.size.cmp(&a.size))
            .then(a.name.cmp(&b.name))
    });
    sorted.dedup_by_key(|s| s.addr);

    let count = u32::try_from(sorted.len()).map_err(|_| SymtabError::TooLarge)?;
    let strings_start = entries_end(count).ok_or(SymtabError::TooLarge)?;
    let mut entries = Vec::with_capacity(strings_start - HEADER_LEN);
    let mut strings: Vec<u8> = Vec::new();
    let mut interned: BTreeMap<&str, u32> = BTreeMap::new();
    for symbol in sorted {
        let name = symbol.name.split('\0').next().unwrap_or("");
        let name_offset = match interned.get(name) {
            Some(&offset) => offset,
            None => {
                let offset = u32::try_from(strings.len()).map_err(|_| SymtabError::TooLarge)?;
                strings.extend_from_slice(name.as_bytes());
                strings.push(0);
                interned.insert(name, offset);
                offset
            }
        };
        let room = u64::MAX - symbol.addr;
        let size = u32::try_from(symbol.size.min(room)).unwrap_or(u32::MAX);
        entries.extend_from_slice(&symbol.addr.to_le_bytes());
        entries.extend_from_slice(&size.to_le_bytes());
        entries.extend_from_slice(&name_offset.to_le_bytes());
    }

    let total = strings_start
        .checked_add(strings.len())
        .and_then(|t| u32::try_from(t).ok())
        .ok_or(SymtabError::TooLarge)?;
    let mut table = Vec::with_capacity(strings_start + strings.len());
    table.extend_from_slice(&MAGIC);
    table.extend_from_slice(&count.to_le_bytes());
    table.extend_from_slice(&total.to_le_bytes());
    table.extend_from_slice(&entries);
    table.extend_from_slice(&strings);
    Ok(table)
}

#[cfg(test)]
mod tests;
