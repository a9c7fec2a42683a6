# Fetch one wheel, check its sha256 before anything reads it, and unpack
# one executable from it. The standard library only: this runs before any
# package is installed. The proxies and SSL_CERT_FILE come from the
# environment; an index is read through its simple API (PEP 503/691).
import hashlib
import json
import os
import re
import shutil
import sys
import urllib.parse
import urllib.request
import zipfile

name, filename, url, sha256, index, wheelhouse, dest, member = sys.argv[1:9]


def fail(why):
    sys.exit("patroni-bake: " + filename + ": " + why)


def get(address, accept=None):
    request = urllib.request.Request(address, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read(), response.headers.get("Content-Type", "")
    except OSError as e:
        fail("cannot fetch " + address + ": " + str(e))


def from_index():
    page = index.rstrip("/") + "/" + name + "/"
    accept = "application/vnd.pypi.simple.v1+json, text/html;q=0.1"
    body, kind = get(page, accept)
    if "json" in kind:
        links = [(f["filename"], f["url"]) for f in json.loads(body)["files"]]
    else:
        found = re.findall(r'href="([^"]+)"', body.decode("utf-8", "replace"))
        links = [(urllib.parse.unquote(h.split("#")[0].rsplit("/", 1)[-1]), h) for h in found]
    for file, link in links:
        if file == filename:
            return get(urllib.parse.urljoin(page, link))[0]
    fail("not on the index " + page)


if wheelhouse:
    try:
        with open(os.path.join(wheelhouse, filename), "rb") as f:
            data = f.read()
    except OSError as e:
        fail("not in the wheelhouse: " + str(e))
elif index:
    data = from_index()
else:
    data = get(url)[0]
got = hashlib.sha256(data).hexdigest()
if got != sha256:
    fail("its sha256 is " + got + ", and the lock says " + sha256 + "; nothing of it was run")
os.makedirs(dest, exist_ok=True)
with open(os.path.join(dest, filename), "wb") as f:
    f.write(data)
with zipfile.ZipFile(os.path.join(dest, filename)) as wheel:
    inside = [n for n in wheel.namelist() if n.endswith(".data/scripts/" + member)]
    if len(inside) != 1:
        fail("it holds no " + member)
    with wheel.open(inside[0]) as src, open(os.path.join(dest, member), "wb") as out:
        shutil.copyfileobj(src, out)
os.chmod(os.path.join(dest, member), 0o755)
