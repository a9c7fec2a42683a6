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
    /// `pipx` or `package` (the distribution's patroni package).
    pub install_method: String,
    /// Packages the package manager installs: pipx, or a Python with pip;
    /// for `package`, Patroni's packages and those of its extras.
    pub os_packages: Vec<String>,
    /// The largest cloud-init snippet, in bytes (`cloud_init_limit`): the
    /// readable snippet when it fits, else the script gzip-compressed.
    pub cloud_init_limit: usize,
    /// Packages that cloud-init's own `packages` module installs: none for
    /// `package`, whose install must also undo the package's enablement.
    pub cloud_init_packages: Vec<String>,
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
    /// Install from hash-locked requirements (`lock_dependencies`); the
    /// fields below up to `pip_source_args` matter only then.
    pub locked: bool,
    /// In the user's home: the lock files the install was given (kept, as
    /// the record of what it installed) and, during the install, downloads.
    pub lock_dir: String,
    /// Where an upgrade keeps the previous install (venv, pipx's shared
    /// libraries, locks) until the new one is verified; restored on failure.
    pub previous_dir: String,
    /// pipx's shared libraries' lock, as a file on the target.
    pub shared_lock_file: String,
    /// Patroni's lock, as a file on the target.
    pub patroni_lock_file: String,
    /// pipx's own lock (where pipx comes from PyPI), as a file on the target.
    pub pipx_lock_file: String,
    /// Where every locked file is downloaded and hash-checked; pipx then
    /// installs from there with no index. Removed after the install.
    pub download_dir: String,
    /// Lines of the shared libraries' lock (`name==version --hash=…`).
    pub shared_requirements: Vec<String>,
    /// Lines of Patroni's lock.
    pub patroni_requirements: Vec<String>,
    /// Python modules of the chosen extras, imported once after an install.
    pub smoke_modules: Vec<String>,
    /// Lines of pipx's lock; empty unless `pipx_source` is `pip-user`.
    pub pipx_requirements: Vec<String>,
    /// What the install's listing of `shared_site_packages` prints when it
    /// matches the lock: sorted `name==version`, each followed by a space.
    pub shared_pins: String,
    /// The same for `site_packages` against Patroni's lock.
    pub patroni_pins: String,
    /// The Python of pipx's shared venv, which runs the locked pip.
    pub shared_python: String,
    /// site-packages of pipx's shared venv.
    pub shared_site_packages: String,
    /// site-packages of Patroni's venv.
    pub site_packages: String,
    /// The wheelhouse on the target, or empty.
    pub wheelhouse: String,
    /// pip options that choose where files come from: `--no-index
    /// --find-links DIR` for a wheelhouse, else none (the index).
    pub pip_source_args: Vec<String>,
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
    let mut p = crate::params::resolve(def, target, given, validate)?;
    let (target, t) = def.target(target)?;
    let family = &def.families[&t.family];
    let by_package = p["install_method"] == "package";
    if by_package {
        package_version(&mut p, t, given)?;
    }
    let get = |k: &str| p[k].clone();

    let (spec, pinned, extras) = spec_of(def, &p, validate)?;
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
    // The package manager pins what it installs: no lock, no wheelhouse.
    let locked = p["lock_dependencies"] == "true" && !by_package;
    let wheelhouse = p["wheelhouse"].clone();
    if by_package && !wheelhouse.is_empty() {
        return Err(crate::error::usage(format!(
            "wheelhouse '{wheelhouse}' is for install_method=pipx: install_method=package takes Patroni from the package manager"
        )));
    }
    let os_packages_base = if by_package {
        packages_for(family, &t.family, &extras)?
    } else {
        t.packages.clone()
    };
    let patroni_bin = if by_package {
        PACKAGE_BIN.to_string()
    } else {
        format!("{bin_dir}/patroni")
    };
    let mut reqs = locks::Requirements::default();
    if locked {
        let Some(version) = pinned.as_deref() else {
            return Err(crate::error::usage(
                "patroni_version 'latest' cannot be locked: pin a version (see `patroni-bake params`), or set lock_dependencies=false",
            ));
        };
        let with_pipx = family.pipx_source == PipxSource::PipUser;
        reqs = locks::requirements(recipe, target, t, version, &extras, with_pipx)?;
    } else if !wheelhouse.is_empty() {
        return Err(crate::error::usage(format!(
            "wheelhouse '{wheelhouse}' needs lock_dependencies=true: a wheelhouse holds the locked files"
        )));
    }
    let os_packages = with_build_packages(os_packages_base, family, t, &reqs.sdists);
    let pip_source_args = if wheelhouse.is_empty() {
        Vec::new()
    } else {
        vec![
            "--no-index".to_string(),
            "--find-links".to_string(),
            wheelhouse.clone(),
        ]
    };
    let lock_dir = format!("{home}/.local/share/patroni-bake");
    let venv = format!("{pipx_home}/venvs/patroni");
    let site = |root: &str| format!("{root}/lib/python{}/site-packages", t.python_version);

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
        // Validated as bytes; without validation (quoting tests), EC2's.
        cloud_init_limit: p["cloud_init_limit"].parse().unwrap_or(16384),
        cloud_init_packages: if by_package {
            Vec::new()
        } else {
            os_packages.clone()
        },
        os_packages,
        install_method: if by_package { "package" } else { "pipx" }.to_string(),
        patroni_bin,
        pipx_source: family.pipx_source,
        pipx_pip_spec: def.pipx_pip_spec.clone(),
        pipx_version,
        python: t.python.clone(),
        python_version: t.python_version.clone(),
        user: get("pg_user"),
        group: get("pg_group"),
        locked,
        shared_lock_file: format!("{lock_dir}/shared-requirements.txt"),
        patroni_lock_file: format!("{lock_dir}/patroni-requirements.txt"),
        pipx_lock_file: format!("{lock_dir}/pipx-requirements.txt"),
        download_dir: format!("{lock_dir}/downloads"),
        lock_dir,
        shared_pins: pins(&reqs.shared)?,
        patroni_pins: pins(&reqs.patroni)?,
        smoke_modules: smoke_modules(def, &extras),
        shared_requirements: reqs.shared,
        patroni_requirements: reqs.patroni,
        pipx_requirements: reqs.pipx,
        shared_python: format!("{pipx_home}/shared/bin/python"),
        previous_dir: format!("{pipx_home}/patroni-bake-previous"),
        shared_site_packages: site(&format!("{pipx_home}/shared")),
        site_packages: site(&venv),
        wheelhouse,
        pip_source_args,
        venv,
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

/// The requirement pipx installs, the pinned version and the extras.
pub(super) fn spec_of(
    def: &crate::recipe::RecipeDef,
    p: &BTreeMap<String, String>,
    validate: bool,
) -> Result<(String, Option<String>, Vec<String>)> {
    let version = &p["patroni_version"];
    let pinned = (version != "latest").then(|| version.clone());
    let extras = if validate {
        parse_extras(&p["patroni_extras"], &def.patroni_extras).map_err(crate::error::usage)?
    } else {
        let mut e: Vec<String> = p["patroni_extras"].split(',').map(str::to_string).collect();
        e.sort();
        e
    };
    let mut spec = String::from("patroni");
    if !extras.is_empty() {
        spec.push_str(&format!("[{}]", extras.join(",")));
    }
    if let Some(v) = &pinned {
        spec.push_str(&format!("=={v}"));
    }
    Ok((spec, pinned, extras))
}

/// `packages` and, after them, what builds the locked sdists with C code
/// (recipe.toml's sdist_build_packages), each once.
fn with_build_packages(
    mut packages: Vec<String>,
    family: &crate::recipe::Family,
    t: &crate::recipe::Target,
    sdists: &std::collections::BTreeSet<String>,
) -> Vec<String> {
    for sdist in sdists {
        for p in family.sdist_build_packages.get(sdist).into_iter().flatten() {
            let p = p.replace("{python}", &t.python);
            if !packages.contains(&p) {
                packages.push(p);
            }
        }
    }
    packages
}

/// The modules of `extras` (recipe.toml's extra_modules), sorted, once each.
fn smoke_modules(def: &crate::recipe::RecipeDef, extras: &[String]) -> Vec<String> {
    let mut out: Vec<String> = extras
        .iter()
        .flat_map(|e| def.extra_modules.get(e).cloned().unwrap_or_default())
        .collect();
    out.sort();
    out.dedup();
    out
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

mod locks;
mod method;
#[cfg(test)]
mod tests;

use locks::pins;
pub use method::PACKAGE_BIN;
use method::{package_version, packages_for};
