//! `recipe.toml`'s types: targets, OS families, parameters and steps, as
//! deserialized, and the definition's own consistency.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use serde::Deserialize;

use super::Kind;
use crate::error::usage;
use crate::suggest::did_you_mean;

/// `recipe.toml`, deserialized.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipeDef {
    pub name: String,
    pub summary: String,
    /// Every extra that Patroni defines.
    pub patroni_extras: Vec<String>,
    /// pip requirement for pipx where pipx comes from PyPI.
    pub pipx_pip_spec: String,
    /// What pipx keeps in its shared venv (pip and its build tools).
    pub pipx_shared_libs: Vec<String>,
    /// installer=uv: the requirements of uv and of the pipx whose uv
    /// backend makes Patroni's venv (locked in uv-installer.uv.lock).
    pub uv_installer: Vec<String>,
    /// The oldest Python (`major.minor`) that runs that pipx.
    pub uv_installer_min_python: String,
    /// The Python modules each extra installs, imported once after an
    /// install as a smoke check.
    pub extra_modules: BTreeMap<String, Vec<String>>,
    /// Metadata uv is given instead of building an sdist to read it
    /// (name → version; no dependencies), for `patroni-bake lock`.
    #[serde(default)]
    pub lock_dependency_metadata: BTreeMap<String, String>,
    pub families: BTreeMap<OsFamily, Family>,
    pub targets: BTreeMap<String, Target>,
    pub params: BTreeMap<String, ParamDef>,
    /// The install's steps, in order.
    pub steps: Vec<StepDef>,
}

/// One step of the install: a function of install.sh, a RUN of the
/// Dockerfile; its text is the template `steps/ID.sh.j2`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepDef {
    pub id: String,
    pub title: String,
    pub when: StepWhen,
    /// The hadolint checks its RUN is exempt from, and why.
    #[serde(default)]
    pub hadolint: Option<Pragma>,
    /// Instead of `hadolint`, when the install is locked.
    #[serde(default)]
    pub hadolint_locked: Option<Pragma>,
    /// A template rendered into the Dockerfile after the step's RUN.
    #[serde(default)]
    pub dockerfile_after: Option<String>,
    /// Its text is one template per install it runs in,
    /// `steps/ID/FRAGMENT.sh.j2` (see [`Fragment`]), sharing macros in
    /// `steps/ID/shared.sh.j2`, instead of one template that branches.
    #[serde(default)]
    pub per_install: bool,
}

/// The installs a step's template can differ by: the plan's install, as
/// the name of its fragment (`steps/ID/pipx-uv.sh.j2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fragment {
    /// The distribution's patroni package.
    Package,
    /// pipx with pip, the dependencies floating.
    PipxPip,
    /// pipx with pip, from the hash lock.
    PipxPipLocked,
    /// pipx's uv backend, from the hash lock.
    PipxUv,
}

impl Fragment {
    pub const ALL: [Fragment; 4] = [
        Fragment::Package,
        Fragment::PipxPip,
        Fragment::PipxPipLocked,
        Fragment::PipxUv,
    ];

    /// The fragment's file name, without `.sh.j2`.
    pub fn name(self) -> &'static str {
        match self {
            Fragment::Package => "package",
            Fragment::PipxPip => "pipx-pip",
            Fragment::PipxPipLocked => "pipx-pip-locked",
            Fragment::PipxUv => "pipx-uv",
        }
    }
}

impl StepWhen {
    /// Whether a step with this `when` runs in `install`, where pipx comes
    /// from `pipx_source`.
    pub fn runs_in(self, install: Fragment, pipx_source: PipxSource) -> bool {
        match self {
            StepWhen::Always => true,
            StepWhen::Pipx => install != Fragment::Package,
            StepWhen::PipxFromPip => {
                matches!(install, Fragment::PipxPip | Fragment::PipxPipLocked)
                    && pipx_source == PipxSource::PipUser
            }
            StepWhen::Uv => install == Fragment::PipxUv,
            StepWhen::Package => install == Fragment::Package,
        }
    }
}

/// Which installs run a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepWhen {
    Always,
    /// install_method=pipx.
    Pipx,
    /// install_method=pipx where pipx comes from PyPI (`pip-user`), with
    /// installer=pip.
    PipxFromPip,
    /// install_method=pipx with installer=uv.
    Uv,
    /// install_method=package.
    Package,
}

/// A lint exemption: the checks, and the comment lines that say why.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Pragma {
    pub ignore: Vec<String>,
    #[serde(default)]
    pub why: Vec<String>,
}

/// An OS family: the targets that share a package manager and its ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OsFamily {
    Debian,
    Rhel,
}

impl OsFamily {
    pub fn as_str(self) -> &'static str {
        match self {
            OsFamily::Debian => "debian",
            OsFamily::Rhel => "rhel",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageManager {
    Apt,
    Dnf,
}

impl PackageManager {
    /// Its name, as serialized (and the templates' test: `is apt`).
    pub fn as_str(self) -> &'static str {
        match self {
            PackageManager::Apt => "apt",
            PackageManager::Dnf => "dnf",
        }
    }
}

/// Where pipx comes from on a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PipxSource {
    /// The distribution's `pipx` package.
    OsPackage,
    /// `python -m pip install --user pipx` as the OS user.
    PipUser,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Family {
    pub package_manager: PackageManager,
    pub pipx_source: PipxSource,
    /// install_method=package: the packages that install Patroni.
    pub patroni_packages: Vec<String>,
    /// install_method=package: the packages for each extra.
    pub extra_packages: BTreeMap<String, Vec<String>>,
    /// The OS packages that build a locked sdist with C code, by package
    /// name; `{python}` stands for the target's interpreter.
    #[serde(default)]
    pub sdist_build_packages: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub family: OsFamily,
    pub description: String,
    /// The interpreter that runs pipx.
    pub python: String,
    pub python_version: String,
    /// Its full version where the target ships one (markers may compare it).
    pub python_full_version: String,
    /// OS packages to install before pipx can run.
    pub packages: Vec<String>,
    /// The version of the distribution's patroni package, where known.
    #[serde(default)]
    pub patroni_package_version: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The Ansible facts that Ansible would gather on every host of this
    /// target, with their values; a fact that depends on the host (a point
    /// release, the architecture, the user) is left out.
    #[serde(default)]
    pub facts: BTreeMap<String, toml::Value>,
    /// Facts that differ by the name the target is given (`rocky-9`
    /// reports `ansible_distribution: Rocky`), keyed by that name.
    #[serde(default)]
    pub name_facts: BTreeMap<String, BTreeMap<String, toml::Value>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamDef {
    pub kind: Kind,
    pub default: ParamDefault,
    pub description: String,
}

/// A parameter's default: one value, or one per OS family.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ParamDefault {
    One(String),
    PerFamily(BTreeMap<OsFamily, String>),
}

impl ParamDefault {
    pub fn for_family(&self, family: OsFamily) -> &str {
        match self {
            ParamDefault::One(v) => v,
            // Recipe::check guarantees every family has an entry.
            ParamDefault::PerFamily(m) => m.get(&family).map(String::as_str).unwrap_or(""),
        }
    }
}

impl RecipeDef {
    /// Consistency of the definition itself (a recipe author's error).
    pub(super) fn check(&self) -> Result<()> {
        for (name, t) in &self.targets {
            if !self.families.contains_key(&t.family) {
                bail!("target {name}: no [families.{}]", t.family.as_str());
            }
            for key in t.name_facts.keys() {
                if key != name && !t.aliases.contains(key) {
                    bail!("target {name}: name_facts.{key} is neither the target nor an alias");
                }
            }
        }
        for (name, p) in &self.params {
            if let ParamDefault::PerFamily(m) = &p.default {
                for fam in self.families.keys() {
                    if !m.contains_key(fam) {
                        bail!("param {name}: no default for family '{}'", fam.as_str());
                    }
                }
            }
        }
        Ok(())
    }

    /// Resolve a target name or alias to its canonical name and definition.
    pub fn target(&self, name: &str) -> Result<(&str, &Target)> {
        for (canonical, t) in &self.targets {
            if canonical == name || t.aliases.iter().any(|a| a == name) {
                return Ok((canonical, t));
            }
        }
        let all: Vec<&str> = self.target_names().collect();
        Err(usage(format!(
            "unknown target '{name}'{}; targets are: {}",
            did_you_mean(name, all.iter().copied()),
            all.join(", ")
        )))
    }

    /// Canonical names and aliases.
    pub fn target_names(&self) -> impl Iterator<Item = &str> {
        self.targets.iter().flat_map(|(n, t)| {
            std::iter::once(n.as_str()).chain(t.aliases.iter().map(String::as_str))
        })
    }
}
