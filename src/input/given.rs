//! Where parameter values come from, lowest precedence first: the recipe's
//! defaults (like a role's defaults), `--vars` files and directories in
//! command-line order, the target's Ansible facts, `--fact`, and `--set`,
//! which wins over all (as Ansible's `-e` does).

use std::collections::BTreeMap;

use anyhow::Result;
use camino::Utf8PathBuf;

use crate::error::usage;
use ansible_vars::Raw;

use crate::input::varsfile;
use crate::recipe::RecipeDef;
use crate::suggest::{did_you_mean, plausible_typo};

/// One source of values, as the user gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--set key=value`: a parameter.
    Set(String),
    /// `--fact name=value`: a fact or variable that vars files refer to.
    Fact(String),
    /// `--vars FILE|DIR`.
    Vars(Utf8PathBuf),
}

/// Where a given value sits in the precedence (later wins). The target's
/// facts sit between `Vars` and `Fact`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    Vars,
    Fact,
    Set,
}

/// A value the user gave, with where it came from for messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Given {
    pub value: Raw,
    /// `--set`, `--fact` or `FILE:LINE`.
    pub origin: String,
    pub layer: Layer,
}

/// Values from `(key, value)` pairs, all from one origin, as `--set`
/// gives them (for callers that have values in hand: tests, benchmarks).
pub fn given_map<K: AsRef<str>, V: AsRef<str>>(
    pairs: impl IntoIterator<Item = (K, V)>,
    origin: &str,
) -> BTreeMap<String, Given> {
    pairs
        .into_iter()
        .map(|(k, v)| {
            (
                k.as_ref().to_string(),
                Given {
                    value: Raw::Str(v.as_ref().to_string()),
                    origin: origin.to_string(),
                    layer: Layer::Set,
                },
            )
        })
        .collect()
}

/// Everything the sources said.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Every variable, parameter or not, by name (the highest layer wins).
    pub given: BTreeMap<String, Given>,
    /// Per vars file, its keys that are not parameters (other roles').
    pub ignored: BTreeMap<String, Vec<String>>,
    /// Keys that look like a mistyped parameter: (`FILE:LINE: key`, parameter).
    pub typos: Vec<(String, String)>,
    /// Keys written twice in one file: (`FILE:LINE: key`, the line it overrides).
    pub repeated: Vec<(String, String)>,
}

impl Inputs {
    /// Notes for stderr: one line per vars file with keys that are not
    /// parameters (listed when `verbose`), and one per likely typo.
    pub fn notes(&self, verbose: bool) -> Vec<String> {
        let mut out = Vec::new();
        for (file, keys) in &self.ignored {
            let n = keys.len();
            let (s, are) = if n == 1 {
                ("", "is not a")
            } else {
                ("s", "are not")
            };
            out.push(if verbose {
                format!("note: {file}: {n} key{s} {are} patroni-bake parameter{s}, read only where a parameter refers to them: {}", keys.join(", "))
            } else {
                format!("note: {file}: {n} key{s} {are} patroni-bake parameter{s}, read only where a parameter refers to them (--verbose lists them)")
            });
        }
        for (at, first) in &self.repeated {
            out.push(format!(
                "warning: {at} is set again (first at {first}); the later value wins, as in Ansible"
            ));
        }
        for (at, param) in &self.typos {
            out.push(format!(
                "note: {at} is not a parameter; did you mean '{param}'?"
            ));
        }
        out
    }
}

/// Read every source; `--vars` in the order given, then `--fact`, then `--set`.
pub fn collect(def: &RecipeDef, sources: &[Source]) -> Result<Inputs> {
    let mut inputs = Inputs::default();
    for source in sources {
        if let Source::Vars(path) = source {
            for file in varsfile::files_of(path)? {
                let entries = varsfile::read(&file)?;
                add_entries(def, file.as_str(), entries, &mut inputs);
            }
        }
    }
    for source in sources {
        match source {
            Source::Fact(kv) => {
                let (key, value) = key_value(kv, "--fact")?;
                if def.params.contains_key(key) {
                    return Err(usage(format!(
                        "--fact {key}: {key} is a parameter; set it with --set {key}=VALUE"
                    )));
                }
                insert(&mut inputs, key, value, "--fact", Layer::Fact);
            }
            Source::Set(kv) => {
                let (key, value) = key_value(kv, "--set")?;
                if !def.params.contains_key(key) {
                    return Err(unknown_key(def, key, "--set"));
                }
                insert(&mut inputs, key, value, "--set", Layer::Set);
            }
            Source::Vars(_) => {}
        }
    }
    Ok(inputs)
}

fn key_value<'a>(kv: &'a str, flag: &str) -> Result<(&'a str, &'a str)> {
    let (key, value) = kv.split_once('=').ok_or_else(|| {
        let what = if flag == "--set" {
            "KEY=VALUE"
        } else {
            "NAME=VALUE"
        };
        usage(format!("{flag} '{}': expected {what}", kv.escape_debug()))
    })?;
    let key = key.trim();
    if key.is_empty() {
        return Err(usage(format!(
            "{flag} '{}': the name is empty",
            kv.escape_debug()
        )));
    }
    Ok((key, value))
}

fn insert(inputs: &mut Inputs, key: &str, value: &str, origin: &str, layer: Layer) {
    let given = Given {
        value: Raw::Str(value.to_string()),
        origin: origin.into(),
        layer,
    };
    inputs.given.insert(key.to_string(), given);
}

/// Take one vars file's entries (every key: a parameter may refer to any
/// of them); note the keys that are not parameters.
pub fn add_entries(
    def: &RecipeDef,
    file: &str,
    entries: Vec<ansible_vars::Entry>,
    inputs: &mut Inputs,
) {
    let params = || def.params.keys().map(String::as_str);
    let mut first: BTreeMap<String, String> = BTreeMap::new();
    for entry in entries {
        let origin = match entry.line {
            Some(l) => format!("{file}:{l}"),
            None => file.to_string(),
        };
        if let Some(before) = first.get(&entry.key) {
            let at = format!("{origin}: {}", entry.key);
            inputs.repeated.push((at, before.clone()));
        } else if !def.params.contains_key(&entry.key) {
            if let Some(p) = plausible_typo(&entry.key, params()) {
                inputs
                    .typos
                    .push((format!("{origin}: {}", entry.key), p.to_string()));
            }
            let ignored = inputs.ignored.entry(file.to_string()).or_default();
            ignored.push(entry.key.clone());
        }
        first.entry(entry.key.clone()).or_insert(origin.clone());
        let given = Given {
            value: entry.value,
            origin,
            layer: Layer::Vars,
        };
        inputs.given.insert(entry.key, given);
    }
}

fn unknown_key(def: &RecipeDef, key: &str, origin: &str) -> anyhow::Error {
    let names: Vec<&str> = def.params.keys().map(String::as_str).collect();
    usage(format!(
        "{origin}: unknown parameter '{}'{}; parameters are: {} (see `patroni-bake params`; a variable that a vars file refers to belongs in a vars file, an Ansible fact in --fact)",
        key.escape_debug(),
        did_you_mean(key, names.iter().copied()),
        names.join(", ")
    ))
}
