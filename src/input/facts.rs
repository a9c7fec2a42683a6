//! The Ansible facts a target supplies to vars files (recipe.toml's `facts`
//! and `name_facts`).

use std::collections::BTreeMap;

use anyhow::Result;

use super::ansible::Var;
use super::varsfile;
use crate::recipe::RecipeDef;

/// The Ansible facts of the target called `name` (an alias may differ),
/// as variables, with `given` (`--fact ansible_…`) over them, and
/// `ansible_facts` holding all of them without the prefix: in Ansible
/// `ansible_facts['user_id']` and `ansible_user_id` are one fact, so a
/// fact given once answers both spellings.
pub fn target_facts(
    def: &RecipeDef,
    name: &str,
    given: &BTreeMap<String, Var>,
) -> Result<BTreeMap<String, Var>> {
    let (_, t) = def.target(name)?;
    let mut facts = t.facts.clone();
    if let Some(more) = t.name_facts.get(name) {
        facts.extend(more.clone());
    }
    let origin = format!("fact of {name}");
    let mut out: BTreeMap<String, Var> = facts
        .into_iter()
        .map(|(k, v)| {
            let raw = varsfile::toml_raw(v);
            let origin = origin.clone();
            (k, Var { raw, origin })
        })
        .collect();
    out.extend(
        given
            .iter()
            .filter(|(k, _)| k.starts_with("ansible_") && *k != "ansible_facts")
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    let unprefixed = out
        .iter()
        .map(|(k, v)| {
            let short = k.strip_prefix("ansible_").unwrap_or(k).to_string();
            (varsfile::Raw::Str(short), v.raw.clone())
        })
        .collect();
    let raw = varsfile::Raw::Map(unprefixed);
    out.insert("ansible_facts".into(), Var { raw, origin });
    Ok(out)
}
