//! Where the install puts things: the user's home and the configuration
//! directory (every install), and pipx's places with the install's own
//! records (the pipx installs).

use serde::Serialize;

use super::Params;
use crate::recipe::Target;

/// The paths every install has.
#[derive(Debug, Clone, Serialize)]
pub struct Paths {
    /// The user's home directory (`HOME` for every command run as the user).
    pub home: String,
    /// Patroni's configuration directory, 0700 user:group.
    pub config_dir: String,
    /// `owner:group mode` that `stat -c '%U:%G %a'` prints for config_dir.
    pub config_dir_stat: String,
    /// The configuration file the unit passes to Patroni.
    pub config_file: String,
}

impl Paths {
    pub fn of(p: &Params) -> Paths {
        Paths {
            home: p.pg_home.clone(),
            config_dir: p.patroni_config_dir.clone(),
            config_dir_stat: format!("{}:{} 700", p.pg_user, p.pg_group),
            config_file: format!("{}/patroni.yaml", p.patroni_config_dir),
        }
    }
}

/// One directory that pipx needs.
#[derive(Debug, Clone, Serialize)]
pub struct UserDir {
    pub path: String,
    /// Inside the user's home: create it as the user.
    pub in_home: bool,
}

/// The places of a pipx install.
#[derive(Debug, Clone, Serialize)]
pub struct PipxPaths {
    /// Where pipx links `patroni` and `patronictl` (`PIPX_BIN_DIR`).
    pub bin_dir: String,
    /// `PIPX_HOME`.
    pub pipx_home: String,
    /// The venv that pipx creates for Patroni.
    pub venv: String,
    /// In the user's home: the lock files the install was given (kept, as
    /// the record of what it installed) and, during the install, downloads.
    pub lock_dir: String,
    /// Where an upgrade keeps the previous install (venv, pipx's shared
    /// libraries, locks) until the new one is verified; restored on failure.
    pub previous_dir: String,
    /// The venv of uv and pipx that installer=uv makes; known to pip
    /// renderings too, which remove it when they take an install back.
    pub uv_venv: String,
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
                in_home: d.starts_with(&format!("{}/", p.pg_home)),
            })
            .collect();
        PipxPaths {
            bin_dir: p.patroni_bin_dir.clone(),
            pipx_home: p.pipx_home.clone(),
            venv: format!("{}/venvs/patroni", p.pipx_home),
            lock_dir: format!("{}/.local/share/patroni-bake", p.pg_home),
            previous_dir: format!("{}/patroni-bake-previous", p.pipx_home),
            uv_venv: format!("{}/patroni-bake-uv", p.pipx_home),
            user_dirs,
            site_suffix: format!("lib/python{}/site-packages", t.python_version),
        }
    }

    /// site-packages of the venv `venv`.
    pub fn site_packages(&self, venv: &str) -> String {
        format!("{venv}/{}", self.site_suffix)
    }
}
