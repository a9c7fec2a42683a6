//! The plan: every value resolved for one (recipe, target, parameters).
//!
//! The plan is the contract with the templates: they see these fields and
//! nothing else, grouped as they think of them (paths, the unit, the
//! install, the shell profile, the network, cloud-init).
//! Values are computed here once (specs, paths joined); text in a
//! language (shell, YAML, the unit) is written by the templates alone.

use anyhow::Result;
use serde::Serialize;

use crate::input::Resolved;
use crate::recipe::{OsFamily, PackageManager, Recipe};

mod cloud_init;
mod install;
pub mod inventory;
mod locks;
mod method;
mod network;
mod paths;
mod profile;
mod spec;
mod steps;
#[cfg(test)]
mod tests;
mod unit;
mod uv_installer;

pub use crate::input::{Backend, InstallMethod, Params};
pub use cloud_init::CloudInit;
pub use install::{Install, PackageInstall, Pipx, PipxFrom, PipxFromPip, PipxPip, PipxUv};
pub use locks::{LockedReq, PatroniLock, PipLock, PipxLock};
pub use method::{OsPackages, PythonPackage, PACKAGE_BIN};
pub use network::{AptConf, Network};
pub use paths::{Paths, PipxPaths, UserDir};
pub use profile::{Profile, BLOCK_MARKER};
pub use spec::{PatroniSpec, UnitType};
pub use steps::PlannedStep;
pub use unit::Unit;
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
    /// The steps of the install, in order: install.sh's functions and the
    /// Dockerfile's RUNs.
    pub steps: Vec<PlannedStep>,
    /// The OS user that owns the install and runs Patroni.
    pub user: String,
    /// Its primary group.
    pub group: String,
    /// Where things go: the user's home, the config dir (pipx's places are
    /// the pipx installs').
    pub paths: Paths,
    /// The systemd unit.
    pub unit: Unit,
    /// What installs Patroni: one kind, with its own fields.
    pub install: Install,
    /// What the packages step installs.
    pub os_packages: OsPackages,
    /// Proxies, index and CA bundle for commands that reach the network.
    pub network: Network,
    /// What the cloud-init snippet does natively.
    pub cloud_init: CloudInit,
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
    let install = Install::of(&install::Inputs {
        recipe,
        target,
        t,
        family,
        p: &p,
        spec: &spec,
        installer_origin: resolved.given.get("installer"),
    })?;
    let os_packages = OsPackages::of(family, t, &install);
    let locked = install.patroni_lock().is_some();
    let uv = matches!(install, Install::PipxUv(_));
    Ok(Plan {
        tool: format!("patroni-bake {}", env!("CARGO_PKG_VERSION")),
        recipe: def.name.clone(),
        target: target.to_string(),
        target_description: t.description.clone(),
        family: t.family,
        package_manager: family.package_manager,
        steps: steps::planned_steps(def, install.fragment(), family.pipx_source, locked),
        user: p.pg_user.clone(),
        group: p.pg_group.clone(),
        paths: Paths::of(&p),
        unit: Unit::of(&spec, &install),
        cloud_init: CloudInit::of(&p, family.package_manager, &install, &os_packages),
        network: Network::of(&p, family.package_manager, uv),
        install,
        os_packages,
        params: p,
    })
}
