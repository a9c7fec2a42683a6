//! `audit` against the real snapshot of the Python Packaging Advisory
//! Database (../shared/pypa-advisory-db, cloned into target/ by
//! `make pypa-advisory-db`, which `make unit-test` runs first).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use osv_match::{Database, Version};

use crate::common::repo;

/// The snapshot's clone. Missing, the tests fail with the way to get it:
/// they never skip.
fn snapshot() -> PathBuf {
    let dir = std::env::var_os("PATRONI_BAKE_PYPA_DB")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/pypa-advisory-db"));
    assert!(
        dir.join("vulns").is_dir(),
        "no clone of the PyPA advisory database at {} (run `make pypa-advisory-db`, which clones ../shared/pypa-advisory-db/pypa-advisory-database.bundle there)",
        dir.display()
    );
    dir
}

/// Every record of the snapshot: each version its `versions` list names
/// is one its ECOSYSTEM ranges hold. Where they disagree it is counted by
/// cause (a record with no ECOSYSTEM range, a version listed outside its
/// own ranges), printed, and asserted to the counts known to be the
/// records' own.
#[test]
fn range_evaluation_agrees_with_every_records_versions_list() {
    let loaded = Database::open(&snapshot()).unwrap();
    // Two records of the snapshot have a range bound that is no PEP 440
    // version: they are named and left out, the rest is read.
    let broken: Vec<String> = loaded.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(
        broken,
        [
            "PYSEC-2021-371 (vulns/binderhub/PYSEC-2021-371.yaml): affected[0].ranges[1].events[1].fixed '0.2.0-n653' is not a PEP 440 version: after parsing `0.2.0`, found `-n653`, which is not part of a valid version; skipped",
            "PYSEC-2019-125 (vulns/steam/PYSEC-2019-125.yaml): affected[0].ranges[0].events[1].fixed '2019-09-12' is not a PEP 440 version: after parsing `2019-09`, found `-12`, which is not part of a valid version; skipped",
        ]
    );
    let db = loaded.database;
    let legacy: usize = db
        .advisories()
        .iter()
        .flat_map(|a| &a.affected)
        .map(|e| e.legacy_versions.len())
        .sum();
    let mut checked = 0usize;
    let mut no_range: BTreeSet<String> = BTreeSet::new();
    let mut outside: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut releases: BTreeMap<&str, BTreeSet<&Version>> = BTreeMap::new();
    for a in db.advisories() {
        for e in &a.affected {
            releases.entry(&e.name).or_default().extend(&e.versions);
            if e.ranges.is_empty() {
                if !e.versions.is_empty() {
                    no_range.insert(a.id.clone());
                }
                continue;
            }
            for v in &e.versions {
                checked += 1;
                if !e.ranges.iter().any(|r| r.contains(v)) {
                    outside.entry(a.id.clone()).or_default().push(v.to_string());
                }
            }
        }
    }
    // The other way: a release of the package (named by any record) that
    // a range holds but the record does not list.
    let mut unlisted: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in db.advisories() {
        for e in a.affected.iter().filter(|e| !e.versions.is_empty()) {
            for v in &releases[e.name.as_str()] {
                if !e.versions.contains(v) && e.ranges.iter().any(|r| r.contains(v)) {
                    unlisted
                        .entry(a.id.clone())
                        .or_default()
                        .push(v.to_string());
                }
            }
        }
    }
    let unlisted_versions: usize = unlisted.values().map(Vec::len).sum();
    eprintln!(
        "{} records read, {checked} listed versions checked against their ranges ({legacy} legacy, not PEP 440, left out); {} records without an ECOSYSTEM range: {no_range:?}; {} records list versions outside their own ranges: {outside:?}; the other way, {} records' ranges hold {unlisted_versions} releases (named by some record) that they do not list",
        db.len(),
        no_range.len(),
        outside.len(),
        unlisted.len(),
    );
    assert_eq!(db.len() + broken.len(), 2661);
    assert!(checked > 100_000, "{checked}");
    // The records' own faults, each read by hand against OSV's algorithm:
    // wagtail's range overlaps itself (introduced 0, fixed 2.11.6 inside
    // introduced 2.11, fixed 2.11.7), so 2.11.6 is fixed by OSV's rule;
    // gevent's list comes from its GIT range, past its ECOSYSTEM fix 23.9.0;
    // Django's lists the pre-releases of 3.2 and 4.2, which PEP 440 puts
    // before the `introduced` 3.2 and 4.2.
    let expected: BTreeMap<String, Vec<String>> = [
        ("PYSEC-2021-114", &["2.11.6"][..]),
        ("PYSEC-2023-177", &["23.9.0", "23.9.0.post1"][..]),
        (
            "PYSEC-2023-61",
            &["3.2a1", "3.2b1", "3.2rc1", "4.2a1", "4.2b1", "4.2rc1"][..],
        ),
    ]
    .into_iter()
    .map(|(id, vs)| (id.to_string(), vs.iter().map(|v| v.to_string()).collect()))
    .collect();
    assert_eq!(outside, expected);
    // Its versions list is all it has: matched as listed.
    assert_eq!(no_range, BTreeSet::from(["PYSEC-2024-1".to_string()]));
}
