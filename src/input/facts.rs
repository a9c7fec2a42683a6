//! The Ansible facts a target supplies to vars files (recipe.toml's `facts`
//! and `name_facts`).

use std::collections::BTreeMap;

use ansible_vars::{facts_as_vars, Raw, Var};
use anyhow::Result;

use crate::recipe::RecipeDef;

/// The Ansible facts of the target called `name` (an alias may differ),
/// as variables, with `given` (`--fact ansible_…`) over them, and
/// `ansible_facts` holding all of them without the prefix.
pub fn target_facts(
    def: &RecipeDef,
    name: &str,
    given: &BTreeMap<String, Var>,
) -> Result<BTreeMap<String, Var>> {
    let (_, t) = def.target(name)?;
    let mut facts = t.facts.clone();
    if let Some(more) = t.name_facts.get(name) {
        facts.extend(more.clone());
    }
    let origin = format!("fact of {name}");
    let mut out: BTreeMap<String, Var> = facts
        .into_iter()
        .map(|(k, v)| {
            let raw = Raw::from_toml(v);
            let origin = origin.clone();
            (k, Var { raw, origin })
        })
        .collect();
    out.extend(
        given
            .iter()
            .filter(|(k, _)| k.starts_with("ansible_") && *k != "ansible_facts")
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    Ok(facts_as_vars(out, &origin))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::Recipe;
    use ansible_vars::Vars;

    /// A YAML vars file's variables with the facts of `target`.
    fn vars(target: &str, yaml: &str) -> Vars {
        let entries = crate::input::varsfile::parse("all.yml".into(), yaml).unwrap();
        let mut map: BTreeMap<String, Var> = entries
            .into_iter()
            .map(|e| {
                let origin = "all.yml".to_string();
                (
                    e.key,
                    Var {
                        raw: e.value,
                        origin,
                    },
                )
            })
            .collect();
        let def = &Recipe::embedded().unwrap().def;
        map.extend(target_facts(def, target, &BTreeMap::new()).unwrap());
        Vars::new(map, target, Vec::new())
    }

    fn text(v: &Vars, name: &str) -> String {
        v.get(name).unwrap().unwrap().to_string()
    }

    #[test]
    fn every_target_supplies_its_facts() {
        let probe = "family: '{{ ansible_os_family }}'\n\
                     dist: '{{ ansible_distribution }}'\n\
                     major: '{{ ansible_distribution_major_version }}'\n\
                     pkg: '{{ ansible_pkg_mgr }}'\n\
                     modern: \"{{ ansible_facts['os_family'] }}\"\n";
        for (target, family, dist, major, pkg) in [
            ("debian-12", "Debian", "Debian", "12", "apt"),
            ("debian-13", "Debian", "Debian", "13", "apt"),
            ("ubuntu-22.04", "Debian", "Ubuntu", "22", "apt"),
            ("ubuntu-24.04", "Debian", "Ubuntu", "24", "apt"),
            ("rhel-8", "RedHat", "RedHat", "8", "dnf"),
            ("rocky-8", "RedHat", "Rocky", "8", "dnf"),
            ("alma-8", "RedHat", "AlmaLinux", "8", "dnf"),
            ("rhel-9", "RedHat", "RedHat", "9", "dnf"),
            ("rocky-9", "RedHat", "Rocky", "9", "dnf"),
            ("alma-9", "RedHat", "AlmaLinux", "9", "dnf"),
        ] {
            let v = vars(target, probe);
            assert_eq!(text(&v, "family"), family, "{target}");
            assert_eq!(text(&v, "modern"), family, "{target}");
            assert_eq!(text(&v, "dist"), dist, "{target}");
            assert_eq!(text(&v, "major"), major, "{target}");
            assert_eq!(text(&v, "pkg"), pkg, "{target}");
        }
        let release = "r: '{{ ansible_distribution_release }}'\n";
        assert_eq!(text(&vars("debian-12", release), "r"), "bookworm");
        assert_eq!(text(&vars("debian-13", release), "r"), "trixie");
        assert_eq!(text(&vars("ubuntu-22.04", release), "r"), "jammy");
        assert_eq!(text(&vars("ubuntu-24.04", release), "r"), "noble");
        assert_eq!(text(&vars("rhel-9", release), "r"), "Plow");
        assert_eq!(text(&vars("rocky-9", release), "r"), "Blue Onyx");
        let version = "v: '{{ ansible_distribution_version }}'\n";
        assert_eq!(text(&vars("ubuntu-24.04", version), "v"), "24.04");
        let python = "p: '{{ ansible_python.version.major }}.{{ ansible_python.version.minor }}'\n";
        for (target, want) in [
            ("debian-12", "3.11"),
            ("debian-13", "3.13"),
            ("ubuntu-22.04", "3.10"),
            ("ubuntu-24.04", "3.12"),
            ("rhel-9", "3.9"),
        ] {
            assert_eq!(text(&vars(target, python), "p"), want, "{target}");
        }
    }
}
