//! What installs Patroni (pipx and its Python, the spec and how an install
//! is recognised), the unit that runs it, and what cloud-init does natively.

use serde::Serialize;

use super::method::PACKAGE_BIN;
use super::network::{apt_conf, AptConf};
use super::spec::{pipx_version, smoke_modules, PatroniSpec, UnitType};
use super::{Backend, InstallMethod, Params, Paths};
use crate::recipe::{Family, PackageManager, PipxSource, RecipeDef, Target};

/// Where the systemd unit is installed.
const UNIT_DIR: &str = "/etc/systemd/system";

/// pipx, the Python that runs it, and the requirement it installs.
#[derive(Debug, Clone, Serialize)]
pub struct Installer {
    /// pipx's backend, which makes Patroni's venv: `pip` or `uv`.
    pub backend: Backend,
    /// Packages the package manager installs: pipx, or a Python with pip;
    /// for `package`, Patroni's packages and those of its extras; for
    /// installer=uv, only what builds locked sdists with C code.
    pub os_packages: Vec<String>,
    /// installer=uv: the package of the target's Python, installed only
    /// where that Python is not there.
    pub python_package: Option<String>,
    /// Where pipx comes from: `os-package` or `pip-user`.
    pub pipx_source: PipxSource,
    /// pip requirement for pipx when `pipx_source` is `pip-user`.
    pub pipx_pip_spec: String,
    /// The command that runs pipx: `pipx`, or `python3 -m pipx` where it
    /// comes from pip.
    pub pipx_command: Vec<String>,
    /// The version in `pipx_pip_spec`: what `pipx --version` prints.
    pub pipx_version: String,
    /// Interpreter that runs pipx (`python3`, `python3.11`).
    pub python: String,
    /// Its version, `major.minor`: the Python the locks were made for.
    pub python_version: String,
    /// The requirement pipx installs, extras sorted as pipx records them:
    /// `patroni[etcd,psycopg2-binary]==4.1.5`.
    pub spec: String,
    /// Pinned Patroni version, or `None` for `latest`.
    pub version: Option<String>,
    /// What `patroni --version` prints for the pinned version.
    pub version_line: Option<String>,
    /// Python modules of the chosen extras, imported once after an install.
    pub smoke_modules: Vec<String>,
}

impl Installer {
    pub fn of(
        def: &RecipeDef,
        t: &Target,
        family: &Family,
        p: &Params,
        spec: &PatroniSpec,
        os_packages: Vec<String>,
    ) -> Installer {
        let uv = p.installer == Backend::Uv && p.install_method == InstallMethod::Pipx;
        Installer {
            backend: p.installer,
            os_packages,
            // The command is the package on every target (python3, python3.11).
            python_package: uv.then(|| t.python.clone()),
            pipx_source: family.pipx_source,
            pipx_pip_spec: def.pipx_pip_spec.clone(),
            pipx_command: match family.pipx_source {
                PipxSource::OsPackage => vec!["pipx".to_string()],
                PipxSource::PipUser => vec![t.python.clone(), "-m".into(), "pipx".into()],
            },
            pipx_version: pipx_version(&def.pipx_pip_spec),
            python: t.python.clone(),
            python_version: t.python_version.clone(),
            spec: spec.requirement.clone(),
            version: spec.pinned.clone(),
            version_line: spec.pinned.as_ref().map(|v| format!("patroni {v}")),
            smoke_modules: smoke_modules(def, &spec.extras),
        }
    }
}

/// The systemd unit.
#[derive(Debug, Clone, Serialize)]
pub struct Unit {
    /// Path of the unit file.
    pub path: String,
    /// Directory of the unit file.
    pub dir: String,
    /// `Type=`: `notify` needs Patroni >= 4.1 and the systemd extra;
    /// otherwise `simple`.
    #[serde(rename = "type")]
    pub kind: UnitType,
    /// The executable it starts: in `bin_dir` (pipx) or the package's
    /// `/usr/bin/patroni`.
    pub exec: String,
}

impl Unit {
    pub fn of(p: &Params, spec: &PatroniSpec, paths: &Paths) -> Unit {
        Unit {
            path: format!("{UNIT_DIR}/patroni.service"),
            dir: UNIT_DIR.to_string(),
            kind: spec.unit_type(),
            exec: match p.install_method {
                InstallMethod::Package => PACKAGE_BIN.to_string(),
                InstallMethod::Pipx => format!("{}/patroni", paths.bin_dir),
            },
        }
    }
}

/// What the cloud-init snippet does with its own modules.
#[derive(Debug, Clone, Serialize)]
pub struct CloudInit {
    /// The largest snippet, in bytes (`cloud_init_limit`): the readable
    /// snippet when it fits, else the script gzip-compressed.
    pub limit: usize,
    /// Packages that cloud-init's `packages` module installs: none for
    /// `package`, whose install must also undo the package's enablement.
    pub packages: Vec<String>,
    /// cloud-init's `apt` module settings (proxies, CA bundle), where apt
    /// needs any.
    pub apt: Option<AptConf>,
}

impl CloudInit {
    pub fn of(p: &Params, pm: PackageManager, os_packages: &[String]) -> CloudInit {
        CloudInit {
            limit: p.cloud_init_limit,
            // installer=uv installs its Python only where it is missing,
            // which install.sh checks: cloud-init's packages module would
            // run the package manager on every boot image.
            packages: match (p.install_method, p.installer) {
                (InstallMethod::Package, _) | (InstallMethod::Pipx, Backend::Uv) => Vec::new(),
                (InstallMethod::Pipx, Backend::Pip) => os_packages.to_vec(),
            },
            apt: apt_conf(p, pm),
        }
    }
}
