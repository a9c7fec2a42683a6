"""patroni-bake lock: the declared licence of each locked distribution.

Reads on stdin a JSON list of {"name", "version", "url", "wheel"} (the file
of each distribution in the lock); prints a JSON object "NAME VERSION" ->
licence, for the distributions whose metadata states one.

A wheel's metadata is the file the index serves beside it (PEP 658 /
PEP 714: URL + ".metadata"), so no wheel is downloaded; where the index
serves none for a file (it says so with no `core-metadata` in its simple
API, and the URL is a 404), METADATA is read out of the wheel with HTTP
range requests (its zip directory and that one member, a few KB, as uv and
pip do). A distribution with no wheel has its sdist's PKG-INFO read (no
index serves an sdist's metadata). What is recorded is what the metadata states: License-Expression,
else the first line of License, else the "License ::" classifiers joined by
"; "; nothing where it states none ("UNKNOWN" is setuptools' word for none).

urllib honours http_proxy / https_proxy / no_proxy, and SSL_CERT_FILE
through OpenSSL's defaults. The file URLs are the lock's, so the index the
user locked from (UV_DEFAULT_INDEX, UV_INDEX_URL) is the one asked.
"""

import email.parser
import io
import json
import sys
import tarfile
import urllib.error
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor

TIMEOUT = 60


def fetch(url):
    req = urllib.request.Request(url, headers={"User-Agent": "patroni-bake-lock"})
    with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
        return resp.read()


class RangeFile(io.RawIOBase):
    """A remote file read with HTTP range requests, in cached blocks: what
    zipfile needs to read one member of a wheel."""

    BLOCK = 64 * 1024

    def __init__(self, url):
        self.url, self.pos, self.blocks = url, 0, {}
        req = urllib.request.Request(url, headers={"User-Agent": "patroni-bake-lock", "Range": "bytes=-1"})
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            if resp.status != 206:
                raise OSError(f"{url}: the server does not take range requests")
            self.size = int(resp.headers["Content-Range"].rsplit("/", 1)[1])

    def _block(self, n):
        if n not in self.blocks:
            start = n * self.BLOCK
            end = min(start + self.BLOCK, self.size) - 1
            req = urllib.request.Request(self.url, headers={"User-Agent": "patroni-bake-lock", "Range": f"bytes={start}-{end}"})
            with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
                self.blocks[n] = resp.read()
        return self.blocks[n]

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self.pos

    def seek(self, offset, whence=io.SEEK_SET):
        self.pos = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence] + offset
        return self.pos

    def read(self, n=-1):
        end = self.size if n is None or n < 0 else min(self.size, self.pos + n)
        out = bytearray()
        while self.pos < end:
            block, skip = divmod(self.pos, self.BLOCK)
            chunk = self._block(block)[skip:skip + end - self.pos]
            out += chunk
            self.pos += len(chunk)
        return bytes(out)


def wheel_metadata(url):
    """METADATA of a wheel: the index's copy beside it, else read out of
    the wheel with range requests."""
    try:
        return fetch(url + ".metadata").decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        if e.code != 404:
            raise
    with zipfile.ZipFile(RangeFile(url)) as z:
        names = [n for n in z.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
        return z.read(names[0]).decode("utf-8", "replace") if names else None


def sdist_pkg_info(url):
    """PKG-INFO at the top of an sdist (.tar.gz or .zip)."""
    data = fetch(url)
    if url.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            name = min((n for n in z.namelist() if n.count("/") == 1 and n.endswith("/PKG-INFO")), default=None)
            return z.read(name).decode("utf-8", "replace") if name else None
    with tarfile.open(fileobj=io.BytesIO(data)) as t:
        for m in t.getmembers():
            if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO"):
                return t.extractfile(m).read().decode("utf-8", "replace")
    return None


def declared(metadata):
    msg = email.parser.Parser().parsestr(metadata, headersonly=True)
    expr = (msg.get("License-Expression") or "").strip()
    if expr:
        return expr
    lines = [l.strip() for l in (msg.get("License") or "").splitlines() if l.strip()]
    if lines and lines[0].upper() != "UNKNOWN":
        return lines[0]
    classifiers = [c.strip() for c in msg.get_all("Classifier") or [] if c.strip().startswith("License ::")]
    return "; ".join(classifiers) or None


def licence(dist):
    url = dist["url"]
    try:
        text = wheel_metadata(url) if dist["wheel"] else sdist_pkg_info(url)
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"{url}: HTTP {e.code}") from e
    except (urllib.error.URLError, OSError, zipfile.BadZipFile, tarfile.TarError) as e:
        raise RuntimeError(f"{url}: {e}") from e
    return declared(text) if text else None


def main():
    dists = json.load(sys.stdin)
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(licence, dists))
    out = {}
    for d, lic in zip(dists, found):
        if lic:
            # One line in the lock's header.
            out[f"{d['name']} {d['version']}"] = " ".join(lic.split())
    json.dump(out, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    try:
        main()
    except RuntimeError as e:
        print(f"patroni-bake: reading a distribution's metadata failed: {e}", file=sys.stderr)
        sys.exit(1)
