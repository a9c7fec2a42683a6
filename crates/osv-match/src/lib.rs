//! Match Python distributions against OSV advisory records, offline.
//!
//! Read a database on disk with [`Database::open`]: a directory tree of OSV
//! records in JSON or YAML (a clone of the Python Packaging Advisory
//! Database, whose `vulns/<package>/*.yaml` it reads), or osv.dev's zip of
//! JSON records for PyPI. A record that breaks the schema (an empty event,
//! a version that does not parse, bad JSON) does not stop the reading: it
//! is left out and named in a [`Warning`].
//!
//! Then ask [`Database::matches`] for a package at a version. Names are
//! compared normalized ([`normalize_name`], PEP 503), versions as PEP 440
//! (`pep440_rs`): against each PyPI `affected` entry's `versions` list and
//! its `ECOSYSTEM` ranges, evaluated as the OSV schema specifies (events in
//! version order, `introduced` with `"0"`, `fixed`, `last_affected`,
//! `limit` with `"*"`). `GIT` ranges, entries of other ecosystems and
//! withdrawn records match nothing.
//!
//! ```
//! use osv_match::{Advisory, Database};
//!
//! let record = serde_json::json!({
//!     "id": "PYSEC-2023-212",
//!     "aliases": ["CVE-2023-45803"],
//!     "affected": [{
//!         "package": {"ecosystem": "PyPI", "name": "urllib3"},
//!         "ranges": [{"type": "ECOSYSTEM", "events": [
//!             {"introduced": "2.0.0"}, {"fixed": "2.0.7"},
//!             {"introduced": "0"}, {"fixed": "1.26.18"}
//!         ]}]
//!     }]
//! });
//! let db = Database::new(vec![Advisory::from_value(record).unwrap()]);
//! let found = db.matches("URLLib3", &"1.26.17".parse().unwrap());
//! assert_eq!(found[0].advisory.id, "PYSEC-2023-212");
//! assert!(db.matches("urllib3", &"2.0.7".parse().unwrap()).is_empty());
//! ```

mod database;
mod range;
mod read;
mod record;
mod zip;

pub use database::{Database, Match};
pub use pep440_rs::Version;
pub use range::{Event, Range};
pub use read::{Error, Loaded, Warning};
pub use record::{Advisory, Affected};

/// The OSV ecosystem this crate matches: `affected[].package.ecosystem`.
pub const ECOSYSTEM: &str = "PyPI";

/// A package name normalized as PEP 503 says: lower case, and each run of
/// `-`, `_` and `.` one `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        let separator = matches!(c, '-' | '_' | '.');
        if !separator {
            out.extend(c.to_lowercase());
        } else if !in_run {
            out.push('-');
        }
        in_run = separator;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize_name;

    #[test]
    fn names_are_normalized_as_pep_503_says() {
        assert_eq!(normalize_name("PyYAML"), "pyyaml");
        assert_eq!(normalize_name("python_etcd"), "python-etcd");
        assert_eq!(normalize_name("zope..interface__X"), "zope-interface-x");
        assert_eq!(normalize_name("psycopg2-binary"), "psycopg2-binary");
        assert_eq!(normalize_name("a-_.b"), "a-b");
    }
}
