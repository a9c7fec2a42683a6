//! The dependency graph of a closure: which package needs which, in one
//! environment, as the lock says (for the SBOM's `dependencies`).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;

use super::{Env, UvLock};
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
    /// the same walk, remembering who asked for each package.
    pub fn graph(&self, choices: &[&str], env: &Env) -> Result<Graph> {
        let mut graph = Graph::default();
        self.walk(choices, env, |parent, pkg| {
            let name = normalize_name(&pkg.name);
            match parent {
                Some(p) => graph
                    .needs
                    .entry(normalize_name(&p.name))
                    .or_default()
                    .insert(name.clone()),
                None => graph.roots.insert(name.clone()),
            };
            graph.needs.entry(name).or_default();
            Ok(())
        })?;
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
