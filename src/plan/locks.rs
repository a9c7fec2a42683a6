//! The locked requirement lines a plan needs, taken from the lock of the
//! pinned Patroni version (src/uvlock.rs), and their pins.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;

use crate::error::usage;
use crate::recipe::{Recipe, Target};
use crate::uvlock::{Env, Locked, UvLock, ARCHES, PATRONI_EXTRA, PIPX_EXTRA, SHARED_EXTRA};

/// The requirement lines of one install, by what they install.
#[derive(Debug, Clone, Default)]
pub(super) struct Requirements {
    pub shared: Vec<String>,
    pub pipx: Vec<String>,
    pub patroni: Vec<String>,
    /// Packages whose locked file is an sdist (built at install time).
    pub sdists: BTreeSet<String>,
}

/// The lines for Patroni `version` with `extras` on `target`, pipx's shared
/// libraries, and pipx itself when `with_pipx`.
pub(super) fn requirements(
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

/// `name==version --hash=…` for the closure of `choices`, one hash per
/// architecture (one, where both take the same file), and the packages
/// whose file is an sdist.
fn lines(lock: &UvLock, choices: &[&str], t: &Target) -> Result<(Vec<String>, BTreeSet<String>)> {
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
            let hashes: Vec<String> = hashes
                .iter()
                .map(|h| format!("--hash=sha256:{h}"))
                .collect();
            format!("{name}=={version} {}", hashes.join(" "))
        })
        .collect();
    Ok((lines, sdists))
}

/// Sorted `name==version `, as the install's site-packages listing prints.
pub(super) fn pins(lines: &[String]) -> Result<String> {
    let mut pins = lines
        .iter()
        .map(|l| crate::lock::LockedDist::parse(l).map(|d| d.pin()))
        .collect::<Result<Vec<_>>>()?;
    pins.sort();
    Ok(pins.iter().map(|p| format!("{p} ")).collect())
}
