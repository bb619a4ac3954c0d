//! Linux error numbers: the one `Errno` every syscall returns, negated in
//! exactly one place (`dispatch`, DESIGN.md "The path of a system call").
//!
//! Numbers are Linux's for x86-64, which uses the generic ones
//! (include/uapi/asm-generic/errno-base.h and errno.h); 41 and 58 are unused
//! there. Descriptions are the strings glibc's `strerror` prints, so
//! `sole run --strace` reads like strace on Linux.

use core::fmt;

macro_rules! errnos {
    ($($name:ident = $number:literal, $description:literal;)*) => {
        /// A Linux error number (errno(3)).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(i32)]
        #[allow(non_camel_case_types)] // ERESTART_RESTARTBLOCK, as Linux spells it
        pub enum Errno {
            $(
                #[doc = $description]
                $name = $number,
            )*
        }

        impl Errno {
            /// Every error number, ascending.
            pub const ALL: &'static [Self] = &[$(Self::$name),*];

            /// The error with Linux number `raw`, if there is one.
            pub const fn from_raw(raw: i32) -> Option<Self> {
                match raw {
                    $($number => Some(Self::$name),)*
                    _ => None,
                }
            }

            /// The symbolic name, as in the C headers: `"ENOENT"`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$name => stringify!($name),)*
                }
            }

            /// What glibc's `strerror` says: `"No such file or directory"`.
            pub const fn description(self) -> &'static str {
                match self {
                    $(Self::$name => $description,)*
                }
            }
        }
    };
}

errnos! {
    EPERM = 1, "Operation not permitted";
    ENOENT = 2, "No such file or directory";
    ESRCH = 3, "No such process";
    EINTR = 4, "Interrupted system call";
    EIO = 5, "Input/output error";
    ENXIO = 6, "No such device or address";
    E2BIG = 7, "Argument list too long";
    ENOEXEC = 8, "Exec format error";
    EBADF = 9, "Bad file descriptor";
    ECHILD = 10, "No child processes";
    EAGAIN = 11, "Resource temporarily unavailable";
    ENOMEM = 12, "Cannot allocate memory";
    EACCES = 13, "Permission denied";
    EFAULT = 14, "Bad address";
    ENOTBLK = 15, "Block device required";
    EBUSY = 16, "Device or resource busy";
    EEXIST = 17, "File exists";
    EXDEV = 18, "Invalid cross-device link";
    ENODEV = 19, "No such device";
    ENOTDIR = 20, "Not a directory";
    EISDIR = 21, "Is a directory";
    EINVAL = 22, "Invalid argument";
    ENFILE = 23, "Too many open files in system";
    EMFILE = 24, "Too many open files";
    ENOTTY = 25, "Inappropriate ioctl for device";
    ETXTBSY = 26, "Text file busy";
    EFBIG = 27, "File too large";
    ENOSPC = 28, "No space left on device";
    ESPIPE = 29, "Illegal seek";
    EROFS = 30, "Read-only file system";
    EMLINK = 31, "Too many links";
    EPIPE = 32, "Broken pipe";
    EDOM = 33, "Numerical argument out of domain";
    ERANGE = 34, "Numerical result out of range";
    EDEADLK = 35, "Resource deadlock avoided";
    ENAMETOOLONG = 36, "File name too long";
    ENOLCK = 37, "No locks available";
    ENOSYS = 38, "Function not implemented";
    ENOTEMPTY = 39, "Directory not empty";
    ELOOP = 40, "Too many levels of symbolic links";
    ENOMSG = 42, "No message of desired type";
    EIDRM = 43, "Identifier removed";
    ECHRNG = 44, "Channel number out of range";
    EL2NSYNC = 45, "Level 2 not synchronized";
    EL3HLT = 46, "Level 3 halted";
    EL3RST = 47, "Level 3 reset";
    ELNRNG = 48, "Link number out of range";
    EUNATCH = 49, "Protocol driver not attached";
    ENOCSI = 50, "No CSI structure available";
    EL2HLT = 51, "Level 2 halted";
    EBADE = 52, "Invalid exchange";
    EBADR = 53, "Invalid request descriptor";
    EXFULL = 54, "Exchange full";
    ENOANO = 55, "No anode";
    EBADRQC = 56, "Invalid request code";
    EBADSLT = 57, "Invalid slot";
    EBFONT = 59, "Bad font file format";
    ENOSTR = 60, "Device not a stream";
    ENODATA = 61, "No data available";
    ETIME = 62, "Timer expired";
    ENOSR = 63, "Out of streams resources";
    ENONET = 64, "Machine is not on the network";
    ENOPKG = 65, "Package not installed";
    EREMOTE = 66, "Object is remote";
    ENOLINK = 67, "Link has been severed";
    EADV = 68, "Advertise error";
    ESRMNT = 69, "Srmount error";
    ECOMM = 70, "Communication error on send";
    EPROTO = 71, "Protocol error";
    EMULTIHOP = 72, "Multihop attempted";
    EDOTDOT = 73, "RFS specific error";
    EBADMSG = 74, "Bad message";
    EOVERFLOW = 75, "Value too large for defined data type";
    ENOTUNIQ = 76, "Name not unique on network";
    EBADFD = 77, "File descriptor in bad state";
    EREMCHG = 78, "Remote address changed";
    ELIBACC = 79, "Can not access a needed shared library";
    ELIBBAD = 80, "Accessing a corrupted shared library";
    ELIBSCN = 81, ".lib section in a.out corrupted";
    ELIBMAX = 82, "Attempting to link in too many shared libraries";
    ELIBEXEC = 83, "Cannot exec a shared library directly";
    EILSEQ = 84, "Invalid or incomplete multibyte or wide character";
    ERESTART = 85, "Interrupted system call should be restarted";
    ESTRPIPE = 86, "Streams pipe error";
    EUSERS = 87, "Too many users";
    ENOTSOCK = 88, "Socket operation on non-socket";
    EDESTADDRREQ = 89, "Destination address required";
    EMSGSIZE = 90, "Message too long";
    EPROTOTYPE = 91, "Protocol wrong type for socket";
    ENOPROTOOPT = 92, "Protocol not available";
    EPROTONOSUPPORT = 93, "Protocol not supported";
    ESOCKTNOSUPPORT = 94, "Socket type not supported";
    EOPNOTSUPP = 95, "Operation not supported";
    EPFNOSUPPORT = 96, "Protocol family not supported";
    EAFNOSUPPORT = 97, "Address family not supported by protocol";
    EADDRINUSE = 98, "Address already in use";
    EADDRNOTAVAIL = 99, "Cannot assign requested address";
    ENETDOWN = 100, "Network is down";
    ENETUNREACH = 101, "Network is unreachable";
    ENETRESET = 102, "Network dropped connection on reset";
    ECONNABORTED = 103, "Software caused connection abort";
    ECONNRESET = 104, "Connection reset by peer";
    ENOBUFS = 105, "No buffer space available";
    EISCONN = 106, "Transport endpoint is already connected";
    ENOTCONN = 107, "Transport endpoint is not connected";
    ESHUTDOWN = 108, "Cannot send after transport endpoint shutdown";
    ETOOMANYREFS = 109, "Too many references: cannot splice";
    ETIMEDOUT = 110, "Connection timed out";
    ECONNREFUSED = 111, "Connection refused";
    EHOSTDOWN = 112, "Host is down";
    EHOSTUNREACH = 113, "No route to host";
    EALREADY = 114, "Operation already in progress";
    EINPROGRESS = 115, "Operation now in progress";
    ESTALE = 116, "Stale file handle";
    EUCLEAN = 117, "Structure needs cleaning";
    ENOTNAM = 118, "Not a XENIX named type file";
    ENAVAIL = 119, "No XENIX semaphores available";
    EISNAM = 120, "Is a named type file";
    EREMOTEIO = 121, "Remote I/O error";
    EDQUOT = 122, "Disk quota exceeded";
    ENOMEDIUM = 123, "No medium found";
    EMEDIUMTYPE = 124, "Wrong medium type";
    ECANCELED = 125, "Operation canceled";
    ENOKEY = 126, "Required key not available";
    EKEYEXPIRED = 127, "Key has expired";
    EKEYREVOKED = 128, "Key has been revoked";
    EKEYREJECTED = 129, "Key was rejected by service";
    EOWNERDEAD = 130, "Owner died";
    ENOTRECOVERABLE = 131, "State not recoverable";
    ERFKILL = 132, "Operation not possible due to RF-kill";
    EHWPOISON = 133, "Memory page has hardware error";
    // The kernel's own restart codes (include/linux/errno.h): a blocking
    // call interrupted by a signal returns one, and signal delivery turns
    // it into EINTR or a restart. A program never sees them. The
    // descriptions are strace's.
    ERESTARTSYS = 512, "To be restarted if SA_RESTART is set";
    ERESTARTNOINTR = 513, "To be restarted";
    ERESTARTNOHAND = 514, "To be restarted if no handler";
    ERESTART_RESTARTBLOCK = 516, "Interrupted by signal";
}

impl Errno {
    /// Same number as `EAGAIN` (errno.h: `#define EWOULDBLOCK EAGAIN`).
    pub const EWOULDBLOCK: Self = Self::EAGAIN;
    /// Same number as `EDEADLK` on x86-64.
    pub const EDEADLOCK: Self = Self::EDEADLK;
    /// Same number as `EOPNOTSUPP` on Linux (glibc's bits/errno.h).
    pub const ENOTSUP: Self = Self::EOPNOTSUPP;

    /// The Linux number: what a syscall returns, negated.
    pub const fn as_raw(self) -> i32 {
        self as i32
    }
}

/// `ENOENT (No such file or directory)`, as strace prints a failed call.
impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.description())
    }
}

impl core::error::Error for Errno {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeSet;
    use alloc::string::ToString;

    /// Checked by hand against include/uapi/asm-generic/errno-base.h and
    /// errno.h (Linux 6.x), independently of the table above.
    const KNOWN: &[(Errno, i32, &str)] = &[
        (Errno::EPERM, 1, "Operation not permitted"),
        (Errno::ENOENT, 2, "No such file or directory"),
        (Errno::EINTR, 4, "Interrupted system call"),
        (Errno::EIO, 5, "Input/output error"),
        (Errno::E2BIG, 7, "Argument list too long"),
        (Errno::EBADF, 9, "Bad file descriptor"),
        (Errno::EAGAIN, 11, "Resource temporarily unavailable"),
        (Errno::ENOMEM, 12, "Cannot allocate memory"),
        (Errno::EFAULT, 14, "Bad address"),
        (Errno::EEXIST, 17, "File exists"),
        (Errno::EINVAL, 22, "Invalid argument"),
        (Errno::ENOTTY, 25, "Inappropriate ioctl for device"),
        (Errno::ESPIPE, 29, "Illegal seek"),
        (Errno::EPIPE, 32, "Broken pipe"),
        (Errno::ERANGE, 34, "Numerical result out of range"),
        (Errno::EDEADLK, 35, "Resource deadlock avoided"),
        (Errno::ENOSYS, 38, "Function not implemented"),
        (Errno::ENOTEMPTY, 39, "Directory not empty"),
        (Errno::ELOOP, 40, "Too many levels of symbolic links"),
        (Errno::ENOMSG, 42, "No message of desired type"),
        (Errno::EBADSLT, 57, "Invalid slot"),
        (Errno::EBFONT, 59, "Bad font file format"),
        (Errno::ENODATA, 61, "No data available"),
        (
            Errno::EOVERFLOW,
            75,
            "Value too large for defined data type",
        ),
        (
            Errno::EILSEQ,
            84,
            "Invalid or incomplete multibyte or wide character",
        ),
        (Errno::ENOTSOCK, 88, "Socket operation on non-socket"),
        (Errno::EOPNOTSUPP, 95, "Operation not supported"),
        (Errno::EADDRINUSE, 98, "Address already in use"),
        (Errno::ECONNRESET, 104, "Connection reset by peer"),
        (Errno::ETIMEDOUT, 110, "Connection timed out"),
        (Errno::ECONNREFUSED, 111, "Connection refused"),
        (Errno::EINPROGRESS, 115, "Operation now in progress"),
        (Errno::EDQUOT, 122, "Disk quota exceeded"),
        (Errno::ECANCELED, 125, "Operation canceled"),
        (Errno::EOWNERDEAD, 130, "Owner died"),
        (Errno::ENOTRECOVERABLE, 131, "State not recoverable"),
        (Errno::ERFKILL, 132, "Operation not possible due to RF-kill"),
        (Errno::EHWPOISON, 133, "Memory page has hardware error"),
    ];

    #[test]
    fn known_numbers_and_descriptions() {
        for &(errno, number, description) in KNOWN {
            assert_eq!(errno.as_raw(), number, "{}", errno.name());
            assert_eq!(Errno::from_raw(number), Some(errno));
            assert_eq!(errno.description(), description, "{}", errno.name());
        }
    }

    #[test]
    fn aliases_share_numbers() {
        assert_eq!(Errno::EWOULDBLOCK.as_raw(), 11);
        assert_eq!(Errno::EDEADLOCK.as_raw(), 35);
        assert_eq!(Errno::ENOTSUP.as_raw(), 95);
        assert_eq!(Errno::ENOTSUP.name(), "EOPNOTSUPP");
    }

    #[test]
    fn every_number_from_1_to_133_but_41_and_58_and_the_restart_codes() {
        let numbers: Vec<i32> = Errno::ALL.iter().map(|e| e.as_raw()).collect();
        let expected: Vec<i32> = (1..=133)
            .filter(|n| *n != 41 && *n != 58)
            .chain([512, 513, 514, 516])
            .collect();
        assert_eq!(numbers, expected);
        for errno in Errno::ALL {
            assert_eq!(Errno::from_raw(errno.as_raw()), Some(*errno));
        }
        for raw in [i32::MIN, -11, -1, 0, 41, 58, 134, 515, i32::MAX] {
            assert_eq!(Errno::from_raw(raw), None, "{raw}");
        }
    }

    #[test]
    fn names_and_descriptions_are_unique_and_well_formed() {
        let names: BTreeSet<&str> = Errno::ALL.iter().map(|e| e.name()).collect();
        let descriptions: BTreeSet<&str> = Errno::ALL.iter().map(|e| e.description()).collect();
        assert_eq!(names.len(), Errno::ALL.len());
        assert_eq!(descriptions.len(), Errno::ALL.len());
        for errno in Errno::ALL {
            let name = errno.name();
            assert!(name.starts_with('E') && name.len() >= 3, "{name}");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
                "{name}"
            );
            assert_eq!(alloc::format!("{errno:?}"), name);
            assert!(!errno.description().is_empty());
        }
    }

    #[test]
    fn display_reads_like_strace() {
        assert_eq!(
            Errno::ENOENT.to_string(),
            "ENOENT (No such file or directory)"
        );
        assert_eq!(
            Errno::EWOULDBLOCK.to_string(),
            "EAGAIN (Resource temporarily unavailable)"
        );
    }
}
