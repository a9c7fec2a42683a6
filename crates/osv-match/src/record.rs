//! An OSV record as this crate keeps it: the fields a match needs, checked.
//!
//! The raw record is read with serde (unknown fields ignored, as the schema
//! asks of readers); [`Advisory::from_value`] then checks what the schema
//! requires of what is used: one kind of event per event object, versions
//! that parse as PEP 440, an `introduced` in every range. A record that
//! breaks it is refused whole, with the place named, so that the caller can
//! warn and go on.

use pep440_rs::Version;
use serde::Deserialize;

use crate::range::{Event, Range};
use crate::{normalize_name, ECOSYSTEM};

/// An advisory: its identity and the PyPI packages it affects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advisory {
    /// `PYSEC-2023-212`, `GHSA-…`.
    pub id: String,
    /// Other ids of the same vulnerability (CVE, GHSA), as listed.
    pub aliases: Vec<String>,
    /// One line: the record's `summary`, else the first line of `details`.
    pub summary: String,
    /// The record was withdrawn (`withdrawn` is set): it matches nothing.
    pub withdrawn: bool,
    /// Its `affected` entries of the PyPI ecosystem (others are dropped).
    pub affected: Vec<Affected>,
}

/// One `affected` entry of the PyPI ecosystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Affected {
    /// The package's name, normalized (PEP 503).
    pub name: String,
    /// Its `ECOSYSTEM` ranges (`GIT` ranges hold commits, not versions).
    pub ranges: Vec<Range>,
    /// The `versions` list: each listed version is affected.
    pub versions: Vec<Version>,
    /// Listed versions that are not PEP 440 (PyPI's legacy releases, such
    /// as `0.7.10p1`), as written: no installed version can equal them, so
    /// they match nothing, and they do not break the record.
    pub legacy_versions: Vec<String>,
}

impl Affected {
    /// OSV's `IsVulnerable` for this entry: `v` is listed, or in a range.
    pub fn affects(&self, v: &Version) -> bool {
        self.versions.iter().any(|l| l == v) || self.ranges.iter().any(|r| r.contains(v))
    }

    /// The `fixed` versions of every range, sorted, without repeats.
    pub fn fixed(&self) -> Vec<Version> {
        let mut fixed: Vec<Version> = self.ranges.iter().flat_map(Range::fixed).cloned().collect();
        fixed.sort();
        fixed.dedup();
        fixed
    }
}

#[derive(Deserialize)]
struct RawRecord {
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
    summary: Option<String>,
    details: Option<String>,
    withdrawn: Option<String>,
    #[serde(default)]
    affected: Vec<RawAffected>,
}

#[derive(Deserialize)]
struct RawAffected {
    package: Option<RawPackage>,
    #[serde(default)]
    ranges: Vec<RawRange>,
    #[serde(default)]
    versions: Vec<String>,
}

#[derive(Deserialize)]
struct RawPackage {
    ecosystem: String,
    name: String,
}

#[derive(Deserialize)]
struct RawRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    events: Vec<RawEvent>,
}

#[derive(Deserialize)]
struct RawEvent {
    introduced: Option<String>,
    fixed: Option<String>,
    last_affected: Option<String>,
    limit: Option<String>,
}

impl Advisory {
    /// The advisory of one OSV record (already parsed from JSON or YAML),
    /// or what breaks the schema.
    pub fn from_value(value: serde_json::Value) -> Result<Advisory, String> {
        let raw: RawRecord = serde_json::from_value(value).map_err(|e| e.to_string())?;
        let mut affected = Vec::new();
        for (i, a) in raw.affected.into_iter().enumerate() {
            let place = format!("affected[{i}]");
            if let Some(a) = pypi_entry(a, &place)? {
                affected.push(a);
            }
        }
        Ok(Advisory {
            summary: one_line(raw.summary.as_deref(), raw.details.as_deref()),
            id: raw.id,
            aliases: raw.aliases,
            withdrawn: raw.withdrawn.is_some(),
            affected,
        })
    }
}

/// An `affected` entry if it is of the PyPI ecosystem, checked.
fn pypi_entry(a: RawAffected, place: &str) -> Result<Option<Affected>, String> {
    let Some(package) = a.package else {
        return Ok(None);
    };
    if package.ecosystem != ECOSYSTEM {
        return Ok(None);
    }
    let mut ranges = Vec::new();
    for (j, r) in a.ranges.iter().enumerate() {
        if r.kind == "ECOSYSTEM" {
            ranges.push(range(r, &format!("{place}.ranges[{j}]"))?);
        }
    }
    let (parsed, legacy): (Vec<_>, Vec<_>) = a
        .versions
        .into_iter()
        .map(|s| s.parse::<Version>().map_err(|_| s))
        .partition(Result::is_ok);
    Ok(Some(Affected {
        name: normalize_name(&package.name),
        ranges,
        versions: parsed.into_iter().filter_map(Result::ok).collect(),
        legacy_versions: legacy.into_iter().filter_map(Result::err).collect(),
    }))
}

/// One `ECOSYSTEM` range: each event one kind, at least one `introduced`.
fn range(r: &RawRange, place: &str) -> Result<Range, String> {
    let mut events = Vec::new();
    for (k, e) in r.events.iter().enumerate() {
        events.push(event(e, &format!("{place}.events[{k}]"))?);
    }
    if !events.iter().any(|e| matches!(e, Event::Introduced(_))) {
        return Err(format!("{place} has no `introduced` event"));
    }
    Ok(Range::new(events))
}

fn event(e: &RawEvent, place: &str) -> Result<Event, String> {
    let kinds = [
        ("introduced", &e.introduced),
        ("fixed", &e.fixed),
        ("last_affected", &e.last_affected),
        ("limit", &e.limit),
    ];
    let given: Vec<(&str, &String)> = kinds
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (*k, v)))
        .collect();
    let [(kind, at)] = given.as_slice() else {
        return Err(format!(
            "{place} must hold exactly one of introduced, fixed, last_affected, limit; it holds {}",
            match given.len() {
                0 => "none".to_string(),
                _ => given.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", "),
            }
        ));
    };
    let place = format!("{place}.{kind}");
    Ok(match *kind {
        "introduced" if *at == "0" => Event::Introduced(None),
        "introduced" => Event::Introduced(Some(version(at, &place)?)),
        "fixed" => Event::Fixed(version(at, &place)?),
        "last_affected" => Event::LastAffected(version(at, &place)?),
        _ if *at == "*" => Event::Limit(None),
        _ => Event::Limit(Some(version(at, &place)?)),
    })
}

fn version(s: &str, place: &str) -> Result<Version, String> {
    s.parse()
        .map_err(|e| format!("{place} '{s}' is not a PEP 440 version: {e}"))
}

/// The summary, else the first non-blank line of the details.
fn one_line(summary: Option<&str>, details: Option<&str>) -> String {
    let text = summary.filter(|s| !s.trim().is_empty()).or(details);
    text.and_then(|t| t.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(events: serde_json::Value) -> serde_json::Value {
        json!({
            "id": "PYSEC-0000-1",
            "aliases": ["CVE-0000-1"],
            "details": "\nFirst line.\nSecond line.",
            "affected": [
                {"package": {"ecosystem": "npm", "name": "left-pad"},
                 "ranges": [{"type": "SEMVER", "events": [{"introduced": "not-pep440"}]}]},
                {"package": {"ecosystem": "PyPI", "name": "Foo_Bar"},
                 "ranges": [
                    {"type": "GIT", "events": [{"introduced": "0"}, {"fixed": "abcdef0123"}]},
                    {"type": "ECOSYSTEM", "events": events}
                 ],
                 "versions": ["1.0", "0.9p1"]}
            ]
        })
    }

    #[test]
    fn keeps_pypi_entries_and_ecosystem_ranges_only() {
        let a =
            Advisory::from_value(record(json!([{"introduced": "0"}, {"fixed": "1.1"}]))).unwrap();
        assert_eq!(a.summary, "First line.");
        assert!(!a.withdrawn);
        assert_eq!(a.affected.len(), 1, "the npm entry is dropped");
        let foo = &a.affected[0];
        assert_eq!(foo.name, "foo-bar");
        assert_eq!(foo.ranges.len(), 1, "the GIT range is dropped");
        assert!(foo.affects(&"1.0.0".parse().unwrap()));
        assert!(!foo.affects(&"1.1".parse().unwrap()));
        assert_eq!(foo.fixed(), ["1.1".parse::<Version>().unwrap()]);
        assert_eq!(foo.versions, ["1.0".parse::<Version>().unwrap()]);
        assert_eq!(
            foo.legacy_versions,
            ["0.9p1"],
            "kept as written, not a break"
        );
    }

    /// An entry's ranges are alternatives: a version in any one of them is
    /// affected (OSV's IncludedInRanges).
    #[test]
    fn a_version_in_any_of_several_ranges_is_affected() {
        let mut r = record(json!([{"introduced": "1.0"}, {"fixed": "1.2"}]));
        r["affected"][1]["ranges"]
            .as_array_mut()
            .unwrap()
            .push(json!({"type": "ECOSYSTEM", "events": [{"introduced": "2.0"}, {"last_affected": "2.1"}]}));
        r["affected"][1]["versions"] = json!([]);
        let a = Advisory::from_value(r).unwrap();
        let foo = &a.affected[0];
        assert_eq!(foo.ranges.len(), 2);
        let affects = |v: &str| foo.affects(&v.parse().unwrap());
        assert!(affects("1.1") && affects("2.0") && affects("2.1"));
        assert!(!affects("0.9") && !affects("1.2") && !affects("1.5") && !affects("2.1.1"));
        assert_eq!(foo.fixed(), ["1.2".parse::<Version>().unwrap()]);
    }

    #[test]
    fn an_empty_event_breaks_the_record_and_is_named() {
        let err = Advisory::from_value(record(json!([{"introduced": "0"}, {}]))).unwrap_err();
        assert_eq!(
            err,
            "affected[1].ranges[1].events[1] must hold exactly one of introduced, fixed, last_affected, limit; it holds none"
        );
    }

    #[test]
    fn two_kinds_in_one_event_break_the_record() {
        let err =
            Advisory::from_value(record(json!([{"introduced": "0", "fixed": "2"}]))).unwrap_err();
        assert!(err.ends_with("it holds introduced, fixed"), "{err}");
    }

    #[test]
    fn a_version_that_does_not_parse_breaks_the_record() {
        let err = Advisory::from_value(record(json!([{"introduced": "0"}, {"fixed": "1.x"}])))
            .unwrap_err();
        assert!(
            err.starts_with("affected[1].ranges[1].events[1].fixed '1.x' is not a PEP 440 version"),
            "{err}"
        );
    }

    #[test]
    fn a_range_without_introduced_breaks_the_record() {
        let err = Advisory::from_value(record(json!([{"fixed": "1.1"}]))).unwrap_err();
        assert_eq!(err, "affected[1].ranges[1] has no `introduced` event");
    }

    #[test]
    fn withdrawn_and_summary_are_read() {
        let mut r = record(json!([{"introduced": "0"}]));
        r["withdrawn"] = json!("2024-01-01T00:00:00Z");
        r["summary"] = json!("  One line  ");
        let a = Advisory::from_value(r).unwrap();
        assert!(a.withdrawn);
        assert_eq!(a.summary, "One line");
    }

    #[test]
    fn a_record_without_id_is_refused() {
        let err = Advisory::from_value(json!({"affected": []})).unwrap_err();
        assert!(err.contains("missing field `id`"), "{err}");
    }
}
