//! The Ansible facts a target supplies to vars files (recipe.toml's `facts`
//! and `name_facts`).

use std::collections::BTreeMap;

use anyhow::Result;

use super::ansible::Var;
use super::varsfile;
use crate::recipe::RecipeDef;

/// The Ansible facts of the target called `name` (an alias may differ),
/// as variables, and `ansible_facts` holding them without the prefix.
pub fn target_facts(def: &RecipeDef, name: &str) -> Result<BTreeMap<String, Var>> {
    let (_, t) = def.target(name)?;
    let mut facts = t.facts.clone();
    if let Some(more) = t.name_facts.get(name) {
        facts.extend(more.clone());
    }
    let origin = format!("fact of {name}");
    let facts: Vec<(String, varsfile::Raw)> = facts
        .into_iter()
        .map(|(k, v)| (k, varsfile::toml_raw(v)))
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
    let mut out: BTreeMap<String, Var> = facts.into_iter().map(|(k, raw)| (k, var(raw))).collect();
    out.insert("ansible_facts".into(), var(varsfile::Raw::Map(unprefixed)));
    Ok(out)
}
