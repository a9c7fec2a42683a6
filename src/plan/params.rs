//! The resolved parameters, typed: one field per parameter of recipe.toml,
//! so that a parameter the recipe drops or renames is an error at load,
//! never a lookup that panics.

use std::collections::BTreeMap;
use std::str::FromStr;

use anyhow::{Context, Result};
use serde::{Deserialize, Deserializer, Serialize};

/// How Patroni is installed (`install_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InstallMethod {
    /// From PyPI with pipx, as the role does.
    Pipx,
    /// The distribution's patroni package.
    Package,
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
    pub fn from_map(values: &BTreeMap<String, String>) -> Result<Params> {
        let json = serde_json::to_value(values).context("the parameters")?;
        serde_json::from_value(json)
            .context("recipe.toml's parameters do not match the plan's (src/plan/params.rs)")
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
