//! The OS packages an install needs: pipx (or a Python with pip) and what
//! builds locked sdists; for install_method=package, the distribution's
//! patroni package and those of its extras, and the version it has.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use super::{Install, Params};
use crate::error::usage;
use crate::recipe::version::PatroniVersion;
use crate::recipe::{Family, Target};

/// Where the distributions' packages put Patroni.
pub const PACKAGE_BIN: &str = "/usr/bin/patroni";

/// install_method=package: the version is the package's. Unless one is
/// given, the known version of the target's package (or `latest`); a given
/// one that the package cannot have is an error now, not at install time.
pub(super) fn package_version(
    p: &mut Params,
    t: &Target,
    given: &BTreeMap<String, String>,
) -> Result<()> {
    let known: Option<PatroniVersion> = match t.patroni_package_version.as_deref() {
        Some(k) => Some(k.parse().map_err(|e| {
            anyhow::anyhow!(
                "recipe.toml: {}'s patroni_package_version '{k}': {e}",
                t.description
            )
        })?),
        None => None,
    };
    let version = &p.patroni_version;
    match (given.get("patroni_version"), known) {
        (None, known) => p.patroni_version = known.unwrap_or(PatroniVersion::Latest),
        (Some(origin), Some(k)) if *version != k && *version != PatroniVersion::Latest => {
            return Err(usage(format!(
                "{origin}: patroni_version '{version}' with install_method=package: {}'s patroni package is {k}; set patroni_version={k} or latest, or use install_method=pipx",
                t.description
            )));
        }
        _ => {}
    }
    Ok(())
}

/// What the packages step installs.
#[derive(Debug, Clone, Serialize)]
pub struct OsPackages {
    /// What the package manager installs where missing: pipx (or a Python
    /// with pip), or Patroni's packages and those of its extras; and what
    /// builds the locked sdists with C code.
    pub names: Vec<String>,
    /// A Python installed only where the target lacks it (installer=uv,
    /// which takes no pipx from the package manager).
    pub python: Option<PythonPackage>,
    /// The packages enable Patroni's unit, which the step disables again:
    /// installed, not enabled, is the end state.
    pub disables_unit: bool,
}

/// The target's Python as a package.
#[derive(Debug, Clone, Serialize)]
pub struct PythonPackage {
    /// Its command (`python3.11`).
    pub command: String,
    /// The version it must report, `major.minor`.
    pub version: String,
    /// The package that installs it (on every target, the command's name).
    pub package: String,
}

impl OsPackages {
    pub(super) fn of(family: &Family, t: &Target, install: &Install) -> OsPackages {
        let sdists = install.patroni_lock().map(|l| &l.sdists);
        let mut names = match install {
            Install::Package(pkg) => pkg.packages.clone(),
            Install::PipxPip(_) => t.packages.clone(),
            Install::PipxUv(_) => Vec::new(),
        };
        // What builds the locked sdists with C code (recipe.toml's
        // sdist_build_packages), each once.
        for sdist in sdists.into_iter().flatten() {
            for pkg in family.sdist_build_packages.get(sdist).into_iter().flatten() {
                let pkg = pkg.replace("{python}", &t.python);
                if !names.contains(&pkg) {
                    names.push(pkg);
                }
            }
        }
        OsPackages {
            names,
            python: matches!(install, Install::PipxUv(_)).then(|| PythonPackage {
                command: t.python.clone(),
                version: t.python_version.clone(),
                package: t.python.clone(),
            }),
            disables_unit: matches!(install, Install::Package(_)),
        }
    }
}

/// install_method=package: Patroni's packages and those of its extras.
pub(super) fn packages_for(family: &Family, t: &Target, extras: &[String]) -> Result<Vec<String>> {
    let mut out = family.patroni_packages.clone();
    let mut more = Vec::new();
    for e in extras {
        match family.extra_packages.get(e) {
            Some(pkgs) => more.extend(pkgs.iter().cloned()),
            None => {
                let known: Vec<&str> = family.extra_packages.keys().map(String::as_str).collect();
                return Err(usage(format!(
                    "patroni_extras '{e}' has no {} package for install_method=package; extras with one: {}",
                    t.family.as_str(),
                    known.join(", ")
                )));
            }
        }
    }
    more.sort();
    more.dedup();
    out.extend(
        more.into_iter()
            .filter(|m| !family.patroni_packages.contains(m)),
    );
    Ok(out)
}
