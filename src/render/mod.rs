//! Rendering: a plan in, files out. Pure: no I/O, no clock, no environment.
//!
//! install.sh is made of the plan's steps (recipe.toml's `[[steps]]`, their
//! text in `steps/ID.sh.j2`), each a function with an indented body. The
//! Dockerfile fragment runs the same step text, one RUN each, encoded by
//! docker.rs; the cloud-init snippet carries install.sh itself (compacted
//! by shell_lex.rs, or gzip-compressed). So the three renderings share one
//! implementation of every step and reach one end state.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use camino::Utf8PathBuf;
use minijinja::value::{Serde, Value};
use minijinja::{context, Environment};
use serde::Serialize;

use crate::plan::{inventory, Plan};
use crate::recipe::uvlock::ARCHES;
use crate::recipe::{template, Recipe};

pub mod docker;
pub mod gzip;
pub mod manifest;
pub mod quote;
pub mod sbom;
pub mod shell_lex;
pub mod templates;
pub mod user_data;

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
    id: String,
    title: String,
    /// Shell text (install.sh) or a RUN body (Dockerfile); already quoted.
    body: Value,
    hadolint_ignore: Vec<String>,
    hadolint_why: Vec<String>,
    /// Dockerfile text after the RUN (rendered `dockerfile_after`), or empty.
    after: Value,
}

/// What the steps are rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StepUse {
    /// Functions of install.sh, indented, with check mode.
    Script,
    /// The same for cloud-init's copy, which only installs.
    InstallOnlyScript,
    /// RUN bodies (docker.rs), which also remove their layer's caches.
    DockerRun,
}

/// Which install.sh: the rendered file, or the copy cloud-init carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    /// install.sh itself, with `--check` and `--diff`.
    Checkable,
    /// Install only: cloud-init runs it once, with no arguments, and its
    /// user data has a size limit (EC2: 16 KB) that check mode would break.
    InstallOnly,
}

/// How install.sh is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// For readers: comments, blank lines, indentation.
    Readable,
    /// As cloud-init carries it (shell_lex::compact).
    Compact,
}

/// Templates parsed once; render many plans.
pub struct Renderer {
    env: Environment<'static>,
    /// Template sources, to name the line of an encoding error.
    sources: BTreeMap<String, String>,
    /// The recipe, whose locks say what each architecture installs (the SBOM).
    recipe: Recipe,
    /// The SBOM's timestamp (`SOURCE_DATE_EPOCH`), or none.
    source_date_epoch: Option<i64>,
}

impl Renderer {
    pub fn new(recipe: &Recipe) -> Result<Renderer> {
        Ok(Renderer {
            env: templates::environment(recipe)?,
            sources: recipe.templates.clone(),
            recipe: recipe.clone(),
            source_date_epoch: None,
        })
    }

    /// Date the SBOMs (`SOURCE_DATE_EPOCH`, which the caller reads): the
    /// rendering itself reads no environment.
    pub fn with_source_date_epoch(mut self, epoch: Option<i64>) -> Renderer {
        self.source_date_epoch = epoch;
        self
    }

    /// The SBOM of `plan` for `arch` (`x86_64`, `aarch64`): CycloneDX JSON.
    pub fn sbom(&self, plan: &Plan, arch: &str) -> Result<Vec<u8>> {
        let inv = inventory::inventory(&self.recipe, plan, arch)
            .with_context(|| format!("the SBOM for {arch}"))?;
        sbom::document(&inv, self.source_date_epoch)
    }

    /// Every output file plus SHA256SUMS, by file name.
    pub fn render_all(&self, plan: &Plan) -> Result<BTreeMap<Utf8PathBuf, Vec<u8>>> {
        self.render_all_with(plan, None)
    }

    /// Every output file, with `with` the combined user data too (the
    /// user's parts and install.sh in one multipart), and SHA256SUMS.
    pub fn render_all_with(
        &self,
        plan: &Plan,
        with: Option<&user_data::Composition>,
    ) -> Result<BTreeMap<Utf8PathBuf, Vec<u8>>> {
        // The plan's value, the unit and install.sh are made once and
        // shared: the snippet carries install.sh, the steps embed the unit.
        let base = Value::from(Serde(plan));
        let unit = templates::render(&self.env, template::UNIT, &base)?;
        let install_sh =
            self.install_sh(plan, &base, &unit, Script::Checkable, Layout::Readable)?;
        let cloud_sh =
            self.install_sh(plan, &base, &unit, Script::InstallOnly, Layout::Readable)?;
        let mut files: BTreeMap<Utf8PathBuf, Vec<u8>> = BTreeMap::new();
        for f in Format::ALL {
            let text = match f {
                Format::Unit => unit.clone(),
                Format::Shell => install_sh.clone(),
                Format::Dockerfile => self.dockerfile(plan, &base, &unit)?,
                Format::CloudInit => self.cloud_init(plan, &base, &cloud_sh)?,
            };
            files.insert(f.file_name().into(), text.into_bytes());
        }
        if let Some(comp) = with {
            let combined = user_data::combine(&cloud_sh, comp, plan.cloud_init.limit)?;
            files.insert(user_data::FILE.into(), combined);
        }
        for arch in ARCHES {
            files.insert(sbom::file_name(arch).into(), self.sbom(plan, arch)?);
        }
        let sums = manifest::sha256sums(&files);
        files.insert(SUMS_FILE.into(), sums.into_bytes());
        Ok(files)
    }

    /// The user's parts and install.sh (cloud-init's copy), as one MIME
    /// multipart; gzip when it exceeds `cloud_init_limit` (user_data.rs
    /// says why a script part).
    pub fn user_data(&self, plan: &Plan, comp: &user_data::Composition) -> Result<Vec<u8>> {
        let install_sh = self.cloud_init_install_sh(plan)?;
        user_data::combine(&install_sh, comp, plan.cloud_init.limit)
    }

    /// One output.
    pub fn render(&self, plan: &Plan, format: Format) -> Result<String> {
        let base = Value::from(Serde(plan));
        let unit = templates::render(&self.env, template::UNIT, &base)?;
        match format {
            Format::Unit => Ok(unit),
            Format::Shell => {
                self.install_sh(plan, &base, &unit, Script::Checkable, Layout::Readable)
            }
            Format::Dockerfile => self.dockerfile(plan, &base, &unit),
            Format::CloudInit => {
                let full =
                    self.install_sh(plan, &base, &unit, Script::InstallOnly, Layout::Readable)?;
                self.cloud_init(plan, &base, &full)
            }
        }
    }

    /// install.sh as the cloud-init snippet carries it (shell_lex::compact).
    pub fn cloud_init_script(&self, plan: &Plan) -> Result<String> {
        let base = Value::from(Serde(plan));
        let unit = templates::render(&self.env, template::UNIT, &base)?;
        self.install_sh(plan, &base, &unit, Script::InstallOnly, Layout::Compact)
    }

    /// cloud-init's copy of install.sh, readable (what its gzip holds).
    pub fn cloud_init_install_sh(&self, plan: &Plan) -> Result<String> {
        let base = Value::from(Serde(plan));
        let unit = templates::render(&self.env, template::UNIT, &base)?;
        self.install_sh(plan, &base, &unit, Script::InstallOnly, Layout::Readable)
    }

    fn dockerfile(&self, plan: &Plan, base: &Value, unit: &str) -> Result<String> {
        // RUN continues lines with '\': a line break inside a value would
        // silently become part of the continuation.
        if let Some((name, value)) = line_break(&plan.params)? {
            bail!(
                "{name} '{}' has a line break, which a Dockerfile cannot hold",
                value.escape_debug()
            );
        }
        let steps = self.steps(plan, base, unit, StepUse::DockerRun)?;
        let ctx = context! { ..context! { steps => Value::from(Serde(steps)) }, ..base.clone() };
        templates::render(&self.env, template::DOCKERFILE, &ctx)
    }

    /// The snippet, carrying `full` (cloud-init's readable install.sh)
    /// compacted and, over the limit, gzip-compressed too.
    fn cloud_init(&self, plan: &Plan, base: &Value, full: &str) -> Result<String> {
        let limit = plan.cloud_init.limit;
        let install_sh = shell_lex::compact(full);
        let compact_len = install_sh.len();
        let ctx = context! {
            ..context! { install_sh => install_sh.clone(), install_sh_gz => "" },
            ..base.clone()
        };
        // The snippet holds the compacted script and more: over the limit
        // already, it is not rendered readable only to be measured.
        let readable = if compact_len > limit {
            None
        } else {
            Some(templates::render(&self.env, template::CLOUD_INIT, &ctx)?)
        };
        if let Some(readable) = readable.as_ref().filter(|r| r.len() <= limit) {
            return Ok(readable.clone());
        }
        // Too big to read: the same script, gzip-compressed.
        let install_sh_gz = gzip::gzip_base64(&install_sh);
        let ctx = context! { ..context! { install_sh => "", install_sh_gz }, ..base.clone() };
        let text = templates::render(&self.env, template::CLOUD_INIT, &ctx)?;
        if text.len() > limit {
            return Err(crate::error::usage(format!(
                "the cloud-init snippet is {} bytes even with the script gzip-compressed ({}), over cloud_init_limit {limit}; raise it where the cloud takes more (Azure and OpenStack: 65536, GCP: 262144), or run install.sh another way",
                text.len(),
                match &readable {
                    Some(r) => format!("{} bytes readable", r.len()),
                    None => format!("the script alone is {compact_len} bytes readable"),
                }
            )));
        }
        Ok(text)
    }

    fn install_sh(
        &self,
        plan: &Plan,
        base: &Value,
        unit: &str,
        script: Script,
        layout: Layout,
    ) -> Result<String> {
        let use_ = match script {
            Script::Checkable => StepUse::Script,
            Script::InstallOnly => StepUse::InstallOnlyScript,
        };
        let steps = self.steps(plan, base, unit, use_)?;
        let check_mode = script == Script::Checkable;
        let ctx = context! {
            ..context! { steps => Value::from(Serde(steps)), check_mode },
            ..base.clone()
        };
        let text = templates::render(&self.env, template::INSTALL_SH, &ctx)?;
        Ok(match layout {
            Layout::Readable => text,
            Layout::Compact => shell_lex::compact(&text),
        })
    }

    /// The plan's steps, rendered for `use_`.
    // (`context!` merges keep the first value of a key: overrides go first.)
    fn steps(&self, plan: &Plan, base: &Value, unit: &str, use_: StepUse) -> Result<Vec<Step>> {
        let env = &self.env;
        let unit_lines: Vec<String> = unit.lines().map(str::to_string).collect();
        let unit_size = unit.len();
        let for_docker = use_ == StepUse::DockerRun;
        let check_mode = use_ == StepUse::Script;
        let ctx = context! {
            ..context! { unit_lines, unit_size, for_docker, check_mode },
            ..base.clone()
        };
        plan.steps
            .iter()
            .map(|s| {
                let text = templates::render(env, &s.template, &ctx)?;
                let source = self.sources.get(&s.template).map_or("", String::as_str);
                let body = match use_ {
                    // Indentation would break a heredoc, which no RUN can
                    // hold either. (A value's line break is data here.)
                    // Lexed once for both the check and the indentation.
                    StepUse::Script | StepUse::InstallOnlyScript => {
                        let lexed = shell_lex::lines(&text);
                        shell_lex::refuse_heredoc(&lexed, &s.template, source)?;
                        shell_lex::indent_lines(&lexed, "    ")
                    }
                    StepUse::DockerRun => {
                        let body = Value::from_safe_string(text.trim_end_matches('\n').to_string());
                        let run = templates::render(env, template::DOCKER_RUN, &context! { body })?;
                        docker::encode(&run, &s.template, source).with_context(|| {
                            format!("encoding step {} as a Dockerfile RUN", s.id)
                        })?
                    }
                };
                let after = match (&s.dockerfile_after, use_) {
                    (Some(name), StepUse::DockerRun) => templates::render(env, name, base)?,
                    _ => String::new(),
                };
                Ok(Step {
                    id: s.id.clone(),
                    title: s.title.clone(),
                    body: Value::from_safe_string(body.trim_end_matches('\n').to_string()),
                    hadolint_ignore: s.hadolint_ignore.clone(),
                    hadolint_why: s.hadolint_why.clone(),
                    after: Value::from_safe_string(after.trim_end_matches('\n').to_string()),
                })
            })
            .collect()
    }
}

/// The first parameter whose value has a line break.
fn line_break(params: &crate::plan::Params) -> Result<Option<(String, String)>> {
    let json = serde_json::to_value(params).context("the parameters")?;
    let found = json.as_object().and_then(|m| {
        m.iter().find_map(|(k, v)| {
            v.as_str()
                .filter(|s| s.contains(['\n', '\r']))
                .map(|s| (k.clone(), s.to_string()))
        })
    });
    Ok(found)
}
