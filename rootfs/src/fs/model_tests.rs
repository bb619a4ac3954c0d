//! Model-based test: random sequences of operations run against the
//! filesystem and against a plain in-memory model of paths; after every step
//! the two must agree on every name, kind, permission, link count, size and
//! content, and a remount must show the model as it stood at the last
//! commit. Snapshots, rollbacks and snapshot destroys are among the
//! operations: a snapshot, mounted read-only, must show the model as it
//! stood when it was taken.

use super::tests::{fresh, remount};
use super::*;
use crate::device::MemDevice;
use alloc::format;
use alloc::string::{String, ToString};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    File(Vec<u8>),
    Dir,
    Link(Vec<u8>),
}

/// Paths ("/a/b"; the root is "/") to model objects, and the objects.
#[derive(Debug, Clone)]
struct Model {
    paths: BTreeMap<String, u64>,
    nodes: BTreeMap<u64, (Node, u32)>,
    next: u64,
}

#[derive(Debug, Clone)]
enum Op {
    Create(String, String),
    Mkdir(String, String),
    Symlink(String, String, usize),
    Write(String, u64, usize, u8),
    Truncate(String, u64),
    Link(String, String, String),
    Unlink(String),
    Rmdir(String),
    Rename(String, String, String),
    Chmod(String, u32),
    Commit,
    Remount,
    Snapshot(String),
    Rollback(String),
    DestroySnapshot(String),
    ReadSnapshot(String),
}

fn join(dir: &str, name: &str) -> String {
    if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}

fn parent_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => "/",
    }
}

fn data(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed) | 1)
        .collect()
}

impl Model {
    fn new() -> Self {
        let mut m = Self {
            paths: BTreeMap::new(),
            nodes: BTreeMap::new(),
            next: 1,
        };
        m.paths.insert("/".to_string(), 0);
        m.nodes.insert(0, (Node::Dir, 0o755));
        m
    }

    fn node(&self, path: &str) -> Option<&Node> {
        self.paths.get(path).map(|id| &self.nodes[id].0)
    }

    fn children(&self, dir: &str) -> Vec<String> {
        self.paths
            .keys()
            .filter(|p| p.as_str() != "/" && parent_of(p) == dir)
            .cloned()
            .collect()
    }

    fn nlink(&self, id: u64) -> u32 {
        match self.nodes[&id].0 {
            Node::Dir => {
                let path = self.paths.iter().find(|&(_, &i)| i == id).unwrap().0;
                let subdirs = self
                    .children(path)
                    .iter()
                    .filter(|c| self.node(c) == Some(&Node::Dir))
                    .count();
                2 + subdirs as u32
            }
            _ => self.paths.values().filter(|&&i| i == id).count() as u32,
        }
    }

    fn add(&mut self, path: String, node: Node, perm: u32) -> Result<(), i32> {
        if self.paths.contains_key(&path) {
            return Err(17);
        }
        self.paths.insert(path, self.next);
        self.nodes.insert(self.next, (node, perm));
        self.next += 1;
        Ok(())
    }

    fn remove_path(&mut self, path: &str) {
        let id = self.paths.remove(path).unwrap();
        if !self.paths.values().any(|&i| i == id) {
            self.nodes.remove(&id);
        }
    }

    fn apply(&mut self, op: &Op) -> Result<(), i32> {
        match op {
            Op::Create(dir, name) => self.add(join(dir, name), Node::File(Vec::new()), 0o644),
            Op::Mkdir(dir, name) => self.add(join(dir, name), Node::Dir, 0o755),
            Op::Symlink(dir, name, len) => {
                self.add(join(dir, name), Node::Link(data(*len, 9)), 0o777)
            }
            Op::Write(path, off, len, seed) => {
                let id = self.paths[path];
                if let Node::File(d) = &mut self.nodes.get_mut(&id).unwrap().0 {
                    let end = *off as usize + len;
                    if d.len() < end {
                        d.resize(end, 0);
                    }
                    d[*off as usize..end].copy_from_slice(&data(*len, *seed));
                }
                Ok(())
            }
            Op::Truncate(path, size) => {
                let id = self.paths[path];
                if let Node::File(d) = &mut self.nodes.get_mut(&id).unwrap().0 {
                    d.resize(*size as usize, 0);
                }
                Ok(())
            }
            Op::Link(src, dir, name) => {
                let dst = join(dir, name);
                if self.paths.contains_key(&dst) {
                    return Err(17);
                }
                let id = self.paths[src];
                self.paths.insert(dst, id);
                Ok(())
            }
            Op::Unlink(path) => {
                if self.node(path) == Some(&Node::Dir) {
                    return Err(21);
                }
                self.remove_path(path);
                Ok(())
            }
            Op::Rmdir(path) => {
                if self.node(path) != Some(&Node::Dir) {
                    return Err(20);
                }
                if !self.children(path).is_empty() {
                    return Err(39);
                }
                self.remove_path(path);
                Ok(())
            }
            Op::Rename(src, dir, name) => {
                let dst = join(dir, name);
                let src_dir = self.node(src) == Some(&Node::Dir);
                if src_dir && (dir == src || dir.starts_with(&format!("{src}/"))) {
                    return Err(22);
                }
                if let Some(&dst_id) = self.paths.get(&dst) {
                    if dst_id == self.paths[src] {
                        return Ok(());
                    }
                    let dst_dir = self.node(&dst) == Some(&Node::Dir);
                    match (src_dir, dst_dir) {
                        (true, false) => return Err(20),
                        (false, true) => return Err(21),
                        (true, true) if !self.children(&dst).is_empty() => return Err(39),
                        _ => {}
                    }
                    self.remove_path(&dst);
                }
                let prefix = format!("{src}/");
                let moved: Vec<String> = self
                    .paths
                    .keys()
                    .filter(|p| *p == src || p.starts_with(&prefix))
                    .cloned()
                    .collect();
                for p in moved {
                    let id = self.paths.remove(&p).unwrap();
                    self.paths.insert(format!("{dst}{}", &p[src.len()..]), id);
                }
                Ok(())
            }
            Op::Chmod(path, mode) => {
                let id = self.paths[path];
                self.nodes.get_mut(&id).unwrap().1 = *mode;
                Ok(())
            }
            Op::Commit | Op::Remount => Ok(()),
            // The snapshot operations change the snapshot list, in `run`.
            Op::Snapshot(_) | Op::Rollback(_) | Op::DestroySnapshot(_) | Op::ReadSnapshot(_) => {
                Ok(())
            }
        }
    }
}

fn resolve(fs: &mut Fs<MemDevice>, path: &str) -> Result<u64, FsError> {
    let mut ino = ROOT_INO;
    for part in path.split('/').filter(|p| !p.is_empty()) {
        ino = fs.lookup(ino, part.as_bytes())?;
    }
    Ok(ino)
}

fn apply_fs(fs: &mut Fs<MemDevice>, op: &Op) -> Result<(), FsError> {
    match op {
        Op::Create(dir, name) => {
            let d = resolve(fs, dir)?;
            fs.create(d, name.as_bytes(), 0o644, 1, 2).map(drop)
        }
        Op::Mkdir(dir, name) => {
            let d = resolve(fs, dir)?;
            fs.mkdir(d, name.as_bytes(), 0o755, 1, 2).map(drop)
        }
        Op::Symlink(dir, name, len) => {
            let d = resolve(fs, dir)?;
            fs.symlink(d, name.as_bytes(), &data(*len, 9), 1, 2)
                .map(drop)
        }
        Op::Write(path, off, len, seed) => {
            let ino = resolve(fs, path)?;
            fs.write(ino, *off, &data(*len, *seed)).map(drop)
        }
        Op::Truncate(path, size) => {
            let ino = resolve(fs, path)?;
            fs.truncate(ino, *size)
        }
        Op::Link(src, dir, name) => {
            let ino = resolve(fs, src)?;
            let d = resolve(fs, dir)?;
            fs.link(ino, d, name.as_bytes())
        }
        Op::Unlink(path) => {
            let d = resolve(fs, parent_of(path))?;
            fs.unlink(d, path.rsplit('/').next().unwrap().as_bytes())
        }
        Op::Rmdir(path) => {
            let d = resolve(fs, parent_of(path))?;
            fs.rmdir(d, path.rsplit('/').next().unwrap().as_bytes())
        }
        Op::Rename(src, dir, name) => {
            let from = resolve(fs, parent_of(src))?;
            let to = resolve(fs, dir)?;
            let src_name = src.rsplit('/').next().unwrap();
            fs.rename(from, src_name.as_bytes(), to, name.as_bytes())
        }
        Op::Chmod(path, mode) => {
            let ino = resolve(fs, path)?;
            let set = SetAttr {
                mode: Some(*mode),
                ..SetAttr::default()
            };
            fs.setattr(ino, set).map(drop)
        }
        Op::Commit => fs.commit().map(drop),
        Op::Snapshot(name) => fs.snapshot(name).map(drop),
        Op::Rollback(name) => fs.rollback(name),
        Op::DestroySnapshot(name) => fs.destroy_snapshot(name),
        Op::Remount | Op::ReadSnapshot(_) => Ok(()),
    }
}

/// The filesystem matches the model: names, kinds, modes, link counts,
/// sizes, and (when `contents`) every byte.
fn check(fs: &mut Fs<MemDevice>, model: &Model, contents: bool, step: usize) {
    let mut inos: BTreeMap<u64, u64> = BTreeMap::new();
    for (path, &id) in &model.paths {
        let ino = resolve(fs, path).unwrap_or_else(|e| panic!("step {step}: {path}: {e}"));
        assert_eq!(*inos.entry(id).or_insert(ino), ino, "step {step}: {path}");
        let attr = fs.getattr(ino).unwrap();
        let (node, perm) = &model.nodes[&id];
        let (kind, size) = match node {
            Node::File(d) => (Kind::File, Some(d.len() as u64)),
            Node::Dir => (Kind::Dir, None),
            Node::Link(t) => (Kind::Symlink, Some(t.len() as u64)),
        };
        assert_eq!(attr.kind, kind, "step {step}: {path}");
        assert_eq!(attr.mode & 0o7777, *perm, "step {step}: {path}");
        assert_eq!(attr.nlink, model.nlink(id), "step {step}: {path} nlink");
        if let Some(size) = size {
            assert_eq!(attr.size, size, "step {step}: {path} size");
        }
        match node {
            Node::File(d) if contents => {
                assert!(
                    fs.read(ino, 0, d.len() + 10).unwrap() == *d,
                    "step {step}: {path} data"
                );
            }
            Node::Link(t) => assert_eq!(fs.readlink(ino).unwrap(), *t, "step {step}: {path}"),
            Node::Dir => {
                let mut names: Vec<String> = fs
                    .readdir(ino)
                    .unwrap()
                    .into_iter()
                    .map(|e| String::from_utf8(e.name).unwrap())
                    .collect();
                names.sort();
                let expect: Vec<String> = model
                    .children(path)
                    .iter()
                    .map(|c| c.rsplit('/').next().unwrap().to_string())
                    .collect();
                assert_eq!(names, expect, "step {step}: readdir {path}");
            }
            _ => {}
        }
    }
    let distinct: BTreeSet<u64> = inos.values().copied().collect();
    assert_eq!(
        distinct.len(),
        inos.len(),
        "step {step}: objects are distinct"
    );
    assert_eq!(fs.statfs().files, model.nodes.len() as u64, "step {step}");
}

/// xorshift64*: a small, seeded, reproducible generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize].clone()
    }
}

const NAMES: [&str; 6] = ["a", "b", "c", "dir", "e", "long-name-of-an-entry"];

const SNAPSHOTS: [&str; 4] = ["s1", "s2", "monday", "before-upgrade"];

/// At most this many snapshots at once, so the test's small pool does not
/// fill with what they hold.
const MAX_SNAPSHOTS: usize = 3;

fn gen_op(rng: &mut Rng, model: &Model, snaps: &[(String, Model)]) -> Op {
    let dirs: Vec<String> = model
        .paths
        .keys()
        .filter(|p| model.node(p) == Some(&Node::Dir))
        .cloned()
        .collect();
    let files: Vec<String> = model
        .paths
        .keys()
        .filter(|p| matches!(model.node(p), Some(Node::File(_))))
        .cloned()
        .collect();
    let others: Vec<String> = model.paths.keys().filter(|p| *p != "/").cloned().collect();
    let name = rng.pick(&NAMES).to_string();
    let dir = rng.pick(&dirs);
    let snap = rng.pick(&SNAPSHOTS).to_string();
    loop {
        match rng.below(112) {
            0..=14 => return Op::Create(dir, name),
            15..=22 => return Op::Mkdir(dir, name),
            23..=25 => {
                let len = if rng.below(2) == 0 {
                    1 + rng.below(100)
                } else {
                    200 + rng.below(3000)
                };
                return Op::Symlink(dir, name, len as usize);
            }
            26..=45 if !files.is_empty() => {
                let off = match rng.below(4) {
                    0 => rng.below(200),
                    1 => rng.below(3 * 4096),
                    2 => 64 * 4096 + rng.below(8192),
                    _ => rng.below(20_000),
                };
                let max = if rng.below(2) == 0 { 150 } else { 6000 };
                let len = 1 + rng.below(max);
                return Op::Write(rng.pick(&files), off, len as usize, rng.below(256) as u8);
            }
            46..=53 if !files.is_empty() => {
                let size = match rng.below(3) {
                    0 => rng.below(200),
                    1 => rng.below(5 * 4096),
                    _ => rng.below(70 * 4096),
                };
                return Op::Truncate(rng.pick(&files), size);
            }
            54..=59 if !files.is_empty() => return Op::Link(rng.pick(&files), dir, name),
            60..=67 if !others.is_empty() => return Op::Unlink(rng.pick(&others)),
            68..=73 if !others.is_empty() => return Op::Rmdir(rng.pick(&others)),
            74..=83 if !others.is_empty() => return Op::Rename(rng.pick(&others), dir, name),
            84..=87 if !others.is_empty() => {
                return Op::Chmod(rng.pick(&others), rng.below(0o1000) as u32);
            }
            88..=95 => return Op::Commit,
            96..=99 => return Op::Remount,
            100..=103 if snaps.len() >= MAX_SNAPSHOTS => {
                return Op::DestroySnapshot(rng.pick(snaps).0);
            }
            100..=103 => return Op::Snapshot(snap),
            // Rollbacks and destroys walk every root and put right any
            // block freed too early; rare, they leave time for a wrong
            // free to be reused and seen in a snapshot.
            104 => return Op::Rollback(snap),
            105 => return Op::DestroySnapshot(snap),
            106..=111 => return Op::ReadSnapshot(snap),
            _ => {}
        }
    }
}

/// What the snapshot operations should do to the snapshot list (oldest
/// first), the model and the committed model, and their result.
fn apply_snapshot_op(
    op: &Op,
    snaps: &mut Vec<(String, Model)>,
    model: &mut Model,
    committed: &mut Model,
) -> Result<(), i32> {
    let at = |name: &str, snaps: &[(String, Model)]| snaps.iter().position(|(n, _)| n == name);
    match op {
        Op::Snapshot(name) if at(name, snaps).is_some() => Err(17),
        Op::Snapshot(name) => {
            *committed = model.clone();
            snaps.push((name.clone(), model.clone()));
            Ok(())
        }
        Op::Rollback(name) => {
            let i = at(name, snaps).ok_or(2)?;
            *model = snaps[i].1.clone();
            *committed = model.clone();
            snaps.truncate(i + 1);
            Ok(())
        }
        Op::DestroySnapshot(name) => {
            let i = at(name, snaps).ok_or(2)?;
            snaps.remove(i);
            // It commits the open changes with the new table.
            *committed = model.clone();
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Mounts snapshot `name` read-only from what is committed and checks it
/// against the model it was taken from; it refuses changes.
fn check_snapshot(fs: &Fs<MemDevice>, name: &str, expect: Option<&Model>, step: usize) {
    let pool = Pool::mount(fs.pool().device().clone()).unwrap();
    let full = format!("main@{name}");
    let Some(expect) = expect else {
        assert_eq!(
            Fs::mount_dataset(pool, &full).err(),
            Some(FsError::NotFound),
            "step {step}: {full}"
        );
        return;
    };
    let mut snap = Fs::mount_dataset(pool, &full).unwrap();
    check(&mut snap, expect, true, step);
    let refused = snap.create(ROOT_INO, b"new", 0o644, 0, 0);
    assert_eq!(refused.map_err(FsError::errno), Err(30), "step {step}");
}

fn run(seed: u64, steps: usize) {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    // Small enough that freed blocks are reused many times over, with room
    // for what a few snapshots hold.
    let mut fs = fresh(600);
    let mut model = Model::new();
    let mut committed = model.clone();
    let mut snaps: Vec<(String, Model)> = Vec::new();
    for step in 0..steps {
        let op = gen_op(&mut rng, &model, &snaps);
        fs.set_time(step as i64 * 1000);
        match &op {
            Op::Remount => {
                fs = remount(&fs);
                fs.assert_space_accounted();
                model = committed.clone();
                check(&mut fs, &model, true, step);
                let names: Vec<String> = snaps.iter().map(|(n, _)| format!("main@{n}")).collect();
                let listed: Vec<String> = fs.snapshots().into_iter().map(|d| d.name).collect();
                assert_eq!(listed, names, "step {step}: snapshots after remount");
                continue;
            }
            Op::ReadSnapshot(name) => {
                let expect = snaps.iter().find(|(n, _)| n == name).map(|(_, m)| m);
                check_snapshot(&fs, name, expect, step);
                continue;
            }
            _ => {}
        }
        let expect = model.clone().apply(&op).and_then(|()| {
            let (mut s, mut m, mut c) = (snaps.clone(), model.clone(), committed.clone());
            apply_snapshot_op(&op, &mut s, &mut m, &mut c)
        });
        let got = apply_fs(&mut fs, &op).map_err(FsError::errno);
        assert_eq!(got, expect, "seed {seed} step {step}: {op:?}");
        if got.is_ok() {
            model.apply(&op).unwrap();
            apply_snapshot_op(&op, &mut snaps, &mut model, &mut committed).unwrap();
        }
        if let Op::Commit = op {
            committed = model.clone();
        }
        let snapshot_op = matches!(
            op,
            Op::Snapshot(_) | Op::Rollback(_) | Op::DestroySnapshot(_)
        );
        if got.is_ok() && (snapshot_op || matches!(op, Op::Commit)) {
            fs.assert_space_accounted();
        }
        check(
            &mut fs,
            &model,
            matches!(op, Op::Commit) || snapshot_op || step % 16 == 0,
            step,
        );
    }
    fs.commit().unwrap();
    let mut fs = remount(&fs);
    check(&mut fs, &model, true, steps);
    for (name, expect) in &snaps {
        check_snapshot(&fs, name, Some(expect), steps);
    }
}

#[test]
fn random_operations_match_the_model_across_commits_and_remounts() {
    for seed in 0..16 {
        run(seed, 250);
    }
}
