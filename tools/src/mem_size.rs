//! Guest memory sizes as users write them on the command line (`128M`, `1G`,
//! `512`, `64MiB`), in whole MiB because that is what QEMU's `-m` takes.

use std::fmt;
use std::str::FromStr;

/// The largest guest we agree to start: far beyond anything Sole needs, but
/// small enough that a typo (`128000G`) is caught here rather than by QEMU.
const MAX_MIB: u64 = 1 << 20; // 1 TiB

/// A guest memory size in MiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MemSize {
    mib: u32,
}

impl MemSize {
    /// A size of `mib` MiB; `None` if it is zero or over 1 TiB.
    pub fn from_mib(mib: u32) -> Option<Self> {
        (mib != 0 && u64::from(mib) <= MAX_MIB).then_some(Self { mib })
    }

    /// The size in MiB.
    pub fn mib(self) -> u32 {
        self.mib
    }
}

impl Default for MemSize {
    /// 128 MiB: enough for the kernel and a small program.
    fn default() -> Self {
        Self { mib: 128 }
    }
}

impl fmt::Display for MemSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} MiB", self.mib)
    }
}

/// Why a memory size was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseMemSizeError(String);

impl fmt::Display for ParseMemSizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseMemSizeError {}

impl FromStr for MemSize {
    type Err = ParseMemSizeError;

    /// Accepts a whole number followed by an optional unit: none, `M`, `MB`,
    /// `MiB` (MiB) or `G`, `GB`, `GiB` (GiB), in any letter case. As with
    /// QEMU's `-m`, `M` and `MB` mean MiB.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || {
            ParseMemSizeError(format!(
                "invalid memory size `{text}`: expected a whole number of MiB or GiB, \
                 such as 512, 128M, 64MiB or 1G"
            ))
        };
        let digits_end = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(digits_end);
        if number.is_empty() {
            return Err(invalid());
        }
        let mib_per_unit: u64 = match unit.to_ascii_lowercase().as_str() {
            "" | "m" | "mb" | "mib" => 1,
            "g" | "gb" | "gib" => 1024,
            _ => return Err(invalid()),
        };
        let too_large = || {
            ParseMemSizeError(format!(
                "memory size `{text}` is too large (at most {} GiB)",
                MAX_MIB / 1024
            ))
        };
        let mib = number
            .parse::<u64>()
            .map_err(|_| too_large())?
            .checked_mul(mib_per_unit)
            .ok_or_else(too_large)?;
        if mib == 0 {
            return Err(ParseMemSizeError(format!(
                "memory size `{text}` is zero; the guest needs some memory"
            )));
        }
        u32::try_from(mib)
            .ok()
            .and_then(MemSize::from_mib)
            .ok_or_else(too_large)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mib(text: &str) -> u32 {
        text.parse::<MemSize>()
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .mib()
    }

    #[test]
    fn accepts_the_usual_spellings() {
        assert_eq!(mib("512"), 512);
        assert_eq!(mib("128M"), 128);
        assert_eq!(mib("128m"), 128);
        assert_eq!(mib("64MiB"), 64);
        assert_eq!(mib("64MB"), 64);
        assert_eq!(mib("1G"), 1024);
        assert_eq!(mib("2GiB"), 2048);
        assert_eq!(mib("3gb"), 3072);
        assert_eq!(mib("1024G"), 1 << 20);
    }

    #[test]
    fn refuses_garbage_with_a_message_naming_it() {
        for bad in [
            "", "M", "lots", "12X", "1.5G", "-1", "128 M", "128KiB", "0x10",
        ] {
            let err = bad.parse::<MemSize>().expect_err(bad);
            assert!(
                err.to_string().contains(&format!("`{bad}`")),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn refuses_zero_and_absurd_sizes() {
        assert!(
            "0".parse::<MemSize>()
                .unwrap_err()
                .to_string()
                .contains("zero")
        );
        assert!("0G".parse::<MemSize>().is_err());
        for big in ["1025G", "99999999999999999999", "18446744073709551615G"] {
            let err = big.parse::<MemSize>().expect_err(big);
            assert!(err.to_string().contains("too large"), "{big}: {err}");
        }
    }

    #[test]
    fn default_is_128_mib() {
        assert_eq!(MemSize::default().mib(), 128);
        assert_eq!(MemSize::default().to_string(), "128 MiB");
    }
}
