//! Static validation of every golden rendering by the real tools. A missing
//! validator fails the test: none of them is ever skipped.

use std::fs;
use std::path::Path;

use crate::common::*;

fn each_golden(check: impl Fn(&str, &Path) -> Result<(), String>) {
    let mut failures = Vec::new();
    for case in golden_cases() {
        if let Err(e) = check(&case.name, &golden_dir(&case)) {
            failures.push(format!("{}: {e}", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn ok(name: &str, out: std::process::Output) -> Result<(), String> {
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{name} failed ({}):\n{}{}",
            out.status,
            text(&out.stdout),
            text(&out.stderr)
        ))
    }
}

#[test]
fn install_sh_passes_shellcheck_and_parses_in_dash_and_bash() {
    each_golden(|_, dir| {
        let script = dir.join("install.sh");
        ok(
            "shellcheck",
            validator("shellcheck", &["-s", "sh", "-S", "style"], &script),
        )?;
        ok("dash -n", validator("dash", &["-n"], &script))?;
        ok("bash -n", validator("bash", &["--posix", "-n"], &script))
    });
}

#[test]
fn dockerfile_passes_hadolint() {
    each_golden(|_, dir| {
        // As a user appends it: after a FROM line.
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("Dockerfile");
        let fragment = fs::read_to_string(dir.join("Dockerfile")).unwrap();
        fs::write(&file, format!("FROM debian:12\n{fragment}")).unwrap();
        ok(
            "hadolint",
            validator("hadolint", &["--no-color", "-t", "info"], &file),
        )
    });
}

/// Every RUN, joined the way Docker joins its continuation lines, is shell
/// that dash parses: the separators the encoder derived are right.
#[test]
fn every_run_parses_in_dash_as_docker_joins_it() {
    each_golden(|_, dir| {
        let fragment = fs::read_to_string(dir.join("Dockerfile")).unwrap();
        let mut runs: Vec<String> = Vec::new();
        let mut current: Option<String> = None;
        for line in fragment.lines() {
            let body = match current.take() {
                Some(run) => run + line,
                None => match line.strip_prefix("RUN ") {
                    Some(rest) => rest.to_string(),
                    None => continue,
                },
            };
            match body.strip_suffix('\\') {
                Some(more) => current = Some(more.to_string()),
                None => runs.push(body),
            }
        }
        if runs.is_empty() {
            return Err("no RUN".into());
        }
        let tmp = tempfile::tempdir().unwrap();
        for (i, run) in runs.iter().enumerate() {
            let file = tmp.path().join(format!("run-{i}.sh"));
            fs::write(&file, format!("{run}\n")).unwrap();
            ok(
                &format!("dash -n on RUN #{}", i + 1),
                validator("dash", &["-n"], &file),
            )?;
        }
        Ok(())
    });
}

#[test]
fn cloud_init_passes_schema_and_fits_its_limit() {
    let cases = golden_cases();
    each_golden(|name, dir| {
        let file = dir.join("cloud-init.yaml");
        let len = fs::metadata(&file).unwrap().len();
        // The limit the case's plan has (the parameter, or its default).
        let case = cases.iter().find(|c| c.name == name).unwrap();
        let out = run(bin()
            .args(["plan", "--json"])
            .args(["--target", &case.target])
            .args(case.plan_args()));
        let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("{name}: the plan is not JSON ({e}): {}", text(&out.stderr))
        });
        let limit = plan["cloud_init"]["limit"]
            .as_u64()
            .expect("cloud_init_limit");
        if len > limit {
            return Err(format!(
                "cloud-init.yaml is {len} bytes, over its limit {limit}"
            ));
        }
        ok(
            "cloud-init schema",
            validator("cloud-init", &["schema", "--config-file"], &file),
        )
    });
}

/// cloud-init reads YAML 1.1 (PyYAML): its write_files must give back
/// install.sh less its check mode, comment lines, blank lines and
/// indentation (the golden files hold no multi-line value): install.sh's
/// lines so compacted, in order, with some left out and none added; modes
/// as strings; the script parses in dash.
#[test]
fn cloud_init_yaml_gives_back_the_exact_files() {
    const LOADER: &str = r##"
import subprocess, sys, yaml
doc = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
files = {f["path"]: f for f in doc["write_files"]}
assert list(files) == ["/run/patroni-bake/install.sh"], list(files)
script = files["/run/patroni-bake/install.sh"]
lines = open(sys.argv[2], encoding="utf-8").read().splitlines(keepends=True)
compact = lines[:1] + [l.lstrip() for l in lines[1:] if l.strip() and not l.lstrip().startswith("#")]
if script.get("encoding") == "gz+b64":
    import base64, gzip
    content = gzip.decompress(base64.b64decode(script["content"])).decode("utf-8")
else:
    assert "encoding" not in script, script.get("encoding")
    content = script["content"]
rest = iter(compact)
for line in content.splitlines(keepends=True):
    assert any(line == l for l in rest), "not a line of install.sh, or out of order: " + line
assert "--check) mode=check ;;\n" in compact, "install.sh has no check mode"
assert "mode=check" not in content, "cloud-init's copy has check mode"
assert len(content) > len("".join(compact)) / 2, "cloud-init's copy lost the install"
subprocess.run(["dash", "-n"], input=content, text=True, check=True)
for f in files.values():
    assert isinstance(f["permissions"], str) and isinstance(f["owner"], str), f
assert doc["runcmd"] == [["sh", "/run/patroni-bake/install.sh"]], doc["runcmd"]
"##;
    each_golden(|_, dir| {
        let out = run(std::process::Command::new("/usr/bin/python3")
            .args(["-c", LOADER])
            .arg(dir.join("cloud-init.yaml"))
            .arg(dir.join("install.sh")));
        ok("PyYAML round trip", out)
    });
}

/// The combined user data, read by cloud-init's own code (gzip, MIME,
/// transfer encodings): every part comes back byte for byte with the type
/// and name cloud-init runs it by, in the order given, and the whole fits
/// its limit.
#[test]
fn user_data_gives_back_every_part_through_cloud_init() {
    let mut checked = 0;
    for case in golden_cases() {
        let (files, first) = case.user_parts();
        if files.is_empty() {
            continue;
        }
        checked += 1;
        let dir = golden_dir(&case);
        let got = cloud_init_parts(&dir.join("user-data"));
        let size = fs::metadata(dir.join("user-data")).unwrap().len();
        let part = |name: &str, ty: &str, path: &Path| {
            (
                name.to_string(),
                ty.to_string(),
                fs::read_to_string(path).unwrap(),
            )
        };
        let mut want: Vec<(String, String, String)> = files
            .iter()
            .map(|f| {
                let path = repo().join(f);
                let name = path.file_name().unwrap().to_str().unwrap().to_string();
                let ty = if fs::read_to_string(&path).unwrap().starts_with("#!") {
                    "text/x-shellscript"
                } else {
                    "text/cloud-config"
                };
                part(&name, ty, &path)
            })
            .collect();
        // Our part is cloud-init's copy of install.sh (no check mode),
        // compared on its own below.
        let ours = (
            "patroni-bake-install.sh".to_string(),
            "text/x-shellscript".to_string(),
            String::new(),
        );
        let at = if first { 0 } else { want.len() };
        want.insert(at, ours);
        let mut got = got;
        let copy = std::mem::take(&mut got[at].2);
        assert_eq!(got, want, "{}: the parts cloud-init reads", case.name);
        let install_sh = fs::read_to_string(dir.join("install.sh")).unwrap();
        assert_install_only_copy(&copy, &install_sh, &case.name);
        let plan = run(bin()
            .args(["plan", "--json"])
            .args(["--target", &case.target])
            .args(case.plan_args()));
        let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
        assert!(
            Some(size) <= plan["cloud_init"]["limit"].as_u64(),
            "{}: user-data is {size} bytes, over its limit",
            case.name
        );
    }
    assert!(checked >= 2, "golden/cases.txt has no case with --with");
}

#[test]
fn unit_passes_systemd_analyze_verify() {
    each_golden(|_, dir| {
        let unit_text = fs::read_to_string(dir.join("patroni.service")).unwrap();
        // The program of every Exec*= line gets a stand-in.
        let programs: Vec<String> = unit_text
            .lines()
            .filter(|l| l.starts_with("Exec"))
            .filter_map(|l| {
                l.split_once('=')
                    .and_then(|(_, v)| v.split_whitespace().next())
            })
            .map(String::from)
            .collect();
        if !programs.iter().any(|p| p.ends_with("/patroni")) {
            return Err("no ExecStart of patroni".into());
        }
        // A root with the system's units and stand-ins for the binaries.
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        let units = r.join("usr/lib/systemd/system");
        fs::create_dir_all(&units).unwrap();
        for e in
            fs::read_dir("/usr/lib/systemd/system").map_err(|e| format!("no system units: {e}"))?
        {
            let e = e.unwrap();
            if e.file_name().to_string_lossy().ends_with(".target") {
                fs::copy(e.path(), units.join(e.file_name())).unwrap();
            }
        }
        for bin in &programs {
            let p = r.join(bin.trim_start_matches('/'));
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(&p, "#!/bin/sh\n").unwrap();
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        }
        let dest = r.join("etc/systemd/system");
        fs::create_dir_all(&dest).unwrap();
        fs::write(dest.join("patroni.service"), &unit_text).unwrap();
        let out = run(std::process::Command::new("systemd-analyze")
            .arg(format!("--root={}", r.display()))
            .args(["verify", "/etc/systemd/system/patroni.service"]));
        ok("systemd-analyze verify", out.clone())?;
        if !out.stderr.is_empty() {
            return Err(format!(
                "systemd-analyze verify warned:\n{}",
                text(&out.stderr)
            ));
        }
        Ok(())
    });
}

#[test]
fn sha256sums_verify_with_sha256sum() {
    each_golden(|_, dir| {
        let out = run(std::process::Command::new("sha256sum")
            .args(["--check", "--strict", "--quiet", "SHA256SUMS"])
            .current_dir(dir));
        ok("sha256sum -c", out)
    });
}

/// cloud-init's copy of install.sh: install.sh's lines, in order, with the
/// check mode's left out and none added; and still most of the install.
fn assert_install_only_copy(copy: &str, install_sh: &str, what: &str) {
    let mut rest = install_sh.lines();
    for line in copy.lines() {
        assert!(
            rest.any(|l| l == line),
            "{what}: cloud-init's copy has a line that install.sh lacks, or out of order: {line}"
        );
    }
    assert!(
        install_sh.contains("--check) mode=check ;;"),
        "{what}: install.sh has no check mode"
    );
    assert!(
        !copy.contains("mode=check"),
        "{what}: cloud-init's copy has check mode"
    );
    assert!(
        copy.len() > install_sh.len() / 2,
        "{what}: cloud-init's copy lost the install"
    );
}
