//! Path resolution as path_resolution(7) describes it: absolute paths start
//! at the root, relative ones at the cwd or a dirfd; `.` stays, `..` goes up
//! (and stays at the root); symlinks met on the way are followed, the last
//! component's only when asked or when a trailing slash demands a
//! directory; more than 40 links is ELOOP; a component longer than
//! NAME_MAX is ENAMETOOLONG; walking through a non-directory is ENOTDIR.

use super::FsContext;
use super::file::Name;
use super::inode::{DirKind, Inode, NAME_MAX, Node};
use super::procfs;
use crate::Errno;
use alloc::sync::Arc;
use alloc::vec::Vec;

pub const AT_FDCWD: i32 = -100;
pub const AT_SYMLINK_NOFOLLOW: u32 = 0x100;
pub const AT_REMOVEDIR: u32 = 0x200;
pub const AT_EACCESS: u32 = 0x200;
pub const AT_SYMLINK_FOLLOW: u32 = 0x400;
pub const AT_NO_AUTOMOUNT: u32 = 0x800;
pub const AT_EMPTY_PATH: u32 = 0x1000;

/// The most symlinks one resolution follows (Linux's MAXSYMLINKS).
pub const MAX_SYMLINKS: u32 = 40;

/// The last component of a path, for calls that create or remove it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Last {
    Name(Vec<u8>),
    Dot,
    DotDot,
    /// The path was "/" (or only slashes).
    Root,
}

/// A path split into the directory holding its last component and that
/// component.
pub struct Parent {
    pub dir: Arc<Inode>,
    pub last: Last,
    /// The path ended in '/': the last component must be a directory.
    pub trailing_slash: bool,
}

impl Parent {
    /// The name, or `err` for ".", ".." and "/" (whose meaning differs by
    /// call).
    pub fn name(&self, err: Errno) -> Result<&[u8], Errno> {
        match &self.last {
            Last::Name(n) => Ok(n),
            _ => Err(err),
        }
    }
}

/// Where a symlink leads.
pub enum Target {
    /// An ordinary link: resolve this text from the link's directory.
    Path(Vec<u8>),
    /// A /proc magic link (fd/N, cwd): the inode itself, and the name it
    /// was opened by.
    Inode(Arc<Inode>, Name),
}

/// A resolved path: the inode, and the name it was reached by.
pub struct Found {
    pub inode: Arc<Inode>,
    pub name: Name,
}

fn components(path: &[u8]) -> impl DoubleEndedIterator<Item = &[u8]> {
    path.split(|&b| b == b'/').filter(|c| !c.is_empty())
}

impl FsContext {
    /// Where a path given to a *at call starts: the root for absolute
    /// paths (dirfd is then ignored), else the cwd or the dirfd, which must
    /// be a directory.
    pub(crate) fn base(&self, dirfd: i32, path: &[u8]) -> Result<Arc<Inode>, Errno> {
        if path.first() == Some(&b'/') {
            return Ok(self.root.clone());
        }
        let inode = self.dirfd_inode(dirfd)?;
        if !inode.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok(inode)
    }

    /// The inode a dirfd names (AT_FDCWD: the cwd); any kind of file.
    pub(crate) fn dirfd_inode(&self, dirfd: i32) -> Result<Arc<Inode>, Errno> {
        if dirfd == AT_FDCWD {
            return Ok(self.cwd.clone());
        }
        Ok(self.fds.get(dirfd)?.inode.clone())
    }

    /// The inode `path` names from `dirfd`. With `empty_path`
    /// (AT_EMPTY_PATH) an empty path names dirfd itself.
    pub(crate) fn lookup_at(
        &self,
        dirfd: i32,
        path: &[u8],
        follow: bool,
        empty_path: bool,
    ) -> Result<Arc<Inode>, Errno> {
        if path.is_empty() {
            return if empty_path {
                self.dirfd_inode(dirfd)
            } else {
                Err(Errno::ENOENT)
            };
        }
        let base = self.base(dirfd, path)?;
        self.walk(&base, path, follow)
    }

    /// Resolves `path` from `base`, following a final symlink if `follow`.
    pub(crate) fn walk(
        &self,
        base: &Arc<Inode>,
        path: &[u8],
        follow: bool,
    ) -> Result<Arc<Inode>, Errno> {
        let mut links = 0;
        Ok(self.walk_counted(base, path, follow, &mut links)?.inode)
    }

    /// `walk`, sharing a symlink count with the caller (open(O_CREAT)
    /// follows a dangling final link itself and must keep counting).
    pub(crate) fn walk_counted(
        &self,
        base: &Arc<Inode>,
        path: &[u8],
        follow: bool,
        links: &mut u32,
    ) -> Result<Found, Errno> {
        let mut name = Name::Dir;
        let mut cur = if path.first() == Some(&b'/') {
            self.root.clone()
        } else {
            base.clone()
        };
        let mut must_be_dir = path.ends_with(b"/");
        // Components still to walk, the next one last.
        let mut todo: Vec<Vec<u8>> = components(path).rev().map(<[u8]>::to_vec).collect();
        while let Some(comp) = todo.pop() {
            if !cur.is_dir() {
                return Err(Errno::ENOTDIR);
            }
            if comp.len() > NAME_MAX {
                return Err(Errno::ENAMETOOLONG);
            }
            let last = todo.is_empty();
            match comp.as_slice() {
                b"." => {}
                b".." => cur = self.dotdot(&cur)?,
                entry => {
                    let next = self.child(&cur, entry)?;
                    let is_link = next.is_symlink();
                    if !is_link || (last && !follow && !must_be_dir) {
                        name = Name::Entry {
                            parent: cur,
                            name: entry.to_vec(),
                        };
                        cur = next;
                        continue;
                    }
                    *links += 1;
                    if *links > MAX_SYMLINKS {
                        return Err(Errno::ELOOP);
                    }
                    match self.link_target(&next)? {
                        Target::Inode(inode, n) => {
                            name = n;
                            cur = inode;
                        }
                        Target::Path(target) => {
                            if target.is_empty() {
                                return Err(Errno::ENOENT);
                            }
                            if target[0] == b'/' {
                                cur = self.root.clone();
                            }
                            if last && target.ends_with(b"/") {
                                must_be_dir = true;
                            }
                            todo.extend(components(&target).rev().map(<[u8]>::to_vec));
                        }
                    }
                }
            }
        }
        if must_be_dir && !cur.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if cur.is_dir() {
            name = Name::Dir;
        }
        Ok(Found { inode: cur, name })
    }

    /// Splits `path` into its directory (resolved, following symlinks) and
    /// its last component (not resolved).
    pub(crate) fn walk_parent(&self, base: &Arc<Inode>, path: &[u8]) -> Result<Parent, Errno> {
        let trimmed_len = path.iter().rposition(|&b| b != b'/').map_or(0, |i| i + 1);
        let trailing_slash = trimmed_len < path.len();
        let trimmed = &path[..trimmed_len];
        if trimmed.is_empty() {
            // "/" or "///": the root itself.
            return Ok(Parent {
                dir: self.root.clone(),
                last: Last::Root,
                trailing_slash,
            });
        }
        let (dir_part, last) = match trimmed.iter().rposition(|&b| b == b'/') {
            Some(i) => (&trimmed[..=i], &trimmed[i + 1..]),
            None => (&b""[..], trimmed),
        };
        if last.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let dir = if dir_part.is_empty() {
            base.clone()
        } else {
            self.walk(base, dir_part, true)?
        };
        if !dir.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        let last = match last {
            b"." => Last::Dot,
            b".." => Last::DotDot,
            name => Last::Name(name.to_vec()),
        };
        Ok(Parent {
            dir,
            last,
            trailing_slash,
        })
    }

    /// The entry `name` in directory `dir`.
    pub(crate) fn child(&self, dir: &Arc<Inode>, name: &[u8]) -> Result<Arc<Inode>, Errno> {
        super::disk::load(dir)?;
        let d = dir.dir().ok_or(Errno::ENOTDIR)?.lock();
        match d.kind {
            DirKind::Plain => d.entries.get(name).cloned().ok_or(Errno::ENOENT),
            DirKind::ProcFd => {
                drop(d);
                procfs::fd_link(self, dir, name)
            }
        }
    }

    /// `..` of a directory: its parent, or itself at the root.
    pub(crate) fn dotdot(&self, dir: &Arc<Inode>) -> Result<Arc<Inode>, Errno> {
        if Arc::ptr_eq(dir, &self.root) {
            return Ok(dir.clone());
        }
        dir.parent().ok_or(Errno::ENOENT)
    }

    pub(crate) fn link_target(&self, link: &Inode) -> Result<Target, Errno> {
        match &link.node {
            Node::Symlink(t) => Ok(Target::Path(t.clone())),
            Node::Proc(p) => procfs::follow(self, p),
            _ => Err(Errno::EINVAL),
        }
    }

    /// What readlink(2) returns for a symlink.
    pub(crate) fn link_text(&self, link: &Inode) -> Result<Vec<u8>, Errno> {
        match &link.node {
            Node::Symlink(t) => Ok(t.clone()),
            Node::Proc(p) if link.is_symlink() => procfs::link_text(self, p),
            _ => Err(Errno::EINVAL),
        }
    }

    /// The absolute path of a directory (getcwd(2)); ENOENT once it has
    /// been removed.
    pub(crate) fn dir_path(&self, dir: &Arc<Inode>) -> Result<Vec<u8>, Errno> {
        let mut names: Vec<Vec<u8>> = Vec::new();
        let mut cur = dir.clone();
        while !Arc::ptr_eq(&cur, &self.root) {
            let parent = cur.parent().ok_or(Errno::ENOENT)?;
            let name = {
                let d = parent.dir().ok_or(Errno::ENOENT)?.lock();
                d.entries
                    .iter()
                    .find(|(_, c)| Arc::ptr_eq(c, &cur))
                    .map(|(n, _)| n.clone())
                    .ok_or(Errno::ENOENT)?
            };
            names.push(name);
            cur = parent;
        }
        if names.is_empty() {
            return Ok(b"/".to_vec());
        }
        let mut out = Vec::new();
        for n in names.iter().rev() {
            out.push(b'/');
            out.extend_from_slice(n);
        }
        Ok(out)
    }

    /// The absolute path of `name` in directory `dir` (what /proc/self/fd
    /// shows for a file opened there).
    pub(crate) fn join(&self, dir: &Arc<Inode>, name: &[u8]) -> Vec<u8> {
        let mut p = self.dir_path(dir).unwrap_or_default();
        if p != b"/" {
            p.push(b'/');
        }
        p.extend_from_slice(name);
        p
    }
}

/// A path argument: EFAULT for a bad pointer, ENAMETOOLONG past PATH_MAX.
/// An empty path is ENOENT unless the call allows it (AT_EMPTY_PATH),
/// where a NULL pointer also counts as empty (as since Linux 6.11).
pub fn read_path(
    p: &dyn crate::platform::Platform,
    s: crate::user::UserCStr,
    allow_empty: bool,
) -> Result<Vec<u8>, Errno> {
    if allow_empty {
        if s.addr == 0 {
            return Ok(Vec::new());
        }
        return s.read(p, crate::user::PATH_MAX);
    }
    s.read_path(p)
}
