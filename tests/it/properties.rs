//! Property tests: any valid set of parameters renders, the script passes
//! shellcheck and dash -n, and rendering twice gives the same bytes.

use std::collections::BTreeMap;

use crate::common::*;
use patroni_bake::input as params;
use patroni_bake::recipe::Recipe;
use patroni_bake::render::{Format, Renderer};
use proptest::prelude::*;

fn path() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-z0-9_+@,-][a-z0-9._+@,-]{0,7}", 1..4)
        .prop_map(|parts| format!("/{}", parts.join("/")))
}

/// Some of Patroni's extras.
fn extras() -> impl Strategy<Value = Vec<&'static str>> {
    prop::sample::subsequence(
        vec![
            "etcd",
            "etcd3",
            "consul",
            "psycopg2-binary",
            "psycopg3",
            "systemd",
            "raft",
            "kubernetes",
        ],
        0..4,
    )
}

/// What [`params`] draws, in the order it draws it: the four paths (home,
/// bin, config, pipx), user, group, version, extras, a URL or none, a CA
/// bundle or none, and whether locked (with a wheelhouse or none).
type Drawn = (
    (String, String, String, String),
    String,
    String,
    String,
    Vec<&'static str>,
    String,
    String,
    (bool, String),
);

fn drawn() -> impl Strategy<Value = Drawn> {
    (
        (path(), path(), path(), path()),
        "[a-z_][a-z0-9_-]{0,12}",
        "[a-z_][a-z0-9_-]{0,12}",
        prop_oneof![
            "(0|[1-9][0-9]?)\\.(0|[1-9][0-9]?)(\\.(0|[1-9][0-9]?))?(rc[0-9])?",
            Just("latest".to_string())
        ],
        extras(),
        prop_oneof![
            Just(String::new()),
            "https?://[a-z]{1,8}(\\.[a-z]{2,4})?(:[0-9]{2,5})?(/[a-z%]{0,6})?"
        ],
        prop_oneof![Just(String::new()), path()],
        (any::<bool>(), prop_oneof![Just(String::new()), path()]),
    )
}

/// `extras` as `patroni_extras`, with a driver always: a choice without
/// one is refused.
fn with_a_driver(mut extras: Vec<&'static str>) -> String {
    if !extras.iter().any(|x| x.starts_with("psycopg")) {
        extras.push("psycopg2");
    }
    extras.join(",")
}

/// The parameters of what was drawn.
fn params_of(drawn: Drawn) -> BTreeMap<String, String> {
    let ((home, bin, conf, pipx), user, group, version, extras, url, ca, (locked, wheelhouse)) =
        drawn;
    let mut p = BTreeMap::from([
        ("pg_home".to_string(), home),
        ("patroni_bin_dir".into(), bin),
        ("patroni_config_dir".into(), conf),
        ("pipx_home".into(), pipx),
        ("pg_user".into(), user),
        ("pg_group".into(), group),
        ("patroni_version".into(), version),
        ("patroni_extras".into(), with_a_driver(extras)),
        ("https_proxy".into(), url.clone()),
        ("pip_index_url".into(), url),
        ("ca_bundle".into(), ca),
    ]);
    // Locked: the version and extras of a shipped lock.
    if locked {
        p.remove("patroni_version");
        p.remove("patroni_extras");
        p.insert("wheelhouse".into(), wheelhouse);
    } else {
        p.insert("lock_dependencies".into(), "false".into());
    }
    p
}

fn params() -> impl Strategy<Value = BTreeMap<String, String>> {
    drawn()
        .prop_map(params_of)
        .prop_filter("no '.' or '..' components", |p| {
            p.values()
                .all(|v| !v.split('/').any(|c| c == "." || c == ".."))
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn valid_parameters_render_deterministically_and_lint_clean(
        values in params(),
        target in prop::sample::select(vec!["debian-12", "debian-13", "ubuntu-24.04", "rhel-8", "rhel-9"]),
    ) {
        let recipe = Recipe::embedded().unwrap();
        let given = params::given_map(&values, "proptest");
        let plan = plan_of(&recipe, target, &given).unwrap();
        let renderer = Renderer::new(&recipe).unwrap();
        let once = renderer.render_all(&plan).unwrap();
        let twice = Renderer::new(&recipe).unwrap().render_all(&plan).unwrap();
        prop_assert_eq!(&once, &twice);
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("install.sh");
        std::fs::write(&script, &once[&camino::Utf8PathBuf::from(Format::Shell.file_name())]).unwrap();
        let sc = validator("shellcheck", &["-s", "sh"], &script);
        prop_assert!(sc.status.success(), "shellcheck:\n{}", text(&sc.stdout));
        let dash = validator("dash", &["-n"], &script);
        prop_assert!(dash.status.success(), "dash -n:\n{}", text(&dash.stderr));
    }
}
