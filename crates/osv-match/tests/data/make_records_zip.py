"""Writes records.zip, the fixture of src/zip.rs's tests: run it from this
directory with python3 (the standard library's zipfile only)."""
import json
import zipfile

URLLIB3 = {
    "id": "PYSEC-2023-212",
    "aliases": ["CVE-2023-45803", "GHSA-g4mx-q9vg-27p4"],
    "summary": "urllib3 keeps the request body on a 303 redirect",
    "affected": [{
        "package": {"ecosystem": "PyPI", "name": "urllib3"},
        "ranges": [{"type": "ECOSYSTEM", "events": [
            {"introduced": "2.0.0"}, {"fixed": "2.0.7"},
            {"introduced": "0"}, {"fixed": "1.26.18"}]}],
    }],
}
OTHER = {
    "id": "GHSA-0000-0000-0000",
    "affected": [{
        "package": {"ecosystem": "PyPI", "name": "requests"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.31.0"}]}],
    }],
}

with zipfile.ZipFile("records.zip", "w") as z:
    for name, record, method in [
        ("PYSEC-2023-212.json", URLLIB3, zipfile.ZIP_DEFLATED),
        ("GHSA-0000-0000-0000.json", OTHER, zipfile.ZIP_STORED),
    ]:
        info = zipfile.ZipInfo(name, date_time=(2024, 10, 10, 0, 0, 0))
        info.compress_type = method
        z.writestr(info, json.dumps(record, indent=2))
    z.writestr(zipfile.ZipInfo("README.txt", date_time=(2024, 10, 10, 0, 0, 0)), "not a record\n")
