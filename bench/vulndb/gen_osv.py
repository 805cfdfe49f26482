#!/usr/bin/env python3
"""Generate a synthetic OSV database for bench/micro/bench_vulndb.

  gen_osv.py OUTDIR [N] [--seed S]

Writes N advisories (default 50000), half Debian-like (DSA/DLA ids, ecosystems
Debian:11/Debian:12, dpkg versions, introduced 0 / fixed) and half
Alpine-like (ALPINE-CVE ids, Alpine:v3.x, apk versions with a versions list),
with aliases, summaries, details and CVSS v3 vectors of realistic size, as
  OUTDIR/dir/Debian/<ID>.json, OUTDIR/dir/Alpine/<ID>.json
  OUTDIR/osv.zip          (the same records, one member each, deflated)
  OUTDIR/queries.txt      (10,000 "ECOSYSTEM PACKAGE VERSION" lines)
Deterministic: the same N and seed give the same bytes.
"""
import json
import os
import random
import sys
import zipfile

WORDS = ("buffer overflow in the parser allows remote attackers to cause a denial "
         "of service or possibly execute arbitrary code via a crafted file use after "
         "free heap memory corruption integer signedness error certificate validation "
         "bypass out of bounds read information disclosure").split()
VECTORS = [
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
    "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N",
]


def text(r, n):
    return " ".join(r.choice(WORDS) for _ in range(n))


def stamp(r):
    return "20%02d-%02d-%02dT%02d:%02d:%02dZ" % (
        r.randint(15, 24), r.randint(1, 12), r.randint(1, 28),
        r.randint(0, 23), r.randint(0, 59), r.randint(0, 59))


def debian(r, i, pkgs):
    pkg = r.choice(pkgs)
    up = "%d.%d.%d" % (r.randint(0, 9), r.randint(0, 40), r.randint(0, 20))
    cves = ["CVE-20%02d-%d" % (r.randint(15, 24), r.randint(1000, 49999))
            for _ in range(r.randint(1, 3))]
    rec = {
        "id": ("DSA-%d-1" if i % 3 else "DLA-%d-1") % (1000 + i),
        "summary": "%s - security update" % pkg,
        "details": text(r, 40),
        "modified": stamp(r), "published": stamp(r),
        "aliases": cves,
        "affected": [],
    }
    for rel, tag in (("Debian:11", "deb11u"), ("Debian:12", "deb12u")):
        if r.random() < 0.7 or not rec["affected"]:
            rec["affected"].append({
                "package": {"ecosystem": rel, "name": pkg},
                "ranges": [{"type": "ECOSYSTEM", "events": [
                    {"introduced": "0"},
                    {"fixed": "%s%s-%d+%s%d" % ("1:" if r.random() < 0.1 else "", up,
                                                r.randint(1, 9), tag, r.randint(1, 5))}]}],
            })
    if r.random() < 0.5:
        rec["severity"] = [{"type": "CVSS_V3", "score": r.choice(VECTORS)}]
    return rec


def alpine(r, i, pkgs):
    pkg = r.choice(pkgs)
    cve = "CVE-20%02d-%d" % (r.randint(15, 24), 50000 + i)
    major, minor = r.randint(0, 9), r.randint(0, 30)
    versions = ["%d.%d.%d-r%d" % (major, minor, p, rv) for p in range(r.randint(2, 8))
                for rv in range(r.randint(1, 3))]
    rec = {
        "id": "ALPINE-" + cve,
        "details": text(r, 40),
        "modified": stamp(r), "published": stamp(r),
        "upstream": [cve],
        "affected": [],
    }
    for rel in r.sample(["Alpine:v3.17", "Alpine:v3.18", "Alpine:v3.19", "Alpine:v3.20"],
                        r.randint(1, 3)):
        rec["affected"].append({
            "package": {"ecosystem": rel, "name": pkg},
            "ranges": [{"type": "ECOSYSTEM", "events": [
                {"introduced": "0"},
                {"fixed": "%d.%d.%d-r%d" % (major, minor, len(versions), r.randint(0, 3))}]}],
            "versions": versions,
        })
    if r.random() < 0.5:
        rec["severity"] = [{"type": "CVSS_V3", "score": r.choice(VECTORS)}]
    return rec


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--seed")]
    seed = 1
    for a in sys.argv[1:]:
        if a.startswith("--seed="):
            seed = int(a.split("=", 1)[1])
    if not args:
        sys.exit(__doc__)
    out = args[0]
    n = int(args[1]) if len(args) > 1 else 50000
    r = random.Random(seed)
    pkgs = ["pkg%05d" % k for k in range(3000)]
    for eco in ("Debian", "Alpine"):
        os.makedirs(os.path.join(out, "dir", eco), exist_ok=True)
    with zipfile.ZipFile(os.path.join(out, "osv.zip"), "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(n):
            rec = debian(r, i, pkgs) if i % 2 == 0 else alpine(r, i, pkgs)
            eco = "Debian" if i % 2 == 0 else "Alpine"
            data = json.dumps(rec, indent=1, sort_keys=True).encode()
            with open(os.path.join(out, "dir", eco, rec["id"] + ".json"), "wb") as f:
                f.write(data)
            info = zipfile.ZipInfo(eco + "/" + rec["id"] + ".json", (2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    with open(os.path.join(out, "queries.txt"), "w") as f:
        for _ in range(10000):
            if r.random() < 0.5:
                f.write("Debian:%d %s %d.%d.%d-%d\n" % (r.choice((11, 12)), r.choice(pkgs),
                        r.randint(0, 9), r.randint(0, 40), r.randint(0, 20), r.randint(1, 9)))
            else:
                f.write("Alpine:v3.%d %s %d.%d.%d-r%d\n" % (r.randint(17, 20), r.choice(pkgs),
                        r.randint(0, 9), r.randint(0, 30), r.randint(0, 8), r.randint(0, 3)))


if __name__ == "__main__":
    main()
