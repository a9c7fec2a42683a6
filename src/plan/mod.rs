//! The plan: every value resolved for one (recipe, target, parameters).
//!
//! The plan is the contract with the templates: they see these fields and
//! nothing else. Everything a template would have to compute (specs, paths
//! joined, the PATH block) is computed here, once, in Rust.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use crate::input::params::{Given, Validation};
use crate::recipe::{OsFamily, PackageManager, PipxSource, Recipe};

mod locks;
mod method;
mod network;
mod params;
mod profile;
mod spec;
mod steps;
#[cfg(test)]
mod tests;

pub use locks::LockPlan;
pub use method::PACKAGE_BIN;
pub use network::AptConf;
pub use params::{InstallMethod, Params};
pub use profile::{UserDir, BLOCK_MARKER};
pub use spec::{PatroniSpec, UnitType};
pub use steps::PlannedStep;

/// Where the systemd unit is installed.
pub const UNIT_PATH: &str = "/etc/systemd/system/patroni.service";
/// Where the unit file lives.
pub const UNIT_DIR: &str = "/etc/systemd/system";

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
    /// Packages the package manager installs: pipx, or a Python with pip;
    /// for `package`, Patroni's packages and those of its extras.
    pub os_packages: Vec<String>,
    /// The largest cloud-init snippet, in bytes (`cloud_init_limit`): the
    /// readable snippet when it fits, else the script gzip-compressed.
    pub cloud_init_limit: usize,
    /// Packages that cloud-init's own `packages` module installs: none for
    /// `package`, whose install must also undo the package's enablement.
    pub cloud_init_packages: Vec<String>,
    /// cloud-init's `apt` module settings (proxies, CA bundle), where apt
    /// needs any.
    pub cloud_init_apt: Option<AptConf>,
    /// The executable the unit starts: in `bin_dir` (pipx) or the
    /// package's `/usr/bin/patroni`.
    pub patroni_bin: String,
    /// Where pipx comes from: `os-package` or `pip-user`.
    pub pipx_source: PipxSource,
    /// pip requirement for pipx when `pipx_source` is `pip-user`.
    pub pipx_pip_spec: String,
    /// The version in `pipx_pip_spec`: what `pipx --version` prints.
    pub pipx_version: String,
    /// Interpreter that runs pipx (`python3`, `python3.11`).
    pub python: String,
    /// Its version, `major.minor`: the Python the locks were made for.
    pub python_version: String,
    /// The OS user that owns the install and runs Patroni.
    pub user: String,
    /// Its primary group.
    pub group: String,
    /// Its home directory (`HOME` for every command run as the user).
    pub home: String,
    /// Where pipx links `patroni` and `patronictl` (`PIPX_BIN_DIR`).
    pub bin_dir: String,
    /// `PIPX_HOME`.
    pub pipx_home: String,
    /// The venv that pipx creates for Patroni.
    pub venv: String,
    /// Patroni's configuration directory, 0700 user:group.
    pub config_dir: String,
    /// `owner:group mode` that `stat -c '%U:%G %a'` prints for config_dir.
    pub config_dir_stat: String,
    /// The configuration file the unit passes to Patroni.
    pub config_file: String,
    /// Path of the unit file.
    pub unit_path: String,
    /// Directory of the unit file.
    pub unit_dir: String,
    /// The unit's `Type=`: `notify` needs Patroni >= 4.1 and the systemd
    /// extra; otherwise `simple`.
    pub unit_type: UnitType,
    /// Pinned Patroni version, or `None` for `latest`.
    pub patroni_version: Option<String>,
    /// The requirement pipx installs, extras sorted as pipx records them:
    /// `patroni[etcd,psycopg2-binary]==4.1.5`.
    pub patroni_spec: String,
    /// The `"package_or_url": …` line of pipx's metadata for this spec.
    pub pipx_metadata_line: String,
    /// What `patroni --version` prints for the pinned version.
    pub version_line: Option<String>,
    /// Python modules of the chosen extras, imported once after an install.
    pub smoke_modules: Vec<String>,
    /// Directories that must exist before pipx runs, owned by the user.
    /// Those inside `home` are created by the user; others by root.
    pub user_dirs: Vec<UserDir>,
    /// Shell startup files that get the PATH block, relative to `home`:
    /// always `.profile` (login sh and bash without `.bash_profile`) and
    /// `.bashrc` (interactive bash); bash's own login files where present.
    pub profile_files: Vec<String>,
    /// Login files of bash that get the block only when they exist.
    pub bash_login_files: Vec<String>,
    /// Lines of the PATH block, each ending in [`BLOCK_MARKER`]; values in
    /// them are already shell-quoted for the shell that reads the file.
    pub path_block: Vec<String>,
    /// The marker that ends each managed line.
    pub block_marker: String,
    /// Environment for commands that reach the network (the package
    /// manager, pip): proxies, index URL and CA bundle. Empty ones left out.
    pub net_env: BTreeMap<String, String>,
    /// Package-manager options: quiet, lock timeout and retries, a CA bundle.
    pub package_manager_args: Vec<String>,
    /// In the user's home: the lock files the install was given (kept, as
    /// the record of what it installed) and, during the install, downloads.
    pub lock_dir: String,
    /// Where an upgrade keeps the previous install (venv, pipx's shared
    /// libraries, locks) until the new one is verified; restored on failure.
    pub previous_dir: String,
    /// The hash-locked install (`lock_dependencies`), or `None` where the
    /// dependencies float or the package manager pins them.
    pub lock: Option<LockPlan>,
    /// Every resolved parameter.
    pub params: Params,
}

/// Build the plan for `target` from the given values.
pub fn build(
    recipe: &Recipe,
    target: &str,
    given: &BTreeMap<String, Given>,
    validation: Validation,
) -> Result<Plan> {
    let def = &recipe.def;
    let resolved = crate::input::params::resolve(def, target, given, validation)?;
    let mut p = Params::from_map(&resolved)?;
    let (target, t) = def.target(target)?;
    let family = &def.families[&t.family];
    let by_package = p.install_method == InstallMethod::Package;
    if by_package {
        method::package_version(&mut p, t, given)?;
    }
    let spec = PatroniSpec::of(def, &p, validation)?;
    let paths = profile::Paths::of(&p, t);
    let lock = locks::lock_plan(recipe, target, t, family, &p, &spec, &paths)?;
    let os_packages = method::os_packages(family, t, &p, &spec, lock.as_ref())?;
    let (net_env, package_manager_args) = network::settings(&p, family.package_manager);
    Ok(Plan {
        tool: format!("patroni-bake {}", env!("CARGO_PKG_VERSION")),
        recipe: def.name.clone(),
        target: target.to_string(),
        target_description: t.description.clone(),
        family: t.family,
        package_manager: family.package_manager,
        install_method: p.install_method,
        steps: steps::planned_steps(def, p.install_method, family.pipx_source, lock.is_some()),
        cloud_init_limit: p.cloud_init_limit,
        cloud_init_packages: if by_package {
            Vec::new()
        } else {
            os_packages.clone()
        },
        cloud_init_apt: network::apt_conf(&p, family.package_manager),
        os_packages,
        patroni_bin: if by_package {
            PACKAGE_BIN.to_string()
        } else {
            format!("{}/patroni", paths.bin_dir)
        },
        pipx_source: family.pipx_source,
        pipx_pip_spec: def.pipx_pip_spec.clone(),
        pipx_version: spec::pipx_version(&def.pipx_pip_spec),
        python: t.python.clone(),
        python_version: t.python_version.clone(),
        user: p.pg_user.clone(),
        group: p.pg_group.clone(),
        config_dir_stat: format!("{}:{} 700", p.pg_user, p.pg_group),
        unit_path: UNIT_PATH.to_string(),
        unit_dir: UNIT_DIR.to_string(),
        unit_type: spec.unit_type(),
        pipx_metadata_line: format!("\"package_or_url\": \"{}\"", spec.requirement),
        version_line: spec.pinned.as_ref().map(|v| format!("patroni {v}")),
        patroni_version: spec.pinned.clone(),
        smoke_modules: spec::smoke_modules(def, &spec.extras),
        patroni_spec: spec.requirement,
        user_dirs: paths.user_dirs(),
        profile_files: vec![".profile".into(), ".bashrc".into()],
        bash_login_files: vec![".bash_profile".into(), ".bash_login".into()],
        path_block: profile::path_block(&paths),
        block_marker: BLOCK_MARKER.to_string(),
        net_env,
        package_manager_args,
        lock,
        home: paths.home,
        bin_dir: paths.bin_dir,
        pipx_home: paths.pipx_home,
        venv: paths.venv,
        config_file: format!("{}/patroni.yaml", paths.config_dir),
        config_dir: paths.config_dir,
        lock_dir: paths.lock_dir,
        previous_dir: paths.previous_dir,
        params: p,
    })
}
