//! What the cloud-init snippet does with its own modules.

use serde::Serialize;

use super::network::{apt_conf, AptConf};
use super::{Install, OsPackages, Params};
use crate::recipe::PackageManager;

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
