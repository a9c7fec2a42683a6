//! What a plan installs: every Python distribution, with where it lands,
//! read from the plan's locks. One reader for every tool that asks (the
//! audit; the SBOM).

use serde::Serialize;

use super::{Backend, InstallMethod, LockedReq, Plan};

/// Where a distribution lands (the order of the listing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Place {
    /// Patroni's venv, made by pipx (its lock: Patroni and its closure).
    PatroniVenv,
    /// pipx's shared libraries (pip, setuptools, wheel…), installer=pip.
    PipxShared,
    /// pipx itself, `pip install --user` (targets whose pipx is not packaged).
    PipxUser,
    /// uv and pipx in their own venv, installer=uv.
    UvVenv,
    /// installer=uv: the shared libraries' lock builds the sdists at install
    /// time (UV_BUILD_CONSTRAINT); run then, kept nowhere.
    SdistBuild,
    /// install_method=package: the distribution's patroni package.
    OsPackage,
}

impl Place {
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
}

/// One distribution the plan installs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Installed {
    pub place: Place,
    /// The name as the lock spells it.
    pub name: String,
    pub version: String,
    /// The directory it lands in on the target (empty where it is the
    /// package manager's business or lands nowhere).
    pub location: String,
}

/// Every distribution `plan` installs that can be known before the
/// install, sorted by place, name and version.
pub fn installed(plan: &Plan) -> Vec<Installed> {
    let mut out = Vec::new();
    let mut add = |place: Place, reqs: &[LockedReq], location: &str| {
        out.extend(reqs.iter().map(|r| Installed {
            place,
            name: r.name.clone(),
            version: r.version.clone(),
            location: location.to_string(),
        }));
    };
    let paths = &plan.paths;
    if let Some(lock) = &plan.lock {
        add(Place::PatroniVenv, &lock.patroni, &paths.venv);
        let shared = format!("{}/shared", paths.pipx_home);
        match plan.params.installer {
            Backend::Pip => add(Place::PipxShared, &lock.shared, &shared),
            Backend::Uv => add(Place::SdistBuild, &lock.shared, ""),
        }
        add(
            Place::PipxUser,
            &lock.pipx,
            &format!("{}/.local", paths.home),
        );
    }
    if let Some(uv) = &plan.uv {
        add(Place::UvVenv, &uv.reqs, &uv.venv);
    }
    if plan.lock.is_none() {
        if let Some(version) = known_patroni_version(plan) {
            let (place, location) = match plan.install_method {
                InstallMethod::Package => (Place::OsPackage, ""),
                InstallMethod::Pipx => (Place::PatroniVenv, paths.venv.as_str()),
            };
            out.push(Installed {
                place,
                name: "patroni".into(),
                version,
                location: location.into(),
            });
        }
    }
    out.sort();
    out
}

/// What cannot be known about the install before it runs, where anything
/// cannot; `None` for a locked install (the locks are the closure).
pub fn not_known(plan: &Plan) -> Option<String> {
    if plan.lock.is_some() {
        return None;
    }
    let patroni = match known_patroni_version(plan) {
        Some(v) => format!("Patroni {v} is known"),
        None => "not even Patroni's version is known (patroni_version is latest)".into(),
    };
    let rest = match plan.install_method {
        InstallMethod::Package => {
            "the distribution's packages decide its dependencies and pipx's at install time"
        }
        InstallMethod::Pipx => {
            "lock_dependencies is false, so its dependencies and pipx's shared libraries are resolved at install time"
        }
    };
    Some(format!("not locked: {patroni}; {rest}"))
}

/// Patroni's version where the plan pins one.
fn known_patroni_version(plan: &Plan) -> Option<String> {
    let v = &plan.params.patroni_version;
    (v != "latest").then(|| v.clone())
}
