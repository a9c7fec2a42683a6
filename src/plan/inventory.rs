//! What a rendering installs on one architecture, by where it lands: each
//! Python distribution with the file that architecture takes and what it
//! needs, and the OS packages the package manager is asked for.
//!
//! This is the one reader of the plan for the SBOM (and for anything else
//! that asks what an image will hold): a change of the plan's shape is
//! mended here alone.

use std::collections::BTreeMap;

use anyhow::{Context, Result};

use super::{Backend, InstallMethod, Plan};
use crate::error::usage;
use crate::recipe::rules::parse_extras;
use crate::recipe::uvlock::{Env, UvLock, PATRONI_EXTRA, PIPX_EXTRA, SHARED_EXTRA, UV_EXTRA};
use crate::recipe::{OsFamily, PipxSource, Recipe};

/// Where Python distributions land on the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    /// The venv pipx makes for Patroni.
    PatroniVenv,
    /// pipx's shared libraries (the pip of every pipx venv).
    PipxShared,
    /// pipx itself, installed with `pip install --user` (RHEL).
    PipxUser,
    /// The venv of uv and pipx (installer=uv).
    UvVenv,
}

impl Place {
    /// A short name, for references and properties.
    pub fn id(self) -> &'static str {
        match self {
            Place::PatroniVenv => "patroni-venv",
            Place::PipxShared => "pipx-shared",
            Place::PipxUser => "pipx-user",
            Place::UvVenv => "uv-venv",
        }
    }
}

/// What one architecture's install holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    /// The canonical target, such as `debian-12`.
    pub target: String,
    pub family: OsFamily,
    /// `x86_64` or `aarch64`.
    pub arch: String,
    /// The pinned Patroni version, or `None` (`latest`, or the package's).
    pub patroni_version: Option<String>,
    /// The parameters that change what is installed, by name.
    pub parameters: BTreeMap<String, String>,
    /// The Python distributions, by where they land.
    pub landings: Vec<Landing>,
    /// What the package manager is asked for; it picks their versions.
    pub os_packages: Vec<OsPackage>,
}

/// The distributions of one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landing {
    pub place: Place,
    /// The site-packages directory they land in.
    pub path: String,
    /// By name.
    pub dists: Vec<Dist>,
    /// The distributions the install asks for by name (the rest follow).
    pub roots: Vec<String>,
    /// Every distribution of the place is here (it comes from the lock);
    /// `false` where pip resolves the rest at install time.
    pub complete: bool,
}

/// One Python distribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dist {
    /// Normalized (PEP 503).
    pub name: String,
    /// `None` where pip picks it at install time.
    pub version: Option<String>,
    /// The file this architecture installs, where locked.
    pub file: Option<DistFile>,
    /// The distributions of the same place it needs, by name.
    pub needs: Vec<String>,
    /// The licence its metadata declares, as the lock records it.
    pub license: Option<String>,
}

/// A locked file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistFile {
    pub url: String,
    pub sha256: String,
    /// An sdist, built on the target.
    pub sdist: bool,
}

/// An OS package the install asks the package manager for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsPackage {
    pub name: String,
    /// Installed only where the target lacks it (installer=uv's Python).
    pub only_if_missing: bool,
}

/// The parameters that change what is installed (the others change where
/// files come from, or paths).
const WHAT_PARAMETERS: [&str; 5] = [
    "install_method",
    "installer",
    "lock_dependencies",
    "patroni_extras",
    "patroni_version",
];

/// What `plan` installs on `arch` (`x86_64` or `aarch64`).
pub fn inventory(recipe: &Recipe, plan: &Plan, arch: &str) -> Result<Inventory> {
    let (_, t) = recipe.def.target(&plan.target)?;
    let env = Env {
        python: t.python_version.clone(),
        python_full: t.python_full_version.clone(),
        arch: arch.to_string(),
    };
    let params = serde_json::to_value(&plan.params).context("the parameters")?;
    let parameters = WHAT_PARAMETERS
        .iter()
        .map(|k| {
            let v = &params[*k];
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            (k.to_string(), text)
        })
        .collect();
    let mut landings = python_landings(recipe, plan, &env)?;
    if let Some(uv) = &plan.uv {
        let lock = recipe
            .uv_installer_lock
            .as_ref()
            .context("installer=uv without the uv-installer lock")?;
        landings.push(locked(
            lock,
            &[UV_EXTRA],
            &env,
            Place::UvVenv,
            &uv.site_packages,
        )?);
    }
    let mut os_packages: Vec<OsPackage> = plan
        .installer
        .os_packages
        .iter()
        .map(|name| OsPackage {
            name: name.clone(),
            only_if_missing: false,
        })
        .collect();
    if let Some(python) = &plan.installer.python_package {
        os_packages.push(OsPackage {
            name: python.clone(),
            only_if_missing: true,
        });
    }
    Ok(Inventory {
        target: plan.target.clone(),
        family: plan.family,
        arch: arch.to_string(),
        patroni_version: plan.installer.version.clone(),
        parameters,
        landings,
        os_packages,
    })
}

/// Patroni's venv, pipx's shared libraries and a pip-user pipx: from the
/// lock where the plan locks, else what is pinned.
fn python_landings(recipe: &Recipe, plan: &Plan, env: &Env) -> Result<Vec<Landing>> {
    let paths = &plan.paths;
    let venv_site = format!("{}/{}", paths.venv, paths.site_suffix);
    let user_site = format!(
        "{}/.local/lib/python{}/site-packages",
        paths.home, plan.installer.python_version
    );
    let Some(lock_plan) = &plan.lock else {
        if plan.install_method == InstallMethod::Package {
            return Ok(Vec::new());
        }
        let mut out = vec![pinned(
            Place::PatroniVenv,
            &venv_site,
            "patroni",
            plan.installer.version.clone(),
        )];
        if plan.installer.pipx_source == PipxSource::PipUser
            && plan.installer.backend == Backend::Pip
        {
            let v = Some(plan.installer.pipx_version.clone());
            out.push(pinned(Place::PipxUser, &user_site, "pipx", v));
        }
        return Ok(out);
    };
    let version = plan.installer.version.as_deref().unwrap_or_default();
    let lock = recipe
        .locks
        .get(version)
        .with_context(|| format!("no lock for Patroni {version}"))?;
    let extras =
        parse_extras(&plan.params.patroni_extras, &recipe.def.patroni_extras).map_err(usage)?;
    let mut choices = vec![PATRONI_EXTRA];
    choices.extend(extras.iter().map(String::as_str));
    let mut out = vec![locked(
        lock,
        &choices,
        env,
        Place::PatroniVenv,
        &lock_plan.site_packages,
    )?];
    // installer=uv makes no shared libraries: their lock only constrains
    // the builds of sdists.
    if plan.uv.is_none() {
        let site = &lock_plan.shared_site_packages;
        out.push(locked(lock, &[SHARED_EXTRA], env, Place::PipxShared, site)?);
    }
    if !lock_plan.pipx.is_empty() {
        out.push(locked(
            lock,
            &[PIPX_EXTRA],
            env,
            Place::PipxUser,
            &user_site,
        )?);
    }
    Ok(out)
}

/// The closure of `choices` in `env`, with each file and what needs what.
fn locked(lock: &UvLock, choices: &[&str], env: &Env, place: Place, path: &str) -> Result<Landing> {
    let graph = lock.graph(choices, env)?;
    let dists = lock
        .closure(choices, env)?
        .into_iter()
        .map(|l| Dist {
            needs: graph
                .needs
                .get(&l.name)
                .map(|n| n.iter().cloned().collect())
                .unwrap_or_default(),
            license: lock.license(&l.name, &l.version).map(str::to_string),
            file: Some(DistFile {
                url: l.url,
                sha256: l.sha256,
                sdist: l.sdist,
            }),
            version: Some(l.version),
            name: l.name,
        })
        .collect();
    Ok(Landing {
        place,
        path: path.to_string(),
        dists,
        roots: graph.roots.into_iter().collect(),
        complete: true,
    })
}

/// One distribution pinned by name (or not even that), the rest of its
/// place left to pip.
fn pinned(place: Place, path: &str, name: &str, version: Option<String>) -> Landing {
    Landing {
        place,
        path: path.to_string(),
        dists: vec![Dist {
            name: name.to_string(),
            version,
            file: None,
            needs: Vec::new(),
            license: None,
        }],
        roots: vec![name.to_string()],
        complete: false,
    }
}
