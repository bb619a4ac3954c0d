//! The `image` workload, measured from outside: a disk image of the same
//! tree (the host's `python3` and its standard library, as the `python`
//! workload packs them) written by `sole build` (rootfs) and by
//! `mkfs.ext4 -d` (the Linux column), both of the size `sole build` gives
//! that tree by default: how long each takes on the host, how many bytes
//! each filesystem counts as in use, and how many bytes the host stores for
//! the sparse file.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};

use super::disk::{allocated_bytes, ext4_used_bytes, mkfs_ext4};
use super::guest::System;
use crate::disk::build::{content_bytes, default_size, write_image};
use crate::initrd::{Node, Tree};

/// One build's figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Built {
    /// Wall time of the build, in ms.
    pub millis: f64,
    /// Bytes the filesystem counts as in use.
    pub used: u64,
    /// Bytes the host stores for the image file.
    pub allocated: u64,
}

/// A tree and what each system builds from it.
pub struct ImageBuild {
    tree: Tree,
    size: u64,
    /// The tree as host files, for `mkfs.ext4 -d`.
    stage: tempfile::TempDir,
    scratch: tempfile::TempDir,
}

impl ImageBuild {
    /// Prepares `tree`: its default image size, and a copy of it as host
    /// files for `mkfs.ext4 -d` (made here, outside the timing).
    pub fn new(tree: Tree) -> Result<Self> {
        let size = default_size(content_bytes(&tree));
        let stage = tempfile::Builder::new()
            .prefix("sole-bench-tree-")
            .tempdir()?;
        materialize(&tree, stage.path())?;
        let scratch = tempfile::Builder::new()
            .prefix("sole-bench-image-")
            .tempdir()?;
        Ok(Self {
            tree,
            size,
            stage,
            scratch,
        })
    }

    /// The image size both builds get.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Builds the image as `system` does and measures it.
    pub fn build(&self, system: System) -> Result<Built> {
        let out = self.scratch.path().join(format!("{system}.img"));
        let _ = std::fs::remove_file(&out);
        let started = Instant::now();
        let used = match system {
            System::Sole => write_image(&self.tree, &out, Some(self.size))?.used_bytes(),
            System::Linux => {
                mkfs_ext4(Some(self.stage.path()), &out, self.size)?;
                // What dumpe2fs reads is not part of the build.
                let millis = started.elapsed().as_secs_f64() * 1000.0;
                let built = Built {
                    millis,
                    used: ext4_used_bytes(&out)?,
                    allocated: allocated_bytes(&out)?,
                };
                std::fs::remove_file(&out)
                    .with_context(|| format!("cannot remove {}", out.display()))?;
                return Ok(built);
            }
        };
        let built = Built {
            millis: started.elapsed().as_secs_f64() * 1000.0,
            used,
            allocated: allocated_bytes(&out)?,
        };
        std::fs::remove_file(&out).with_context(|| format!("cannot remove {}", out.display()))?;
        Ok(built)
    }
}

/// Writes the files of `tree` below `root`: directories, file contents,
/// symbolic links, with their permissions (directories' last, so a
/// read-only one is still filled).
pub fn materialize(tree: &Tree, root: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut dirs = Vec::new();
    for (path, node) in tree.nodes() {
        let to = root.join(path.trim_start_matches('/'));
        let mode = match node {
            Node::Dir { mode, .. } => {
                std::fs::create_dir_all(&to)?;
                dirs.push((to, *mode));
                continue;
            }
            Node::HostFile { src, mode, .. } => {
                std::fs::copy(src, &to)
                    .with_context(|| format!("cannot copy {}", src.display()))?;
                *mode
            }
            Node::Bytes { mode, data } => {
                std::fs::write(&to, data)?;
                *mode
            }
            Node::Symlink { target, .. } => {
                std::os::unix::fs::symlink(target, &to)
                    .with_context(|| format!("cannot link {}", to.display()))?;
                continue;
            }
        };
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(mode & 0o7777))?;
    }
    for (dir, mode) in dirs.iter().rev() {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode & 0o7777))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_systems_build_an_image_of_a_small_tree_and_count_its_bytes() {
        let mut tree = Tree::new();
        tree.add_bytes("/bin/prog", 0o755, vec![7; 300_000])
            .unwrap();
        tree.add_bytes("/etc/conf", 0o644, b"x=1\n".to_vec())
            .unwrap();
        let build = ImageBuild::new(tree).unwrap();
        assert_eq!(build.size(), default_size(content_bytes(&build.tree)));
        for system in [System::Sole, System::Linux] {
            let built = build.build(system).unwrap();
            assert!(built.millis > 0.0, "{system}: {built:?}");
            // Something is in use, and less than the whole image.
            assert!(
                built.used > 0 && built.used < build.size(),
                "{system}: {built:?}"
            );
            assert!(built.allocated > 0, "{system}: {built:?}");
        }
        assert!(build.stage.path().join("etc/conf").is_file());
    }

    #[test]
    fn a_tree_becomes_host_files() {
        let host = tempfile::tempdir().unwrap();
        let src = host.path().join("src.txt");
        std::fs::write(&src, b"from the host").unwrap();
        let mut tree = Tree::new();
        tree.add_dir("/usr/lib", 0o755).unwrap();
        tree.add_host(&src, "/usr/lib/a.txt").unwrap();
        tree.add_bytes("/etc/b", 0o600, b"bytes".to_vec()).unwrap();
        tree.add_symlink("/usr/lib/link", "a.txt").unwrap();
        let root = tempfile::tempdir().unwrap();
        materialize(&tree, root.path()).unwrap();
        let r = root.path();
        assert_eq!(
            std::fs::read(r.join("usr/lib/a.txt")).unwrap(),
            b"from the host"
        );
        assert_eq!(std::fs::read(r.join("etc/b")).unwrap(), b"bytes");
        assert_eq!(
            std::fs::read(r.join("usr/lib/link")).unwrap(),
            b"from the host"
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(r.join("etc/b"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
