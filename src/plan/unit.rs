//! The systemd unit that runs Patroni.

use serde::Serialize;

use super::spec::{PatroniSpec, UnitType};
use super::Install;

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
