//! What a plan installs: every Python distribution, with where it lands,
//! read from the plan's locks. One reader for every tool that asks (the
//! audit; the SBOM).

use serde::Serialize;

use camino::Utf8Path;

use super::{Install, LockedReq, PipxFrom, Plan};

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
    let mut add = |place: Place, reqs: &[LockedReq], location: &Utf8Path| {
        out.extend(reqs.iter().map(|r| Installed {
            place,
            name: r.name.clone(),
            version: r.version.clone(),
            location: location.to_string(),
        }));
    };
    let home = plan.paths.home.join(".local");
    match &plan.install {
        Install::Package(_) => {}
        Install::PipxPip(pip) => {
            if let Some(lock) = &pip.lock {
                add(
                    Place::PatroniVenv,
                    &lock.patroni.patroni,
                    &pip.pipx.paths.venv,
                );
                let shared = pip.pipx.paths.pipx_home.join("shared");
                add(Place::PipxShared, &lock.patroni.shared, &shared);
            }
            if let PipxFrom::PipUser(from) = &pip.pipx_from {
                if let Some(lock) = &from.lock {
                    add(Place::PipxUser, &lock.reqs, &home);
                }
            }
        }
        Install::PipxUv(uv) => {
            add(Place::PatroniVenv, &uv.lock.patroni, &uv.pipx.paths.venv);
            add(Place::SdistBuild, &uv.lock.shared, Utf8Path::new(""));
            add(Place::UvVenv, &uv.uv.reqs, &uv.uv.venv);
        }
    }
    if out.is_empty() {
        if let Some(version) = plan.params.patroni_version.pinned() {
            let (place, location) = match &plan.install {
                Install::Package(_) => (Place::OsPackage, String::new()),
                Install::PipxPip(pip) => (Place::PatroniVenv, pip.pipx.paths.venv.to_string()),
                Install::PipxUv(uv) => (Place::PatroniVenv, uv.pipx.paths.venv.to_string()),
            };
            out.push(Installed {
                place,
                name: "patroni".into(),
                version: version.to_string(),
                location,
            });
        }
    }
    out.sort();
    out
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
