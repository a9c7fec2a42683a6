//! Vars files as users write them: Ansible group_vars with Jinja
//! expressions, facts, directories, vault values, and their errors.

use std::fs;

use crate::common::*;

#[test]
fn an_ansible_group_vars_file_works_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let vars = dir.path().join("all.yml");
    fs::write(
        &vars,
        "---\n# group_vars/all.yml\nis_ha_cluster: true\npg_version: 17\ncluster_name: demo\n\
         patroni_bin_dir: \"{{ pg_home }}/bin\"\npatroni_config_dir: /etc/patroni\npatroni_bindir: typo\n",
    )
    .unwrap();
    let out = render(&[
        "-t",
        "debian-12",
        "-f",
        "unit",
        "--vars",
        vars.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout)
        .contains("ExecStart=/var/lib/postgresql/bin/patroni /etc/patroni/patroni.yaml"));
    let err = text(&out.stderr);
    assert!(
        err.contains("all.yml: 4 keys are not patroni-bake parameters, read only where a parameter refers to them (--verbose lists them)")
            && !err.contains("is_ha_cluster"),
        "{err}"
    );
    assert!(
        err.contains(
            "all.yml:8: patroni_bindir is not a parameter; did you mean 'patroni_bin_dir'?"
        ),
        "{err}"
    );
    let verbose = render(&[
        "-t",
        "debian-12",
        "-f",
        "unit",
        "-v",
        "--vars",
        vars.to_str().unwrap(),
    ]);
    let err = text(&verbose.stderr);
    assert!(
        err.contains("refers to them: is_ha_cluster, pg_version, cluster_name, patroni_bindir"),
        "{err}"
    );
}

#[test]
fn toml_vars_and_set_wins_over_vars() {
    let dir = tempfile::tempdir().unwrap();
    let vars = dir.path().join("vars.toml");
    fs::write(&vars, "patroni_config_dir = \"/srv/from-file\"\npatroni_extras = [\"etcd3\", \"psycopg2-binary\"]\nlock_dependencies = false\n").unwrap();
    let v = vars.to_str().unwrap();
    let unit =
        |args: &[&str]| text(&render(&[&["-t", "debian-12", "-f", "unit"], args].concat()).stdout);
    assert!(unit(&["--vars", v]).contains("/srv/from-file/patroni.yaml"));
    assert!(
        unit(&["--vars", v, "--set", "patroni_config_dir=/srv/from-set"])
            .contains("/srv/from-set/patroni.yaml")
    );
    // --set wins over every vars file wherever it stands, as Ansible's -e.
    assert!(
        unit(&["--set", "patroni_config_dir=/srv/from-set", "--vars", v])
            .contains("/srv/from-set/patroni.yaml")
    );
    let sh = text(&render(&["-t", "debian-12", "--vars", v]).stdout);
    assert!(
        sh.contains("'patroni[etcd3,psycopg2-binary]==4.1.5'"),
        "extras from a TOML list"
    );
}

#[test]
fn bad_vars_files_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    fs::write(p("syntax.yml"), "a: 1\npatroni_bin_dir: [unclosed\n").unwrap();
    fs::write(p("type.yml"), "pg_version: 17\npatroni_bin_dir:\n  - /a\n").unwrap();
    fs::write(p("float.yml"), "patroni_version: 4.1\n").unwrap();
    fs::write(p("empty.yml"), "\n").unwrap();
    fs::write(p("comments.yml"), "# nothing\n---\n").unwrap();
    fs::write(p("list.yml"), "- a\n- b\n").unwrap();
    fs::write(p("latin1.yml"), b"pg_home: /caf\xe9\n").unwrap();
    fs::write(p("bad.toml"), "x = 1\ny = \n").unwrap();
    let vars = |name: &str| render(&["-t", "debian-12", "--vars", p(name).to_str().unwrap()]);
    let path = |name: &str| p(name).to_str().unwrap().to_string();
    assert_usage_error(
        &vars("syntax.yml"),
        &[&format!("{}:3:", path("syntax.yml")), "YAML syntax error"],
    );
    assert_usage_error(
        &vars("type.yml"),
        &[
            &format!("{}:2: patroni_bin_dir", path("type.yml")),
            "a list",
        ],
    );
    assert_usage_error(&vars("float.yml"), &["patroni_version", "quote it"]);
    assert_usage_error(&vars("empty.yml"), &["is empty"]);
    assert_usage_error(&vars("comments.yml"), &["holds no values"]);
    assert_usage_error(&vars("list.yml"), &["top level is a list"]);
    assert_usage_error(
        &vars("latin1.yml"),
        &[&format!("{}:1:", path("latin1.yml")), "UTF-8"],
    );
    assert_usage_error(
        &vars("bad.toml"),
        &[&format!("{}:2:", path("bad.toml")), "TOML"],
    );
    assert_usage_error(&vars("missing.yml"), &["missing.yml", "no such file"]);
    let none = tempfile::tempdir().unwrap();
    fs::write(none.path().join("notes.txt"), "x: 1\n").unwrap();
    assert_usage_error(
        &render(&["-t", "debian-12", "--vars", none.path().to_str().unwrap()]),
        &["holds no *.yml, *.yaml or *.json file"],
    );
}

/// `render -f unit` with the given arguments: (exit code, stdout, stderr).
fn unit_with(args: &[&str]) -> (i32, String, String) {
    let out = render(&[&["-f", "unit"], args].concat());
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

#[test]
fn pgedge_shared_variables_render_every_family_with_ansibles_values() {
    for (vars, target, home) in [
        (
            "tests/data/pgedge_all.yml",
            "debian-12",
            "/var/lib/postgresql",
        ),
        (
            "tests/data/pgedge_all.yml",
            "ubuntu-24.04",
            "/var/lib/postgresql",
        ),
        ("tests/data/pgedge_all.yml", "rhel-9", "/var/lib/pgsql"),
        ("tests/data/pgedge_all.yml", "rocky-8", "/var/lib/pgsql"),
        (
            "tests/data/pgedge_all_facts.yml",
            "debian-13",
            "/var/lib/postgresql",
        ),
        (
            "tests/data/pgedge_all_facts.yml",
            "ubuntu-22.04",
            "/var/lib/postgresql",
        ),
        (
            "tests/data/pgedge_all_facts.yml",
            "alma-9",
            "/var/lib/pgsql",
        ),
        (
            "tests/data/pgedge_all_facts.yml",
            "rhel-8",
            "/var/lib/pgsql",
        ),
    ] {
        renders_with_the_home_ansible_gives(vars, target, home);
    }
}

/// `vars` renders on `target` with `home` as the user's home, and check
/// with the same file is clean.
fn renders_with_the_home_ansible_gives(vars: &str, target: &str, home: &str) {
    let (code, unit, err) = unit_with(&["-t", target, "--vars", vars]);
    assert_eq!(code, 0, "{target}: {err}");
    assert!(
        unit.contains(&format!(
            "ExecStart={home}/.local/bin/patroni /etc/patroni/patroni.yaml"
        )),
        "{target}: {unit}"
    );
    assert!(!err.contains("did you mean"), "{target}: {err}");
    assert_eq!(err.lines().count(), 1, "{target}: one note line: {err}");
    let sh = text(&render(&["-t", target, "--vars", vars]).stdout);
    assert!(sh.contains(&format!("HOME={home}")), "{target}");
    let dir = tempfile::tempdir().unwrap();
    let args = |cmd: &'static str| [cmd, "-t", target, "--vars", vars, "--out"];
    let out = bin().args(args("render")).arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "{target}: {}", text(&out.stderr));
    let out = bin().args(args("check")).arg(dir.path()).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{target}: {}",
        text(&out.stderr)
    );
}

#[test]
fn a_group_vars_directory_is_read_as_ansible_reads_it_and_set_wins() {
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("all");
    fs::create_dir(&all).unwrap();
    let put = |name: &str, body: &str| fs::write(all.join(name), body).unwrap();
    put("10-base.yml", "base: /srv\npatroni_config_dir: /a\n");
    put("20-site.yaml", "patroni_config_dir: \"{{ base }}/b\"\n");
    put(
        "30-last.json",
        "{\"patroni_config_dir\": \"{{ base }}/c\"}\n",
    );
    put(".hidden.yml", "patroni_config_dir: /hidden\n");
    put("README.md", "patroni_config_dir: /readme\n");
    put("90-site.yml~", "patroni_config_dir: /backup\n");
    let d = all.to_str().unwrap();
    let (code, unit, err) = unit_with(&["-t", "debian-12", "--vars", d]);
    assert_eq!(code, 0, "{err}");
    assert!(unit.contains("/srv/c/patroni.yaml"), "{unit}");
    // As Ansible: a subdirectory is read in its place in the order, a
    // file with no extension is a vars file, a directory with one is not.
    fs::create_dir(all.join("40-zone")).unwrap();
    put("40-zone/a.yml", "patroni_config_dir: \"{{ base }}/d\"\n");
    fs::create_dir(all.join("45-old.d")).unwrap();
    put("45-old.d/a.yml", "patroni_config_dir: /old\n");
    let (code, unit, err) = unit_with(&["-t", "debian-12", "--vars", d]);
    assert_eq!(code, 0, "{err}");
    assert!(unit.contains("/srv/d/patroni.yaml"), "{unit}");
    put("50-plain", "patroni_config_dir: /srv/e\n");
    let (_, unit, _) = unit_with(&["-t", "debian-12", "--vars", d]);
    assert!(unit.contains("/srv/e/patroni.yaml"), "{unit}");
    let (_, unit, _) = unit_with(&[
        "-t",
        "debian-12",
        "--set",
        "patroni_config_dir=/x",
        "--vars",
        d,
    ]);
    assert!(unit.contains("/x/patroni.yaml"), "{unit}");
    // A later --vars wins over an earlier one.
    let last = dir.path().join("last.yml");
    fs::write(&last, "patroni_config_dir: /z\n").unwrap();
    let (_, unit, _) = unit_with(&[
        "-t",
        "debian-12",
        "--vars",
        d,
        "--vars",
        last.to_str().unwrap(),
    ]);
    assert!(unit.contains("/z/patroni.yaml"), "{unit}");
}

#[test]
fn a_fact_only_the_host_knows_is_named_and_given_with_fact() {
    let dir = tempfile::tempdir().unwrap();
    let vars = dir.path().join("all.yml");
    fs::write(
        &vars,
        "x: 1\npatroni_config_dir: \"/etc/patroni-{{ ansible_hostname }}\"\n",
    )
    .unwrap();
    let v = vars.to_str().unwrap();
    let (code, _, err) = unit_with(&["-t", "debian-12", "--vars", v]);
    assert_eq!(code, 2, "{err}");
    for want in [
        &format!("{v}:2: patroni_config_dir '/etc/patroni-{{{{ ansible_hostname }}}}'"),
        "`ansible_hostname` is an Ansible fact",
        "--fact ansible_hostname=VALUE",
    ] {
        assert!(err.contains(want), "{want}: {err}");
    }
    let (code, unit, err) = unit_with(&[
        "-t",
        "debian-12",
        "--vars",
        v,
        "--fact",
        "ansible_hostname=db1",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(unit.contains("/etc/patroni-db1/patroni.yaml"), "{unit}");
    let (code, _, err) = unit_with(&["-t", "debian-12", "--fact", "pg_home=/x"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("is a parameter; set it with --set pg_home=VALUE"),
        "{err}"
    );
}

#[test]
fn vault_cycles_and_syntax_errors_in_used_keys_exit_2_with_file_line_and_expression() {
    let dir = tempfile::tempdir().unwrap();
    let put = |name: &str, body: &str| {
        let p = dir.path().join(name);
        fs::write(&p, body).unwrap();
        p.to_str().unwrap().to_string()
    };
    let vault = put("vault.yml", "other: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3933\npg_user: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6638\n");
    let (code, _, err) = unit_with(&["-t", "debian-12", "--vars", &vault]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "{vault}:4: pg_user: the value is encrypted with ansible-vault"
        )),
        "{err}"
    );
    assert!(err.contains("--set pg_user=VALUE"), "{err}");
    let cycle = put("cycle.yml", "a: \"{{ pg_home }}\"\npg_home: \"{{ a }}\"\n");
    let (code, _, err) = unit_with(&["-t", "debian-12", "--vars", &cycle]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("references form a cycle: pg_home -> a -> pg_home"),
        "{err}"
    );
    let syntax = put("syntax.yml", "pg_home: \"{{ 'a' if }}\"\n");
    let (code, _, err) = unit_with(&["-t", "debian-12", "--vars", &syntax]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "{syntax}:1: pg_home '{{{{ 'a' if }}}}': Jinja syntax error"
        )),
        "{err}"
    );
    let undefined = put("undefined.yml", "pg_home: \"{{ pg_homedir }}\"\n");
    let (code, _, err) = unit_with(&["-t", "debian-12", "--vars", &undefined]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`pg_homedir` is undefined"), "{err}");
}

#[test]
fn yaml_as_ansible_reads_it_merge_keys_and_a_repeated_key() {
    let dir = tempfile::tempdir().unwrap();
    let vars = dir.path().join("all.yml");
    fs::write(
        &vars,
        "site: &site\n  patroni_config_dir: /etc/site\n<<: *site\n\
         patroni_config_dir: /etc/first\nx: 1\npatroni_config_dir: /etc/second\n",
    )
    .unwrap();
    let (code, unit, err) = unit_with(&["-t", "debian-12", "--vars", vars.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(unit.contains("/etc/second/patroni.yaml"), "{unit}");
    assert!(
        err.contains("all.yml:6: patroni_config_dir is set again (first at")
            && err.contains("all.yml:4); the later value wins"),
        "{err}"
    );
}
