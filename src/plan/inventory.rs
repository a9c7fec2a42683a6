//! What a rendering installs on one architecture, by where it lands: each
//! Python distribution with the file that architecture takes and what it
//! needs, and the OS packages the package manager is asked for.
//!
//! This is the one reader of the plan for what an image will hold (the
//! SBOM, the audit): a change of the plan's shape is mended here alone.

use std::collections::BTreeMap;

use anyhow::{Context, Result};

use camino::Utf8Path;
use serde::Serialize;

use super::{Install, PatroniLock, Pipx, PipxFrom, PipxPip, Plan};
use crate::error::usage;
use crate::recipe::rules::parse_extras;
use crate::recipe::uvlock::{
    Env, UvLock, ARCHES, PATRONI_EXTRA, PIPX_EXTRA, SHARED_EXTRA, UV_EXTRA,
};
use crate::recipe::{OsFamily, Recipe};

/// Where Python distributions land on the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Place {
    /// The venv pipx makes for Patroni.
    PatroniVenv,
    /// pipx's shared libraries (the pip of every pipx venv).
    PipxShared,
    /// pipx itself, installed with `pip install --user` (RHEL).
    PipxUser,
    /// The venv of uv and pipx (installer=uv).
    UvVenv,
    /// installer=uv: the shared libraries' lock builds the sdists at
    /// install time (UV_BUILD_CONSTRAINT); run then, kept nowhere.
    SdistBuild,
    /// install_method=package: the distribution's patroni package.
    OsPackage,
}

impl Place {
    /// A short name, for references and properties.
    pub fn id(self) -> &'static str {
        match self {
            Place::PatroniVenv => "patroni-venv",
            Place::PipxShared => "pipx-shared",
            Place::PipxUser => "pipx-user",
            Place::UvVenv => "uv-venv",
            Place::SdistBuild => "sdist-build",
            Place::OsPackage => "os-package",
        }
    }

    /// What the place is, for people.
    pub fn describe(self) -> &'static str {
        match self {
            Place::PatroniVenv => "Patroni's venv",
            Place::PipxShared => "pipx's shared libraries",
            Place::PipxUser => "pipx (pip --user)",
            Place::UvVenv => "uv and pipx's venv",
            Place::SdistBuild => "the sdists' build (not kept)",
            Place::OsPackage => "the distribution's patroni package",
        }
    }

    /// The image keeps what lands here (a build's tools are not kept).
    pub fn kept(self) -> bool {
        self != Place::SdistBuild
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

impl Inventory {
    /// The places whose distributions the image keeps (not the tools that
    /// only build sdists at install time).
    pub fn kept(&self) -> impl Iterator<Item = &Landing> {
        self.landings.iter().filter(|l| l.place.kept())
    }
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
    let mut os_packages: Vec<OsPackage> = (plan.os_packages.names.iter())
        .map(|name| OsPackage {
            name: name.clone(),
            only_if_missing: false,
        })
        .collect();
    if let Some(python) = &plan.os_packages.python {
        os_packages.push(OsPackage {
            name: python.package.clone(),
            only_if_missing: true,
        });
    }
    Ok(Inventory {
        target: plan.target.clone(),
        family: plan.family,
        arch: arch.to_string(),
        patroni_version: plan.params.patroni_version.pinned().map(|v| v.to_string()),
        parameters,
        landings: landings(recipe, plan, &env)?,
        os_packages,
    })
}

/// Where the install puts Python distributions, by kind of install: from
/// the locks where the plan locks, else what is pinned.
fn landings(recipe: &Recipe, plan: &Plan, env: &Env) -> Result<Vec<Landing>> {
    match &plan.install {
        Install::Package(_) => Ok(Vec::new()),
        Install::PipxPip(pip) => pipx_pip_landings(recipe, plan, pip, env),
        Install::PipxUv(uv) => {
            let patroni = patroni_lock(recipe, plan)?;
            let installer = (recipe.uv_installer_lock.as_ref())
                .context("installer=uv without the uv-installer lock")?;
            let uv_site = uv.uv.site_packages.as_path();
            Ok(vec![
                patroni_venv(recipe, plan, &uv.lock, env)?,
                locked(
                    patroni,
                    &[SHARED_EXTRA],
                    env,
                    Place::SdistBuild,
                    Utf8Path::new(""),
                )?,
                locked(installer, &[UV_EXTRA], env, Place::UvVenv, uv_site)?,
            ])
        }
    }
}

/// installer=pip: Patroni's venv and pipx's shared libraries (locked or
/// Patroni's pin alone), and pipx itself where pip installs it.
fn pipx_pip_landings(
    recipe: &Recipe,
    plan: &Plan,
    pip: &PipxPip,
    env: &Env,
) -> Result<Vec<Landing>> {
    let user_site = user_site(plan, &pip.pipx);
    let mut out = match &pip.lock {
        Some(lock) => {
            let shared = pip.pipx.paths.pipx_home.join("shared");
            let shared_site = pip.pipx.paths.site_packages(&shared);
            let patroni = patroni_lock(recipe, plan)?;
            vec![
                patroni_venv(recipe, plan, &lock.patroni, env)?,
                locked(
                    patroni,
                    &[SHARED_EXTRA],
                    env,
                    Place::PipxShared,
                    &shared_site,
                )?,
            ]
        }
        None => {
            let version = plan.params.patroni_version.pinned().map(|v| v.to_string());
            vec![pinned(
                Place::PatroniVenv,
                &site_of(&pip.pipx),
                "patroni",
                version,
            )]
        }
    };
    if let PipxFrom::PipUser(from) = &pip.pipx_from {
        out.push(match &from.lock {
            Some(_) => {
                let lock = patroni_lock(recipe, plan)?;
                locked(lock, &[PIPX_EXTRA], env, Place::PipxUser, &user_site)?
            }
            None => pinned(
                Place::PipxUser,
                &user_site,
                "pipx",
                Some(from.version.clone()),
            ),
        });
    }
    Ok(out)
}

/// The lock of the plan's pinned Patroni version.
fn patroni_lock<'a>(recipe: &'a Recipe, plan: &Plan) -> Result<&'a UvLock> {
    let version = plan.params.patroni_version.to_string();
    recipe
        .locks
        .get(&version)
        .with_context(|| format!("no lock for Patroni {version}"))
}

/// Patroni's venv: the closure of Patroni and the chosen extras.
fn patroni_venv(recipe: &Recipe, plan: &Plan, kept: &PatroniLock, env: &Env) -> Result<Landing> {
    let lock = patroni_lock(recipe, plan)?;
    let extras =
        parse_extras(&plan.params.patroni_extras, &recipe.def.patroni_extras).map_err(usage)?;
    let mut choices = vec![PATRONI_EXTRA];
    choices.extend(extras.iter().map(String::as_str));
    locked(lock, &choices, env, Place::PatroniVenv, &kept.site_packages)
}

/// site-packages of Patroni's venv.
fn site_of(pipx: &Pipx) -> camino::Utf8PathBuf {
    pipx.paths.site_packages(&pipx.paths.venv)
}

/// The user's site-packages, where `pip install --user` puts pipx.
fn user_site(plan: &Plan, pipx: &Pipx) -> camino::Utf8PathBuf {
    (plan.paths.home)
        .join(".local/lib")
        .join(format!("python{}", pipx.python_version))
        .join("site-packages")
}

/// The closure of `choices` in `env`, with each file and what needs what.
fn locked(
    lock: &UvLock,
    choices: &[&str],
    env: &Env,
    place: Place,
    path: &Utf8Path,
) -> Result<Landing> {
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
fn pinned(place: Place, path: &Utf8Path, name: &str, version: Option<String>) -> Landing {
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

/// One distribution the plan installs, for the audit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Installed {
    pub place: Place,
    /// Normalized (PEP 503).
    pub name: String,
    pub version: String,
    /// The directory it lands in on the target (empty where it is the
    /// package manager's business or lands nowhere).
    pub location: String,
}

/// Every distribution `plan` installs on any architecture whose version
/// can be known before the install, sorted by place, name and version.
pub fn installed(recipe: &Recipe, plan: &Plan) -> Result<Vec<Installed>> {
    let mut out = std::collections::BTreeSet::new();
    for arch in ARCHES {
        for landing in inventory(recipe, plan, arch)?.landings {
            for dist in &landing.dists {
                let Some(version) = &dist.version else {
                    continue;
                };
                out.insert(Installed {
                    place: landing.place,
                    name: dist.name.clone(),
                    version: version.clone(),
                    location: landing.path.clone(),
                });
            }
        }
    }
    if let (Install::Package(_), Some(v)) = (&plan.install, plan.params.patroni_version.pinned()) {
        out.insert(Installed {
            place: Place::OsPackage,
            name: "patroni".into(),
            version: v.to_string(),
            location: String::new(),
        });
    }
    Ok(out.into_iter().collect())
}

/// What cannot be known about the install before it runs, where anything
/// cannot; `None` for a locked install (the locks are the closure).
pub fn not_known(plan: &Plan) -> Option<String> {
    if plan.install.patroni_lock().is_some() {
        return None;
    }
    let patroni = match plan.params.patroni_version.pinned() {
        Some(v) => format!("Patroni {v} is known"),
        None => "not even Patroni's version is known (patroni_version is latest)".into(),
    };
    let rest = match plan.install {
        Install::Package(_) => {
            "the distribution's packages decide its dependencies and pipx's at install time"
        }
        _ => {
            "lock_dependencies is false, so its dependencies and pipx's shared libraries are resolved at install time"
        }
    };
    Some(format!("not locked: {patroni}; {rest}"))
}
