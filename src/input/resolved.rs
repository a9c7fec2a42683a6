//! What input hands to the plan: every parameter resolved for one target
//! and typed (one field per parameter of recipe.toml, so that a parameter
//! the recipe drops or renames is an error at load, never a lookup that
//! panics), the chosen extras parsed, and which parameters the user gave.

use std::collections::BTreeMap;
use std::str::FromStr;

use anyhow::{bail, Context, Result};
use camino::Utf8PathBuf;
use serde::Serialize;

use super::given::Given;
use super::params::resolve_values;
use crate::recipe::rules::parse_extras;
use crate::recipe::version::PatroniVersion;
use crate::recipe::RecipeDef;

/// The parameters of one target, as the plan takes them.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub params: Params,
    /// `patroni_extras` parsed: PEP 685 names, sorted, once each.
    pub extras: Vec<String>,
    /// The parameters the user gave (not defaults), with where from
    /// (`--set`, `FILE:LINE`), for messages that name the source.
    pub given: BTreeMap<String, String>,
}

/// Resolve every parameter for `target` from the given values: evaluated
/// (as Ansible would) once, checked against its kind, and typed.
pub fn resolve(def: &RecipeDef, target: &str, given: &BTreeMap<String, Given>) -> Result<Resolved> {
    let values = resolve_values(def, target, given)?;
    let params = Params::from_map(&values)?;
    let extras =
        parse_extras(&params.patroni_extras, &def.patroni_extras).map_err(crate::error::usage)?;
    let given = given
        .iter()
        .filter(|(k, _)| def.params.contains_key(*k))
        .map(|(k, g)| (k.clone(), g.origin.clone()))
        .collect();
    Ok(Resolved {
        params,
        extras,
        given,
    })
}

/// How Patroni is installed (`install_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InstallMethod {
    /// From PyPI with pipx, as the role does.
    Pipx,
    /// The distribution's patroni package.
    Package,
}

impl FromStr for InstallMethod {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pipx" => Ok(InstallMethod::Pipx),
            "package" => Ok(InstallMethod::Package),
            _ => Err("it is not an install method".into()),
        }
    }
}

/// What makes Patroni's venv (`installer`): pipx's backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// pipx with pip, as the role does.
    Pip,
    /// uv and pipx from the lock; pipx's uv backend.
    Uv,
}

impl FromStr for Backend {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pip" => Ok(Backend::Pip),
            "uv" => Ok(Backend::Uv),
            _ => Err("it is not an installer".into()),
        }
    }
}

/// Every parameter of recipe.toml, as resolved for one target and typed:
/// paths are paths, the version a version, and a value that may be left
/// out an `Option` (`None` where the resolved text is empty).
#[derive(Debug, Clone, Serialize)]
pub struct Params {
    pub pg_user: String,
    pub pg_group: String,
    pub pg_home: Utf8PathBuf,
    pub patroni_bin_dir: Utf8PathBuf,
    pub patroni_config_dir: Utf8PathBuf,
    pub patroni_version: PatroniVersion,
    pub patroni_extras: String,
    pub pipx_home: Utf8PathBuf,
    pub install_method: InstallMethod,
    pub installer: Backend,
    pub lock_dependencies: bool,
    pub wheelhouse: Option<Utf8PathBuf>,
    pub pip_index_url: Option<String>,
    pub ca_bundle: Option<Utf8PathBuf>,
    pub http_proxy: Option<String>,
    pub https_proxy: Option<String>,
    pub no_proxy: Option<String>,
    pub cloud_init_limit: usize,
}

/// The parameters [`Params`] has: recipe.toml must define exactly these.
const PARAM_NAMES: [&str; 18] = [
    "pg_user",
    "pg_group",
    "pg_home",
    "patroni_bin_dir",
    "patroni_config_dir",
    "patroni_version",
    "patroni_extras",
    "pipx_home",
    "install_method",
    "installer",
    "lock_dependencies",
    "wheelhouse",
    "pip_index_url",
    "ca_bundle",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "cloud_init_limit",
];

impl Params {
    /// From the resolver's `name → value` map, each value typed once.
    fn from_map(values: &BTreeMap<String, String>) -> Result<Params> {
        if let Some(extra) = values.keys().find(|k| !PARAM_NAMES.contains(&k.as_str())) {
            bail!("recipe.toml's parameter {extra} is not in the typed Params (src/input/resolved.rs)");
        }
        let v = Values(values);
        Ok(Params {
            pg_user: v.text("pg_user")?,
            pg_group: v.text("pg_group")?,
            pg_home: v.text("pg_home")?.into(),
            patroni_bin_dir: v.text("patroni_bin_dir")?.into(),
            patroni_config_dir: v.text("patroni_config_dir")?.into(),
            patroni_version: v.parsed("patroni_version")?,
            patroni_extras: v.text("patroni_extras")?,
            pipx_home: v.text("pipx_home")?.into(),
            install_method: v.parsed("install_method")?,
            installer: v.parsed("installer")?,
            lock_dependencies: v.parsed("lock_dependencies")?,
            wheelhouse: v.optional("wheelhouse")?.map(Utf8PathBuf::from),
            pip_index_url: v.optional("pip_index_url")?,
            ca_bundle: v.optional("ca_bundle")?.map(Utf8PathBuf::from),
            http_proxy: v.optional("http_proxy")?,
            https_proxy: v.optional("https_proxy")?,
            no_proxy: v.optional("no_proxy")?,
            cloud_init_limit: v.parsed("cloud_init_limit")?,
        })
    }
}

/// The resolver's values, read by name.
struct Values<'a>(&'a BTreeMap<String, String>);

impl Values<'_> {
    fn text(&self, name: &str) -> Result<String> {
        self.0.get(name).cloned().with_context(|| {
            format!("recipe.toml has no parameter {name}, which the typed Params (src/input/resolved.rs) needs")
        })
    }

    /// A value that may be left out: the text Ansible gives for it is empty.
    fn optional(&self, name: &str) -> Result<Option<String>> {
        Ok(Some(self.text(name)?).filter(|v| !v.is_empty()))
    }

    fn parsed<T: FromStr>(&self, name: &str) -> Result<T>
    where
        T::Err: std::fmt::Display,
    {
        let text = self.text(name)?;
        text.parse()
            .map_err(|e| anyhow::anyhow!("{name} '{text}': {e}"))
    }
}
