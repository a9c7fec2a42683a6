//! The filters and tests that Ansible adds to Jinja and that group_vars
//! files commonly use, for the variables' environment (mod.rs).
//!
//! minijinja's builtins already cover `string`, `int`, `lower`, `upper`,
//! `replace`, `trim`, `join`, `default`/`d` and the `defined` family of
//! tests; Ansible differs in `bool`, which reads `yes`/`no` as YAML 1.1 does.
//! Python's methods on strings, lists and dicts (`.lower()`, `.split(',')`,
//! `.startswith('Deb')`, `.format(…)`), which Ansible has from Python, come
//! from minijinja-contrib's pycompat, and the list and path filters from
//! list_filters.rs.

use std::cmp::Ordering;

use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind};

/// Add Ansible's filters and tests to `env`.
pub fn register(env: &mut Environment<'static>) {
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    super::list_filters::register(env);
    env.add_filter("bool", to_bool);
    env.add_filter("ternary", ternary);
    env.add_filter("regex_replace", regex_replace);
    env.add_filter("regex_search", regex_search);
    env.add_filter("mandatory", mandatory);
    env.add_filter("basename", basename);
    env.add_filter("dirname", dirname);
    env.add_filter("version_compare", version_test);
    env.add_test("version", version_test);
    env.add_test("version_compare", version_test);
    env.add_test("match", regex_match);
    env.add_test("search", regex_found);
    env.add_test("regex", regex_found);
}

/// Ansible's `bool`: true for true, 1 and the strings yes, on, 1, true
/// (any case, trimmed); false for everything else.
pub fn ansible_bool(v: &Value) -> bool {
    match v.kind() {
        ValueKind::Bool => v.is_true(),
        ValueKind::Number => v.as_i64() == Some(1),
        ValueKind::String => matches!(
            v.as_str()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
                .as_str(),
            "yes" | "on" | "1" | "true" | "y" | "t"
        ),
        _ => false,
    }
}

fn to_bool(v: Value) -> bool {
    ansible_bool(&v)
}

fn ternary(v: Value, yes: Value, no: Value, none: Option<Value>) -> Value {
    match none {
        Some(n) if v.is_none() || v.is_undefined() => n,
        _ if v.is_true() => yes,
        _ => no,
    }
}

fn mandatory(v: Value, msg: Option<String>) -> Result<Value, Error> {
    if v.is_undefined() {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            msg.unwrap_or_else(|| "a mandatory variable is not defined".into()),
        ));
    }
    Ok(v)
}

fn basename(path: String) -> String {
    path.rsplit('/').next().unwrap_or("").to_string()
}

fn dirname(path: String) -> String {
    match path.rsplit_once('/') {
        Some(("", _)) => "/".into(),
        Some((dir, _)) => dir.into(),
        None => String::new(),
    }
}

/// A Python `re` pattern, with Ansible's `ignorecase` and `multiline`
/// keyword arguments. fancy-regex (a kept crate) takes what Python's `re`
/// has and the regex crate lacks: lookahead, lookbehind, backreferences.
fn compile(pattern: &str, kwargs: &Kwargs) -> Result<fancy_regex::Regex, Error> {
    let ignorecase: Option<bool> = kwargs.get("ignorecase")?;
    let multiline: Option<bool> = kwargs.get("multiline")?;
    kwargs.assert_all_used()?;
    let flags = match (ignorecase.unwrap_or(false), multiline.unwrap_or(false)) {
        (false, false) => "",
        (true, false) => "(?i)",
        (false, true) => "(?m)",
        (true, true) => "(?im)",
    };
    fancy_regex::Regex::new(&format!("{flags}{pattern}")).map_err(|e| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("bad regular expression {pattern:?}: {e}; Python's re syntax is taken (lookaround and backreferences included)"),
        )
    })
}

fn regex_failed(e: fancy_regex::Error) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!(
            "the regular expression could not be applied: {e}; simplify it, or --set the parameter"
        ),
    )
}

/// Python's replacement syntax (`\1`, `\g<1>`, `\g<name>`) in the regex
/// crate's (`${1}`), with a literal `$` kept literal.
fn python_replacement(repl: &str) -> String {
    let mut out = String::new();
    let mut chars = repl.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match chars.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    chars.next();
                    out.push_str(&format!("${{{d}}}"));
                }
                Some('g') => {
                    chars.next();
                    let rest: String = chars.clone().collect();
                    match rest.strip_prefix('<').and_then(|r| r.split_once('>')) {
                        Some((name, _)) => {
                            out.push_str(&format!("${{{name}}}"));
                            for _ in 0..name.chars().count() + 2 {
                                chars.next();
                            }
                        }
                        None => out.push_str("\\g"),
                    }
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                _ => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

fn regex_replace(
    v: String,
    pattern: String,
    repl: Option<String>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let re = compile(&pattern, &kwargs)?;
    let repl = python_replacement(&repl.unwrap_or_default());
    re.try_replacen(&v, 0, repl.as_str())
        .map(|s| s.into_owned())
        .map_err(regex_failed)
}

fn regex_search(v: String, pattern: String, kwargs: Kwargs) -> Result<Value, Error> {
    let re = compile(&pattern, &kwargs)?;
    Ok(re
        .find(&v)
        .map_err(regex_failed)?
        .map(|m| Value::from(m.as_str()))
        .unwrap_or(Value::from(())))
}

fn regex_match(v: String, pattern: String, kwargs: Kwargs) -> Result<bool, Error> {
    let re = compile(&format!("^(?:{pattern})"), &kwargs)?;
    re.is_match(&v).map_err(regex_failed)
}

fn regex_found(v: String, pattern: String, kwargs: Kwargs) -> Result<bool, Error> {
    compile(&pattern, &kwargs)?
        .is_match(&v)
        .map_err(regex_failed)
}

/// Ansible's `version` test (loose versions): `x is version('12', '>=')`.
fn version_test(v: Value, other: Value, op: Option<String>) -> Result<bool, Error> {
    let ord = compare_versions(&v.to_string(), &other.to_string());
    let op = op.unwrap_or_else(|| "eq".into());
    Ok(match op.as_str() {
        "<" | "lt" => ord == Ordering::Less,
        "<=" | "le" => ord != Ordering::Greater,
        ">" | "gt" => ord == Ordering::Greater,
        ">=" | "ge" => ord != Ordering::Less,
        "==" | "=" | "eq" => ord == Ordering::Equal,
        "!=" | "<>" | "ne" => ord != Ordering::Equal,
        other => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("version: unknown operator {other:?} (<, <=, >, >=, ==, !=, lt, le, gt, ge, eq, ne)"),
            ))
        }
    })
}

/// Compare two versions part by part, numbers as numbers (LooseVersion).
fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts = |s: &str| -> Vec<String> {
        s.split(['.', '-', '_'])
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (pa, pb) = (parts(a), parts(b));
    for i in 0..pa.len().max(pb.len()) {
        let ord = match (pa.get(i), pb.get(i)) {
            (Some(x), Some(y)) => match (x.parse::<u64>(), y.parse::<u64>()) {
                (Ok(m), Ok(n)) => m.cmp(&n),
                _ => x.cmp(y),
            },
            (Some(_), None) => Ordering::Greater,
            (None, Some(_)) => Ordering::Less,
            (None, None) => Ordering::Equal,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_replacements_become_regex_crate_ones() {
        assert_eq!(
            python_replacement(r"\1-\g<2>-\g<name>"),
            "${1}-${2}-${name}"
        );
        assert_eq!(python_replacement("$HOME"), "$$HOME");
        assert_eq!(python_replacement(r"a\\b"), r"a\b");
    }

    #[test]
    fn loose_versions_compare_numerically() {
        assert_eq!(compare_versions("12.10", "12.9"), Ordering::Greater);
        assert_eq!(compare_versions("9", "9.0"), Ordering::Less);
        assert_eq!(compare_versions("22.04", "22.04"), Ordering::Equal);
    }

    #[test]
    fn bool_reads_yaml_1_1_words() {
        for t in ["yes", "On", "1", "TRUE", " true "] {
            assert!(ansible_bool(&Value::from(t)), "{t}");
        }
        for f in ["no", "off", "0", "false", "", "maybe"] {
            assert!(!ansible_bool(&Value::from(f)), "{f}");
        }
        assert!(ansible_bool(&Value::from(1)));
        assert!(!ansible_bool(&Value::from(2)));
    }
}
