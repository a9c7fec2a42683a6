//! The recipe definition: targets, OS families and parameters, as data.
//!
//! A recipe is a folder: `recipe.toml` plus its templates. The one recipe
//! this tool ships, `install_patroni`, is embedded in the binary so that an
//! installed binary works from any directory; `--recipes DIR` reads the same
//! files from disk instead (for recipe authors).

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use camino::{Utf8Path, Utf8PathBuf};
use serde::Deserialize;

use crate::error::usage;
use crate::suggest::did_you_mean;
pub use kind::Kind;
use uvlock::UvLock;

mod kind;
pub mod requirement;
pub mod uvlock;

/// The recipe this tool renders.
pub const RECIPE_NAME: &str = "install_patroni";
/// The recipe definition inside a recipe folder.
pub const RECIPE_FILE: &str = "recipe.toml";
/// The lock of the default Patroni version inside a recipe folder (uv's
/// lock format; `make lock` refreshes it).
pub const LOCK_FILE: &str = "patroni.uv.lock";

/// Name constants of the templates every recipe folder holds; the steps'
/// templates are named by recipe.toml's `[[steps]]` (see [`StepDef`]).
pub mod template {
    pub const INSTALL_SH: &str = "install.sh.j2";
    pub const DOCKERFILE: &str = "Dockerfile.j2";
    pub const CLOUD_INIT: &str = "cloud-init.yaml.j2";
    pub const UNIT: &str = "patroni.service.j2";
    /// The header and the macros the other templates import.
    pub const MACROS: &str = "macros.sh.j2";

    /// The fixed templates, in no particular order.
    pub const ALL: &[&str] = &[INSTALL_SH, DOCKERFILE, CLOUD_INIT, UNIT, MACROS];

    /// The template of the step `id`.
    pub fn step(id: &str) -> String {
        format!("steps/{id}.sh.j2")
    }
}

/// The embedded copy of `recipes/install_patroni/`: every file, by its
/// path in the folder (written by build.rs).
const EMBEDDED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// A loaded recipe: its definition, its locks and its template sources.
#[derive(Debug, Clone)]
pub struct Recipe {
    pub def: RecipeDef,
    /// The locks by the Patroni version they hold: the recipe's, and a
    /// user's (`--lock`), which wins for its version.
    pub locks: BTreeMap<String, UvLock>,
    /// Template sources by name (see [`template`]).
    pub templates: BTreeMap<String, String>,
}

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
}

/// Which installs run a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepWhen {
    Always,
    /// install_method=pipx.
    Pipx,
    /// install_method=pipx where pipx comes from PyPI (`pip-user`).
    PipxFromPip,
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

impl Recipe {
    /// The recipe compiled into this binary.
    pub fn embedded() -> Result<Recipe> {
        let files = EMBEDDED.iter().map(|(n, s)| (n.to_string(), s.to_string()));
        Self::from_files(files.collect(), Utf8Path::new("<embedded>"))
    }

    /// The recipe from `DIR/install_patroni/`.
    pub fn from_dir(dir: &Utf8Path) -> Result<Recipe> {
        let folder = dir.join(RECIPE_NAME);
        if !folder.is_dir() {
            return Err(usage(format!(
                "--recipes {dir}: no folder {folder}; the directory must hold {RECIPE_NAME}/{RECIPE_FILE} and its templates"
            )));
        }
        let mut files = BTreeMap::new();
        read_tree(&folder, &folder, &mut files)?;
        Self::from_files(files, &folder)
    }

    fn from_files(mut files: BTreeMap<String, String>, origin: &Utf8Path) -> Result<Recipe> {
        // A checkout with CRLF line ends must still render LF-only files.
        for text in files.values_mut() {
            if text.contains('\r') {
                *text = text.replace("\r\n", "\n");
            }
        }
        let text = files.remove(RECIPE_FILE).unwrap_or_default();
        let def: RecipeDef =
            toml::from_str(&text).with_context(|| format!("parsing {origin}/{RECIPE_FILE}"))?;
        def.check()
            .with_context(|| format!("checking {origin}/{RECIPE_FILE}"))?;
        let text = files.remove(LOCK_FILE).unwrap_or_default();
        let mut recipe = Recipe {
            def,
            locks: BTreeMap::new(),
            templates: files,
        };
        recipe
            .check_templates()
            .with_context(|| format!("checking {origin}"))?;
        recipe.add_lock(&text, &format!("{origin}/{LOCK_FILE}"))?;
        Ok(recipe)
    }

    /// Add a lock (uv.lock text) for the Patroni version it holds.
    pub fn add_lock(&mut self, text: &str, origin: &str) -> Result<()> {
        let lock = UvLock::parse(text, origin)?;
        let version = lock
            .patroni_version()
            .with_context(|| format!("{origin} holds no Patroni"))?
            .to_string();
        self.locks.insert(version, lock);
        Ok(())
    }

    /// Add the user's lock file (`--lock FILE`).
    pub fn add_lock_file(&mut self, path: &Utf8Path) -> Result<()> {
        let text =
            std::fs::read_to_string(path).map_err(|e| usage(format!("--lock {path}: {e}")))?;
        self.add_lock(&text, path.as_str())
            .map_err(|e| usage(format!("--lock {path}: {e:#}; make it with `patroni-bake lock --set patroni_version=V --out {path}`")))
    }
}

/// Every file under `dir`, by its path relative to `root`.
fn read_tree(root: &Utf8Path, dir: &Utf8Path, files: &mut BTreeMap<String, String>) -> Result<()> {
    for entry in dir
        .read_dir_utf8()
        .with_context(|| format!("reading {dir}"))?
    {
        let entry = entry.with_context(|| format!("reading {dir}"))?;
        let path: Utf8PathBuf = entry.path().to_owned();
        if path.is_dir() {
            read_tree(root, &path, files)?;
            continue;
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .as_str()
            .to_string();
        files.insert(rel, text);
    }
    Ok(())
}

impl Recipe {
    /// Every template a step or the Dockerfile needs is there, and every
    /// step template is named by a step (a recipe author's error).
    fn check_templates(&self) -> Result<()> {
        let mut wanted: Vec<String> = template::ALL.iter().map(|s| s.to_string()).collect();
        for step in &self.def.steps {
            wanted.push(template::step(&step.id));
            wanted.extend(step.dockerfile_after.clone());
        }
        for name in &wanted {
            if !self.templates.contains_key(name) {
                bail!("template {name} is missing");
            }
        }
        for name in self.templates.keys() {
            if name.ends_with(".j2") && !wanted.contains(name) {
                bail!("template {name} is not used: name its step in recipe.toml's [[steps]]");
            }
        }
        Ok(())
    }
}

impl RecipeDef {
    /// Consistency of the definition itself (a recipe author's error).
    fn check(&self) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_recipe_holds_every_template_and_the_checkout_too() {
        let r = Recipe::embedded().unwrap();
        for name in template::ALL {
            assert!(r.templates.contains_key(*name), "{name} is not embedded");
        }
        for step in &r.def.steps {
            assert!(r.templates.contains_key(&template::step(&step.id)));
        }
        let dir = Recipe::from_dir(Utf8Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/recipes"
        )))
        .unwrap();
        assert_eq!(dir.templates, r.templates);
    }

    #[test]
    fn a_template_no_step_names_is_an_error() {
        let mut files: BTreeMap<String, String> = EMBEDDED
            .iter()
            .map(|(n, s)| (n.to_string(), s.to_string()))
            .collect();
        files.insert("steps/stale.sh.j2".into(), "true\n".into());
        let err = Recipe::from_files(files, Utf8Path::new("<test>")).unwrap_err();
        assert!(
            format!("{err:#}").contains("steps/stale.sh.j2 is not used"),
            "{err:#}"
        );
    }

    #[test]
    fn aliases_resolve_and_typos_are_suggested() {
        let r = Recipe::embedded().unwrap();
        assert_eq!(r.def.target("rocky-9").unwrap().0, "rhel-9");
        let err = r.def.target("debian-21").unwrap_err().to_string();
        assert!(err.contains("did you mean"), "{err}");
    }
}
