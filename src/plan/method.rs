//! The OS packages an install needs: pipx (or a Python with pip) and what
//! builds locked sdists; for install_method=package, the distribution's
//! patroni package and those of its extras.

use std::collections::BTreeMap;

use anyhow::Result;

use super::{Backend, InstallMethod, LockPlan, Params, PatroniSpec};
use crate::error::usage;
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
    let known = t.patroni_package_version.as_deref();
    let version = p.patroni_version.clone();
    match (given.get("patroni_version"), known) {
        (None, known) => p.patroni_version = known.unwrap_or("latest").into(),
        (Some(origin), Some(k)) if version != k && version != "latest" => {
            return Err(usage(format!(
                "{origin}: patroni_version '{version}' with install_method=package: {}'s patroni package is {k}; set patroni_version={k} or latest, or use install_method=pipx",
                t.description
            )));
        }
        _ => {}
    }
    Ok(())
}

/// What the package manager installs.
pub(super) fn os_packages(
    family: &Family,
    t: &Target,
    p: &Params,
    spec: &PatroniSpec,
    lock: Option<&LockPlan>,
) -> Result<Vec<String>> {
    if p.install_method == InstallMethod::Package {
        return packages_for(family, t, &spec.extras);
    }
    // installer=uv needs no pipx from the package manager; its Python is
    // Installer::python_package.
    let mut packages = match p.installer {
        Backend::Pip => t.packages.clone(),
        Backend::Uv => Vec::new(),
    };
    // What builds the locked sdists with C code (recipe.toml's
    // sdist_build_packages), each once.
    for sdist in lock.iter().flat_map(|l| &l.sdists) {
        for pkg in family.sdist_build_packages.get(sdist).into_iter().flatten() {
            let pkg = pkg.replace("{python}", &t.python);
            if !packages.contains(&pkg) {
                packages.push(pkg);
            }
        }
    }
    Ok(packages)
}

/// install_method=package: Patroni's packages and those of its extras.
fn packages_for(family: &Family, t: &Target, extras: &[String]) -> Result<Vec<String>> {
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
