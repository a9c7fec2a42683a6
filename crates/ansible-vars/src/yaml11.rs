//! YAML as PyYAML, and so Ansible, reads it: YAML 1.1's types for plain
//! scalars (`yes`/`no`/`on`/`off` are booleans, `0755` is octal, `0o755`
//! is text, `1_000` and `1:30` are integers), where a YAML 1.2 reader
//! would give another value without a word.
//!
//! yaml-rust2's event parser gives each scalar's style (a quoted `"yes"`
//! stays text) and position; the tree, anchors, merge keys and types are
//! built here, with PyYAML's resolver patterns.

use std::collections::HashMap;
use std::sync::LazyLock;

use fancy_regex::Regex;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::raw::Raw;

/// A node of the document, anchors resolved, types not yet given.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Scalar {
        text: String,
        plain: bool,
        tag: Option<Tag>,
        /// 1-based line.
        line: usize,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// The document's root node (`None` for an empty document), or the error
/// with its 1-based line and column.
pub(crate) fn load(text: &str) -> Result<Option<Node>, (String, usize, usize)> {
    let mut builder = Builder::default();
    Parser::new_from_str(text)
        .load(&mut builder, true)
        .map_err(|e| {
            (
                e.info().to_string(),
                e.marker().line(),
                e.marker().col() + 1,
            )
        })?;
    if let Some(err) = builder.error {
        return Err(err);
    }
    // PyYAML's load, which Ansible uses, takes one document.
    if let Some(line) = builder.second_document {
        return Err((
            "a second YAML document starts here; a vars file holds one".into(),
            line,
            1,
        ));
    }
    Ok(builder.root)
}

/// The top level of a document, as vars files and cloud-config need it.
pub(crate) enum Top {
    Map(Vec<(Node, Node)>),
    /// No document, or a null one (only comments or `---`).
    Empty,
    /// Anything else, by what it is (`a list`, `a string`).
    Other(&'static str),
}

/// [`load`], then the top level's shape.
pub(crate) fn load_top(text: &str) -> Result<Top, (String, usize, usize)> {
    Ok(match load(text)? {
        Some(Node::Map(pairs)) => Top::Map(pairs),
        None => Top::Empty,
        Some(node) => match raw(&node) {
            Raw::Null => Top::Empty,
            other => Top::Other(other.type_name()),
        },
    })
}

/// A YAML syntax error, where it is (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

/// The top level of a YAML document, as PyYAML reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopLevel {
    Mapping,
    /// No document, or a null one (only comments or `---`).
    Empty,
    /// Anything else, by what it is (`a list`, `a string`).
    Other(&'static str),
}

/// What the top level of `text` is (a cloud-config must be a mapping).
pub fn yaml_top_level(text: &str) -> Result<TopLevel, YamlError> {
    let top = load_top(text).map_err(|(message, line, column)| YamlError {
        message,
        line,
        column,
    })?;
    Ok(match top {
        Top::Map(_) => TopLevel::Mapping,
        Top::Empty => TopLevel::Empty,
        Top::Other(what) => TopLevel::Other(what),
    })
}

#[derive(Default)]
struct Builder {
    /// Open collections, with their anchor ids.
    stack: Vec<(Node, usize)>,
    anchors: HashMap<usize, Node>,
    /// A key waiting for its value, per open mapping.
    keys: Vec<Option<Node>>,
    root: Option<Node>,
    error: Option<(String, usize, usize)>,
    documents: usize,
    /// The line where a second document starts, if one does.
    second_document: Option<usize>,
}

impl Builder {
    fn push_value(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some((Node::Seq(items), _)) => items.push(node),
            Some((Node::Map(pairs), _)) => {
                let slot = self.keys.last_mut().expect("a key slot per mapping");
                match slot.take() {
                    None => *slot = Some(node),
                    Some(key) => pairs.push((key, node)),
                }
            }
            Some((Node::Scalar { .. }, _)) => unreachable!("scalars are never open"),
        }
    }

    fn close(&mut self) {
        if let Some((node, anchor)) = self.stack.pop() {
            if matches!(node, Node::Map(_)) {
                self.keys.pop();
            }
            self.push_value(node, anchor);
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let node = Node::Scalar {
                    text,
                    plain: style == TScalarStyle::Plain,
                    tag,
                    line: mark.line(),
                };
                self.push_value(node, anchor);
            }
            Event::SequenceStart(anchor, _) => self.stack.push((Node::Seq(Vec::new()), anchor)),
            Event::MappingStart(anchor, _) => {
                self.stack.push((Node::Map(Vec::new()), anchor));
                self.keys.push(None);
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents == 2 {
                    self.second_document = Some(mark.line());
                }
            }
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(node) => self.push_value(node, 0),
                None => {
                    let at = (mark.line(), mark.col() + 1);
                    self.error = Some(("an alias refers to an unknown anchor".into(), at.0, at.1));
                }
            },
            _ => {}
        }
    }
}

/// A mapping's pairs with its merge keys (`<<: *a`, `<<: [*a, *b]`)
/// applied: its own keys win over merged ones, and among merged mappings
/// the later one wins (as Ansible gives them). Keys are compared as the
/// values PyYAML makes of them (`8` and `'8'` are two keys). Keys repeated
/// in the mapping itself are kept in order; the later wins where they are
/// read.
pub(crate) fn merged_pairs(pairs: &[(Node, Node)]) -> Result<Vec<(Node, Node)>, String> {
    let is_merge = |k: &Node| matches!(k, Node::Scalar { text, plain: true, .. } if text == "<<");
    let own: Vec<(Node, Node)> = pairs
        .iter()
        .filter(|(k, _)| !is_merge(k))
        .cloned()
        .collect();
    let mut out: Vec<(Node, Node)> = Vec::new();
    for (_, v) in pairs.iter().filter(|(k, _)| is_merge(k)) {
        let maps: Vec<&Node> = match v {
            Node::Seq(items) => items.iter().collect(),
            one => vec![one],
        };
        for m in maps {
            let Node::Map(inner) = m else {
                return Err("`<<` merges something that is not a mapping; it must merge a mapping (`<<: *anchor`)".into());
            };
            for (k, v) in merged_pairs(inner)? {
                let key = raw(&k);
                out.retain(|(ok, _)| raw(ok) != key);
                out.push((k, v));
            }
        }
    }
    out.retain(|(k, _)| !own.iter().any(|(ok, _)| raw(ok) == raw(k)));
    out.extend(own);
    Ok(out)
}

/// A node as the value Ansible would have, YAML 1.1 types applied (a
/// mapping's keys too: `8:` is the integer 8, `yes:` the boolean true).
pub(crate) fn raw(node: &Node) -> Raw {
    match node {
        Node::Seq(items) => Raw::List(items.iter().map(raw).collect()),
        Node::Map(pairs) => match merged_pairs(pairs) {
            Ok(pairs) => Raw::Map(pairs.iter().map(|(k, v)| (raw(k), raw(v))).collect()),
            Err(_) => Raw::Other("a mapping with a bad merge key"),
        },
        Node::Scalar {
            text, plain, tag, ..
        } => match tag {
            Some(t) => tagged(t, text),
            None if *plain => resolve_plain(text),
            None => Raw::Str(text.clone()),
        },
    }
}

fn tagged(t: &Tag, text: &str) -> Raw {
    let core = t.handle == "!!" || t.handle == "tag:yaml.org,2002:";
    match (t.handle.as_str(), t.suffix.as_str()) {
        ("!", "vault") => Raw::Vault,
        ("!", "unsafe") => Raw::Unsafe(text.to_string()),
        (_, "str") if core => Raw::Str(text.to_string()),
        // An explicit core tag types the scalar whatever its style, as
        // PyYAML's constructors do (`!!int '32768'` is 32768).
        (_, tag @ ("int" | "float" | "bool" | "null")) if core => {
            match (tag, resolve_plain(text)) {
                ("int", r @ Raw::Int(_)) | ("float", r @ Raw::Float(_)) => r,
                ("float", Raw::Int(i)) => Raw::Float(format!("{i}.0")),
                ("bool", r @ Raw::Bool(_)) | ("null", r @ Raw::Null) => r,
                _ => Raw::Other(
                    "a value that its YAML tag (!!int, !!float, !!bool, !!null) does not fit",
                ),
            }
        }
        _ => Raw::Other("a tagged value (a YAML tag other than !vault and !unsafe)"),
    }
}

/// PyYAML's implicit resolvers for a plain scalar (YAML 1.1).
pub(crate) fn resolve_plain(text: &str) -> Raw {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Raw::Null,
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Raw::Bool(true)
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Raw::Bool(false)
        }
        _ => {}
    }
    match yaml11_int(text) {
        Some(Ok(n)) => return Raw::Int(n.to_string()),
        Some(Err(())) => {
            return Raw::Other("a number that YAML 1.1 cannot read (PyYAML fails on it)")
        }
        None => {}
    }
    if let Some(f) = yaml11_float(text) {
        return Raw::Float(f);
    }
    Raw::Str(text.to_string())
}

/// PyYAML's (6.x) implicit resolver for `tag:yaml.org,2002:int`, verbatim.
const INT_PATTERN: &str = r"^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$";

/// PyYAML's (6.x) implicit resolver for `tag:yaml.org,2002:float`, verbatim
/// (a sign before `.5` or `.nan` makes text, `.Inf` is a float, `.iNf` text).
const FLOAT_PATTERN: &str = r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$";

static INT_RE: LazyLock<Regex> = LazyLock::new(|| verbose(INT_PATTERN));
static FLOAT_RE: LazyLock<Regex> = LazyLock::new(|| verbose(FLOAT_PATTERN));

/// A pattern written as PyYAML writes it, with `re.X`. (Python's `$` also
/// matches before a final line break, which a plain scalar never ends with.)
fn verbose(pattern: &str) -> Regex {
    Regex::new(&format!("(?x){pattern}")).expect("PyYAML's patterns compile")
}

fn matches(re: &Regex, text: &str) -> bool {
    re.is_match(text).unwrap_or(false)
}

/// The sign of a number as PyYAML's constructors take it off.
fn split_sign(value: &str) -> (bool, &str) {
    match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    }
}

/// A plain scalar that YAML 1.1 reads as an integer, valued as PyYAML's
/// `construct_yaml_int`: underscores dropped, then `0b`, `0x`, a leading
/// `0` (octal: `0_1` is 1, `08` is no integer at all), `:` (base 60).
/// `Err` where PyYAML itself fails (`0b_`).
fn yaml11_int(text: &str) -> Option<Result<i128, ()>> {
    if !matches(&INT_RE, text) {
        return None;
    }
    let cleaned = text.replace('_', "");
    let (neg, value) = split_sign(&cleaned);
    let parsed = if value == "0" {
        Ok(0)
    } else if let Some(b) = value.strip_prefix("0b") {
        i128::from_str_radix(b, 2).map_err(|_| ())
    } else if let Some(x) = value.strip_prefix("0x") {
        i128::from_str_radix(x, 16).map_err(|_| ())
    } else if value.starts_with('0') {
        i128::from_str_radix(value, 8).map_err(|_| ())
    } else if value.contains(':') {
        value.split(':').try_fold(0i128, |acc, part| {
            part.parse::<i128>().map(|d| acc * 60 + d).map_err(|_| ())
        })
    } else {
        value.parse::<i128>().map_err(|_| ())
    };
    Some(parsed.map(|v| if neg { -v } else { v }))
}

/// A plain scalar that YAML 1.1 reads as a float, as PyYAML's
/// `construct_yaml_float` values it: the text lower case and without
/// underscores (so that a message can show `4.10`, which is the number
/// 4.1), or the value of a sexagesimal one.
fn yaml11_float(text: &str) -> Option<String> {
    if !matches(&FLOAT_RE, text) {
        return None;
    }
    let cleaned = text.replace('_', "").to_ascii_lowercase();
    let (neg, value) = split_sign(&cleaned);
    let sign = if neg { "-" } else { "" };
    match value {
        ".inf" => Some(format!("{sign}inf")),
        ".nan" => Some("nan".into()),
        _ if value.contains(':') => {
            let total = value.split(':').try_fold(0f64, |acc, part| {
                part.parse::<f64>().map(|d| acc * 60.0 + d).ok()
            })?;
            Some(format!("{sign}{total}"))
        }
        _ => {
            value.parse::<f64>().ok()?;
            Some(cleaned)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(text: &str) -> Raw {
        resolve_plain(text)
    }

    #[test]
    fn plain_scalars_take_yaml_1_1_types() {
        assert_eq!(scalar("yes"), Raw::Bool(true));
        assert_eq!(scalar("Off"), Raw::Bool(false));
        assert_eq!(scalar("y"), Raw::Str("y".into()), "PyYAML reads y as text");
        assert_eq!(scalar("0755"), Raw::Int("493".into()));
        assert_eq!(scalar("040000"), Raw::Int("16384".into()));
        assert_eq!(scalar("089"), Raw::Str("089".into()));
        assert_eq!(scalar("0o755"), Raw::Str("0o755".into()));
        assert_eq!(scalar("16_384"), Raw::Int("16384".into()));
        assert_eq!(scalar("4:33:04"), Raw::Int("16384".into()));
        assert_eq!(scalar("0x4000"), Raw::Int("16384".into()));
        assert_eq!(scalar("0b101"), Raw::Int("5".into()));
        assert_eq!(scalar("-12"), Raw::Int("-12".into()));
        assert_eq!(scalar("4.10"), Raw::Float("4.10".into()));
        assert_eq!(scalar("16384.0"), Raw::Float("16384.0".into()));
        assert_eq!(scalar("1_000.5"), Raw::Float("1000.5".into()));
        assert_eq!(scalar(".5"), Raw::Float(".5".into()));
        assert_eq!(scalar("4.0.7"), Raw::Str("4.0.7".into()));
        assert_eq!(
            scalar("1e3"),
            Raw::Str("1e3".into()),
            "no dot: text in YAML 1.1"
        );
        assert_eq!(scalar("~"), Raw::Null);
        assert_eq!(scalar("2024-01-01"), Raw::Str("2024-01-01".into()));
        assert_eq!(scalar("/etc/patroni"), Raw::Str("/etc/patroni".into()));
    }

    fn top(text: &str) -> Vec<(String, Raw)> {
        let Some(Node::Map(pairs)) = load(text).unwrap() else {
            panic!("not a mapping")
        };
        merged_pairs(&pairs)
            .unwrap()
            .iter()
            .map(|(k, v)| {
                let Raw::Str(k) = raw(k) else {
                    panic!("a key that is not text")
                };
                (k, raw(v))
            })
            .collect()
    }

    #[test]
    fn quoted_and_block_scalars_stay_text() {
        let t = top("a: \"yes\"\nb: '0755'\nc: |-\n  no\nd: !!str 12\ne: >+\n  x\n\n");
        assert_eq!(t[0].1, Raw::Str("yes".into()));
        assert_eq!(t[1].1, Raw::Str("0755".into()));
        assert_eq!(t[2].1, Raw::Str("no".into()));
        assert_eq!(t[3].1, Raw::Str("12".into()));
        assert_eq!(t[4].1, Raw::Str("x\n\n".into()));
    }

    #[test]
    fn merge_keys_own_keys_win_then_the_later_mapping() {
        let t = top("a: &a {x: 1, y: 1}\nb: &b {x: 2, z: 2}\nm:\n  <<: [*a, *b]\n  y: 3\n");
        let Raw::Map(m) = &t[2].1 else { panic!() };
        let get = |k: &str| {
            let k = Raw::Str(k.into());
            m.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
        };
        assert_eq!(get("x"), Some(Raw::Int("2".into())));
        assert_eq!(get("y"), Some(Raw::Int("3".into())));
        assert_eq!(get("z"), Some(Raw::Int("2".into())));
    }

    #[test]
    fn numbers_follow_pyyamls_patterns_exactly() {
        assert_eq!(scalar("0_1"), Raw::Int("1".into()), "octal with '_'");
        assert_eq!(scalar("0_"), Raw::Int("0".into()));
        assert_eq!(scalar("0_40000"), Raw::Int("16384".into()));
        assert_eq!(scalar("+040000"), Raw::Int("16384".into()));
        assert_eq!(scalar("0x_4000"), Raw::Int("16384".into()));
        assert_eq!(
            scalar("016384"),
            Raw::Str("016384".into()),
            "8 is no octal digit"
        );
        assert_eq!(scalar("08"), Raw::Str("08".into()));
        assert_eq!(scalar("0_16384"), Raw::Str("0_16384".into()));
        assert_eq!(scalar("4:33:64"), Raw::Str("4:33:64".into()));
        assert_eq!(scalar("4:33:4"), Raw::Int("16384".into()));
        assert_eq!(scalar("016384.0"), Raw::Float("016384.0".into()));
        assert_eq!(
            scalar("-.5"),
            Raw::Str("-.5".into()),
            "no sign before a bare dot"
        );
        assert_eq!(scalar(".Inf"), Raw::Float("inf".into()));
        assert_eq!(scalar("-.INF"), Raw::Float("-inf".into()));
        assert_eq!(scalar(".iNf"), Raw::Str(".iNf".into()));
        assert_eq!(scalar("-.nan"), Raw::Str("-.nan".into()));
        assert_eq!(scalar("0:30.5"), Raw::Float("30.5".into()));
        assert_eq!(
            scalar("1.5e3"),
            Raw::Str("1.5e3".into()),
            "the exponent needs a sign"
        );
        assert_eq!(scalar("1.5e+3"), Raw::Float("1.5e+3".into()));
        assert!(matches!(scalar("0b_"), Raw::Other(_)), "PyYAML fails on it");
    }

    #[test]
    fn mapping_keys_keep_their_yaml_type() {
        let t = top("m: {8: a, '9': b, yes: c, ~: d, 4.10: e, 0o10: f}\n");
        let Raw::Map(m) = &t[0].1 else { panic!() };
        let keys: Vec<&Raw> = m.iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                &Raw::Int("8".into()),
                &Raw::Str("9".into()),
                &Raw::Bool(true),
                &Raw::Null,
                &Raw::Float("4.10".into()),
                &Raw::Str("0o10".into()),
            ]
        );
        let t = top("a: &a {8: x}\nm:\n  <<: *a\n  '8': y\n");
        let Raw::Map(m) = &t[1].1 else { panic!() };
        assert_eq!(m.len(), 2, "8 and '8' are two keys: {m:?}");
    }

    #[test]
    fn tags_and_errors() {
        let t = top("s: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\nu: !unsafe '{{ x }}'\n");
        assert_eq!(t[0].1, Raw::Vault);
        assert_eq!(t[1].1, Raw::Unsafe("{{ x }}".into()));
        let t = top("a: !!int '32768'\nb: !!float 2\nc: !!bool 'no'\n");
        assert_eq!(t[0].1, Raw::Int("32768".into()));
        assert_eq!(t[1].1, Raw::Float("2.0".into()));
        assert_eq!(t[2].1, Raw::Bool(false));
        let (msg, line, _) = load("a: [1,\nb: 2\n").unwrap_err();
        assert!(!msg.is_empty() && line >= 1);
        let (msg, line, _) = load("a: 1\n---\nb: 2\n").unwrap_err();
        assert!(
            msg.contains("second YAML document") && line == 2,
            "{msg} {line}"
        );
        assert!(load("---\na: 1\n...\n").is_ok());
    }
}
