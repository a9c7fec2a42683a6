//! Parameter values: where they come from (`--vars` files and `--set`, in
//! command-line order, later wins) and how they resolve (defaults per
//! family, `{{ name }}` references, validation).

use std::collections::BTreeMap;

use anyhow::Result;
use camino::{Utf8Path, Utf8PathBuf};

use crate::error::usage;
use crate::recipe::RecipeDef;
use crate::suggest::did_you_mean;
use crate::validate::Kind;
use crate::varsfile::{self, Raw};

/// One source of values, in the order the user gave them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--set key=value`.
    Set(String),
    /// `--vars FILE`.
    Vars(Utf8PathBuf),
}

/// A value the user gave, with where it came from for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Given {
    pub value: String,
    /// `--set` or `FILE:LINE`.
    pub origin: String,
}

/// Values from `(key, value)` pairs, all from one origin (for callers
/// that have values in hand rather than sources: tests, benchmarks).
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
                    value: v.as_ref().to_string(),
                    origin: origin.to_string(),
                },
            )
        })
        .collect()
}

/// Everything the sources said.
#[derive(Debug, Default)]
pub struct Inputs {
    pub given: BTreeMap<String, Given>,
    /// Notes for stderr (keys a vars file has that are not parameters).
    pub notes: Vec<String>,
}

/// Read every source in order; a later value replaces an earlier one.
pub fn collect(def: &RecipeDef, sources: &[Source]) -> Result<Inputs> {
    let mut inputs = Inputs::default();
    for source in sources {
        match source {
            Source::Set(kv) => {
                let (key, value) = kv.split_once('=').ok_or_else(|| {
                    usage(format!("--set '{}': expected KEY=VALUE", kv.escape_debug()))
                })?;
                let key = key.trim();
                if known(def, key).is_none() {
                    return Err(unknown_key(def, key, "--set"));
                }
                let given = Given {
                    value: value.to_string(),
                    origin: "--set".into(),
                };
                inputs.given.insert(key.to_string(), given);
            }
            Source::Vars(path) => add_entries(def, path, varsfile::read(path)?, &mut inputs)?,
        }
    }
    Ok(inputs)
}

/// Take the values of one vars file's entries; note the keys that are not
/// parameters.
pub fn add_entries(
    def: &RecipeDef,
    path: &Utf8Path,
    entries: Vec<varsfile::Entry>,
    inputs: &mut Inputs,
) -> Result<()> {
    let mut ignored = Vec::new();
    for entry in entries {
        let origin = match entry.line {
            Some(l) => format!("{path}:{l}"),
            None => path.to_string(),
        };
        let Some(kind) = known(def, &entry.key) else {
            ignored.push(entry.key);
            continue;
        };
        let value = to_value(entry.value, kind)
            .map_err(|why| usage(format!("{origin}: {}: {why}", entry.key)))?;
        inputs.given.insert(entry.key, Given { value, origin });
    }
    if !ignored.is_empty() {
        let list: Vec<String> = ignored
            .iter()
            .map(|k| {
                format!(
                    "{k}{}",
                    did_you_mean(k, def.params.keys().map(String::as_str))
                )
            })
            .collect();
        inputs.notes.push(format!(
            "note: {path}: ignoring keys that are not patroni-bake parameters: {}",
            list.join(", ")
        ));
    }
    Ok(())
}

fn known(def: &RecipeDef, key: &str) -> Option<Kind> {
    def.params.get(key).map(|p| p.kind)
}

fn unknown_key(def: &RecipeDef, key: &str, origin: &str) -> anyhow::Error {
    let names: Vec<&str> = def.params.keys().map(String::as_str).collect();
    usage(format!(
        "{origin}: unknown parameter '{}'{}; parameters are: {} (see `patroni-bake params`)",
        key.escape_debug(),
        did_you_mean(key, names.iter().copied()),
        names.join(", ")
    ))
}

/// A vars-file value as the string a parameter takes.
fn to_value(raw: Raw, kind: Kind) -> Result<String, String> {
    match raw {
        Raw::Str(s) | Raw::Int(s) => Ok(s),
        Raw::Bool(b) if kind == Kind::Bool => Ok(b.to_string()),
        Raw::List(items) if kind == Kind::Extras => items
            .into_iter()
            .map(|i| match i {
                Raw::Str(s) => Ok(s),
                other => Err(format!(
                    "the list holds {}; extras are names",
                    other.type_name()
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|v| v.join(",")),
        Raw::Float(f) => Err(format!(
            "the value is a number ({f}); quote it (\"{f}\") so that it stays text"
        )),
        Raw::Null => Err("it has no value".into()),
        other => Err(format!("the value is {}, not a string", other.type_name())),
    }
}

/// Every parameter's final value for one family: defaults, then the given
/// values, then `{{ name }}` references expanded. With `validate`, each value
/// is checked against its kind; tests of the quoting switch it off.
pub fn resolve(
    def: &RecipeDef,
    family: &str,
    given: &BTreeMap<String, Given>,
    validate: bool,
) -> Result<BTreeMap<String, String>> {
    let raw: BTreeMap<&str, (&str, &str)> = def
        .params
        .iter()
        .map(|(name, p)| {
            let (value, origin) = match given.get(name) {
                Some(g) => (g.value.as_str(), g.origin.as_str()),
                None => (p.default.for_family(family), "default"),
            };
            (name.as_str(), (value, origin))
        })
        .collect();
    let mut out = BTreeMap::new();
    // Values the user gave are checked first: a bad pg_home is reported as
    // such, not as a bad default that refers to it.
    let mut order: Vec<&String> = def.params.keys().collect();
    order.sort_by_key(|name| !given.contains_key(*name));
    for name in order {
        let p = &def.params[name];
        let (value, origin) = raw[name.as_str()];
        let value = expand(value, &raw, &mut vec![name.as_str()]).map_err(|why| {
            usage(format!(
                "{origin}: {name} '{}': {why}",
                value.escape_debug()
            ))
        })?;
        if validate {
            p.kind.check(&value, &def.patroni_extras).map_err(|why| {
                usage(format!(
                    "{origin}: {name} '{}' is not valid: {why}. Allowed: {}",
                    value.escape_debug(),
                    p.kind.allowed()
                ))
            })?;
        }
        out.insert(name.clone(), value);
    }
    Ok(out)
}

/// Expand `{{ name }}` references (Ansible's plain variable syntax; filters
/// and expressions are refused). `stack` detects cycles.
fn expand<'a>(
    value: &str,
    raw: &BTreeMap<&'a str, (&'a str, &'a str)>,
    stack: &mut Vec<&'a str>,
) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or("it has '{{' without '}}'")?;
        let name = after[..end].trim();
        let Some((&key, &(target, _))) = raw.get_key_value(name) else {
            let names: Vec<&str> = raw.keys().copied().collect();
            return Err(format!(
                "'{{{{ {name} }}}}' is not a reference to a parameter{} (only plain {{{{ name }}}} references to parameters are supported)",
                did_you_mean(name, names.iter().copied())
            ));
        };
        if stack.contains(&key) {
            return Err(format!(
                "references form a cycle: {} -> {key}",
                stack.join(" -> ")
            ));
        }
        stack.push(key);
        out.push_str(&expand(target, raw, stack)?);
        stack.pop();
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::Recipe;

    fn given(pairs: &[(&str, &str)]) -> BTreeMap<String, Given> {
        given_map(pairs.iter().copied(), "--set")
    }

    #[test]
    fn defaults_follow_the_family_and_references_expand() {
        let r = Recipe::embedded().unwrap();
        let deb = resolve(&r.def, "debian", &given(&[]), true).unwrap();
        assert_eq!(deb["patroni_bin_dir"], "/var/lib/postgresql/.local/bin");
        let rhel = resolve(&r.def, "rhel", &given(&[("pg_home", "/srv/pg")]), true).unwrap();
        assert_eq!(rhel["patroni_bin_dir"], "/srv/pg/.local/bin");
        assert_eq!(rhel["pipx_home"], "/srv/pg/.local/share/pipx");
    }

    #[test]
    fn cycles_and_unknown_references_are_errors() {
        let r = Recipe::embedded().unwrap();
        let err = resolve(
            &r.def,
            "debian",
            &given(&[("pg_home", "{{ patroni_bin_dir }}")]),
            true,
        )
        .unwrap_err();
        assert!(err.to_string().contains("cycle"), "{err}");
        let err = resolve(
            &r.def,
            "debian",
            &given(&[("pg_home", "{{ pg_hom }}")]),
            true,
        )
        .unwrap_err();
        assert!(err.to_string().contains("did you mean 'pg_home'"), "{err}");
    }

    #[test]
    fn later_sources_win_and_unknown_set_keys_are_refused() {
        let r = Recipe::embedded().unwrap();
        let inputs = collect(
            &r.def,
            &[
                Source::Set("patroni_version=4.0.0".into()),
                Source::Set("patroni_version=4.1.0".into()),
            ],
        )
        .unwrap();
        assert_eq!(inputs.given["patroni_version"].value, "4.1.0");
        let err = collect(&r.def, &[Source::Set("patroni_bindir=/x".into())]).unwrap_err();
        assert!(
            err.to_string().contains("did you mean 'patroni_bin_dir'"),
            "{err}"
        );
    }
}
