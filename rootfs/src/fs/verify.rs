//! Scrubbing: [`Fs::verify`] reads every block the committed root reaches,
//! checks its checksum, decompresses it and decodes what it holds (object
//! set, record array, records, indirect blocks, directory buckets), then
//! does the same for the older roots still in the uberblock ring, and says
//! which objects are damaged and where they are in the namespace. It reads
//! the disk, never the cache or the open transaction, and never panics: a
//! block that fails is reported and the walk goes on around it.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::dir::{self, Entry};
use super::inode::{self, Inode, Kind};
use super::tree::{self, FANOUT};
use super::{Fs, FsError, ObjSet, RECORDS_PER_BLOCK, ROOT_INO};
use crate::blockptr::BlockPtr;
use crate::checksum::Checksum;
use crate::device::BlockDevice;
use crate::format::{BLOCK_SIZE, FormatError};
use crate::pool::Pool;

/// The most buckets a directory's table may have (as the namespace allows).
const MAX_BUCKETS: u64 = 1 << 24;

/// One thing that failed: the block (if one was read), what it held, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The physical block that failed, when the failure is a block's.
    pub block: Option<u64>,
    /// What the block or field is ("data block 3", "record", ...).
    pub what: String,
    /// For a block of a tree: the data blocks `first..end` it stands for,
    /// all unreadable when it is an indirect block that failed.
    pub covers: Option<(u64, u64)>,
    pub error: FsError,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.block {
            Some(block) => write!(f, "{} (block {block}): {}", self.what, self.error),
            None => write!(f, "{}: {}", self.what, self.error),
        }
    }
}

/// An object with unreadable data or metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DamagedObject {
    pub ino: u64,
    /// Its kind, if its record could be read.
    pub kind: Option<Kind>,
    /// A path that names it, if a readable directory chain from the root
    /// does (the first found, for a file with several names).
    pub path: Option<Vec<u8>>,
    pub problems: Vec<Problem>,
}

/// What the walk of one older root in the ring found: blocks it reaches
/// that the newer roots do not share were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RingRoot {
    pub txg: u64,
    /// Blocks checked for this root (those newer roots share are not read
    /// again).
    pub blocks_checked: u64,
    pub problems: Vec<Problem>,
}

/// What [`Fs::verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VerifyReport {
    /// The committed transaction group verified.
    pub txg: u64,
    /// Blocks read and checked from the committed root.
    pub blocks_checked: u64,
    /// Object records that decoded.
    pub objects: u64,
    /// Objects whose record, data or directory buckets failed, by number.
    pub damaged: Vec<DamagedObject>,
    /// Damage above the objects: the object set, the record array's
    /// indirect and record blocks (each names the objects it holds).
    pub metadata: Vec<Problem>,
    /// Every older valid uberblock in the ring, newest first.
    pub ring: Vec<RingRoot>,
}

impl VerifyReport {
    /// Whether nothing failed, in the committed root or the ring.
    pub fn is_clean(&self) -> bool {
        self.damaged.is_empty()
            && self.metadata.is_empty()
            && self.ring.iter().all(|r| r.problems.is_empty())
    }

    /// The numbers of the damaged objects.
    pub fn damaged_objects(&self) -> BTreeSet<u64> {
        self.damaged.iter().map(|d| d.ino).collect()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "txg {}: {} blocks checked, {} objects, {} damaged{}",
            self.txg,
            self.blocks_checked,
            self.objects,
            self.damaged.len(),
            if self.metadata.is_empty() {
                ""
            } else {
                ", metadata damaged"
            }
        )?;
        for p in &self.metadata {
            writeln!(f, "  metadata: {p}")?;
        }
        for d in &self.damaged {
            let kind = match d.kind {
                Some(Kind::File) => "file",
                Some(Kind::Dir) => "directory",
                Some(Kind::Symlink) => "symlink",
                None => "object",
            };
            let path = match &d.path {
                Some(p) => String::from_utf8_lossy(p).into_owned(),
                None => String::from("(no path found)"),
            };
            writeln!(f, "  {kind} {} {path}:", d.ino)?;
            for p in &d.problems {
                writeln!(f, "    {p}")?;
            }
        }
        for r in &self.ring {
            writeln!(
                f,
                "  older txg {}: {} more blocks checked, {} damaged",
                r.txg,
                r.blocks_checked,
                r.problems.len()
            )?;
            for p in &r.problems {
                writeln!(f, "    {p}")?;
            }
        }
        if self.is_clean() {
            write!(f, "no damage found")?;
        } else {
            write!(f, "damage found")?;
        }
        Ok(())
    }
}

/// What checks each data block of a tree that verified: its index, its
/// bytes, and where to put what fails.
type LeafCheck<'a> = dyn FnMut(u64, &[u8], &mut Vec<Problem>) + 'a;

/// Reads blocks straight from the pool, each at most once across roots.
struct Walker<'a, D: BlockDevice> {
    pool: &'a mut Pool<D>,
    /// Blocks that verified: (address, offset, checksum).
    seen: BTreeSet<(u64, u16, Checksum)>,
    checked: u64,
}

impl<D: BlockDevice> Walker<'_, D> {
    /// The whole block (zero past its data), or `None` if it was verified
    /// already (under a newer root).
    fn read(&mut self, bp: &BlockPtr) -> Result<Option<Vec<u8>>, FsError> {
        if !self
            .seen
            .insert((bp.address, bp.physical_offset, bp.checksum))
        {
            return Ok(None);
        }
        self.checked += 1;
        let mut block = self.pool.read_block(bp).inspect_err(|_| {
            self.seen
                .remove(&(bp.address, bp.physical_offset, bp.checksum));
        })?;
        block.resize(BLOCK_SIZE, 0);
        Ok(Some(block))
    }

    /// Verifies every block of a tree; `leaf` gets each data block that
    /// verified, with its index.
    fn tree(
        &mut self,
        levels: u8,
        root: BlockPtr,
        problems: &mut Vec<Problem>,
        leaf: &mut LeafCheck<'_>,
    ) {
        self.node(levels, root, 0, problems, leaf);
    }

    fn node(
        &mut self,
        level: u8,
        bp: BlockPtr,
        base: u64,
        problems: &mut Vec<Problem>,
        leaf: &mut LeafCheck<'_>,
    ) {
        if bp.is_hole() {
            return;
        }
        let end = base.saturating_add(tree::capacity(level));
        let what = || {
            if level == 0 {
                format!("data block {base}")
            } else {
                format!("indirect block over data blocks {base}..{end}")
            }
        };
        let block = match self.read(&bp) {
            Ok(Some(block)) => block,
            Ok(None) => return,
            Err(error) => {
                problems.push(Problem {
                    block: Some(bp.address),
                    what: what(),
                    covers: Some((base, end)),
                    error,
                });
                return;
            }
        };
        if level == 0 {
            leaf(base, &block, problems);
            return;
        }
        let span = tree::capacity(level - 1);
        for slot in 0..FANOUT {
            let child_base = base.saturating_add(slot.saturating_mul(span));
            match tree::pointer(&block, slot as usize) {
                Ok(child) => self.node(level - 1, child, child_base, problems, leaf),
                Err(error) => problems.push(Problem {
                    block: Some(bp.address),
                    what: format!("{}, pointer {slot}", what()),
                    covers: Some((child_base, child_base.saturating_add(span))),
                    error,
                }),
            }
        }
    }
}

/// What the committed root's records say, gathered while verifying.
#[derive(Default)]
struct Objects {
    /// Records that decoded (kind and problems found in their trees).
    found: BTreeMap<u64, (Kind, Vec<Problem>)>,
    /// Records that did not decode, or sit in record blocks that failed.
    lost: BTreeMap<u64, Problem>,
    /// Record-array ranges (first object, end) whose blocks failed.
    lost_ranges: Vec<(u64, u64)>,
    /// Directory entries, by directory.
    entries: BTreeMap<u64, Vec<Entry>>,
}

/// The datasets a pool root names (name, object set), or why they cannot
/// be read.
type DatasetRoots = Result<Vec<(String, BlockPtr)>, FsError>;

impl<D: BlockDevice> Fs<D> {
    /// Reads and checks every block reachable from the committed root and
    /// from every older valid uberblock in the ring, decodes every structure
    /// on the way, and reports the damage (see [`VerifyReport`]). The open
    /// transaction is not looked at. Never panics; damage found is also
    /// counted in the pool's checksum errors.
    pub fn verify(&mut self) -> VerifyReport {
        let mounted = String::from(self.dataset());
        let root = self.store.pool.root();
        let roots = self.store.pool.ring_roots();
        let mut report = VerifyReport {
            txg: self.store.pool.txg(),
            ..VerifyReport::default()
        };
        // The pool's root names the datasets (FORMAT.md, "Datasets and
        // snapshots"): the mounted one is reported object by object, the
        // others (snapshots, clones) by the problems found in them.
        let current = self.dataset_roots(root);
        let older: Vec<(u64, DatasetRoots)> = match &roots {
            Ok(roots) => roots
                .iter()
                .filter(|(_, old)| *old != root)
                .map(|&(txg, old)| (txg, self.dataset_roots(old)))
                .collect(),
            Err(_) => Vec::new(),
        };
        let mut walker = Walker {
            pool: &mut self.store.pool,
            seen: BTreeSet::new(),
            checked: 0,
        };
        let mut objects = Objects::default();
        match current {
            Ok(datasets) => {
                walker.checked += u64::from(!root.is_hole());
                for (name, objset) in datasets {
                    if name == mounted {
                        verify_root(
                            &mut walker,
                            objset,
                            Some(&mut objects),
                            &mut report.metadata,
                        );
                    } else {
                        let mut problems = Vec::new();
                        verify_root(&mut walker, objset, None, &mut problems);
                        report.metadata.extend(problems.into_iter().map(|mut p| {
                            p.what = format!("{name}: {}", p.what);
                            p
                        }));
                    }
                }
            }
            Err(error) => report.metadata.push(Problem {
                block: Some(root.address),
                what: String::from("dataset directory"),
                covers: None,
                error,
            }),
        }
        report.blocks_checked = walker.checked;
        report.objects = objects.found.len() as u64;
        report.damaged = damaged_objects(objects);
        match roots {
            Ok(_) => {
                for (txg, datasets) in older {
                    walker.checked = 0;
                    let mut problems = Vec::new();
                    match datasets {
                        Ok(datasets) => {
                            for (_, objset) in datasets {
                                verify_root(&mut walker, objset, None, &mut problems);
                            }
                        }
                        Err(error) => problems.push(Problem {
                            block: None,
                            what: String::from("dataset directory"),
                            covers: None,
                            error,
                        }),
                    }
                    report.ring.push(RingRoot {
                        txg,
                        blocks_checked: walker.checked,
                        problems,
                    });
                }
            }
            Err(e) => report.metadata.push(Problem {
                block: None,
                covers: None,
                what: String::from("uberblock ring"),
                error: e.into(),
            }),
        }
        report
    }

    /// The datasets the pool root `root` (a dataset directory) names, with
    /// their object sets; read from the device, checksums checked.
    fn dataset_roots(&mut self, root: BlockPtr) -> DatasetRoots {
        if root.is_hole() {
            return Ok(Vec::new());
        }
        let block = self.store.pool.read_block(&root)?;
        let dir = super::dataset::Directory::decode(&block)?;
        let table = super::dataset::read_table(&mut self.store, &dir, &block)?;
        Ok(table.into_iter().map(|d| (d.name, d.objset)).collect())
    }
}

/// Verifies everything under one object-set root. With `objects`, what
/// each record holds is gathered for the per-object report (the committed
/// root); without, every problem goes into `problems` (an older root).
fn verify_root<D: BlockDevice>(
    walker: &mut Walker<'_, D>,
    root: BlockPtr,
    mut objects: Option<&mut Objects>,
    problems: &mut Vec<Problem>,
) {
    if root.is_hole() {
        return;
    }
    let read = walker.read(&root);
    let set = match read.and_then(|b| b.map(|block| ObjSet::decode(&block)).transpose()) {
        Ok(Some(set)) => set,
        Ok(None) => return,
        Err(error) => {
            problems.push(Problem {
                block: Some(root.address),
                what: String::from("object set"),
                covers: None,
                error,
            });
            return;
        }
    };
    // The record array: every record block, then every record in it.
    let mut records: Vec<(u64, Inode)> = Vec::new();
    let mut meta_problems = Vec::new();
    walker.tree(
        set.levels,
        set.root,
        &mut meta_problems,
        &mut |index, block, problems| {
            for (i, record) in block.chunks_exact(inode::RECORD_LEN).enumerate() {
                let ino = index.saturating_mul(RECORDS_PER_BLOCK) + i as u64;
                match Inode::decode(record) {
                    Ok(Some(inode)) => records.push((ino, inode)),
                    Ok(None) => {}
                    Err(e) => problems.push(Problem {
                        block: None,
                        covers: None,
                        what: format!("record of object {ino}"),
                        error: FsError::Corrupt(e),
                    }),
                }
            }
        },
    );
    for p in meta_problems {
        match objects.as_deref_mut() {
            // A record that did not decode belongs to its object; a record
            // block (or indirect block above it) that failed loses a range.
            Some(objects) => match p.covers {
                Some((first, end)) => {
                    objects.lost_ranges.push((
                        first.saturating_mul(RECORDS_PER_BLOCK),
                        end.saturating_mul(RECORDS_PER_BLOCK),
                    ));
                    problems.push(p);
                }
                _ => {
                    let ino = record_ino(&p).unwrap_or(0);
                    objects.lost.insert(ino, p);
                }
            },
            None => problems.push(p),
        }
    }
    // Every object's tree.
    for (ino, inode) in records {
        let kind = inode.kind();
        let mut found = Vec::new();
        let mut entries = Vec::new();
        let buckets = inode.size / BLOCK_SIZE as u64;
        if kind == Kind::Dir && (!buckets.is_power_of_two() || buckets > MAX_BUCKETS) {
            found.push(Problem {
                block: None,
                covers: None,
                what: String::from("directory size"),
                error: FsError::Corrupt(FormatError::BadField("directory size")),
            });
        }
        walker.tree(
            inode.levels,
            inode.root,
            &mut found,
            &mut |index, block, problems| {
                if kind != Kind::Dir || !buckets.is_power_of_two() {
                    return;
                }
                let decoded = if index < buckets {
                    dir::decode(block, index, buckets)
                } else {
                    Err(FormatError::BadField("bucket past the directory's size"))
                };
                match decoded {
                    Ok(mut e) => entries.append(&mut e),
                    Err(e) => problems.push(Problem {
                        block: None,
                        covers: None,
                        what: format!("directory bucket {index}"),
                        error: FsError::Corrupt(e),
                    }),
                }
            },
        );
        match objects.as_deref_mut() {
            Some(objects) => {
                objects.found.insert(ino, (kind, found));
                if kind == Kind::Dir {
                    objects.entries.insert(ino, entries);
                }
            }
            None => problems.append(&mut found),
        }
    }
}

/// The object a "record of object N" problem names.
fn record_ino(p: &Problem) -> Option<u64> {
    p.what.strip_prefix("record of object ")?.parse().ok()
}

/// Names the damaged objects: those whose trees failed or whose records
/// were lost, with a path found from the root through readable directories.
/// A directory entry naming an object whose record is lost or free makes
/// that object damaged too (its record block failed, or the entry dangles).
fn damaged_objects(objects: Objects) -> Vec<DamagedObject> {
    let mut paths: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
    paths.insert(ROOT_INO, b"/".to_vec());
    let mut queue = VecDeque::from([ROOT_INO]);
    let mut dangling: BTreeMap<u64, Problem> = BTreeMap::new();
    while let Some(dir) = queue.pop_front() {
        let Some(entries) = objects.entries.get(&dir) else {
            continue;
        };
        let base = paths.get(&dir).cloned().unwrap_or_default();
        for e in entries {
            if paths.contains_key(&e.ino) {
                continue;
            }
            let mut path = base.clone();
            if path != b"/" {
                path.push(b'/');
            }
            path.extend_from_slice(&e.name);
            paths.insert(e.ino, path);
            if e.kind == Kind::Dir {
                queue.push_back(e.ino);
            }
            let lost = objects.lost.contains_key(&e.ino)
                || objects
                    .lost_ranges
                    .iter()
                    .any(|&(a, b)| (a..b).contains(&e.ino));
            if !objects.found.contains_key(&e.ino) && !lost {
                dangling.insert(
                    e.ino,
                    Problem {
                        block: None,
                        covers: None,
                        what: String::from("record"),
                        error: FsError::Corrupt(FormatError::BadField(
                            "directory entry names a free object",
                        )),
                    },
                );
            }
        }
    }
    let mut out: BTreeMap<u64, DamagedObject> = BTreeMap::new();
    for (ino, (kind, problems)) in objects.found {
        if !problems.is_empty() {
            out.insert(
                ino,
                DamagedObject {
                    ino,
                    kind: Some(kind),
                    path: None,
                    problems,
                },
            );
        }
    }
    for (ino, problem) in objects.lost.into_iter().chain(dangling) {
        out.entry(ino)
            .or_insert(DamagedObject {
                ino,
                kind: None,
                path: None,
                problems: Vec::new(),
            })
            .problems
            .push(problem);
    }
    // Objects in a lost record block that a directory names.
    for (&ino, _) in paths.iter() {
        if objects
            .lost_ranges
            .iter()
            .any(|&(a, b)| (a..b).contains(&ino))
        {
            out.entry(ino).or_insert(DamagedObject {
                ino,
                kind: None,
                path: None,
                problems: Vec::from([Problem {
                    block: None,
                    covers: None,
                    what: String::from("record"),
                    error: FsError::Corrupt(FormatError::BadField("record block unreadable")),
                }]),
            });
        }
    }
    let mut out: Vec<DamagedObject> = out.into_values().collect();
    for d in &mut out {
        d.path = paths.get(&d.ino).cloned();
    }
    out
}
