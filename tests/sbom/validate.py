"""Validate every golden case's SBOMs against CycloneDX 1.6's strict JSON
schema, with CycloneDX's own validator (cyclonedx-python-lib, pinned in the
Makefile's `sbom-schema`).

    validate.py GOLDEN_DIR

Every case of GOLDEN_DIR/cases.txt must have one SBOM per architecture:
a case without them fails, as does any file the validator rejects.
"""

import functools
import pathlib
import sys

import rfc3987_syntax

# jsonschema checks each URL's `iri-reference` format with rfc3987-syntax's
# Earley parser, about 0.7 s a URL here; the goldens share most of their
# URLs. The same check, each distinct URL parsed once (a pure function of
# the text): patched before jsonschema imports it.
rfc3987_syntax.is_valid_syntax = functools.lru_cache(maxsize=None)(
    rfc3987_syntax.is_valid_syntax
)

# pylint: disable=wrong-import-position
from cyclonedx.schema import SchemaVersion  # noqa: E402
from cyclonedx.validation.json import JsonStrictValidator  # noqa: E402

ARCHES = ("x86_64", "aarch64")


def cases(golden):
    for line in (golden / "cases.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line.split()[0]


def main(golden):
    validator = JsonStrictValidator(SchemaVersion.V1_6)
    failures, checked = [], 0
    for case in cases(golden):
        for arch in ARCHES:
            path = golden / case / f"sbom.{arch}.cdx.json"
            if not path.is_file():
                failures.append(f"{path}: missing")
                continue
            error = validator.validate_str(path.read_text())
            checked += 1
            if error is not None:
                failures.append(f"{path}: {error}")
    for f in failures:
        print(f"sbom-schema: {f}", file=sys.stderr)
    if failures or checked == 0:
        print(f"sbom-schema: {len(failures)} of the golden SBOMs fail", file=sys.stderr)
        return 1
    print(f"sbom-schema: {checked} golden SBOMs valid (CycloneDX 1.6, strict)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(pathlib.Path(sys.argv[1])))
