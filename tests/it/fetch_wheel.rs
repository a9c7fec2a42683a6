//! installer=uv's bootstrap, recipes/install_patroni/steps/fetch_wheel.py,
//! run by the host's python3 on a wheelhouse (offline): it unpacks the
//! executable of a wheel whose sha256 is the locked one, and refuses any
//! other before anything of it is written out.

use std::fs;
use std::process::Command;

use patroni_bake::recipe::{FETCH_WHEEL_SCRIPT, RECIPE_NAME};

use crate::common::{repo, text};
const WHEEL: &str = "uv-0.0.1-py3-none-manylinux_2_17_x86_64.whl";

/// A wheel in `dir` holding `uv-0.0.1.data/scripts/uv`; its sha256.
fn make_wheel(dir: &std::path::Path) -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import hashlib, sys, zipfile\n\
             with zipfile.ZipFile(sys.argv[1], 'w') as z:\n    z.writestr('uv-0.0.1.data/scripts/uv', '#!/bin/sh\\necho uv\\n')\n\
             print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())",
        ])
        .arg(dir.join(WHEEL))
        .output()
        .expect("python3 runs (the uv bootstrap needs it)");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

fn fetch(
    wheelhouse: &std::path::Path,
    sha256: &str,
    dest: &std::path::Path,
) -> std::process::Output {
    Command::new("python3")
        .arg("-")
        .args(["uv", WHEEL, "https://unused.invalid/x.whl", sha256, ""])
        .arg(wheelhouse)
        .arg(dest)
        .arg("uv")
        .stdin(
            fs::File::open(
                repo()
                    .join("recipes")
                    .join(RECIPE_NAME)
                    .join(FETCH_WHEEL_SCRIPT),
            )
            .unwrap(),
        )
        .output()
        .unwrap()
}

#[test]
fn the_bootstrap_unpacks_only_a_wheel_of_the_locked_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let wh = tmp.path().join("wheelhouse");
    fs::create_dir(&wh).unwrap();
    let sha = make_wheel(&wh);

    let dest = tmp.path().join("ok");
    let out = fetch(&wh, &sha, &dest);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let uv = dest.join("uv");
    assert_eq!(fs::read_to_string(&uv).unwrap(), "#!/bin/sh\necho uv\n");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        fs::metadata(&uv).unwrap().permissions().mode() & 0o777,
        0o755
    );

    let other = format!(
        "{}{}",
        if sha.starts_with('0') { "1" } else { "0" },
        &sha[1..]
    );
    let dest = tmp.path().join("tampered");
    let out = fetch(&wh, &other, &dest);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("its sha256 is {sha}, and the lock says {other}")),
        "{err}"
    );
    assert!(
        !dest.exists(),
        "nothing of a wheel with another hash is written"
    );

    let out = fetch(
        &tmp.path().join("nowhere"),
        &sha,
        &tmp.path().join("missing"),
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains(&format!("patroni-bake: {WHEEL}: not in the wheelhouse")),
        "{}",
        text(&out.stderr)
    );
}
