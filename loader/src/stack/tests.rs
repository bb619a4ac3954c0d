use super::*;
use crate::elf::testelf::{dynamic_pie, static_exec};
use crate::elf::{PIE_BASE, USER_END, plan};
use alloc::collections::BTreeMap;
use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;
use proptest::collection::vec as vec_of;
use proptest::prelude::*;

const TOP: u64 = 0x7fff_ffff_f000;

fn params<'a>(argv: &'a [&'a [u8]], envp: &'a [&'a [u8]]) -> AuxParams<'a> {
    AuxParams {
        argv,
        envp,
        execfn: b"/bin/prog",
        random: core::array::from_fn(|i| 0xa0 + i as u8),
        hwcap: 0x178b_fbff,
        hwcap2: 0x2,
        uid: 1000,
        euid: 1001,
        gid: 100,
        egid: 101,
        secure: false,
        clktck: 100,
        minsigstksz: 3632,
        interp_base: None,
        sysinfo_ehdr: Some(0x7fff_f7ff_d000),
    }
}

fn exec_plan() -> LoadPlan {
    plan(&static_exec().bytes(), PIE_BASE).unwrap()
}

/// The stack read back through its pointers, as a C library's startup code
/// would.
#[derive(Debug)]
struct Parsed {
    argv: Vec<Vec<u8>>,
    envp: Vec<Vec<u8>>,
    auxv: Vec<(u64, u64)>,
}

impl Parsed {
    fn aux(&self, key: u64) -> Option<u64> {
        self.auxv.iter().find(|&&(k, _)| k == key).map(|&(_, v)| v)
    }
}

fn word(stack: &InitialStack, addr: u64) -> u64 {
    let at = (addr - stack.sp) as usize;
    u64::from_le_bytes(stack.bytes[at..at + 8].try_into().unwrap())
}

fn cstr(stack: &InitialStack, addr: u64) -> Vec<u8> {
    let at = (addr - stack.sp) as usize;
    let len = stack.bytes[at..].iter().position(|&b| b == 0).unwrap();
    stack.bytes[at..at + len].to_vec()
}

fn parse(stack: &InitialStack) -> Parsed {
    let mut at = stack.sp;
    let mut next = || {
        let w = word(stack, at);
        at += 8;
        w
    };
    let argc = next();
    let argv: Vec<Vec<u8>> = (0..argc)
        .map(|_| next())
        .collect::<Vec<_>>()
        .into_iter()
        .map(|p| cstr(stack, p))
        .collect();
    assert_eq!(next(), 0, "argv not NULL-terminated");
    let mut env_ptrs = Vec::new();
    loop {
        match next() {
            0 => break,
            p => env_ptrs.push(p),
        }
    }
    let envp = env_ptrs.into_iter().map(|p| cstr(stack, p)).collect();
    let mut auxv = Vec::new();
    loop {
        let (key, value) = (next(), next());
        auxv.push((key, value));
        if key == AT_NULL {
            break;
        }
    }
    Parsed { argv, envp, auxv }
}

fn strings(list: &[&[u8]]) -> Vec<Vec<u8>> {
    list.iter().map(|s| s.to_vec()).collect()
}

#[test]
fn round_trip() {
    let plan = exec_plan();
    let argv: &[&[u8]] = &[b"prog", b"-x", b"hello world"];
    let envp: &[&[u8]] = &[b"A=1", b"PATH=/bin:/usr/bin"];
    let p = params(argv, envp);
    let stack = build(TOP, &plan, &p).unwrap();
    assert_eq!(stack.sp % 16, 0);
    assert_eq!(stack.bytes.len() as u64, TOP - stack.sp);
    // The end marker word.
    assert_eq!(word(&stack, TOP - 8), 0);

    let parsed = parse(&stack);
    assert_eq!(parsed.argv, strings(argv));
    assert_eq!(parsed.envp, strings(envp));
    assert_eq!(parsed.auxv, stack.auxv);

    let aux = |key| {
        parsed
            .aux(key)
            .unwrap_or_else(|| panic!("no auxv entry {key}"))
    };
    assert_eq!(aux(AT_SYSINFO_EHDR), 0x7fff_f7ff_d000);
    assert_eq!(aux(AT_MINSIGSTKSZ), 3632);
    assert_eq!(aux(AT_HWCAP), 0x178b_fbff);
    assert_eq!(aux(AT_HWCAP2), 0x2);
    assert_eq!(aux(AT_PAGESZ), 4096);
    assert_eq!(aux(AT_CLKTCK), 100);
    assert_eq!(aux(AT_PHDR), 0x400040);
    assert_eq!(aux(AT_PHENT), 56);
    assert_eq!(aux(AT_PHNUM), 6);
    assert_eq!(aux(AT_BASE), 0);
    assert_eq!(aux(AT_FLAGS), 0);
    assert_eq!(aux(AT_ENTRY), 0x401010);
    assert_eq!(aux(AT_UID), 1000);
    assert_eq!(aux(AT_EUID), 1001);
    assert_eq!(aux(AT_GID), 100);
    assert_eq!(aux(AT_EGID), 101);
    assert_eq!(aux(AT_SECURE), 0);
    let random = aux(AT_RANDOM);
    let at = (random - stack.sp) as usize;
    assert_eq!(stack.bytes[at..at + 16], p.random);
    assert_eq!(cstr(&stack, aux(AT_PLATFORM)), b"x86_64");
    assert_eq!(cstr(&stack, aux(AT_EXECFN)), b"/bin/prog");
    // Everything the vector points at lies above it, inside the image.
    let auxv_end = stack.sp + 8 * (1 + 4 + 3 + 2 * parsed.auxv.len() as u64);
    assert!(random >= auxv_end && random + 16 <= aux(AT_PLATFORM));
    assert!(aux(AT_PLATFORM) + 7 <= stack.arg_start);

    // Linux's order, architecture entries first, each type once.
    let keys: Vec<u64> = parsed.auxv.iter().map(|&(k, _)| k).collect();
    assert_eq!(
        keys,
        [
            AT_SYSINFO_EHDR,
            AT_MINSIGSTKSZ,
            AT_HWCAP,
            AT_PAGESZ,
            AT_CLKTCK,
            AT_PHDR,
            AT_PHENT,
            AT_PHNUM,
            AT_BASE,
            AT_FLAGS,
            AT_ENTRY,
            AT_UID,
            AT_EUID,
            AT_GID,
            AT_EGID,
            AT_SECURE,
            AT_RANDOM,
            AT_HWCAP2,
            AT_EXECFN,
            AT_PLATFORM,
            AT_NULL
        ]
    );

    // The argument and environment areas are the strings back to back.
    let area = |start: u64, end: u64| {
        stack.bytes[(start - stack.sp) as usize..(end - stack.sp) as usize].to_vec()
    };
    assert_eq!(
        area(stack.arg_start, stack.arg_end),
        b"prog\0-x\0hello world\0"
    );
    assert_eq!(
        area(stack.env_start, stack.env_end),
        b"A=1\0PATH=/bin:/usr/bin\0"
    );
    assert_eq!(stack.env_end, aux(AT_EXECFN));
}

#[test]
fn interpreter_base_secure_and_no_vdso() {
    let plan = plan(&dynamic_pie().bytes(), PIE_BASE).unwrap();
    let mut p = params(&[b"ls"], &[]);
    p.interp_base = Some(0x7fff_f7fc_3000);
    p.sysinfo_ehdr = None;
    p.secure = true;
    let stack = build(TOP, &plan, &p).unwrap();
    let parsed = parse(&stack);
    assert_eq!(parsed.aux(AT_BASE), Some(0x7fff_f7fc_3000));
    assert_eq!(parsed.aux(AT_SYSINFO_EHDR), None);
    assert_eq!(parsed.aux(AT_SECURE), Some(1));
    assert_eq!(parsed.aux(AT_ENTRY), Some(PIE_BASE + 0x1100));
    assert_eq!(parsed.aux(AT_PHDR), Some(PIE_BASE + 64));
    assert_eq!(parsed.aux(AT_PHNUM), Some(8));
    assert!(parsed.envp.is_empty());
}

#[test]
fn empty_argv_becomes_one_empty_string() {
    let stack = build(TOP, &exec_plan(), &params(&[], &[])).unwrap();
    assert_eq!(word(&stack, stack.sp), 1);
    assert_eq!(parse(&stack).argv, [Vec::<u8>::new()]);
}

#[test]
fn strings_with_nul_are_refused() {
    let plan = exec_plan();
    assert_eq!(
        build(TOP, &plan, &params(&[b"a", b"b\0c"], &[])),
        Err(StackError::ContainsNul {
            kind: StringKind::Arg,
            index: 1
        })
    );
    assert_eq!(
        build(TOP, &plan, &params(&[b"a"], &[b"X=\0"])),
        Err(StackError::ContainsNul {
            kind: StringKind::Env,
            index: 0
        })
    );
    let mut p = params(&[b"a"], &[]);
    p.execfn = b"/bin/\0x";
    let err = build(TOP, &plan, &p).unwrap_err();
    assert_eq!(
        err,
        StackError::ContainsNul {
            kind: StringKind::ExecFn,
            index: 0
        }
    );
    assert_eq!(err.to_string(), "execfn contains a NUL byte");
}

#[test]
fn long_strings_are_refused() {
    let plan = exec_plan();
    let longest = vec![b'a'; MAX_ARG_STRLEN as usize - 1];
    let argv: &[&[u8]] = &[b"prog", &longest];
    let stack = build(TOP, &plan, &params(argv, &[])).unwrap();
    assert_eq!(parse(&stack).argv[1], longest);

    let too_long = vec![b'a'; MAX_ARG_STRLEN as usize];
    let envp: &[&[u8]] = &[b"A=1", &too_long];
    let err = build(TOP, &plan, &params(&[b"prog"], envp)).unwrap_err();
    assert_eq!(
        err,
        StackError::StringTooLong {
            kind: StringKind::Env,
            index: 1,
            len: MAX_ARG_STRLEN as usize
        }
    );
    assert_eq!(
        err.to_string(),
        "envp[1] is 131072 bytes, more than the 131072-byte limit"
    );
}

#[test]
fn too_much_in_total_is_e2big() {
    let plan = exec_plan();
    let big = vec![b'a'; 100_000];
    let envp: Vec<&[u8]> = (0..21).map(|_| &big[..]).collect();
    let err = build(TOP, &plan, &params(&[b"prog"], &envp)).unwrap_err();
    assert!(
        matches!(err, StackError::TooLarge { bytes } if bytes > MAX_ARG_BYTES),
        "{err:?}"
    );
    // Twenty fit.
    let stack = build(TOP, &plan, &params(&[b"prog"], &envp[..20])).unwrap();
    assert_eq!(parse(&stack).envp.len(), 20);
    // So do many empty strings, until their pointers pass the limit.
    let many: Vec<&[u8]> = (0..250_000).map(|_| &b""[..]).collect();
    assert!(matches!(
        build(TOP, &plan, &params(&many, &[])),
        Err(StackError::TooLarge { .. })
    ));
}

#[test]
fn stack_top_too_low() {
    assert_eq!(
        build(0x100, &exec_plan(), &params(&[b"prog"], &[])),
        Err(StackError::TopTooLow { stack_top: 0x100 })
    );
}

proptest! {
    #[test]
    fn any_strings_round_trip(
        argv in vec_of(vec_of(1u8..=255, 0..40), 0..12),
        envp in vec_of(vec_of(1u8..=255, 0..40), 0..12),
        execfn in vec_of(1u8..=255, 0..40),
        top in 0x10_0000u64..USER_END,
        vdso in any::<bool>(),
    ) {
        let plan = exec_plan();
        let argv_refs: Vec<&[u8]> = argv.iter().map(|s| &s[..]).collect();
        let envp_refs: Vec<&[u8]> = envp.iter().map(|s| &s[..]).collect();
        let mut p = params(&argv_refs, &envp_refs);
        p.execfn = &execfn;
        if !vdso {
            p.sysinfo_ehdr = None;
        }
        let stack = build(top, &plan, &p).unwrap();
        prop_assert_eq!(stack.sp % 16, 0);
        prop_assert_eq!(stack.sp + stack.bytes.len() as u64, top);
        let parsed = parse(&stack);
        let expect_argv = if argv.is_empty() { vec![Vec::new()] } else { argv.clone() };
        prop_assert_eq!(&parsed.argv, &expect_argv);
        prop_assert_eq!(&parsed.envp, &envp);
        prop_assert_eq!(&cstr(&stack, parsed.aux(AT_EXECFN).unwrap()), &execfn);
        let random = parsed.aux(AT_RANDOM).unwrap();
        let at = (random - stack.sp) as usize;
        prop_assert_eq!(stack.bytes[at..at + 16].to_vec(), p.random.to_vec());
        let keys: BTreeMap<u64, usize> = parsed.auxv.iter().fold(BTreeMap::new(), |mut m, &(k, _)| {
            *m.entry(k).or_default() += 1;
            m
        });
        prop_assert!(keys.values().all(|&n| n == 1), "duplicate auxv types");
        prop_assert_eq!(keys.contains_key(&AT_SYSINFO_EHDR), vdso);
    }
}
