//! The files a dynamically linked program needs before its first
//! instruction: its interpreter (`PT_INTERP`, the dynamic linker) and every
//! library it loads at start-up, found as that linker will find them in the
//! guest.
//!
//! glibc's `ld.so` (ld.so(8), `elf/dl-load.c`): a name with a slash is a
//! path; otherwise the `DT_RPATH` of the object that needs it and of the
//! objects that loaded that one, up to the program (only while the needing
//! object has no `DT_RUNPATH`, whose presence voids every `DT_RPATH` of it),
//! `LD_LIBRARY_PATH`, its `DT_RUNPATH`, `/etc/ld.so.cache`, then the default
//! directories (the last two not for an object marked `DF_1_NODEFLIB`).
//! musl's (`ldso/dynlink.c`): `LD_LIBRARY_PATH`, the run path of the needing
//! object and of those that loaded it (`DT_RUNPATH`, else `DT_RPATH`), then
//! the directories in `/etc/ld-musl-x86_64.path` or its defaults; names of
//! the libraries libc itself provides (`libc.so`, `libpthread.so.0`, ...)
//! are the interpreter. Both expand `$ORIGIN` to the directory of the
//! object that names it; glibc also `$LIB` and `$PLATFORM`. An object
//! already loaded under the name (or, for glibc, whose `DT_SONAME` is the
//! name) is not looked for again; an ELF file of another class or machine
//! is passed over, as both linkers do.
//!
//! Libraries are loaded breadth first, so the "loader" of each (whose
//! `DT_RPATH` chain applies) is the first object that needed it.
//! Everything is looked up through [`GuestRoot::walk`], so each path is
//! packed with the links that lead to it.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use goblin::container::{Container, Ctx, Endian};
use goblin::elf::dynamic::{self, DF_1_NODEFLIB};
use goblin::elf::header::{EI_CLASS, EI_DATA, ELFCLASS64, ELFDATA2LSB, EM_X86_64};
use goblin::elf::program_header::{PT_INTERP, ProgramHeader};
use goblin::elf::{Dynamic as DynamicSection, Elf};
use goblin::strtab::Strtab;

use super::ldconfig::{self, CACHE_PATH, CONF_PATH, LdCache};
use super::root::{GuestRoot, Link, Walked, dirname, join_path};

/// glibc's trusted directories. Debian's `ld.so` searches the first two
/// and the last two; Fedora's and others' `/lib64`.
pub const DEFAULT_DIRS: [&str; 6] = [
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib64",
    "/usr/lib64",
    "/lib",
    "/usr/lib",
];

/// musl's search path when `/etc/ld-musl-x86_64.path` is absent.
const MUSL_DEFAULT_PATH: &str = "/lib:/usr/local/lib:/usr/lib";

/// glibc's C library, and the unwinder it loads itself when a thread
/// exits or is cancelled.
const GLIBC_LIBC: &str = "libc.so.6";
const GLIBC_UNWINDER: &str = "libgcc_s.so.1";

/// The libraries musl's libc is (its `load_library`'s reserved names):
/// `lib` + one of these + `.`, e.g. `libc.so`, `libpthread.so.0`.
const MUSL_RESERVED: [&str; 7] = ["c", "pthread", "rt", "m", "dl", "util", "xnet"];

/// What an ELF object tells its dynamic linker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dynamic {
    /// `PT_INTERP`: the dynamic linker a program asks for.
    pub interp: Option<String>,
    /// `DT_NEEDED`, in order.
    pub needed: Vec<String>,
    /// `DT_SONAME`.
    pub soname: Option<String>,
    /// `DT_RPATH` strings (colon-separated lists).
    pub rpath: Vec<String>,
    /// `DT_RUNPATH` strings.
    pub runpath: Vec<String>,
    /// `DF_1_NODEFLIB`: no cache, no default directories.
    pub nodeflib: bool,
}

/// Reads what the linker would from the ELF file at `path`: `None` for an
/// ELF file that is not 64-bit little-endian x86-64 (a linker passes such a
/// file over); an error for anything that is not ELF or is damaged.
pub fn read_dynamic(path: &Path) -> Result<Option<Dynamic>> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_dynamic(&bytes).with_context(|| format!("{} is not a valid ELF file", path.display()))
}

fn parse_dynamic(bytes: &[u8]) -> Result<Option<Dynamic>> {
    if !bytes.starts_with(b"\x7fELF") {
        bail!("no ELF magic");
    }
    let header = Elf::parse_header(bytes)?;
    if header.e_ident[EI_CLASS] != ELFCLASS64
        || header.e_ident[EI_DATA] != ELFDATA2LSB
        || header.e_machine != EM_X86_64
    {
        return Ok(None);
    }
    let ctx = Ctx::new(Container::Big, Endian::Little);
    let phoff = usize::try_from(header.e_phoff)?;
    let phdrs = ProgramHeader::parse(bytes, phoff, usize::from(header.e_phnum), ctx)?;
    let mut out = Dynamic::default();
    if let Some(ph) = phdrs.iter().find(|ph| ph.p_type == PT_INTERP) {
        let start = usize::try_from(ph.p_offset)?;
        let len = usize::try_from(ph.p_filesz)?;
        let name = bytes
            .get(start..start.saturating_add(len))
            .ok_or_else(|| anyhow!("PT_INTERP is past the end of the file"))?;
        let name = name.split(|&b| b == 0).next().unwrap_or_default();
        let name = std::str::from_utf8(name).map_err(|_| anyhow!("PT_INTERP is not UTF-8"))?;
        if !name.is_empty() {
            out.interp = Some(name.to_owned());
        }
    }
    let Some(section) = DynamicSection::parse(bytes, &phdrs, ctx)? else {
        return Ok(Some(out));
    };
    let strings = Strtab::parse(bytes, section.info.strtab, section.info.strsz, 0)?;
    let string = |value: u64| -> Result<String> {
        usize::try_from(value)
            .ok()
            .and_then(|at| strings.get_at(at))
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("a dynamic entry's string ({value}) is out of bounds"))
    };
    for entry in &section.dyns {
        match entry.d_tag {
            dynamic::DT_NEEDED => out.needed.push(string(entry.d_val)?),
            dynamic::DT_SONAME => out.soname = Some(string(entry.d_val)?),
            dynamic::DT_RPATH => out.rpath.push(string(entry.d_val)?),
            dynamic::DT_RUNPATH => out.runpath.push(string(entry.d_val)?),
            dynamic::DT_FLAGS_1 => out.nodeflib = entry.d_val & DF_1_NODEFLIB != 0,
            _ => {}
        }
    }
    Ok(Some(out))
}

/// What the guest environment says about the search.
#[derive(Debug, Clone, Default)]
pub struct SearchEnv {
    /// `LD_LIBRARY_PATH` in the program's environment, if set.
    pub library_path: Option<String>,
    /// The program's working directory (relative directories in search
    /// paths are relative to it).
    pub cwd: String,
}

/// Everything to pack for a program, by guest path.
#[derive(Debug, Clone, Default)]
pub struct Deps {
    /// The interpreter the program names, if it is dynamic.
    pub interp: Option<String>,
    /// The objects loaded, in load order: the program, the interpreter,
    /// then the libraries, each by the path it was found at.
    pub objects: Vec<String>,
    /// Regular files, by their path with every link resolved: the objects,
    /// and what their linker reads (`/etc/ld.so.cache`, musl's path file).
    pub files: BTreeSet<String>,
    /// The links that lead to them.
    pub links: BTreeSet<Link>,
    /// Worth telling the user.
    pub notes: Vec<String>,
}

impl Deps {
    fn add_walk(&mut self, walked: &Walked) {
        self.files.insert(walked.path.clone());
        self.links.extend(walked.links.iter().cloned());
    }
}

/// One loaded object.
#[derive(Debug)]
struct Object {
    /// The path it was opened as (glibc's `l_name`).
    name: String,
    /// Every name it was asked for by.
    names: Vec<String>,
    /// Where it really is.
    real: String,
    dynamic: Dynamic,
    /// What `$ORIGIN` stands for in its paths.
    origin: String,
    /// The object whose `DT_NEEDED` first named it.
    loader: Option<usize>,
    /// Loaded only if the program loads an added object: what it needs
    /// may be missing.
    optional: bool,
}

impl Object {
    /// Whether a request for `name` is this object.
    fn answers(&self, name: &str) -> bool {
        self.name == name
            || self.names.iter().any(|n| n == name)
            || self.dynamic.soname.as_deref() == Some(name)
    }
}

/// The two dynamic linkers' rules.
#[derive(Debug)]
enum Linker {
    Glibc {
        /// The cache, or `None` when the tree has none.
        cache: Option<LdCache>,
        /// Without a cache, the directories ld.so.conf names.
        conf: Vec<String>,
        /// What `$LIB` stands for.
        lib: &'static str,
    },
    Musl {
        /// Its system search path.
        path: Vec<String>,
    },
}

/// Where a library is looked for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    Dir(String),
    /// A directory `/etc/ld.so.conf` names (the tree has no cache).
    ConfDir(String),
    Cache,
}

impl Place {
    fn shown(&self) -> &str {
        match self {
            Place::Dir(dir) | Place::ConfDir(dir) => dir,
            Place::Cache => CACHE_PATH,
        }
    }
}

/// A library found.
struct Found {
    name: String,
    walked: Walked,
    dynamic: Dynamic,
    /// The cache's `glibc-hwcaps` variants of it.
    variants: Vec<Walked>,
    /// Found in a directory only ld.so.conf names.
    via_conf: bool,
}

/// An ELF object added to the guest (by `--add`) that the program may
/// load later (`dlopen`): an extension module, a plugin.
#[derive(Debug, Clone)]
pub struct Extra {
    /// Its path in the guest.
    pub guest: String,
    /// What it asks of the linker.
    pub dynamic: Dynamic,
}

/// The ELF objects that need libraries in the host file or tree `src`,
/// to be placed at `dest` in the guest (links inside a tree are not
/// followed; they lead to files that are in it or are not added).
pub fn objects_in(src: &Path, dest: &str) -> Vec<Extra> {
    let mut found = Vec::new();
    let Ok(meta) = fs::metadata(src) else {
        return found;
    };
    let mut todo = vec![(src.to_path_buf(), dest.to_owned(), meta)];
    while let Some((host, guest, meta)) = todo.pop() {
        if meta.is_dir() {
            let Ok(listing) = fs::read_dir(&host) else {
                continue;
            };
            let mut children: Vec<fs::DirEntry> = listing.filter_map(Result::ok).collect();
            children.sort_by_key(|c| std::cmp::Reverse(c.file_name()));
            for child in children {
                let (Ok(name), Ok(meta)) = (child.file_name().into_string(), child.metadata())
                else {
                    continue;
                };
                if !meta.file_type().is_symlink() {
                    todo.push((child.path(), join_path(&guest, &name), meta));
                }
            }
        } else if meta.is_file()
            && is_elf(&host)
            && let Ok(Some(dynamic)) = read_dynamic(&host)
            && !dynamic.needed.is_empty()
        {
            found.push(Extra { guest, dynamic });
        }
    }
    found
}

/// Whether the file starts with the ELF magic (read without reading the
/// rest, so trees of data files are cheap to scan).
fn is_elf(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok_and(|()| &magic == b"\x7fELF")
}

/// Finds the interpreter and every library the program at guest path
/// `program` loads at start-up. Fails naming a library that is not found,
/// the object that needs it, and where it was looked for. Then the
/// libraries the `extras` need, as if the program loaded them: what is
/// missing for those is a note, since the program may never load them.
pub fn resolve(root: &GuestRoot, program: &str, env: &SearchEnv, extras: &[Extra]) -> Result<Deps> {
    let mut deps = Deps::default();
    let walked = root
        .walk(program)
        .with_context(|| format!("{program}{}", root.shown()))?;
    let dynamic = read_dynamic(&root.host_path(&walked.path))?
        .ok_or_else(|| anyhow!("{program} is not an x86-64 ELF file"))?;
    deps.add_walk(&walked);
    deps.objects.push(program.to_owned());
    let Some(interp) = dynamic.interp.clone() else {
        return Ok(deps);
    };
    deps.interp = Some(interp.clone());
    let mut objects = vec![Object {
        name: program.to_owned(),
        names: Vec::new(),
        // Linux's /proc/self/exe, which glibc and musl read for the
        // program's $ORIGIN, has every link resolved.
        origin: dirname(&walked.path).to_owned(),
        real: walked.path,
        dynamic,
        loader: None,
        optional: false,
    }];

    let interp_walked = root
        .walk(&interp)
        .map_err(|e| anyhow!("its interpreter {interp} is not found{}: {e}", root.shown()))?;
    let interp_dynamic = read_dynamic(&root.host_path(&interp_walked.path))?
        .ok_or_else(|| anyhow!("its interpreter {interp} is not an x86-64 ELF file"))?;
    deps.add_walk(&interp_walked);
    deps.objects.push(interp.clone());
    objects.push(Object {
        name: interp.clone(),
        names: Vec::new(),
        origin: dirname(&interp).to_owned(),
        real: interp_walked.path,
        dynamic: interp_dynamic,
        loader: None,
        optional: false,
    });

    let linker = Linker::for_interp(root, &interp, &mut deps);
    load_needed(root, &linker, &mut objects, 0, env, &mut deps)?;
    let start_up = objects.len();
    // glibc itself dlopens libgcc_s.so.1 to unwind a thread in
    // pthread_exit and pthread_cancel (and for backtrace): it comes along
    // when the tree has it (its own needs then load as an added object's).
    if matches!(linker, Linker::Glibc { .. })
        && let Some(libc) = objects.iter().position(|o| o.answers(GLIBC_LIBC))
        && !objects.iter().any(|o| o.answers(GLIBC_UNWINDER))
        && let Ok(found) = find(root, &linker, &objects, libc, GLIBC_UNWINDER, env)
    {
        deps.add_walk(&found.walked);
        deps.objects.push(found.name.clone());
        objects.push(Object {
            origin: dirname(&found.name).to_owned(),
            names: vec![GLIBC_UNWINDER.to_owned()],
            name: found.name,
            real: found.walked.path,
            dynamic: found.dynamic,
            loader: Some(libc),
            optional: true,
        });
    }
    for extra in extras {
        let real = root
            .walk(&extra.guest)
            .map_or_else(|_| extra.guest.clone(), |w| w.path);
        if objects.iter().any(|o| o.real == real) {
            continue;
        }
        objects.push(Object {
            name: extra.guest.clone(),
            names: Vec::new(),
            origin: dirname(&extra.guest).to_owned(),
            real,
            dynamic: extra.dynamic.clone(),
            loader: Some(0),
            optional: true,
        });
    }
    load_needed(root, &linker, &mut objects, start_up, env, &mut deps)?;
    Ok(deps)
}

/// Loads, breadth first, what the objects from `objects[next]` on need
/// (and what that needs).
fn load_needed(
    root: &GuestRoot,
    linker: &Linker,
    objects: &mut Vec<Object>,
    mut next: usize,
    env: &SearchEnv,
    deps: &mut Deps,
) -> Result<()> {
    while next < objects.len() {
        let needed = objects[next].dynamic.needed.clone();
        let optional = objects[next].optional;
        for name in needed {
            if objects.iter().any(|o| o.answers(&name)) || linker.is_itself(&name) {
                continue;
            }
            let found = match find(root, linker, objects, next, &name, env) {
                Ok(found) => found,
                Err(e) if optional => {
                    deps.notes.push(format!(
                        "{e:#}; the program cannot load {}",
                        objects[next].name
                    ));
                    continue;
                }
                Err(e) => return Err(e),
            };
            if let Some(same) = objects.iter_mut().find(|o| o.real == found.walked.path) {
                same.names.push(name);
                continue;
            }
            if found.via_conf {
                deps.notes.push(format!(
                    "{} was found through {CONF_PATH}, which the guest's ld.so reads only \
                     through {CACHE_PATH} (absent{}): run ldconfig there or set LD_LIBRARY_PATH",
                    found.name,
                    root.shown()
                ));
            }
            deps.add_walk(&found.walked);
            for variant in &found.variants {
                deps.add_walk(variant);
            }
            deps.objects.push(found.name.clone());
            objects.push(Object {
                origin: dirname(&found.name).to_owned(),
                names: vec![name],
                name: found.name,
                real: found.walked.path,
                dynamic: found.dynamic,
                loader: Some(next),
                optional,
            });
        }
        next += 1;
    }
    Ok(())
}

impl Linker {
    /// The rules of the linker at `interp`, reading its configuration
    /// from `root` and adding the files it will read in the guest to
    /// `deps`.
    fn for_interp(root: &GuestRoot, interp: &str, deps: &mut Deps) -> Self {
        let base = &interp[interp.rfind('/').map_or(0, |i| i + 1)..];
        if base.starts_with("ld-musl-") {
            // The path file is /etc under the directory above the
            // interpreter's ("" for /lib/ld-musl-x86_64.so.1).
            let prefix = dirname(dirname(interp)).trim_end_matches('/');
            let file = format!("{prefix}/etc/ld-musl-x86_64.path");
            let text = root.walk(&file).ok().and_then(|walked| {
                let text = fs::read_to_string(root.host_path(&walked.path)).ok()?;
                deps.add_walk(&walked);
                Some(text)
            });
            let text = text.as_deref().unwrap_or(MUSL_DEFAULT_PATH);
            let path = text
                .split([':', '\n'])
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
                .collect();
            return Linker::Musl { path };
        }
        let cache = match root.walk(CACHE_PATH) {
            Ok(walked) => match fs::read(root.host_path(&walked.path))
                .map_err(anyhow::Error::from)
                .and_then(|bytes| LdCache::parse(&bytes))
            {
                Ok(cache) => {
                    deps.add_walk(&walked);
                    Some(cache)
                }
                Err(e) => {
                    deps.notes.push(format!(
                        "ignored {CACHE_PATH}{}: {e:#}; used {CONF_PATH}",
                        root.shown()
                    ));
                    None
                }
            },
            Err(_) => None,
        };
        let conf = if cache.is_some() {
            Vec::new()
        } else {
            ldconfig::conf_dirs(root)
        };
        // Debian's glibc says lib/x86_64-linux-gnu for $LIB, others lib64.
        let lib = if root
            .walk("/lib/x86_64-linux-gnu")
            .is_ok_and(|w| w.meta.is_dir())
        {
            "lib/x86_64-linux-gnu"
        } else {
            "lib64"
        };
        Linker::Glibc { cache, conf, lib }
    }

    /// Whether `name` is the linker itself (musl's libc is its linker).
    fn is_itself(&self, name: &str) -> bool {
        match self {
            Linker::Glibc { .. } => false,
            Linker::Musl { .. } => name.strip_prefix("lib").is_some_and(|rest| {
                MUSL_RESERVED
                    .iter()
                    .any(|r| rest.strip_prefix(r).is_some_and(|t| t.starts_with('.')))
            }),
        }
    }

    /// `$ORIGIN` (and for glibc `$LIB`, `$PLATFORM`) in `text`, as the
    /// object at `origin` means them: `$NAME` or `${NAME}`; others stay.
    fn expand(&self, text: &str, origin: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let (name, len) = if let Some(braced) = after.strip_prefix('{') {
                match braced.find('}') {
                    Some(end) => (&braced[..end], end + 2),
                    None => ("", 0),
                }
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            };
            let value = match (name, self) {
                ("ORIGIN", _) => Some(origin),
                ("LIB", Linker::Glibc { lib, .. }) => Some(*lib),
                ("PLATFORM", Linker::Glibc { .. }) => Some("x86_64"),
                _ => None,
            };
            match value {
                Some(value) if len > 0 => {
                    out.push_str(value);
                    rest = &after[len..];
                }
                _ => {
                    out.push('$');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// The directories in a colon-separated list from the object at
    /// `origin`, expanded; empty ones are the working directory.
    fn dirs(&self, list: &str, origin: &str, cwd: &str) -> Vec<String> {
        list.split(':')
            .map(|dir| {
                let dir = self.expand(dir, origin);
                if dir.is_empty() {
                    cwd.to_owned()
                } else {
                    join_path(cwd, &dir)
                }
            })
            .collect()
    }

    /// Where a library the object `requester` needs is looked for, in order.
    fn places(&self, objects: &[Object], requester: usize, env: &SearchEnv) -> Vec<Place> {
        let cwd = env.cwd.as_str();
        let object = &objects[requester];
        let lists = |o: &Object, which: &[String]| -> Vec<Place> {
            which
                .iter()
                .flat_map(|list| self.dirs(list, &o.origin, cwd))
                .map(Place::Dir)
                .collect()
        };
        let chain: Vec<usize> =
            std::iter::successors(Some(requester), |&i| objects[i].loader).collect();
        let library_path: Vec<Place> = env
            .library_path
            .iter()
            .flat_map(|list| {
                // glibc also splits at `;`; both take $ORIGIN as the program's.
                list.split([':', ';'])
                    .map(|dir| {
                        let dir = self.expand(dir, &objects[0].origin);
                        Place::Dir(if dir.is_empty() {
                            cwd.to_owned()
                        } else {
                            join_path(cwd, &dir)
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut places = Vec::new();
        match self {
            Linker::Glibc { cache, conf, .. } => {
                // An object with DT_RUNPATH has no DT_RPATH (glibc's
                // elf_get_dynamic_info drops it).
                let rpath = |o: &Object| {
                    if o.dynamic.runpath.is_empty() {
                        lists(o, &o.dynamic.rpath)
                    } else {
                        Vec::new()
                    }
                };
                if object.dynamic.runpath.is_empty() {
                    for &i in &chain {
                        places.extend(rpath(&objects[i]));
                    }
                    // Then the program's, if the chain did not pass it.
                    if !chain.contains(&0) {
                        places.extend(rpath(&objects[0]));
                    }
                }
                places.extend(library_path);
                places.extend(lists(object, &object.dynamic.runpath));
                if !object.dynamic.nodeflib {
                    if cache.is_some() {
                        places.push(Place::Cache);
                    } else {
                        places.extend(conf.iter().cloned().map(Place::ConfDir));
                    }
                    places.extend(DEFAULT_DIRS.iter().map(|d| Place::Dir((*d).to_owned())));
                }
            }
            Linker::Musl { path } => {
                places.extend(library_path);
                for o in chain.iter().map(|&i| &objects[i]) {
                    let own = if o.dynamic.runpath.is_empty() {
                        &o.dynamic.rpath
                    } else {
                        &o.dynamic.runpath
                    };
                    places.extend(lists(o, own));
                }
                places.extend(path.iter().cloned().map(Place::Dir));
            }
        }
        let mut seen = BTreeSet::new();
        places.retain(|p| seen.insert(p.clone()));
        places
    }
}

/// Looks for the library `name` that object `requester` needs.
fn find(
    root: &GuestRoot,
    linker: &Linker,
    objects: &[Object],
    requester: usize,
    name: &str,
    env: &SearchEnv,
) -> Result<Found> {
    let needed_by = &objects[requester].name;
    let context = || format!("{name}, needed by {needed_by}");
    if name.contains('/') {
        let path = match linker {
            Linker::Glibc { .. } => linker.expand(name, &objects[requester].origin),
            Linker::Musl { .. } => name.to_owned(),
        };
        let path = join_path(&env.cwd, &path);
        return match open(root, &path).with_context(context)? {
            Some(found) => Ok(found),
            None => bail!("{}, is not found{}", context(), root.shown()),
        };
    }
    let places = linker.places(objects, requester, env);
    for place in &places {
        let found = match place {
            Place::Dir(dir) | Place::ConfDir(dir) => open(root, &join_path(dir, name)),
            Place::Cache => from_cache(root, linker, name),
        };
        if let Some(mut found) = found.with_context(context)? {
            found.via_conf =
                matches!(place, Place::ConfDir(dir) if !DEFAULT_DIRS.contains(&dir.as_str()));
            return Ok(found);
        }
    }
    let searched: Vec<&str> = places.iter().map(Place::shown).collect();
    bail!(
        "{}, is not found (searched{}: {})",
        context(),
        root.shown(),
        searched.join(", ")
    )
}

/// The library at `path`, if there is one there the linker would take.
fn open(root: &GuestRoot, path: &str) -> Result<Option<Found>> {
    let Ok(walked) = root.walk(path) else {
        return Ok(None);
    };
    if !walked.meta.is_file() {
        return Ok(None);
    }
    let Some(dynamic) = read_dynamic(&root.host_path(&walked.path))? else {
        return Ok(None);
    };
    Ok(Some(Found {
        name: path.to_owned(),
        walked,
        dynamic,
        variants: Vec::new(),
        via_conf: false,
    }))
}

/// The library the cache names for `name`, with its `glibc-hwcaps`
/// variants (which of them the guest's ld.so takes depends on its CPU, so
/// all are packed).
fn from_cache(root: &GuestRoot, linker: &Linker, name: &str) -> Result<Option<Found>> {
    let Linker::Glibc {
        cache: Some(cache), ..
    } = linker
    else {
        return Ok(None);
    };
    let entries = cache.lookup(name);
    let mut found: Option<Found> = None;
    let mut variants = Vec::new();
    for entry in entries {
        if found.is_none() {
            found = open(root, &entry.path)?;
        } else if entry.hwcaps
            && let Ok(walked) = root.walk(&entry.path)
        {
            variants.push(walked);
        }
    }
    Ok(found.map(|f| Found { variants, ..f }))
}

#[cfg(test)]
mod tests;
