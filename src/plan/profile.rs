//! Where the install puts things in the user's home, and the PATH block
//! that the user's shells read.

use serde::Serialize;

use super::Params;
use crate::quote;
use crate::recipe::Target;

/// Every line of the managed PATH block ends with this, so that a re-run
/// finds all of its lines, even of a block that was half deleted.
pub const BLOCK_MARKER: &str = "# patroni-bake";

/// One directory that pipx needs.
#[derive(Debug, Clone, Serialize)]
pub struct UserDir {
    pub path: String,
    /// Inside the user's home: create it as the user.
    pub in_home: bool,
}

/// The paths of one install.
#[derive(Debug, Clone)]
pub struct Paths {
    pub home: String,
    pub bin_dir: String,
    pub pipx_home: String,
    pub venv: String,
    pub config_dir: String,
    pub lock_dir: String,
    pub previous_dir: String,
    /// `lib/pythonX.Y/site-packages`, under a venv.
    pub site_suffix: String,
}

impl Paths {
    pub fn of(p: &Params, t: &Target) -> Paths {
        Paths {
            home: p.pg_home.clone(),
            bin_dir: p.patroni_bin_dir.clone(),
            pipx_home: p.pipx_home.clone(),
            venv: format!("{}/venvs/patroni", p.pipx_home),
            config_dir: p.patroni_config_dir.clone(),
            lock_dir: format!("{}/.local/share/patroni-bake", p.pg_home),
            previous_dir: format!("{}/patroni-bake-previous", p.pipx_home),
            site_suffix: format!("lib/python{}/site-packages", t.python_version),
        }
    }

    /// The directories pipx needs, each marked by whether it is in the home.
    pub fn user_dirs(&self) -> Vec<UserDir> {
        [&self.pipx_home, &self.bin_dir]
            .into_iter()
            .map(|d| UserDir {
                path: d.clone(),
                in_home: d.starts_with(&format!("{}/", self.home)),
            })
            .collect()
    }
}

/// The PATH block's lines, values quoted for the shell that reads them.
pub fn path_block(paths: &Paths) -> Vec<String> {
    let m = BLOCK_MARKER;
    let qb = quote::shell(&paths.bin_dir);
    vec![
        format!("# Patroni's bin dir on PATH, and pipx's places; managed, rewritten by each install {m}"),
        format!("case \":${{PATH}}:\" in *:{qb}:*) ;; *) PATH={qb}:\"${{PATH}}\"; export PATH ;; esac {m}"),
        format!("PIPX_HOME={}; export PIPX_HOME {m}", quote::shell(&paths.pipx_home)),
        format!("PIPX_BIN_DIR={qb}; export PIPX_BIN_DIR {m}"),
    ]
}
