//! Resolving parameters: every value evaluated as Ansible would
//! (src/input/ansible/) in the precedence the given values have
//! (given.rs), then checked against its parameter's kind.

use std::collections::BTreeMap;

use anyhow::Result;
use minijinja::value::{Value, ValueKind};

use super::given::{Given, Layer};
use crate::error::usage;
use crate::recipe::Kind;
use crate::recipe::{OsFamily, RecipeDef};
use ansible_vars::{printable, Raw, Var, Vars};

/// An evaluated value as the string a parameter of `kind` takes.
fn to_param(v: &Value, kind: Kind) -> Result<String, String> {
    match v.kind() {
        ValueKind::String => {
            let s = v.as_str().unwrap_or_default();
            Ok(match (kind, s.trim().to_ascii_lowercase().as_str()) {
                // YAML 1.1 and Ansible's bool: yes/no, on/off.
                (Kind::Bool, "true" | "yes" | "on" | "1") => "true".into(),
                (Kind::Bool, "false" | "no" | "off" | "0") => "false".into(),
                _ => s.to_string(),
            })
        }
        ValueKind::Bool if kind == Kind::Bool => Ok(v.is_true().to_string()),
        ValueKind::Bool => Err(format!(
            "the value is a boolean ({}): YAML reads an unquoted yes, no, on, off, true or false as one; quote it ('{}') so that it stays text",
            if v.is_true() { "True" } else { "False" },
            if v.is_true() { "yes" } else { "no" }
        )),
        ValueKind::Number if v.as_i64().is_some() => match (kind, v.as_i64()) {
            (Kind::Bool, Some(1)) => Ok("true".into()),
            (Kind::Bool, Some(0)) => Ok("false".into()),
            (Kind::Bytes | Kind::Bool, _) => Ok(v.to_string()),
            // A version or a name that YAML made a number (`4`, `4:1` is
            // 241, `0755` is 493) is not what was meant: never passed on.
            _ => Err(format!(
                "the value is a number ({v}): YAML reads an unquoted 4, 4:1 or 0755 as one; quote it as you mean it (\"4.1.5\") so that it stays text"
            )),
        },
        ValueKind::Number => Err(format!(
            "the value is a number ({v}): YAML reads an unquoted 4.10 as the number 4.1; quote it as you mean it (\"4.10\") so that it stays text"
        )),
        ValueKind::Seq | ValueKind::Iterable if kind == Kind::Extras => v
            .try_iter()
            .map_err(|e| e.to_string())?
            .map(|i| match i.as_str() {
                Some(s) => Ok(s.to_string()),
                None => Err(format!(
                    "the list holds {}; extras are names",
                    kind_name(&i)
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|v| v.join(",")),
        ValueKind::None | ValueKind::Undefined => Err(match kind {
            Kind::Extras => "it has no value (null); write [] or '' for no extras, or list them".into(),
            Kind::OptionalPath | Kind::Url | Kind::HostList => {
                "it has no value (null); write '' for none, or give a value".into()
            }
            _ => "it has no value (null); give it a value, or leave the key out for the default".into(),
        }),
        _ => Err(format!("the value is {}, not a string", kind_name(v))),
    }
}

/// What a value is, for "… is a list, not a string" messages.
fn kind_name(v: &Value) -> &'static str {
    match v.kind() {
        ValueKind::Seq | ValueKind::Iterable => "a list",
        ValueKind::Map => "a mapping",
        ValueKind::Bool => "a boolean",
        ValueKind::Number => "a number",
        ValueKind::String => "a string",
        ValueKind::None | ValueKind::Undefined => "no value",
        _ => "not text",
    }
}

/// Every parameter's final value for `target` (the name as given, for the
/// facts of an alias): defaults, then the given values and the target's
/// facts, each evaluated and checked against its kind.
pub fn resolve_values(
    def: &RecipeDef,
    target: &str,
    given: &BTreeMap<String, Given>,
) -> Result<BTreeMap<String, String>> {
    let (_, t) = def.target(target)?;
    let vars = layered(def, target, t.family, given)?;
    let mut out = BTreeMap::new();
    // Values the user gave are checked first: a bad pg_home is reported as
    // such, not as a bad default that refers to it.
    let mut order: Vec<&String> = def.params.keys().collect();
    order.sort_by_key(|name| !given.contains_key(*name));
    for name in order {
        let value = evaluate(def, &vars, name, t.family, given)?;
        out.insert(name.clone(), value);
    }
    Ok(out)
}

/// The variables in Ansible's precedence: defaults, vars files, the
/// target's facts, `--fact`, `--set`.
fn layered(
    def: &RecipeDef,
    target: &str,
    family: OsFamily,
    given: &BTreeMap<String, Given>,
) -> Result<Vars> {
    let mut vars: BTreeMap<String, Var> = def
        .params
        .iter()
        .map(|(name, p)| {
            let raw = Raw::Str(p.default.for_family(family).to_string());
            let origin = "default".into();
            (name.clone(), Var { raw, origin })
        })
        .collect();
    let mut layers: Vec<(&String, &Given)> = given.iter().collect();
    layers.sort_by_key(|(_, g)| g.layer);
    let (low, high): (Vec<_>, Vec<_>) = layers
        .into_iter()
        .partition(|(_, g)| g.layer == Layer::Vars);
    let var = |g: &Given| Var {
        raw: g.value.clone(),
        origin: g.origin.clone(),
    };
    vars.extend(low.into_iter().map(|(k, g)| (k.clone(), var(g))));
    let high: BTreeMap<String, Var> = high.into_iter().map(|(k, g)| (k.clone(), var(g))).collect();
    vars.extend(super::facts::target_facts(def, target, &high)?);
    vars.extend(high);
    Ok(Vars::new(vars, target, def.params.keys().cloned()))
}

/// One parameter's value, evaluated, converted to text and (when
/// `Checked`) checked against its kind; errors name where it came from.
fn evaluate(
    def: &RecipeDef,
    vars: &Vars,
    name: &str,
    family: OsFamily,
    given: &BTreeMap<String, Given>,
) -> Result<String> {
    let p = &def.params[name];
    let origin = vars.origin(name).unwrap_or("default").to_string();
    let written = match given.get(name) {
        Some(Given {
            value: Raw::Str(s) | Raw::Float(s) | Raw::Int(s),
            ..
        }) => Some(s.clone()),
        Some(_) => None,
        None => Some(p.default.for_family(family).to_string()),
    };
    let value = vars
        .get(name)
        .map_err(|f| usage(f.to_string()))?
        .unwrap_or_default();
    let shown = |value: &str| match &written {
        Some(w) if w != value => {
            format!("'{}' (evaluated: '{}')", printable(w), printable(value))
        }
        _ => format!("'{}'", printable(value)),
    };
    let value = to_param(&value, p.kind).map_err(|why| {
        usage(format!(
            "{origin}: {name} {}: {why}",
            shown(&value.to_string())
        ))
    })?;
    p.kind.check(&value, &def.patroni_extras).map_err(|why| {
        usage(format!(
            "{origin}: {name} {} is not valid: {why}. Allowed: {}",
            shown(&value),
            p.kind.allowed()
        ))
    })?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::given::{collect, given_map, Source};
    use crate::recipe::Recipe;

    fn given(pairs: &[(&str, &str)]) -> BTreeMap<String, Given> {
        given_map(pairs.iter().copied(), "--set")
    }

    #[test]
    fn defaults_follow_the_family_and_references_expand() {
        let r = Recipe::embedded().unwrap();
        let deb = resolve_values(&r.def, "debian-12", &given(&[])).unwrap();
        assert_eq!(deb["patroni_bin_dir"], "/var/lib/postgresql/.local/bin");
        let rhel = resolve_values(&r.def, "rhel-9", &given(&[("pg_home", "/srv/pg")])).unwrap();
        assert_eq!(rhel["patroni_bin_dir"], "/srv/pg/.local/bin");
        assert_eq!(rhel["pipx_home"], "/srv/pg/.local/share/pipx");
    }

    #[test]
    fn cycles_and_unknown_references_are_errors() {
        let r = Recipe::embedded().unwrap();
        let err = resolve_values(
            &r.def,
            "debian-12",
            &given(&[("pg_home", "{{ patroni_bin_dir }}")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("cycle"), "{err}");
        let err = resolve_values(&r.def, "debian-12", &given(&[("pg_home", "{{ pg_hom }}")]))
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
        assert_eq!(
            inputs.given["patroni_version"].value,
            Raw::Str("4.1.0".into())
        );
        let err = collect(&r.def, &[Source::Set("patroni_bindir=/x".into())]).unwrap_err();
        assert!(
            err.to_string().contains("did you mean 'patroni_bin_dir'"),
            "{err}"
        );
    }

    #[test]
    fn a_fact_given_once_answers_both_of_its_spellings() {
        let r = Recipe::embedded().unwrap();
        let inputs = collect(
            &r.def,
            &[
                Source::Fact("ansible_user_id=admin".into()),
                Source::Set("pg_user={{ ansible_facts['user_id'] }}".into()),
                Source::Set("pg_group={{ ansible_user_id }}".into()),
            ],
        )
        .unwrap();
        let out = resolve_values(&r.def, "debian-12", &inputs.given).unwrap();
        assert_eq!(
            (out["pg_user"].as_str(), out["pg_group"].as_str()),
            ("admin", "admin")
        );
    }
}
