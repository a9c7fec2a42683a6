//! The validation rules a parameter can name (`kind` in recipe.toml): what
//! each allows and the check of a value (the character-level rules are in
//! rules.rs).

use serde::Deserialize;

use super::rules::{
    check_host_list, check_path, check_url, check_user_name, check_version, parse_extras,
};

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
    /// `pip` or `uv`.
    Installer,
    /// A size in bytes, from 1024 to 16777216 (16 MiB).
    Bytes,
}

/// The range of [`Kind::Bytes`].
pub const BYTES_RANGE: std::ops::RangeInclusive<u64> = 1024..=16 * 1024 * 1024;

impl Kind {
    /// What the rule allows, for error messages.
    pub fn allowed(self) -> &'static str {
        match self {
            Kind::Path => "an absolute, normalized path (no '.', '..' or '//', no trailing '/') of letters, digits and . _ - + @ , /",
            Kind::OptionalPath => "empty, or an absolute, normalized path of letters, digits and . _ - + @ , /",
            Kind::UserName => "a user or group name as useradd takes it: a lower-case letter or '_', then up to 31 of a-z 0-9 _ -",
            Kind::Version => "a PEP 440 version in normalized form (4.1.5, 4.0.0rc1, 4.1.5.post1) or 'latest'",
            Kind::Extras => "a comma-separated list of Patroni extras",
            Kind::Url => "empty, or an http:// or https:// URL with no whitespace, quotes, backslash, backtick, '$', '<', '>', '{', '}', '|' or '^'",
            Kind::HostList => "empty, or comma-separated host names, domains (.example.com) or addresses (10.0.0.0/8)",
            Kind::Bool => "true or false",
            Kind::InstallMethod => "pipx or package",
            Kind::Installer => "pip or uv",
            Kind::Bytes => "a number of bytes from 1024 to 16777216, digits only",
        }
    }

    /// Check `value`; `Err` says what is wrong with it (not what is allowed).
    pub fn check(self, value: &str, extras_allowed: &[String]) -> Result<(), String> {
        // What a `|` or `>` block gives, in any kind: Ansible keeps the line
        // break (after an expression too), so no kind trims it away.
        if value.ends_with('\n') && !value.trim_end_matches('\n').contains('\n') {
            return Err(
                "it ends with a line break, which a YAML | or > block keeps (write |- or >-)"
                    .into(),
            );
        }
        match self {
            Kind::Path => check_path(value),
            Kind::OptionalPath if value.is_empty() => Ok(()),
            Kind::OptionalPath => check_path(value),
            Kind::UserName => check_user_name(value),
            Kind::Version => check_version(value),
            Kind::Extras => parse_extras(value, extras_allowed).map(|_| ()),
            Kind::Url => check_url(value),
            Kind::HostList => check_host_list(value),
            Kind::Bool if value == "true" || value == "false" => Ok(()),
            Kind::Bool => Err("it is neither true nor false".into()),
            Kind::InstallMethod if value == "pipx" || value == "package" => Ok(()),
            Kind::InstallMethod => Err("it is not an install method".into()),
            Kind::Installer if value == "pip" || value == "uv" => Ok(()),
            Kind::Installer => Err("it is not an installer".into()),
            Kind::Bytes if value.len() > 1 && value.starts_with('0') => Err(
                "it has a leading zero, so it is not the number it looks like: YAML 1.1 reads an unquoted 040000 as octal (16384) and 016384 as text, which Ansible passes on as written; write the number without leading zeros"
                    .into(),
            ),
            Kind::Bytes => match value.parse::<u64>() {
                Ok(n) if BYTES_RANGE.contains(&n) && value.bytes().all(|b| b.is_ascii_digit()) => {
                    Ok(())
                }
                Ok(n) if value.bytes().all(|b| b.is_ascii_digit()) => {
                    Err(format!("{n} is out of range"))
                }
                _ => Err("it is not a whole number".into()),
            },
        }
    }
}
