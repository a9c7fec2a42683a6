//! `audit` against the real snapshot of the Python Packaging Advisory
//! Database (../shared/pypa-advisory-db, cloned into target/ by
//! `make pypa-advisory-db`, which `make unit-test` runs first).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use osv_match::{Database, Version};
use patroni_bake::audit::{audit, Ignores};
use patroni_bake::input::given_map;
use patroni_bake::recipe::Recipe;
use serde_json::Value;

use crate::common::{assert_usage_error, bin, plan_of, repo, run, text};

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
    let listed = listed_against_ranges(&db);
    let (checked, no_range, outside) = (listed.checked, listed.no_range, listed.outside);
    let unlisted = unlisted_releases(&db);
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

/// What the listed versions of every record say against its own ranges.
struct Listed {
    /// Listed versions checked.
    checked: usize,
    /// Records with a versions list and no ECOSYSTEM range.
    no_range: BTreeSet<String>,
    /// Listed versions that no range of their record holds, by record.
    outside: BTreeMap<String, Vec<String>>,
}

fn listed_against_ranges(db: &osv_match::Database) -> Listed {
    let mut listed = Listed {
        checked: 0,
        no_range: BTreeSet::new(),
        outside: BTreeMap::new(),
    };
    for a in db.advisories() {
        for e in &a.affected {
            if e.ranges.is_empty() {
                if !e.versions.is_empty() {
                    listed.no_range.insert(a.id.clone());
                }
                continue;
            }
            for v in &e.versions {
                listed.checked += 1;
                if !e.ranges.iter().any(|r| r.contains(v)) {
                    listed
                        .outside
                        .entry(a.id.clone())
                        .or_default()
                        .push(v.to_string());
                }
            }
        }
    }
    listed
}

/// The other way: a release of the package (named by any record) that a
/// range holds but the record does not list, by record.
fn unlisted_releases(db: &osv_match::Database) -> BTreeMap<String, Vec<String>> {
    let mut releases: BTreeMap<&str, BTreeSet<&Version>> = BTreeMap::new();
    for a in db.advisories() {
        for e in &a.affected {
            releases.entry(&e.name).or_default().extend(&e.versions);
        }
    }
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
    unlisted
}

/// The snapshot's withdrawn records (10) are read and match nothing; its
/// one `last_affected` range (py's PYSEC-2022-42969) is evaluated.
#[test]
fn withdrawn_records_match_nothing_and_last_affected_is_read() {
    let db = database();
    let withdrawn: Vec<&str> = db
        .advisories()
        .iter()
        .filter(|a| a.withdrawn)
        .map(|a| a.id.as_str())
        .collect();
    assert_eq!(withdrawn.len(), 10, "{withdrawn:?}");
    assert!(withdrawn.contains(&"PYSEC-2023-73"));
    // redis 0.6.0 is listed by the withdrawn PYSEC-2023-73 (introduced 0).
    let redis: Vec<&str> = db
        .matches("redis", &"0.6.0".parse().unwrap())
        .iter()
        .map(|m| m.advisory.id.as_str())
        .collect();
    assert!(!redis.contains(&"PYSEC-2023-73"), "{redis:?}");
    let last_affected: Vec<&str> = db
        .advisories()
        .iter()
        .filter(|a| {
            a.affected.iter().flat_map(|e| &e.ranges).any(|r| {
                r.events()
                    .iter()
                    .any(|e| matches!(e, osv_match::Event::LastAffected(_)))
            })
        })
        .map(|a| a.id.as_str())
        .collect();
    assert_eq!(last_affected, ["PYSEC-2022-42969"]);
    let py = |v: &str| -> Vec<String> {
        db.matches("py", &v.parse().unwrap())
            .iter()
            .map(|m| m.advisory.id.clone())
            .collect()
    };
    assert!(py("1.11.0").contains(&"PYSEC-2022-42969".to_string()));
    assert!(!py("1.11.1").contains(&"PYSEC-2022-42969".to_string()));
}

/// The snapshot read once for the tests that need all of it.
fn database() -> &'static Database {
    static DB: OnceLock<Database> = OnceLock::new();
    DB.get_or_init(|| Database::open(&snapshot()).unwrap().database)
}

/// The built-in lock of tests/data's Patroni 4.0.7 with versions that
/// advisories of the snapshot name: urllib3 2.0.6 and 1.26.17 (Patroni's
/// venv, by Python), pip 23.2 and 23.2.1 (pipx's shared libraries). Only
/// the versions differ (the hashes are the newer files': the audit reads
/// no file).
fn affected_lock(dir: &Path) -> PathBuf {
    let mut lock =
        std::fs::read_to_string(repo().join("tests/data/patroni-4.0.7.uv.lock")).unwrap();
    for (name, old, new) in [
        ("urllib3", "2.8.0", "2.0.6"),
        ("urllib3", "1.26.20", "1.26.17"),
        ("pip", "26.3", "23.2"),
        ("pip", "26.0.1", "23.2.1"),
    ] {
        for (from, to) in [
            (
                format!("name = \"{name}\", version = \"{old}\""),
                format!("name = \"{name}\", version = \"{new}\""),
            ),
            (
                format!("name = \"{name}\"\nversion = \"{old}\""),
                format!("name = \"{name}\"\nversion = \"{new}\""),
            ),
        ] {
            assert!(lock.contains(&from), "{from}");
            lock = lock.replace(&from, &to);
        }
    }
    let path = dir.join("patroni-4.0.7.uv.lock");
    std::fs::write(&path, lock).unwrap();
    path
}

fn audit_cmd(target: &str, db: &Path, lock: &Path) -> std::process::Command {
    let mut cmd = bin();
    cmd.args([
        "audit",
        "-t",
        target,
        "--set",
        "patroni_version=4.0.7",
        "--lock",
    ])
    .arg(lock)
    .arg("--db")
    .arg(db);
    cmd
}

/// (id, package, version, place) of each finding of a --json report.
fn findings(json: &Value, key: &str) -> Vec<(String, String, String, String)> {
    json[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_string();
            (s("id"), s("package"), s("version"), s("place"))
        })
        .collect()
}

fn owned(rows: &[(&str, &str, &str, &str)]) -> Vec<(String, String, String, String)> {
    rows.iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
        .collect()
}

/// Each finding is what the records' own `versions` lists say: urllib3
/// 2.0.6 and 1.26.17 are listed by PYSEC-2023-212 alone of urllib3's 11
/// records, pip 23.2 and 23.2.1 by PYSEC-2023-228 alone of pip's 7.
#[test]
fn a_lock_of_known_affected_versions_is_reported_with_the_right_ids() {
    let tmp = tempfile::tempdir().unwrap();
    let lock = affected_lock(tmp.path());
    let out = run(audit_cmd("debian-12", &snapshot(), &lock).arg("--json"));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        findings(&json, "findings"),
        owned(&[
            ("PYSEC-2023-212", "urllib3", "2.0.6", "patroni-venv"),
            ("PYSEC-2023-228", "pip", "23.2", "pipx-shared"),
        ])
    );
    let urllib3 = &json["findings"][0];
    assert_eq!(
        urllib3["aliases"],
        serde_json::json!(["CVE-2023-45803", "GHSA-g4mx-q9vg-27p4"])
    );
    assert_eq!(urllib3["fixed"], serde_json::json!(["1.26.18", "2.0.7"]));
    assert_eq!(
        urllib3["location"],
        "/var/lib/postgresql/.local/share/pipx/venvs/patroni"
    );
    assert!(urllib3["summary"]
        .as_str()
        .unwrap()
        .starts_with("urllib3 is a user-friendly HTTP client"));
    assert_eq!(json["distributions"].as_array().unwrap().len(), 22);
    // The two records whose bounds are no PEP 440 version are named.
    assert!(
        err.contains("warning: PYSEC-2021-371 (vulns/binderhub/PYSEC-2021-371.yaml)"),
        "{err}"
    );
    assert!(err.contains("2 finding(s) in 2 of 22 distributions of debian-12 against 2659 advisories (2 skipped)"), "{err}");

    // rhel-9's Python 3.9 takes urllib3 1.26.x, pip 23.2.1: the same ids.
    let out = run(&mut audit_cmd("rhel-9", &snapshot(), &lock));
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(
        report.starts_with("PYSEC-2023-212 (CVE-2023-45803, GHSA-g4mx-q9vg-27p4)\n  urllib3 1.26.17 in Patroni's venv (/var/lib/pgsql/.local/share/pipx/venvs/patroni)\n  fixed in 1.26.18, 2.0.7\n"),
        "{report}"
    );
    assert!(
        report.contains("PYSEC-2023-228 (CVE-2023-5752)\n  pip 23.2.1 in pipx's shared libraries"),
        "{report}"
    );
}

/// A small database: urllib3's and pip's records of the snapshot.
fn small_db(dir: &Path) -> PathBuf {
    let db = dir.join("db");
    for pkg in ["urllib3", "pip"] {
        let from = snapshot().join("vulns").join(pkg);
        let to = db.join("vulns").join(pkg);
        std::fs::create_dir_all(&to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
    db
}

#[test]
fn ignores_take_an_id_or_an_alias_with_a_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let (lock, db) = (affected_lock(tmp.path()), small_db(tmp.path()));
    let out = run(audit_cmd("debian-12", &db, &lock).args([
        "--ignore",
        "CVE-2023-5752=pipx installs no VCS URL",
        "--json",
    ]));
    assert_eq!(out.status.code(), Some(1), "urllib3's finding still counts");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        findings(&json, "findings"),
        owned(&[("PYSEC-2023-212", "urllib3", "2.0.6", "patroni-venv")])
    );
    assert_eq!(
        findings(&json, "ignored"),
        owned(&[("PYSEC-2023-228", "pip", "23.2", "pipx-shared")])
    );
    assert_eq!(json["ignored"][0]["ignored"], "pipx installs no VCS URL");
    assert!(
        text(&out.stderr).contains("ignored PYSEC-2023-228 for pip 23.2: pipx installs no VCS URL")
    );
    let again = run(audit_cmd("debian-12", &db, &lock).args([
        "--ignore",
        "CVE-2023-5752=pipx installs no VCS URL",
        "--json",
    ]));
    assert_eq!(again.stdout, out.stdout, "same inputs, same bytes");

    let out = run(audit_cmd("debian-12", &db, &lock).args([
        "--ignore",
        "CVE-2023-5752=pipx installs no VCS URL",
        "--ignore",
        "PYSEC-2023-212=redirects are off",
        "--ignore",
        "PYSEC-1999-1=stale",
    ]));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert!(
        err.contains("warning: --ignore PYSEC-1999-1 matched no finding"),
        "{err}"
    );
}

/// An empty event, as PYSEC-2026-89 of the live database has, put into a
/// copy of PYSEC-2023-212: that record is named and left out, and the rest
/// of the audit goes on (pip's finding is still reported).
#[test]
fn a_broken_record_is_warned_about_and_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let (lock, db) = (affected_lock(tmp.path()), small_db(tmp.path()));
    let record = db.join("vulns/urllib3/PYSEC-2023-212.yaml");
    let yaml = std::fs::read_to_string(&record).unwrap();
    let broken = yaml.replace("    - fixed: 2.0.7\n", "    - fixed: 2.0.7\n    - {}\n");
    assert_ne!(broken, yaml);
    std::fs::write(&record, broken).unwrap();
    let out = run(audit_cmd("debian-12", &db, &lock).arg("--json"));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("warning: PYSEC-2023-212 (vulns/urllib3/PYSEC-2023-212.yaml): affected[0].ranges[1].events[2] must hold exactly one of introduced, fixed, last_affected, limit; it holds none; skipped"),
        "{err}"
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        findings(&json, "findings"),
        owned(&[("PYSEC-2023-228", "pip", "23.2", "pipx-shared")])
    );
}

/// osv.dev's export is a zip of JSON records (tests/data's fixture holds
/// PYSEC-2023-212 and a requests record).
#[test]
fn a_zip_of_json_records_is_a_database() {
    let tmp = tempfile::tempdir().unwrap();
    let lock = affected_lock(tmp.path());
    let zip = repo().join("crates/osv-match/tests/data/records.zip");
    let out = run(audit_cmd("debian-12", &zip, &lock).arg("--json"));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        findings(&json, "findings"),
        owned(&[("PYSEC-2023-212", "urllib3", "2.0.6", "patroni-venv")])
    );
    assert_eq!(json["advisories"], 2);
}

#[test]
fn bad_input_is_exit_2_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("absent");
    let out = run(bin()
        .args(["audit", "-t", "debian-12", "--db"])
        .arg(&missing));
    assert_usage_error(
        &out,
        &["--db", "absent does not exist", "pypa/advisory-database"],
    );
    let out = run(bin()
        .args(["audit", "-t", "debian-12", "--db"])
        .arg(tmp.path()));
    assert_usage_error(&out, &["holds no OSV record"]);
    let not_zip = tmp.path().join("db.zip");
    std::fs::write(&not_zip, "not a zip").unwrap();
    let out = run(bin()
        .args(["audit", "-t", "debian-12", "--db"])
        .arg(&not_zip));
    assert_usage_error(&out, &["not a zip"]);
    let db = small_db(tmp.path());
    let out = run(bin()
        .args([
            "audit",
            "-t",
            "debian-12",
            "--ignore",
            "PYSEC-2023-212",
            "--db",
        ])
        .arg(&db));
    assert_usage_error(&out, &["--ignore 'PYSEC-2023-212'", "ID=REASON"]);
}

/// The built-in lock against the snapshot, on every target, with the
/// default extras and with every extra, installer pip and (where the
/// target's Python runs it) uv: no finding. (True of this 2024-10-10
/// snapshot, whose advisories all predate the lock's versions.)
#[test]
fn the_built_in_lock_is_clean_against_the_snapshot() {
    let recipe = Recipe::embedded().unwrap();
    let db = database();
    let mut audited = 0;
    for target in recipe.def.targets.keys() {
        for extras in ["etcd,psycopg2-binary", "all"] {
            for installer in ["pip", "uv"] {
                let given = given_map(
                    [("patroni_extras", extras), ("installer", installer)],
                    "test",
                );
                let Ok(plan) = plan_of(&recipe, target, &given) else {
                    assert_eq!(
                        installer, "uv",
                        "{target} {extras}: only installer=uv may be refused"
                    );
                    continue;
                };
                let report = audit(&plan, db, &Ignores::default());
                assert!(report.distributions.len() >= 18, "{target}");
                assert_eq!(report.findings, [], "{target} {extras} {installer}");
                audited += 1;
            }
        }
    }
    assert!(audited >= 12, "{audited}");
}

/// osv.dev's form of the same records: the snapshot as a zip of JSON
/// records (one per advisory, deflated, as osv.dev exports an ecosystem),
/// written by Python's zipfile and PyYAML. The audit of the zip is the
/// audit of the directory, byte for byte.
#[test]
fn the_snapshot_as_a_zip_of_json_gives_the_same_report() {
    const TO_ZIP: &str = r#"
import datetime, glob, json, os, sys, zipfile, yaml
def plain(o):
    if isinstance(o, (datetime.date, datetime.datetime)):
        return o.isoformat()
    raise TypeError(o)
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
    for f in sorted(glob.glob(os.path.join(sys.argv[1], "vulns", "*", "*.yaml"))):
        with open(f) as y:
            record = yaml.safe_load(y)
        z.writestr(os.path.basename(f)[:-5] + ".json", json.dumps(record, default=plain))
"#;
    let tmp = tempfile::tempdir().unwrap();
    let zip = tmp.path().join("all.zip");
    let out = run(std::process::Command::new("/usr/bin/python3")
        .args(["-c", TO_ZIP])
        .arg(snapshot())
        .arg(&zip));
    assert!(
        out.status.success(),
        "python3 with PyYAML (python3-yaml) makes the zip: {}",
        text(&out.stderr)
    );
    let lock = affected_lock(tmp.path());
    let from_dir = run(audit_cmd("debian-12", &snapshot(), &lock).arg("--json"));
    let from_zip = run(audit_cmd("debian-12", &zip, &lock).arg("--json"));
    assert_eq!(
        from_zip.status.code(),
        Some(1),
        "{}",
        text(&from_zip.stderr)
    );
    assert_eq!(text(&from_zip.stdout), text(&from_dir.stdout));
    let json: Value = serde_json::from_slice(&from_zip.stdout).unwrap();
    assert_eq!(json["advisories"], 2659);
    // The warnings name the zip's members instead of the tree's files.
    assert!(text(&from_zip.stderr).contains("warning: PYSEC-2019-125 (PYSEC-2019-125.json): "));
}
