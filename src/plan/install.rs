//! The install a rendering makes: exactly one of its kinds, each with only
//! its own fields (as cargo-dist gives each installer its own info
//! struct), so that a combination that cannot be rendered cannot be built.
//! The templates read the kind's fields; the Patroni step's fragment is
//! chosen here, by the kind.

use anyhow::Result;
use serde::Serialize;

use super::locks::{self, PatroniLock, PipLock, PipxLock, Requirements};
use super::method::{self, PACKAGE_BIN};
use super::spec::{pipx_version, smoke_modules, PatroniSpec};
use super::uv_installer::{uv_installer, UvInstaller};
use super::{Backend, InstallMethod, Params, PipxPaths, Profile};
use crate::error::usage;
use crate::recipe::version::Version;
use crate::recipe::{Family, Fragment, PipxSource, Recipe, Target};

/// What installs Patroni, by kind (`"install": {"kind": "pipx-pip", …}`).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Install {
    /// The distribution's patroni package.
    Package(PackageInstall),
    /// pipx with pip, as the role does; hash-locked or floating.
    PipxPip(PipxPip),
    /// uv and pipx from their lock; pipx's uv backend makes the venv from
    /// Patroni's lock.
    PipxUv(PipxUv),
}

/// install_method=package.
#[derive(Debug, Clone, Serialize)]
pub struct PackageInstall {
    /// Patroni's packages and those of its extras.
    pub packages: Vec<String>,
    /// The version the package must have, or `None` for any (`latest`).
    pub version: Option<Version>,
    /// What `patroni --version` prints for that version.
    pub version_line: Option<String>,
    /// Where the package puts patroni.
    pub binary: String,
}

/// What both pipx installs have.
#[derive(Debug, Clone, Serialize)]
pub struct Pipx {
    /// The requirement pipx installs, extras sorted as pipx records them:
    /// `patroni[etcd,psycopg2-binary]==4.1.5`.
    pub spec: String,
    /// The pinned version; `None` for `latest`.
    pub version: Option<Version>,
    /// What `patroni --version` prints for the pinned version; `None` for
    /// `latest`.
    pub version_line: Option<String>,
    /// Python modules of the chosen extras, imported once after an install.
    pub smoke_modules: Vec<String>,
    /// Interpreter that runs pipx (`python3`, `python3.11`).
    pub python: String,
    /// Its version, `major.minor`: the Python the locks were made for.
    pub python_version: String,
    /// pipx's places and the install's records.
    pub paths: PipxPaths,
    /// The PATH block in the user's shell startup files.
    pub profile: Profile,
}

/// installer=pip.
#[derive(Debug, Clone, Serialize)]
pub struct PipxPip {
    #[serde(flatten)]
    pub pipx: Pipx,
    /// Where pipx comes from.
    pub pipx_from: PipxFrom,
    /// The command that runs pipx: `pipx`, or `python3 -m pipx` where it
    /// comes from pip.
    pub pipx_command: Vec<String>,
    /// The hash lock (`lock_dependencies`), or `None` where the
    /// dependencies float.
    pub lock: Option<PipLock>,
}

/// Where installer=pip's pipx comes from (the family's `pipx_source`).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "source", rename_all = "kebab-case")]
pub enum PipxFrom {
    /// The distribution's `pipx` package.
    OsPackage,
    /// `python -m pip install --user pipx`, as the user.
    PipUser(PipxFromPip),
}

/// pipx from PyPI.
#[derive(Debug, Clone, Serialize)]
pub struct PipxFromPip {
    /// Its pip requirement (`pipx==1.7.1`).
    pub spec: String,
    /// The version in it: what `pipx --version` prints.
    pub version: String,
    /// Its lock, where the install is locked.
    pub lock: Option<PipxLock>,
}

/// installer=uv (always locked).
#[derive(Debug, Clone, Serialize)]
pub struct PipxUv {
    #[serde(flatten)]
    pub pipx: Pipx,
    /// uv and pipx, from their lock.
    pub uv: UvInstaller,
    /// Patroni's lock; its shared libraries' lines constrain sdist builds.
    pub lock: PatroniLock,
}

/// What the install is built from.
pub(super) struct Inputs<'a> {
    pub recipe: &'a Recipe,
    /// The target's name as given.
    pub target: &'a str,
    pub t: &'a Target,
    pub family: &'a Family,
    pub p: &'a Params,
    pub spec: &'a PatroniSpec,
    /// Where `installer` was given, for messages.
    pub installer_origin: Option<&'a String>,
}

impl Install {
    /// Every kind's tag (`kind` in the JSON), in the enum's order: the
    /// templates' tests (`install is pipx_uv`) are named after them.
    pub const TAGS: [&'static str; 3] = ["package", "pipx-pip", "pipx-uv"];

    /// This install's tag, as serialized.
    pub fn tag(&self) -> &'static str {
        match self {
            Install::Package(_) => Self::TAGS[0],
            Install::PipxPip(_) => Self::TAGS[1],
            Install::PipxUv(_) => Self::TAGS[2],
        }
    }

    /// The install that `install_method`, `installer` and
    /// `lock_dependencies` ask for; the choices that cannot go together
    /// are refused here.
    pub(super) fn of(i: &Inputs) -> Result<Install> {
        let p = i.p;
        match (p.install_method, p.installer) {
            (InstallMethod::Package, _) => Ok(Install::Package(package(i)?)),
            (InstallMethod::Pipx, Backend::Pip) => Ok(Install::PipxPip(pipx_pip(i)?)),
            (InstallMethod::Pipx, Backend::Uv) => Ok(Install::PipxUv(pipx_uv(i)?)),
        }
    }

    /// The Patroni step's template fragment for this install.
    pub fn fragment(&self) -> Fragment {
        match self {
            Install::Package(_) => Fragment::Package,
            Install::PipxPip(pip) if pip.lock.is_some() => Fragment::PipxPipLocked,
            Install::PipxPip(_) => Fragment::PipxPip,
            Install::PipxUv(_) => Fragment::PipxUv,
        }
    }

    /// What the pipx installs share; `None` for the package.
    pub fn pipx(&self) -> Option<&Pipx> {
        match self {
            Install::Package(_) => None,
            Install::PipxPip(pip) => Some(&pip.pipx),
            Install::PipxUv(uv) => Some(&uv.pipx),
        }
    }

    /// Patroni's lock, where the install has one.
    pub fn patroni_lock(&self) -> Option<&PatroniLock> {
        match self {
            Install::Package(_) => None,
            Install::PipxPip(pip) => pip.lock.as_ref().map(|l| &l.patroni),
            Install::PipxUv(uv) => Some(&uv.lock),
        }
    }

    /// The executable the unit starts.
    pub fn patroni_binary(&self) -> String {
        match (self, self.pipx()) {
            (Install::Package(pkg), _) => pkg.binary.clone(),
            (_, Some(pipx)) => format!("{}/patroni", pipx.paths.bin_dir),
            (_, None) => unreachable!("every install but the package's is pipx's"),
        }
    }
}

/// The origin of `installer` for a message: `--set: installer`.
fn installer_origin(i: &Inputs) -> String {
    i.installer_origin
        .map_or("installer".to_string(), |o| format!("{o}: installer"))
}

fn package(i: &Inputs) -> Result<PackageInstall> {
    let p = i.p;
    if p.installer == Backend::Uv {
        return Err(usage(format!("{} 'uv' is for install_method=pipx: install_method=package takes Patroni from the package manager; set installer=pip", installer_origin(i))));
    }
    if let Some(wheelhouse) = &p.wheelhouse {
        return Err(usage(format!(
            "wheelhouse '{wheelhouse}' is for install_method=pipx: install_method=package takes Patroni from the package manager"
        )));
    }
    Ok(PackageInstall {
        packages: method::packages_for(i.family, i.t, &i.spec.extras)?,
        version: i.spec.pinned.clone(),
        version_line: i.spec.pinned.as_ref().map(|v| format!("patroni {v}")),
        binary: PACKAGE_BIN.to_string(),
    })
}

fn pipx(i: &Inputs) -> Pipx {
    Pipx {
        spec: i.spec.requirement.clone(),
        version: i.spec.pinned.clone(),
        version_line: i.spec.pinned.as_ref().map(|v| format!("patroni {v}")),
        smoke_modules: smoke_modules(&i.recipe.def, &i.spec.extras),
        python: i.t.python.clone(),
        python_version: i.t.python_version.clone(),
        paths: PipxPaths::of(i.p, i.t),
        profile: Profile::standard(),
    }
}

fn pipx_pip(i: &Inputs) -> Result<PipxPip> {
    let p = i.p;
    if let (Some(wheelhouse), false) = (&p.wheelhouse, p.lock_dependencies) {
        return Err(usage(format!(
            "wheelhouse '{wheelhouse}' needs lock_dependencies=true: a wheelhouse holds the locked files"
        )));
    }
    let pipx = pipx(i);
    let from_pip = i.family.pipx_source == PipxSource::PipUser;
    let reqs: Option<Requirements> = match p.lock_dependencies {
        true => Some(locks::locked(i.recipe, i.target, i.t, i.spec, from_pip)?),
        false => None,
    };
    let def = &i.recipe.def;
    let (pipx_from, pipx_command) = match i.family.pipx_source {
        PipxSource::OsPackage => (PipxFrom::OsPackage, vec!["pipx".to_string()]),
        PipxSource::PipUser => (
            PipxFrom::PipUser(PipxFromPip {
                spec: def.pipx_pip_spec.clone(),
                version: pipx_version(&def.pipx_pip_spec),
                lock: reqs.as_ref().map(|r| PipxLock::of(r, &pipx.paths)),
            }),
            vec![pipx.python.clone(), "-m".into(), "pipx".into()],
        ),
    };
    Ok(PipxPip {
        lock: reqs.map(|r| PipLock::of(&r, &pipx.paths, p.wheelhouse.as_deref())),
        pipx,
        pipx_from,
        pipx_command,
    })
}

fn pipx_uv(i: &Inputs) -> Result<PipxUv> {
    let pipx = pipx(i);
    let origin = installer_origin(i);
    let uv = uv_installer(i.recipe, i.target, i.t, i.p, &pipx.paths, &origin)?;
    let reqs = locks::locked(i.recipe, i.target, i.t, i.spec, false)?;
    Ok(PipxUv {
        lock: PatroniLock::of(&reqs, &pipx.paths),
        uv,
        pipx,
    })
}
