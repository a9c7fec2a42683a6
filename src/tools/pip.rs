//! `patroni-bake wheelhouse`: download every file a target's locks name into
//! a directory, for installs with no index (the `wheelhouse` parameter).
//!
//! pip does the downloading, with `--require-hashes`, so that a wheelhouse
//! holds exactly the files the locks allow; it asks for the target's Python
//! and platform, not the machine's own.

use std::process::Command;

use anyhow::{bail, Context, Result};
use camino::Utf8Path;

use crate::error::usage;
use crate::plan::{Install, PipxFrom, PipxFromPip, PipxPip, PipxUv, Plan};

/// Fill `out` with the files of `plan`'s locks for Linux on `arch`.
pub fn fill(plan: &Plan, out: &Utf8Path, arch: &str) -> Result<()> {
    let (Some(lock), Some(pipx)) = (plan.install.patroni_lock(), plan.install.pipx()) else {
        return Err(usage(
            "a wheelhouse holds the locked files: drop lock_dependencies=false",
        ));
    };
    std::fs::create_dir_all(out).with_context(|| format!("creating {out}"))?;
    let py = pipx.python_version.clone();
    let cp = crate::recipe::uvlock::cpython_tag(&py);
    let (pipx_reqs, uv): (&[_], &[_]) = match &plan.install {
        Install::PipxPip(PipxPip {
            pipx_from: PipxFrom::PipUser(PipxFromPip { lock: Some(l), .. }),
            ..
        }) => (&l.reqs, &[]),
        Install::PipxUv(PipxUv { uv, .. }) => (&[], &uv.reqs),
        _ => (&[], &[]),
    };
    for (what, lines) in [
        ("pipx's shared libraries", &lock.shared[..]),
        ("pipx", pipx_reqs),
        ("uv and pipx (installer=uv)", uv),
        ("Patroni", &lock.patroni[..]),
    ] {
        if lines.is_empty() {
            continue;
        }
        let lines: Vec<String> = lines.iter().map(|r| r.line()).collect();
        let req = out.join(format!(".patroni-bake-requirements.{}", std::process::id()));
        std::fs::write(&req, lines.join("\n") + "\n").with_context(|| format!("writing {req}"))?;
        let mut cmd = Command::new("python3");
        cmd.args([
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(["--no-deps", "--require-hashes", "--dest", out.as_str()])
        .args(["--requirement", req.as_str()])
        .args(["--python-version", &py, "--implementation", "cp"])
        .args(["--abi", &cp, "--abi", "abi3", "--abi", "none"]);
        // pip takes each platform tag literally: every manylinux level the
        // locked wheels may carry is named.
        for tag in platform_tags(arch) {
            cmd.args(["--platform", &tag]);
        }
        let status = cmd
            .status()
            .context("running python3 -m pip (python3 with pip is needed)");
        let _ = std::fs::remove_file(&req);
        let status = status?;
        if !status.success() {
            bail!("pip could not download {what}'s locked files for {} ({status}); its message is above", plan.target);
        }
    }
    Ok(())
}

/// manylinux tags a glibc-2.28 system accepts, newest first.
fn platform_tags(arch: &str) -> Vec<String> {
    let mut tags: Vec<String> = (5..=28)
        .rev()
        .map(|minor| format!("manylinux_2_{minor}_{arch}"))
        .collect();
    tags.push(format!("manylinux2014_{arch}"));
    if arch == "x86_64" {
        tags.push("manylinux2010_x86_64".into());
        tags.push("manylinux1_x86_64".into());
    }
    tags.push(format!("linux_{arch}"));
    tags
}
