//! Repository policy that the compiler does not check by itself (STYLE.md,
//! "Unsafe lives in one place"): only `kernel/` may use the `unsafe` keyword,
//! and every other crate root denies `unsafe_code`, so the rule stays true
//! even if the workspace lint table changes.
//!
//! The scanner is a small Rust lexer: it blanks out comments (nested block
//! comments included), string, byte-string and raw-string literals and char
//! literals, then looks for the keyword as a whole identifier. That covers its
//! blocks, functions, impls, traits, extern blocks and attributes. This file
//! never spells the keyword: its samples write `{K}` and `keyword()` puts it
//! in at run time, so text searches of the tree do not trip on them either.
#![deny(unsafe_code)]

use std::fs;
use std::path::{Path, PathBuf};

/// Workspace members that must not contain `unsafe`. `kernel/` is the one
/// exception and is deliberately absent.
const SAFE_MEMBERS: &[&str] = &["syscalls", "loader", "rootfs", "tools", "tests"];

/// The keyword looked for, assembled so this file never spells it as code
/// (it is inside a literal anyway, which the scanner skips).
fn keyword() -> String {
    ["un", "safe"].concat()
}

/// A sample with `{K}` standing for the keyword.
fn with_keyword(sample: &str) -> String {
    sample.replace("{K}", &keyword())
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// `src` with comments and the contents of literals replaced by spaces.
/// Newlines are kept so line numbers survive.
fn blank_non_code(src: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let prev_is_ident = i > 0 && is_ident(chars[i - 1]);
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0usize;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
            }
        } else if let Some(end) = raw_string_end(&chars, i).filter(|_| !prev_is_ident) {
            for &c in &chars[i..end] {
                blank(&mut out, c);
            }
            i = end;
        } else if c == 'r' && next == Some('#') && !prev_is_ident {
            // A raw identifier (`r#type`) is never a keyword.
            out.push_str("  ");
            i += 2;
            while i < chars.len() && is_ident(chars[i]) {
                out.push(' ');
                i += 1;
            }
        } else if c == '"' {
            blank(&mut out, c);
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
                if let Some(&c) = chars.get(i) {
                    blank(&mut out, c);
                }
                i += 1;
            }
            if i < chars.len() {
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1F600}') or a lifetime/label ('a).
            let end = if next == Some('\\') {
                (i + 2..chars.len()).find(|&j| chars[j] == '\'' && j > i + 2)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    for &c in &chars[i..=end] {
                        blank(&mut out, c);
                    }
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// If a raw (byte/C) string literal starts at `i` (`r"`, `r#"`, `br##"`, ...),
/// the index just past its end.
fn raw_string_end(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if matches!(chars.get(j), Some('b' | 'c')) {
        j += 1;
    }
    if chars.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = chars[j..].iter().take_while(|&&c| c == '#').count();
    j += hashes;
    if chars.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < chars.len() {
        if chars[j] == '"'
            && chars[j + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == '#')
                .count()
                == hashes
        {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(chars.len())
}

/// 1-based line numbers where the keyword appears as code in `src`.
fn keyword_lines(src: &str) -> Vec<usize> {
    let needle = keyword();
    let mut lines = Vec::new();
    for (n, line) in blank_non_code(src).lines().enumerate() {
        let words = line.split(|c: char| !(c.is_alphanumeric() || c == '_'));
        if words.into_iter().any(|w| w == needle) {
            lines.push(n + 1);
        }
    }
    lines
}

/// Whether `src` carries `#![deny(unsafe_code)]` or `#![forbid(unsafe_code)]`
/// (possibly among other lints in the same attribute) as code.
fn denies_unsafe_code(src: &str) -> bool {
    let code: String = blank_non_code(src)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let lint = format!("{}_code", keyword());
    ["#![deny(", "#![forbid("].iter().any(|open| {
        code.match_indices(open).any(|(at, _)| {
            let rest = &code[at + open.len()..];
            rest.split(')')
                .next()
                .is_some_and(|lints| lints.split(',').any(|l| l == lint))
        })
    })
}

/// Every `.rs` file under `dir`, skipping build output and hidden directories.
fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                rust_files(&path, found);
            }
        } else if name.ends_with(".rs") {
            found.push(path);
        }
    }
}

/// Crate roots of a package: the conventional ones that exist, plus every
/// `path = "..."` and `build = "..."` its manifest declares.
fn crate_roots(package: &Path) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = ["src/lib.rs", "src/main.rs", "build.rs"]
        .iter()
        .map(|r| package.join(r))
        .filter(|p| p.is_file())
        .collect();
    if let Ok(bins) = fs::read_dir(package.join("src/bin")) {
        roots.extend(
            bins.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "rs")),
        );
    }
    let manifest = fs::read_to_string(package.join("Cargo.toml")).expect("package manifest");
    for line in manifest.lines() {
        let line = line.trim();
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if matches!(key.trim(), "path" | "build") {
            let value = value.trim().trim_matches('"');
            if value.ends_with(".rs") {
                roots.push(package.join(value));
            }
        }
    }
    roots.sort();
    roots.dedup();
    roots
}

fn relative(path: &Path) -> String {
    let root = workspace_root();
    path.strip_prefix(&root)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn unsafe_only_in_kernel() {
    let root = workspace_root();
    let mut files = Vec::new();
    for member in SAFE_MEMBERS {
        rust_files(&root.join(member), &mut files);
    }
    assert!(
        files.iter().any(|f| f.ends_with("loader/src/lib.rs")),
        "the walk found no loader sources; is the workspace root right? {}",
        root.display()
    );
    let mut violations = Vec::new();
    for file in &files {
        let src = fs::read_to_string(file).expect("readable source");
        for line in keyword_lines(&src) {
            violations.push(format!("{}:{line}", relative(file)));
        }
    }
    assert!(
        violations.is_empty(),
        "`{}` outside kernel/ (STYLE.md: only kernel/ may use it):\n  {}",
        keyword(),
        violations.join("\n  ")
    );
}

#[test]
fn crate_roots_deny_unsafe_code() {
    let root = workspace_root();
    let packages = [
        "syscalls",
        "loader",
        "rootfs",
        "tools",
        "tools/xtask",
        "tests",
    ];
    let mut roots = Vec::new();
    for package in packages {
        roots.extend(crate_roots(&root.join(package)));
    }
    for expected in [
        "loader/src/lib.rs",
        "tools/build/main.rs",
        "tools/src/main.rs",
        "tests/integration/policy.rs",
    ] {
        assert!(
            roots.contains(&root.join(expected)),
            "{expected} not found as a crate root"
        );
    }
    let missing: Vec<String> = roots
        .iter()
        .filter(|r| !fs::read_to_string(r).is_ok_and(|src| denies_unsafe_code(&src)))
        .map(|r| relative(r))
        .collect();
    assert!(
        missing.is_empty(),
        "crate roots without #![deny({0}_code)] or #![forbid({0}_code)]:\n  {1}",
        keyword(),
        missing.join("\n  ")
    );
}

#[test]
fn scanner_finds_the_keyword_in_code() {
    let cases: &[(&str, &[usize])] = &[
        ("fn f() { {K} { g() } }", &[1]),
        ("pub {K} fn f() {}", &[1]),
        ("{K} impl Send for X {}", &[1]),
        ("{K} extern \"C\" { fn f(); }", &[1]),
        ("pub {K} trait T {}", &[1]),
        ("#[{K}(no_mangle)]\nfn f() {}", &[1]),
        ("let x = 1;\n\n  {K}{x}", &[3]),
        ("let s = \"a \\\" b\"; {K} {}", &[1]),
        ("let c = '\"'; {K} {}", &[1]),
        ("let c = '\\''; {K} {}", &[1]),
        ("fn f<'a>(x: &'a u8) { {K} {} }", &[1]),
        ("/* a /* nested */ comment */ {K} {}", &[1]),
        ("let s = r#\"x\"#; {K} {}", &[1]),
        ("let b = b'\\n'; let c = 'é';\n{K} {}", &[2]),
        ("x(\"\n\");\n{K} {}\n// {K}\n{K} fn f() {}", &[3, 5]),
    ];
    for (sample, lines) in cases {
        assert_eq!(
            keyword_lines(&with_keyword(sample)),
            *lines,
            "sample: {sample:?}"
        );
    }
}

#[test]
fn scanner_ignores_comments_literals_and_longer_words() {
    let samples = [
        "// {K} { }",
        "/// {K} fn docs",
        "//! {K} crate docs",
        "/* {K} */",
        "/* outer /* inner */ {K} */",
        "let s = \"{K} { }\";",
        "let s = \"escaped \\\" {K}\";",
        "let s = b\"{K}\";",
        "let s = r\"{K}\";",
        r###"let s = r#"quote " {K} "#;"###,
        "let s = br##\"{K}\"##;",
        "#![deny({K}_code)]",
        "let not_{K} = {K}_cell + {K}2;",
        "let r#{K} = 1;",
        "let s = \"multi\nline {K}\n\";",
    ];
    for sample in samples {
        assert_eq!(
            keyword_lines(&with_keyword(sample)),
            Vec::<usize>::new(),
            "sample: {sample:?}"
        );
    }
}

#[test]
fn attribute_check_reads_code_only() {
    assert!(denies_unsafe_code(&with_keyword(
        "//! doc\n#![deny({K}_code)]\n"
    )));
    assert!(denies_unsafe_code(&with_keyword("#![forbid({K}_code)]")));
    assert!(denies_unsafe_code(&with_keyword(
        "#![deny( missing_docs, {K}_code )]"
    )));
    assert!(!denies_unsafe_code(&with_keyword("// #![deny({K}_code)]")));
    assert!(!denies_unsafe_code(&with_keyword(
        "const S: &str = \"#![deny({K}_code)]\";"
    )));
    assert!(!denies_unsafe_code(&with_keyword("#![allow({K}_code)]")));
    assert!(!denies_unsafe_code(&with_keyword(
        "#![deny({K}_op_in_{K}_fn)]"
    )));
    assert!(!denies_unsafe_code(&with_keyword(
        "#[deny({K}_code)] fn f() {}"
    )));
}
