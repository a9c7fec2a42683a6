//! The audit: what a plan installs (plan::inventory), matched against an
//! advisory database (osv-match), as findings sorted for output. Pure:
//! the command reads the database and prints.

use std::collections::BTreeMap;

use anyhow::Result;
use osv_match::{Database, Match, Version};
use serde::Serialize;

use crate::error::usage;
use crate::plan::inventory::{installed, not_known, Installed, Place};
use crate::plan::Plan;

/// The longest summary a finding shows (the first line of some records'
/// details is a paragraph).
const SUMMARY_CHARS: usize = 120;

/// Advisories to leave out, by id or alias, each with the user's reason.
#[derive(Debug, Clone, Default)]
pub struct Ignores(BTreeMap<String, String>);

impl Ignores {
    /// `--ignore ID=REASON` values; one without a reason is refused.
    pub fn parse(values: &[String]) -> Result<Ignores> {
        let mut map = BTreeMap::new();
        for value in values {
            let (id, reason) = value.split_once('=').unwrap_or((value, ""));
            let (id, reason) = (id.trim(), reason.trim());
            if id.is_empty() || reason.is_empty() {
                return Err(usage(format!(
                    "--ignore '{value}': give the advisory and the reason, as ID=REASON (such as --ignore PYSEC-2023-212='our client never follows redirects')"
                )));
            }
            map.insert(id.to_string(), reason.to_string());
        }
        Ok(Ignores(map))
    }

    /// The id and reason of the ignore that names `m`'s advisory.
    fn find(&self, m: &Match<'_>) -> Option<(&str, &str)> {
        std::iter::once(&m.advisory.id)
            .chain(&m.advisory.aliases)
            .find_map(|id| self.0.get_key_value(id.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// One advisory that affects one distribution the plan installs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    pub place: Place,
    /// The distribution, as the lock spells it.
    pub package: String,
    pub version: String,
    pub id: String,
    /// Other ids of the advisory (CVE, GHSA).
    pub aliases: Vec<String>,
    /// Where the distribution lands on the target.
    pub location: String,
    /// The versions that fix it, in version order (none: no fix known).
    pub fixed: Vec<String>,
    /// One line, at most SUMMARY_CHARS characters.
    pub summary: String,
    /// With `--ignore`: the reason given (the finding does not count).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignored: Option<String>,
}

/// The audit of one plan.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub target: String,
    /// The advisories read from the database.
    pub advisories: usize,
    /// The distributions audited.
    pub distributions: Vec<Installed>,
    /// What the install decides only when it runs (an unlocked plan).
    pub not_known: Option<String>,
    /// Findings that count, sorted by place, package, version and id.
    pub findings: Vec<Finding>,
    /// Findings left out by `--ignore`, with the reasons.
    pub ignored: Vec<Finding>,
    /// `--ignore` ids that matched no finding.
    pub unused_ignores: Vec<String>,
}

/// Audit what `plan` installs against `db`.
pub fn audit(plan: &Plan, db: &Database, ignores: &Ignores) -> Report {
    let distributions = installed(plan);
    let mut findings = Vec::new();
    let mut ignored = Vec::new();
    let mut used = Vec::new();
    for dist in &distributions {
        // A lock's version always parses (uv wrote it); one that does not
        // could be in no range.
        let Ok(version) = dist.version.parse::<Version>() else {
            continue;
        };
        for m in same_vulnerability_once(db.matches(&dist.name, &version)) {
            let mut finding = finding(dist, &m);
            match ignores.find(&m) {
                Some((id, reason)) => {
                    used.push(id.to_string());
                    finding.ignored = Some(reason.to_string());
                    ignored.push(finding);
                }
                None => findings.push(finding),
            }
        }
    }
    findings.sort();
    ignored.sort();
    let unused_ignores = ignores
        .0
        .keys()
        .filter(|id| !used.contains(id))
        .cloned()
        .collect();
    Report {
        target: plan.target.clone(),
        advisories: db.len(),
        not_known: not_known(plan),
        distributions,
        findings,
        ignored,
        unused_ignores,
    }
}

/// One match per vulnerability: a database that holds a vulnerability
/// under several ids (osv.dev's export has PYSEC-… and GHSA-… records that
/// list each other as aliases) reports it once, under the first id.
fn same_vulnerability_once<'a>(matches: Vec<Match<'a>>) -> Vec<Match<'a>> {
    let mut kept: Vec<Match<'a>> = Vec::new();
    for m in matches {
        let a = m.advisory;
        let seen = kept
            .iter()
            .any(|k| k.advisory.aliases.contains(&a.id) || a.aliases.contains(&k.advisory.id));
        if !seen {
            kept.push(m);
        }
    }
    kept
}

fn finding(dist: &Installed, m: &Match<'_>) -> Finding {
    Finding {
        place: dist.place,
        package: dist.name.clone(),
        version: dist.version.clone(),
        id: m.advisory.id.clone(),
        aliases: m.advisory.aliases.clone(),
        location: dist.location.clone(),
        fixed: m.affected.fixed().iter().map(|v| v.to_string()).collect(),
        summary: shorten(&m.advisory.summary),
        ignored: None,
    }
}

/// Spaces collapsed, at most SUMMARY_CHARS characters, cut at a word
/// with `…`.
fn shorten(line: &str) -> String {
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= SUMMARY_CHARS {
        return line;
    }
    let cut: String = line.chars().take(SUMMARY_CHARS - 1).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > SUMMARY_CHARS / 2 => &cut[..i],
        _ => &cut,
    };
    format!("{}…", cut.trim_end_matches([' ', ',', ';', ':', '.']))
}

impl Report {
    /// The findings for people: one block each.
    pub fn text(&self) -> String {
        self.findings.iter().map(block).collect()
    }

    /// The whole report as JSON, for machines.
    pub fn json(&self) -> Result<String> {
        Ok(format!("{}\n", serde_json::to_string_pretty(self)?))
    }
}

/// One finding as text.
pub fn block(f: &Finding) -> String {
    let aliases = match f.aliases.as_slice() {
        [] => String::new(),
        a => format!(" ({})", a.join(", ")),
    };
    let place = match f.location.as_str() {
        "" => f.place.describe().to_string(),
        at => format!("{} ({at})", f.place.describe()),
    };
    let fixed = match f.fixed.as_slice() {
        [] => "no fixed version known".to_string(),
        v => format!("fixed in {}", v.join(", ")),
    };
    let mut out = format!(
        "{}{aliases}\n  {} {} in {place}\n  {fixed}\n",
        f.id, f.package, f.version
    );
    if !f.summary.is_empty() {
        out.push_str(&format!("  {}\n", f.summary));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ignore_needs_a_reason() {
        for bad in ["PYSEC-1", "PYSEC-1=", "=reason", "PYSEC-1=  "] {
            let err = Ignores::parse(&[bad.to_string()]).unwrap_err();
            assert_eq!(crate::error::exit_code(&err), 2, "{bad}");
            assert!(err.to_string().contains("ID=REASON"), "{err}");
        }
        let ok = Ignores::parse(&["CVE-1=not reachable = here".to_string()]).unwrap();
        assert_eq!(ok.0["CVE-1"], "not reachable = here");
    }

    #[test]
    fn a_vulnerability_under_two_ids_is_one_finding() {
        let record = |id: &str, alias: &str| {
            osv_match::Advisory::from_value(serde_json::json!({
                "id": id, "aliases": [alias, "CVE-2023-45803"],
                "affected": [{"package": {"ecosystem": "PyPI", "name": "urllib3"},
                              "ranges": [{"type": "ECOSYSTEM",
                                          "events": [{"introduced": "0"}, {"fixed": "2.0.7"}]}]}]
            }))
            .unwrap()
        };
        let db = Database::new(vec![
            record("PYSEC-2023-212", "GHSA-g4mx-q9vg-27p4"),
            record("GHSA-g4mx-q9vg-27p4", "PYSEC-2023-212"),
            record("PYSEC-2099-1", "GHSA-other"),
        ]);
        let matches = db.matches("urllib3", &"2.0.6".parse().unwrap());
        assert_eq!(matches.len(), 3);
        let ids: Vec<&str> = same_vulnerability_once(matches)
            .iter()
            .map(|m| m.advisory.id.as_str())
            .collect();
        assert_eq!(ids, ["GHSA-g4mx-q9vg-27p4", "PYSEC-2099-1"]);
    }

    #[test]
    fn long_summaries_are_cut_at_a_word() {
        let long = "word ".repeat(60);
        let short = shorten(&long);
        assert!(short.chars().count() <= SUMMARY_CHARS, "{short}");
        assert!(short.ends_with("word…"), "{short}");
        assert_eq!(shorten("short.  two\tspaces"), "short. two spaces");
    }
}
