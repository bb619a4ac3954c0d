use super::*;
use alloc::string::ToString;
use alloc::vec;
use proptest::prelude::*;

fn sym(addr: u64, size: u64, name: &str) -> Symbol {
    Symbol {
        addr,
        size,
        name: name.to_string(),
    }
}

/// Three functions with a gap between the second and third:
/// a [0x1000, 0x1010), b [0x1010, 0x1030), c [0x2000, 0x2100).
fn sample() -> Vec<u8> {
    encode(&[
        sym(0x2000, 0x100, "c"),
        sym(0x1000, 0x10, "kernel::a"),
        sym(0x1010, 0x20, "kernel::b<T>"),
    ])
    .unwrap()
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

fn put_u64(bytes: &mut [u8], at: usize, value: u64) {
    bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
}

#[test]
fn layout_is_as_documented() {
    let bytes = sample();
    assert_eq!(&bytes[..8], b"SOLESYMS");
    assert_eq!(u32::from_le_bytes(bytes[8..12].try_into().unwrap()), 3);
    let total = u32::from_le_bytes(bytes[12..16].try_into().unwrap());
    assert_eq!(total as usize, bytes.len());
    // First entry: the lowest address, its name at offset 0 of the strings.
    assert_eq!(
        u64::from_le_bytes(bytes[16..24].try_into().unwrap()),
        0x1000
    );
    assert_eq!(u32::from_le_bytes(bytes[24..28].try_into().unwrap()), 0x10);
    assert_eq!(u32::from_le_bytes(bytes[28..32].try_into().unwrap()), 0);
    let strings = &bytes[HEADER_LEN + 3 * ENTRY_LEN..];
    assert_eq!(strings, b"kernel::a\0kernel::b<T>\0c\0");
}

#[test]
fn roundtrip_sorts() {
    let bytes = sample();
    let table = SymbolTable::parse(&bytes).unwrap();
    assert_eq!(table.len(), 3);
    assert!(!table.is_empty());
    let all: Vec<_> = table.iter().collect();
    assert_eq!(
        all,
        vec![
            (0x1000, 0x10, "kernel::a"),
            (0x1010, 0x20, "kernel::b<T>"),
            (0x2000, 0x100, "c"),
        ]
    );
}

#[test]
fn empty_table() {
    let bytes = encode(&[]).unwrap();
    assert_eq!(bytes.len(), HEADER_LEN);
    let table = SymbolTable::parse(&bytes).unwrap();
    assert!(table.is_empty());
    assert_eq!(table.len(), 0);
    assert_eq!(table.lookup(0), None);
    assert_eq!(table.lookup(u64::MAX), None);
}

#[test]
fn aliases_keep_the_largest_then_first_name() {
    let bytes = encode(&[
        sym(0x10, 4, "zeta"),
        sym(0x10, 8, "beta"),
        sym(0x10, 8, "alpha"),
        sym(0x40, 4, "alpha"),
    ])
    .unwrap();
    let table = SymbolTable::parse(&bytes).unwrap();
    let all: Vec<_> = table.iter().collect();
    assert_eq!(all, vec![(0x10, 8, "alpha"), (0x40, 4, "alpha")]);
    // The repeated name is stored once.
    assert_eq!(&bytes[HEADER_LEN + 2 * ENTRY_LEN..], b"alpha\0");
}

#[test]
fn encoding_is_independent_of_input_order() {
    let mut symbols = vec![
        sym(3, 1, "c"),
        sym(1, 1, "a"),
        sym(1, 1, "b"),
        sym(2, 0, "d"),
    ];
    let first = encode(&symbols).unwrap();
    symbols.reverse();
    assert_eq!(encode(&symbols).unwrap(), first);
}

#[test]
fn oversized_and_overflowing_sizes_are_clamped() {
    let bytes = encode(&[
        sym(0x10, u64::from(u32::MAX) + 7, "huge"),
        sym(u64::MAX - 1, 100, "top"),
    ])
    .unwrap();
    let table = SymbolTable::parse(&bytes).unwrap();
    let all: Vec<_> = table.iter().collect();
    assert_eq!(
        all,
        vec![(0x10, u32::MAX, "huge"), (u64::MAX - 1, 1, "top")]
    );
    assert_eq!(table.lookup(u64::MAX - 1), Some(("top", 0)));
    assert_eq!(table.lookup(u64::MAX), None);
}

#[test]
fn names_stop_at_an_embedded_nul() {
    let bytes = encode(&[sym(1, 1, "ab\0cd")]).unwrap();
    let table = SymbolTable::parse(&bytes).unwrap();
    assert_eq!(table.lookup(1), Some(("ab", 0)));
}

#[test]
fn lookup_edges() {
    let bytes = sample();
    let table = SymbolTable::parse(&bytes).unwrap();
    assert_eq!(table.lookup(0), None, "below the first symbol");
    assert_eq!(table.lookup(0xfff), None, "just below the first symbol");
    assert_eq!(table.lookup(0x1000), Some(("kernel::a", 0)), "exact start");
    assert_eq!(table.lookup(0x100f), Some(("kernel::a", 0xf)), "last byte");
    assert_eq!(table.lookup(0x1010), Some(("kernel::b<T>", 0)), "adjacent");
    assert_eq!(table.lookup(0x1020), Some(("kernel::b<T>", 0x10)), "inside");
    assert_eq!(table.lookup(0x1030), None, "just past b, in the gap");
    assert_eq!(table.lookup(0x1fff), None, "end of the gap");
    assert_eq!(table.lookup(0x2000), Some(("c", 0)));
    assert_eq!(table.lookup(0x20ff), Some(("c", 0xff)));
    assert_eq!(table.lookup(0x2100), None, "past the last symbol");
    assert_eq!(table.lookup(u64::MAX), None);
}

#[test]
fn size_zero_reaches_the_next_symbol() {
    let bytes = encode(&[sym(0x100, 0, "open"), sym(0x200, 0x10, "sized")]).unwrap();
    let table = SymbolTable::parse(&bytes).unwrap();
    assert_eq!(table.lookup(0xff), None);
    assert_eq!(table.lookup(0x100), Some(("open", 0)));
    assert_eq!(table.lookup(0x1ff), Some(("open", 0xff)));
    assert_eq!(table.lookup(0x205), Some(("sized", 5)));
    assert_eq!(table.lookup(0x210), None);
}

#[test]
fn table_len_reads_valid_headers_only() {
    let bytes = sample();
    let header: [u8; HEADER_LEN] = bytes[..HEADER_LEN].try_into().unwrap();
    assert_eq!(table_len(&header), Some(bytes.len()));
    assert_eq!(table_len(&[0; HEADER_LEN]), None, "the placeholder");

    let mut bad_magic = header;
    bad_magic[0] = b's';
    assert_eq!(table_len(&bad_magic), None);

    // Three entries cannot fit in 20 bytes.
    let mut short = header;
    put_u32(&mut short, 12, 20);
    assert_eq!(table_len(&short), None);

    // A count whose entries overflow the arithmetic is refused too.
    let mut huge = header;
    put_u32(&mut huge, 8, u32::MAX);
    put_u32(&mut huge, 12, u32::MAX);
    assert_eq!(table_len(&huge), None);
}

#[test]
fn truncated_inputs_are_refused() {
    let bytes = sample();
    assert_eq!(
        SymbolTable::parse(&bytes[..10]).unwrap_err(),
        SymtabError::Truncated { len: 10 }
    );
    assert_eq!(
        SymbolTable::parse(&[]).unwrap_err(),
        SymtabError::Truncated { len: 0 }
    );
    let cut = &bytes[..bytes.len() - 1];
    assert_eq!(
        SymbolTable::parse(cut).unwrap_err(),
        SymtabError::LengthMismatch {
            declared: bytes.len() as u32,
            actual: bytes.len() - 1
        }
    );
    // Trailing bytes are a mismatch as well: the header is authoritative.
    let mut long = bytes.clone();
    long.push(0);
    assert!(matches!(
        SymbolTable::parse(&long),
        Err(SymtabError::LengthMismatch { .. })
    ));
    // A header whose declared length matches a cut that drops entries.
    let mut few = bytes[..HEADER_LEN + ENTRY_LEN].to_vec();
    let few_len = few.len() as u32;
    put_u32(&mut few, 12, few_len);
    assert_eq!(
        SymbolTable::parse(&few).unwrap_err(),
        SymtabError::EntriesOutOfBounds {
            count: 3,
            len: HEADER_LEN + ENTRY_LEN
        }
    );
}

#[test]
fn bad_magic_is_refused() {
    let mut bytes = sample();
    bytes[7] = b'Z';
    assert_eq!(
        SymbolTable::parse(&bytes).unwrap_err(),
        SymtabError::BadMagic
    );
    assert_eq!(
        SymbolTable::parse(&[0; HEADER_LEN]).unwrap_err(),
        SymtabError::BadMagic
    );
}

#[test]
fn unsorted_and_duplicate_entries_are_refused() {
    let mut bytes = sample();
    // Swap the addresses of entries 0 and 1.
    put_u64(&mut bytes, HEADER_LEN, 0x1010);
    put_u64(&mut bytes, HEADER_LEN + ENTRY_LEN, 0x1000);
    assert_eq!(
        SymbolTable::parse(&bytes).unwrap_err(),
        SymtabError::Unsorted { index: 1 }
    );
    let mut dup = sample();
    put_u64(&mut dup, HEADER_LEN + 2 * ENTRY_LEN, 0x1010);
    assert_eq!(
        SymbolTable::parse(&dup).unwrap_err(),
        SymtabError::Unsorted { index: 2 }
    );
}

#[test]
fn range_overflow_is_refused() {
    let mut bytes = sample();
    put_u64(&mut bytes, HEADER_LEN + 2 * ENTRY_LEN, u64::MAX - 0x10);
    assert_eq!(
        SymbolTable::parse(&bytes).unwrap_err(),
        SymtabError::RangeOverflow { index: 2 }
    );
}

#[test]
fn bad_names_are_refused() {
    let strings_len = sample().len() - (HEADER_LEN + 3 * ENTRY_LEN);
    let name_field = HEADER_LEN + ENTRY_LEN + 12;

    let mut out_of_range = sample();
    put_u32(&mut out_of_range, name_field, strings_len as u32);
    assert_eq!(
        SymbolTable::parse(&out_of_range).unwrap_err(),
        SymtabError::NameOutOfRange {
            index: 1,
            offset: strings_len as u32
        }
    );

    let mut far = sample();
    put_u32(&mut far, name_field, u32::MAX);
    assert!(matches!(
        SymbolTable::parse(&far),
        Err(SymtabError::NameOutOfRange { index: 1, .. })
    ));

    // Replace the final NUL: the last name ("c") runs off the end.
    let mut unterminated = sample();
    *unterminated.last_mut().unwrap() = b'x';
    assert_eq!(
        SymbolTable::parse(&unterminated).unwrap_err(),
        SymtabError::NameUnterminated { index: 2 }
    );

    let mut not_utf8 = sample();
    let first_name = HEADER_LEN + 3 * ENTRY_LEN;
    not_utf8[first_name] = 0xff;
    assert_eq!(
        SymbolTable::parse(&not_utf8).unwrap_err(),
        SymtabError::NameNotUtf8 { index: 0 }
    );
}

#[test]
fn errors_say_what_is_wrong() {
    let cases = [
        (SymtabError::Truncated { len: 3 }, "truncated: 3 bytes"),
        (SymtabError::BadMagic, "magic"),
        (
            SymtabError::LengthMismatch {
                declared: 40,
                actual: 32,
            },
            "says 40 bytes but 32",
        ),
        (
            SymtabError::EntriesOutOfBounds { count: 9, len: 20 },
            "9 entries",
        ),
        (SymtabError::Unsorted { index: 4 }, "entry 4 does not start"),
        (SymtabError::RangeOverflow { index: 2 }, "address space"),
        (
            SymtabError::NameOutOfRange {
                index: 1,
                offset: 77,
            },
            "name offset 77",
        ),
        (SymtabError::NameUnterminated { index: 5 }, "NUL"),
        (SymtabError::NameNotUtf8 { index: 6 }, "not UTF-8"),
        (SymtabError::TooLarge, "4 GiB"),
    ];
    for (error, needle) in cases {
        let text = error.to_string();
        assert!(text.contains(needle), "{text:?} lacks {needle:?}");
    }
}

/// The lookup a table should agree with: a linear scan over sorted symbols.
fn reference_lookup(symbols: &[(u64, u32, String)], addr: u64) -> Option<(String, u64)> {
    let (start, size, name) = symbols.iter().rev().find(|s| s.0 <= addr)?;
    let offset = addr - start;
    (*size == 0 || offset < u64::from(*size)).then(|| (name.clone(), offset))
}

fn arb_symbols() -> impl Strategy<Value = Vec<Symbol>> {
    prop::collection::vec(
        (0u64..0x10_000, 0u64..0x200, "[a-z:<>_]{0,12}").prop_map(|(addr, size, name)| Symbol {
            addr,
            size,
            name,
        }),
        0..40,
    )
}

proptest! {
    #[test]
    fn lookup_agrees_with_a_linear_scan(symbols in arb_symbols(), probes in prop::collection::vec(0u64..0x10_300, 0..64)) {
        let bytes = encode(&symbols).unwrap();
        prop_assert_eq!(table_len(bytes[..HEADER_LEN].try_into().unwrap()), Some(bytes.len()));
        let table = SymbolTable::parse(&bytes).unwrap();
        let kept: Vec<(u64, u32, String)> =
            table.iter().map(|(a, s, n)| (a, s, n.to_string())).collect();
        // Every distinct address survives, each with one of its names.
        let mut addrs: Vec<u64> = symbols.iter().map(|s| s.addr).collect();
        addrs.sort_unstable();
        addrs.dedup();
        prop_assert_eq!(kept.iter().map(|k| k.0).collect::<Vec<_>>(), addrs);
        for (addr, _, name) in &kept {
            prop_assert!(symbols.iter().any(|s| s.addr == *addr && &s.name == name));
        }
        for probe in probes.into_iter().chain(kept.iter().map(|k| k.0)) {
            let got = table.lookup(probe).map(|(n, o)| (n.to_string(), o));
            prop_assert_eq!(got, reference_lookup(&kept, probe));
        }
    }

    #[test]
    fn mutated_tables_never_panic(
        symbols in arb_symbols(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
        probes in prop::collection::vec(any::<u64>(), 0..16),
    ) {
        let mut bytes = encode(&symbols).unwrap();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        if let Some(header) = bytes.get(..HEADER_LEN) {
            let _ = table_len(header.try_into().unwrap());
        }
        if let Ok(table) = SymbolTable::parse(&bytes) {
            // Whatever parses must be fully usable: every entry readable.
            prop_assert_eq!(table.iter().count(), table.len());
            for probe in probes {
                let _ = table.lookup(probe);
            }
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256), probe in any::<u64>()) {
        let mut bytes = bytes;
        // Give half the inputs a valid magic so parsing gets past it.
        if bytes.len() >= HEADER_LEN && probe % 2 == 0 {
            bytes[..8].copy_from_slice(&MAGIC);
            let len = bytes.len() as u32;
            put_u32(&mut bytes, 12, len);
        }
        if let Ok(table) = SymbolTable::parse(&bytes) {
            prop_assert_eq!(table.iter().count(), table.len());
            let _ = table.lookup(probe);
        }
    }
}
