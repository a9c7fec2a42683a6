//! Where the install puts things: the user's home and the configuration
//! directory (every install), and pipx's places with the install's own
//! records (the pipx installs).

use camino::{Utf8Path, Utf8PathBuf};
use serde::Serialize;

use super::Params;
use crate::recipe::Target;

/// The paths every install has.
#[derive(Debug, Clone, Serialize)]
pub struct Paths {
    /// The user's home directory (`HOME` for every command run as the user).
    pub home: Utf8PathBuf,
    /// Patroni's configuration directory, 0700 user:group.
    pub config_dir: Utf8PathBuf,
    /// `owner:group mode` that `stat -c '%U:%G %a'` prints for config_dir.
    pub config_dir_stat: String,
    /// The configuration file the unit passes to Patroni.
    pub config_file: Utf8PathBuf,
}

impl Paths {
    pub fn of(p: &Params) -> Paths {
        Paths {
            home: p.pg_home.clone(),
            config_dir: p.patroni_config_dir.clone(),
            config_dir_stat: format!("{}:{} 700", p.pg_user, p.pg_group),
            config_file: p.patroni_config_dir.join("patroni.yaml"),
        }
    }
}

/// One directory that pipx needs.
#[derive(Debug, Clone, Serialize)]
pub struct UserDir {
    pub path: Utf8PathBuf,
    /// Inside the user's home: create it as the user.
    pub in_home: bool,
}

/// The places of a pipx install.
#[derive(Debug, Clone, Serialize)]
pub struct PipxPaths {
    /// Where pipx links `patroni` and `patronictl` (`PIPX_BIN_DIR`).
    pub bin_dir: Utf8PathBuf,
    /// `PIPX_HOME`.
    pub pipx_home: Utf8PathBuf,
    /// The venv that pipx creates for Patroni.
    pub venv: Utf8PathBuf,
    /// In the user's home: the lock files the install was given (kept, as
    /// the record of what it installed) and, during the install, downloads.
    pub lock_dir: Utf8PathBuf,
    /// Where an upgrade keeps the previous install (venv, pipx's shared
    /// libraries, locks) until the new one is verified; restored on failure.
    pub previous_dir: Utf8PathBuf,
    /// The venv of uv and pipx that installer=uv makes; known to pip
    /// renderings too, which remove it when they take an install back.
    pub uv_venv: Utf8PathBuf,
    /// Directories that must exist before pipx runs, owned by the user.
    /// Those inside the home are created by the user; others by root.
    pub user_dirs: Vec<UserDir>,
    /// `lib/pythonX.Y/site-packages`, under a venv.
    #[serde(skip)]
    pub site_suffix: String,
}

impl PipxPaths {
    pub fn of(p: &Params, t: &Target) -> PipxPaths {
        let user_dirs = [&p.pipx_home, &p.patroni_bin_dir]
            .into_iter()
            .map(|d| UserDir {
                path: d.clone(),
                in_home: d.starts_with(&p.pg_home) && *d != p.pg_home,
            })
            .collect();
        PipxPaths {
            bin_dir: p.patroni_bin_dir.clone(),
            pipx_home: p.pipx_home.clone(),
            venv: p.pipx_home.join("venvs/patroni"),
            lock_dir: p.pg_home.join(".local/share/patroni-bake"),
            previous_dir: p.pipx_home.join("patroni-bake-previous"),
            uv_venv: p.pipx_home.join("patroni-bake-uv"),
            user_dirs,
            site_suffix: format!("lib/python{}/site-packages", t.python_version),
        }
    }

    /// site-packages of the venv `venv`.
    pub fn site_packages(&self, venv: &Utf8Path) -> Utf8PathBuf {
        venv.join(&self.site_suffix)
    }
}
