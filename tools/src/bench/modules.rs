//! Linux kernel modules for the guest's disk: Debian's cloud kernel builds
//! virtio-pci and virtio-blk as modules (`CONFIG_VIRTIO_PCI=m`,
//! `CONFIG_VIRTIO_BLK=m`; ext4 is built in), so the `disk` workload's
//! initramfs carries them and `/init` loads them, dependencies first.
//!
//! Debian's package ships no `modules.dep` (`depmod` writes it when the
//! package is installed), so the order comes from each module's own
//! `.modinfo` section: its `depends=` entry names the modules it needs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

/// The modules the disk needs, as the kernel names them.
pub const DISK_MODULES: [&str; 2] = ["virtio_pci", "virtio_blk"];

/// The modules below `dir` (searched to any depth), by name: the file name
/// without `.ko`, `-` read as `_` as the kernel does.
pub fn index(dir: &Path) -> Result<BTreeMap<String, PathBuf>> {
    let mut found = BTreeMap::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries =
            std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if let Some(stem) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".ko"))
            {
                found.insert(stem.replace('-', "_"), path);
            }
        }
    }
    Ok(found)
}

/// The `depends=` entry of a module's `.modinfo` section: the names of the
/// modules it needs (none for an empty entry).
pub fn depends(module: &[u8]) -> Result<Vec<String>> {
    let elf = goblin::elf::Elf::parse(module).context("not an ELF module")?;
    let section = elf
        .section_headers
        .iter()
        .find(|sh| elf.shdr_strtab.get_at(sh.sh_name) == Some(".modinfo"))
        .ok_or_else(|| anyhow!("no .modinfo section"))?;
    let info = section
        .file_range()
        .and_then(|range| module.get(range))
        .ok_or_else(|| anyhow!(".modinfo lies outside the file"))?;
    Ok(depends_of_modinfo(info))
}

/// The `depends=` entry of `.modinfo` contents (NUL-separated `key=value`
/// strings).
pub fn depends_of_modinfo(info: &[u8]) -> Vec<String> {
    info.split(|&b| b == 0)
        .filter_map(|entry| entry.strip_prefix(b"depends="))
        .flat_map(|list| list.split(|&b| b == b','))
        .filter(|name| !name.is_empty())
        .map(|name| String::from_utf8_lossy(name).replace('-', "_"))
        .collect()
}

/// The modules `wanted` and everything they depend on, each after its
/// dependencies, each once; `needs` gives a module's dependencies.
pub fn load_order(
    wanted: &[&str],
    mut needs: impl FnMut(&str) -> Result<Vec<String>>,
) -> Result<Vec<String>> {
    fn visit(
        name: &str,
        needs: &mut dyn FnMut(&str) -> Result<Vec<String>>,
        order: &mut Vec<String>,
        path: &mut Vec<String>,
    ) -> Result<()> {
        if order.iter().any(|done| done == name) {
            return Ok(());
        }
        if path.iter().any(|open| open == name) {
            bail!("the modules depend on each other in a cycle through {name}");
        }
        path.push(name.to_owned());
        for dependency in needs(name)? {
            visit(&dependency, needs, order, path)?;
        }
        path.pop();
        order.push(name.to_owned());
        Ok(())
    }
    let mut order = Vec::new();
    for name in wanted {
        visit(name, &mut needs, &mut order, &mut Vec::new())?;
    }
    Ok(order)
}

/// The files of [`DISK_MODULES`] and their dependencies under `dir`, in
/// the order to load them.
pub fn disk_modules(dir: &Path) -> Result<Vec<PathBuf>> {
    let index = index(dir)?;
    let file = |name: &str| {
        index.get(name).ok_or_else(|| {
            anyhow!(
                "the kernel's module {name} is not in {} (needed for the disk)",
                dir.display()
            )
        })
    };
    let order = load_order(&DISK_MODULES, |name| {
        let path = file(name)?;
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        depends(&bytes).with_context(|| format!("cannot read {}", path.display()))
    })?;
    order
        .iter()
        .map(|name| file(name).cloned())
        .collect::<Result<_>>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modinfo_names_the_dependencies() {
        let info = b"license=GPL\0depends=virtio_ring,virtio-pci-modern-dev,virtio\0\
                     retpoline=Y\0intree=Y\0name=virtio_pci\0";
        assert_eq!(
            depends_of_modinfo(info),
            ["virtio_ring", "virtio_pci_modern_dev", "virtio"]
        );
        assert!(depends_of_modinfo(b"depends=\0name=virtio_ring\0").is_empty());
        assert!(depends_of_modinfo(b"name=x\0").is_empty());
    }

    #[test]
    fn dependencies_load_first_and_once() {
        // Debian 6.1's virtio modules.
        let deps = BTreeMap::from([
            ("virtio_ring", vec![]),
            ("virtio", vec!["virtio_ring"]),
            ("virtio_pci_modern_dev", vec![]),
            ("virtio_pci_legacy_dev", vec![]),
            (
                "virtio_pci",
                vec![
                    "virtio_ring",
                    "virtio_pci_modern_dev",
                    "virtio_pci_legacy_dev",
                    "virtio",
                ],
            ),
            ("virtio_blk", vec!["virtio", "virtio_ring"]),
        ]);
        let needs = |name: &str| {
            deps.get(name)
                .map(|d| d.iter().map(|s| s.to_string()).collect())
                .ok_or_else(|| anyhow!("no {name}"))
        };
        assert_eq!(
            load_order(&DISK_MODULES, needs).unwrap(),
            [
                "virtio_ring",
                "virtio_pci_modern_dev",
                "virtio_pci_legacy_dev",
                "virtio",
                "virtio_pci",
                "virtio_blk"
            ]
        );
        assert!(load_order(&["absent"], needs).is_err());
        let cycle = |name: &str| Ok(vec![if name == "a" { "b" } else { "a" }.to_owned()]);
        let err = load_order(&["a"], cycle).unwrap_err();
        assert!(err.to_string().contains("cycle"), "{err}");
    }

    #[test]
    fn modules_are_indexed_by_kernel_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("virtio")).unwrap();
        std::fs::write(dir.path().join("virtio/virtio-ring.ko"), b"").unwrap();
        std::fs::write(dir.path().join("README"), b"").unwrap();
        let index = index(dir.path()).unwrap();
        assert_eq!(index.keys().collect::<Vec<_>>(), ["virtio_ring"]);
        assert!(depends(b"not elf").is_err());
    }
}
