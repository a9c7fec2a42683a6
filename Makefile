# patroni-bake: `make test` is what CI runs (with `make container-test`).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
BIN := target/release/patroni-bake

.PHONY: all build test lint unit-test golden container-test bench fuzz clean

all: build

build:
	$(CARGO) build --release --locked

## test: formatting, clippy, unit and integration tests (golden files, CLI,
## static validation of every golden rendering with shellcheck, dash/bash -n,
## hadolint, cloud-init schema and systemd-analyze verify).
test: lint unit-test

lint:
	@command -v shellcheck >/dev/null || { echo "shellcheck is missing (apt-get install shellcheck)"; exit 1; }
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --locked -- -D warnings
	shellcheck -x -s bash .ci/run tests/container/run.sh
	shellcheck -s sh tests/container/manifest.sh

unit-test:
	$(CARGO) nextest run --locked --no-fail-fast

## golden: re-render every case of golden/cases.txt into golden/NAME.
golden: build
	@grep -vE '^\s*(#|$$)' golden/cases.txt | while read -r name target args; do \
	  $(BIN) render --target "$$target" $$args --out "golden/$$name"; \
	done

container-test: build
	tests/container/run.sh $(if $(IMAGE),--image $(IMAGE))

clean:
	$(CARGO) clean
