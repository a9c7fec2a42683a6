//! The plan: every value resolved for one (recipe, target, parameters).
//!
//! The plan is the contract with the templates: they see these fields and
//! nothing else. Everything a template would have to compute (specs, paths
//! joined, the PATH block) is computed here, once, in Rust.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use crate::params::Given;
use crate::quote;
use crate::recipe::{PackageManager, PipxSource, Recipe};
use crate::validate::parse_extras;

/// Where the systemd unit is installed.
pub const UNIT_PATH: &str = "/etc/systemd/system/patroni.service";
/// Every line of the managed PATH block ends with this, so that a re-run
/// finds all of its lines, even of a block that was half deleted.
pub const BLOCK_MARKER: &str = "# patroni-bake";

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
    pub family: String,
    /// `apt` or `dnf`.
    pub package_manager: PackageManager,
    /// Packages the package manager installs (pipx, or a Python with pip).
    pub os_packages: Vec<String>,
    /// Where pipx comes from: `os-package` or `pip-user`.
    pub pipx_source: PipxSource,
    /// pip requirement for pipx when `pipx_source` is `pip-user`.
    pub pipx_pip_spec: String,
    /// The version in `pipx_pip_spec`: what `pipx --version` prints.
    pub pipx_version: String,
    /// Interpreter that runs pipx (`python3`, `python3.11`).
    pub python: String,
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
    pub unit_type: String,
    /// Pinned Patroni version, or `None` for `latest`.
    pub patroni_version: Option<String>,
    /// The requirement pipx installs, extras sorted as pipx records them:
    /// `patroni[etcd,psycopg2-binary]==4.1.5`.
    pub patroni_spec: String,
    /// The `"package_or_url": …` line of pipx's metadata for this spec.
    pub pipx_metadata_line: String,
    /// What `patroni --version` prints for the pinned version.
    pub version_line: Option<String>,
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
    /// Every resolved parameter, by name.
    pub params: BTreeMap<String, String>,
}

/// One directory that pipx needs.
#[derive(Debug, Clone, Serialize)]
pub struct UserDir {
    pub path: String,
    /// Inside the user's home: create it as the user.
    pub in_home: bool,
}

/// Build the plan for `target` from the given values.
pub fn build(
    recipe: &Recipe,
    target: &str,
    given: &BTreeMap<String, Given>,
    validate: bool,
) -> Result<Plan> {
    let def = &recipe.def;
    let (target, t) = def.target(target)?;
    let family = &def.families[&t.family];
    let p = crate::params::resolve(def, &t.family, given, validate)?;
    let get = |k: &str| p[k].clone();

    let version = get("patroni_version");
    let pinned = (version != "latest").then(|| version.clone());
    let extras = if validate {
        parse_extras(&p["patroni_extras"], &def.patroni_extras).map_err(crate::error::usage)?
    } else {
        p["patroni_extras"].split(',').map(str::to_string).collect()
    };
    let mut spec = String::from("patroni");
    if !extras.is_empty() {
        spec.push_str(&format!("[{}]", extras.join(",")));
    }
    if let Some(v) = &pinned {
        spec.push_str(&format!("=={v}"));
    }
    let notify = extras.iter().any(|e| e == "systemd" || e == "all")
        && pinned
            .as_deref()
            .is_some_and(|v| version_at_least(v, &[4, 1]));

    let home = get("pg_home");
    let bin_dir = get("patroni_bin_dir");
    let pipx_home = get("pipx_home");
    let config_dir = get("patroni_config_dir");
    let in_home = |d: &str| d.starts_with(&format!("{home}/"));
    let user_dirs = [&pipx_home, &bin_dir]
        .into_iter()
        .map(|d| UserDir {
            path: d.clone(),
            in_home: in_home(d),
        })
        .collect();

    let m = BLOCK_MARKER;
    let qb = quote::shell(&bin_dir);
    let path_block = vec![
        format!("# Patroni's bin dir on PATH, and pipx's places; managed, rewritten by each install {m}"),
        format!("case \":${{PATH}}:\" in *:{qb}:*) ;; *) PATH={qb}:\"${{PATH}}\"; export PATH ;; esac {m}"),
        format!("PIPX_HOME={}; export PIPX_HOME {m}", quote::shell(&pipx_home)),
        format!("PIPX_BIN_DIR={qb}; export PIPX_BIN_DIR {m}"),
    ];

    let mut net_env = BTreeMap::new();
    for (param, var) in [
        ("http_proxy", "http_proxy"),
        ("https_proxy", "https_proxy"),
        ("no_proxy", "no_proxy"),
        ("pip_index_url", "PIP_INDEX_URL"),
        ("ca_bundle", "PIP_CERT"),
    ] {
        if !p[param].is_empty() {
            net_env.insert(var.to_string(), p[param].clone());
        }
    }
    let mut package_manager_args: Vec<String> = match family.package_manager {
        PackageManager::Apt => [
            "-q",
            "-o",
            "DPkg::Lock::Timeout=300",
            "-o",
            "Acquire::Retries=5",
        ]
        .map(String::from)
        .to_vec(),
        PackageManager::Dnf => ["-q", "-y"].map(String::from).to_vec(),
    };
    let ca = &p["ca_bundle"];
    if !ca.is_empty() {
        package_manager_args.extend(match family.package_manager {
            PackageManager::Apt => vec!["-o".to_string(), format!("Acquire::https::CAInfo={ca}")],
            PackageManager::Dnf => vec![format!("--setopt=sslcacert={ca}")],
        });
    }
    let pipx_version = def
        .pipx_pip_spec
        .split_once("==")
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();

    Ok(Plan {
        tool: format!("patroni-bake {}", env!("CARGO_PKG_VERSION")),
        recipe: def.name.clone(),
        target: target.to_string(),
        target_description: t.description.clone(),
        family: t.family.clone(),
        package_manager: family.package_manager,
        os_packages: t.packages.clone(),
        pipx_source: family.pipx_source,
        pipx_pip_spec: def.pipx_pip_spec.clone(),
        pipx_version,
        python: t.python.clone(),
        user: get("pg_user"),
        group: get("pg_group"),
        venv: format!("{pipx_home}/venvs/patroni"),
        config_dir_stat: format!("{}:{} 700", p["pg_user"], p["pg_group"]),
        config_file: format!("{config_dir}/patroni.yaml"),
        unit_path: UNIT_PATH.to_string(),
        unit_dir: UNIT_PATH
            .rsplit_once('/')
            .map(|(d, _)| d.to_string())
            .unwrap_or_default(),
        unit_type: if notify { "notify" } else { "simple" }.to_string(),
        pipx_metadata_line: format!("\"package_or_url\": \"{spec}\""),
        version_line: pinned.as_ref().map(|v| format!("patroni {v}")),
        patroni_version: pinned,
        patroni_spec: spec,
        user_dirs,
        profile_files: vec![".profile".into(), ".bashrc".into()],
        bash_login_files: vec![".bash_profile".into(), ".bash_login".into()],
        path_block,
        block_marker: m.to_string(),
        net_env,
        package_manager_args,
        home,
        bin_dir,
        pipx_home,
        config_dir,
        params: p,
    })
}

/// `v` (PEP 440, normalized) is at least `min` in its release part.
fn version_at_least(v: &str, min: &[u64]) -> bool {
    let release = v.split('!').next_back().unwrap_or(v);
    let nums: Vec<u64> = release
        .split(|c: char| !c.is_ascii_digit() && c != '.')
        .next()
        .unwrap_or("")
        .split('.')
        .filter_map(|n| n.parse().ok())
        .collect();
    nums.as_slice() >= min
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(pairs: &[(&str, &str)], target: &str) -> Plan {
        let given = crate::params::given_map(pairs.iter().copied(), "--set");
        build(&Recipe::embedded().unwrap(), target, &given, true).unwrap()
    }

    #[test]
    fn spec_sorts_extras_like_pipx_and_pins() {
        let p = plan(&[], "debian-12");
        assert_eq!(p.patroni_spec, "patroni[etcd,psycopg2-binary]==4.1.5");
        assert_eq!(p.version_line.as_deref(), Some("patroni 4.1.5"));
        assert_eq!(p.unit_type, "simple");
        let p = plan(
            &[("patroni_version", "latest"), ("patroni_extras", "")],
            "debian-12",
        );
        assert_eq!(p.patroni_spec, "patroni");
        assert_eq!(p.version_line, None);
    }

    #[test]
    fn notify_only_with_the_systemd_extra_and_4_1() {
        assert_eq!(
            plan(&[("patroni_extras", "etcd,systemd")], "debian-12").unit_type,
            "notify"
        );
        let old = plan(
            &[
                ("patroni_extras", "etcd,systemd"),
                ("patroni_version", "4.0.7"),
            ],
            "debian-12",
        );
        assert_eq!(old.unit_type, "simple");
        assert!(version_at_least("4.10.0", &[4, 1]) && !version_at_least("3.3.2", &[4, 1]));
    }

    #[test]
    fn directories_outside_home_are_made_by_root() {
        let p = plan(&[("patroni_bin_dir", "/opt/patroni/bin")], "rocky-8");
        assert_eq!(p.target, "rhel-8");
        assert_eq!(p.home, "/var/lib/pgsql");
        let bin = p
            .user_dirs
            .iter()
            .find(|d| d.path == "/opt/patroni/bin")
            .unwrap();
        assert!(!bin.in_home);
        assert!(p.user_dirs.iter().any(|d| d.in_home));
    }
}
