//! What Patroni is installed: the requirement pipx takes, its version and
//! extras, and what follows from them (the unit's type, the modules that
//! prove the extras import).

use serde::Serialize;

use super::Params;
use crate::recipe::version::{release_at_least, Version};
use crate::recipe::RecipeDef;

/// The unit's `Type=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitType {
    Simple,
    /// Patroni >= 4.1 with the systemd extra tells systemd when it is up.
    Notify,
}

/// The requirement pipx installs.
#[derive(Debug, Clone)]
pub struct PatroniSpec {
    /// `patroni[etcd,psycopg2-binary]==4.1.5`: extras sorted as pipx
    /// records them.
    pub requirement: String,
    /// The pinned version; `None` for `latest`.
    pub pinned: Option<Version>,
    /// The extras, sorted.
    pub extras: Vec<String>,
}

impl PatroniSpec {
    /// The spec of `p`'s version with `extras` (parsed and sorted).
    pub fn of(p: &Params, extras: &[String]) -> PatroniSpec {
        let pinned = p.patroni_version.pinned().cloned();
        let extras = extras.to_vec();
        let mut requirement = String::from("patroni");
        if !extras.is_empty() {
            requirement.push_str(&format!("[{}]", extras.join(",")));
        }
        if let Some(v) = &pinned {
            requirement.push_str(&format!("=={v}"));
        }
        PatroniSpec {
            requirement,
            pinned,
            extras,
        }
    }

    pub fn unit_type(&self) -> UnitType {
        let systemd = self.extras.iter().any(|e| e == "systemd" || e == "all");
        let new_enough = self
            .pinned
            .as_ref()
            .is_some_and(|v| release_at_least(v, &[4, 1]));
        if systemd && new_enough {
            UnitType::Notify
        } else {
            UnitType::Simple
        }
    }
}

/// The version in pipx's pip requirement (`pipx==1.7.1`): what `pipx
/// --version` prints.
pub fn pipx_version(pip_spec: &str) -> String {
    pip_spec
        .split_once("==")
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

/// The modules of `extras` (recipe.toml's extra_modules), sorted, once each.
pub fn smoke_modules(def: &RecipeDef, extras: &[String]) -> Vec<String> {
    let mut out: Vec<String> = extras
        .iter()
        .flat_map(|e| def.extra_modules.get(e).cloned().unwrap_or_default())
        .collect();
    out.sort();
    out.dedup();
    out
}
