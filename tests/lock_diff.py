#!/usr/bin/env python3
"""make lock-diff: the differential test of the built-in lock against uv.

For every target's Python and both architectures, for the default extras
and for the default plus each other extra, every version the rendering
locks (`patroni-bake plan --json`, Patroni's venv) must equal what
`uv pip compile` resolves for exactly that choice, for that Python and
platform, at the lock's cut-off date (its `exclude-newer`). So an extra
that is not chosen holds nothing back (issue 29).

uv prints to stdout: `uv pip compile -o FILE` would read FILE as
preferences, and one choice's pins would leak into the next.

A difference that cannot be avoided is listed in KNOWN with its reason
(and in the README); any other fails the test, and so does a listed one
that no longer happens. Needs uv and the package index.
"""

import argparse
import json
import re
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ARCHES = ("x86_64", "aarch64")
# The oldest glibc of the targets (RHEL 8), as the lock's wheels are chosen.
MANYLINUX = "manylinux_2_28"

# The extra added to the default -> why the lock and uv's resolution of
# that choice alone must differ on Python 3.10 and later. There,
# `uv pip compile` of patroni[aws] backtracks boto3 to 0.0.3 (2014; with
# botocore 0.76.0, bcdoc, docutils) to escape botocore's python-dateutil<3
# and take python-dateutil 4.0.0 / 3.0.0: a resolution nobody should
# install. The lock's aws fork keeps the current boto3 and botocore with
# python-dateutil 2.9.0.post0, as the choice needs. A known difference
# counts only where uv's boto3 is the older one (so the reason holds).
KNOWN = {
    "aws": "uv pip compile backtracks boto3 to 0.0.3 for python-dateutil>=3; the lock keeps boto3 current",
    "all": "all holds aws: uv pip compile backtracks boto3 to 0.0.3 for python-dateutil>=3; the lock keeps boto3 current",
}
KNOWN_FROM_PYTHON = (3, 10)


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def bake_pins(bake, target, extras):
    out = subprocess.run(
        [bake, "plan", "--json", "-t", target, "--set", f"patroni_extras={','.join(extras)}"],
        capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"lock-diff: patroni-bake plan -t {target} {extras}: {out.stderr}")
    plan = json.loads(out.stdout)
    return {normalize(r["name"]): r["version"] for r in plan["install"]["lock"]["patroni"]}


def uv_pins(config, python_full, arch, requirement, cut_off):
    out = subprocess.run(
        ["uv", "pip", "compile", "--config-file", config, "--no-header", "--no-annotate",
         "--python-version", python_full, "--python-platform", f"{arch}-{MANYLINUX}",
         "--exclude-newer", cut_off, "-"],
        input=requirement, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"lock-diff: uv pip compile {requirement} (Python {python_full} {arch}): {out.stderr}")
    pins = {}
    for line in out.stdout.splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[normalize(name)] = version.split(";")[0].strip()
    return pins


def differences(bake, uv):
    out = []
    for name in sorted(set(bake) | set(uv)):
        if bake.get(name) != uv.get(name):
            out.append((name, bake.get(name, "-"), uv.get(name, "-")))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--recipe", required=True, help="recipes/install_patroni (recipe.toml and patroni.uv.lock)")
    ap.add_argument("--jobs", type=int, default=4)
    args = ap.parse_args()
    folder = Path(args.recipe)
    recipe = tomllib.loads((folder / "recipe.toml").read_text())
    lock_text = (folder / "patroni.uv.lock").read_text()
    cut = re.search(r'^exclude-newer = "([^"]+)"', lock_text, re.M)
    if not cut:
        raise SystemExit("lock-diff: the built-in lock records no cut-off date (exclude-newer): run make lock")
    cut_off = cut.group(1)
    version = tomllib.loads(lock_text)
    version = next(p["version"] for p in version["package"] if p["name"] == "patroni")
    default = recipe["params"]["patroni_extras"]["default"].split(",")
    choices = [[]] + [[x] for x in recipe["patroni_extras"] if x not in default]

    with tempfile.TemporaryDirectory() as tmp:
        # The metadata the lock gives uv instead of building an sdist.
        config = Path(tmp) / "uv.toml"
        meta = recipe.get("lock_dependency_metadata", {})
        config.write_text("dependency-metadata = [\n" + "".join(
            f'    {{ name = "{n}", version = "{v}", requires-dist = [] }},\n' for n, v in sorted(meta.items())) + "]\n")
        cases = []
        for target, t in sorted(recipe["targets"].items()):
            for more in choices:
                extras = sorted(set(default) | set(more))
                for arch in ARCHES:
                    cases.append((target, t["python_full_version"], arch, more, extras))
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            bake = dict(zip(
                [(c[0], tuple(c[4])) for c in cases],
                pool.map(lambda c: bake_pins(args.bin, c[0], c[4]), cases)))
            uv = list(pool.map(
                lambda c: uv_pins(str(config), c[1], c[2], f"patroni[{','.join(c[4])}]=={version}", cut_off),
                cases))

    print(f"lock-diff: Patroni {version}, cut-off {cut_off}, {len(cases)} choices (target, arch, extras)")
    failed = 0
    seen_known = set()
    for (target, python, arch, more, extras), uv_got in zip(cases, uv):
        label = f"{target:<13} {arch:<8} {'+' + more[0] if more else 'default':<12}"
        diffs = differences(bake[(target, tuple(extras))], uv_got)
        if not diffs:
            print(f"  same     {label}")
            continue
        extra = more[0] if more else ""
        py = tuple(int(n) for n in python.split(".")[:2])
        uv_boto3 = uv_got.get("boto3", "")
        known = extra in KNOWN and py >= KNOWN_FROM_PYTHON and uv_boto3.startswith("0.")
        for name, b, u in diffs:
            if known:
                seen_known.add(extra)
                print(f"  known    {label} {name}: lock {b}, uv {u} ({KNOWN[extra]})")
            else:
                failed += 1
                print(f"  DIFFERS  {label} {name}: lock {b}, uv {u}")
    for key in sorted(set(KNOWN) - seen_known):
        failed += 1
        print(f"  STALE    {key}: listed in KNOWN but no longer differs; remove it")
    if failed:
        print(f"lock-diff: {failed} difference(s) between the lock and uv's resolution of the choice alone")
        return 1
    print("lock-diff: every locked version equals uv's resolution of exactly that choice")
    return 0


if __name__ == "__main__":
    sys.exit(main())
