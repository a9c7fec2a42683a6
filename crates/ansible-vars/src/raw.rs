//! The value model: a value as a vars file gave it, before any template is
//! evaluated. Everything else of the crate builds on it.

/// A value as the file gave it, before it is checked against a parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    Str(String),
    Int(String),
    Float(String),
    Bool(bool),
    Null,
    List(Vec<Raw>),
    /// A mapping (or TOML table), keys in the file's order. A YAML key
    /// keeps its YAML 1.1 type (`8:` is an integer, as in Python), so that
    /// `m[8]` finds it and `m['8']` does not; JSON and TOML keys are text.
    Map(Vec<(Raw, Raw)>),
    /// An ansible-vault value (`!vault`): encrypted, never evaluated.
    Vault,
    /// Ansible's `!unsafe`: a string that is never templated.
    Unsafe(String),
    /// Another YAML tag or a TOML date: never a parameter.
    Other(&'static str),
}

impl Raw {
    /// A JSON value as Python's json module reads it (`1e3` is a number).
    pub fn from_json(v: serde_json::Value) -> Raw {
        use serde_json::Value as V;
        match v {
            V::Null => Raw::Null,
            V::Bool(b) => Raw::Bool(b),
            V::Number(n) if n.is_f64() => Raw::Float(n.to_string()),
            V::Number(n) => Raw::Int(n.to_string()),
            V::String(s) => Raw::Str(s),
            V::Array(a) => Raw::List(a.into_iter().map(Raw::from_json).collect()),
            V::Object(m) => Raw::Map(
                m.into_iter()
                    .map(|(k, v)| (Raw::Str(k), Raw::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// A TOML value (a vars file, or facts written in TOML).
    pub fn from_toml(v: toml::Value) -> Raw {
        use toml::Value as V;
        match v {
            V::String(s) => Raw::Str(s),
            V::Integer(i) => Raw::Int(i.to_string()),
            V::Float(f) => Raw::Float(f.to_string()),
            V::Boolean(b) => Raw::Bool(b),
            V::Array(a) => Raw::List(a.into_iter().map(Raw::from_toml).collect()),
            V::Table(t) => Raw::Map(
                t.into_iter()
                    .map(|(k, v)| (Raw::Str(k), Raw::from_toml(v)))
                    .collect(),
            ),
            V::Datetime(_) => Raw::Other("a date"),
        }
    }

    /// What this is, for "… is a list, not a string" messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Raw::Str(_) | Raw::Unsafe(_) => "a string",
            Raw::Int(_) => "an integer",
            Raw::Float(_) => "a floating-point number",
            Raw::Bool(_) => "a boolean",
            Raw::Null => "null (no value)",
            Raw::List(_) => "a list",
            Raw::Map(_) => "a mapping",
            Raw::Vault => "an ansible-vault value (!vault)",
            Raw::Other(what) => what,
        }
    }
}
