//! installer=uv: uv and pipx, hash-locked (recipe's uv-installer.uv.lock),
//! in a venv of their own; pipx's uv backend then makes Patroni's venv.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use super::locks::{lines, pins, LockedReq};
use super::{Backend, InstallMethod, Params, Paths};
use crate::error::usage;
use crate::recipe::uvlock::{Env, ARCHES, UV_EXTRA};
use crate::recipe::{Recipe, RecipeDef, Target};

/// uv and pipx for installer=uv.
#[derive(Debug, Clone, Serialize)]
pub struct UvInstaller {
    /// Their venv, `PIPX_HOME/patroni-bake-uv` (made by uv, as the user).
    pub venv: String,
    /// Its interpreter.
    pub python: String,
    /// The pipx that makes Patroni's venv.
    pub pipx: String,
    /// site-packages of that venv.
    pub site_packages: String,
    /// Where uv's wheel is fetched and unpacked before the venv exists;
    /// removed after.
    pub bootstrap_dir: String,
    /// Their lock on the target, kept in the venv as its record.
    pub lock_file: String,
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
    let v = |s: &str| -> Vec<u32> { s.split('.').map(|n| n.parse().unwrap_or(0)).collect() };
    v(&t.python_version) >= v(&def.uv_installer_min_python)
}

/// uv and pipx, where `installer` is uv; the choices it cannot go with are
/// refused here.
pub(super) fn uv_installer(
    recipe: &Recipe,
    target: &str,
    t: &Target,
    p: &Params,
    paths: &Paths,
    origin: Option<&String>,
) -> Result<Option<UvInstaller>> {
    if p.installer != Backend::Uv {
        return Ok(None);
    }
    let origin = origin.map_or("installer".to_string(), |o| format!("{o}: installer"));
    if p.install_method == InstallMethod::Package {
        return Err(usage(format!("{origin} 'uv' is for install_method=pipx: install_method=package takes Patroni from the package manager; set installer=pip")));
    }
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
    let venv = paths.uv_venv.clone();
    let mut source_env = BTreeMap::new();
    if !p.wheelhouse.is_empty() {
        // uv's --no-index has no variable (pipx passes none of its own);
        // offline, uv reads the find-links directory and nothing else.
        source_env.insert("UV_OFFLINE".to_string(), "1".to_string());
        source_env.insert("UV_FIND_LINKS".to_string(), p.wheelhouse.clone());
    }
    Ok(Some(UvInstaller {
        python: format!("{venv}/bin/python"),
        pipx: format!("{venv}/bin/pipx"),
        site_packages: format!("{venv}/{}", paths.site_suffix),
        bootstrap_dir: format!("{}/patroni-bake-uv-bootstrap", p.pipx_home),
        lock_file: format!("{venv}/patroni-bake-requirements.txt"),
        pins: pins(&reqs),
        rest: reqs.iter().filter(|r| r.name != "uv").cloned().collect(),
        uv_version: reqs
            .iter()
            .find(|r| r.name == "uv")
            .map(|r| r.version.clone())
            .unwrap_or_default(),
        reqs,
        wheels,
        source_env,
        venv,
    }))
}
