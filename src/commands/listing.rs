//! `targets` and `params`: tables for people, `--json` for scripts (the
//! same rows, the same order).

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde::Serialize;

use super::print;
use crate::recipe::{OsFamily, ParamDefault, Recipe};

#[derive(Serialize)]
struct TargetRow<'a> {
    name: &'a str,
    family: &'a str,
    python: &'a str,
    python_version: &'a str,
    aliases: &'a [String],
    description: &'a str,
}

pub fn targets(recipe: &Recipe, json: bool) -> Result<ExitCode> {
    let rows: Vec<TargetRow> = recipe
        .def
        .targets
        .iter()
        .map(|(name, t)| TargetRow {
            name,
            family: t.family.as_str(),
            python: &t.python,
            python_version: &t.python_version,
            aliases: &t.aliases,
            description: &t.description,
        })
        .collect();
    if json {
        return print_json(&rows);
    }
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.name.to_string(),
                r.family.to_string(),
                format!("{} ({})", r.python, r.python_version),
                if r.aliases.is_empty() {
                    "-".into()
                } else {
                    r.aliases.join(",")
                },
                r.description.to_string(),
            ]
        })
        .collect();
    print(
        table(
            ["TARGET", "FAMILY", "PYTHON", "ALIASES", "DESCRIPTION"],
            &cells,
        )
        .as_bytes(),
    )
}

#[derive(Serialize)]
struct ParamRow<'a> {
    name: &'a str,
    /// The default by family (one entry per family shown).
    default: BTreeMap<&'a str, &'a str>,
    description: &'a str,
    allowed: &'static str,
}

pub fn params(recipe: &Recipe, target: Option<&str>, json: bool) -> Result<ExitCode> {
    let def = &recipe.def;
    let families: Vec<OsFamily> = match target {
        Some(t) => vec![def.target(t)?.1.family],
        None => def.families.keys().cloned().collect(),
    };
    let rows: Vec<ParamRow> = def
        .params
        .iter()
        .map(|(name, p)| ParamRow {
            name,
            default: families
                .iter()
                .map(|f| (f.as_str(), p.default.for_family(*f)))
                .collect(),
            description: &p.description,
            allowed: p.kind.allowed(),
        })
        .collect();
    if json {
        return print_json(&rows);
    }
    let cells: Vec<[String; 3]> = def
        .params
        .iter()
        .zip(&rows)
        .map(|((_, p), r)| {
            let default = match &p.default {
                ParamDefault::One(v) => show(v),
                ParamDefault::PerFamily(_) if r.default.len() == 1 => {
                    show(r.default.values().next().copied().unwrap_or(""))
                }
                ParamDefault::PerFamily(_) => r
                    .default
                    .iter()
                    .map(|(f, v)| format!("{f}: {}", show(v)))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            [
                r.name.to_string(),
                default,
                format!("{} [{}]", r.description, r.allowed),
            ]
        })
        .collect();
    print(table(["PARAMETER", "DEFAULT", "DESCRIPTION"], &cells).as_bytes())
}

fn print_json(rows: &impl Serialize) -> Result<ExitCode> {
    let json = serde_json::to_string_pretty(rows).context("serializing the rows")?;
    print(format!("{json}\n").as_bytes())
}

fn show(v: &str) -> String {
    if v.is_empty() {
        "(empty)".into()
    } else {
        v.to_string()
    }
}

/// Left-aligned columns, the last one unpadded.
fn table<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(str::len);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == N {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        format!("{}\n", s.trim_end())
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}
