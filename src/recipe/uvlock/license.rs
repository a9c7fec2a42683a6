//! What a lock records besides uv's resolution, for the SBOM: each locked
//! distribution's declared licence (read from its metadata when the lock
//! was made: `patroni-bake lock`, src/tools/licenses.py) and the cut-off
//! date of the resolution (uv's own `exclude-newer`).
//!
//! The licences are comment lines before uv's text, one per distribution
//! whose metadata states one:
//! `# patroni-bake: license urllib3 2.6.3: MIT`. A distribution whose
//! metadata states none has no line, and so has every distribution of a
//! lock made before the record: the SBOM then says "unknown".

use std::collections::BTreeMap;

use anyhow::{bail, Result};

use super::UvLock;
use crate::recipe::requirement::normalize_name;

/// The start of a licence line.
pub const LICENSE: &str = "# patroni-bake: license ";

impl UvLock {
    /// The licence the metadata of `name` (compared PEP 503-normalized)
    /// `version` declared when the lock was made: its `License-Expression`,
    /// else the first line of its `License`, else its `License :: `
    /// classifiers joined by `; `. `None` where it declared none, or the
    /// lock predates the record.
    pub fn license(&self, name: &str, version: &str) -> Option<&str> {
        self.licenses
            .get(&(normalize_name(name), version.to_string()))
            .map(String::as_str)
    }

    /// The cut-off date of the lock's resolution (uv's `exclude-newer`,
    /// RFC 3339): nothing uploaded later was considered. `None` for a lock
    /// made without one.
    pub fn cut_off(&self) -> Option<&str> {
        self.options.exclude_newer.as_deref()
    }
}

/// A locked distribution and the file whose metadata states its licence.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MetadataSource {
    /// PEP 503-normalized.
    pub name: String,
    pub version: String,
    /// A wheel's URL (its metadata is beside it, PEP 658), else the sdist's.
    pub url: String,
    pub wheel: bool,
}

impl UvLock {
    /// Every distribution the lock holds (not the lock project), with the
    /// file to read its metadata from.
    pub fn metadata_sources(&self) -> Vec<MetadataSource> {
        let mut out: Vec<MetadataSource> = self
            .packages
            .iter()
            .filter(|p| !p.source.contains_key("virtual") && !p.source.contains_key("editable"))
            .filter_map(|p| {
                let wheel = p.wheels.iter().find_map(|w| w.url.clone());
                let (url, is_wheel) = match wheel {
                    Some(u) => (u, true),
                    None => (p.sdist.as_ref()?.url.clone()?, false),
                };
                Some(MetadataSource {
                    name: normalize_name(&p.name),
                    version: p.version.clone()?,
                    url,
                    wheel: is_wheel,
                })
            })
            .collect();
        out.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
        out.dedup_by(|a, b| a.name == b.name && a.version == b.version);
        out
    }
}

/// The licence lines of `licenses` (by name and version), sorted; a licence
/// of several lines or none is the caller's to have made one line.
pub fn license_lines(licenses: &BTreeMap<(String, String), String>) -> String {
    licenses
        .iter()
        .map(|((name, version), text)| format!("{LICENSE}{name} {version}: {text}\n"))
        .collect()
}

/// The licences of a lock's header (its `# patroni-bake:` lines).
pub(super) fn read_licenses(header: &str) -> Result<BTreeMap<(String, String), String>> {
    let mut out = BTreeMap::new();
    for line in header.lines() {
        let Some(rest) = line.strip_prefix(LICENSE) else {
            continue;
        };
        let parsed = rest.split_once(": ").and_then(|(who, text)| {
            let (name, version) = who.split_once(' ')?;
            Some((normalize_name(name), version.to_string(), text.trim()))
        });
        match parsed {
            Some((name, version, text)) if !text.is_empty() => {
                out.insert((name, version), text.to_string());
            }
            _ => bail!("a licence line that is not `{LICENSE}NAME VERSION: LICENCE`: {line:?}"),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licences_round_trip_through_the_header_and_are_found_by_normalized_name() {
        let mut licenses = BTreeMap::new();
        licenses.insert(
            ("python-dateutil".into(), "4.0.0".into()),
            "Dual License".into(),
        );
        licenses.insert(
            ("pyyaml".into(), "6.0.4".into()),
            "License :: OSI Approved :: MIT License".into(),
        );
        let header = license_lines(&licenses);
        assert_eq!(
            header,
            "# patroni-bake: license python-dateutil 4.0.0: Dual License\n\
             # patroni-bake: license pyyaml 6.0.4: License :: OSI Approved :: MIT License\n"
        );
        assert_eq!(read_licenses(&header).unwrap(), licenses);
        let lock = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/stub.uv.lock"
        ))
        .unwrap();
        let lock = UvLock::parse(&format!("{header}{lock}"), "stub").unwrap();
        assert_eq!(
            lock.license("PyYAML", "6.0.4"),
            Some("License :: OSI Approved :: MIT License")
        );
        assert_eq!(
            lock.license("python_dateutil", "4.0.0"),
            Some("Dual License")
        );
        assert_eq!(lock.license("pyyaml", "6.0.3"), None);
        assert!(read_licenses("# patroni-bake: license pyyaml: MIT").is_err());
    }
}
