//! The template environment: strict undefined, auto-escape by output
//! language, and a final newline on every template.
//!
//! Auto-escape is chosen by the template's name (without `.j2`):
//! - `*.sh`: every value becomes one shell word (quote::shell);
//! - `Dockerfile`: values are escaped for double-quoted strings;
//! - `*.service`: values are escaped for systemd;
//! - `*.yaml`: values are JSON (a YAML subset), so `0700` stays a string.
//!
//! Inside comments, `| comment` prints a value without quotes but with line
//! breaks neutralized. Pre-rendered text (a step body) is marked as such
//! with `Value::from_safe_string` in Rust; templates have no `|safe`.

use anyhow::{Context, Result};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior};

use super::quote;
use crate::plan::Install;
use crate::recipe::{PackageManager, Recipe};

const SHELL: &str = "shell";
const DOCKERFILE: &str = "dockerfile";
const SYSTEMD: &str = "systemd";

fn auto_escape_for(name: &str) -> AutoEscape {
    let name = name.strip_suffix(".j2").unwrap_or(name);
    if name.ends_with(".sh") {
        AutoEscape::Custom(SHELL.into())
    } else if name.ends_with("Dockerfile") {
        AutoEscape::Custom(DOCKERFILE.into())
    } else if name.ends_with(".service") {
        AutoEscape::Custom(SYSTEMD.into())
    } else if name.ends_with(".yaml") {
        AutoEscape::Json
    } else {
        AutoEscape::None
    }
}

/// Every value printed into a template goes through here.
fn format_value(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), Error> {
    let AutoEscape::Custom(lang) = state.auto_escape() else {
        return minijinja::escape_formatter(out, state, value);
    };
    if value.is_safe() {
        return out
            .write_str(value.as_str().unwrap_or_default())
            .map_err(Error::from);
    }
    let text = match value.as_str() {
        Some(s) => s.to_string(),
        None if value.is_number() => value.to_string(),
        None => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "cannot print {} into a {lang} template; print a string",
                    value.kind()
                ),
            ))
        }
    };
    let escaped = match lang.as_ref() {
        SHELL => quote::shell(&text),
        DOCKERFILE => {
            quote::dockerfile(&text).map_err(|e| Error::new(ErrorKind::InvalidOperation, e))?
        }
        SYSTEMD => quote::systemd(&text).map_err(|e| Error::new(ErrorKind::InvalidOperation, e))?,
        other => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("unknown escape {other}"),
            ))
        }
    };
    out.write_str(&escaped).map_err(Error::from)
}

/// `{{ x | comment }}`: text for the inside of a comment line, in any
/// language. Line breaks and other control characters become `?`, so a
/// value cannot end the comment and start code.
fn comment(value: String) -> Value {
    Value::from_safe_string(
        value
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect(),
    )
}

/// `{{ text | literal(indent) }}`, in YAML templates: a multi-line text as
/// a literal block, or JSON-quoted where a block could not hold it exactly.
fn literal(state: &minijinja::State, text: String, indent: usize) -> Result<Value, Error> {
    if *state.auto_escape() != AutoEscape::Json {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "literal is for YAML templates",
        ));
    }
    let out = match quote::yaml_literal(&text, indent) {
        Some(block) => block,
        None => serde_json::to_string(&text)
            .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?,
    };
    Ok(Value::from_safe_string(out))
}

/// `{{ text | word }}`: one shell word, even of text rendered in the
/// template (a `{% set %}` block, already quoted inside for the shell that
/// will read it): the PATH block's lines are arguments of the editor.
fn word(state: &minijinja::State, text: Value) -> Result<Value, Error> {
    require_shell(state, "word")?;
    let text = text
        .as_str()
        .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, "word takes a string"))?;
    Ok(Value::from_safe_string(quote::shell(text)))
}

/// `{{ list | words }}`: each item as one shell word, separated by spaces.
fn words(state: &minijinja::State, items: Vec<String>) -> Result<Value, Error> {
    require_shell(state, "words")?;
    Ok(Value::from_safe_string(
        items
            .iter()
            .map(|i| quote::shell(i))
            .collect::<Vec<_>>()
            .join(" "),
    ))
}

/// `cmd{{ list | continued(8) }}`: each item as one shell word on a line of
/// its own, after ` \` and `indent` spaces, so that a long list is one item
/// per line (and a diff shows the item that changed).
fn continued(state: &minijinja::State, items: Vec<String>, indent: usize) -> Result<Value, Error> {
    require_shell(state, "continued")?;
    let pad = " ".repeat(indent);
    Ok(Value::from_safe_string(
        items
            .iter()
            .map(|i| format!(" \\\n{pad}{}", quote::shell(i)))
            .collect(),
    ))
}

/// `VAR=x{{ map | env_continued(8) }}`: like `env_prefix`, but each
/// assignment on a line of its own (after ` \` and `indent` spaces).
fn env_continued(state: &minijinja::State, vars: Value, indent: usize) -> Result<Value, Error> {
    require_shell(state, "env_continued")?;
    let pad = " ".repeat(indent);
    Ok(Value::from_safe_string(
        assignments(&vars)?
            .iter()
            .map(|a| format!(" \\\n{pad}{a}"))
            .collect(),
    ))
}

/// `{{ map | env_prefix }}`: `NAME=value ` assignments (values quoted) to
/// put before a command; empty for an empty map.
fn env_prefix(state: &minijinja::State, vars: Value) -> Result<Value, Error> {
    require_shell(state, "env_prefix")?;
    let words = assignments(&vars)?;
    Ok(Value::from_safe_string(
        words.iter().map(|a| format!("{a} ")).collect(),
    ))
}

/// `NAME=value` for each entry of a map of strings, the value quoted.
fn assignments(vars: &Value) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for name in vars.try_iter()? {
        let value = vars.get_item(&name)?;
        let (Some(name), Some(value)) = (name.as_str(), value.as_str()) else {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                "env_prefix takes a map of strings",
            ));
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("'{name}' is not a variable name"),
            ));
        }
        out.push(format!("{name}={}", quote::shell(value)));
    }
    Ok(out)
}

/// `{{ text | python_lines }}`: the lines of a Python script that run
/// (blank lines and whole-line comments left out), for a template that
/// writes the script into a shell command one word per line.
fn python_lines(text: String) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(str::to_string)
        .collect()
}

fn require_shell(state: &minijinja::State, filter: &str) -> Result<(), Error> {
    match state.auto_escape() {
        AutoEscape::Custom(lang) if lang == SHELL => Ok(()),
        _ => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("the {filter} filter is for shell templates only"),
        )),
    }
}

/// `{% if install is pipx_uv %}`, `{% if package_manager is apt %}`: one
/// test per kind of install (named after its tag) and per package manager,
/// so that a template names the case it means and a renamed case fails to
/// render rather than flip a comparison of strings.
fn add_install_tests(env: &mut Environment<'static>) {
    for tag in Install::TAGS {
        env.add_test(tag.replace('-', "_"), move |v: Value| {
            v.get_attr("kind")
                .ok()
                .is_some_and(|k| k.as_str() == Some(tag))
        });
    }
    for pm in [PackageManager::Apt, PackageManager::Dnf] {
        let name = pm.as_str();
        env.add_test(name, move |v: Value| v.as_str() == Some(name));
    }
}

/// Parse every template of the recipe once.
pub fn environment(recipe: &Recipe) -> Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(auto_escape_for);
    env.set_formatter(format_value);
    env.add_filter("comment", comment);
    env.add_filter("words", words);
    env.add_filter("word", word);
    env.add_filter("env_prefix", env_prefix);
    env.add_filter("continued", continued);
    env.add_filter("env_continued", env_continued);
    env.add_filter("literal", literal);
    env.add_filter("python_lines", python_lines);
    add_install_tests(&mut env);
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .context("template syntax")?,
    );
    for (name, source) in &recipe.templates {
        env.add_template_owned(name.clone(), source.clone())
            .with_context(|| format!("parsing template {name}"))?;
    }
    Ok(env)
}

/// Render `name`; the text ends in exactly one newline. (Template sources
/// are LF-only, see recipe.rs; values are never rewritten here.)
pub fn render(env: &Environment<'static>, name: &str, ctx: &Value) -> Result<String> {
    let tmpl = env
        .get_template(name)
        .with_context(|| format!("loading template {name}"))?;
    let mut text = tmpl
        .render(ctx)
        .map_err(|e| anyhow::anyhow!("{e:#}"))
        .with_context(|| format!("rendering template {name}"))?;
    while text.ends_with("\n\n") {
        text.pop();
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::template;

    #[test]
    fn every_template_loads() {
        let recipe = Recipe::embedded().unwrap();
        let env = environment(&recipe).unwrap();
        for name in recipe.templates.keys() {
            env.get_template(name)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        assert!(template::ALL
            .iter()
            .all(|n| recipe.templates.contains_key(*n)));
    }

    #[test]
    fn values_are_escaped_by_language() {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(auto_escape_for);
        env.set_formatter(format_value);
        env.add_template("t.sh.j2", "echo {{ v }}").unwrap();
        env.add_template("t.yaml.j2", "v: {{ v }}").unwrap();
        env.add_template("t.service.j2", "X={{ v }}").unwrap();
        env.add_template("Dockerfile.j2", "ENV X=\"{{ v }}\"")
            .unwrap();
        env.add_template("u.sh.j2", "echo {{ missing }}").unwrap();
        let ctx = minijinja::context! { v => "0700 $(id) 'x' 5%" };
        let r = |n: &str| env.get_template(n).unwrap().render(&ctx).unwrap();
        assert_eq!(r("t.sh.j2"), "echo '0700 $(id) '\\''x'\\'' 5%'");
        assert_eq!(r("t.yaml.j2"), "v: \"0700 $(id) 'x' 5%\"");
        assert_eq!(r("t.service.j2"), "X=\"0700 $$(id) 'x' 5%%\"");
        assert_eq!(r("Dockerfile.j2"), "ENV X=\"0700 \\$(id) 'x' 5%\"");
        assert!(
            env.get_template("u.sh.j2").unwrap().render(&ctx).is_err(),
            "undefined must be an error"
        );
    }
}
