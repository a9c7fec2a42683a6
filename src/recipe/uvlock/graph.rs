//! The dependency graph of a closure: which package needs which, in one
//! environment, as the lock says (for the SBOM's `dependencies`).

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use anyhow::Result;
use pep508_rs::MarkerTree;

use super::{Dep, Env, UvLock};
use crate::recipe::requirement::normalize_name;

/// Who needs whom among the packages of a closure, by normalized name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Graph {
    /// The packages the choices name themselves.
    pub roots: BTreeSet<String>,
    /// For every package of the closure, the packages it needs there.
    pub needs: BTreeMap<String, BTreeSet<String>>,
}

impl UvLock {
    /// The graph of [`UvLock::closure`]'s packages for `choices` in `env`:
    /// the same walk (markers evaluated, extras followed where asked for),
    /// remembering who asked for each package.
    pub fn graph(&self, choices: &[&str], env: &Env) -> Result<Graph> {
        let markers = env.markers()?;
        let root = self.root()?;
        let mut queue: Vec<(Option<String>, &Dep)> = Vec::new();
        for choice in choices {
            // closure() names a missing choice; here it is simply empty.
            for dep in root.optional.get(*choice).into_iter().flatten() {
                queue.push((None, dep));
            }
        }
        let mut graph = Graph::default();
        let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
        let mut extras_seen: BTreeSet<(String, String)> = BTreeSet::new();
        while let Some((parent, dep)) = queue.pop() {
            if let Some(m) = &dep.marker {
                let tree = MarkerTree::from_str(m)
                    .map_err(|e| anyhow::anyhow!("marker {m:?} of {}: {e}", dep.name))?;
                if !tree.evaluate(&markers, &[]) {
                    continue;
                }
            }
            let pkg = self.find(dep)?;
            let name = normalize_name(&pkg.name);
            match &parent {
                Some(p) => graph
                    .needs
                    .entry(p.clone())
                    .or_default()
                    .insert(name.clone()),
                None => graph.roots.insert(name.clone()),
            };
            graph.needs.entry(name.clone()).or_default();
            let version = pkg.version.clone().unwrap_or_default();
            if seen.insert((name.clone(), version)) {
                queue.extend(pkg.dependencies.iter().map(|d| (Some(name.clone()), d)));
            }
            for extra in &dep.extra {
                if extras_seen.insert((name.clone(), extra.clone())) {
                    let deps = pkg.optional.get(extra).into_iter().flatten();
                    queue.extend(deps.map(|d| (Some(name.clone()), d)));
                }
            }
        }
        // A package that asks for its own extra does not need itself.
        for (name, needs) in &mut graph.needs {
            needs.remove(name);
        }
        Ok(graph)
    }
}

#[cfg(test)]
mod tests {
    use super::super::ARCHES;
    use super::*;
    use crate::recipe::Recipe;

    /// The graph walks what the closure walks: the same packages, every
    /// edge between two of them.
    #[test]
    fn the_graph_spans_the_closure() {
        let recipe = Recipe::embedded().unwrap();
        let lock = recipe.locks.values().next().unwrap();
        for arch in ARCHES {
            for python in [("3.9", "3.9.18"), ("3.11", "3.11.2"), ("3.13", "3.13.5")] {
                let env = Env {
                    python: python.0.into(),
                    python_full: python.1.into(),
                    arch: arch.into(),
                };
                for choices in [
                    &["patroni", "etcd", "psycopg2-binary"][..],
                    &["patroni", "all"],
                ] {
                    let graph = lock.graph(choices, &env).unwrap();
                    let names: BTreeSet<String> = lock
                        .closure(choices, &env)
                        .unwrap()
                        .into_iter()
                        .map(|l| l.name)
                        .collect();
                    let nodes: BTreeSet<String> = graph.needs.keys().cloned().collect();
                    assert_eq!(nodes, names, "{choices:?} on {python:?} {arch}");
                    assert!(graph.needs.values().flatten().all(|n| names.contains(n)));
                    assert_eq!(graph.roots, BTreeSet::from(["patroni".to_string()]));
                }
            }
        }
    }
}
