//! The plan: every value resolved for one (recipe, target, parameters).
//!
//! The plan is the contract with the templates: they see these fields and
//! nothing else, grouped as they think of them (paths, the unit, the
//! installer, the shell profile, the network, cloud-init, the lock).
//! Values are computed here once (specs, paths joined); text in a
//! language (shell, YAML, the unit) is written by the templates alone.

use anyhow::Result;
use serde::Serialize;

use crate::input::Resolved;
use crate::recipe::{Fragment, OsFamily, PackageManager, Recipe};

mod installer;
mod locks;
mod method;
mod network;
mod paths;
mod profile;
mod spec;
mod steps;
#[cfg(test)]
mod tests;
mod uv_installer;

pub use crate::input::{Backend, InstallMethod, Params};
pub use installer::{CloudInit, Installer, Unit};
pub use locks::{LockPlan, LockedReq};
pub use method::PACKAGE_BIN;
pub use network::{AptConf, Network};
pub use paths::{Paths, UserDir};
pub use profile::{Profile, BLOCK_MARKER};
pub use spec::{PatroniSpec, UnitType};
pub use steps::PlannedStep;
pub use uv_installer::{runs_uv_installer, UvInstaller, UvWheel};

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// `patroni-bake <version>`, for the header of every output.
    pub tool: String,
    /// The recipe's name, `install_patroni`.
    pub recipe: String,
    /// Canonical target name (an alias resolved), such as `rhel-9`.
    pub target: String,
    /// Human name of the target, such as `Debian 12 (bookworm)`.
    pub target_description: String,
    /// OS family: `debian` or `rhel`.
    pub family: OsFamily,
    /// `apt` or `dnf`.
    pub package_manager: PackageManager,
    /// `pipx` or `package` (the distribution's patroni package).
    pub install_method: InstallMethod,
    /// The steps of the install, in order: install.sh's functions and the
    /// Dockerfile's RUNs.
    pub steps: Vec<PlannedStep>,
    /// The OS user that owns the install and runs Patroni.
    pub user: String,
    /// Its primary group.
    pub group: String,
    /// Where things go: the user's home, pipx's places, the config dir.
    pub paths: Paths,
    /// The systemd unit.
    pub unit: Unit,
    /// What installs Patroni: pipx (and its Python), the spec, the checks.
    pub installer: Installer,
    /// The PATH block in the user's shell startup files.
    pub profile: Profile,
    /// Proxies, index and CA bundle for commands that reach the network.
    pub network: Network,
    /// What the cloud-init snippet does natively.
    pub cloud_init: CloudInit,
    /// uv and pipx, where `installer` is uv.
    pub uv: Option<UvInstaller>,
    /// The hash-locked install (`lock_dependencies`), or `None` where the
    /// dependencies float or the package manager pins them.
    pub lock: Option<LockPlan>,
    /// Every resolved parameter.
    pub params: Params,
}

/// Build the plan for `target` from its resolved parameters.
pub fn build(recipe: &Recipe, target: &str, resolved: &Resolved) -> Result<Plan> {
    let def = &recipe.def;
    let mut p = resolved.params.clone();
    let (target, t) = def.target(target)?;
    let family = &def.families[&t.family];
    if p.install_method == InstallMethod::Package {
        method::package_version(&mut p, t, &resolved.given)?;
    }
    let spec = PatroniSpec::of(&p, &resolved.extras);
    let paths = Paths::of(&p, t);
    let uv = uv_installer::uv_installer(
        recipe,
        target,
        t,
        &p,
        &paths,
        resolved.given.get("installer"),
    )?;
    let lock = locks::lock_plan(recipe, target, t, family, &p, &spec, &paths)?;
    let fragment = match (p.install_method, p.installer, &lock) {
        (InstallMethod::Package, _, _) => Fragment::Package,
        (InstallMethod::Pipx, Backend::Uv, _) => Fragment::PipxUv,
        (InstallMethod::Pipx, Backend::Pip, Some(_)) => Fragment::PipxPipLocked,
        (InstallMethod::Pipx, Backend::Pip, None) => Fragment::PipxPip,
    };
    let os_packages = method::os_packages(family, t, &p, &spec, lock.as_ref())?;
    Ok(Plan {
        tool: format!("patroni-bake {}", env!("CARGO_PKG_VERSION")),
        recipe: def.name.clone(),
        target: target.to_string(),
        target_description: t.description.clone(),
        family: t.family,
        package_manager: family.package_manager,
        install_method: p.install_method,
        steps: steps::planned_steps(def, fragment, family.pipx_source, lock.is_some()),
        user: p.pg_user.clone(),
        group: p.pg_group.clone(),
        unit: Unit::of(&p, &spec, &paths),
        cloud_init: CloudInit::of(&p, family.package_manager, &os_packages),
        installer: Installer::of(def, t, family, &p, &spec, os_packages),
        profile: Profile::standard(),
        network: Network::of(&p, family.package_manager),
        paths,
        uv,
        lock,
        params: p,
    })
}
