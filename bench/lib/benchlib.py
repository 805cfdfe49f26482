#!/usr/bin/env python3
"""Helpers of bench/run: checks of what the tools printed, the bomb's
"limit's worth" blob, and the report (tables, bounds, targets, RESULTS.md).

  benchlib.py check-report REPORT GENJSON          ocigate's JSON = the generator's layers
  benchlib.py check-sums OUTPUT GENJSON FIELD      the hashes printed = each layer's FIELD
  benchlib.py bomb-info REPORT GENJSON RC OUT      what ocigate did with the bomb (JSON)
  benchlib.py bomb-cut GENJSON LIMIT OUT [--info F] a prefix of the bomb blob (GENJSON
                                                   less .json is its layout) that inflates to
                                                   >= LIMIT bytes; prints those bytes
  benchlib.py report --results TSV --images DIR [--notes F] [--bomb-info DIR] [--md OUT]
                     [--ocigate BIN] [--reps N] [--load TSV] [--cpu JSON] [--micro TXT]

Standard library only. A check that fails prints why on stderr and exits 1.
"""

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys

GB = 1e9
MIB = 1 << 20

IMAGES = [  # name, title; the order of the report
    ("gzip-1L", "single layer, gzip"),
    ("zstd-1L", "single layer, zstd"),
    ("gzip-20L", "20 layers, gzip"),
    ("bomb", "decompression bomb (gzip, zeros in one file)"),
    ("bomb-files", "decompression bomb (gzip, zeros in 1 MiB files at one path)"),
]
REF = "ocigate --jobs 2"


def load(path):
    with open(path) as f:
        return json.load(f)


def die(msg):
    sys.stderr.write("benchlib: %s\n" % msg)
    sys.exit(1)


# --------------------------------------------------------------------------
# checks


def cmd_check_report(a):
    try:
        rep = load(a.report)
    except (OSError, ValueError) as e:
        die("%s: not a JSON report: %s" % (a.report, e))
    gen = load(a.genjson)
    errs = []
    # The built-in policy's LOW findings (recommended labels) are expected.
    serious = [f for f in rep.get("findings") or [] if f.get("severity") != "LOW"]
    if rep.get("verdict") != "pass" or serious:
        errs.append("verdict %r, findings %s" % (
            rep.get("verdict"), [f.get("id") for f in serious]))
    got = rep.get("layers") or []
    want = gen["layers"]
    if len(got) != len(want):
        errs.append("%d layers reported, %d generated" % (len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        for k in ("digest", "size", "diffId", "uncompressedSize"):
            if g.get(k) != w[k]:
                errs.append("layer %d %s: ocigate %r, generator %r" % (i + 1, k, g.get(k), w[k]))
    if errs:
        die("%s does not match %s:\n  %s" % (a.report, a.genjson, "\n  ".join(errs)))


def cmd_check_sums(a):
    """Each line starts with a hex digest (sha256sum, openssl dgst -r)."""
    with open(a.output) as f:
        got = [line.split()[0] for line in f if line.strip()]
    want = [l[a.field].split(":", 1)[1] for l in load(a.genjson)["layers"]]
    if got != want:
        die("%s: hashes %s, want the layers' %s %s" % (a.output, got, a.field, want))


UNITS = {None: 1, "B": 1, "bytes": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30,
         "TiB": 1 << 40, "kB": 1000, "KB": 1000, "MB": 10 ** 6, "GB": 10 ** 9, "TB": 10 ** 12}


UNIT_RE = r"(TiB|GiB|MiB|KiB|TB|GB|MB|KB|kB|bytes|B)"


def limit_from_message(msg):
    """The bytes a bomb finding says decompression stopped at: a size after
    "limit" ("limit 4 GiB", "limit of 4294967296 bytes"); else, for a ratio
    limit ("limit 100:1"), a size with a unit after "after" or "at" ("after
    1.5 GiB"). None when the message states neither."""
    m = re.search(r"limit\D{0,20}?(\d[\d,]*(?:\.\d+)?)\s*%s?" % UNIT_RE, msg)
    if m and not (m.group(2) is None and ":" in msg[m.end():m.end() + 2]):
        return int(float(m.group(1).replace(",", "")) * UNITS[m.group(2)])
    m = re.search(r"\b(?:after|at)\s+(\d[\d,]*(?:\.\d+)?)\s*%s\b" % UNIT_RE, msg)
    if m:
        return int(float(m.group(1).replace(",", "")) * UNITS[m.group(2)])
    return None


def cmd_bomb_info(a):
    gen = load(a.genjson)
    info = {"rc": int(a.rc), "findings": [], "limit": None, "uncompressedSize": None}
    try:
        rep = load(a.report)
    except (OSError, ValueError) as e:
        die("bomb: %s: not a JSON report (exit %s): %s" % (a.report, a.rc, e))
    layers = rep.get("layers") or []
    if len(layers) != 1:
        die("bomb: %d layers reported, 1 generated" % len(layers))
    g, w = layers[0], gen["layers"][0]
    for k in ("digest", "size"):
        if g.get(k) != w[k]:
            die("bomb layer %s: ocigate %r, generator %r" % (k, g.get(k), w[k]))
    for k in ("diffId", "uncompressedSize"):  # null when it stopped early
        if g.get(k) is not None and g.get(k) != w[k]:
            die("bomb layer %s: ocigate %r, generator %r" % (k, g.get(k), w[k]))
    info["uncompressedSize"] = g.get("uncompressedSize")
    for f in rep.get("findings") or []:
        info["findings"].append({"id": f.get("id"), "message": f.get("message", "")})
        if info["limit"] is None and f.get("id") in ("layer.compression_ratio",
                                                     "size.uncompressed"):
            info["limit"] = limit_from_message(f.get("message", ""))
    with open(a.out, "w") as f:
        json.dump(info, f)


def cmd_bomb_cut(a):
    b = load(a.genjson)["layers"][0]["bomb"]
    limit = int(a.limit)
    need = max(0, limit - b["headBytes"])
    n = min(b["members"], -(-need // b["memberBytes"]))
    nbytes = b["headBytes"] + n * b["memberBytes"]
    cut = b["headMember"] + n * b["memberSize"]
    layout = a.genjson[:-len(".json")] if a.genjson.endswith(".json") else a.genjson
    blob = os.path.join(layout, "blobs", "sha256",
                        load(a.genjson)["layers"][0]["digest"].split(":", 1)[1])
    with open(blob, "rb") as src, open(a.out, "wb") as dst:
        dst.write(src.read(cut))
    if a.info:
        info = load(a.info)
        info["limitCutBytes"] = nbytes
        with open(a.info, "w") as f:
            json.dump(info, f)
    print(nbytes)


# --------------------------------------------------------------------------
# report


def read_results(path):
    """{image: {label: {"wall": [..], "rss": [..], "rc": [..]}}} in first-seen order."""
    res = {}
    with open(path) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) != 7:
                continue
            img, label, kind, _rep, wall, rss, rc = p
            r = res.setdefault(img, {}).setdefault(label, {"kind": kind, "wall": [], "rss": [],
                                                           "rc": []})
            r["wall"].append(float(wall))
            r["rss"].append(int(rss) if rss.isdigit() else 0)
            r["rc"].append(int(rc))
    return res


def run(argv):
    try:
        out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, timeout=20).stdout
        return out.strip().splitlines()[0] if out.strip() else "?"
    except (OSError, subprocess.SubprocessError):
        return "not found"


def machine(ocigate):
    cpu, flags, mem = "?", "", "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and cpu == "?":
                    cpu = line.split(":", 1)[1].strip()
                elif line.startswith("flags") and not flags:
                    flags = line
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = "%.1f GiB" % (int(line.split()[1]) / (1 << 20))
    except OSError:
        pass
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    commit = run(["git", "-C", root, "rev-parse", "HEAD"])
    dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no",
                            "--", "src", "include", "CMakeLists.txt", "cmake"],
                           stdout=subprocess.PIPE, text=True).stdout.strip()
    try:
        load_avg = " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        load_avg = "?"
    return [
        ("date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("CPU", "%s (%d online CPUs%s)" % (cpu, os.cpu_count() or 0,
                                          ", SHA-NI" if " sha_ni" in flags else ", no SHA-NI")),
        ("memory", mem),
        ("kernel", "%s %s" % (platform.system(), platform.release())),
        ("load average (1, 5, 15 min) at the start / at the end", "%s / %s" % (
            os.environ.get("BENCH_LOAD_START", "?"), load_avg)),
        ("ocigate", "%s, commit %s%s" % (run([ocigate, "version"]), commit[:12],
                                         " (with uncommitted changes to its sources)" if dirty else "")),
        ("igzip", run(["igzip", "--version"])),
        ("zstd", run(["zstd", "--version"])),
        ("openssl", run(["openssl", "version"])),
        ("sha256sum", run(["sha256sum", "--version"])),
        ("skopeo", run(["skopeo", "--version"])),
        ("umoci", run(["umoci", "--version"])),
        ("python3", run([sys.executable, "--version"])),
    ]


def cell(s):
    """Text for a Markdown table cell: a | would end the cell."""
    return s.replace("|", "\\|")


def fmt_s(x):
    return "n/a" if x is None else ("%.3f" % x if x < 10 else "%.2f" % x)


def fmt_r(x):
    return "n/a" if x is None else "%.2f" % x


class Report:
    def __init__(self, a):
        self.a = a
        self.res = read_results(a.results)
        self.gen = {}
        for name, _ in IMAGES:
            p = os.path.join(a.images, name + ".json")
            if os.path.exists(p):
                self.gen[name] = load(p)
        self.notes = {}
        if a.notes and os.path.exists(a.notes):
            with open(a.notes) as f:
                for line in f:
                    img, _, text = line.rstrip("\n").partition("\t")
                    self.notes.setdefault(img, [])
                    if text not in self.notes[img]:
                        self.notes[img].append(text)
        self.lines = []
        self.targets = []
        self.others = None

    def out(self, s=""):
        self.lines.append(s)

    def med(self, img, label):
        r = self.res.get(img, {}).get(label)
        if not r or any(rc != 0 for rc in r["rc"]) and r["kind"] != "ocigate":
            return None
        return statistics.median(r["wall"])

    def sizes(self, img):
        g = self.gen[img]
        return g["uncompressedSize"], g["size"]

    def table(self, img, u=None):
        """The tools' table; MB/s of u bytes (default: the image's tar)."""
        rows = self.res.get(img, {})
        if u is None:
            u, _ = self.sizes(img)
        ref = self.med(img, REF)
        self.out("| tool | median wall s | MB/s (uncompressed) | peak RSS MiB | peer time / ocigate time |")
        self.out("|---|---:|---:|---:|---:|")
        for label, r in rows.items():
            if r["kind"] == "stage":
                continue
            bad = [rc for rc in r["rc"] if rc != 0]
            if bad and r["kind"] != "ocigate":
                self.out("| %s | failed (exit %d) | | | |" % (cell(label), bad[0]))
                continue
            m = statistics.median(r["wall"])
            self.out("| %s | %s | %.0f | %.1f | %s |" % (
                cell(label), fmt_s(m), u / 1e6 / m if m > 0 else 0, max(r["rss"]) / 1024.0,
                fmt_r(m / ref) if ref else "n/a"))
        stages = [(l, r) for l, r in rows.items() if r["kind"] == "stage"]
        if stages:
            self.out()
            self.out("Stage speeds measured in the same run (medians):")
            self.out()
            for label, r in stages:
                m = statistics.median(r["wall"])
                self.out("- `%s`: %s s" % (label, fmt_s(m)))

    def bound_line(self, what, bound, ocig, per_gb_u):
        if bound is None or ocig is None:
            self.out("- %s: n/a" % what)
            return None
        self.out("- %s: **%s s** (%.2f s/GB uncompressed); ocigate `--jobs 2` %s s "
                 "(%.2f s/GB) = **%.2f x the bound**" % (
                     what, fmt_s(bound), bound / per_gb_u, fmt_s(ocig), ocig / per_gb_u,
                     ocig / bound))
        return ocig / bound

    def target(self, text, ok, measured):
        self.targets.append((text, "n/a" if ok is None else ("met" if ok else "**missed**"),
                             measured))

    def speeds(self):
        """Stage speeds in bytes/s: {"cli": {...}, "micro": {...}, "best": {...}}
        for the stages inflate, inflate20 (the 20 layers), zstd and sha."""
        cli = {}
        for img, label, key in (
                ("gzip-1L", "stage: igzip -dc > /dev/null", "inflate"),
                ("gzip-1L", "stage: openssl dgst -sha256 of the tar", "sha"),
                ("zstd-1L", "stage: zstd -dc > /dev/null", "zstd"),
                ("gzip-20L", "stage: igzip -dc > /dev/null, each layer", "inflate20")):
            if img in self.gen:
                t = self.med(img, label)
                if t:
                    cli[key] = self.sizes(img)[0] / t
        micro = self.micro()
        best = {}
        for k in ("inflate", "inflate20", "zstd", "sha", "walk"):
            v = [x for x in (cli.get(k), micro.get(k)) if x]
            if v:
                best[k] = max(v)
        return {"cli": cli, "micro": micro, "best": best}

    def speed_table(self, sp):
        self.out("| stage | command-line tool | in-process (`bench_micro --stage`) | the bound uses |")
        self.out("|---|---:|---:|---:|")
        for k, what, tool, inproc in (
                ("inflate", "gzip inflate (ISA-L), single layer", "`igzip -dc > /dev/null`",
                 "`og_decoder`"),
                ("inflate20", "gzip inflate (ISA-L), the 20 layers",
                 "`igzip -dc > /dev/null` each", "`og_decoder`, each layer"),
                ("zstd", "zstd decode", "`zstd -dc > /dev/null`", "`og_decoder`"),
                ("sha", "SHA-256", "`openssl dgst -sha256` of the tar", "`og_hash` of the tar"),
                ("walk", "tar walk (libarchive, no scanner)", "none", "`og_tar_walk` of the tar")):
            c, m, b = sp["cli"].get(k), sp["micro"].get(k), sp["best"].get(k)
            if not b:
                continue
            self.out("| %s | %s GB/s (%s) | %s | %.2f GB/s (%.3f s/GB) |" % (
                what, "%.2f" % (c / GB) if c else "n/a", cell(tool),
                "%.2f GB/s (%s)" % (m / GB, inproc) if m else "n/a", b / GB, GB / b))
        self.out()
        self.out("GB/s of uncompressed output (decoders) or of input (SHA-256, tar walk). The "
                 "command-line figures include process start-up and reading the file from the "
                 "page cache and, for the decoders, writing to /dev/null; "
                 "`bench_micro --stage` runs the stage in-process, on one thread, over this "
                 "benchmark's own layer (the whole blob, mapped, as ocigate reads it; SHA-256 "
                 "over the inflated tar), once per repetition, in the same rotation. What the "
                 "hardware allows is at least the faster of the two, so the bounds use it.")
        self.out()

    def build(self):
        a = self.a
        self.out("# ocigate benchmark results")
        self.out()
        self.out("Written by `bench/run` (see bench/README.md). %d repetitions, interleaved "
                 "round-robin across tools; medians. Wall time from the shell's clock around "
                 "`/usr/bin/time -f '%%e %%M'`, which gives the peak RSS (of the largest "
                 "process, for a pipeline). MB/s are 10^6 bytes of *uncompressed* layer data "
                 "per second, for every tool; GB = 10^9 bytes." % a.reps)
        self.out()
        self.out("## Machine")
        self.out()
        for k, v in machine(a.ocigate):
            self.out("- %s: %s" % (k, v))
        self.busy()
        self.out()
        sp = self.speeds()
        self.out("## Stage speeds (this machine, this run)")
        self.out()
        self.speed_table(sp)
        if self.others is not None and self.others > 0.10:
            self.out("**The machine was shared**: other processes took %.0f%% of its CPU time "
                     "while the repetitions ran. Every tool is slowed alike (the runs are "
                     "interleaved), but what a second thread gains (ocigate's pipeline, "
                     "`--jobs 2`) and the 2-core bounds assume two free cores." % (
                         100 * self.others))
            self.out()
        for name, title in IMAGES:
            if name not in self.gen or name not in self.res:
                continue
            g = self.gen[name]
            u, c = self.sizes(name)
            self.out("## %s: `%s`" % (name, title))
            self.out()
            self.out("%d layer(s), %.1f MB uncompressed, %.1f MB compressed (ratio %.2f; %s)." % (
                len(g["layers"]), u / 1e6, c / 1e6, u / c, g["compressor"]))
            self.out()
            if name.startswith("bomb"):
                self.bomb(name)
            else:
                self.table(name)
                self.out()
                self.bounds(name, sp)
            for n in self.notes.get(name, []):
                self.out("- note: %s" % n)
            self.out()
        self.rss_target()
        self.out("## Targets (issue 4)")
        self.out()
        self.out("| target | result | measured |")
        self.out("|---|---|---|")
        for text, res, measured in self.targets:
            self.out("| %s | %s | %s |" % (cell(text), res, cell(measured)))
        self.out()
        self.out("Correctness: every `ocigate validate` run above reported each layer's digest, "
                 "size, diffId and uncompressed size as generated, and `sha256sum`, "
                 "`openssl dgst` and the `igzip`/`zstd -dc | sha256sum` pipelines printed the "
                 "same digests (the run stops at the first mismatch).")
        for n in self.notes.get("*", []):
            self.out()
            self.out("Note: %s" % n)

    def busy(self):
        """How much of the machine other processes took during the timed runs."""
        loads = []
        if self.a.load and os.path.exists(self.a.load):
            with open(self.a.load) as f:
                loads = [l.split("\t")[1].split()[0] for l in f if "\t" in l]
        if loads:
            self.out("- load average (1 min) at the start of each repetition: %s" % ", ".join(loads))
        if not (self.a.cpu and os.path.exists(self.a.cpu)):
            return
        c = load(self.a.cpu)
        cap = c["wall"] * c["cpus"]
        others = max(0.0, c["busy"] - c["ours"])
        if cap <= 0:
            return
        self.others = others / cap
        self.out("- CPU time during the timed runs: %.0f s of %.0f s available (%d CPUs x %.0f s "
                 "wall); the benchmarked commands used %.0f s, **other processes %.0f s (%.0f%% of "
                 "the machine)**" % (c["busy"], cap, c["cpus"], c["wall"], c["ours"], others,
                                     100 * self.others))

    def micro(self):
        """In-process speeds (bytes/s) from bench_micro --stage's lines
        ("IMAGE stage decode|sha256 files N in X out Y seconds S"), medians
        over the repetitions (decoders: of the output; sha256: of the input)."""
        runs = {}
        if not (self.a.micro and os.path.exists(self.a.micro)):
            return {}
        keys = {("gzip-1L", "decode"): "inflate", ("gzip-1L", "sha256"): "sha",
                ("gzip-1L", "walk"): "walk",
                ("zstd-1L", "decode"): "zstd", ("gzip-20L", "decode"): "inflate20"}
        with open(self.a.micro) as f:
            for line in f:
                p = line.split()
                if len(p) != 11 or p[1] != "stage" or (p[0], p[2]) not in keys:
                    continue
                try:
                    nin, nout, secs = float(p[6]), float(p[8]), float(p[10])
                except ValueError:
                    continue
                if secs > 0:
                    runs.setdefault(keys[(p[0], p[2])], []).append(
                        (nout if p[2] == "decode" else nin) / secs)
        return {k: statistics.median(v) for k, v in runs.items()}

    @staticmethod
    def bound_of(name, u, c, sp):
        """The 2-core bound (s) and its parts, from speeds sp, or None."""
        sha = sp.get("sha")
        dec = {"gzip-1L": "inflate", "zstd-1L": "zstd", "gzip-20L": "inflate20"}[name]
        d = sp.get(dec)
        if not (d and sha):
            return None, None
        # The tar walk (libarchive over the stream, no scanner) is work the
        # pass must do too; measured in-process only.
        walk = u / sp["walk"] if sp.get("walk") else 0.0
        parts = (u / d, c / sha, u / sha, walk)
        if name == "gzip-20L":
            return sum(parts) / 2, parts
        # One layer: the decoder is serial, and all the work shares 2 cores
        # (the bound: "bound by inflate" for gzip).
        return max(parts[0], parts[2], sum(parts) / 2), parts

    def bounds(self, name, sp):
        u, c = self.sizes(name)
        ocig = self.med(name, REF)
        per_gb = u / GB
        b, parts = self.bound_of(name, u, c, sp["best"])
        dec = "zstd decode" if name == "zstd-1L" else "inflate"
        self.out("Bound on 2 cores, from the stage speeds above:")
        self.out()
        if parts and name == "gzip-20L":
            self.out("- total work: inflate %s s + compressed hash %s s + diff_id hash %s s + "
                     "tar walk %s s, over 2 cores" % tuple(fmt_s(x) for x in parts))
        elif parts:
            self.out("- the serial %s %s s, against all the work (+ compressed hash %s s + "
                     "diff_id hash %s s + tar walk %s s) over 2 cores" % (
                         dec, fmt_s(parts[0]), fmt_s(parts[1]), fmt_s(parts[2]), fmt_s(parts[3])))
        what = {"gzip-1L": "single gzip layer bound", "zstd-1L": "single zstd layer bound",
                "gzip-20L": "20-layer bound"}[name]
        r = self.bound_line(what, b, ocig, per_gb)
        tb, _ = self.bound_of(name, u, c, sp["cli"])
        if tb and ocig and sp["micro"]:
            self.out("- (from the command-line tools' speeds alone: %s s; ocigate = %.2f x)" % (
                fmt_s(tb), ocig / tb))
        j1 = self.med(name, "ocigate --jobs 1")
        ns = self.med(name, "ocigate --jobs 2 --no-scan")
        rn = ns / b if (ns and b) else None
        if name != "gzip-20L" and rn is not None:
            self.out("- `--jobs 2 --no-scan` (issue 4's pass: digests, tar walk, path checks; "
                     "none of issue 6's scanners): %s s = **%.2f x the bound**" % (fmt_s(ns), rn))
        def two(text):  # the target, for issue 4's pass and for the default run
            self.target(text % "issue 4's pass (`--no-scan`)", None if rn is None else rn <= 1.15,
                        "n/a" if rn is None else "%.2f x" % rn)
            self.target(text % "every scanner on (the default)", None if r is None else r <= 1.15,
                        "n/a" if r is None else "%.2f x" % r)
        if name == "gzip-1L":
            two("single gzip layer, %s: ocigate <= 1.15 x the inflate bound")
            pipe = self.med(name, "igzip -dc | sha256sum")
            if pipe and ocig:
                self.target("single gzip layer: ocigate <= 0.40 x `igzip -dc | sha256sum`",
                            ocig / pipe <= 0.40, "%.2f x (%s s vs %s s)" % (
                                ocig / pipe, fmt_s(ocig), fmt_s(pipe)))
            if j1 and ocig:
                self.out("- `--jobs 1` / `--jobs 2`: %.2f" % (j1 / ocig))
        elif name == "zstd-1L":
            two("single zstd layer, %s: ocigate <= 1.15 x the bound (the issue's SHA-256 "
                "bound; here the zstd decode)")
        elif name == "gzip-20L":
            if j1 and ocig:
                self.out("- `--jobs 1` / `--jobs 2`: **%.2f**" % (j1 / ocig))
                self.target("20 layers: `--jobs 2` >= 1.8 x faster than `--jobs 1`",
                            j1 / ocig >= 1.8, "%.2f x (%s s vs %s s)" % (
                                j1 / ocig, fmt_s(j1), fmt_s(ocig)))
            if ns and ocig:
                self.out("- every scanner on / `--no-scan`: **%.2f**" % (ocig / ns))
                self.target("20 layers: every scanner on <= 1.15 x `--no-scan`",
                            ocig / ns <= 1.15, "%.2f x (%s s vs %s s)" % (
                                ocig / ns, fmt_s(ocig), fmt_s(ns)))

    def bomb(self, name):
        u, c = self.sizes(name)
        info = {}
        path = os.path.join(self.a.bomb_info or "", name + "-info.json")
        if self.a.bomb_info and os.path.exists(path):
            info = load(path)
        ids = [f["id"] for f in info.get("findings", [])]
        stopped = any(i in ("layer.compression_ratio", "size.uncompressed") for i in ids)
        # MB/s of what ocigate inflated: the limit when it stopped there.
        self.table(name, info.get("limit") if stopped and info.get("limit") else None)
        if stopped and info.get("limit"):
            self.out()
            self.out("(MB/s of the limit's worth of bytes, where ocigate stopped.)")
        self.out()
        self.out("- ocigate exit %s; findings: %s" % (
            info.get("rc", "?"), ", ".join("`%s`" % i for i in ids) or "none"))
        for f in info.get("findings", []):
            self.out("  - `%s`: %s" % (f["id"], f["message"]))
        got = info.get("uncompressedSize")
        self.out("- uncompressedSize reported: %s (the bomb: %d bytes)" % (
            "null (stopped early)" if got is None else got, u))
        limit = info.get("limit")
        ocig = self.med(name, REF)
        t_lim = self.med(name, "stage: igzip -dc of the limit's worth > /dev/null")
        if limit and t_lim:
            nbytes = info.get("limitCutBytes") or limit
            t = t_lim * limit / nbytes
            self.out("- the limit: %d bytes (%.2f GiB); inflating that much with igzip: %s s; "
                     "ocigate: %s s = %.2f x" % (limit, limit / (1 << 30), fmt_s(t), fmt_s(ocig),
                                                 ocig / t))
            self.target("%s: stopped at the limit in < 1.10 x the time of inflating the "
                        "limit's worth" % name, stopped and ocig <= 1.10 * t,
                        "%s; %.2f x (%s s vs %s s)" % (
                            "stopped" if stopped else "not stopped", ocig / t, fmt_s(ocig),
                            fmt_s(t)))
        else:
            self.out("- the limit: n/a (no `layer.compression_ratio` / `size.uncompressed` "
                     "finding stating a limit); inflating the limit's worth: n/a")
            self.target("%s: stopped at the limit in < 1.10 x the time of inflating the "
                        "limit's worth" % name, None if not stopped else False,
                        "%s; ocigate %s s" % ("stopped, limit not stated" if stopped
                                             else "not stopped (no limit yet)", fmt_s(ocig)))

    def rss_target(self):
        worst, where = 0, ""
        for img, rows in self.res.items():
            for label, r in rows.items():
                if r["kind"] == "ocigate" and max(r["rss"]) > worst:
                    worst, where = max(r["rss"]), "%s, %s" % (img, label)
        if worst:
            self.target("peak RSS < 64 MiB in every ocigate run", worst < 64 * 1024,
                        "largest %.1f MiB (%s)" % (worst / 1024.0, where))


def cmd_report(a):
    r = Report(a)
    r.build()
    text = "\n".join(r.lines) + "\n"
    sys.stdout.write(text)
    if a.md:
        tmp = a.md + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, a.md)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("check-report")
    s.add_argument("report")
    s.add_argument("genjson")
    s = sub.add_parser("check-sums")
    s.add_argument("output")
    s.add_argument("genjson")
    s.add_argument("field", choices=("digest", "diffId"))
    s = sub.add_parser("bomb-info")
    s.add_argument("report")
    s.add_argument("genjson")
    s.add_argument("rc")
    s.add_argument("out")
    s = sub.add_parser("bomb-cut")
    s.add_argument("genjson")
    s.add_argument("limit")
    s.add_argument("out")
    s.add_argument("--info", help="bomb-info JSON to record the bytes in")
    s = sub.add_parser("report")
    s.add_argument("--results", required=True)
    s.add_argument("--images", required=True)
    s.add_argument("--notes")
    s.add_argument("--bomb-info", help="directory of NAME-info.json, one per bomb")
    s.add_argument("--load", help="TSV: repetition, load averages at its start")
    s.add_argument("--cpu", help="JSON: wall, busy (all CPU time), ours (children's), cpus")
    s.add_argument("--micro", help="bench_micro --stage lines, each after its image's name")
    s.add_argument("--md")
    s.add_argument("--ocigate", default="build/ocigate")
    s.add_argument("--reps", type=int, default=0)
    a = p.parse_args()
    {"check-report": cmd_check_report, "check-sums": cmd_check_sums,
     "bomb-info": cmd_bomb_info, "bomb-cut": cmd_bomb_cut, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    main()
