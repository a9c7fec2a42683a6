//! Reading a database from disk: a directory tree of records, one file, or
//! a zip of JSON records. Records that break the schema become warnings;
//! only a database that cannot be read, or holds no record, is an error.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

use crate::database::Database;
use crate::record::Advisory;
use crate::zip;

/// A database read from disk, and the records left out of it.
#[derive(Debug)]
pub struct Loaded {
    /// The advisories read.
    pub database: Database,
    /// One per record left out, in the order read (sorted paths).
    pub warnings: Vec<Warning>,
}

/// A record left out: where it is, its id when it has one, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Its file (or zip member), relative to the database's path.
    pub source: String,
    /// The record's `id`, when it could be read.
    pub id: Option<String>,
    /// What breaks the schema.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(f, "{id} ({}): {}; skipped", self.source, self.message),
            None => write!(f, "{}: {}; skipped", self.source, self.message),
        }
    }
}

/// Why a database could not be read at all.
#[derive(Debug)]
pub enum Error {
    /// Reading a file or a directory failed.
    Io {
        /// What was being read.
        path: PathBuf,
        /// The failure.
        source: io::Error,
    },
    /// The zip file is not one this crate reads.
    Zip {
        /// The zip file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Nothing usable was found: no record, or only broken ones.
    NoRecords {
        /// The database's path.
        path: PathBuf,
        /// How many records were left out as broken.
        broken: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, .. } => write!(f, "reading {}", path.display()),
            Error::Zip { path, message } => {
                write!(f, "reading the zip {}: {message}", path.display())
            }
            Error::NoRecords { path, broken: 0 } => write!(
                f,
                "{} holds no OSV record (*.json, *.yaml or *.yml files, or a zip of them)",
                path.display()
            ),
            Error::NoRecords { path, broken } => write!(
                f,
                "{} holds no usable OSV record ({broken} broken)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// How a record is encoded, known from its file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Yaml,
}

impl Format {
    fn of(name: &str) -> Option<Format> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "json" => Some(Format::Json),
            "yaml" | "yml" => Some(Format::Yaml),
            _ => None,
        }
    }
}

impl Database {
    /// Read the database at `path`: a directory (every `*.json`, `*.yaml`
    /// and `*.yml` below it, hidden entries skipped; of a PyPA clone,
    /// which has a `vulns/` directory, that one alone), a `*.zip` of
    /// records, or one record file.
    pub fn open(path: &Path) -> Result<Loaded, Error> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let meta = fs::metadata(path).map_err(io)?;
        let mut reader = Reader::default();
        if meta.is_dir() {
            let vulns = path.join("vulns");
            let root = if vulns.is_dir() {
                vulns
            } else {
                path.to_path_buf()
            };
            reader.walk(&root, path)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
        {
            let bytes = fs::read(path).map_err(io)?;
            let members = zip::json_members(&bytes).map_err(|message| Error::Zip {
                path: path.to_path_buf(),
                message,
            })?;
            for (name, text) in members {
                reader.add(name, Format::Json, &text);
            }
        } else {
            let name = path.display().to_string();
            let format = Format::of(&name).unwrap_or(Format::Json);
            let text = fs::read(path).map_err(io)?;
            reader.add(name, format, &text);
        }
        reader.finish(path)
    }
}

/// Advisories and warnings as records are read.
#[derive(Default)]
struct Reader {
    advisories: Vec<Advisory>,
    warnings: Vec<Warning>,
}

impl Reader {
    /// Every record file below `dir`, in sorted order.
    fn walk(&mut self, dir: &Path, base: &Path) -> Result<(), Error> {
        let io = |source| Error::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut entries: Vec<(PathBuf, fs::FileType)> = Vec::new();
        for entry in fs::read_dir(dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            entries.push((entry.path(), entry.file_type().map_err(io)?));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (path, kind) in entries {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            if kind.is_dir() {
                self.walk(&path, base)?;
            } else if let Some(format) = Format::of(&name) {
                let text = fs::read(&path).map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
                let shown = path.strip_prefix(base).unwrap_or(&path);
                self.add(shown.display().to_string(), format, &text);
            }
        }
        Ok(())
    }

    /// One record, or a warning.
    fn add(&mut self, source: String, format: Format, bytes: &[u8]) {
        match parse(format, bytes) {
            Ok(value) => {
                let id = value.get("id").and_then(|v| v.as_str()).map(str::to_string);
                match Advisory::from_value(value) {
                    Ok(a) => self.advisories.push(a),
                    Err(message) => self.warnings.push(Warning {
                        source,
                        id,
                        message,
                    }),
                }
            }
            Err(message) => self.warnings.push(Warning {
                source,
                id: None,
                message,
            }),
        }
    }

    fn finish(self, path: &Path) -> Result<Loaded, Error> {
        if self.advisories.is_empty() {
            return Err(Error::NoRecords {
                path: path.to_path_buf(),
                broken: self.warnings.len(),
            });
        }
        Ok(Loaded {
            database: Database::new(self.advisories),
            warnings: self.warnings,
        })
    }
}

/// A record's text as a JSON value, whichever its encoding.
fn parse(format: Format, bytes: &[u8]) -> Result<serde_json::Value, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    match format {
        Format::Json => serde_json::from_str(text).map_err(|e| format!("bad JSON: {e}")),
        Format::Yaml => {
            let docs = YamlLoader::load_from_str(text).map_err(|e| format!("bad YAML: {e}"))?;
            match docs.as_slice() {
                [doc] => Ok(yaml_to_json(doc)),
                _ => Err(format!("bad YAML: {} documents, not one", docs.len())),
            }
        }
    }
}

/// YAML as JSON. Numbers become strings as written: OSV has no number
/// fields, and an unquoted version such as `1.10` must stay `1.10`.
fn yaml_to_json(y: &Yaml) -> serde_json::Value {
    use serde_json::Value;
    match y {
        Yaml::Real(s) | Yaml::String(s) => Value::String(s.clone()),
        Yaml::Integer(i) => Value::String(i.to_string()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(items) => Value::Array(items.iter().map(yaml_to_json).collect()),
        Yaml::Hash(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (yaml_key(k), yaml_to_json(v)))
                .collect(),
        ),
        Yaml::Null | Yaml::Alias(_) | Yaml::BadValue => Value::Null,
    }
}

fn yaml_key(k: &Yaml) -> String {
    match yaml_to_json(k) {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "id: PYSEC-1\naffected:\n- package: {ecosystem: PyPI, name: foo}\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: 0\n    - fixed: 1.10\n";

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    #[test]
    fn reads_a_tree_of_yaml_and_json_and_warns_about_broken_records() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(d, "vulns/foo/PYSEC-1.yaml", GOOD);
        write(
            d,
            "vulns/foo/PYSEC-2.json",
            r#"{"id": "PYSEC-2", "affected": [{"package": {"ecosystem": "PyPI", "name": "foo"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {}]}]}]}"#,
        );
        write(d, "vulns/foo/PYSEC-3.json", "{not json");
        write(d, "vulns/foo/README.md", "not a record");
        write(d, "vulns/.git/x.json", "{}");
        write(d, "triage/false_positives.yaml", "ids: []\n");
        let loaded = Database::open(d).unwrap();
        assert_eq!(loaded.database.len(), 1);
        let shown: Vec<String> = loaded.warnings.iter().map(|w| w.to_string()).collect();
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert_eq!(
            shown[0],
            "PYSEC-2 (vulns/foo/PYSEC-2.json): affected[0].ranges[0].events[1] must hold exactly one of introduced, fixed, last_affected, limit; it holds none; skipped"
        );
        assert!(
            shown[1].starts_with("vulns/foo/PYSEC-3.json: bad JSON: "),
            "{}",
            shown[1]
        );
        // The unquoted YAML numbers stayed versions as written: 1.10, not 1.1.
        let foo = &loaded.database.advisories()[0].affected[0];
        assert!(foo.affects(&"1.9".parse().unwrap()));
        assert!(!foo.affects(&"1.10".parse().unwrap()));
    }

    #[test]
    fn an_empty_directory_or_only_broken_records_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = Database::open(dir.path()).unwrap_err();
        assert!(matches!(err, Error::NoRecords { broken: 0, .. }), "{err}");
        write(dir.path(), "a.json", "[]");
        let err = Database::open(dir.path()).unwrap_err();
        assert!(matches!(err, Error::NoRecords { broken: 1, .. }), "{err}");
        assert!(err
            .to_string()
            .ends_with("holds no usable OSV record (1 broken)"));
    }

    #[test]
    fn a_missing_path_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = Database::open(&dir.path().join("absent")).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err}");
    }

    #[test]
    fn a_zip_of_json_records_is_a_database() {
        let zip = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/records.zip");
        let loaded = Database::open(&zip).unwrap();
        let ids: Vec<&str> = loaded
            .database
            .advisories()
            .iter()
            .map(|a| a.id.as_str())
            .collect();
        assert_eq!(ids, ["PYSEC-2023-212", "GHSA-0000-0000-0000"]);
        assert!(loaded.warnings.is_empty());
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "bad.zip",
            "PK but not a zip at all, long enough to search",
        );
        let err = Database::open(&dir.path().join("bad.zip")).unwrap_err();
        assert!(matches!(err, Error::Zip { .. }), "{err}");
    }

    #[test]
    fn one_record_file_is_a_database() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "PYSEC-1.yml", GOOD);
        let loaded = Database::open(&dir.path().join("PYSEC-1.yml")).unwrap();
        assert_eq!(loaded.database.advisories()[0].id, "PYSEC-1");
    }
}
