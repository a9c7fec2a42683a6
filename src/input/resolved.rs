//! What input hands to the plan: every parameter resolved for one target
//! and typed (one field per parameter of recipe.toml, so that a parameter
//! the recipe drops or renames is an error at load, never a lookup that
//! panics), the chosen extras parsed, and which parameters the user gave.

use std::collections::BTreeMap;
use std::str::FromStr;

use anyhow::{Context, Result};
use serde::{Deserialize, Deserializer, Serialize};

use super::given::Given;
use super::params::{resolve_values, Validation};
use crate::recipe::rules::{check_driver, parse_extras};
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
/// (as Ansible would) once, checked against its kind unless `validation`
/// is `Unchecked` (only the quoting tests switch it off), and typed.
pub fn resolve(
    def: &RecipeDef,
    target: &str,
    given: &BTreeMap<String, Given>,
    validation: Validation,
) -> Result<Resolved> {
    let values = resolve_values(def, target, given, validation)?;
    let params = Params::from_map(&values)?;
    let extras = match validation {
        Validation::Checked => {
            let extras = parse_extras(&params.patroni_extras, &def.patroni_extras)
                .map_err(crate::error::usage)?;
            let pipx = params.install_method == InstallMethod::Pipx;
            check_driver(&extras, &def.driver_extras, pipx).map_err(crate::error::usage)?;
            extras
        }
        Validation::Unchecked => {
            let mut e: Vec<String> = params
                .patroni_extras
                .split(',')
                .map(str::to_string)
                .collect();
            e.sort();
            e
        }
    };
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InstallMethod {
    /// From PyPI with pipx, as the role does.
    Pipx,
    /// The distribution's patroni package.
    Package,
}

/// What makes Patroni's venv (`installer`): pipx's backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// pipx with pip, as the role does.
    Pip,
    /// uv and pipx from the lock; pipx's uv backend.
    Uv,
}

/// Every parameter of recipe.toml, as resolved for one target.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub pg_user: String,
    pub pg_group: String,
    pub pg_home: String,
    pub patroni_bin_dir: String,
    pub patroni_config_dir: String,
    pub patroni_version: String,
    pub patroni_extras: String,
    pub pipx_home: String,
    pub install_method: InstallMethod,
    pub installer: Backend,
    #[serde(deserialize_with = "parsed")]
    pub lock_dependencies: bool,
    pub wheelhouse: String,
    pub pip_index_url: String,
    pub ca_bundle: String,
    pub http_proxy: String,
    pub https_proxy: String,
    pub no_proxy: String,
    #[serde(deserialize_with = "parsed")]
    pub cloud_init_limit: usize,
}

impl Params {
    /// From the resolver's `name → value` map.
    fn from_map(values: &BTreeMap<String, String>) -> Result<Params> {
        let json = serde_json::to_value(values).context("the parameters")?;
        serde_json::from_value(json).context(
            "recipe.toml's parameters do not match the typed Params (src/input/resolved.rs)",
        )
    }
}

/// A value that recipe.toml gives as text (`"true"`, `"16384"`).
fn parsed<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: std::fmt::Display,
{
    let text = String::deserialize(d)?;
    text.parse()
        .map_err(|e| serde::de::Error::custom(format!("'{text}': {e}")))
}
