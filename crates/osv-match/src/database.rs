//! The advisories, indexed by package, and the question asked of them.

use std::collections::BTreeMap;

use pep440_rs::Version;

use crate::normalize_name;
use crate::record::{Advisory, Affected};

/// Advisories, indexed by the (normalized) names of the packages they affect.
#[derive(Debug, Clone, Default)]
pub struct Database {
    advisories: Vec<Advisory>,
    by_name: BTreeMap<String, Vec<usize>>,
}

/// One advisory that affects a package at a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match<'a> {
    /// The advisory.
    pub advisory: &'a Advisory,
    /// Its `affected` entry that holds the version.
    pub affected: &'a Affected,
}

impl Database {
    /// A database of these advisories.
    pub fn new(advisories: Vec<Advisory>) -> Database {
        let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, a) in advisories.iter().enumerate() {
            for affected in &a.affected {
                let ids = by_name.entry(affected.name.clone()).or_default();
                if ids.last() != Some(&i) {
                    ids.push(i);
                }
            }
        }
        Database {
            advisories,
            by_name,
        }
    }

    /// Every advisory read, withdrawn ones included.
    pub fn advisories(&self) -> &[Advisory] {
        &self.advisories
    }

    /// How many advisories were read.
    pub fn len(&self) -> usize {
        self.advisories.len()
    }

    /// No advisory at all.
    pub fn is_empty(&self) -> bool {
        self.advisories.is_empty()
    }

    /// The advisories that are not withdrawn and affect `name` (any
    /// spelling: it is normalized) at `version`, sorted by id.
    pub fn matches(&self, name: &str, version: &Version) -> Vec<Match<'_>> {
        let name = normalize_name(name);
        let Some(ids) = self.by_name.get(&name) else {
            return Vec::new();
        };
        let mut found: Vec<Match<'_>> = ids
            .iter()
            .map(|&i| &self.advisories[i])
            .filter(|a| !a.withdrawn)
            .filter_map(|advisory| {
                let affected = advisory
                    .affected
                    .iter()
                    .find(|e| e.name == name && e.affects(version))?;
                Some(Match { advisory, affected })
            })
            .collect();
        found.sort_by(|a, b| a.advisory.id.cmp(&b.advisory.id));
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn advisory(id: &str, name: &str, withdrawn: bool) -> Advisory {
        let mut r = json!({
            "id": id,
            "affected": [{"package": {"ecosystem": "PyPI", "name": name},
                          "ranges": [{"type": "ECOSYSTEM",
                                      "events": [{"introduced": "1.0"}, {"fixed": "2.0"}]}],
                          "versions": ["0.5"]}]
        });
        if withdrawn {
            r["withdrawn"] = json!("2024-01-01T00:00:00Z");
        }
        Advisory::from_value(r).unwrap()
    }

    fn ids(db: &Database, name: &str, v: &str) -> Vec<String> {
        db.matches(name, &v.parse().unwrap())
            .iter()
            .map(|m| m.advisory.id.clone())
            .collect()
    }

    #[test]
    fn matches_by_normalized_name_sorted_by_id_without_withdrawn() {
        let db = Database::new(vec![
            advisory("PYSEC-2", "PyYAML", false),
            advisory("PYSEC-1", "pyyaml", false),
            advisory("PYSEC-0", "pyyaml", true),
            advisory("PYSEC-3", "other", false),
        ]);
        assert_eq!(ids(&db, "PyYAML", "1.5"), ["PYSEC-1", "PYSEC-2"]);
        assert_eq!(ids(&db, "PYYAML", "1.5"), ["PYSEC-1", "PYSEC-2"]);
        assert!(ids(&db, "py-yaml", "1.5").is_empty(), "another name");
        assert_eq!(
            ids(&db, "pyyaml", "0.5"),
            ["PYSEC-1", "PYSEC-2"],
            "listed in versions"
        );
        assert!(ids(&db, "pyyaml", "2.0").is_empty());
        assert!(ids(&db, "absent", "1.5").is_empty());
        assert_eq!(db.len(), 4);
    }
}
