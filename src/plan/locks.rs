//! The hash-locked install: the requirement lines a plan needs, taken from
//! the lock of the pinned Patroni version (src/recipe/uvlock.rs), their pins
//! and the files the install keeps them in.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use camino::{Utf8Path, Utf8PathBuf};
use serde::Serialize;

use super::{PatroniSpec, PipxPaths};
use crate::error::usage;
use crate::recipe::requirement::normalize_name;
use crate::recipe::uvlock::{Env, Locked, UvLock, ARCHES, PATRONI_EXTRA, PIPX_EXTRA, SHARED_EXTRA};
use crate::recipe::{Recipe, Target};

/// Patroni's lock as a pipx install keeps it: the lines, their files on
/// the target and what the venv holds when it matches.
#[derive(Debug, Clone, Serialize)]
pub struct PatroniLock {
    /// pipx's shared libraries' lock, as a file on the target.
    pub shared_lock_file: Utf8PathBuf,
    /// Patroni's lock, as a file on the target.
    pub patroni_lock_file: Utf8PathBuf,
    /// The shared libraries' locked requirements, by name (with
    /// installer=uv, the build constraints of sdists).
    pub shared: Vec<LockedReq>,
    /// Patroni's (with its extras' closure), by name.
    pub patroni: Vec<LockedReq>,
    /// What the install's listing of `site_packages` prints when it
    /// matches Patroni's lock: sorted `name==version`.
    pub patroni_pins: Vec<String>,
    /// site-packages of Patroni's venv.
    pub site_packages: Utf8PathBuf,
    /// Packages whose locked file is an sdist (built at install time).
    #[serde(skip)]
    pub sdists: BTreeSet<String>,
}

/// installer=pip's lock: Patroni's, and pipx's shared venv made from it.
#[derive(Debug, Clone, Serialize)]
pub struct PipLock {
    #[serde(flatten)]
    pub patroni: PatroniLock,
    /// Where every locked file is downloaded and hash-checked; pipx then
    /// installs from there with no index. Removed after the install.
    pub download_dir: Utf8PathBuf,
    /// What the listing of `shared_site_packages` prints when it matches
    /// the lock.
    pub shared_pins: Vec<String>,
    /// The Python of pipx's shared venv, which runs the locked pip.
    pub shared_python: Utf8PathBuf,
    /// site-packages of pipx's shared venv.
    pub shared_site_packages: Utf8PathBuf,
    /// pip options that choose where files come from: `--no-index
    /// --find-links DIR` for a wheelhouse, else none (the index).
    pub pip_source_args: Vec<String>,
}

/// pipx's own lock, where pipx comes from PyPI.
#[derive(Debug, Clone, Serialize)]
pub struct PipxLock {
    /// Its locked requirements, by name.
    pub reqs: Vec<LockedReq>,
    /// The lock as a file on the target.
    pub file: Utf8PathBuf,
}

/// One locked requirement: the templates write it as pip's
/// `name==version --hash=sha256:…` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockedReq {
    /// The name as the lock spells it.
    pub name: String,
    pub version: String,
    /// sha256 of each file the targets may take (one per architecture,
    /// or one where they take the same file), sorted.
    pub hashes: Vec<String>,
}

impl LockedReq {
    /// pip's requirements-file line, for tools that hand the lock to pip.
    pub fn line(&self) -> String {
        let hashes: Vec<String> = self
            .hashes
            .iter()
            .map(|h| format!("--hash=sha256:{h}"))
            .collect();
        format!("{}=={} {}", self.name, self.version, hashes.join(" "))
    }

    /// `name==version` with the name normalized, as the install's
    /// listing of a site-packages directory prints it.
    fn pin(&self) -> String {
        format!("{}=={}", normalize_name(&self.name), self.version)
    }
}

/// The locked lines of one install: Patroni `version` with `spec`'s
/// extras on `target`, pipx's shared libraries, and pipx itself when
/// `with_pipx`.
pub(super) fn locked(
    recipe: &Recipe,
    target: &str,
    t: &Target,
    spec: &PatroniSpec,
    with_pipx: bool,
) -> Result<Requirements> {
    let Some(version) = &spec.pinned else {
        return Err(usage(
            "patroni_version 'latest' cannot be locked: pin a version (see `patroni-bake params`), or set lock_dependencies=false",
        ));
    };
    requirements(
        recipe,
        target,
        t,
        &version.to_string(),
        &spec.extras,
        with_pipx,
    )
}

impl PatroniLock {
    pub(super) fn of(reqs: &Requirements, paths: &PipxPaths) -> PatroniLock {
        let dir = &paths.lock_dir;
        PatroniLock {
            shared_lock_file: dir.join("shared-requirements.txt"),
            patroni_lock_file: dir.join("patroni-requirements.txt"),
            shared: reqs.shared.clone(),
            patroni: reqs.patroni.clone(),
            patroni_pins: pins(&reqs.patroni),
            site_packages: paths.site_packages(&paths.venv),
            sdists: reqs.sdists.clone(),
        }
    }
}

impl PipLock {
    pub(super) fn of(
        reqs: &Requirements,
        paths: &PipxPaths,
        wheelhouse: Option<&Utf8Path>,
    ) -> PipLock {
        let shared = paths.pipx_home.join("shared");
        PipLock {
            patroni: PatroniLock::of(reqs, paths),
            download_dir: paths.lock_dir.join("downloads"),
            shared_pins: pins(&reqs.shared),
            shared_python: shared.join("bin/python"),
            shared_site_packages: paths.site_packages(&shared),
            pip_source_args: pip_source_args(wheelhouse),
        }
    }
}

/// pip's (and uv pip's) options that choose where files come from:
/// `--no-index --find-links DIR` for a wheelhouse, else none (the index).
pub(super) fn pip_source_args(wheelhouse: Option<&Utf8Path>) -> Vec<String> {
    match wheelhouse {
        None => Vec::new(),
        Some(w) => vec!["--no-index".into(), "--find-links".into(), w.to_string()],
    }
}

impl PipxLock {
    pub(super) fn of(reqs: &Requirements, paths: &PipxPaths) -> PipxLock {
        PipxLock {
            reqs: reqs.pipx.clone(),
            file: paths.lock_dir.join("pipx-requirements.txt"),
        }
    }
}

/// The requirement lines of one install, by what they install.
#[derive(Debug, Clone, Default)]
pub(super) struct Requirements {
    pub shared: Vec<LockedReq>,
    pub pipx: Vec<LockedReq>,
    pub patroni: Vec<LockedReq>,
    /// Packages whose locked file is an sdist (built at install time).
    pub sdists: BTreeSet<String>,
}

/// The lines for Patroni `version` with `extras` on `target`, pipx's shared
/// libraries, and pipx itself when `with_pipx`.
fn requirements(
    recipe: &Recipe,
    target: &str,
    t: &Target,
    version: &str,
    extras: &[String],
    with_pipx: bool,
) -> Result<Requirements> {
    let lock = recipe.locks.get(version).ok_or_else(|| {
        let have: Vec<&str> = recipe.locks.keys().map(String::as_str).collect();
        usage(format!(
            "no lock for Patroni {version}: the built-in lock is for {}; make one with `patroni-bake lock --set patroni_version={version} --out patroni-{version}.uv.lock` (it needs uv and the package index), then render with --lock patroni-{version}.uv.lock; or set lock_dependencies=false to let dependencies float",
            have.join(", ")
        ))
    })?;
    check_extras_of(recipe, lock, version, extras)?;
    let mut patroni: Vec<&str> = vec![PATRONI_EXTRA];
    patroni.extend(extras.iter().map(String::as_str));
    let mut sdists = BTreeSet::new();
    let mut take = |choices: &[&str]| {
        let (lines, s) = lines(lock, choices, t)?;
        sdists.extend(s);
        Ok::<_, anyhow::Error>(lines)
    };
    let patroni_lines = take(&patroni).map_err(|e| {
        // Name the extra that cannot be locked here, where one can be.
        let culprit = extras
            .iter()
            .find(|x| lines(lock, &[PATRONI_EXTRA, x.as_str()], t).is_err());
        match culprit {
            Some(x) => usage(format!(
                "the extra '{x}' cannot be installed locked on {target} (Python {}): {e:#}",
                t.python_version
            )),
            None => usage(format!("Patroni {version} on {target}: {e:#}")),
        }
    })?;
    let shared = take(&[SHARED_EXTRA])?;
    let pipx = if with_pipx {
        take(&[PIPX_EXTRA])?
    } else {
        Vec::new()
    };
    Ok(Requirements {
        shared,
        pipx,
        patroni: patroni_lines,
        sdists,
    })
}

/// Every chosen extra is one that the locked version has: pip would only
/// warn about another and install Patroni without it, which the smoke
/// import would then fail on the host (4.0.x has no `systemd` extra).
fn check_extras_of(recipe: &Recipe, lock: &UvLock, version: &str, extras: &[String]) -> Result<()> {
    // A lock made before `patroni-bake lock` recorded them cannot say.
    let Some(missing) = lock.lacking_extras() else {
        return Ok(());
    };
    let lacking: Vec<&str> = extras
        .iter()
        .map(String::as_str)
        .filter(|e| missing.iter().any(|m| m == e))
        .collect();
    if lacking.is_empty() {
        return Ok(());
    }
    let has: Vec<&str> = recipe
        .def
        .patroni_extras
        .iter()
        .map(String::as_str)
        .filter(|e| !missing.iter().any(|m| m == e))
        .collect();
    Err(usage(format!(
        "patroni_extras: Patroni {version} (as locked) has no extra {}; its extras are: {}. Leave it out, or lock a version that has it (patroni-bake lock)",
        lacking
            .iter()
            .map(|e| format!("'{e}'"))
            .collect::<Vec<_>>()
            .join(", "),
        has.join(", ")
    )))
}

/// The closure of `choices`, one hash per architecture (one, where both
/// take the same file), and the packages whose file is an sdist.
pub(super) fn lines(
    lock: &UvLock,
    choices: &[&str],
    t: &Target,
) -> Result<(Vec<LockedReq>, BTreeSet<String>)> {
    let mut sdists = BTreeSet::new();
    let mut by_name: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    let mut first: Option<Vec<(String, String)>> = None;
    for arch in ARCHES {
        let env = Env {
            python: t.python_version.clone(),
            python_full: t.python_full_version.clone(),
            arch: arch.to_string(),
        };
        let closure: Vec<Locked> = lock.closure(choices, &env)?;
        let pins: Vec<(String, String)> = closure
            .iter()
            .map(|l| (l.name.clone(), l.version.clone()))
            .collect();
        match &first {
            None => first = Some(pins),
            Some(f) if *f != pins => anyhow::bail!(
                "the lock resolves differently on {} and {arch}, which one requirements file cannot say",
                ARCHES[0]
            ),
            Some(_) => {}
        }
        for l in closure {
            if l.sdist {
                sdists.insert(l.name.clone());
            }
            let entry = by_name.entry(l.name).or_insert((l.version, Vec::new()));
            if !entry.1.contains(&l.sha256) {
                entry.1.push(l.sha256);
            }
        }
    }
    let lines = by_name
        .into_iter()
        .map(|(name, (version, mut hashes))| {
            hashes.sort();
            LockedReq {
                name,
                version,
                hashes,
            }
        })
        .collect();
    Ok((lines, sdists))
}

/// Sorted `name==version`, as the install's site-packages listing prints.
pub(super) fn pins(reqs: &[LockedReq]) -> Vec<String> {
    let mut pins: Vec<String> = reqs.iter().map(LockedReq::pin).collect();
    pins.sort();
    pins
}
