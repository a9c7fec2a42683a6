//! The unit that runs Patroni, and what cloud-init does natively.

use serde::Serialize;

use super::network::{apt_conf, AptConf};
use super::spec::{PatroniSpec, UnitType};
use super::{Install, OsPackages, Params};
use crate::recipe::PackageManager;

/// Where the systemd unit is installed.
const UNIT_DIR: &str = "/etc/systemd/system";

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
    pub fn of(spec: &PatroniSpec, install: &Install) -> Unit {
        Unit {
            path: format!("{UNIT_DIR}/patroni.service"),
            dir: UNIT_DIR.to_string(),
            kind: spec.unit_type(),
            exec: install.patroni_binary(),
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
    pub fn of(p: &Params, pm: PackageManager, install: &Install, os: &OsPackages) -> CloudInit {
        CloudInit {
            limit: p.cloud_init_limit,
            // installer=uv installs its Python only where it is missing,
            // which install.sh checks: cloud-init's packages module would
            // run the package manager on every boot image.
            packages: match install {
                Install::Package(_) | Install::PipxUv(_) => Vec::new(),
                Install::PipxPip(_) => os.names.clone(),
            },
            apt: apt_conf(p, pm),
        }
    }
}
