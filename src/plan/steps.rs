//! Which of the recipe's steps an install runs, and how each is linted.

use serde::Serialize;

use crate::recipe::{template, Fragment, PipxSource, RecipeDef};

/// One step of this install.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedStep {
    /// The function name in install.sh (`step_ID`), and the comment above
    /// its RUN.
    pub id: String,
    /// What it does, for the comments and the failure message.
    pub title: String,
    /// Its template, `steps/ID.sh.j2`.
    pub template: String,
    /// The hadolint checks its RUN is exempt from (empty: none).
    pub hadolint_ignore: Vec<String>,
    /// Comment lines above the pragma that say why.
    pub hadolint_why: Vec<String>,
    /// A template rendered into the Dockerfile after its RUN.
    pub dockerfile_after: Option<String>,
}

/// The recipe's steps that run in `install`, in the recipe's order, each
/// with its template for that install.
pub fn planned_steps(
    def: &RecipeDef,
    install: Fragment,
    pipx_source: PipxSource,
    locked: bool,
) -> Vec<PlannedStep> {
    def.steps
        .iter()
        .filter(|s| s.when.runs_in(install, pipx_source))
        .map(|s| {
            let pragma = if locked {
                s.hadolint_locked.as_ref().or(s.hadolint.as_ref())
            } else {
                s.hadolint.as_ref()
            };
            let pragma = pragma.cloned().unwrap_or_default();
            PlannedStep {
                id: s.id.clone(),
                title: s.title.clone(),
                template: if s.per_install {
                    template::step_fragment(&s.id, install)
                } else {
                    template::step(&s.id)
                },
                hadolint_ignore: pragma.ignore,
                hadolint_why: pragma.why,
                dockerfile_after: s.dockerfile_after.clone(),
            }
        })
        .collect()
}
