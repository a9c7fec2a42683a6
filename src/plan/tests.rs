use super::*;
use crate::input::{given_map, resolve};

fn try_plan(pairs: &[(&str, &str)], target: &str) -> Result<Plan> {
    let recipe = Recipe::embedded().unwrap();
    let given = given_map(pairs.iter().copied(), "--set");
    let resolved = resolve(&recipe.def, target, &given)?;
    build(&recipe, target, &resolved)
}

fn plan(pairs: &[(&str, &str)], target: &str) -> Plan {
    try_plan(pairs, target).unwrap()
}

fn pipx(p: &Plan) -> &Pipx {
    p.install.pipx().expect("a pipx install")
}

fn pip(p: &Plan) -> &PipxPip {
    match &p.install {
        Install::PipxPip(pip) => pip,
        other => panic!("not installer=pip: {}", other.tag()),
    }
}

fn uv(p: &Plan) -> &PipxUv {
    match &p.install {
        Install::PipxUv(uv) => uv,
        other => panic!("not installer=uv: {}", other.tag()),
    }
}

fn package(p: &Plan) -> &PackageInstall {
    match &p.install {
        Install::Package(pkg) => pkg,
        other => panic!("not install_method=package: {}", other.tag()),
    }
}

fn pipx_lock(p: &Plan) -> Option<&PipxLock> {
    match &pip(p).pipx_from {
        PipxFrom::PipUser(from) => from.lock.as_ref(),
        PipxFrom::OsPackage => None,
    }
}

#[test]
fn the_json_tag_of_every_kind_is_its_tag_and_each_has_its_fragment() {
    for (pairs, kind, fragment) in [
        (&[("install_method", "package")][..], "package", "package"),
        (&[][..], "pipx-pip", "pipx-pip-locked"),
        (
            &[("lock_dependencies", "false")][..],
            "pipx-pip",
            "pipx-pip",
        ),
        (&[("installer", "uv")][..], "pipx-uv", "pipx-uv"),
    ] {
        let p = plan(pairs, "debian-12");
        let json = serde_json::to_value(&p.install).unwrap();
        assert_eq!(json["kind"], kind);
        assert_eq!(p.install.tag(), kind);
        assert!(Install::TAGS.contains(&kind));
        assert_eq!(p.install.fragment().name(), fragment);
    }
}

#[test]
fn the_package_plan_names_no_pipx_venv_uv_or_lock_outside_params() {
    let p = plan(&[("install_method", "package")], "debian-12");
    let mut json = serde_json::to_value(&p).unwrap();
    json.as_object_mut().unwrap().remove("params");
    let mut keys = Vec::new();
    fn walk(v: &serde_json::Value, keys: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => m.iter().for_each(|(k, v)| {
                keys.push(k.clone());
                walk(v, keys)
            }),
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, keys)),
            _ => {}
        }
    }
    walk(&json, &mut keys);
    let bad: Vec<&String> = keys
        .iter()
        .filter(|k| ["pipx", "venv", "uv", "lock"].iter().any(|w| k.contains(w)))
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
    assert!(!keys.is_empty());
}

#[test]
fn spec_sorts_extras_like_pipx_and_pins() {
    let p = plan(&[], "debian-12");
    assert_eq!(pipx(&p).spec, "patroni[etcd,psycopg2-binary]==4.1.5");
    assert_eq!(pipx(&p).version_line.as_deref(), Some("patroni 4.1.5"));
    assert_eq!(p.unit.kind, UnitType::Simple);
    let p = plan(
        &[
            ("patroni_version", "latest"),
            ("patroni_extras", ""),
            ("lock_dependencies", "false"),
        ],
        "debian-12",
    );
    assert_eq!(pipx(&p).spec, "patroni");
    assert_eq!(pipx(&p).version_line, None);
}

#[test]
fn notify_only_with_the_systemd_extra_and_4_1() {
    let unlocked = ("lock_dependencies", "false");
    assert_eq!(
        plan(&[("patroni_extras", "etcd,systemd"), unlocked], "debian-12")
            .unit
            .kind,
        UnitType::Notify
    );
    let old = plan(
        &[
            ("patroni_extras", "etcd,systemd"),
            ("patroni_version", "4.0.7"),
            unlocked,
        ],
        "debian-12",
    );
    assert_eq!(old.unit.kind, UnitType::Simple);
}

#[test]
fn directories_outside_home_are_made_by_root() {
    let p = plan(&[("patroni_bin_dir", "/opt/patroni/bin")], "rocky-8");
    assert_eq!(p.target, "rhel-8");
    assert_eq!(p.paths.home, "/var/lib/pgsql");
    let bin = pipx(&p)
        .paths
        .user_dirs
        .iter()
        .find(|d| d.path == "/opt/patroni/bin")
        .unwrap();
    assert!(!bin.in_home);
    assert!(pipx(&p).paths.user_dirs.iter().any(|d| d.in_home));
}

fn plan_err(pairs: &[(&str, &str)], target: &str) -> String {
    format!("{:#}", try_plan(pairs, target).unwrap_err())
}

#[test]
fn locked_plans_carry_their_locks_and_pins() {
    let p = plan(&[], "debian-12");
    let lock = pip(&p).lock.as_ref().unwrap();
    assert!(lock
        .patroni
        .patroni
        .iter()
        .any(|l| l.name == "patroni" && l.version == "4.1.5" && l.hashes.len() == 1));
    assert!(lock
        .patroni
        .patroni_pins
        .iter()
        .any(|p| p == "patroni==4.1.5"));
    assert!(lock.patroni.patroni_pins.windows(2).all(|w| w[0] < w[1]));
    assert!(lock.shared_pins.iter().any(|p| p.starts_with("pip==")));
    assert!(pipx_lock(&p).is_none());
    assert_eq!(
        lock.patroni.site_packages,
        "/var/lib/postgresql/.local/share/pipx/venvs/patroni/lib/python3.11/site-packages"
    );
    let rhel = plan(&[], "rhel-9");
    assert!(pipx_lock(&rhel)
        .unwrap()
        .reqs
        .iter()
        .any(|l| l.name == "pipx" && l.version == "1.7.1"));
    let wh = plan(&[("wheelhouse", "/srv/wheels")], "debian-13");
    assert_eq!(
        pip(&wh).lock.as_ref().unwrap().pip_source_args,
        ["--no-index", "--find-links", "/srv/wheels"]
    );
}

#[test]
fn a_missing_lock_names_the_command_that_makes_it() {
    let err = plan_err(&[("patroni_version", "4.1.4")], "debian-12");
    assert!(
        err.contains("no lock for Patroni 4.1.4: the built-in lock is for 4.1.5"),
        "{err}"
    );
    assert!(
        err.contains("patroni-bake lock --set patroni_version=4.1.4 --out patroni-4.1.4.uv.lock"),
        "{err}"
    );
    let err = plan_err(&[("patroni_version", "latest")], "debian-12");
    assert!(err.contains("'latest' cannot be locked"), "{err}");
    let err = plan_err(
        &[("wheelhouse", "/w"), ("lock_dependencies", "false")],
        "debian-12",
    );
    assert!(err.contains("needs lock_dependencies=true"), "{err}");
}

#[test]
fn the_package_method_takes_the_packages_version_and_no_pipx() {
    let p = plan(&[("install_method", "package")], "debian-12");
    let version = package(&p).version.as_ref().map(|v| v.to_string());
    assert_eq!(version.as_deref(), Some("3.0.2"));
    assert_eq!(
        package(&p).packages,
        ["patroni", "python3-etcd", "python3-psycopg2"]
    );
    assert_eq!(p.unit.exec, "/usr/bin/patroni");
    assert!(p.install.patroni_lock().is_none() && p.cloud_init.packages.is_empty());
    let rhel = plan(
        &[
            ("install_method", "package"),
            ("patroni_extras", "etcd3,psycopg2"),
        ],
        "rocky-9",
    );
    assert_eq!(rhel.os_packages.names, ["patroni", "patroni-etcd"]);
    assert_eq!(package(&rhel).version, None);

    let err = plan_err(
        &[("install_method", "package"), ("patroni_version", "4.1.5")],
        "debian-12",
    );
    assert!(
        err.contains("patroni package is 3.0.2; set patroni_version=3.0.2 or latest"),
        "{err}"
    );
    let err = plan_err(
        &[
            ("install_method", "package"),
            ("patroni_extras", "etcd,jsonlogger"),
        ],
        "debian-13",
    );
    assert!(err.contains("'jsonlogger' has no debian package"), "{err}");
    let err = plan_err(
        &[("install_method", "package"), ("wheelhouse", "/w")],
        "debian-13",
    );
    assert!(err.contains("is for install_method=pipx"), "{err}");
}

#[test]
fn every_extras_choice_renders_locked_at_the_default_version() {
    let recipe = Recipe::embedded().unwrap();
    for extras in [
        "etcd3,psycopg3",
        "consul,psycopg2",
        "zookeeper,raft,psycopg2-binary",
        "kubernetes",
        "all,psycopg2-binary",
        "aws,jsonlogger,exhibitor",
    ] {
        for target in recipe.def.targets.keys() {
            let p = plan(&[("patroni_extras", extras)], target);
            let lock = p.install.patroni_lock();
            assert!(
                lock.is_some_and(|l| !l.patroni.is_empty()),
                "{target} {extras}"
            );
        }
    }
    let p = plan(&[("patroni_extras", "etcd3,psycopg3")], "debian-12");
    let lock = p.install.patroni_lock().unwrap();
    assert!(lock.patroni.iter().any(|l| l.name == "psycopg"));
    assert!(!lock.patroni.iter().any(|l| l.name == "psycopg2-binary"));
    assert_eq!(pipx(&p).smoke_modules, ["etcd", "psycopg"]);
}

#[test]
fn an_extra_that_cannot_be_locked_on_a_target_is_refused_naming_it() {
    let mut recipe = Recipe::embedded().unwrap();
    // The test lock's package for "exotic" has an x86_64 wheel only; call it raft.
    let text = include_str!("../../tests/data/stub.uv.lock")
        .replace("exotic = [", "raft = [")
        .replace("extra = [\"exotic\"]", "extra = [\"raft\"]");
    recipe.add_lock(&text, "stub").unwrap();
    let given = given_map(
        [
            ("patroni_version", "9.9.9"),
            ("patroni_extras", "etcd,raft"),
        ],
        "--set",
    );
    let resolved = resolve(&recipe.def, "debian-12", &given).unwrap();
    let err = build(&recipe, "debian-12", &resolved)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the extra 'raft' cannot be installed locked on debian-12"),
        "{err}"
    );
    assert!(
        err.contains("no wheel for CPython 3.11 on Linux aarch64"),
        "{err}"
    );
}

#[test]
fn sdists_with_c_code_bring_the_packages_that_build_them() {
    let deb = plan(&[("patroni_extras", "psycopg2,etcd3,systemd")], "debian-12");
    assert_eq!(
        deb.os_packages.names,
        [
            "pipx",
            "gcc",
            "libpq-dev",
            "python3-dev",
            "libsystemd-dev",
            "pkg-config"
        ]
    );
    let el8 = plan(&[("patroni_extras", "psycopg2,etcd3")], "rhel-8");
    assert_eq!(
        el8.os_packages.names,
        [
            "python3.11",
            "python3.11-pip",
            "gcc",
            "libpq-devel",
            "python3.11-devel"
        ]
    );
    // Wheels only: nothing to build.
    assert_eq!(plan(&[], "debian-12").os_packages.names, ["pipx"]);
}

#[test]
fn installer_uv_takes_uv_and_pipx_from_their_lock_and_only_python_from_the_os() {
    let p = plan(&[("installer", "uv")], "debian-12");
    assert_eq!(p.install.tag(), "pipx-uv");
    assert!(p.os_packages.names.is_empty(), "no pipx from apt");
    assert_eq!(p.os_packages.python.as_ref().unwrap().package, "python3");
    assert!(
        p.cloud_init.packages.is_empty(),
        "cloud-init runs no package manager"
    );
    let uv = &uv(&p).uv;
    let names: Vec<&str> = uv.reqs.iter().map(|r| r.name.as_str()).collect();
    assert!(
        names.contains(&"uv") && names.contains(&"pipx"),
        "{names:?}"
    );
    assert!(uv.rest.iter().all(|r| r.name != "uv"));
    let arches: Vec<&str> = uv.wheels.iter().map(|w| w.arch.as_str()).collect();
    assert_eq!(arches, ["x86_64", "aarch64"]);
    for w in &uv.wheels {
        assert!(
            w.url.ends_with(&w.filename) && w.filename.contains(&w.arch),
            "{w:?}"
        );
        assert_eq!(w.sha256.len(), 64);
    }
    assert!(p.steps.iter().any(|s| s.id == "uv_installer"));
    assert!(!p.steps.iter().any(|s| s.id == "pipx_user"));
    // RHEL 8: its python3.11, and no pipx from pip.
    let p = plan(&[("installer", "uv")], "rhel-8");
    assert_eq!(p.os_packages.python.as_ref().unwrap().package, "python3.11");
    assert!(!p.steps.iter().any(|s| s.id == "pipx_user"));
    // The pip installer is untouched by it.
    let p = plan(&[], "debian-12");
    assert!(matches!(p.install, Install::PipxPip(_)) && p.os_packages.python.is_none());
    assert_eq!(p.os_packages.names, ["pipx"]);
}

#[test]
fn installer_uv_is_refused_where_it_cannot_work_with_the_way_out() {
    let err = |pairs: &[(&str, &str)], target: &str| {
        format!("{:#}", try_plan(pairs, target).unwrap_err())
    };
    let e = err(&[("installer", "uv")], "rhel-9");
    assert!(
        e.contains("needs Python >= 3.10") && e.contains("3.9") && e.contains("installer=pip"),
        "{e}"
    );
    let e = err(
        &[("installer", "uv"), ("lock_dependencies", "false")],
        "debian-12",
    );
    assert!(
        e.contains("lock_dependencies=false") && e.contains("installer=pip"),
        "{e}"
    );
    let e = err(
        &[("installer", "uv"), ("install_method", "package")],
        "debian-12",
    );
    assert!(e.contains("install_method=pipx"), "{e}");
    let e = err(&[("installer", "pipx")], "debian-12");
    assert!(e.contains("pip or uv"), "{e}");
}

#[test]
fn installer_uv_reaches_the_index_its_own_way() {
    let p = plan(
        &[
            ("installer", "uv"),
            ("ca_bundle", "/etc/corp.pem"),
            ("pip_index_url", "https://pypi.corp.example/simple"),
        ],
        "debian-12",
    );
    assert_eq!(p.network.env["SSL_CERT_FILE"], "/etc/corp.pem");
    assert_eq!(
        p.network.env["UV_DEFAULT_INDEX"],
        "https://pypi.corp.example/simple"
    );
    let p = plan(
        &[("installer", "uv"), ("wheelhouse", "/srv/wh")],
        "debian-12",
    );
    let env = &uv(&p).uv.source_env;
    assert_eq!(env["UV_OFFLINE"], "1");
    assert_eq!(env["UV_FIND_LINKS"], "/srv/wh");
}

#[test]
fn package_managers_are_named_as_serialized() {
    for pm in [PackageManager::Apt, PackageManager::Dnf] {
        assert_eq!(serde_json::to_value(pm).unwrap(), pm.as_str());
    }
}

mod inventory_of {
    use super::{pip, pipx, pipx_lock, plan, uv};
    use crate::plan::inventory::{installed, not_known, Place};

    fn count(p: &crate::plan::Plan, place: Place) -> usize {
        installed(p).iter().filter(|i| i.place == place).count()
    }

    #[test]
    fn a_locked_plan_lists_every_lock_by_place_sorted() {
        let p = plan(&[], "debian-12");
        let all = installed(&p);
        assert_eq!(
            count(&p, Place::PatroniVenv),
            pip(&p).lock.as_ref().unwrap().patroni.patroni.len()
        );
        assert_eq!(count(&p, Place::PatroniVenv), 18);
        assert_eq!(count(&p, Place::PipxShared), 4);
        assert_eq!(all.len(), 22);
        let mut sorted = all.clone();
        sorted.sort();
        assert_eq!(all, sorted);
        let patroni = all.iter().find(|i| i.name == "patroni").unwrap();
        assert_eq!(patroni.version, "4.1.5");
        assert_eq!(patroni.location, pipx(&p).paths.venv.as_str());
        assert_eq!(not_known(&p), None);
    }

    #[test]
    fn pipx_from_pip_user_and_uv_have_their_places() {
        let p = plan(&[], "rhel-9");
        assert_eq!(
            count(&p, Place::PipxUser),
            pipx_lock(&p).unwrap().reqs.len()
        );
        assert!(count(&p, Place::PipxUser) > 0);
        let p = plan(&[("installer", "uv")], "debian-12");
        assert_eq!(count(&p, Place::UvVenv), uv(&p).uv.reqs.len());
        assert!(installed(&p)
            .iter()
            .any(|i| i.place == Place::UvVenv && i.name == "uv"));
        // uv makes Patroni's venv; pipx's shared libraries are not made,
        // their lock only builds the sdists.
        assert_eq!(count(&p, Place::PipxShared), 0);
        assert_eq!(count(&p, Place::SdistBuild), 4);
    }

    #[test]
    fn an_unlocked_plan_lists_patronis_pin_and_says_what_is_not_known() {
        let p = plan(&[("lock_dependencies", "false")], "debian-12");
        let all = installed(&p);
        assert_eq!(all.len(), 1);
        assert_eq!(
            (all[0].place, all[0].version.as_str()),
            (Place::PatroniVenv, "4.1.5")
        );
        assert!(not_known(&p)
            .unwrap()
            .contains("lock_dependencies is false"));
        let p = plan(&[("install_method", "package")], "debian-12");
        let all = installed(&p);
        assert_eq!(
            (all[0].place, all[0].version.as_str()),
            (Place::OsPackage, "3.0.2")
        );
        assert!(not_known(&p)
            .unwrap()
            .contains("distribution's packages decide"));
        let p = plan(
            &[
                ("lock_dependencies", "false"),
                ("patroni_version", "latest"),
            ],
            "debian-12",
        );
        assert!(installed(&p).is_empty());
        assert!(not_known(&p)
            .unwrap()
            .contains("not even Patroni's version"));
    }
}
