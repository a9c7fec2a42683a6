use super::*;

const LOCK: &str = include_str!("../../../tests/data/stub.uv.lock");

fn env(python: &str, full: &str, arch: &str) -> Env {
    Env {
        python: python.into(),
        python_full: full.into(),
        arch: arch.into(),
    }
}

fn pins(choices: &[&str], e: &Env) -> Vec<String> {
    let lock = UvLock::parse(LOCK, "stub").unwrap();
    lock.closure(choices, e)
        .unwrap()
        .into_iter()
        .map(|l| {
            format!(
                "{}=={} {}{}",
                l.name,
                l.version,
                &l.sha256[..4],
                if l.sdist { " sdist" } else { "" }
            )
        })
        .collect()
}

#[test]
fn the_closure_follows_the_chosen_extras_only() {
    let e = env("3.11", "3.11.2", "x86_64");
    assert_eq!(
        pins(&["patroni"], &e),
        [
            "patroni==9.9.9 aaaa",
            "pyyaml==6.0.4 1111",
            "urllib3==2.8.0 0202"
        ]
    );
    assert_eq!(
        pins(&["patroni", "etcd", "psycopg2-binary"], &e),
        [
            "patroni==9.9.9 aaaa",
            "psycopg2-binary==2.9.13 4444",
            "python-etcd==0.4.5 cccc sdist",
            "pyyaml==6.0.4 1111",
            "urllib3==2.8.0 0202"
        ]
    );
    assert_eq!(pins(&["patroni-bake-shared"], &e), ["pip==25.3 7777"]);
}

#[test]
fn markers_pick_the_version_for_the_python() {
    let old = env("3.9", "3.9.21", "x86_64");
    assert!(pins(&["patroni"], &old).contains(&"urllib3==2.6.3 0606".to_string()));
    let new = env("3.13", "3.13.5", "aarch64");
    assert!(pins(&["patroni"], &new).contains(&"urllib3==2.8.0 0202".to_string()));
}

/// uv resolves a `conflicts` extra in forks of its own and marks their
/// packages `extra == 'extra-N-<project>-<extra>'`: the closure takes the
/// fork of the chosen extras, so aws holds urllib3 back only where chosen.
#[test]
fn the_fork_of_the_chosen_extras_is_taken() {
    let old = env("3.9", "3.9.21", "x86_64");
    assert_eq!(
        pins(&["patroni", "aws"], &old),
        [
            "botocore==1.42.97 b0b0",
            "patroni==9.9.9 aaaa",
            "pyyaml==6.0.4 3333",
            "urllib3==1.26.20 0101"
        ]
    );
    assert!(pins(&["patroni"], &old).contains(&"urllib3==2.6.3 0606".to_string()));
    let new = env("3.11", "3.11.2", "x86_64");
    assert!(pins(&["patroni", "aws"], &new).contains(&"urllib3==2.8.0 0202".to_string()));
}

#[test]
fn wheels_are_chosen_for_the_python_arch_and_glibc() {
    // cp311 over abi3; manylinux_2_28 over 2_17; never 2_34 (newer than
    // RHEL 8's glibc) or musllinux.
    assert!(
        pins(&["patroni"], &env("3.11", "3.11.2", "x86_64")).contains(&"pyyaml==6.0.4 1111".into())
    );
    assert!(pins(&["patroni"], &env("3.11", "3.11.2", "aarch64"))
        .contains(&"pyyaml==6.0.4 2222".into()));
    // Python 3.12 takes the abi3 wheel on x86_64, the sdist on aarch64.
    assert!(
        pins(&["patroni"], &env("3.12", "3.12.3", "x86_64")).contains(&"pyyaml==6.0.4 3333".into())
    );
    assert!(pins(&["patroni"], &env("3.12", "3.12.3", "aarch64"))
        .contains(&"pyyaml==6.0.4 9999 sdist".into()));
}

#[test]
fn a_package_with_no_file_for_the_platform_is_an_error_naming_it() {
    let lock = UvLock::parse(LOCK, "stub").unwrap();
    let err = lock
        .closure(&["patroni", "exotic"], &env("3.11", "3.11.2", "aarch64"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("exotic 1.0 has no wheel for CPython 3.11 on Linux aarch64"),
        "{err}"
    );
    assert!(lock
        .closure(&["patroni", "exotic"], &env("3.11", "3.11.2", "x86_64"))
        .is_ok());
    let err = lock
        .closure(&["nosuch"], &env("3.11", "3.11.2", "x86_64"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("the lock has no 'nosuch'"), "{err}");
}

#[test]
fn a_lock_names_its_patroni_version_and_needs_a_lock_project() {
    let lock = UvLock::parse(LOCK, "stub").unwrap();
    assert_eq!(lock.patroni_version(), Some("9.9.9"));
    assert!(lock.choices().contains(&"patroni-bake-pipx"));
    let err = UvLock::parse("version = 1\n", "x.lock").unwrap_err();
    assert!(
        format!("{err:#}").contains("names no lock project"),
        "{err:#}"
    );
}

#[test]
fn the_shipped_lock_covers_every_extra_on_every_target() {
    let recipe = crate::recipe::Recipe::embedded().unwrap();
    let lock = &recipe.locks[recipe.default_patroni_version()];
    for (name, t) in &recipe.def.targets {
        for arch in ARCHES {
            let e = env(&t.python_version, &t.python_full_version, arch);
            for extra in &recipe.def.patroni_extras {
                lock.closure(&[PATRONI_EXTRA, extra], &e)
                    .unwrap_or_else(|err| panic!("{name} {arch} {extra}: {err:#}"));
            }
        }
    }
}

/// The built-in lock records its cut-off date and the licence of every
/// distribution it holds (each one's metadata states one); a lock made
/// before the records has neither, and is still valid.
#[test]
fn the_shipped_lock_records_its_cut_off_and_every_licence() {
    let recipe = crate::recipe::Recipe::embedded().unwrap();
    let lock = &recipe.locks[recipe.default_patroni_version()];
    let cut_off = lock.cut_off().unwrap();
    assert!(cut_off.len() == 20 && cut_off.ends_with('Z'), "{cut_off}");
    let sources = lock.metadata_sources();
    assert!(sources.len() > 50, "{}", sources.len());
    for s in &sources {
        assert!(
            lock.license(&s.name, &s.version).is_some(),
            "{} {}",
            s.name,
            s.version
        );
    }
    let old = UvLock::parse(LOCK, "stub").unwrap();
    assert_eq!(old.cut_off(), None);
    assert_eq!(old.license("pyyaml", "6.0.4"), None);
}

/// No unchosen extra holds anything back: rhel-9 (Python 3.9) takes
/// urllib3 2.x and python-dateutil 3 unless aws is chosen, which needs
/// botocore's urllib3<2 and python-dateutil<3.
#[test]
fn the_shipped_lock_holds_rhel_9_back_only_where_aws_is_chosen() {
    let recipe = crate::recipe::Recipe::embedded().unwrap();
    let lock = &recipe.locks[recipe.default_patroni_version()];
    let e = env("3.9", "3.9.21", "x86_64");
    let version_of = |choices: &[&str], name: &str| {
        lock.closure(choices, &e)
            .unwrap()
            .into_iter()
            .find(|l| l.name == name)
            .map(|l| l.version)
            .unwrap()
    };
    let default = [PATRONI_EXTRA, "psycopg2-binary", "etcd"];
    assert!(version_of(&default, "urllib3").starts_with("2."));
    assert!(version_of(&default, "python-dateutil").starts_with("3."));
    let aws = [PATRONI_EXTRA, "psycopg2-binary", "etcd", "aws"];
    assert!(version_of(&aws, "urllib3").starts_with("1.26."));
    assert!(version_of(&aws, "python-dateutil").starts_with("2."));
}
