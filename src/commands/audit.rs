//! `audit`: the distributions a rendering installs against an advisory
//! database on disk.

use std::process::ExitCode;

use anyhow::{Context, Result};
use camino::Utf8Path;
use osv_match::{Database, Error as DbError, Loaded};

use super::print;
use super::render::plan_for;
use crate::audit::{audit as run_audit, Ignores};
use crate::cli::AuditArgs;
use crate::error::usage;

/// Exit 1 on a finding that is not ignored, 0 on none.
pub fn audit(args: &AuditArgs) -> Result<ExitCode> {
    let ignores = Ignores::parse(&args.ignore)?;
    let (_, plan) = plan_for(&args.input)?;
    let loaded = open(&args.db)?;
    for warning in &loaded.warnings {
        eprintln!("patroni-bake: warning: {warning}");
    }
    let report = run_audit(&plan, &loaded.database, &ignores);
    if let Some(note) = &report.not_known {
        eprintln!("patroni-bake: {note}");
    }
    for f in &report.ignored {
        let reason = f.ignored.as_deref().unwrap_or_default();
        eprintln!(
            "patroni-bake: ignored {} for {} {}: {reason}",
            f.id, f.package, f.version
        );
    }
    for id in &report.unused_ignores {
        eprintln!("patroni-bake: warning: --ignore {id} matched no finding");
    }
    if args.json {
        print(report.json()?.as_bytes())?;
    } else {
        print(report.text().as_bytes())?;
    }
    let affected: std::collections::BTreeSet<_> = report
        .findings
        .iter()
        .map(|f| (f.place, &f.package))
        .collect();
    eprintln!(
        "patroni-bake: {} finding(s) in {} of {} distributions of {} against {} advisories ({} skipped)",
        report.findings.len(),
        affected.len(),
        report.distributions.len(),
        report.target,
        report.advisories,
        loaded.warnings.len()
    );
    Ok(ExitCode::from(u8::from(!report.findings.is_empty())))
}

/// The database, or a usage error where the path holds none.
fn open(path: &Utf8Path) -> Result<Loaded> {
    const WHAT: &str = "give a clone of github.com/pypa/advisory-database, a directory of OSV records (JSON or YAML), or osv.dev's zip of PyPI's records";
    if !path.exists() {
        return Err(usage(format!("--db {path} does not exist: {WHAT}")));
    }
    match Database::open(path.as_std_path()) {
        Ok(loaded) => Ok(loaded),
        Err(e @ (DbError::NoRecords { .. } | DbError::Zip { .. })) => {
            Err(usage(format!("--db {path}: {e}: {WHAT}")))
        }
        Err(e) => Err(e).with_context(|| format!("reading the advisory database --db {path}")),
    }
}
