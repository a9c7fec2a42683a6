//! Writing a rendering to a directory, and comparing one with it.
//!
//! `--out DIR` is written as a whole: into a temporary directory beside it,
//! then renamed into place, so that a failure leaves DIR as it was. DIR may
//! only hold what a previous render wrote; symlinks are never followed.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use crate::error::usage;

pub type Files = BTreeMap<Utf8PathBuf, Vec<u8>>;

/// Mode of a written file: scripts executable, the rest read-only data.
fn mode_of(name: &Utf8Path) -> u32 {
    if name.extension() == Some("sh") {
        0o755
    } else {
        0o644
    }
}

/// Files directly in `dir`, refusing anything but regular files.
fn list_dir(dir: &Utf8Path) -> Result<Vec<Utf8PathBuf>> {
    let mut names = Vec::new();
    for entry in dir
        .read_dir_utf8()
        .with_context(|| format!("reading directory {dir}"))?
    {
        let entry = entry.with_context(|| format!("reading directory {dir}"))?;
        let ft = entry
            .file_type()
            .with_context(|| format!("inspecting {}", entry.path()))?;
        if !ft.is_file() {
            return Err(usage(format!(
                "{} is not a regular file (a directory or symlink); patroni-bake writes only plain files into {dir}",
                entry.path()
            )));
        }
        names.push(Utf8PathBuf::from(entry.file_name()));
    }
    names.sort();
    Ok(names)
}

/// Check that `out` is absent or a directory holding only files we write.
fn check_target(out: &Utf8Path, files: &Files) -> Result<bool> {
    let meta = match fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e).with_context(|| format!("inspecting {out}")),
    };
    if meta.file_type().is_symlink() {
        return Err(usage(format!(
            "--out {out} is a symbolic link; give the directory itself"
        )));
    }
    if !meta.is_dir() {
        return Err(usage(format!("--out {out} exists and is not a directory")));
    }
    let foreign: Vec<String> = list_dir(out)?
        .into_iter()
        // user-data is written only with --with: a render without it
        // replaces one made with it.
        .filter(|n| !files.contains_key(n) && n.as_str() != crate::render::user_data::FILE)
        .map(|n| n.to_string())
        .collect();
    if !foreign.is_empty() {
        return Err(usage(format!(
            "--out {out} holds files that patroni-bake does not write ({}); give an empty directory or one that patroni-bake wrote",
            foreign.join(", ")
        )));
    }
    Ok(true)
}

/// Replace one file: written beside it, then renamed over it, so that a
/// reader sees the old bytes or the new ones, never a part.
pub fn write_file(path: &Utf8Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| usage(format!("{path} has no file name")))?;
    let tmp = path.with_file_name(format!(".{name}.patroni-bake-new.{}", std::process::id()));
    let result = fs::write(&tmp, bytes)
        .with_context(|| format!("writing {tmp}"))
        .and_then(|()| fs::rename(&tmp, path).with_context(|| format!("renaming {tmp} to {path}")));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Replace `out` with exactly `files`.
pub fn write_dir(out: &Utf8Path, files: &Files) -> Result<()> {
    let exists = check_target(out, files)?;
    let name = out
        .file_name()
        .ok_or_else(|| usage(format!("--out {out} has no directory name")))?;
    let parent = match out.parent() {
        Some(p) if !p.as_str().is_empty() => p.to_path_buf(),
        _ => Utf8PathBuf::from("."),
    };
    fs::create_dir_all(&parent).with_context(|| format!("creating {parent}"))?;
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.patroni-bake-new.{pid}"));
    let old = parent.join(format!(".{name}.patroni-bake-old.{pid}"));
    let staged = stage(&tmp, files);
    if let Err(e) = staged {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if exists {
        fs::rename(out, &old).with_context(|| format!("moving {out} aside"))?;
    }
    if let Err(e) = fs::rename(&tmp, out) {
        if exists {
            let _ = fs::rename(&old, out);
        }
        let _ = fs::remove_dir_all(&tmp);
        return Err(e).with_context(|| format!("renaming {tmp} to {out}"));
    }
    if exists {
        fs::remove_dir_all(&old)
            .with_context(|| format!("removing the previous rendering {old}"))?;
    }
    Ok(())
}

fn stage(tmp: &Utf8Path, files: &Files) -> Result<()> {
    if tmp.exists() {
        fs::remove_dir_all(tmp).with_context(|| format!("removing stale {tmp}"))?;
    }
    fs::create_dir(tmp).with_context(|| format!("creating {tmp}"))?;
    fs::set_permissions(tmp, fs::Permissions::from_mode(0o755))
        .with_context(|| format!("chmod {tmp}"))?;
    for (name, bytes) in files {
        let path = tmp.join(name);
        let mode = mode_of(name);
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&path)
            .with_context(|| format!("creating {path}"))?;
        f.write_all(bytes)
            .with_context(|| format!("writing {path}"))?;
        f.sync_all().with_context(|| format!("writing {path}"))?;
        // create_new's mode is masked by the umask; the result must not be.
        fs::set_permissions(&path, fs::Permissions::from_mode(mode))
            .with_context(|| format!("chmod {path}"))?;
    }
    Ok(())
}

/// Compare `expected` with what `dir` holds: a unified diff per difference,
/// or `None` when they are the same.
pub fn drift(dir: &Utf8Path, expected: &Files) -> Result<Option<String>> {
    let meta =
        fs::symlink_metadata(dir).map_err(|_| usage(format!("--out {dir}: no such directory")))?;
    if !meta.is_dir() {
        return Err(usage(format!("--out {dir} is not a directory")));
    }
    let mut report = String::new();
    let present = list_dir(dir)?;
    for name in present.iter().filter(|n| !expected.contains_key(*n)) {
        report.push_str(&format!("only in {dir}: {name}\n"));
    }
    for (name, want) in expected {
        let path = dir.join(name);
        if !present.contains(name) {
            report.push_str(&format!("missing in {dir}: {name}\n"));
            continue;
        }
        let have = fs::read(&path).with_context(|| format!("reading {path}"))?;
        if &have != want {
            let have = String::from_utf8_lossy(&have);
            let want = String::from_utf8_lossy(want);
            let diff = similar::TextDiff::from_lines(have.as_ref(), want.as_ref());
            report.push_str(
                &diff
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("{path} (on disk)"), &format!("{path} (rendered)"))
                    .to_string(),
            );
        }
    }
    Ok((!report.is_empty()).then_some(report))
}
