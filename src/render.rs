//! Rendering: a plan in, files out. Pure: no I/O, no clock, no environment.
//!
//! install.sh is made of steps (recipes/install_patroni/steps/). The
//! Dockerfile fragment runs the same step bodies, one RUN each, and the
//! cloud-init snippet runs install.sh itself; so the three renderings share
//! one implementation of every step and reach one end state.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use camino::Utf8PathBuf;
use minijinja::value::{Serde, Value};
use minijinja::{context, Environment};
use serde::Serialize;

use crate::manifest;
use crate::plan::Plan;
use crate::recipe::{template, PipxSource, Recipe};
use crate::templates;

/// One output format; `all` in the CLI means every one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Shell,
    Dockerfile,
    CloudInit,
    Unit,
}

impl Format {
    pub const ALL: [Format; 4] = [
        Format::Shell,
        Format::Dockerfile,
        Format::CloudInit,
        Format::Unit,
    ];

    /// The file this format is written to.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Shell => "install.sh",
            Format::Dockerfile => "Dockerfile",
            Format::CloudInit => "cloud-init.yaml",
            Format::Unit => "patroni.service",
        }
    }
}

/// The manifest written beside the rendered files.
pub const SUMS_FILE: &str = "SHA256SUMS";

/// One step of the install, rendered.
#[derive(Debug, Clone, Serialize)]
struct Step {
    id: &'static str,
    title: &'static str,
    /// Shell text (install.sh) or a RUN body (Dockerfile); already quoted.
    body: Value,
}

/// The steps, in order: (id, title, template). `pipx_user` only where pipx
/// comes from PyPI.
const STEPS: &[(&str, &str, &str)] = &[
    ("preflight", "check prerequisites", template::STEP_PREFLIGHT),
    ("packages", "install OS packages", template::STEP_PACKAGES),
    (
        "pipx_user",
        "install pipx for the user",
        template::STEP_PIPX_USER,
    ),
    (
        "patroni",
        "install Patroni with pipx",
        template::STEP_PATRONI,
    ),
    (
        "package",
        "check the packaged Patroni",
        template::STEP_PACKAGE,
    ),
    (
        "path",
        "put Patroni on the user's PATH",
        template::STEP_PATH,
    ),
    ("unit", "install the systemd unit", template::STEP_UNIT),
    (
        "config_dir",
        "create the configuration directory",
        template::STEP_CONFIG_DIR,
    ),
];

/// Templates parsed once; render many plans.
pub struct Renderer {
    env: Environment<'static>,
    /// The shell templates without their comment lines, for cloud-init.
    compact: Environment<'static>,
}

impl Renderer {
    pub fn new(recipe: &Recipe) -> Result<Renderer> {
        Ok(Renderer {
            env: templates::environment(recipe, false)?,
            compact: templates::environment(recipe, true)?,
        })
    }

    /// Every output file plus SHA256SUMS, by file name.
    pub fn render_all(&self, plan: &Plan) -> Result<BTreeMap<Utf8PathBuf, Vec<u8>>> {
        let mut files: BTreeMap<Utf8PathBuf, Vec<u8>> = BTreeMap::new();
        for f in Format::ALL {
            files.insert(f.file_name().into(), self.render(plan, f)?.into_bytes());
        }
        let sums = manifest::sha256sums(&files);
        files.insert(SUMS_FILE.into(), sums.into_bytes());
        Ok(files)
    }

    /// One output.
    pub fn render(&self, plan: &Plan, format: Format) -> Result<String> {
        let base = Value::from(Serde(plan));
        let unit = templates::render(&self.env, template::UNIT, &base)?;
        match format {
            Format::Unit => Ok(unit),
            Format::Shell => self.install_sh(&self.env, plan, &base, &unit),
            Format::Dockerfile => {
                // RUN continues lines with '\': a line break inside a value
                // would silently become part of the continuation.
                if let Some((name, value)) =
                    plan.params.iter().find(|(_, v)| v.contains(['\n', '\r']))
                {
                    bail!(
                        "{name} '{}' has a line break, which a Dockerfile cannot hold",
                        value.escape_debug()
                    );
                }
                let steps = self.steps(&self.env, plan, &base, &unit, true)?;
                let ctx = context! { ..base, ..context! { steps => Value::from(Serde(steps)) } };
                templates::render(&self.env, template::DOCKERFILE, &ctx)
            }
            Format::CloudInit => {
                let limit = plan.cloud_init_limit;
                let install_sh = self.install_sh(&self.compact, plan, &base, &unit)?;
                let ctx =
                    context! { ..base.clone(), ..context! { install_sh, install_sh_gz => "" } };
                let readable = templates::render(&self.env, template::CLOUD_INIT, &ctx)?;
                if readable.len() <= limit {
                    return Ok(readable);
                }
                // Too big to read: install.sh itself, byte for byte, gzip-compressed.
                let full = self.install_sh(&self.env, plan, &base, &unit)?;
                let install_sh_gz = crate::gzip::gzip_base64(&full);
                let ctx = context! { ..base, ..context! { install_sh => "", install_sh_gz } };
                let text = templates::render(&self.env, template::CLOUD_INIT, &ctx)?;
                if text.len() > limit {
                    return Err(crate::error::usage(format!(
                        "the cloud-init snippet is {} bytes even with the script gzip-compressed ({} bytes readable), over cloud_init_limit {limit}; raise it where the cloud takes more (Azure and OpenStack: 65536, GCP: 262144), or run install.sh another way",
                        text.len(),
                        readable.len()
                    )));
                }
                Ok(text)
            }
        }
    }

    /// install.sh as the cloud-init snippet carries it: without the
    /// comment lines of its templates.
    pub fn cloud_init_script(&self, plan: &Plan) -> Result<String> {
        let base = Value::from(Serde(plan));
        let unit = templates::render(&self.env, template::UNIT, &base)?;
        self.install_sh(&self.compact, plan, &base, &unit)
    }

    fn install_sh(
        &self,
        env: &Environment<'static>,
        plan: &Plan,
        base: &Value,
        unit: &str,
    ) -> Result<String> {
        let steps = self.steps(env, plan, base, unit, false)?;
        let ctx = context! { ..base.clone(), ..context! { steps => Value::from(Serde(steps)) } };
        templates::render(env, template::INSTALL_SH, &ctx)
    }

    /// The step bodies, for install.sh or (`for_docker`) as RUN bodies.
    fn steps(
        &self,
        env: &Environment<'static>,
        plan: &Plan,
        base: &Value,
        unit: &str,
        for_docker: bool,
    ) -> Result<Vec<Step>> {
        let unit_lines: Vec<String> = unit.lines().map(str::to_string).collect();
        let unit_size = unit.len();
        let ctx = context! { ..base.clone(), ..context! { unit_lines, unit_size, for_docker } };
        STEPS
            .iter()
            .filter(|(id, _, _)| {
                let pipx = plan.install_method == "pipx";
                match *id {
                    "pipx_user" => pipx && plan.pipx_source == PipxSource::PipUser,
                    "patroni" | "path" => pipx,
                    "package" => !pipx,
                    _ => true,
                }
            })
            .map(|&(id, title, name)| {
                let text = templates::render(env, name, &ctx)?;
                // Not re-indented: a line break inside a quoted value is data.
                let body = if for_docker {
                    docker_run(&text).with_context(|| format!("step {id}"))?
                } else {
                    text.trim_end_matches('\n').to_string()
                };
                Ok(Step {
                    id,
                    title,
                    body: Value::from_safe_string(body),
                })
            })
            .collect()
    }
}

/// A step body as one Dockerfile RUN: comment lines dropped, lines joined
/// by continuations. Steps are written so that this is valid: every line
/// ends a command with `;`, or is a `then`/`else`/`do` line.
fn docker_run(text: &str) -> Result<String> {
    let mut lines = vec![
        "set -eu;".to_string(),
        "umask 022;".into(),
        "cd /;".into(),
        "changed=0;".into(),
    ];
    for line in text.lines() {
        let l = line.trim_end().trim_end_matches('\\').trim_end();
        if l.trim_start().is_empty() || l.trim_start().starts_with('#') {
            continue;
        }
        if l.contains('\0') {
            bail!("a NUL byte cannot be written into a Dockerfile");
        }
        lines.push(l.to_string());
    }
    lines.push("echo \"changed=$changed\"".into());
    Ok(lines.join(" \\\n    "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_run_joins_lines_and_drops_comments() {
        let run = docker_run(
            "# why\nif true; then\n    echo a \\\n        b;\n    # indented comment\nfi;\n",
        )
        .unwrap();
        assert_eq!(
            run,
            "set -eu; \\\n    umask 022; \\\n    cd /; \\\n    changed=0; \\\n    if true; then \\\n        echo a \\\n            b; \\\n    fi; \\\n    echo \"changed=$changed\""
        );
    }
}
