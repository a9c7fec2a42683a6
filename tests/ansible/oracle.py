#!/usr/bin/env python3
"""Real Ansible as the oracle of patroni-bake's evaluation of vars files.

For every case of the corpus (a group_vars file or directory) and every
target, Ansible's own loader reads the case as a host's variables, the
target's facts reach Ansible as `setup` would return them (an action plugin
returns them as ansible_facts), the recipe's defaults are a role's defaults,
and each parameter is templated by Ansible. `patroni-bake plan --json`
renders the same case for the same target. One ansible-playbook run per
Ansible version covers every case and target (one inventory host each).

Outcomes per case and target:
  same       both give the same value for every parameter, or both refuse
  NEWER      an older ansible-core answers otherwise than the newest (the
             first --ansible), which patroni-bake follows (reported)
  refused    patroni-bake refuses (exit 2) and Ansible gives values; the
             message must name a way out
  SILENT     both give a value and they differ            -> failure
  INVENTED   Ansible fails, patroni-bake gives a value    -> failure
Exit 1 on any failure; the table and every failure are printed.

usage: oracle.py --bin BIN --ansible NAME=VENV [...] --corpus DIR --recipe FILE
                 [--targets T,T] [--work DIR]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
FAMILY_OF_OS = {"debian": "Debian", "rhel": "RedHat"}
# Words a refusal must use to name its way out.
WAYS_OUT = ("--fact", "--set", "quote", "write ", "instead", "Allowed", "allowed",
            "set it", "give ", "use ", "leave", "did you mean", "must be", "rename")


def load_recipe(path):
    recipe = tomllib.loads(Path(path).read_text())
    names = {}
    for name, t in recipe["targets"].items():
        names[name] = name
        for alias in t.get("aliases", []):
            names[alias] = name
    return recipe, names


def facts_for(recipe, names, target):
    t = recipe["targets"][names[target]]
    facts = dict(t.get("facts", {}))
    facts.update(t.get("name_facts", {}).get(target, {}))
    return facts


def role_defaults(recipe):
    """recipe.toml's defaults as a role's defaults/main.yml (JSON is YAML)."""
    out = {}
    for name, p in recipe["params"].items():
        d = p["default"]
        if isinstance(d, dict):
            # Per family: chosen by the os_family fact, as pgEdge's role does.
            arms = [(FAMILY_OF_OS[f], v) for f, v in sorted(d.items())]
            expr = " ".join(f"'{v}' if ansible_facts['os_family'] == '{fam}' else"
                            for fam, v in arms[:-1])
            out[name] = "{{ " + expr + f" '{arms[-1][1]}' }}}}"
        else:
            out[name] = d
    return out


def cases_of(corpus):
    """Every case: a .yml/.yaml/.json file, or a directory (group_vars/all/)."""
    found = []
    for cls in sorted(p for p in Path(corpus).iterdir() if p.is_dir()):
        for case in sorted(cls.iterdir()):
            if case.name.startswith("."):
                continue
            found.append((f"{cls.name}/{case.name}", case))
    return found


def host_name(i, target):
    return f"c{i:04d}__{target.replace('.', '_')}"


def build_project(work, recipe, names, cases, targets):
    work.mkdir(parents=True, exist_ok=True)
    hv = work / "host_vars"
    shutil.rmtree(hv, ignore_errors=True)
    hv.mkdir()
    lines = ["[cases]"]
    for i, (_, path) in enumerate(cases):
        for target in targets:
            host = host_name(i, target)
            lines.append(f"{host} pb_target={target}")
            if path.is_dir():
                shutil.copytree(path, hv / host)
            else:
                (hv / host).mkdir()
                shutil.copy(path, hv / host / ("vars" + (path.suffix or ".yml")))
    lines += ["", "[cases:vars]", "ansible_connection=local"]
    (work / "inventory.ini").write_text("\n".join(lines) + "\n")
    role = work / "roles" / "patroni_bake"
    (role / "defaults").mkdir(parents=True, exist_ok=True)
    (role / "defaults" / "main.yml").write_text(json.dumps(role_defaults(recipe), indent=1) + "\n")
    (role / "tasks").mkdir(exist_ok=True)
    (role / "tasks" / "main.yml").write_text((HERE / "tasks.yml").read_text())
    (work / "action_plugins").mkdir(exist_ok=True)
    shutil.copy(HERE / "patroni_facts.py", work / "action_plugins" / "patroni_facts.py")
    (work / "callback_plugins").mkdir(exist_ok=True)
    shutil.copy(HERE / "oracle_callback.py", work / "callback_plugins" / "oracle.py")
    facts = {t: facts_for(recipe, names, t) for t in targets}
    (work / "facts.json").write_text(json.dumps(facts))
    (work / "params.json").write_text(json.dumps(sorted(recipe["params"])))
    (work / "play.yml").write_text(
        "- hosts: cases\n  gather_facts: false\n  roles: [patroni_bake]\n")


def run_ansible(work, venv):
    env = dict(os.environ,
               ANSIBLE_STDOUT_CALLBACK="oracle",
               ANSIBLE_FORKS="16", ANSIBLE_HOST_KEY_CHECKING="False",
               ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_DEPRECATION_WARNINGS="False",
               ANSIBLE_RETRY_FILES_ENABLED="False", ANSIBLE_NOCOLOR="1",
               ANSIBLE_INVENTORY_ENABLED="ini", ANSIBLE_CONFIG=str(work / "none.cfg"),
               PATRONI_BAKE_FACTS=str(work / "facts.json"))
    out = subprocess.run([str(Path(venv) / "bin" / "ansible-playbook"), "-i", "inventory.ini", "play.yml"],
                         cwd=work, env=env, capture_output=True, text=True)
    try:
        doc = json.loads(out.stdout)
    except json.JSONDecodeError:
        sys.exit(f"ansible-playbook ({venv}) printed no JSON (exit {out.returncode}):\n"
                 f"{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    results = {}
    for host, r in doc.items():
        per = {}
        for item in r["results"]:
            if item["failed"]:
                per[item["item"]] = ("fail", item["msg"])
            else:
                per[item["item"]] = ("value", item["msg"][0])
        if not per:
            per = {"*": ("fail", r.get("msg", "the host failed"))}
        results[host] = per
    return results


def run_bake(bin_, path, target):
    out = subprocess.run([bin_, "plan", "--json", "-t", target, "--vars", str(path)],
                         capture_output=True, text=True)
    if out.returncode == 0:
        return ("value", json.loads(out.stdout)["params"])
    return ("refused" if out.returncode == 2 else "crash", out.stderr.strip())


def as_param(value, kind):
    """The text a role would use for an Ansible value, as patroni-bake's
    parameters are text; None where patroni-bake must refuse."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ("true" if value else "false") if kind == "bool" else str(value)
    if isinstance(value, (int, float)):
        if kind == "bool" and value in (0, 1):
            # As `when:` and `| bool` take it.
            return "true" if value else "false"
        return str(value)
    if isinstance(value, list):
        return ",".join(str(v) for v in value) if kind == "extras" else None
    if isinstance(value, str):
        if kind == "bool":
            low = value.strip().lower()
            if low in ("true", "yes", "on", "1"):
                return "true"
            if low in ("false", "no", "off", "0"):
                return "false"
        return value
    return None


def bake_text(v):
    # An optional parameter that is not set is typed as null in the plan;
    # Ansible's role spells the same "none" as ''.
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def compare(recipe, ansible, bake):
    kinds = {n: p["kind"] for n, p in recipe["params"].items()}
    status, payload = bake
    a_fail = [k for k, (s, _) in ansible.items() if s == "fail"]
    if status == "crash":
        return "CRASH", payload
    if status == "refused":
        if a_fail:
            return "same", "both refuse"
        if not any(w in payload for w in WAYS_OUT):
            return "NO-WAY-OUT", payload
        return "refused", payload
    if a_fail:
        return "INVENTED", f"Ansible fails on {a_fail[0]}: {ansible[a_fail[0]][1][:300]}; patroni-bake gives {payload.get(a_fail[0])!r}"
    diffs = []
    for name, (_, value) in ansible.items():
        want = as_param(value, kinds[name])
        got = bake_text(payload[name])
        if kinds[name] == "extras" and want is not None:
            # pip compares extras as PEP 685 names, in any order.
            norm = lambda t: ",".join(sorted(set(e.strip().lower().replace("_", "-") for e in t.split(",") if e.strip())))
            want, got = norm(want), norm(got)
        if want != got:
            diffs.append(f"{name}: Ansible {value!r}, patroni-bake {payload[name]!r}")
    return ("SILENT", "; ".join(diffs)) if diffs else ("same", "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--ansible", action="append", required=True, help="NAME=VENV")
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--recipe", required=True)
    ap.add_argument("--targets", default="debian-12,ubuntu-22.04,rhel-9,rocky-8")
    ap.add_argument("--work")
    args = ap.parse_args()
    t0 = time.time()
    recipe, names = load_recipe(args.recipe)
    targets = args.targets.split(",")
    cases = cases_of(args.corpus)
    work = Path(args.work or tempfile.mkdtemp(prefix="patroni-bake-oracle."))
    build_project(work, recipe, names, cases, targets)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        jobs = {(i, t): pool.submit(run_bake, args.bin, path, t)
                for i, (_, path) in enumerate(cases) for t in targets}
        bake = {k: j.result() for k, j in jobs.items()}
    t_bake = time.time() - t0
    failed = 0
    newest = None
    for spec in args.ansible:
        name, venv = spec.split("=", 1)
        t1 = time.time()
        results = run_ansible(work, venv)
        # The first version given is the newest: where an older one gives
        # another answer, patroni-bake follows the newest (said, not failed).
        newest = newest or results
        counts = {}
        problems = []
        for i, (case, _) in enumerate(cases):
            for t in targets:
                host = host_name(i, t)
                if host not in results:
                    problems.append(("MISSING", case, t, "Ansible reported nothing for this host"))
                    continue
                outcome, why = compare(recipe, results[host], bake[(i, t)])
                if outcome not in ("same", "refused") and results[host] != newest.get(host) \
                        and compare(recipe, newest[host], bake[(i, t)])[0] in ("same", "refused"):
                    outcome, why = "NEWER", f"this version differs from the newest, which patroni-bake follows: {why}"
                counts[outcome] = counts.get(outcome, 0) + 1
                if outcome not in ("same", "refused", "NEWER"):
                    problems.append((outcome, case, t, why))
                elif outcome == "NEWER":
                    print(f"  note: {case} on {t}: {why}")
        print(f"\nansible-core {name}: {len(cases)} cases x {len(targets)} targets "
              f"({time.time() - t1:.1f}s for ansible-playbook)")
        for outcome in ("same", "refused", "NEWER", "SILENT", "INVENTED", "NO-WAY-OUT", "CRASH", "MISSING"):
            print(f"  {outcome:<11} {counts.get(outcome, 0)}")
        for p in problems:
            print(f"  {p[0]}: {p[1]} on {p[2]}: {p[3]}")
        failed += len(problems)
    kept = f" (work dir kept: {work})" if failed or args.work else ""
    print(f"\noracle: {len(cases)} cases, patroni-bake in {t_bake:.1f}s, total {time.time() - t0:.1f}s; "
          f"{failed} failures{kept}")
    if not failed and not args.work:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
