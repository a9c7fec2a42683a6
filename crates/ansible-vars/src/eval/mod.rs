//! Ansible variables, evaluated the way Ansible evaluates them: a string
//! value is a Jinja template, a reference to another variable evaluates
//! that one, and only what is asked for is evaluated (lazily), so a key
//! that no parameter needs may hold anything: a `!vault` value, a
//! `lookup(...)`, an expression on a fact that only the host knows.
//!
//! The variables form one minijinja object whose lookups evaluate on
//! demand and are cached; a lookup that is already being evaluated is a
//! cycle. A failure deep in a chain of references travels back up as the
//! error of each template that looked it up, and is reported for the
//! variable where it happened, with the chain that needed it.
//!
//! This folder is the evaluator and the facts' nested mappings
//! (fact_map.rs); Ansible's filters and tests are filters.rs's and
//! list_filters.rs's, reading vars files file.rs's, facts as variables
//! facts.rs's.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Weak};

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};
use minijinja::{Environment, ErrorKind, UndefinedBehavior};

use crate::filters;
use crate::raw::Raw;
use crate::suggest::did_you_mean;
use fact_map::{FactMap, Misses};

mod fact_map;

/// One variable: its value as written and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Var {
    pub raw: Raw,
    /// `FILE:LINE`, `--set`, `--fact`, `default` or `fact of TARGET`.
    pub origin: String,
}

/// Why a variable could not be evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The variable whose value failed.
    pub key: String,
    pub origin: String,
    /// Its value as written, where it is text.
    pub expr: Option<String>,
    pub why: String,
    /// The variables that needed it, innermost first, with their origins.
    pub needed_by: Vec<(String, String)>,
}

impl std::error::Error for Failure {}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.origin, self.key)?;
        if let Some(expr) = &self.expr {
            write!(f, " '{}'", printable(expr))?;
        }
        write!(f, ": {}", self.why)?;
        for (i, (key, origin)) in self.needed_by.iter().enumerate() {
            let sep = if i == 0 { " (needed by" } else { "," };
            write!(f, "{sep} {key} at {origin}")?;
        }
        if !self.needed_by.is_empty() {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// Names Ansible defines per host at run time ("magic variables"); with
/// `ansible_*`, what a message calls a fact that only the host knows.
const MAGIC: &[&str] = &[
    "group_names",
    "groups",
    "hostvars",
    "inventory_dir",
    "inventory_file",
    "inventory_hostname",
    "inventory_hostname_short",
    "play_hosts",
    "playbook_dir",
    "role_path",
];

/// Is `name` a fact or magic variable of Ansible's?
pub fn is_host_fact(name: &str) -> bool {
    name.starts_with("ansible_") || MAGIC.contains(&name)
}

/// The variables, ready to evaluate.
pub struct Vars {
    inner: Arc<Inner>,
}

struct Inner {
    env: Environment<'static>,
    vars: BTreeMap<String, Var>,
    /// The target, for messages about facts it does not know.
    target: String,
    /// The names that are parameters (given with --set, not --fact).
    params: std::collections::BTreeSet<String>,
    state: Mutex<State>,
    misses: Arc<Misses>,
}

/// What evaluation learns as it goes. minijinja looks a name up through
/// `Object::get_value(&self)`, so this lives behind a lock (with the
/// misses, the only shared state, private to this module). A failure is
/// not kept here: it travels back to the template as an invalid value
/// (see `get_value`).
#[derive(Default)]
struct State {
    cache: BTreeMap<String, Value>,
    /// The variables being evaluated, outermost first.
    stack: Vec<String>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<variables>")
    }
}

impl Object for Inner {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let name = key.as_str()?;
        // Ansible's `vars`: every variable, by name, evaluated on demand.
        if name == "vars" {
            return Some(Value::from_object(AllVars(Arc::downgrade(self))));
        }
        match self.lookup(name) {
            Ok(Some(v)) => Some(v),
            Ok(None) => {
                self.misses.record(name.to_string());
                None
            }
            // An invalid value: minijinja fails the template where it is
            // looked up (even under `default(…)`), and the failure rides
            // back as the error's source (`nested_failure`).
            Err(f) => Some(Value::from(
                minijinja::Error::new(ErrorKind::InvalidOperation, "a variable failed")
                    .with_source(f),
            )),
        }
    }
}

/// Ansible's `vars` (`vars['pg_home']`, `vars[name]`, `vars.pg_home`):
/// the variables as a mapping, each evaluated when it is looked up, as
/// ansible-core 2.19 does (2.18 gave the value untemplated).
/// (A weak reference: a template's value may be `vars` itself, kept in the
/// cache of the variables it refers to.)
#[derive(Debug)]
struct AllVars(Weak<Inner>);

impl Object for AllVars {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.0.upgrade()?.get_value(key)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let Some(inner) = self.0.upgrade() else {
            return Enumerator::Empty;
        };
        let names = inner.vars.keys().map(|k| Value::from(k.as_str()));
        Enumerator::Values(names.collect())
    }
}

impl Vars {
    /// `vars` as the one namespace of a play on `target`; `params` names
    /// the variables that are parameters, for messages.
    pub fn new(
        vars: BTreeMap<String, Var>,
        target: &str,
        params: impl IntoIterator<Item = String>,
    ) -> Vars {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(python_formatter);
        // Ansible's Jinja drops the line break after a block tag and, as
        // Jinja does, the template's final one, which Ansible then adds
        // back (preserve_trailing_newlines: see `with_final_newlines`).
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .keep_trailing_newline(false)
            .build()
            .expect("the default delimiters are valid");
        env.set_syntax(syntax);
        filters::register(&mut env);
        Vars {
            inner: Arc::new(Inner {
                env,
                vars,
                target: target.to_string(),
                params: params.into_iter().collect(),
                state: Mutex::new(State::default()),
                misses: Arc::default(),
            }),
        }
    }

    /// The value of `name`; `Ok(None)` when it is not defined.
    pub fn get(&self, name: &str) -> Result<Option<Value>, Failure> {
        self.inner.lookup(name)
    }

    /// Where `name` was defined.
    pub fn origin(&self, name: &str) -> Option<&str> {
        self.inner.vars.get(name).map(|v| v.origin.as_str())
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lookup(self: &Arc<Self>, name: &str) -> Result<Option<Value>, Failure> {
        if let Some(v) = self.lock().cache.get(name) {
            return Ok(Some(v.clone()));
        }
        let Some(var) = self.vars.get(name) else {
            return Ok(None);
        };
        {
            let mut state = self.lock();
            if state.stack.iter().any(|s| s == name) {
                let mut cycle = state.stack.clone();
                cycle.push(name.to_string());
                return Err(self.failure(
                    name,
                    var,
                    format!("references form a cycle: {}", cycle.join(" -> ")),
                ));
            }
            state.stack.push(name.to_string());
        }
        let result = self.value_at(name, var, &var.raw, name);
        let mut state = self.lock();
        state.stack.pop();
        if let Ok(v) = &result {
            state.cache.insert(name.to_string(), v.clone());
        }
        result.map(Some)
    }

    fn failure(&self, key: &str, var: &Var, why: String) -> Failure {
        Failure {
            key: key.to_string(),
            origin: var.origin.clone(),
            expr: match &var.raw {
                Raw::Str(s) => Some(s.clone()),
                _ => None,
            },
            why,
            needed_by: Vec::new(),
        }
    }

    /// A value as Ansible has it: strings templated, inside lists and
    /// mappings too. `path` is how a template spells this part of `key`'s
    /// value (`ansible_python.version`), which names a missing fact.
    fn value_at(
        self: &Arc<Self>,
        key: &str,
        var: &Var,
        raw: &Raw,
        path: &str,
    ) -> Result<Value, Failure> {
        if let Some(v) = plain_value(raw) {
            return Ok(v);
        }
        Ok(match raw {
            Raw::Str(s) => self.template(key, var, s)?,
            Raw::List(items) => Value::from(
                items
                    .iter()
                    .map(|i| self.value_at(key, var, i, path))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Raw::Map(entries) => self.map_value(key, var, entries, path)?,
            Raw::Vault => {
                let way_out = if self.params.contains(key) {
                    format!("pass the plain value with --set {key}=VALUE")
                } else {
                    "write the plain value in a vars file, or set the parameter that needs it with --set instead".into()
                };
                return Err(self.failure(
                    key,
                    var,
                    format!("the value is encrypted with ansible-vault (!vault), which is never decrypted here; {way_out}"),
                ));
            }
            Raw::Other(what) => {
                return Err(self.failure(
                    key,
                    var,
                    format!("the value is {what}, which a template cannot use"),
                ))
            }
            Raw::Unsafe(_) | Raw::Int(_) | Raw::Float(_) | Raw::Bool(_) | Raw::Null => {
                unreachable!("plain_value takes every scalar")
            }
        })
    }

    /// A mapping, its values templated and its keys as YAML typed them
    /// (`m[8]` finds the key `8:`, `m['8']` does not, as in Python). The
    /// facts' mappings (keys from the facts given, text) record the keys they
    /// lack ([`FactMap`]).
    fn map_value(
        self: &Arc<Self>,
        key: &str,
        var: &Var,
        entries: &[(Raw, Raw)],
        path: &str,
    ) -> Result<Value, Failure> {
        let mut map = BTreeMap::new();
        for (k, v) in entries {
            let k = plain_value(k).unwrap_or_else(|| Value::from(k.type_name()));
            let inner = format!("{path}.{k}");
            map.insert(k, self.value_at(key, var, v, &inner)?);
        }
        if !is_host_fact(key) {
            return Ok(Value::from_object(map));
        }
        let entries = map.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        Ok(Value::from_object(FactMap {
            path: path.to_string(),
            entries,
            misses: Arc::downgrade(&self.misses),
        }))
    }

    fn template(self: &Arc<Self>, key: &str, var: &Var, src: &str) -> Result<Value, Failure> {
        let escaped = escape_backslashes(src);
        let src = escaped.as_str();
        let before = self.misses.len();
        let ctx = Value::from_dyn_object(self.clone());
        // Ansible keeps the type of a value that is one expression (a list
        // stays a list, a bool a bool). An undefined result is printed
        // instead, which is '' for `'a' if false` and an error for a
        // variable that is not defined.
        let native = single_expression(src).map(|expr| {
            self.env
                .compile_expression(expr)
                .and_then(|e| e.eval(ctx.clone()))
        });
        let result = match native {
            Some(Ok(v)) if !v.is_undefined() => Ok(v),
            Some(Err(e)) => Err(e),
            _ => {
                let rendered = self.env.render_str(src, ctx);
                rendered.map(|out| Value::from(with_final_newlines(src, out)))
            }
        };
        if let Err(e) = &result {
            if let Some(nested) = nested_failure(e) {
                let mut f = nested.clone();
                f.needed_by.push((key.to_string(), var.origin.clone()));
                return Err(f);
            }
        }
        let missed = self.misses.since(before);
        // The host has every fact: a template that asked for one this
        // target cannot know fails even where `default(…)`, `is defined`
        // or a test on the empty value let it succeed, because its value
        // on the host would be another.
        if let Some(fact) = missed.iter().find(|m| is_host_fact(m)) {
            return Err(self.failure(key, var, self.unknown_fact(fact)));
        }
        // `default(omit)` fails on `omit`, whichever name was missed last.
        let missing = match missed.iter().any(|m| m == "omit") {
            true => Some("omit".to_string()),
            false => missed.last().cloned(),
        };
        result.map_err(|e| self.failure(key, var, self.explain(&e, missing)))
    }

    /// Why a template cannot use `fact`, and how to give it.
    fn unknown_fact(&self, fact: &str) -> String {
        let target = &self.target;
        let root = fact.split(['.', '[']).next().unwrap_or(fact);
        if MAGIC.contains(&root) {
            return format!(
                "`{root}` is a variable that Ansible sets for each host when the play runs, unknown when rendering for {target}; set the parameter that needs it with --set instead"
            );
        }
        if let Some(short) = fact
            .strip_prefix("ansible_facts['")
            .and_then(|f| f.strip_suffix("']"))
        {
            return format!(
                "`{fact}` is an Ansible fact that only the host knows, unknown when rendering for {target}; give its value with --fact ansible_{short}=VALUE"
            );
        }
        match fact.split_once('.') {
            Some((root, _)) => format!(
                "`{fact}` is an Ansible fact that only the host knows, unknown when rendering for {target} (only part of `{root}` is known); set the parameter that needs it with --set instead"
            ),
            None => format!(
                "`{fact}` is an Ansible fact that only the host knows, unknown when rendering for {target}; give its value with --fact {fact}=VALUE"
            ),
        }
    }

    fn explain(&self, e: &minijinja::Error, missing: Option<String>) -> String {
        let detail = e
            .detail()
            .map(str::to_string)
            .unwrap_or_else(|| e.kind().to_string());
        match e.kind() {
            ErrorKind::SyntaxError => format!("Jinja syntax error: {detail}"),
            ErrorKind::UndefinedError => match missing {
                Some(name) if name == "omit" => "`omit` is Ansible's placeholder for a module argument left out; a variable set to it holds the placeholder, not the role's default. Leave the key out of the vars file to get the default".into(),
                Some(name) => format!(
                    "`{name}` is undefined{}; define it in a vars file (--vars), or set the parameter that needs it with --set instead",
                    did_you_mean(&name, self.vars.keys().map(String::as_str))
                ),
                None => format!("{detail}: a mapping lacks that key or a value that attribute; check it (a YAML key keeps its type: `8:` is the number 8, `'8':` the text), or give a fallback with `| default(VALUE)`"),
            },
            ErrorKind::UnknownFilter | ErrorKind::UnknownFunction | ErrorKind::UnknownTest => format!(
                "{detail}: Jinja is evaluated here with Ansible's common filters and tests, and no lookups or plugins (they need the controller); set the value with --set instead"
            ),
            ErrorKind::InvalidOperation if detail.contains("% operator") => format!(
                "{detail}: Python's `'…%s…' % value` formatting is not Jinja; write `'…' ~ value ~ '…'` or `'…%s…' | format(value)`"
            ),
            _ => detail,
        }
    }
}

/// A value that is what it is, with nothing to template: a scalar (a
/// string without `{{`, `{%` or `{#`, or `!unsafe`); `None` for the rest.
fn plain_value(raw: &Raw) -> Option<Value> {
    Some(match raw {
        Raw::Str(s) if is_template(s) => return None,
        Raw::Str(s) | Raw::Unsafe(s) => Value::from(s.as_str()),
        Raw::Int(s) => s
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or(Value::from(s.as_str())),
        Raw::Float(s) => s
            .parse::<f64>()
            .map(Value::from)
            .unwrap_or(Value::from(s.as_str())),
        Raw::Bool(b) => Value::from(*b),
        Raw::Null => Value::from(()),
        Raw::List(_) | Raw::Map(_) | Raw::Vault | Raw::Other(_) => return None,
    })
}

/// The failure of a variable that this template looked up, where that is
/// why it failed (see `Inner::get_value`).
fn nested_failure(e: &minijinja::Error) -> Option<&Failure> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(f) = s.downcast_ref::<Failure>() {
            return Some(f);
        }
        source = s.source();
    }
    None
}

/// `s` for a message: control characters (a line break) escaped, quotes
/// kept as they are, so that an expression reads as it was written.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Does Ansible template this string?
pub fn is_template(s: &str) -> bool {
    s.contains("{{") || s.contains("{%") || s.contains("{#")
}

/// Values printed into a template as Ansible (Python's str) prints them:
/// null as nothing, booleans as `True` and `False`.
fn python_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match value.kind() {
        minijinja::value::ValueKind::None => Ok(()),
        minijinja::value::ValueKind::Bool => {
            out.write_str(if value.is_true() { "True" } else { "False" })?;
            Ok(())
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// Backslashes in the string literals inside `{{ … }}` doubled, as
/// Ansible does before Jinja reads a template (`'\\1'` in a YAML
/// double-quoted string is `\1` to the regex, as in Ansible).
fn escape_backslashes(src: &str) -> String {
    if !src.contains('\\') || !src.contains("{{") {
        return src.to_string();
    }
    let mut out = String::with_capacity(src.len() + 8);
    let mut rest = src;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start + 2]);
        rest = &rest[start + 2..];
        let mut chars = rest.char_indices().peekable();
        let mut end = rest.len();
        let mut quote: Option<char> = None;
        while let Some((i, c)) = chars.next() {
            match quote {
                Some(q) => {
                    if c == '\\' {
                        out.push_str("\\\\");
                        if let Some((_, next)) = chars.next() {
                            if next == '\\' {
                                out.push_str("\\\\");
                            } else {
                                out.push(next);
                            }
                        }
                        continue;
                    }
                    if c == q {
                        quote = None;
                    }
                }
                None if c == '\'' || c == '"' => quote = Some(c),
                None if rest[i..].starts_with("}}") => {
                    end = i;
                    break;
                }
                None => {}
            }
            out.push(c);
        }
        // An unterminated string: Jinja's lexer fails on it before Ansible
        // escapes anything, so the template stays as it is (and fails).
        if quote.is_some() {
            return src.to_string();
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// `out` with as many final line breaks as the template `src` has, as
/// Ansible's `do_template` pads them back after Jinja dropped one (`{{ x
/// }}` in a `|` block gives `x` and a line break, even after `-}}`).
fn with_final_newlines(src: &str, mut out: String) -> String {
    let count = |s: &str| s.len() - s.trim_end_matches('\n').len();
    let missing = count(src).saturating_sub(count(&out));
    out.extend(std::iter::repeat_n('\n', missing));
    out
}

/// The expression of a value that is exactly one `{{ … }}`, which
/// Ansible gives its own type (a list stays a list). Text around it, even
/// a space or the final line break of a `|` or `>` block, makes the value
/// a string (`"  {{ x }}"` is `"  /srv"`), unless a `-` of the delimiter
/// strips the spaces on its side.
fn single_expression(s: &str) -> Option<&str> {
    let s = match s.trim_start() {
        t if t.starts_with("{{-") => t,
        _ => s,
    };
    let s = match s.trim_end() {
        t if t.ends_with("-}}") && !s[t.len()..].contains('\n') => t,
        _ => s,
    };
    let inner = s.strip_prefix("{{")?.strip_suffix("}}")?;
    if inner.contains("{{") || inner.contains("}}") || inner.contains("{%") || inner.contains("{#")
    {
        return None;
    }
    let inner = inner.strip_prefix('-').unwrap_or(inner);
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    Some(inner.trim())
}

#[cfg(test)]
mod tests;
