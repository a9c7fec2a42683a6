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

use crate::ansible::Var;
use crate::error::usage;
use crate::suggest::did_you_mean;
use crate::uvlock::UvLock;
use crate::validate::Kind;

/// The recipe this tool renders.
pub const RECIPE_NAME: &str = "install_patroni";
/// The recipe definition inside a recipe folder.
pub const RECIPE_FILE: &str = "recipe.toml";
/// The lock of the default Patroni version inside a recipe folder (uv's
/// lock format; `make lock` refreshes it).
pub const LOCK_FILE: &str = "patroni.uv.lock";

/// Name constants of every template a recipe folder holds.
pub mod template {
    pub const INSTALL_SH: &str = "install.sh.j2";
    pub const DOCKERFILE: &str = "Dockerfile.j2";
    pub const CLOUD_INIT: &str = "cloud-init.yaml.j2";
    pub const UNIT: &str = "patroni.service.j2";
    pub const STEP_PREFLIGHT: &str = "steps/preflight.sh.j2";
    pub const STEP_PACKAGES: &str = "steps/packages.sh.j2";
    pub const STEP_PIPX_USER: &str = "steps/pipx_user.sh.j2";
    pub const STEP_PATRONI: &str = "steps/patroni.sh.j2";
    pub const STEP_PACKAGE: &str = "steps/package.sh.j2";
    pub const STEP_PATH: &str = "steps/path.sh.j2";
    pub const STEP_UNIT: &str = "steps/unit.sh.j2";
    pub const STEP_CONFIG_DIR: &str = "steps/config_dir.sh.j2";

    /// Every template, in no particular order.
    pub const ALL: &[&str] = &[
        INSTALL_SH,
        DOCKERFILE,
        CLOUD_INIT,
        UNIT,
        STEP_PREFLIGHT,
        STEP_PACKAGES,
        STEP_PIPX_USER,
        STEP_PATRONI,
        STEP_PACKAGE,
        STEP_PATH,
        STEP_UNIT,
        STEP_CONFIG_DIR,
    ];
}

macro_rules! embed {
    ($($name:expr => $file:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../recipes/install_patroni/", $file)))),*]
    };
}

/// The embedded copy of `recipes/install_patroni/`.
const EMBEDDED: &[(&str, &str)] = embed![
    RECIPE_FILE => "recipe.toml",
    LOCK_FILE => "patroni.uv.lock",
    template::INSTALL_SH => "install.sh.j2",
    template::DOCKERFILE => "Dockerfile.j2",
    template::CLOUD_INIT => "cloud-init.yaml.j2",
    template::UNIT => "patroni.service.j2",
    template::STEP_PREFLIGHT => "steps/preflight.sh.j2",
    template::STEP_PACKAGES => "steps/packages.sh.j2",
    template::STEP_PIPX_USER => "steps/pipx_user.sh.j2",
    template::STEP_PATRONI => "steps/patroni.sh.j2",
    template::STEP_PACKAGE => "steps/package.sh.j2",
    template::STEP_PATH => "steps/path.sh.j2",
    template::STEP_UNIT => "steps/unit.sh.j2",
    template::STEP_CONFIG_DIR => "steps/config_dir.sh.j2",
];

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
    pub families: BTreeMap<String, Family>,
    pub targets: BTreeMap<String, Target>,
    pub params: BTreeMap<String, ParamDef>,
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
    pub family: String,
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
    PerFamily(BTreeMap<String, String>),
}

impl ParamDefault {
    pub fn for_family(&self, family: &str) -> &str {
        match self {
            ParamDefault::One(v) => v,
            // Recipe::check guarantees every family has an entry.
            ParamDefault::PerFamily(m) => m.get(family).map(String::as_str).unwrap_or(""),
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
        for name in [RECIPE_FILE, LOCK_FILE]
            .into_iter()
            .chain(template::ALL.iter().copied())
        {
            let path: Utf8PathBuf = folder.join(name);
            let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
            files.insert(name.to_string(), text);
        }
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

impl RecipeDef {
    /// Consistency of the definition itself (a recipe author's error).
    fn check(&self) -> Result<()> {
        for (name, t) in &self.targets {
            if !self.families.contains_key(&t.family) {
                bail!("target {name}: unknown family '{}'", t.family);
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
                        bail!("param {name}: no default for family '{fam}'");
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

    /// The Ansible facts of the target called `name` (an alias may differ),
    /// as variables, and `ansible_facts` holding them without the prefix.
    pub fn facts(&self, name: &str) -> Result<BTreeMap<String, Var>> {
        let (_, t) = self.target(name)?;
        let mut facts = t.facts.clone();
        if let Some(more) = t.name_facts.get(name) {
            facts.extend(more.clone());
        }
        let origin = format!("fact of {name}");
        let facts: Vec<(String, crate::varsfile::Raw)> = facts
            .into_iter()
            .map(|(k, v)| (k, crate::varsfile::toml_raw(v)))
            .collect();
        let unprefixed = facts
            .iter()
            .map(|(k, raw)| {
                (
                    k.strip_prefix("ansible_").unwrap_or(k).to_string(),
                    raw.clone(),
                )
            })
            .collect();
        let var = |raw| Var {
            raw,
            origin: origin.clone(),
        };
        let mut out: BTreeMap<String, Var> =
            facts.into_iter().map(|(k, raw)| (k, var(raw))).collect();
        out.insert(
            "ansible_facts".into(),
            var(crate::varsfile::Raw::Map(unprefixed)),
        );
        Ok(out)
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
    fn embedded_recipe_holds_every_template() {
        let r = Recipe::embedded().unwrap();
        for name in template::ALL {
            assert!(r.templates.contains_key(*name), "{name} is not embedded");
        }
        assert_eq!(r.templates.len(), template::ALL.len());
    }

    #[test]
    fn aliases_resolve_and_typos_are_suggested() {
        let r = Recipe::embedded().unwrap();
        assert_eq!(r.def.target("rocky-9").unwrap().0, "rhel-9");
        let err = r.def.target("debian-21").unwrap_err().to_string();
        assert!(err.contains("did you mean"), "{err}");
    }
}
