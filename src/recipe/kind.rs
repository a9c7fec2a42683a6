//! The validation rules a parameter can name (`kind` in recipe.toml); the
//! rules themselves are in src/input/validate.rs.

use serde::Deserialize;

/// The validation rule of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An absolute, normalized path in a safe character set.
    Path,
    /// A [`Kind::Path`] or empty.
    OptionalPath,
    /// A user or group name as useradd accepts it.
    UserName,
    /// A PEP 440 version in normalized form, or `latest`.
    Version,
    /// Comma-separated Patroni extras.
    Extras,
    /// An http(s) URL, or empty.
    Url,
    /// Comma-separated host names, domains or addresses, or empty.
    HostList,
    /// `true` or `false`.
    Bool,
    /// `pipx` or `package`.
    InstallMethod,
    /// A size in bytes, from 1024 to 16777216 (16 MiB).
    Bytes,
}
