//! Hash-locked Python requirements: the lines pip installs with
//! `--require-hashes` (`name==version --hash=sha256:…`), as the plan writes
//! them from the lock (uvlock.rs).

use anyhow::{bail, Result};

/// One line of a lock, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedDist {
    /// The name normalized as PEP 503 does (lower case, runs of `-_.` as `-`).
    pub name: String,
    pub version: String,
}

impl LockedDist {
    pub fn parse(line: &str) -> Result<LockedDist> {
        let mut words = line.split(' ');
        let pin = words.next().unwrap_or_default();
        let Some((name, version)) = pin.split_once("==") else {
            bail!("'{line}' does not start with name==version");
        };
        let hashes: Vec<&str> = words.collect();
        if hashes.is_empty() {
            bail!("'{line}' has no --hash");
        }
        for h in hashes {
            let hex = h.strip_prefix("--hash=sha256:").unwrap_or_default();
            if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                bail!("'{h}' in '{pin}' is not --hash=sha256:<64 hex digits>");
            }
        }
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            || version.is_empty()
            || !version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._+!".contains(c))
        {
            bail!("'{pin}' is not a plain name==version");
        }
        Ok(LockedDist {
            name: normalize_name(name),
            version: version.to_string(),
        })
    }

    /// `name==version`, as the install compares it with what is installed.
    pub fn pin(&self) -> String {
        format!("{}=={}", self.name, self.version)
    }
}

/// PEP 503 normalization.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::new();
    let mut sep = false;
    for c in name.chars() {
        if "-_.".contains(c) {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalized_like_pep_503() {
        assert_eq!(normalize_name("PyYAML"), "pyyaml");
        assert_eq!(normalize_name("python_etcd"), "python-etcd");
        assert_eq!(normalize_name("zope..interface__x"), "zope-interface-x");
    }

    #[test]
    fn lines_need_a_pin_and_sha256_hashes() {
        let h = "a".repeat(64);
        let d = LockedDist::parse(&format!("PyYAML==6.0.3 --hash=sha256:{h}")).unwrap();
        assert_eq!(d.pin(), "pyyaml==6.0.3");
        for bad in [
            "pyyaml==6.0.3".to_string(),
            format!("pyyaml>=6 --hash=sha256:{h}"),
            format!("pyyaml==6.0.3 --hash=md5:{h}"),
            format!("pyyaml==6.0.3 --hash=sha256:{}", "g".repeat(64)),
            format!("py$(x)==1 --hash=sha256:{h}"),
        ] {
            assert!(LockedDist::parse(&bad).is_err(), "{bad}");
        }
    }
}
