//! The command line as a user meets it: errors, vars files, --out, check,
//! determinism.

use std::fs;
use std::process::Output;

use crate::common::*;

fn render(args: &[&str]) -> Output {
    run(bin().arg("render").args(args))
}

/// Exit 2, nothing on stdout, and stderr naming every `needles`.
fn assert_usage_error(out: &Output, needles: &[&str]) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "expected exit 2; stderr: {err}");
    assert!(
        out.stdout.is_empty(),
        "stdout must be empty on error: {}",
        text(&out.stdout)
    );
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}:\n{err}");
    }
}

#[test]
fn bad_target_key_and_values_are_usage_errors_with_suggestions() {
    assert_usage_error(
        &render(&["-t", "debian-21"]),
        &["unknown target 'debian-21'", "did you mean 'debian-12'"],
    );
    assert_usage_error(
        &render(&["-t", "debian-12", "--set", "patroni_bindir=/x"]),
        &["'patroni_bindir'", "did you mean 'patroni_bin_dir'"],
    );
    assert_usage_error(
        &render(&["-t", "debian-12", "--set", "novalue"]),
        &["KEY=VALUE"],
    );
    assert_usage_error(
        &render(&["-t", "debian-12", "--set", "patroni_bin_dir=opt/bin"]),
        &["patroni_bin_dir 'opt/bin'", "not absolute", "Allowed"],
    );
    assert_usage_error(
        &render(&[
            "-t",
            "debian-12",
            "--set",
            "patroni_config_dir=/etc/pat roni",
        ]),
        &["a space"],
    );
    assert_usage_error(
        &render(&["-t", "debian-12", "--set", "patroni_extras=etcd,consull"]),
        &["'consull'", "did you mean 'consul'"],
    );
    assert_usage_error(
        &render(&["-t", "debian-12", "--set", "patroni_version=v4.1"]),
        &["patroni_version 'v4.1'", "PEP 440"],
    );
    assert_usage_error(
        &render(&["-t", "debian-12", "--set", "pg_user=Postgres"]),
        &["pg_user 'Postgres'"],
    );
    assert_usage_error(
        &render(&["-t", "debian-12", "--set", "https_proxy=proxy:3128"]),
        &["https_proxy", "http://"],
    );
    assert_usage_error(&render(&["-t", "debian-12", "-f", "all"]), &["--out"]);
    assert_usage_error(&render(&["-t", "debian-12", "-f", "pdf"]), &["pdf"]);
}

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

#[test]
fn renders_are_byte_equal_whatever_the_environment() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let one = run(bin()
        .args(["render", "-t", "rhel-8", "--out"])
        .arg(a.path().join("r"))
        .env("TZ", "UTC")
        .env("LANG", "C")
        .env("HOME", "/nonexistent")
        .current_dir("/"));
    let two = run(bin()
        .args(["render", "-t", "rhel-8", "--out", "r"])
        .env("TZ", "Pacific/Kiritimati")
        .env("LANG", "tr_TR.UTF-8")
        .env("LC_ALL", "tr_TR.UTF-8")
        .env("HOME", b.path())
        .current_dir(b.path()));
    assert!(one.status.success() && two.status.success());
    for name in [
        "install.sh",
        "Dockerfile",
        "cloud-init.yaml",
        "patroni.service",
        "SHA256SUMS",
    ] {
        let x = fs::read(a.path().join("r").join(name)).unwrap();
        let y = fs::read(b.path().join("r").join(name)).unwrap();
        assert_eq!(x, y, "{name} differs between environments");
        assert!(!x.contains(&b'\r'), "{name} has CR");
        let s = text(&x);
        assert!(
            !s.contains(b.path().to_str().unwrap()) && !s.contains("/tmp"),
            "{name} names a local path"
        );
    }
}

#[test]
fn out_replaces_only_its_own_rendering_and_check_reports_drift() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let o = out.to_str().unwrap();
    assert!(render(&["-t", "debian-12", "--out", o]).status.success());
    assert!(
        render(&["-t", "debian-13", "--out", o]).status.success(),
        "a rendering is replaced by the next"
    );
    let mode = |n: &str| {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(out.join(n)).unwrap().permissions().mode() & 0o777
    };
    assert_eq!((mode("install.sh"), mode("Dockerfile")), (0o755, 0o644));

    let check = |t: &str| run(bin().args(["check", "-t", t, "--out", o]));
    assert_eq!(check("debian-13").status.code(), Some(0));
    let drift = check("debian-12");
    assert_eq!(drift.status.code(), Some(1));
    assert!(
        text(&drift.stdout).contains("-# Install Patroni on Debian 13")
            && text(&drift.stdout).contains("+# Install Patroni on Debian 12")
    );

    // A failed render leaves the directory exactly as it was.
    let before = fs::read(out.join("install.sh")).unwrap();
    assert_usage_error(
        &render(&["-t", "debian-12", "--set", "pg_home=x", "--out", o]),
        &["pg_home"],
    );
    assert_eq!(fs::read(out.join("install.sh")).unwrap(), before);

    // A directory with files of its own is refused, and left alone.
    fs::write(out.join("notes.txt"), "mine").unwrap();
    assert_usage_error(&render(&["-t", "debian-12", "--out", o]), &["notes.txt"]);
    assert_eq!(fs::read(out.join("install.sh")).unwrap(), before);
    assert_eq!(
        check("debian-13").status.code(),
        Some(1),
        "an extra file is drift"
    );

    // A symlink as --out is refused, not followed.
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&out, &link).unwrap();
    assert_usage_error(
        &render(&["-t", "debian-12", "--out", link.to_str().unwrap()]),
        &["symbolic link"],
    );
    assert_eq!(fs::read(out.join("install.sh")).unwrap(), before);
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "temporary directories left: {leftovers:?}"
    );
}

/// A copy of recipes/ to edit: (its directory, its install_patroni/).
fn recipe_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("install_patroni");
    fs::create_dir_all(copy.join("steps")).unwrap();
    for entry in walk(&repo().join("recipes/install_patroni")) {
        let rel = entry
            .strip_prefix(repo().join("recipes/install_patroni"))
            .unwrap();
        fs::copy(&entry, copy.join(rel)).unwrap();
    }
    (dir, copy)
}

#[test]
fn a_step_line_the_dockerfile_cannot_hold_is_refused_naming_the_template_line() {
    let (dir, copy) = recipe_copy();
    let step = copy.join("steps/config_dir.sh.j2");
    let source = fs::read_to_string(&step).unwrap();
    fs::write(&step, format!("cat >/tmp/x <<EOF\nx\nEOF\n{source}")).unwrap();
    let out = render(&[
        "-t",
        "debian-12",
        "-f",
        "dockerfile",
        "--recipes",
        dir.path().to_str().unwrap(),
    ]);
    let err = text(&out.stderr);
    assert!(!out.status.success() && out.stdout.is_empty(), "{err}");
    assert!(
        err.contains("steps/config_dir.sh.j2 line 1: `cat >/tmp/x <<EOF`")
            && err.contains("here-document")
            && err.contains("encoding step config_dir"),
        "{err}"
    );
    // A step is also a RUN (and indentation would break a heredoc):
    // install.sh refuses it as well.
    let out = render(&["-t", "debian-12", "--recipes", dir.path().to_str().unwrap()]);
    assert!(!out.status.success() && out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("here-document"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn recipes_dir_overrides_the_embedded_recipe() {
    let (dir, copy) = recipe_copy();
    let unit = copy.join("patroni.service.j2");
    let t = fs::read_to_string(&unit)
        .unwrap()
        .replace("TimeoutSec=30", "TimeoutSec=45");
    fs::write(&unit, t).unwrap();
    let out = render(&[
        "-t",
        "debian-12",
        "-f",
        "unit",
        "--recipes",
        dir.path().to_str().unwrap(),
    ]);
    assert!(
        text(&out.stdout).contains("TimeoutSec=45"),
        "{}",
        text(&out.stderr)
    );
    assert_usage_error(
        &render(&["-t", "debian-12", "--recipes", "/nonexistent"]),
        &["/nonexistent"],
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn targets_and_params_list_everything() {
    let targets = text(&run(bin().arg("targets")).stdout);
    for t in [
        "debian-12",
        "debian-13",
        "ubuntu-22.04",
        "ubuntu-24.04",
        "rhel-8",
        "rhel-9",
        "rocky-9",
        "python3.11 (3.11)",
    ] {
        assert!(targets.contains(t), "{t} missing from:\n{targets}");
    }
    let params = text(&run(bin().arg("params")).stdout);
    for p in [
        "patroni_bin_dir",
        "{{ pg_home }}/.local/bin",
        "debian: /var/lib/postgresql, rhel: /var/lib/pgsql",
        "4.1.5",
    ] {
        assert!(params.contains(p), "{p} missing from:\n{params}");
    }
    let rhel = text(&run(bin().args(["params", "-t", "alma-8"])).stdout);
    assert!(
        rhel.contains("/var/lib/pgsql") && !rhel.contains("/var/lib/postgresql"),
        "{rhel}"
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
    let vars = "tests/data/pgedge_all.yml";
    for (target, home) in [
        ("debian-12", "/var/lib/postgresql"),
        ("ubuntu-24.04", "/var/lib/postgresql"),
        ("rhel-9", "/var/lib/pgsql"),
        ("rocky-8", "/var/lib/pgsql"),
    ] {
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
    }
}

#[test]
fn a_group_vars_directory_is_read_in_lexical_order_and_set_wins() {
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
    let d = all.to_str().unwrap();
    let (code, unit, err) = unit_with(&["-t", "debian-12", "--vars", d]);
    assert_eq!(code, 0, "{err}");
    assert!(unit.contains("/srv/c/patroni.yaml"), "{unit}");
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
fn cloud_init_over_its_limit_is_compressed_or_refused_with_the_sizes() {
    let (code, yaml, err) = {
        let out = render(&[
            "-t",
            "rhel-9",
            "-f",
            "cloud-init",
            "--set",
            "cloud_init_limit=65536",
        ]);
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    assert_eq!(code, Some(0), "{err}");
    assert!(!yaml.contains("gz+b64"), "readable where it fits");
    let out = render(&[
        "-t",
        "rhel-9",
        "-f",
        "cloud-init",
        "--set",
        "cloud_init_limit=1024",
    ]);
    assert_usage_error(
        &out,
        &[
            "even with the script gzip-compressed",
            "over cloud_init_limit 1024",
            "65536",
        ],
    );
    let out = render(&[
        "-t",
        "rhel-9",
        "-f",
        "cloud-init",
        "--set",
        "cloud_init_limit=16k",
    ]);
    assert_usage_error(
        &out,
        &["cloud_init_limit '16k' is not valid", "1024 to 16777216"],
    );
}
