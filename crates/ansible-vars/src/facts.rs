//! Facts as a host hands them to a play.

use std::collections::BTreeMap;

use crate::eval::Var;
use crate::raw::Raw;

/// `facts` (named `ansible_…`) as a play's variables: each as it is, and
/// `ansible_facts` holding all of them without the prefix, written at
/// `origin`. In Ansible `ansible_facts['user_id']` and `ansible_user_id`
/// are one fact, so a fact given once answers both spellings.
pub fn facts_as_vars(facts: BTreeMap<String, Var>, origin: &str) -> BTreeMap<String, Var> {
    let unprefixed = facts
        .iter()
        .map(|(k, v)| {
            let short = k.strip_prefix("ansible_").unwrap_or(k).to_string();
            (Raw::Str(short), v.raw.clone())
        })
        .collect();
    let mut out = facts;
    let all = Var {
        raw: Raw::Map(unprefixed),
        origin: origin.to_string(),
    };
    out.insert("ansible_facts".into(), all);
    out
}
