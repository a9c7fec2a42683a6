# patroni-bake: `make test` is what CI runs (with `make container-test`).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
BIN := target/release/patroni-bake

.PHONY: all build fetch test lint advisories audit pypa-advisory-db unit-test sbom-schema golden lock lock-diff container-test ansible-oracle bench fuzz clean

all: build

build:
	$(CARGO) build --release --locked

## test: formatting, clippy, unit and integration tests of every crate of the
## workspace (the ansible-vars crate too; golden files, CLI,
## static validation of every golden rendering with shellcheck, dash/bash -n,
## hadolint, cloud-init schema and systemd-analyze verify), and every golden
## SBOM against CycloneDX's strict schema.
test: lint advisories unit-test sbom-schema

## fetch: `cargo fetch --locked`, every crate of Cargo.lock for every platform. The offline checks
## (cargo deny reads `cargo metadata`, which wants the Windows-only crates
## too) need them, and a Linux build never downloads those.
fetch:
	$(CARGO) fetch --locked

lint: fetch
	@command -v shellcheck >/dev/null || { echo "shellcheck is missing (apt-get install shellcheck)"; exit 1; }
	@command -v cargo-deny >/dev/null || { echo "cargo-deny is missing (cargo install --locked cargo-deny@0.20.2)"; exit 1; }
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	shellcheck -x -s bash .ci/run tests/container/run.sh bench/run.sh
	shellcheck -s sh $$(for f in tests/container/*.sh bench/*.sh; do head -n 1 "$$f" | grep -q '^#!/bin/sh' && echo "$$f"; done)
	@# The suites' bash files are checked through run.sh, which sources them:
	@# one it does not source would never be checked.
	@for f in tests/container/*.sh bench/*.sh; do \
	  head -n 1 "$$f" | grep -q bash || continue; \
	  case "$$f" in tests/container/run.sh|bench/run.sh) continue ;; esac; \
	  grep -q "^# shellcheck source=$${f##*/}$$" tests/container/run.sh || \
	    { echo "lint: $$f is not sourced by tests/container/run.sh, so shellcheck never sees it"; exit 1; }; \
	done
	$(CARGO) deny --offline check licenses bans sources
	@# The fuzz target is its own crate, outside the workspace's build: checked
	@# here so that an API change cannot leave it broken until someone fuzzes.
	$(CARGO) check --locked --quiet --manifest-path fuzz/Cargo.toml

## advisories: cargo deny's advisories check, offline, against the RustSec
## snapshot that shared/ carries (a git bundle), cloned into target/ where
## cargo deny looks for the default database. Without the bundle it is
## `make audit` (the live database, which needs GitHub). It prints the
## database's commit and date, and fails on any advisory not ignored, with
## its reason, in deny.toml.
ADVISORY_BUNDLE ?= ../shared/advisory-db/rustsec-advisory-db.bundle
ADVISORY_DBS := $(CURDIR)/target/advisory-dbs
# cargo deny 0.20's directory for the default database URL.
ADVISORY_DB := $(ADVISORY_DBS)/advisory-db-3157b0e258782691
advisories: fetch
	@command -v cargo-deny >/dev/null || { echo "cargo-deny is missing (cargo install --locked cargo-deny@0.20.2)"; exit 1; }
	@if [ ! -f '$(ADVISORY_BUNDLE)' ]; then \
	  echo "advisories: no snapshot at $(ADVISORY_BUNDLE); checking against the live database (make audit)"; \
	  $(MAKE) --no-print-directory audit; exit; \
	fi; \
	want=$$(git bundle list-heads '$(ADVISORY_BUNDLE)' | awk 'NR==1 {print $$1}'); \
	have=$$(git -C '$(ADVISORY_DB)' rev-parse HEAD 2>/dev/null || true); \
	if [ "$$want" != "$$have" ]; then \
	  rm -rf '$(ADVISORY_DB)' && mkdir -p '$(ADVISORY_DBS)' && \
	  git clone -q '$(ADVISORY_BUNDLE)' '$(ADVISORY_DB)'; \
	fi; \
	echo "advisories: RustSec snapshot $$(git -C '$(ADVISORY_DB)' log -1 --format='%H of %cs') ($(ADVISORY_BUNDLE))"
	PATRONI_BAKE_ADVISORY_DBS='$(ADVISORY_DBS)' $(CARGO) deny --offline check advisories

## audit: the advisories check against the live RustSec database, which
## cargo deny clones from GitHub: run it where GitHub is reachable.
AUDIT_DBS := $(CURDIR)/target/advisory-dbs-live
audit: fetch
	@echo "audit: fetching the live RustSec database (needs GitHub) into $(AUDIT_DBS)"
	PATRONI_BAKE_ADVISORY_DBS='$(AUDIT_DBS)' $(CARGO) deny check advisories
	@db=$$(ls -d '$(AUDIT_DBS)'/advisory-db-* 2>/dev/null | head -n 1); \
	  [ -z "$$db" ] || echo "audit: RustSec database $$(git -C "$$db" log -1 --format='%H of %cs')"

## pypa-advisory-db: the snapshot of the Python Packaging Advisory Database
## that shared/ carries (a git bundle, 2024-10-10), cloned into target/ for
## the tests of `patroni-bake audit` (tests/it/audit.rs), which fail
## without it. Recloned only when the bundle's commit changes.
PYPA_BUNDLE ?= ../shared/pypa-advisory-db/pypa-advisory-database.bundle
PYPA_DB := $(CURDIR)/target/pypa-advisory-db
pypa-advisory-db:
	@[ -f '$(PYPA_BUNDLE)' ] || { echo "pypa-advisory-db: no snapshot at $(PYPA_BUNDLE) (the audit tests need it)"; exit 1; }
	@want=$$(git bundle list-heads '$(PYPA_BUNDLE)' | awk 'NR==1 {print $$1}'); \
	have=$$(git -C '$(PYPA_DB)' rev-parse HEAD 2>/dev/null || true); \
	if [ "$$want" != "$$have" ]; then \
	  rm -rf '$(PYPA_DB)' && mkdir -p '$(dir $(PYPA_DB))' && \
	  git -c advice.detachedHead=false -c init.defaultBranch=main clone -q '$(PYPA_BUNDLE)' '$(PYPA_DB)'; \
	fi; \
	echo "pypa-advisory-db: PyPA snapshot $$(git -C '$(PYPA_DB)' log -1 --format='%H of %cs') in $(PYPA_DB)"

unit-test: pypa-advisory-db
	PATRONI_BAKE_PYPA_DB='$(PYPA_DB)' $(CARGO) nextest run --workspace --locked --no-fail-fast

## sbom-schema: every golden case's SBOMs (both architectures; a missing
## one fails) through CycloneDX's own validator, JsonStrictValidator for
## 1.6 (cyclonedx-python-lib, pinned, in a venv under target/ installed
## from the package index once, about 25 s; then no network). About 20 s.
CYCLONEDX_LIB := 11.12.0
CYCLONEDX_VENV := $(CURDIR)/target/cyclonedx-lib-$(CYCLONEDX_LIB)
sbom-schema:
	@if [ ! -x '$(CYCLONEDX_VENV)/bin/python' ]; then \
	  echo "sbom-schema: installing cyclonedx-python-lib $(CYCLONEDX_LIB) into $(CYCLONEDX_VENV)"; \
	  rm -rf '$(CYCLONEDX_VENV)' && python3 -m venv '$(CYCLONEDX_VENV)' && \
	    '$(CYCLONEDX_VENV)/bin/pip' install -q --disable-pip-version-check \
	      'cyclonedx-python-lib[json-validation]==$(CYCLONEDX_LIB)' || \
	    { rm -rf '$(CYCLONEDX_VENV)'; exit 1; }; \
	fi
	'$(CYCLONEDX_VENV)/bin/python' tests/sbom/validate.py golden

## golden: re-render every case of golden/cases.txt into golden/NAME (the
## golden test, told to render instead of check: one reader of cases.txt).
golden:
	PATRONI_BAKE_UPDATE_GOLDEN=1 $(CARGO) nextest run --locked -E 'test(every_golden_rendering_matches)'

## lock: refresh the built-in lock (the default Patroni version with every
## extra, uv's universal resolution, the extras of lock_fork_extras in forks
## of their own; the cut-off date and each distribution's licence
## recorded); needs uv and the index (python3 -m pip install uv). uv trusts
## SSL_CERT_FILE (the system bundle by default here, which holds a
## TLS-intercepting proxy's CA where one is installed). Then make golden.
lock: build
	SSL_CERT_FILE=$${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt} $(BIN) lock --recipes recipes

## lock-diff: the differential test of the built-in lock against uv
## (tests/lock_diff.py): for every target's Python and architecture, the
## default extras and the default plus each other extra, every version
## `plan --json` locks equals `uv pip compile` of exactly that choice at the
## lock's cut-off date. Needs the package index, as `make lock` does; uv
## (the version installer=uv pins) is installed into target/uv-$(UV_VERSION)
## from the index once.
# uv pip compile waits on the index far more than it computes (30 min of
# wall time for 11 min of CPU at 4 jobs), so the choices run 12 at a time.
LOCK_DIFF_JOBS ?= 12
UV_VERSION := 0.13.9
UV_VENV := $(CURDIR)/target/uv-$(UV_VERSION)
lock-diff: build
	@[ -x '$(UV_VENV)/bin/uv' ] || { echo "lock-diff: installing uv $(UV_VERSION) into $(UV_VENV)"; \
	  rm -rf '$(UV_VENV)' && python3 -m venv '$(UV_VENV)' && \
	  '$(UV_VENV)/bin/pip' install -q --disable-pip-version-check 'uv==$(UV_VERSION)'; }
	PATH='$(UV_VENV)/bin':$$PATH SSL_CERT_FILE=$${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt} \
	  python3 tests/lock_diff.py --bin $(BIN) --recipe recipes/install_patroni --jobs $(LOCK_DIFF_JOBS)

## ansible-oracle: the differential test against real Ansible
## (tests/ansible/oracle.py): every case of tests/ansible/corpus/ on four
## targets, read by Ansible's own loader with the target's facts, through
## each pinned ansible-core (a venv each under target/ansible/, installed
## from the package index once), against `patroni-bake plan --json`.
## Prints a table; fails on any silent difference or a refusal that names
## no way out. About 2 minutes.
ANSIBLE_VERSIONS := 2.19.14 2.18.19
ANSIBLE_VENVS := $(CURDIR)/target/ansible
ansible-oracle: build
	@for v in $(ANSIBLE_VERSIONS); do \
	  venv='$(ANSIBLE_VENVS)'/$$v; \
	  [ -x "$$venv/bin/ansible-playbook" ] && continue; \
	  echo "ansible-oracle: installing ansible-core $$v into $$venv"; \
	  rm -rf "$$venv" && python3 -m venv "$$venv" && \
	    "$$venv/bin/pip" install -q --disable-pip-version-check "ansible-core==$$v" || exit 1; \
	done
	python3 tests/ansible/oracle.py --bin $(BIN) --corpus tests/ansible/corpus \
	  --recipe recipes/install_patroni/recipe.toml \
	  $(foreach v,$(ANSIBLE_VERSIONS),--ansible $(v)=$(ANSIBLE_VENVS)/$(v))

## container-test: every rendering installs Patroni in Debian 12 and 13
## containers (see README). IMAGE=rockylinux:9 TARGET=rhel-9 for any other base.
container-test: build
	tests/container/run.sh $(if $(IMAGE),--image $(IMAGE) --target $(TARGET))

## bench: install.sh against Ansible and the floor, image size, layer
## caching, render speed; writes BENCHMARKS.md (takes minutes).
bench: build
	bench/run.sh

## fuzz: the vars-file parser and the renderers under libFuzzer, briefly.
FUZZ_SECONDS ?= 60
fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install --locked cargo-fuzz
	RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run vars_render -- -max_total_time=$(FUZZ_SECONDS)

clean:
	$(CARGO) clean
