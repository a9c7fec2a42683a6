"""Compare a rendering's SBOM with `cyclonedx-py environment`'s SBOM of an
installed venv (the container suite's sbom.sh).

    sbom_compare.py ours SBOM PLACE[,PLACE...]   # our components there: name==version
    sbom_compare.py theirs SBOM                  # cyclonedx-py's components: name==version
    sbom_compare.py licences OURS PLACES THEIRS  # licences that disagree, one a line

Names are normalized (PEP 503) on both sides. Licences are compared where
both documents know one: they agree when a licence id, name or
expression of one equals one of the other (case aside), or when both name
the same licence family in another vocabulary. A distribution's metadata
often states its licence twice (a `License:` text and a trove classifier),
and the two tools may each take the other one: `MIT` and `License :: OSI
Approved :: MIT License`, `BSD-3` and `... :: BSD License`, `LGPL with
exceptions` and `... :: GNU Library or Lesser General Public License
(LGPL)` are one licence each.
"""

import json
import re
import sys


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def components(path, places=None):
    """name -> component, of PLACES (our patroni-bake:place) or all."""
    out = {}
    for c in json.load(open(path))["components"]:
        props = {p["name"]: p["value"] for p in c.get("properties", [])}
        if places is None or props.get("patroni-bake:place") in places:
            out[normalize(c["name"])] = c
    return out


def pins(comps):
    return "\n".join(sorted(f"{n}=={c.get('version', '')}" for n, c in comps.items()))


def licence_terms(component):
    terms = set()
    for choice in component.get("licenses", []):
        if "expression" in choice:
            terms.add(choice["expression"].lower())
        lic = choice.get("license", {})
        for key in ("id", "name"):
            if key in lic:
                terms.add(lic[key].lower())
    return terms


# First words (or parenthesized abbreviations) that name the same family.
FAMILY_ALIASES = {"python": "psf", "iscl": "isc", "gnu": None, "the": None}


def family(term):
    """The licence family a term names: `mit`, `bsd`, `lgpl`, `apache`..."""
    text = term.split("::")[-1].strip() if "::" in term else term
    abbr = re.search(r"\(([a-z]+)[^)]*\)", text)
    words = [abbr.group(1)] if abbr else re.split(r"[\s\-_.]+", text)
    for word in words:
        word = re.sub(r"v?\d.*$", "", word)
        word = FAMILY_ALIASES.get(word, word)
        if word:
            return word
    return text


def agree(mine, other):
    return bool(mine & other) or bool({family(t) for t in mine} & {family(t) for t in other})


def known(comps):
    return sum(1 for c in comps.values() if licence_terms(c))


def disagreements(ours, theirs):
    lines, compared = [], 0
    for name, c in sorted(ours.items()):
        mine, other = licence_terms(c), licence_terms(theirs.get(name, {}))
        if mine and other:
            compared += 1
            if not agree(mine, other):
                lines.append(f"{name}: ours {sorted(mine)}, cyclonedx-py {sorted(other)}")
    print(
        f"licences known to the SBOM: {known(ours)}, to cyclonedx-py: {known(theirs)}, to both: {compared}",
        file=sys.stderr,
    )
    return "\n".join(lines)


def main(argv):
    if argv[:1] == ["ours"] and len(argv) == 3:
        print(pins(components(argv[1], set(argv[2].split(",")))))
    elif argv[:1] == ["theirs"] and len(argv) == 2:
        print(pins(components(argv[1])))
    elif argv[:1] == ["licences"] and len(argv) == 4:
        print(disagreements(components(argv[1], set(argv[2].split(","))), components(argv[3])))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
