# patroni-bake: `make test` is what CI runs (with `make container-test`).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
BIN := target/release/patroni-bake

.PHONY: all build test lint audit unit-test golden lock container-test bench fuzz clean

all: build

build:
	$(CARGO) build --release --locked

## test: formatting, clippy, unit and integration tests (golden files, CLI,
## static validation of every golden rendering with shellcheck, dash/bash -n,
## hadolint, cloud-init schema and systemd-analyze verify).
test: lint unit-test

lint:
	@command -v shellcheck >/dev/null || { echo "shellcheck is missing (apt-get install shellcheck)"; exit 1; }
	@command -v cargo-deny >/dev/null || { echo "cargo-deny is missing (cargo install --locked cargo-deny@0.20.2)"; exit 1; }
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --locked -- -D warnings
	shellcheck -x -s bash .ci/run tests/container/run.sh bench/run.sh
	shellcheck -s sh tests/container/manifest.sh bench/floor.sh bench/floor-unlocked.sh
	$(CARGO) deny --offline check licenses bans sources

## audit: cargo deny's advisories check against the RustSec database, which
## it clones from GitHub: run it where GitHub is reachable (not in `make test`,
## whose machines reach only the package registries).
audit:
	$(CARGO) deny check advisories

unit-test:
	$(CARGO) nextest run --locked --no-fail-fast

## golden: re-render every case of golden/cases.txt into golden/NAME.
golden: build
	@grep -vE '^\s*(#|$$)' golden/cases.txt | while read -r name target args; do \
	  $(BIN) render --target "$$target" $$args --out "golden/$$name"; \
	done

## lock: re-resolve the hash locks of every target at the default parameters
## (needs uv and the index: python3 -m pip install uv); then make golden.
lock: build
	$(BIN) lock --recipes recipes

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
