//! Reading a vars file: a YAML file (an Ansible group_vars file as it
//! is), a JSON or TOML file (by extension), or a directory read the way
//! Ansible reads `group_vars/all/`.
//!
//! Only the shape is checked here: a mapping of names to values. Which
//! names are known and what their values must be is the caller's business.

use camino::{Utf8Path, Utf8PathBuf};

use crate::raw::Raw;
use crate::yaml11::{self, Node, Top};

/// Why a vars file could not be read, as a message that names the file
/// (and the line, where there is one): always the input's fault to mend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError(pub String);

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReadError {}

type Result<T> = std::result::Result<T, ReadError>;

/// One top-level entry of a vars file.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub value: Raw,
    /// 1-based line of the key, where it could be found.
    pub line: Option<usize>,
}

/// The files that `--vars PATH` reads, in the order they apply (a later
/// one wins): PATH itself, or for a directory what Ansible reads of
/// `group_vars/all/`: its entries sorted by name, each a file ending in
/// `.yml`, `.yaml` or `.json` or with no extension at all, or a directory
/// with no extension, read the same way in its place; hidden names and
/// editor backups (`~`) are skipped, as there.
pub fn files_of(path: &Utf8Path) -> Result<Vec<Utf8PathBuf>> {
    let meta = std::fs::metadata(path)
        .map_err(|e| ReadError(format!("vars file {path}: {}", io_reason(&e))))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    dir_files(path, &mut files)?;
    if files.is_empty() {
        return Err(ReadError(format!(
            "vars directory {path} holds no *.yml, *.yaml or *.json file"
        )));
    }
    Ok(files)
}

fn dir_files(dir: &Utf8Path, files: &mut Vec<Utf8PathBuf>) -> Result<()> {
    let listing = dir
        .read_dir_utf8()
        .map_err(|e| ReadError(format!("vars directory {dir}: {}", io_reason(&e))))?;
    let mut entries = Vec::new();
    for entry in listing {
        let entry =
            entry.map_err(|e| ReadError(format!("vars directory {dir}: {}", io_reason(&e))))?;
        entries.push(entry.path().to_path_buf());
    }
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap_or_default();
        if name.starts_with('.') || name.ends_with('~') {
            continue;
        }
        let ext = path.extension();
        if path.is_dir() {
            if ext.is_none() {
                dir_files(&path, files)?;
            }
        } else if matches!(ext, None | Some("yml" | "yaml" | "json")) {
            files.push(path);
        }
    }
    Ok(())
}

/// Read and parse a vars file. Every failure names the file.
pub fn read(path: &Utf8Path) -> Result<Vec<Entry>> {
    let meta = std::fs::metadata(path)
        .map_err(|e| ReadError(format!("vars file {path}: {}", io_reason(&e))))?;
    if meta.is_dir() {
        return Err(ReadError(format!(
            "vars file {path} is a directory; read it with files_of"
        )));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| ReadError(format!("vars file {path}: {}", io_reason(&e))))?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1;
            return Err(ReadError(format!("{path}:{line}: not UTF-8 text (invalid byte at offset {at}); vars files must be UTF-8")));
        }
    };
    parse(path, &text)
}

/// Parse the text of a vars file; `path` names it in messages and its
/// extension picks the format (`.toml`, else YAML, which JSON is too).
pub fn parse(path: &Utf8Path, text: &str) -> Result<Vec<Entry>> {
    if text.trim().is_empty() {
        return Err(ReadError(format!(
            "vars file {path} is empty; it must hold a mapping of parameter names to values"
        )));
    }
    match path.extension() {
        Some("toml") => parse_toml(path, text),
        Some("json") => parse_json(path, text),
        _ => parse_yaml(path, text),
    }
}

/// An I/O error as a message says it (`no such file`).
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn parse_yaml(path: &Utf8Path, text: &str) -> Result<Vec<Entry>> {
    let top = yaml11::load_top(text).map_err(|(msg, line, col)| {
        ReadError(format!("{path}:{line}:{col}: YAML syntax error: {msg}"))
    })?;
    let pairs = match top {
        Top::Map(pairs) => pairs,
        Top::Empty => {
            return Err(ReadError(format!(
                "vars file {path} holds no values (only comments or '---'); it must hold a mapping of parameter names to values"
            )))
        }
        Top::Other(what) => {
            return Err(ReadError(format!(
                "{path}:1: the top level is {what}; it must be a mapping of parameter names to values"
            )))
        }
    };
    // Merged keys (`<<: *defaults`) first, then the file's own in order,
    // a repeated key kept (the later wins where they are read).
    let pairs = yaml11::merged_pairs(&pairs).map_err(|why| ReadError(format!("{path}: {why}")))?;
    pairs
        .iter()
        .map(|(k, v)| {
            let Raw::Str(key) = yaml11::raw(k) else {
                return Err(ReadError(format!(
                    "{path}:{}: a key is {}; keys must be names",
                    line_of(k).unwrap_or(1),
                    yaml11::raw(k).type_name()
                )));
            };
            Ok(Entry {
                key,
                value: yaml11::raw(v),
                line: line_of(k),
            })
        })
        .collect()
}

fn line_of(node: &Node) -> Option<usize> {
    match node {
        Node::Scalar { line, .. } => Some(*line),
        _ => None,
    }
}

/// JSON as Python's json module reads it (Ansible reads a JSON file so
/// before YAML): `1e3` is a number here, text in YAML 1.1.
fn parse_json(path: &Utf8Path, text: &str) -> Result<Vec<Entry>> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        ReadError(format!(
            "{path}:{}:{}: JSON syntax error: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let serde_json::Value::Object(map) = value else {
        return Err(ReadError(format!(
            "{path}:1: the top level is {}; it must be an object of parameter names to values",
            Raw::from_json(value).type_name()
        )));
    };
    Ok(map
        .into_iter()
        .map(|(key, v)| Entry {
            line: find_key_lines(text, &format!("\"{key}\""), ':')
                .first()
                .copied(),
            key,
            value: Raw::from_json(v),
        })
        .collect())
}

fn parse_toml(path: &Utf8Path, text: &str) -> Result<Vec<Entry>> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
        let msg = e.message().trim_end().to_string();
        match line {
            Some(l) => ReadError(format!("{path}:{l}: TOML syntax error: {msg}")),
            None => ReadError(format!("{path}: TOML syntax error: {msg}")),
        }
    })?;
    Ok(table
        .into_iter()
        .map(|(key, v)| {
            let line = find_key_line(text, &key, '=');
            Entry {
                key,
                value: Raw::from_toml(v),
                line,
            }
        })
        .collect())
}

/// The line where a top-level `key:` (or `key =`) starts, for messages.
fn find_key_line(text: &str, key: &str, sep: char) -> Option<usize> {
    find_key_lines(text, key, sep).first().copied()
}

/// Every line where a top-level `key:` (or `key =`) starts, in order.
fn find_key_lines(text: &str, key: &str, sep: char) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim_start_matches('\u{feff}');
            let rest = l
                .strip_prefix(key)
                .or_else(|| l.strip_prefix(&format!("\"{key}\"")))
                .or_else(|| l.strip_prefix(&format!("'{key}'")));
            matches!(rest.map(|r| r.trim_start().starts_with(sep)), Some(true))
        })
        .map(|(i, _)| i + 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_lines_are_found() {
        let text = "---\n# c\nis_ha_cluster: true\npatroni_bin_dir: /opt/x\n";
        assert_eq!(find_key_line(text, "patroni_bin_dir", ':'), Some(4));
        assert_eq!(find_key_line("a = 1\n\"b\" = 2\n", "b", '='), Some(2));
        assert_eq!(find_key_line("ab: 1\n", "a", ':'), None);
    }

    fn entries(yaml: &str) -> Vec<(String, Raw, Option<usize>)> {
        parse(Utf8Path::new("all.yml"), yaml)
            .unwrap()
            .into_iter()
            .map(|e| (e.key, e.value, e.line))
            .collect()
    }

    fn s(v: &str) -> Raw {
        Raw::Str(v.into())
    }

    #[test]
    fn merge_keys_apply_as_in_pyyaml() {
        let got = entries(
            "base: &b\n  dir: /etc/patroni\ncfg:\n  <<: *b\n  more: x\n\
             <<: *b\ndir: /explicit\n",
        );
        let cfg = got.iter().find(|(k, ..)| k == "cfg").unwrap();
        assert_eq!(
            cfg.1,
            Raw::Map(vec![(s("dir"), s("/etc/patroni")), (s("more"), s("x"))])
        );
        // The top-level merge gives only what the file does not set itself.
        let dirs: Vec<_> = got.iter().filter(|(k, ..)| k == "dir").collect();
        assert_eq!(dirs.len(), 1);
        assert_eq!((&dirs[0].1, dirs[0].2), (&s("/explicit"), Some(7)));
        let got = entries("d: &d {pg_home: /srv}\n<<: [*d]\n");
        assert!(
            got.contains(&("pg_home".into(), s("/srv"), Some(1))),
            "{got:?}"
        );
    }

    #[test]
    fn a_repeated_key_is_kept_in_order_with_its_own_line() {
        let got = entries("a: 1\nb: x\na: 2\n");
        assert_eq!(
            got,
            vec![
                ("a".into(), Raw::Int("1".into()), Some(1)),
                ("b".into(), s("x"), Some(2)),
                ("a".into(), Raw::Int("2".into()), Some(3)),
            ]
        );
    }

    #[test]
    fn a_top_level_that_is_not_a_mapping_is_refused() {
        for (yaml, what) in [
            ("- a\n", "a list"),
            ("text\n", "a string"),
            ("3\n", "an integer"),
        ] {
            let err = parse(Utf8Path::new("all.yml"), yaml)
                .unwrap_err()
                .to_string();
            assert!(err.contains(&format!("the top level is {what}")), "{err}");
        }
    }
}
