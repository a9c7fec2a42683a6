//! The lock projects' pyproject.toml that uv resolves into uv.lock
//! (src/tools/uv.rs runs it), built as data and written by the toml crate.

use std::str::FromStr;

use anyhow::{Context, Result};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::recipe::uvlock::{ARCHES, PATRONI_EXTRA, PIPX_EXTRA, SHARED_EXTRA, UV_EXTRA};
use crate::recipe::version::Version;
use crate::recipe::RecipeDef;

/// The lock project's `pyproject.toml` for Patroni `version`: one optional
/// dependency per choice (see src/recipe/uvlock.rs), for every target's Python on
/// Linux x86_64 and aarch64. With `forks`, the recipe's `lock_fork_extras`
/// too, each in forks of its own; without, the project leaves them out
/// (the first resolution, see src/tools/lock.rs).
pub fn lock_project(def: &RecipeDef, version: &str, forks: bool) -> Result<String> {
    let fork_extras: &[String] = if forks { &def.lock_fork_extras } else { &[] };
    let project = PyProject {
        project: Project {
            name: "patroni-bake-lock",
            version: "0",
            requires_python: format!(">={}", min_python(def)),
            dependencies: Vec::new(),
            optional_dependencies: optional_dependencies(def, version, forks),
        },
        tool: Tool {
            uv: ToolUv {
                package: false,
                environments: environments(&target_pythons(def)),
                conflicts: conflicts(fork_extras),
                dependency_metadata: dependency_metadata(def),
            },
        },
    };
    written(
        "# Made by `patroni-bake lock`; uv resolves it into uv.lock.",
        &project,
    )
}

/// The lock project of uv and pipx for installer=uv: one choice,
/// [`UV_EXTRA`], for every Python the pipx runs on, on Linux x86_64 and
/// aarch64.
pub fn uv_installer_project(def: &RecipeDef) -> Result<String> {
    let project = PyProject {
        project: Project {
            name: "patroni-bake-uv-installer",
            version: "0",
            requires_python: format!(">={}", def.uv_installer_min_python),
            dependencies: Vec::new(),
            optional_dependencies: Extras(vec![(UV_EXTRA.to_string(), def.uv_installer.clone())]),
        },
        tool: Tool {
            uv: ToolUv {
                package: false,
                environments: environments(&[]),
                conflicts: Vec::new(),
                dependency_metadata: Vec::new(),
            },
        },
    };
    written(
        "# Made by `patroni-bake lock --uv-installer`; uv resolves it into uv.lock.",
        &project,
    )
}

/// The fields of a pyproject.toml that uv reads from the lock projects.
#[derive(Serialize)]
struct PyProject {
    project: Project,
    tool: Tool,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Project {
    name: &'static str,
    version: &'static str,
    requires_python: String,
    dependencies: Vec<String>,
    optional_dependencies: Extras,
}

/// `[project.optional-dependencies]`, extra → requirements, in the order
/// given: uv keeps that order in the lock (`provides-extras`), so a map
/// that sorted them would change the lock.
struct Extras(Vec<(String, Vec<String>)>);

impl Serialize for Extras {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (extra, requirements) in &self.0 {
            map.serialize_entry(extra, requirements)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct Tool {
    uv: ToolUv,
}

/// `[tool.uv]`: a virtual project (`package = false`) resolved for the
/// `environments` only.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ToolUv {
    package: bool,
    environments: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    conflicts: Vec<[ConflictingExtra; 2]>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dependency_metadata: Vec<DependencyMetadata>,
}

/// One side of a conflict in `[tool.uv] conflicts`: `{ extra = "aws" }`.
#[derive(Serialize)]
struct ConflictingExtra {
    extra: String,
}

/// A distribution uv takes as having the given version and no
/// dependencies, without reading its metadata.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct DependencyMetadata {
    name: String,
    version: String,
    requires_dist: Vec<String>,
}

/// `project` as TOML, after the `header` comment.
fn written(header: &str, project: &PyProject) -> Result<String> {
    let body = toml::to_string_pretty(project).context("writing the lock project as TOML")?;
    Ok(format!("{header}\n{body}"))
}

/// The oldest Python of the targets (`major.minor`).
fn min_python(def: &RecipeDef) -> &str {
    def.targets
        .values()
        .map(|t| t.python_version.as_str())
        .min_by_key(|v| Version::from_str(v).ok())
        .unwrap_or("3.9")
}

/// One extra per choice of Patroni's, pipx's shared libraries and pipx;
/// with `forks`, the recipe's `lock_fork_extras` and their empty shadows,
/// without, neither.
fn optional_dependencies(def: &RecipeDef, version: &str, forks: bool) -> Extras {
    let mut out = vec![(
        PATRONI_EXTRA.to_string(),
        vec![format!("patroni=={version}")],
    )];
    for extra in &def.patroni_extras {
        if !forks && def.lock_fork_extras.contains(extra) {
            continue;
        }
        out.push((extra.clone(), vec![format!("patroni[{extra}]=={version}")]));
    }
    out.push((SHARED_EXTRA.to_string(), def.pipx_shared_libs.clone()));
    out.push((PIPX_EXTRA.to_string(), vec![def.pipx_pip_spec.clone()]));
    if forks {
        for extra in &def.lock_fork_extras {
            out.push((shadow_extra(extra), Vec::new()));
        }
    }
    Extras(out)
}

/// uv's `dependency-metadata`: the recipe's distributions taken as
/// having no dependencies.
fn dependency_metadata(def: &RecipeDef) -> Vec<DependencyMetadata> {
    def.lock_dependency_metadata
        .iter()
        .map(|(name, version)| DependencyMetadata {
            name: name.clone(),
            version: version.clone(),
            requires_dist: Vec::new(),
        })
        .collect()
}

/// The empty extra that `extra` conflicts with in the lock project, so that
/// uv resolves `extra` in forks of its own (a conflict needs two sides).
fn shadow_extra(extra: &str) -> String {
    format!("patroni-bake-not-{extra}")
}

/// Every target's Python (`major.minor`), sorted, once each.
fn target_pythons(def: &RecipeDef) -> Vec<&str> {
    let mut out: Vec<&str> = def
        .targets
        .values()
        .map(|t| t.python_version.as_str())
        .collect();
    out.sort_by_key(|v| {
        v.split('.')
            .map(|n| n.parse::<u32>().unwrap_or(0))
            .collect::<Vec<_>>()
    });
    out.dedup();
    out
}

/// The environments of `[tool.uv]`: Linux on [`ARCHES`], and for each of
/// `pythons` apart where there are any: uv then resolves every Python from
/// the start as `uv pip compile --python-version` does for it alone, rather
/// than a version picked for a range of them before the range split
/// (prettytable 3.18.0 for Python 3.10 and later, where 3.11 takes 3.19.0).
fn environments(pythons: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for arch in ARCHES {
        let platform = format!("sys_platform == 'linux' and platform_machine == '{arch}'");
        if pythons.is_empty() {
            out.push(platform.clone());
        }
        for py in pythons {
            out.push(format!("{platform} and python_version == '{py}'"));
        }
    }
    out
}

/// uv's `conflicts`: each of `extras` against its empty shadow, so that
/// uv resolves the choices with it and those without it apart.
fn conflicts(extras: &[String]) -> Vec<[ConflictingExtra; 2]> {
    extras
        .iter()
        .map(|extra| {
            [
                ConflictingExtra {
                    extra: extra.clone(),
                },
                ConflictingExtra {
                    extra: shadow_extra(extra),
                },
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::Recipe;

    /// uv records the extras in the project's order (`provides-extras`):
    /// the TOML keeps the order they were given in, not a sorted one.
    #[test]
    fn the_extras_keep_their_order() {
        let recipe = Recipe::embedded().unwrap();
        let text = lock_project(&recipe.def, "4.1.5", true).unwrap();
        let at = |key: &str| {
            text.find(&format!("\n{key} = ["))
                .unwrap_or_else(|| panic!("{key}:\n{text}"))
        };
        let order = [
            "patroni",
            "all",
            "zookeeper",
            SHARED_EXTRA,
            PIPX_EXTRA,
            "patroni-bake-not-all",
        ];
        let places: Vec<usize> = order.iter().map(|k| at(k)).collect();
        assert!(places.windows(2).all(|w| w[0] < w[1]), "{text}");
    }
}
