//! Versions as PEP 440 reads them (pep440_rs, which pep508_rs brings):
//! Patroni's, as the `patroni_version` parameter gives it, and a Python's
//! `major.minor`. Parsed once, where a value enters; compared as versions.

use std::fmt;
use std::str::FromStr;

pub use pep508_rs::pep440_rs::Version;
use serde::{Serialize, Serializer};

/// The word that asks for the newest Patroni.
const LATEST: &str = "latest";

/// Patroni's version: the newest the index has, or one pinned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatroniVersion {
    Latest,
    /// A PEP 440 version in normalized form, with no local part (no index
    /// serves one).
    Pinned(Version),
}

impl PatroniVersion {
    /// The pinned version; `None` for `latest`.
    pub fn pinned(&self) -> Option<&Version> {
        match self {
            PatroniVersion::Latest => None,
            PatroniVersion::Pinned(v) => Some(v),
        }
    }
}

impl FromStr for PatroniVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == LATEST {
            return Ok(PatroniVersion::Latest);
        }
        let bad = || "it is not a PEP 440 version in normalized form".to_string();
        let v = Version::from_str(s).map_err(|_| bad())?;
        // Normalized: what the index and pip print, so that a pin and the
        // install's listing compare as text.
        if v.to_string() != s || v.is_local() {
            return Err(bad());
        }
        Ok(PatroniVersion::Pinned(v))
    }
}

impl fmt::Display for PatroniVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatroniVersion::Latest => f.write_str(LATEST),
            PatroniVersion::Pinned(v) => v.fmt(f),
        }
    }
}

impl Serialize for PatroniVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// `version` (a Python's `major.minor`, as recipe.toml gives it) is at
/// least `min`; a value that is no version is not.
pub fn python_at_least(version: &str, min: &str) -> bool {
    match (Version::from_str(version), Version::from_str(min)) {
        (Ok(v), Ok(m)) => v >= m,
        _ => false,
    }
}

/// `v`'s release is at least `min` (`[4, 1]`: 4.1, 4.1.0rc1, 4.10).
pub fn release_at_least(v: &Version, min: &[u64]) -> bool {
    v.release() >= min
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_normalized_pep_440_or_latest() {
        for ok in [
            "4.1.5",
            "latest",
            "4",
            "4.0.0rc1",
            "4.1.5.post1",
            "4.2.0.dev3",
            "1!2.0",
            "4.1.0a2.post1.dev0",
        ] {
            let v: PatroniVersion = ok.parse().unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert_eq!(v.to_string(), ok);
        }
        for bad in [
            "",
            "v4.1.5",
            "4.1.5+local",
            "4..1",
            "4.1.",
            ".4",
            "4.1.5 ",
            "4.1-5",
            "4.1.5;rm",
            "rc1",
            "4.1.5rc",
            "LATEST",
            "4.1.5RC1",
        ] {
            assert!(bad.parse::<PatroniVersion>().is_err(), "{bad:?} passed");
        }
    }

    #[test]
    fn releases_and_pythons_compare_as_versions() {
        let v = |s: &str| Version::from_str(s).unwrap();
        assert!(release_at_least(&v("4.10.0"), &[4, 1]));
        assert!(release_at_least(&v("4.1.0rc1"), &[4, 1]));
        assert!(!release_at_least(&v("3.3.2"), &[4, 1]));
        assert!(python_at_least("3.10", "3.10") && python_at_least("3.12", "3.10"));
        assert!(!python_at_least("3.9", "3.10") && !python_at_least("x", "3.10"));
    }
}
