//! installer=uv: uv and pipx, hash-locked (recipe's uv-installer.uv.lock),
//! in a venv of their own; pipx's uv backend then makes Patroni's venv.

use std::collections::BTreeMap;

use anyhow::Result;
use camino::Utf8PathBuf;
use serde::Serialize;

use super::locks::{lines, pins, pip_source_args, LockedReq};
use super::{Params, PipxPaths};
use crate::error::usage;
use crate::recipe::uvlock::{Env, UvLock, ARCHES, UV_EXTRA};
use crate::recipe::version::python_at_least;
use crate::recipe::{Recipe, RecipeDef, Target};

/// uv and pipx for installer=uv.
#[derive(Debug, Clone, Serialize)]
pub struct UvInstaller {
    /// Their venv, `PIPX_HOME/patroni-bake-uv` (made by uv, as the user).
    pub venv: Utf8PathBuf,
    /// Its interpreter.
    pub python: Utf8PathBuf,
    /// The pipx that makes Patroni's venv.
    pub pipx: Utf8PathBuf,
    /// site-packages of that venv.
    pub site_packages: Utf8PathBuf,
    /// Where uv's wheel is fetched and unpacked before the venv exists;
    /// removed after.
    pub bootstrap_dir: Utf8PathBuf,
    /// Their lock on the target, kept in the venv as its record.
    pub lock_file: Utf8PathBuf,
    /// Their locked requirements, by name.
    pub reqs: Vec<LockedReq>,
    /// The same without uv, whose wheel is installed from the file the
    /// bootstrap fetched and checked.
    pub rest: Vec<LockedReq>,
    /// uv's locked version.
    pub uv_version: String,
    /// What the venv's listing prints when it matches the lock.
    pub pins: Vec<String>,
    /// uv's own wheel for each architecture: fetched and checked against
    /// its hash by the target's Python before anything of it runs.
    pub wheels: Vec<UvWheel>,
    /// The private index uv's wheel is fetched from, if any (else the
    /// lock's URL).
    pub index: Option<String>,
    /// The wheelhouse uv's wheel is taken from, if any.
    pub wheelhouse: Option<Utf8PathBuf>,
    /// uv pip's options that choose where the locked files come from (see
    /// the pip lock's).
    pub pip_source_args: Vec<String>,
    /// Environment of pipx (and so of uv) for Patroni's venv: where files
    /// come from (`UV_OFFLINE`, `UV_FIND_LINKS` for a wheelhouse).
    pub source_env: BTreeMap<String, String>,
}

/// uv's wheel for one architecture.
#[derive(Debug, Clone, Serialize)]
pub struct UvWheel {
    /// `uname -m`: `x86_64`, `aarch64`.
    pub arch: String,
    /// The wheel's file name (in a wheelhouse, or on a private index).
    pub filename: String,
    /// The URL the lock names (the default index).
    pub url: String,
    pub sha256: String,
}

/// The target's Python runs the locked pipx (its uv backend).
pub fn runs_uv_installer(def: &RecipeDef, t: &Target) -> bool {
    python_at_least(&t.python_version, &def.uv_installer_min_python)
}

/// uv and pipx for installer=uv (`origin` names where it was given); the
/// choices it cannot go with are refused here.
pub(super) fn uv_installer(
    recipe: &Recipe,
    target: &str,
    t: &Target,
    p: &Params,
    paths: &PipxPaths,
    origin: &str,
) -> Result<UvInstaller> {
    if !p.lock_dependencies {
        return Err(usage(format!("{origin} 'uv' installs uv, pipx and Patroni from the lock, by hash: drop lock_dependencies=false, or set installer=pip")));
    }
    let def = &recipe.def;
    if !runs_uv_installer(def, t) {
        return Err(usage(format!(
            "{origin} 'uv' on {target}: pipx's uv backend needs Python >= {}, and {target}'s {} is {}; use installer=pip there",
            def.uv_installer_min_python, t.python, t.python_version
        )));
    }
    let lock = recipe.uv_installer_lock.as_ref().ok_or_else(|| {
        usage("installer 'uv': this recipe has no uv-installer.uv.lock; make it with `patroni-bake lock --uv-installer --recipes DIR`")
    })?;
    let (reqs, _) = lines(lock, &[UV_EXTRA], t)
        .map_err(|e| usage(format!("the uv-installer lock on {target}: {e:#}")))?;
    let wheels = uv_wheels(lock, t)?;
    let venv = paths.uv_venv.clone();
    let mut source_env = BTreeMap::new();
    if let Some(wheelhouse) = &p.wheelhouse {
        // uv's --no-index has no variable (pipx passes none of its own);
        // offline, uv reads the find-links directory and nothing else.
        source_env.insert("UV_OFFLINE".to_string(), "1".to_string());
        source_env.insert("UV_FIND_LINKS".to_string(), wheelhouse.to_string());
    }
    Ok(UvInstaller {
        python: venv.join("bin/python"),
        pipx: venv.join("bin/pipx"),
        site_packages: paths.site_packages(&venv),
        bootstrap_dir: p.pipx_home.join("patroni-bake-uv-bootstrap"),
        lock_file: venv.join("patroni-bake-requirements.txt"),
        pins: pins(&reqs),
        rest: reqs.iter().filter(|r| r.name != "uv").cloned().collect(),
        uv_version: reqs
            .iter()
            .find(|r| r.name == "uv")
            .map(|r| r.version.clone())
            .unwrap_or_default(),
        reqs,
        wheels,
        pip_source_args: pip_source_args(p.wheelhouse.as_deref()),
        index: p.pip_index_url.clone(),
        wheelhouse: p.wheelhouse.clone(),
        source_env,
        venv,
    })
}

/// uv's own wheel for each architecture, from the uv-installer lock.
fn uv_wheels(lock: &UvLock, t: &Target) -> Result<Vec<UvWheel>> {
    let mut wheels = Vec::new();
    for arch in ARCHES {
        let env = Env {
            python: t.python_version.clone(),
            python_full: t.python_full_version.clone(),
            arch: arch.to_string(),
        };
        let uv = lock
            .closure(&[UV_EXTRA], &env)?
            .into_iter()
            .find(|l| l.name == "uv" && !l.sdist)
            .ok_or_else(|| usage(format!("the uv-installer lock has no uv wheel for {arch}")))?;
        wheels.push(UvWheel {
            arch: arch.to_string(),
            filename: uv.url.rsplit('/').next().unwrap_or_default().to_string(),
            url: uv.url,
            sha256: uv.sha256,
        });
    }
    Ok(wheels)
}
