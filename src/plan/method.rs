//! install_method=package: the distribution's patroni package.

use std::collections::BTreeMap;

use anyhow::Result;

use crate::params::Given;

/// Where the distributions' packages put Patroni.
pub const PACKAGE_BIN: &str = "/usr/bin/patroni";

/// install_method=package: the version is the package's. Unless one is
/// given, the known version of the target's package (or `latest`); a given
/// one that the package cannot have is an error now, not at install time.
pub(super) fn package_version(
    p: &mut BTreeMap<String, String>,
    t: &crate::recipe::Target,
    given: &BTreeMap<String, Given>,
) -> Result<()> {
    let known = t.patroni_package_version.as_deref();
    let version = p["patroni_version"].clone();
    match (given.get("patroni_version"), known) {
        (None, known) => {
            p.insert("patroni_version".into(), known.unwrap_or("latest").into());
        }
        (Some(g), Some(k)) if version != k && version != "latest" => {
            return Err(crate::error::usage(format!(
                "{}: patroni_version '{version}' with install_method=package: {}'s patroni package is {k}; set patroni_version={k} or latest, or use install_method=pipx",
                g.origin, t.description
            )));
        }
        _ => {}
    }
    Ok(())
}

/// install_method=package: Patroni's packages and those of its extras.
pub(super) fn packages_for(
    family: &crate::recipe::Family,
    family_name: &str,
    extras: &[String],
) -> Result<Vec<String>> {
    let mut out = family.patroni_packages.clone();
    let mut more = Vec::new();
    for e in extras {
        match family.extra_packages.get(e) {
            Some(pkgs) => more.extend(pkgs.iter().cloned()),
            None => {
                let known: Vec<&str> = family.extra_packages.keys().map(String::as_str).collect();
                return Err(crate::error::usage(format!(
                    "patroni_extras '{e}' has no {family_name} package for install_method=package; extras with one: {}",
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
