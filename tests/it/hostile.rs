//! Quoting as the second line of defence: with validation switched off (here
//! only), hostile values are rendered into install.sh, which then runs under
//! dash, bash and busybox sh with every command that would touch the system
//! replaced by a stub that records its arguments. No sentinel command may
//! run, and every value must arrive byte-exact.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::*;
use patroni_bake::plan;
use patroni_bake::recipe::Recipe;
use patroni_bake::render::{Format, Renderer};

/// Hostile values; `SENT` is replaced by the sentinel's path.
fn corpus(sentinel: &Path) -> Vec<String> {
    let s = sentinel.display().to_string();
    let mut v: Vec<String> = [
        "it's \"quoted\"",
        "$(touch SENT)",
        "`touch SENT`",
        "; touch SENT",
        "| touch SENT",
        "& touch SENT &",
        "&& touch SENT",
        "x\ntouch SENT\n",
        "${IFS}touch${IFS}SENT",
        "/tmp/*",
        "?[a-z]*",
        "-rf",
        "--help",
        "~",
        "~root",
        "yes",
        "0700",
        "null",
        "#comment",
        "a\\b\\",
        "100% $HOME %n %%",
        "ünïcødé ✓ 漢字",
        "'",
        "\"",
        "\t tab and  spaces ",
        "\r\n",
        "'; touch SENT; echo '",
        "\"; touch SENT; echo \"",
    ]
    .iter()
    .map(|x| x.replace("SENT", &s))
    .collect();
    v.push("x".repeat(64 * 1024));
    v
}

/// Commands the script may run, replaced by stubs that record argv
/// (NUL-separated, one file per call) and answer as on a fresh host.
const STUBS: &[(&str, &str)] = &[
    ("id", "echo 0"),
    (
        "getent",
        "[ \"$1\" = passwd ] && printf '%s:x:999:999::%s:/bin/sh\\n' \"$2\" \"$STUB_HOME\"; exit 0",
    ),
    ("dpkg-query", "exit 1"),
    ("rpm", "exit 1"),
    ("apt-get", ""),
    ("dnf", ""),
    (
        "runuser",
        "case \" $* \" in *' sh -c '*) echo changed ;; *' --version ') echo \"$STUB_VERSION\" ;; esac",
    ),
    ("mkdir", ""),
    ("chown", ""),
    ("chmod", ""),
    ("mv", ""),
    ("rm", ""),
    ("mktemp", "/usr/bin/mktemp \"$STUB_DIR/tmp.XXXXXX\""),
    ("cmp", "exit 1"),
    ("stat", "echo x"),
    ("grep", "exit 1"),
    ("systemctl", ""),
    // The venv after the install: the dist-info directories of the lock.
    ("ls", "cat \"$STUB_DIR/dists\""),
    ("tee", "cat >/dev/null"),
];

/// `name-version.dist-info` lines for the pins `name==version ...`.
fn dist_infos(pins: &[String]) -> String {
    pins.iter()
        .map(|p| format!("{}.dist-info\n", p.replace('-', "_").replace("==", "-")))
        .collect()
}

fn write_stubs(dir: &Path) {
    for (name, body) in STUBS {
        let p = dir.join(name);
        let script = format!(
            "#!/bin/sh\nf=$(/usr/bin/mktemp \"$STUB_LOG/call.XXXXXX\")\nprintf '%s\\0' {name} \"$@\" > \"$f\"\n{body}\n"
        );
        fs::write(&p, script).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

fn calls(log: &Path) -> Vec<Vec<String>> {
    fs::read_dir(log)
        .unwrap()
        .map(|e| {
            let bytes = fs::read(e.unwrap().path()).unwrap();
            String::from_utf8(bytes)
                .unwrap()
                .split_terminator('\0')
                .map(String::from)
                .collect()
        })
        .collect()
}

const SHELLS: &[&[&str]] = &[&["dash"], &["bash", "--posix"], &["busybox", "sh"]];

/// The given values for corpus entry `i`: every parameter hostile, but
/// for those that cannot be (typed, or out of reach of one argument).
/// Returns whether the install is locked.
fn hostile_given(
    recipe: &Recipe,
    i: usize,
    value: &str,
    home: &str,
) -> (BTreeMap<String, String>, bool) {
    let mut given: BTreeMap<String, String> = recipe
        .def
        .params
        .keys()
        .map(|k| (k.clone(), value.to_string()))
        .collect();
    given.insert("pg_home".into(), home.to_string());
    // install_method, installer, cloud_init_limit and patroni_version are
    // typed in the plan (enums, a number, a PEP 440 version): no string
    // reaches a template through them.
    for typed in [
        "install_method",
        "installer",
        "cloud_init_limit",
        "patroni_version",
    ] {
        given.remove(typed);
    }
    // Every other value goes through the locked install (Patroni's
    // extras stay those of a shipped lock; the wheelhouse is hostile), the
    // rest through the unlocked one (the extras hostile).
    let locked = i % 2 == 0;
    if locked {
        given.remove("patroni_extras");
        given.insert("lock_dependencies".into(), "true".into());
    } else {
        given.remove("wheelhouse");
        given.insert("lock_dependencies".into(), "false".into());
    }
    keep_in_reach(&mut given, value);
    (given, locked)
}

/// Leave out the parameters `value` cannot reach: a line break in one
/// that reaches the unit, a long value in one joined with another into
/// one argument.
fn keep_in_reach(given: &mut BTreeMap<String, String>, value: &str) {
    // A unit cannot hold a line break (tested below): these values stay
    // out of the parameters that reach the unit.
    if value.contains(['\n', '\r']) {
        let unit = [
            "pg_user",
            "pg_group",
            "patroni_bin_dir",
            "patroni_config_dir",
        ];
        given.retain(|k, _| !unit.contains(&k.as_str()));
    }
    // A path or a name cannot be 64 KiB, and the PATH block or `chown
    // USER:GROUP` joins two of them into one argument, past the kernel's
    // 128 KiB limit: the long value goes where a long value can go.
    if value.len() > 1024 {
        given.retain(|k, _| {
            [
                "pg_home",
                "pip_index_url",
                "http_proxy",
                "https_proxy",
                "no_proxy",
                "wheelhouse",
                "lock_dependencies",
            ]
            .contains(&k.as_str())
        });
    }
}

/// Run `script` under `shell` with the stubs; returns the result, and the
/// directory (kept while the calls in it are read) and its call log.
fn run_with_stubs(
    shell: &[&str],
    plan: &plan::Plan,
    script: &str,
    home: &str,
) -> (std::process::Output, tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (stubs, log) = (dir.path().join("bin"), dir.path().join("log"));
    fs::create_dir_all(&stubs).unwrap();
    fs::create_dir_all(&log).unwrap();
    write_stubs(&stubs);
    fs::write(
        dir.path().join("dists"),
        dist_infos(
            plan.install
                .patroni_lock()
                .map_or(&[][..], |l| &l.patroni_pins),
        ),
    )
    .unwrap();
    let file = dir.path().join("install.sh");
    fs::write(&file, script).unwrap();
    let out = run(std::process::Command::new(shell[0])
        .args(&shell[1..])
        .arg(&file)
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", stubs.display()))
        .env("STUB_LOG", &log)
        .env("STUB_DIR", dir.path())
        .env("STUB_HOME", home)
        .env(
            "STUB_VERSION",
            format!(
                "patroni {}",
                plan.install
                    .pipx()
                    .and_then(|p| p.version_line.as_deref())
                    .and_then(|l| l.strip_prefix("patroni "))
                    .unwrap_or("")
            ),
        )
        .current_dir(dir.path()));
    (out, dir, log)
}

/// pipx's places (every plan here is a pipx install).
fn pipx_paths(plan: &plan::Plan) -> &plan::PipxPaths {
    &plan.install.pipx().expect("a pipx install").paths
}

/// The values arrive intact as arguments of the commands the script runs.
fn check_arguments(
    label: &str,
    value: &str,
    locked: bool,
    plan: &plan::Plan,
    log: &Path,
) -> Vec<String> {
    let mut failures = Vec::new();
    let args: Vec<String> = calls(log).into_iter().flatten().collect();
    let needles = [
        value.to_string(),
        if locked {
            // The wheelhouse reaches pip as the word after --find-links.
            let wheelhouse = args
                .windows(2)
                .find(|w| w[0] == "--find-links")
                .map(|w| w[1].clone())
                .unwrap_or_default();
            if wheelhouse != value {
                failures.push(format!("{label}: --find-links got {wheelhouse:?}"));
            }
            value.to_string()
        } else {
            // The spec, with the hostile extras, arrives as one word.
            plan.install.pipx().expect("a pipx install").spec.clone()
        },
        format!("https_proxy={value}"),
        format!("PIPX_HOME={}", pipx_paths(plan).pipx_home),
        format!("PIPX_BIN_DIR={}", pipx_paths(plan).bin_dir),
    ];
    for needle in &needles {
        if !args.iter().any(|a| a.contains(needle)) {
            failures.push(format!(
                "{label}: no command received {:?} intact",
                needle.chars().take(60).collect::<String>()
            ));
        }
    }
    failures
}

/// The PATH block, read by the user's shell, gives the values back.
fn check_path_block(
    label: &str,
    shell: &[&str],
    plan: &plan::Plan,
    log: &Path,
    sentinel: &Path,
) -> Option<String> {
    // The PATH block, read by the user's shell, gives the values back.
    // The call that writes the block (others run `python -c`).
    let runuser = calls(log)
        .into_iter()
        .find(|c| c.iter().any(|a| a.ends_with("# patroni-bake")))
        .unwrap();
    let block: Vec<&String> = runuser
        .iter()
        .filter(|a| a.ends_with("# patroni-bake"))
        .collect();
    let check = run(std::process::Command::new(shell[0])
        .args(&shell[1..])
        .arg("-c")
        .arg(format!(
            "{}\nprintf '%s\\0' \"$PIPX_HOME\" \"$PIPX_BIN_DIR\" \"${{PATH%%:*}}\"",
            block
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        ))
        .env_clear()
        .env("PATH", "/usr/bin:/bin"));
    let got: Vec<String> = text(&check.stdout)
        .split_terminator('\0')
        .map(String::from)
        .collect();
    if got
        != [
            pipx_paths(plan).pipx_home.clone(),
            pipx_paths(plan).bin_dir.clone(),
            pipx_paths(plan).bin_dir.clone(),
        ]
        || sentinel.exists()
    {
        return Some(format!(
            "{label}: the PATH block gives back {:?}",
            got.iter()
                .map(|g| g.chars().take(40).collect::<String>())
                .collect::<Vec<_>>()
        ));
    }
    None
}

#[test]
fn hostile_values_never_run_and_arrive_byte_exact_in_install_sh() {
    let recipe = Recipe::embedded().unwrap();
    let renderer = Renderer::new(&recipe).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let sentinel = tmp.path().join("SENTINEL");
    // The home must pass the preflight (exist, and parse from passwd), so it
    // is hostile without ':' or a newline.
    let home = tmp.path().join(
        "h o'm\"e $(touch SENT) `touch SENT`".replace("SENT", &sentinel.display().to_string()),
    );
    fs::create_dir_all(&home).unwrap();
    let home = home.display().to_string();
    let mut failures = Vec::new();
    for (i, value) in corpus(&sentinel).iter().enumerate() {
        let (given, locked) = hostile_given(&recipe, i, value, &home);
        for target in ["debian-12", "rhel-8"] {
            let plan = plan_unchecked(&recipe, target, &given).unwrap();
            let script = renderer.render(&plan, Format::Shell).unwrap();
            for shell in SHELLS {
                let (out, _dir, log) = run_with_stubs(shell, &plan, &script, &home);
                let label = format!(
                    "value #{i} {:?} on {target} under {}",
                    value.chars().take(40).collect::<String>(),
                    shell.join(" ")
                );
                if sentinel.exists() {
                    failures.push(format!("{label}: the sentinel command ran"));
                    fs::remove_file(&sentinel).unwrap();
                }
                let stdout = text(&out.stdout);
                if !out.status.success()
                    || !stdout.ends_with("changed=6\n") && !stdout.ends_with("changed=7\n")
                {
                    failures.push(format!(
                        "{label}: did not run to the end:\n{stdout}{}",
                        text(&out.stderr)
                    ));
                    continue;
                }
                failures.extend(check_arguments(&label, value, locked, &plan, &log));
                failures.extend(check_path_block(&label, shell, &plan, &log, &sentinel));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// cloud-init is YAML 1.1 to its loader: every hostile value comes back as
/// the exact string, `0700`, `yes`, `~` and `null` included.
#[test]
fn hostile_values_survive_yaml_1_1_exactly() {
    let recipe = Recipe::embedded().unwrap();
    let renderer = Renderer::new(&recipe).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for value in corpus(&tmp.path().join("S"))
        .into_iter()
        .filter(|v| v.len() < 1024)
    {
        let keys = ["http_proxy", "https_proxy", "ca_bundle", "wheelhouse"];
        let mut given: BTreeMap<String, String> = keys
            .iter()
            .map(|k| (k.to_string(), value.clone()))
            .collect();
        // The readable snippet, whose YAML quoting is under test (not gzip).
        given.insert("cloud_init_limit".into(), "16777216".into());
        let plan = plan_unchecked(&recipe, "debian-12", &given).unwrap();
        let yaml = match renderer.render(&plan, Format::CloudInit) {
            Ok(y) => y,
            Err(e) => panic!("{value:?}: {e:#}"),
        };
        let script = renderer.cloud_init_script(&plan).unwrap();
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("c.yaml"), &yaml).unwrap();
        fs::write(dir.path().join("v"), &value).unwrap();
        fs::write(dir.path().join("s"), &script).unwrap();
        let out = run(std::process::Command::new("/usr/bin/python3")
            .arg("-c")
            .arg(
                "import sys, yaml\n\
                 d = yaml.safe_load(open('c.yaml', encoding='utf-8'))\n\
                 v = open('v', encoding='utf-8', newline='').read()\n\
                 assert d['apt']['http_proxy'] == v, repr(d['apt']['http_proxy'])\n\
                 assert d['apt']['https_proxy'] == v\n\
                 assert d['write_files'][0]['content'] == open('s', encoding='utf-8', newline='').read()\n\
                 assert d['write_files'][0]['permissions'] == '0700'\n",
            )
            .current_dir(dir.path()));
        assert!(out.status.success(), "{value:?}:\n{}", text(&out.stderr));
        checked += 1;
    }
    assert!(checked > 20);
}

/// A value that cannot be written into a format is an error, never a
/// broken file: line breaks in a Dockerfile or a systemd unit.
#[test]
fn line_breaks_cannot_reach_a_dockerfile_or_a_unit() {
    let recipe = Recipe::embedded().unwrap();
    let renderer = Renderer::new(&recipe).unwrap();
    let given = BTreeMap::from([(
        "patroni_bin_dir".to_string(),
        "/x\nExecStartPre=/bin/evil".to_string(),
    )]);
    let plan = plan_unchecked(&recipe, "debian-12", &given).unwrap();
    for format in [Format::Unit, Format::Dockerfile] {
        let err = renderer
            .render(&plan, format)
            .expect_err("a newline must not render");
        assert!(format!("{err:#}").contains("line break"), "{err:#}");
    }
}
