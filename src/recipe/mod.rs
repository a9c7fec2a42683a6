//! The recipe definition: targets, OS families and parameters, as data.
//!
//! A recipe is a folder: `recipe.toml` plus its templates. The one recipe
//! this tool ships, `install_patroni`, is embedded in the binary so that an
//! installed binary works from any directory; `--recipes DIR` reads the same
//! files from disk instead (for recipe authors).

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use crate::error::usage;
pub use def::{
    Family, Fragment, OsFamily, PackageManager, ParamDef, ParamDefault, PipxSource, Pragma,
    RecipeDef, StepDef, StepWhen, Target,
};
pub use kind::Kind;
use uvlock::UvLock;

mod def;
mod kind;
pub mod requirement;
pub mod rules;
pub mod uvlock;
pub mod version;

/// The recipe this tool renders.
pub const RECIPE_NAME: &str = "install_patroni";
/// The recipe definition inside a recipe folder.
pub const RECIPE_FILE: &str = "recipe.toml";
/// The lock of the default Patroni version inside a recipe folder (uv's
/// lock format; `make lock` refreshes it).
pub const LOCK_FILE: &str = "patroni.uv.lock";
/// The lock of uv and pipx for installer=uv (`patroni-bake lock
/// --uv-installer` refreshes it); it does not depend on Patroni's version.
pub const UV_INSTALLER_LOCK_FILE: &str = "uv-installer.uv.lock";
/// The fetcher of uv's wheel (Python's standard library only), which the
/// uv_installer step pipes to the target's Python.
pub const FETCH_WHEEL_SCRIPT: &str = "steps/fetch_wheel.py";

/// Name constants of the templates every recipe folder holds; the steps'
/// templates are named by recipe.toml's `[[steps]]` (see [`StepDef`]).
pub mod template {
    pub const INSTALL_SH: &str = "install.sh.j2";
    pub const DOCKERFILE: &str = "Dockerfile.j2";
    pub const CLOUD_INIT: &str = "cloud-init.yaml.j2";
    pub const UNIT: &str = "patroni.service.j2";
    /// The header and the macros the other templates import.
    pub const MACROS: &str = "macros.sh.j2";
    /// A step as the shell of one Dockerfile RUN (before its encoding).
    pub const DOCKER_RUN: &str = "docker_run.sh.j2";

    /// The fixed templates, in no particular order.
    pub const ALL: &[&str] = &[INSTALL_SH, DOCKERFILE, CLOUD_INIT, UNIT, MACROS, DOCKER_RUN];

    /// The template of the step `id`.
    pub fn step(id: &str) -> String {
        format!("steps/{id}.sh.j2")
    }

    /// The template of the step `id` for one install, where the step has
    /// one per install (`per_install` in recipe.toml).
    pub fn step_fragment(id: &str, install: super::Fragment) -> String {
        format!("steps/{id}/{}.sh.j2", install.name())
    }

    /// The macros that the fragments of the step `id` share.
    pub fn step_shared(id: &str) -> String {
        format!("steps/{id}/shared.sh.j2")
    }

    /// Every template of the step: its one template, or its fragments for
    /// every install it runs in (on some family) and their shared macros.
    pub fn step_templates(def: &super::StepDef) -> Vec<String> {
        if !def.per_install {
            return vec![step(&def.id)];
        }
        let sources = [super::PipxSource::OsPackage, super::PipxSource::PipUser];
        let mut names: Vec<String> = super::Fragment::ALL
            .into_iter()
            .filter(|f| sources.iter().any(|s| def.when.runs_in(*f, *s)))
            .map(|f| step_fragment(&def.id, f))
            .collect();
        names.push(step_shared(&def.id));
        names
    }
}

/// The embedded copy of `recipes/install_patroni/`: every file, by its
/// path in the folder (written by build.rs).
const EMBEDDED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
/// The embedded locks as JSON: (file name, first line, JSON).
const EMBEDDED_LOCKS: &[(&str, &str, &str)] =
    include!(concat!(env!("OUT_DIR"), "/embedded_locks.rs"));

/// A loaded recipe: its definition, its locks and its template sources.
#[derive(Debug, Clone)]
pub struct Recipe {
    pub def: RecipeDef,
    /// The locks by the Patroni version they hold: the recipe's, and a
    /// user's (`--lock`), which wins for its version.
    pub locks: BTreeMap<String, UvLock>,
    /// The lock of uv and pipx (installer=uv), where the folder has one.
    pub uv_installer_lock: Option<UvLock>,
    /// Template sources by name (see [`template`]).
    pub templates: BTreeMap<String, String>,
}

impl Recipe {
    /// The recipe compiled into this binary.
    pub fn embedded() -> Result<Recipe> {
        let origin = Utf8Path::new("<embedded>");
        let locks: BTreeMap<&str, UvLock> = EMBEDDED_LOCKS
            .iter()
            .map(|(name, first, json)| {
                Ok((
                    *name,
                    UvLock::from_json(json, first, &format!("{origin}/{name}"))?,
                ))
            })
            .collect::<Result<_>>()?;
        let files = EMBEDDED
            .iter()
            .filter(|(n, _)| !locks.contains_key(n))
            .map(|(n, s)| (n.to_string(), s.to_string()));
        Self::from_parts(files.collect(), locks, origin)
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
        let mut locks = BTreeMap::new();
        for name in [LOCK_FILE, UV_INSTALLER_LOCK_FILE] {
            if let Some(text) = files.remove(name) {
                let text = text.replace("\r\n", "\n");
                locks.insert(name, UvLock::parse(&text, &format!("{origin}/{name}"))?);
            }
        }
        Self::from_parts(files, locks, origin)
    }

    /// The recipe from its files other than the locks, and its parsed locks
    /// by file name.
    fn from_parts(
        mut files: BTreeMap<String, String>,
        mut locks: BTreeMap<&str, UvLock>,
        origin: &Utf8Path,
    ) -> Result<Recipe> {
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
        let lock = locks
            .remove(LOCK_FILE)
            .with_context(|| format!("{origin} has no {LOCK_FILE}"))?;
        let mut recipe = Recipe {
            def,
            locks: BTreeMap::new(),
            uv_installer_lock: locks.remove(UV_INSTALLER_LOCK_FILE),
            templates: files,
        };
        recipe
            .check_templates()
            .with_context(|| format!("checking {origin}"))?;
        recipe.insert_lock(lock, &format!("{origin}/{LOCK_FILE}"))?;
        Ok(recipe)
    }

    /// Add a lock (uv.lock text) for the Patroni version it holds, which
    /// is returned.
    pub fn add_lock(&mut self, text: &str, origin: &str) -> Result<String> {
        self.insert_lock(UvLock::parse(text, origin)?, origin)
    }

    fn insert_lock(&mut self, lock: UvLock, origin: &str) -> Result<String> {
        let version = lock
            .patroni_version()
            .with_context(|| format!("{origin} holds no Patroni"))?
            .to_string();
        self.locks.insert(version.clone(), lock);
        Ok(version)
    }

    /// The default of `patroni_version`: the version the built-in lock holds.
    pub fn default_patroni_version(&self) -> &str {
        self.def
            .params
            .get("patroni_version")
            .map_or("", |p| p.default.for_family(OsFamily::Debian))
    }

    /// Add the user's lock file (`--lock FILE`); the Patroni version it
    /// holds is returned.
    pub fn add_lock_file(&mut self, path: &Utf8Path) -> Result<String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| usage(format!("--lock {path}: {e}")))?;
        self.add_lock(&text, path.as_str())
            .map_err(|e| usage(format!("--lock {path}: {e:#}; --lock takes a lock that `patroni-bake lock --set patroni_version=V --out patroni-V.uv.lock` made")))
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
            wanted.extend(template::step_templates(step));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locks_embedded_as_json_are_the_checkouts_locks() {
        let embedded = Recipe::embedded().unwrap();
        let dir = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("recipes");
        let checkout = Recipe::from_dir(&dir).unwrap();
        assert_eq!(embedded.locks, checkout.locks);
        assert!(embedded.uv_installer_lock.is_some());
        assert_eq!(embedded.uv_installer_lock, checkout.uv_installer_lock);
        let lock = &embedded.locks[embedded.default_patroni_version()];
        assert_eq!(
            lock.lacking_extras(),
            Some(&[][..]),
            "the LACKING line is read"
        );
    }

    #[test]
    fn embedded_recipe_holds_every_template_and_the_checkout_too() {
        let r = Recipe::embedded().unwrap();
        for name in template::ALL {
            assert!(r.templates.contains_key(*name), "{name} is not embedded");
        }
        for step in &r.def.steps {
            for name in template::step_templates(step) {
                assert!(r.templates.contains_key(&name), "{name}");
            }
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
