use super::*;
use alloc::borrow::ToOwned;
use alloc::vec;
use proptest::prelude::*;

fn sample() -> Launch {
    Launch {
        argv: vec![b"/usr/bin/busybox".to_vec(), b"sh".to_vec(), b"-c".to_vec()],
        env: vec![b"PATH=/bin".to_vec(), b"X=\xff\n".to_vec()],
        cwd: "/tmp".to_owned(),
        flags: LaunchFlags {
            strace: true,
            ..LaunchFlags::default()
        },
    }
}

#[test]
fn layout_is_as_documented() {
    let bytes = encode(&sample()).unwrap();
    let mut want = b"sole-launch 1\n".to_vec();
    want.extend_from_slice(&1u32.to_le_bytes()); // strace
    want.extend_from_slice(&4u32.to_le_bytes());
    want.extend_from_slice(b"/tmp");
    want.extend_from_slice(&3u32.to_le_bytes());
    for arg in [&b"/usr/bin/busybox"[..], b"sh", b"-c"] {
        want.extend_from_slice(&u32::try_from(arg.len()).unwrap().to_le_bytes());
        want.extend_from_slice(arg);
    }
    want.extend_from_slice(&2u32.to_le_bytes());
    for var in [&b"PATH=/bin"[..], b"X=\xff\n"] {
        want.extend_from_slice(&u32::try_from(var.len()).unwrap().to_le_bytes());
        want.extend_from_slice(var);
    }
    assert_eq!(bytes, want);
    assert_eq!(decode(&bytes), Ok(sample()));
    assert_eq!(sample().program(), b"/usr/bin/busybox");
}

#[test]
fn flags_round_trip_and_unknown_ones_are_refused() {
    for (strace, syscall_summary, trace_missing, bits) in [
        (false, false, false, 0u32),
        (true, false, false, 1),
        (false, true, false, 2),
        (true, true, false, 3),
        (false, false, true, 4),
        (true, true, true, 7),
    ] {
        let launch = Launch {
            flags: LaunchFlags {
                strace,
                syscall_summary,
                trace_missing,
            },
            ..sample()
        };
        let bytes = encode(&launch).unwrap();
        assert_eq!(bytes[MAGIC.len()..MAGIC.len() + 4], bits.to_le_bytes());
        assert_eq!(decode(&bytes), Ok(launch));
    }
    let mut bytes = encode(&sample()).unwrap();
    bytes[MAGIC.len()] = 0x09;
    assert_eq!(decode(&bytes), Err(LaunchError::UnknownFlags(9)));
}

#[test]
fn encode_refuses_what_the_kernel_could_not_run() {
    let nul_arg = Launch {
        argv: vec![b"/p".to_vec(), b"a\0b".to_vec()],
        ..sample()
    };
    assert_eq!(encode(&nul_arg), Err(LaunchError::NulInArg(1)));
    let nul_env = Launch {
        env: vec![b"A=1".to_vec(), b"B=\0".to_vec()],
        ..sample()
    };
    assert_eq!(encode(&nul_env), Err(LaunchError::NulInEnv(1)));
    let no_program = Launch {
        argv: vec![],
        ..sample()
    };
    assert_eq!(encode(&no_program), Err(LaunchError::NoProgram));
    for cwd in ["", "tmp", "/a\0"] {
        let launch = Launch {
            cwd: cwd.to_owned(),
            ..sample()
        };
        assert_eq!(encode(&launch), Err(LaunchError::BadCwd), "{cwd:?}");
    }
    // Empty arguments and environment strings are legal, as in Linux.
    let empties = Launch {
        argv: vec![b"/p".to_vec(), vec![]],
        env: vec![vec![]],
        ..sample()
    };
    assert_eq!(decode(&encode(&empties).unwrap()), Ok(empties));
}

#[test]
fn decode_refuses_damage() {
    let good = encode(&sample()).unwrap();
    assert_eq!(decode(b""), Err(LaunchError::BadMagic));
    assert_eq!(decode(b"SOLE-LAUNCH 1\n"), Err(LaunchError::BadMagic));
    assert_eq!(
        decode(b"sole-launch 2\n\0\0\0\0"),
        Err(LaunchError::UnsupportedVersion)
    );
    for len in 0..good.len() {
        assert!(decode(&good[..len]).is_err(), "prefix of {len} bytes");
    }
    assert_eq!(decode(&good[..good.len() - 1]), Err(LaunchError::Truncated));
    let mut long = good.clone();
    long.push(0);
    assert_eq!(decode(&long), Err(LaunchError::TrailingBytes));

    // A count of four billion strings is refused without allocating.
    let mut huge = Vec::from(MAGIC);
    huge.extend_from_slice(&0u32.to_le_bytes());
    huge.extend_from_slice(&1u32.to_le_bytes());
    huge.push(b'/');
    huge.extend_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(decode(&huge), Err(LaunchError::Truncated));

    // An empty argv, a NUL, a relative or non-UTF-8 cwd: as encode refuses.
    let with = |cwd: &[u8], argv: &[&[u8]]| {
        let mut bytes = Vec::from(MAGIC);
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&u32::try_from(cwd.len()).unwrap().to_le_bytes());
        bytes.extend_from_slice(cwd);
        bytes.extend_from_slice(&u32::try_from(argv.len()).unwrap().to_le_bytes());
        for arg in argv {
            bytes.extend_from_slice(&u32::try_from(arg.len()).unwrap().to_le_bytes());
            bytes.extend_from_slice(arg);
        }
        bytes.extend_from_slice(&0u32.to_le_bytes());
        decode(&bytes)
    };
    assert!(with(b"/", &[b"/p"]).is_ok());
    assert_eq!(with(b"/", &[]), Err(LaunchError::NoProgram));
    assert_eq!(with(b"/", &[b"/p", b"\0"]), Err(LaunchError::NulInArg(1)));
    assert_eq!(with(b"rel", &[b"/p"]), Err(LaunchError::BadCwd));
    assert_eq!(with(b"/\xff", &[b"/p"]), Err(LaunchError::BadCwd));
}

fn arb_string() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(1u8..=255, 0..40)
}

fn arb_launch() -> impl Strategy<Value = Launch> {
    (
        proptest::collection::vec(arb_string(), 1..6),
        proptest::collection::vec(arb_string(), 0..6),
        "/[^\0]{0,30}",
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(argv, env, cwd, strace, syscall_summary, trace_missing)| Launch {
                argv,
                env,
                cwd,
                flags: LaunchFlags {
                    strace,
                    syscall_summary,
                    trace_missing,
                },
            },
        )
}

proptest! {
    #[test]
    fn any_valid_launch_round_trips(launch in arb_launch()) {
        let bytes = encode(&launch).unwrap();
        prop_assert_eq!(decode(&bytes), Ok(launch));
    }

    #[test]
    fn damaged_manifests_never_panic(
        launch in arb_launch(),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in any::<usize>(),
    ) {
        let mut bytes = encode(&launch).unwrap();
        for (at, byte) in flips {
            let at = at % bytes.len();
            bytes[at] = byte;
        }
        bytes.truncate(cut % (bytes.len() + 1));
        // Whatever decodes must be a manifest encode would write again.
        if let Ok(decoded) = decode(&bytes) {
            prop_assert_eq!(encode(&decoded).unwrap(), bytes);
        }
    }

    #[test]
    fn random_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = decode(&tail);
        let mut bytes = Vec::from(MAGIC);
        bytes.extend_from_slice(&tail);
        let _ = decode(&bytes);
    }
}
