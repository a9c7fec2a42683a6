use std::collections::BTreeSet;

use serde_json::Value;

use super::*;
use crate::input::{given_map, resolve};
use crate::plan::{self, inventory::inventory, Install, PipLock, PipxFrom, PipxPip, Plan};
use crate::recipe::Recipe;

fn plan_of(recipe: &Recipe, pairs: &[(&str, &str)], target: &str) -> Plan {
    let given = given_map(pairs.iter().copied(), "--set");
    let resolved = resolve(&recipe.def, target, &given).unwrap();
    plan::build(recipe, target, &resolved).unwrap()
}

/// The SBOM of `target` with `pairs`, parsed, and its plan.
fn sbom(pairs: &[(&str, &str)], target: &str, arch: &str) -> (Value, Plan) {
    let recipe = Recipe::embedded().unwrap();
    let plan = plan_of(&recipe, pairs, target);
    let bytes = document(&inventory(&recipe, &plan, arch).unwrap(), None).unwrap();
    (serde_json::from_slice(&bytes).unwrap(), plan)
}

fn property<'a>(c: &'a Value, name: &str) -> Option<&'a str> {
    c["properties"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == format!("patroni-bake:{name}"))?["value"]
        .as_str()
}

/// `name==version` of the components of `place`, sorted.
fn pins_of(doc: &Value, place: &str) -> Vec<String> {
    let mut pins: Vec<String> = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| property(c, "place") == Some(place))
        .map(|c| {
            format!(
                "{}=={}",
                c["name"].as_str().unwrap(),
                c["version"].as_str().unwrap_or("")
            )
        })
        .collect();
    pins.sort();
    pins
}

fn pip_of(plan: &Plan) -> &PipxPip {
    match &plan.install {
        Install::PipxPip(pip) => pip,
        other => panic!("not pipx with pip: {}", other.tag()),
    }
}

fn pip_lock(plan: &Plan) -> &PipLock {
    pip_of(plan).lock.as_ref().expect("a locked plan")
}

#[test]
fn each_place_holds_exactly_what_the_plan_locks() {
    for arch in ["x86_64", "aarch64"] {
        let (doc, plan) = sbom(&[], "debian-12", arch);
        let lock = pip_lock(&plan);
        assert_eq!(pins_of(&doc, "patroni-venv"), lock.patroni.patroni_pins);
        assert_eq!(pins_of(&doc, "pipx-shared"), lock.shared_pins);
        assert!(pins_of(&doc, "pipx-user").is_empty());
        // RHEL 9: pipx from PyPI with pip --user, locked too.
        let (doc, plan) = sbom(&[], "rhel-9", arch);
        let PipxFrom::PipUser(from) = &pip_of(&plan).pipx_from else {
            panic!("rhel-9 takes pipx from pip")
        };
        let mut pipx: Vec<String> = (from.lock.as_ref().unwrap().reqs.iter())
            .map(|r| format!("{}=={}", r.name, r.version))
            .collect();
        pipx.sort();
        assert_eq!(pins_of(&doc, "pipx-user"), pipx);
        assert!(!pipx.is_empty());
        // installer=uv: uv's venv, and no shared libraries.
        let (doc, plan) = sbom(&[("installer", "uv")], "debian-12", arch);
        let Install::PipxUv(uv) = &plan.install else {
            panic!("installer=uv")
        };
        assert_eq!(pins_of(&doc, "uv-venv"), uv.uv.pins);
        assert!(pins_of(&doc, "pipx-shared").is_empty());
    }
}

#[test]
fn each_file_is_the_one_its_architecture_installs() {
    let (x86, plan) = sbom(&[], "debian-12", "x86_64");
    let (arm, _) = sbom(&[], "debian-12", "aarch64");
    let lock = &pip_lock(&plan).patroni;
    let file = |doc: &Value, name: &str| -> (String, String) {
        let c = doc["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name && property(c, "place") == Some("patroni-venv"))
            .unwrap();
        let r = &c["externalReferences"][0];
        assert_eq!(r["type"], "distribution");
        assert_eq!(r["hashes"][0]["alg"], "SHA-256");
        (
            r["url"].as_str().unwrap().to_string(),
            r["hashes"][0]["content"].as_str().unwrap().to_string(),
        )
    };
    let (x_url, x_hash) = file(&x86, "psycopg2-binary");
    let (a_url, a_hash) = file(&arm, "psycopg2-binary");
    assert!(
        x_url.ends_with("x86_64.whl") && a_url.contains("aarch64"),
        "{x_url} {a_url}"
    );
    assert_ne!(x_hash, a_hash);
    let locked = &lock
        .patroni
        .iter()
        .find(|r| r.name == "psycopg2-binary")
        .unwrap()
        .hashes;
    assert!(locked.contains(&x_hash) && locked.contains(&a_hash));
    // A pure wheel is the same file on both.
    assert_eq!(file(&x86, "patroni"), file(&arm, "patroni"));
}

#[test]
fn dependencies_follow_the_lock_and_name_only_components() {
    let (doc, _) = sbom(&[], "debian-12", "x86_64");
    let mut refs: BTreeSet<&str> = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    refs.insert(ROOT_REF);
    let deps = doc["dependencies"].as_array().unwrap();
    for d in deps {
        assert!(refs.contains(d["ref"].as_str().unwrap()), "{d}");
        for on in d["dependsOn"].as_array().unwrap() {
            assert!(refs.contains(on.as_str().unwrap()), "{d}");
        }
    }
    let needs = |r: &str| -> Vec<&str> {
        deps.iter().find(|d| d["ref"] == r).unwrap()["dependsOn"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect()
    };
    let patroni = needs("patroni-venv:patroni@4.1.5");
    for dep in ["pyyaml@", "python-etcd@", "psycopg2-binary@", "urllib3@"] {
        assert!(
            patroni.iter().any(|p| p.contains(dep)),
            "{patroni:?} lacks {dep}"
        );
    }
    assert!(needs("patroni-venv:idna@3.21").is_empty());
    let root = needs(ROOT_REF);
    assert!(root.contains(&"patroni-venv:patroni@4.1.5"));
    assert!(root.contains(&"os:pipx"));
    assert!(root.iter().any(|r| r.starts_with("pipx-shared:pip@")));
}

#[test]
fn compositions_say_what_is_complete() {
    let aggregates = |doc: &Value| -> Vec<(String, usize)> {
        doc["compositions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["aggregate"].as_str().unwrap().to_string(),
                    c["assemblies"].as_array().unwrap().len(),
                )
            })
            .collect()
    };
    let (doc, _) = sbom(&[], "debian-12", "x86_64");
    let python = doc["components"].as_array().unwrap().len() - 1;
    assert_eq!(
        aggregates(&doc),
        [("complete".into(), python), ("incomplete".into(), 1)]
    );
    // The package: only OS packages, without versions.
    let (doc, _) = sbom(&[("install_method", "package")], "debian-12", "x86_64");
    assert_eq!(aggregates(&doc), [("incomplete".into(), 3)]);
    for c in doc["components"].as_array().unwrap() {
        assert!(c.get("version").is_none(), "{c}");
        assert!(
            c["purl"].as_str().unwrap().starts_with("pkg:deb/debian/"),
            "{c}"
        );
    }
    // Unlocked: Patroni's pin known, the rest up to pip.
    let unlocked = [("lock_dependencies", "false")];
    let (doc, _) = sbom(&unlocked, "rhel-9", "aarch64");
    assert_eq!(aggregates(&doc), [("incomplete".into(), 3)]);
    assert_eq!(pins_of(&doc, "patroni-venv"), ["patroni==4.1.5"]);
    assert_eq!(pins_of(&doc, "pipx-user"), ["pipx==1.7.1"]);
    let os = &doc["components"][2];
    assert_eq!(os["purl"], "pkg:rpm/redhat/python3-pip?distro=rhel-9");
    assert_eq!(
        property(os, "version"),
        Some("chosen by dnf at install time")
    );
}

#[test]
fn metadata_names_the_tool_and_the_choices() {
    let (doc, _) = sbom(&[("installer", "uv")], "ubuntu-24.04", "aarch64");
    let m = &doc["metadata"];
    assert_eq!(m["tools"]["components"][0]["name"], "patroni-bake");
    assert_eq!(m["component"]["version"], "4.1.5");
    assert_eq!(property(m, "target"), Some("ubuntu-24.04"));
    assert_eq!(property(m, "arch"), Some("aarch64"));
    assert_eq!(property(m, "param:installer"), Some("uv"));
    assert_eq!(property(m, "param:lock_dependencies"), Some("true"));
    assert!(m.get("timestamp").is_none());
}

#[test]
fn the_serial_is_derived_from_the_content_and_the_time_from_the_epoch() {
    let recipe = Recipe::embedded().unwrap();
    let plan = plan_of(&recipe, &[], "debian-13");
    let inv = inventory(&recipe, &plan, "x86_64").unwrap();
    let once = document(&inv, None).unwrap();
    assert_eq!(once, document(&inv, None).unwrap());
    let doc: Value = serde_json::from_slice(&once).unwrap();
    let serial = doc["serialNumber"].as_str().unwrap();
    let uuid = serial.strip_prefix("urn:uuid:").unwrap();
    assert_eq!(uuid.len(), 36);
    assert_eq!(&uuid[14..15], "8", "a version-8 UUID: {uuid}");
    assert!("89ab".contains(&uuid[19..20]), "RFC 9562's variant: {uuid}");
    let dated = document(&inv, Some(1_764_892_800)).unwrap();
    let dated: Value = serde_json::from_slice(&dated).unwrap();
    assert_eq!(dated["metadata"]["timestamp"], "2025-12-05T00:00:00Z");
    assert_ne!(dated["serialNumber"].as_str().unwrap(), serial);
    let other = inventory(&recipe, &plan, "aarch64").unwrap();
    let other: Value = serde_json::from_slice(&document(&other, None).unwrap()).unwrap();
    assert_ne!(other["serialNumber"].as_str().unwrap(), serial);
}

#[test]
fn a_licence_is_an_spdx_expression_a_name_or_unknown() {
    let expr = |e: &str| LicenseChoice::Expression {
        expression: e.into(),
        acknowledgement: "declared",
    };
    assert_eq!(licenses(Some("MIT")), (vec![expr("MIT")], None));
    assert_eq!(
        licenses(Some("Apache-2.0 OR BSD-3-Clause")),
        (vec![expr("Apache-2.0 OR BSD-3-Clause")], None)
    );
    let named = LicenseChoice::Named {
        license: NamedLicense {
            name: "BSD License".into(),
            acknowledgement: "declared",
        },
    };
    assert_eq!(licenses(Some("BSD License")), (vec![named.clone()], None));
    // As CycloneDX writes them.
    assert_eq!(
        serde_json::to_value(&licenses(Some("MIT")).0).unwrap(),
        serde_json::json!([{"expression": "MIT", "acknowledgement": "declared"}])
    );
    assert_eq!(
        serde_json::to_value(vec![named]).unwrap(),
        serde_json::json!([{"license": {"name": "BSD License", "acknowledgement": "declared"}}])
    );
    let unknown = Some(Property::ours("license", "unknown"));
    assert_eq!(licenses(None), (Vec::new(), unknown.clone()));
    assert_eq!(licenses(Some("  ")), (Vec::new(), unknown));
}

#[test]
fn purls_follow_the_purl_spec() {
    assert_eq!(pypi_purl("PyYAML", Some("6.0.4")), "pkg:pypi/pyyaml@6.0.4");
    assert_eq!(
        pypi_purl("typing_extensions", None),
        "pkg:pypi/typing-extensions"
    );
    assert_eq!(
        pypi_purl("foo", Some("1.0+local.1")),
        "pkg:pypi/foo@1.0%2Blocal.1"
    );
}

#[test]
fn epochs_are_utc_dates() {
    assert_eq!(rfc3339(0).unwrap(), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(951_825_599).unwrap(), "2000-02-29T11:59:59Z");
    assert_eq!(rfc3339(253_402_300_799).unwrap(), "9999-12-31T23:59:59Z");
    assert!(rfc3339(-1).is_err());
    assert!(rfc3339(253_402_300_800).is_err());
}
