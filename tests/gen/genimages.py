#!/usr/bin/env python3
"""Deterministic test-image generator for ocigate.

Usage: genimages.py OUTDIR

Writes valid and deliberately broken container images in every format ocigate
reads (OCI layout dir, oci-archive, docker-archive legacy / Docker 25+ / gzip)
under OUTDIR/<case>/, plus:

  OUTDIR/cases.json       the cases the integration tests assert on
  OUTDIR/robustness.json  hostile inputs (exit 1 or 2, never a crash)
  OUTDIR/policy-cases.json  meta-* images for the metadata policy checks, each
                          with a policy file name (testdata/policies/), the exit
                          code and the ids expected present and absent

The output is byte-for-byte the same on every run for the same OUTDIR (fixed
mtimes/uids, gzip mtime 0, seeded randomness, fixed JSON formatting). Re-running
over an existing OUTDIR clears it first (only if it was made by this script).

Python standard library only, plus the `zstd` command-line tool.
"""

import gzip
import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile

MTIME = 1704067200  # 2024-01-01T00:00:00Z
CREATED = "2024-01-01T00:00:00Z"
MARKER = ".genimages"

MT_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MT_OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
MT_OCI_LAYER_GZIP = MT_OCI_LAYER + "+gzip"
MT_OCI_LAYER_ZSTD = MT_OCI_LAYER + "+zstd"
MT_OCI_LAYER_ND_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
MT_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MT_DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
MT_DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
MT_INTOTO = "application/vnd.in-toto+json"

REF_NAME = "org.opencontainers.image.ref.name"

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo "
         "lima mike november oscar papa quebec romeo sierra tango uniform "
         "victor whiskey xray yankee zulu").split()


# --------------------------------------------------------------------------
# small helpers


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def hexof(digest):
    return digest.split(":", 1)[1]


def jdump(obj):
    """Compact, deterministic JSON bytes (insertion order of keys)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=True).encode()


def words(rng, nbytes):
    """Word salad of about nbytes: compressible like text, no secret-like tokens."""
    out = []
    size = 0
    while size < nbytes:
        w = rng.choice(WORDS)
        out.append(w)
        size += len(w) + 1
        if rng.random() < 0.1:
            out.append("\n")
    return " ".join(out).encode()[:nbytes]


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def zst(data):
    try:
        res = subprocess.run(["zstd", "-q", "-19", "--no-progress", "-c"],
                             input=data, stdout=subprocess.PIPE, check=True)
    except FileNotFoundError:
        sys.exit("genimages: the `zstd` command is required")
    return res.stdout


# tar entries: ("f", name, data, mode) ("d", name, mode) ("l", name, target)
# ("h", name, target)

def F(name, data, mode=0o644):
    return ("f", name, data, mode)


def D(name, mode=0o755):
    return ("d", name, mode)


def S(name, target):
    return ("l", name, target)


def H(name, target):
    return ("h", name, target)


def mktar(entries, pad=False):
    """A PAX tar of the entries, in the order given, with fixed metadata.

    It ends with the two zero blocks of the end marker, as Go's archive/tar
    (docker, buildkit) writes; pad=True keeps Python's padding to 10 KiB records
    (zero bytes after the end marker, still part of the diff_id).
    """
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for e in entries:
            kind, name = e[0], e[1]
            ti = tarfile.TarInfo(name)
            ti.mtime = MTIME
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = "root"
            data = None
            if kind == "f":
                data = e[2]
                ti.type = tarfile.REGTYPE
                ti.size = len(data)
                ti.mode = e[3]
            elif kind == "d":
                ti.type = tarfile.DIRTYPE
                ti.mode = e[2]
            elif kind == "l":
                ti.type = tarfile.SYMTYPE
                ti.linkname = e[2]
                ti.mode = 0o777
            elif kind == "h":
                ti.type = tarfile.LNKTYPE
                ti.linkname = e[2]
                ti.mode = 0o644
            else:
                raise ValueError(kind)
            tf.addfile(ti, io.BytesIO(data) if data is not None else None)
        end = tf.offset + 2 * tarfile.BLOCKSIZE
    data = bio.getvalue()
    return data if pad else data[:end]


def layer(tar, comp="gzip", media_type=None):
    """A layer: its blob bytes, diff_id and media type."""
    if comp == "gzip":
        blob, mt = gz(tar), MT_OCI_LAYER_GZIP
    elif comp == "gzip-multi":
        cut = len(tar) // 2 + 17
        blob, mt = gz(tar[:cut]) + gz(tar[cut:]), MT_OCI_LAYER_GZIP
    elif comp == "zstd":
        blob, mt = zst(tar), MT_OCI_LAYER_ZSTD
    elif comp == "none":
        blob, mt = tar, MT_OCI_LAYER
    else:
        raise ValueError(comp)
    return {"blob": blob, "diff_id": sha256(tar), "mediaType": media_type or mt}


def simple_tree(seed, extra=(), size=2048):
    rng = random.Random(seed)
    return [D("./"), D("./etc/"), F("./etc/hostname", b"app\n"),
            D("./app/"), F("./app/data.txt", words(rng, size))] + list(extra)


def default_runconfig(extra_labels=None):
    labels = {"org.opencontainers.image.title": "ocigate-test",
              "org.opencontainers.image.version": "1.0"}
    if extra_labels:
        labels.update(extra_labels)
    return {
        "User": "1000",
        "ExposedPorts": {"8080/tcp": {}},
        "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "APP_MODE=test"],
        "Entrypoint": ["/usr/bin/foo"],
        "Cmd": ["--serve"],
        "WorkingDir": "/",
        "Labels": labels,
    }


def image_config(diff_ids, arch="amd64", os_="linux", variant=None,
                 history=None, runconfig=None):
    cfg = {"created": CREATED, "author": "ocigate tests", "architecture": arch}
    if variant:
        cfg["variant"] = variant
    cfg["os"] = os_
    cfg["config"] = runconfig if runconfig is not None else default_runconfig()
    cfg["rootfs"] = {"type": "layers", "diff_ids": list(diff_ids)}
    if history is None:
        history = [{"created": CREATED, "created_by": "COPY layer%d /" % i}
                   for i in range(len(diff_ids))]
    cfg["history"] = history
    return cfg


# --------------------------------------------------------------------------
# OCI layouts, kept in memory until written as a directory or a tar


class Layout:
    def __init__(self):
        self.files = {}    # relative path -> bytes
        self.links = {}    # relative path -> symlink target (tar output only)

    def put_raw(self, digest, data):
        self.files["blobs/sha256/" + hexof(digest)] = data

    def put(self, data, media_type, store=True, **extra):
        desc = {"mediaType": media_type, "digest": sha256(data), "size": len(data)}
        desc.update(extra)
        if store:
            self.put_raw(desc["digest"], data)
        return desc

    def remove(self, digest):
        del self.files["blobs/sha256/" + hexof(digest)]

    def set_index(self, manifests, version="1.0.0", annotations=None):
        self.files["oci-layout"] = jdump({"imageLayoutVersion": version})
        idx = {"schemaVersion": 2, "mediaType": MT_OCI_INDEX, "manifests": manifests}
        if annotations:
            idx["annotations"] = annotations
        self.files["index.json"] = jdump(idx)

    def write_dir(self, path):
        os.makedirs(os.path.join(path, "blobs", "sha256"), exist_ok=True)
        for rel in sorted(self.files):
            p = os.path.join(path, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(self.files[rel])
        for rel in sorted(self.links):
            os.symlink(self.links[rel], os.path.join(path, rel))

    def tar_entries(self, first=("oci-layout", "index.json")):
        """Tar entries of the layout: `first` names, then dirs and files sorted."""
        names = set(self.files) | set(self.links)
        dirs = set()
        for n in names:
            parts = n.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                dirs.add("/".join(parts[:i]) + "/")
        ordered = [n for n in first if n in names]
        rest = sorted((set(names) - set(ordered)) | dirs)
        out = []
        for n in ordered + rest:
            if n.endswith("/"):
                out.append(D(n))
            elif n in self.links:
                out.append(S(n, self.links[n]))
            else:
                out.append(F(n, self.files[n]))
        return out


def build_image(lay, layers, *, arch="amd64", os_="linux", variant=None,
                history=None, runconfig=None, cfg_mut=None, cfg_store_mut=None,
                config_media_type=MT_OCI_CONFIG, manifest_media_type=MT_OCI_MANIFEST,
                man_mut=None, store_manifest=True, annotations=None):
    """Store layers, config and manifest in `lay`; return (manifest descriptor, info).

    Each layer dict may carry: "desc" (descriptor fields overriding the computed
    ones), "store" False (blob not written), "stored" (bytes written instead of
    the blob, under the blob's digest), "urls", "annotations".
    """
    descs = []
    for L in layers:
        d = {"mediaType": L["mediaType"], "digest": sha256(L["blob"]),
             "size": len(L["blob"])}
        if "urls" in L:
            d["urls"] = L["urls"]
        if "annotations" in L:
            d["annotations"] = L["annotations"]
        if L.get("store", True):
            lay.put_raw(d["digest"], L.get("stored", L["blob"]))
        d.update(L.get("desc", {}))
        descs.append(d)
    cfg = image_config([L["diff_id"] for L in layers], arch, os_, variant,
                       history, runconfig)
    if cfg_mut:
        cfg_mut(cfg)
    cfg_bytes = jdump(cfg)
    cfg_desc = lay.put(cfg_bytes, config_media_type)
    if cfg_store_mut:
        lay.put_raw(cfg_desc["digest"], cfg_store_mut(cfg_bytes))
    man = {"schemaVersion": 2, "mediaType": manifest_media_type,
           "config": cfg_desc, "layers": descs}
    if annotations:
        man["annotations"] = annotations
    if man_mut:
        man_mut(man)
    man_bytes = jdump(man)
    mdesc = lay.put(man_bytes, manifest_media_type, store=store_manifest)
    info = {"digest": mdesc["digest"], "config": cfg_desc["digest"],
            "layers": [{"digest": d["digest"], "diffId": L["diff_id"]}
                       for d, L in zip(descs, layers)]}
    return mdesc, info


def with_ref(desc, ref):
    d = dict(desc)
    d["annotations"] = {REF_NAME: ref}
    return d


# --------------------------------------------------------------------------
# docker-archive (docker save)


def docker_legacy_entries(layer_tars, repotag="example/app:1.0", cfg_mut=None,
                          omit_layer=None, stored_layer=None):
    """Entries of a legacy `docker save` tar (Docker < 25).

    A layer whose content repeats an earlier one is written as a symlink
    `<id>/layer.tar -> ../<first id>/layer.tar`, as docker does.
    omit_layer: index of a layer whose layer.tar is left out.
    stored_layer: (index, bytes) written instead of that layer's tar.
    """
    diff_ids = [sha256(t) for t in layer_tars]
    cfg = image_config(diff_ids)
    if cfg_mut:
        cfg_mut(cfg)
    cfg_bytes = jdump(cfg)
    cfg_name = hexof(sha256(cfg_bytes)) + ".json"
    entries = []
    layer_paths = []
    seen = {}
    parent = ""
    for i, t in enumerate(layer_tars):
        lid = hashlib.sha256(("%s|%s|%d" % (parent, diff_ids[i], i)).encode()).hexdigest()
        v1 = {"id": lid}
        if parent:
            v1["parent"] = parent
        v1["created"] = CREATED
        v1["container_config"] = {"Cmd": None}
        if i == len(layer_tars) - 1:
            v1["config"] = cfg["config"]
            v1["architecture"] = "amd64"
        v1["os"] = "linux"
        entries += [D(lid + "/"), F(lid + "/VERSION", b"1.0"), F(lid + "/json", jdump(v1))]
        path = lid + "/layer.tar"
        if i == omit_layer:
            pass
        elif diff_ids[i] in seen:
            entries.append(S(path, "../" + seen[diff_ids[i]]))
        else:
            data = t
            if stored_layer and stored_layer[0] == i:
                data = stored_layer[1]
            entries.append(F(path, data))
            seen[diff_ids[i]] = path
        layer_paths.append(path)
        parent = lid
    repo, tag = repotag.rsplit(":", 1)
    entries.append(F(cfg_name, cfg_bytes))
    entries.append(F("manifest.json", jdump([{"Config": cfg_name, "RepoTags": [repotag],
                                               "Layers": layer_paths}])))
    entries.append(F("repositories", jdump({repo: {tag: parent}})))
    info = {"digest": None, "config": sha256(cfg_bytes),
            "layers": [{"digest": d, "diffId": d} for d in diff_ids]}
    return entries, info


def docker25_layout(layer_tars, repotag="example/app:2.0"):
    """A Docker 25+ `docker save`: an OCI layout plus manifest.json."""
    lay = Layout()
    layers = [layer(t, "none") for t in layer_tars]
    mdesc, info = build_image(lay, layers)
    repo, tag = repotag.rsplit(":", 1)
    d = dict(mdesc)
    d["annotations"] = {"io.containerd.image.name": "docker.io/" + repotag,
                        REF_NAME: tag}
    lay.set_index([d])
    lay.files["manifest.json"] = jdump([{
        "Config": "blobs/sha256/" + hexof(info["config"]),
        "RepoTags": [repotag],
        "Layers": ["blobs/sha256/" + hexof(x["digest"]) for x in info["layers"]]}])
    lay.files["repositories"] = jdump({repo: {tag: hexof(mdesc["digest"])}})
    return lay, info


# --------------------------------------------------------------------------
# the generator


class Gen:
    def __init__(self, out):
        self.out = out
        self.cases = []
        self.robust = []
        self.pcases = []

    def path(self, *parts):
        p = os.path.join(self.out, *parts)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    def case(self, name, ref, exit, expect=(), valid=None, formats="oci",
             skopeo=None, umoci=False, platform=None, info=None, **extra):
        if valid is None:
            valid = exit == 0
        c = {"name": name, "ref": ref, "exit": exit, "expect": list(expect),
             "valid": valid, "formats": formats, "skopeo": skopeo, "umoci": umoci}
        if platform:
            c["platform"] = platform
        if info is not None:
            c["digest"] = info["digest"]
            c["config"] = info["config"]
            c["layers"] = info["layers"]
        c.update(extra)
        self.cases.append(c)

    def robustness(self, name, ref, note, args=None, **extra):
        r = {"name": name, "ref": ref, "note": note}
        if args:
            r["args"] = args
        r.update(extra)
        self.robust.append(r)

    def write_tar(self, rel, entries, compress=False):
        data = mktar(entries)
        if compress:
            data = gz(data)
        with open(self.path(rel), "wb") as f:
            f.write(data)
        return self.path(rel)

    def layout_dir(self, name, lay):
        d = os.path.join(self.out, name)
        lay.write_dir(d)
        return d

    # ---- simple single-image layouts

    def single(self, name, layers, ref="latest", **kw):
        lay = Layout()
        mdesc, info = build_image(lay, layers, **kw)
        lay.set_index([with_ref(mdesc, ref)])
        return lay, info

    def broken(self, name, lay, expect, note, transport="oci"):
        d = self.layout_dir(name, lay)
        self.case(name, "%s:%s:latest" % (transport, d), 1, [expect], valid=False,
                  note=note)

    # ---- valid images

    def valid_traps(self):
        rng = random.Random("traps")
        ents = [
            D("./"),
            D("./etc/"),
            F("./etc/hostname", b"app\n"),
            S("./etc/alt", "/usr/bin/foo"),                # absolute: inside the root
            D("./etc/..data/"),                            # ".." inside a name, not a component
            F("./etc/..data/config", b"key=value\n"),
            S("./etc/config", "..data/config"),
            D("./usr/"),
            D("./usr/bin/"),
            F("./usr/bin/foo", words(rng, 3000), 0o755),
            H("./usr/bin/foo-hardlink", "./usr/bin/foo"),  # in-layer hard link
            H("usr/bin/foo-hardlink2", "usr/bin/foo"),     # same, no "./" prefix
            S("./usr/bin/foo-rel", "foo"),
            D("./usr/app/"),
            F("./usr/app/main.txt", words(rng, 1500)),
            D("./usr/lib/"),
            S("./usr/lib/current", "../app"),              # "../" that stays inside
            S("./usr/lib/self", "."),
            D("./usr/share/"),
            D("./usr/share/doc/"),
            F("./usr/share/doc/a..b", b"dots in a file name\n"),
            D("./a/"),
            D("./a/b/"),
            S("./a/b/ok", "../../usr/app"),                # climbs two, stays inside
            F("./.wh.removed", b""),                       # whiteout
            D("./dir/"),
            F("./dir/.wh..wh..opq", b""),                  # opaque whiteout
            F("./dir/kept.txt", b"kept\n"),
            D("./tmp/", 0o1777),                           # sticky world-writable dir
            D("./home/"),
            D("./home/app/"),
            F("./home/app/.profile", b"export APP=1\n"),
        ]
        lay, info = self.single("valid-oci-traps", [layer(mktar(ents, pad=True), "gzip")],
                                history=[{"created": CREATED, "created_by": "ADD rootfs /"}])
        d = self.layout_dir("valid-oci-traps", lay)
        self.case("valid-oci-traps", "oci:%s:latest" % d, 0, skopeo="oci:%s:latest" % d,
                  umoci=True, info=info,
                  note="one gzip layer; absolute and ../ symlinks that stay inside, hard links, "
                       "whiteouts, 1777 tmp, ./ names: nothing may be flagged HIGH")

    def multilayer_layout(self, comps=("gzip", "zstd", "none", "gzip-multi")):
        rng = random.Random("multi")
        t1 = mktar([D("./"), D("./etc/"), F("./etc/os-release", b"ID=ocigate-test\n"),
                    D("./usr/"), D("./usr/bin/"), F("./usr/bin/tool", words(rng, 4000), 0o755),
                    D("./old/"), F("./old/file", words(rng, 500)),
                    D("./var/"), D("./var/cache/"), F("./var/cache/x", words(rng, 300))])
        t2 = mktar([D("./usr/"), D("./usr/share/"), F("./usr/share/data.txt", words(rng, 8000))])
        t3 = mktar([D("./opt/"), D("./opt/app/"),
                    F("./opt/app/config.json", jdump({"mode": "test", "port": 8080})),
                    F("./opt/app/README", words(rng, 5000))], pad=True)
        t4 = mktar([D("./opt/"), D("./opt/app/"),
                    F("./opt/app/run.sh", b"#!/bin/sh\nexec /usr/bin/tool \"$@\"\n", 0o755),
                    F("./.wh.old", b""),
                    D("./var/"), D("./var/cache/"), F("./var/cache/.wh..wh..opq", b""),
                    F("./var/cache/y", words(rng, 6000))], pad=True)
        layers = [layer(t, c) for t, c in zip((t1, t2, t3, t4), comps)]
        hist = [
            {"created": CREATED, "created_by": "ADD base.tar /"},
            {"created": CREATED, "created_by": "ENV APP_MODE=test", "empty_layer": True},
            {"created": CREATED, "created_by": "COPY data.txt /usr/share/"},
            {"created": CREATED, "created_by": "LABEL a=b", "empty_layer": True},
            {"created": CREATED, "created_by": "COPY config.json /opt/app/"},
            {"created": CREATED, "created_by": "COPY run.sh /opt/app/; RUN rm -rf /old"},
            {"created": CREATED, "created_by": "CMD [\"--serve\"]", "empty_layer": True},
        ]
        rc = default_runconfig()
        rc["Entrypoint"] = ["/opt/app/run.sh"]
        return self.single("valid-oci-multilayer", layers, history=hist, runconfig=rc)

    def valid_multilayer(self):
        lay, info = self.multilayer_layout()
        d = self.layout_dir("valid-oci-multilayer", lay)
        self.case("valid-oci-multilayer", "oci:%s:latest" % d, 0, skopeo="oci:%s:latest" % d,
                  umoci=False, info=info,
                  note="gzip, zstd, uncompressed and multi-member gzip layers; whiteouts over "
                       "earlier layers; history with empty_layer entries (umoci 0.4.7 lacks zstd)")
        lay_gz, info_gz = self.multilayer_layout(("gzip", "gzip", "gzip", "gzip-multi"))
        d = self.layout_dir("valid-oci-multilayer-gzip", lay_gz)
        self.case("valid-oci-multilayer-gzip", "oci:%s:latest" % d, 0,
                  skopeo="oci:%s:latest" % d, umoci=True, info=info_gz,
                  note="valid-oci-multilayer with gzip layers only (for umoci): whiteouts over "
                       "earlier layers, multi-member gzip, empty_layer history")
        # the same as oci-archive, oci-layout/index.json first
        p = self.write_tar("valid-oci-archive/image.tar", lay.tar_entries())
        self.case("valid-oci-archive", "oci-archive:" + p, 0, formats="oci-archive",
                  skopeo="oci-archive:" + p, info=info,
                  note="oci-archive of valid-oci-multilayer (oci-layout, index.json first)")
        self.case("valid-oci-archive-ref", "oci-archive:%s:latest" % p, 0,
                  formats="oci-archive", skopeo="oci-archive:%s:latest" % p, info=info,
                  note="oci-archive with :REF")
        self.case("valid-oci-archive-bare", p, 0, formats="oci-archive",
                  skopeo="oci-archive:" + p, info=info,
                  note="bare path to an oci-archive: sniffed")
        # blobs first, the order a directory walk gives (skopeo's own archives)
        p2 = self.write_tar("valid-oci-archive-blobsfirst/image.tar", lay.tar_entries(first=()))
        self.case("valid-oci-archive-blobsfirst", "oci-archive:" + p2, 0,
                  formats="oci-archive", skopeo="oci-archive:" + p2, info=info,
                  note="oci-archive with blobs before index.json")

    def valid_index(self):
        lay = Layout()
        rng = random.Random("index")
        children = []
        plats = [("amd64", None), ("arm64", "v8")]
        for arch, variant in plats:
            t = mktar(simple_tree("index-" + arch, [
                D("./usr/"), D("./usr/bin/"), F("./usr/bin/foo", words(rng, 1200), 0o755)]))
            mdesc, _ = build_image(lay, [layer(t, "gzip")], arch=arch, variant=variant)
            plat = {"architecture": arch, "os": "linux"}
            if variant:
                plat["variant"] = variant
            d = dict(mdesc)
            d["platform"] = plat
            children.append(d)
        atts = []
        for (arch, variant), child in zip(plats, children):
            pl = "linux%2F" + arch + ("%2F" + variant if variant else "")
            stmt = {
                "_type": "https://in-toto.io/Statement/v0.1",
                "predicateType": "https://slsa.dev/provenance/v0.2",
                "subject": [{"name": "pkg:docker/example/app@latest?platform=" + pl,
                             "digest": {"sha256": hexof(child["digest"])}}],
                "predicate": {"builder": {"id": ""},
                              "buildType": "https://mobyproject.org/buildkit@v1",
                              "metadata": {"buildInvocationID": "ocigate-test-" + arch}},
            }
            stmt_bytes = jdump(stmt)
            ldesc = lay.put(stmt_bytes, MT_INTOTO, annotations={
                "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"})
            acfg = jdump({"architecture": "unknown", "os": "unknown", "config": {},
                          "rootfs": {"type": "layers", "diff_ids": [ldesc["digest"]]}})
            cdesc = lay.put(acfg, MT_OCI_CONFIG)
            aman = jdump({"schemaVersion": 2, "mediaType": MT_OCI_MANIFEST,
                          "config": cdesc, "layers": [ldesc]})
            adesc = lay.put(aman, MT_OCI_MANIFEST)
            adesc["annotations"] = {"vnd.docker.reference.digest": child["digest"],
                                    "vnd.docker.reference.type": "attestation-manifest"}
            adesc["platform"] = {"architecture": "unknown", "os": "unknown"}
            atts.append(adesc)
        idx = jdump({"schemaVersion": 2, "mediaType": MT_OCI_INDEX,
                     "manifests": children + atts})
        idesc = lay.put(idx, MT_OCI_INDEX)
        lay.set_index([with_ref(idesc, "latest")])
        d = self.layout_dir("valid-oci-index", lay)
        info = {"digest": idesc["digest"]}
        self.case("valid-oci-index", "oci:%s:latest" % d, 0, skopeo="oci:%s:latest" % d,
                  umoci=False, digest=idesc["digest"], platforms=["linux/amd64", "linux/arm64/v8"],
                  note="multi-arch index (amd64, arm64/v8) with buildkit attestation manifests "
                       "(unknown/unknown, in-toto layers); all platforms checked")
        self.case("valid-oci-index-arm64", "oci:%s:latest" % d, 0, platform="linux/arm64/v8",
                  digest=idesc["digest"], note="the same index, --platform linux/arm64/v8")
        self.case("valid-oci-index-amd64", "oci:%s:latest" % d, 0, platform="linux/amd64",
                  digest=idesc["digest"], note="the same index, --platform linux/amd64")
        return info

    def valid_docker(self):
        rng = random.Random("docker")
        ta = mktar(simple_tree("docker-a"))
        tb = mktar([D("./opt/"), F("./opt/b.txt", words(rng, 3000))])
        # legacy: layers A, B, A (the third is a symlink to the first)
        entries, info = docker_legacy_entries([ta, tb, ta])
        p = self.write_tar("valid-docker-legacy/image.tar", entries)
        self.case("valid-docker-legacy", "docker-archive:" + p, 0, formats="docker-archive",
                  skopeo="docker-archive:" + p, info=info,
                  note="legacy docker save: <id>/layer.tar, third layer a symlink to the first")
        self.case("valid-docker-legacy-tag", "docker-archive:%s:example/app:1.0" % p, 0,
                  formats="docker-archive", skopeo="docker-archive:%s:example/app:1.0" % p,
                  info=info, note="legacy docker save selected by RepoTags")
        self.case("valid-docker-legacy-bare", p, 0, formats="docker-archive",
                  skopeo="docker-archive:" + p, info=info,
                  note="bare path: tar with manifest.json only -> docker-archive")
        pg = self.write_tar("valid-docker-legacy-gz/image.tar.gz", entries, compress=True)
        self.case("valid-docker-legacy-gz", "docker-archive:" + pg, 0, formats="docker-archive",
                  skopeo="docker-archive:" + p, info=info,
                  note="docker save | gzip of valid-docker-legacy (skopeo 1.9 cannot read a "
                       "gzipped docker-archive, so it is cross-checked against the plain tar)")
        # Docker 25+
        tc = mktar(simple_tree("docker25-a"))
        td = mktar([D("./srv/"), F("./srv/d.txt", words(rng, 2000))])
        lay, info25 = docker25_layout([tc, td])
        p25 = self.write_tar("valid-docker-oci/image.tar",
                             lay.tar_entries(first=()))
        info_da = dict(info25)
        info_da["digest"] = None
        self.case("valid-docker-oci", "docker-archive:" + p25, 0, formats="docker-archive",
                  skopeo="docker-archive:" + p25, info=info_da,
                  note="Docker 25+ docker save: OCI layout + manifest.json with blobs/sha256 paths")
        self.case("valid-docker-oci-bare", p25, 0, formats="oci-archive",
                  skopeo="oci-archive:" + p25, info=info25,
                  note="bare path to a Docker 25+ archive: has oci-layout, read as oci-archive")
        self.case("valid-docker-oci-as-oci-archive", "oci-archive:" + p25, 0,
                  formats="oci-archive", skopeo="oci-archive:" + p25, info=info25,
                  note="Docker 25+ archive read explicitly as oci-archive")

    def valid_two_refs(self):
        lay = Layout()
        ma, ia = build_image(lay, [layer(mktar(simple_tree("two-a")), "gzip")])
        mb, ib = build_image(lay, [layer(mktar(simple_tree("two-b")), "gzip")])
        lay.set_index([with_ref(ma, "a"), with_ref(mb, "b")])
        d = self.layout_dir("valid-oci-two-refs", lay)
        self.case("valid-oci-two-refs-a", "oci:%s:a" % d, 0, skopeo="oci:%s:a" % d,
                  umoci=True, info=ia, note="layout with images a and b, REF a")
        self.case("valid-oci-two-refs-b", "oci:%s:b" % d, 0, skopeo="oci:%s:b" % d,
                  umoci=True, info=ib, note="layout with images a and b, REF b")
        self.case("err-oci-two-refs-noref", "oci:%s" % d, 2, valid=False,
                  note="two images and no REF: ambiguous, usage error listing them")

    def valid_docker_media_types(self):
        t = mktar(simple_tree("dockermt"))
        L = layer(t, "gzip", MT_DOCKER_LAYER_GZIP)
        lay, info = self.single("valid-oci-docker-mt", [L], config_media_type=MT_DOCKER_CONFIG,
                                manifest_media_type=MT_DOCKER_MANIFEST)
        d = self.layout_dir("valid-oci-docker-mt", lay)
        self.case("valid-oci-docker-mt", "oci:%s:latest" % d, 0, umoci=False, info=info,
                  note="OCI layout holding a Docker schema 2 manifest, config and gzip layer, "
                       "as containerd exports (skopeo 1.9 and umoci 0.4.7 only look at OCI "
                       "manifest descriptors in index.json, so no cross-check)")

    def valid_foreign(self):
        t1 = mktar(simple_tree("foreign-1"))
        t2 = mktar([D("./win/"), F("./win/base.txt", b"foreign base layer\n")])
        L2 = layer(t2, "gzip", MT_OCI_LAYER_ND_GZIP)
        L2["urls"] = ["https://example.invalid/layers/base.tar.gz"]
        lay, info = self.single("valid-oci-foreign", [L2, layer(t1, "gzip")])
        d = self.layout_dir("valid-oci-foreign", lay)
        self.case("valid-oci-foreign", "oci:%s:latest" % d, 0, ["layer.foreign"],
                  skopeo="oci:%s:latest" % d, umoci=True, info=info,
                  skopeo_copy_validate=False,
                  note="non-distributable layer with urls, blob present: MEDIUM layer.foreign "
                       "(skopeo copy leaves foreign blobs out)")

    # ---- broken images

    def base_layers(self, seed, n=1, comp="gzip", size=2048):
        return [layer(mktar(simple_tree("%s-%d" % (seed, i), size=size)), comp)
                for i in range(n)]

    def broken_integrity(self):
        # blob.missing
        L = self.base_layers("missing", 2)
        L[1]["store"] = False
        lay, _ = self.single("bad-blob-missing", L)
        self.broken("bad-blob-missing", lay, "blob.missing", "second layer's blob file deleted")

        # blob.digest_mismatch: layer bytes altered (gzip header mtime, still inflates
        # to the same tar), stored under the original digest
        L = self.base_layers("dm")
        b = bytearray(L[0]["blob"])
        b[4:8] = b"\x01\x02\x03\x04"
        L[0]["stored"] = bytes(b)
        lay, _ = self.single("bad-blob-digest-mismatch", L)
        self.broken("bad-blob-digest-mismatch", lay, "blob.digest_mismatch",
                    "layer bytes changed (gzip MTIME field) after naming: same size, same "
                    "diff_id, different sha256")

        def cfg_corrupt(bts):
            old = b'"org.opencontainers.image.title":"ocigate-test"'
            assert old in bts
            return bts.replace(old, b'"org.opencontainers.image.title":"ocigate-TEST"')

        lay, _ = self.single("bad-blob-digest-mismatch-config", self.base_layers("dmc"),
                             cfg_store_mut=cfg_corrupt)
        self.broken("bad-blob-digest-mismatch-config", lay, "blob.digest_mismatch",
                    "config bytes changed after naming (label value, same size, valid JSON)")

        # blob.size_mismatch
        for name, delta in (("bad-blob-size-mismatch", 1), ("bad-blob-size-mismatch-short", -1)):
            L = self.base_layers(name)
            L[0]["desc"] = {"size": len(L[0]["blob"]) + delta}
            lay, _ = self.single(name, L)
            self.broken(name, lay, "blob.size_mismatch",
                        "layer descriptor size %+d; bytes and digest right" % delta)

        # digest.invalid
        L = self.base_layers("di")
        L[0]["desc"] = {"digest": "sha256:XYZ"}
        lay, _ = self.single("bad-digest-invalid", L)
        self.broken("bad-digest-invalid", lay, "digest.invalid",
                    'layer descriptor digest "sha256:XYZ"')
        L = self.base_layers("diu")
        L[0]["desc"] = {"digest": "sha256:" + hexof(sha256(L[0]["blob"])).upper()}
        lay, _ = self.single("bad-digest-invalid-upper", L)
        self.broken("bad-digest-invalid-upper", lay, "digest.invalid",
                    "layer descriptor digest with upper-case hex")

        # layer.diffid_mismatch / layer.diffid_count
        def diffid_wrong(cfg):
            cfg["rootfs"]["diff_ids"][1] = sha256(b"not this layer")

        lay, _ = self.single("bad-layer-diffid-mismatch", self.base_layers("ddm", 2),
                             cfg_mut=diffid_wrong)
        self.broken("bad-layer-diffid-mismatch", lay, "layer.diffid_mismatch",
                    "config diff_ids[1] is the sha256 of something else")

        def diffid_extra(cfg):
            cfg["rootfs"]["diff_ids"].append(sha256(b"extra"))
            cfg["history"].append({"created": CREATED, "created_by": "extra"})

        lay, _ = self.single("bad-layer-diffid-count", self.base_layers("ddc", 1),
                             cfg_mut=diffid_extra)
        self.broken("bad-layer-diffid-count", lay, "layer.diffid_count",
                    "one diff_id more than layers")

        def diffid_fewer(cfg):
            cfg["rootfs"]["diff_ids"].pop()
            cfg["history"].pop()

        lay, _ = self.single("bad-layer-diffid-count-short", self.base_layers("ddcs", 2),
                             cfg_mut=diffid_fewer)
        self.broken("bad-layer-diffid-count-short", lay, "layer.diffid_count",
                    "one diff_id fewer than layers")

        # layer.decompress_error: the blob is the truncated stream (digest and size
        # of the truncated bytes), the config keeps the diff_id of the whole tar
        for name, comp in (("bad-layer-decompress-gzip", "gzip"),
                           ("bad-layer-decompress-zstd", "zstd")):
            L = self.base_layers(name, comp=comp, size=60000)
            L[0]["blob"] = L[0]["blob"][:len(L[0]["blob"]) // 2]
            lay, _ = self.single(name, L)
            self.broken(name, lay, "layer.decompress_error",
                        "%s stream cut in half; digest/size of the cut bytes" % comp)
        L = self.base_layers("bad-layer-decompress-gzip-corrupt", size=60000)
        b = bytearray(L[0]["blob"])
        mid = len(b) // 2
        for i in range(mid, mid + 64):
            b[i] ^= 0x5A
        L[0]["blob"] = bytes(b)
        lay, _ = self.single("bad-layer-decompress-gzip-corrupt", L)
        self.broken("bad-layer-decompress-gzip-corrupt", lay, "layer.decompress_error",
                    "64 bytes in the middle of the deflate data flipped")

        # layer.trailing_data
        for name, comp in (("bad-layer-trailing-gzip", "gzip"),
                           ("bad-layer-trailing-zstd", "zstd")):
            L = self.base_layers(name, comp=comp)
            L[0]["blob"] += b"GARBAGE!" * 16
            lay, _ = self.single(name, L)
            self.broken(name, lay, "layer.trailing_data",
                        "128 garbage bytes after the %s stream; digest/size/diff_id consistent"
                        % comp)

        # layer.tar_invalid
        rnd = random.Random("tarinvalid").randbytes(4096)
        L = [{"blob": gz(rnd), "diff_id": sha256(rnd), "mediaType": MT_OCI_LAYER_GZIP}]
        lay, _ = self.single("bad-layer-tar-invalid", L)
        self.broken("bad-layer-tar-invalid", lay, "layer.tar_invalid",
                    "valid gzip of 4 KiB random bytes (not a tar); diff_id consistent")

    def broken_conformance(self):
        # layout.invalid
        lay, _ = self.single("x", self.base_layers("li"))
        lay.files["index.json"] = b'{"schemaVersion": 2, "manifests": [ {"mediaType": '
        self.broken("bad-layout-index-json", lay, "layout.invalid", "index.json is not JSON")
        lay, _ = self.single("x", self.base_layers("lv"))
        lay.files["oci-layout"] = jdump({"imageLayoutVersion": "9.9.9"})
        self.broken("bad-layout-version", lay, "layout.invalid",
                    "oci-layout imageLayoutVersion 9.9.9")
        lay, _ = self.single("x", self.base_layers("lm"))
        del lay.files["oci-layout"]
        self.broken("bad-layout-no-oci-layout", lay, "layout.invalid",
                    "oci-layout file missing (explicit oci: transport)")
        lay, _ = self.single("x", self.base_layers("lni"))
        del lay.files["index.json"]
        d = self.layout_dir("bad-layout-no-index", lay)
        self.case("bad-layout-no-index", "oci:" + d, 1, ["layout.invalid"], valid=False,
                  note="index.json missing (explicit oci: transport)")

        # manifest.schema
        def v3(m):
            m["schemaVersion"] = 3

        lay, _ = self.single("x", self.base_layers("ms3"), man_mut=v3)
        self.broken("bad-manifest-schema-version", lay, "manifest.schema",
                    "manifest schemaVersion 3")

        def noarch(cfg):
            del cfg["architecture"]

        lay, _ = self.single("x", self.base_layers("msa"), cfg_mut=noarch)
        self.broken("bad-manifest-schema-config-noarch", lay, "manifest.schema",
                    "config lacks architecture")

        def rootfs_foo(cfg):
            cfg["rootfs"]["type"] = "foo"

        lay, _ = self.single("x", self.base_layers("msr"), cfg_mut=rootfs_foo)
        self.broken("bad-manifest-schema-rootfs-type", lay, "manifest.schema",
                    'config rootfs.type "foo"')
        L = self.base_layers("mss")
        L[0]["desc"] = {"size": str(len(L[0]["blob"]))}
        lay, _ = self.single("x", L)
        self.broken("bad-manifest-schema-size-string", lay, "manifest.schema",
                    "layer descriptor size is a JSON string")

        # manifest.media_type
        L = self.base_layers("mtu")
        L[0]["mediaType"] = "application/x-unknown"
        lay, _ = self.single("x", L)
        self.broken("bad-media-type-unknown", lay, "manifest.media_type",
                    'layer mediaType "application/x-unknown"')
        L = self.base_layers("mtz", comp="zstd")
        L[0]["mediaType"] = MT_OCI_LAYER_GZIP
        lay, _ = self.single("x", L)
        self.broken("bad-media-type-zstd-as-gzip", lay, "manifest.media_type",
                    "layer declared tar+gzip, bytes are zstd")
        L = self.base_layers("mtg", comp="gzip")
        L[0]["mediaType"] = MT_OCI_LAYER
        lay, _ = self.single("x", L)
        self.broken("bad-media-type-gzip-as-tar", lay, "manifest.media_type",
                    "layer declared plain tar, bytes are gzip")

        # index.manifest_missing
        lay, _ = self.single("x", self.base_layers("imm"), store_manifest=False)
        self.broken("bad-index-manifest-missing", lay, "index.manifest_missing",
                    "index.json points at a manifest blob that is absent")

        # multi-arch: a blob missing in the second platform (all platforms are checked)
        lay = Layout()
        ch = []
        for i, (arch, variant) in enumerate((("amd64", None), ("arm64", "v8"))):
            L = self.base_layers("ipm-" + arch)
            if i == 1:
                L[0]["store"] = False
            m, _ = build_image(lay, L, arch=arch, variant=variant)
            m["platform"] = {"architecture": arch, "os": "linux"}
            if variant:
                m["platform"]["variant"] = variant
            ch.append(m)
        idesc = lay.put(jdump({"schemaVersion": 2, "mediaType": MT_OCI_INDEX,
                               "manifests": ch}), MT_OCI_INDEX)
        lay.set_index([with_ref(idesc, "latest")])
        self.broken("bad-index-platform-blob-missing", lay, "blob.missing",
                    "multi-arch index; the arm64 image's layer blob is absent")

        # the index says arm64, the config says amd64
        lay = Layout()
        m, _ = build_image(lay, self.base_layers("ipmm"), arch="amd64")
        m["platform"] = {"architecture": "arm64", "os": "linux"}
        idesc = lay.put(jdump({"schemaVersion": 2, "mediaType": MT_OCI_INDEX,
                               "manifests": [m]}), MT_OCI_INDEX)
        lay.set_index([with_ref(idesc, "latest")])
        self.broken("bad-index-platform-mismatch", lay, "platform.mismatch",
                    "index entry platform linux/arm64, config linux/amd64")

    def broken_paths(self):
        def one(name, ents, expect, note, two=None):
            layers = [layer(mktar(simple_tree(name) + ents), "gzip")]
            if two is not None:
                layers.append(layer(mktar(two), "gzip"))
            lay, _ = self.single(name, layers)
            self.broken(name, lay, expect, note)

        one("bad-path-traversal", [F("../../etc/evil", b"evil\n")], "path.traversal",
            'entry "../../etc/evil"')
        one("bad-path-traversal-inner", [D("a/"), F("a/../../x", b"x\n")], "path.traversal",
            'entry "a/../../x"')
        one("bad-path-absolute", [F("/etc/abs", b"abs\n")], "path.absolute",
            'entry "/etc/abs"')
        one("bad-link-escape-symlink", [S("evil", "../../../../")], "link.escape",
            'symlink "evil -> ../../../../"')
        one("bad-link-escape-nested", [D("./a/"), D("./a/b/"), S("./a/b/up", "../../../x")],
            "link.escape", 'symlink "a/b/up -> ../../../x" (one level too many)')
        one("bad-link-escape-write-through", [S("evil", "../../../..")], "link.escape",
            'layer 1: symlink "evil -> ../../../.."; layer 2 writes "evil/etc/passwd"',
            two=[D("evil/etc/"), F("evil/etc/passwd", b"root::0:0::/:/bin/sh\n")])
        one("bad-link-escape-hardlink", [H("./hl", "../../outside")], "link.escape",
            'hard link "hl" -> "../../outside"')

    def broken_archives(self):
        rng = random.Random("bad-docker")
        ta = mktar(simple_tree("bad-docker-a"))
        tb = mktar([D("./opt/"), F("./opt/b.txt", words(rng, 1000))])
        entries, _ = docker_legacy_entries([ta, tb], omit_layer=1)
        p = self.write_tar("bad-docker-blob-missing/image.tar", entries)
        self.case("bad-docker-blob-missing", "docker-archive:" + p, 1, ["blob.missing"],
                  valid=False, formats="docker-archive",
                  note="legacy docker-archive; manifest.json lists a layer.tar that is absent")
        tb2 = mktar([D("./opt/"), F("./opt/b.txt", words(rng, 1000))])
        entries, _ = docker_legacy_entries([ta, tb], stored_layer=(1, tb2))
        p = self.write_tar("bad-docker-diffid-mismatch/image.tar", entries)
        self.case("bad-docker-diffid-mismatch", "docker-archive:" + p, 1,
                  ["layer.diffid_mismatch"], valid=False, formats="docker-archive",
                  note="legacy docker-archive; the second layer.tar does not hash to its diff_id")
        entries, _ = docker_legacy_entries([ta])
        entries = [e if e[1] != "manifest.json" else F("manifest.json", b"[{\"Config\":")
                   for e in entries]
        p = self.write_tar("bad-docker-manifest-json/image.tar", entries)
        self.case("bad-docker-manifest-json", "docker-archive:" + p, 1, ["layout.invalid"],
                  valid=False, formats="docker-archive",
                  note="legacy docker-archive whose manifest.json is not JSON")
        # an oci-archive with a corrupted layer
        L = self.base_layers("arch-dm")
        b = bytearray(L[0]["blob"])
        b[4:8] = b"\x01\x02\x03\x04"
        L[0]["stored"] = bytes(b)
        lay, _ = self.single("x", L)
        p = self.write_tar("bad-oci-archive-digest-mismatch/image.tar", lay.tar_entries())
        self.case("bad-oci-archive-digest-mismatch", "oci-archive:" + p, 1,
                  ["blob.digest_mismatch"], valid=False, formats="oci-archive",
                  note="oci-archive; a layer's bytes do not hash to its digest")

    # ---- robustness inputs

    def robustness_inputs(self):
        R = "robust"
        rng = random.Random("robust")
        p = self.path(R, "empty-file")
        open(p, "wb").close()
        for tr in ("", "oci-archive:", "docker-archive:"):
            self.robustness("empty-file" + ("-" + tr[:-1] if tr else ""), tr + p,
                            "0-byte file")
        p = self.path(R, "random-64k")
        with open(p, "wb") as f:
            f.write(rng.randbytes(65536))
        for tr in ("", "oci-archive:", "docker-archive:"):
            self.robustness("random-64k" + ("-" + tr[:-1] if tr else ""), tr + p,
                            "64 KiB of random bytes")
        d = self.path(R, "empty-dir", "x")
        d = os.path.dirname(d)
        os.makedirs(d, exist_ok=True)
        self.robustness("empty-dir", d, "empty directory")
        self.robustness("empty-dir-oci", "oci:" + d, "empty directory as oci:")
        d = os.path.dirname(self.path(R, "random-dir", "x"))
        for i in range(4):
            with open(os.path.join(d, "file%d" % i), "wb") as f:
                f.write(rng.randbytes(1000 + 500 * i))
        os.makedirs(os.path.join(d, "blobs"), exist_ok=True)
        with open(os.path.join(d, "blobs", "junk"), "wb") as f:
            f.write(rng.randbytes(300))
        self.robustness("random-dir", d, "directory of random files")
        self.robustness("random-dir-oci", "oci:" + d, "directory of random files as oci:")

        # truncated oci-archives: cut inside headers and inside blobs
        lay, _ = self.multilayer_layout()
        ents = lay.tar_entries()
        full = mktar(ents)
        offs = []
        with tarfile.open(fileobj=io.BytesIO(full)) as tf:
            for m in tf.getmembers():
                offs.append((m.name, m.offset, m.offset_data, m.size))
        cuts = [("header0", 100)]
        for name, off, data_off, size in offs:
            if name == "index.json":
                cuts.append(("mid-index", data_off + size // 2))
            if name.startswith("blobs/sha256/") and size > 1000:
                cuts.append(("hdr-" + name.rsplit("/", 1)[1][:8], off + 200))
                cuts.append(("blob-" + name.rsplit("/", 1)[1][:8], data_off + size // 2))
        for tag, cut in cuts:
            p = self.path(R, "truncated-oci-archive-%s.tar" % tag)
            with open(p, "wb") as f:
                f.write(full[:cut])
            self.robustness("truncated-oci-archive-" + tag, "oci-archive:" + p,
                            "oci-archive cut at byte %d of %d" % (cut, len(full)))
            self.robustness("truncated-oci-archive-%s-bare" % tag, p,
                            "oci-archive cut at byte %d of %d (bare path)" % (cut, len(full)))

        # truncated gzipped docker-archive
        ta = mktar(simple_tree("robust-docker", size=20000))
        entries, _ = docker_legacy_entries([ta, mktar(simple_tree("robust-docker2", size=9000))])
        dgz = gz(mktar(entries))
        for frac in (10, 50, 90):
            cut = len(dgz) * frac // 100
            p = self.path(R, "truncated-docker-gz-%d.tar.gz" % frac)
            with open(p, "wb") as f:
                f.write(dgz[:cut])
            self.robustness("truncated-docker-gz-%d" % frac, "docker-archive:" + p,
                            "gzipped docker-archive cut at %d%%" % frac)

        # JSON nested 100,000 deep
        deep_arr = b"[" * 100000 + b"]" * 100000
        deep_obj = b'{"a":' * 100000 + b"1" + b"}" * 100000
        with open(self.path(R, "deep-array.json"), "wb") as f:
            f.write(deep_arr)
        with open(self.path(R, "deep-object.json"), "wb") as f:
            f.write(deep_obj)
        for t, fn in (("manifest", "deep-object.json"), ("manifest", "deep-array.json"),
                      ("index", "deep-array.json"), ("config", "deep-object.json")):
            self.robustness("schema-%s-%s" % (t, fn[:-5]), self.path(R, fn),
                            "ocigate schema --type %s on JSON nested 100000 deep" % t,
                            args=["schema", "--type", t])
        lay = Layout()
        lay.files["oci-layout"] = jdump({"imageLayoutVersion": "1.0.0"})
        lay.files["index.json"] = deep_arr
        d = os.path.join(self.out, R, "deep-index")
        lay.write_dir(d)
        self.robustness("deep-index", "oci:" + d, "index.json nested 100000 deep")
        lay = Layout()
        mdesc = lay.put(deep_obj, MT_OCI_MANIFEST)
        lay.set_index([with_ref(mdesc, "latest")])
        d = os.path.join(self.out, R, "deep-manifest")
        lay.write_dir(d)
        self.robustness("deep-manifest", "oci:%s:latest" % d,
                        "manifest blob nested 100000 deep (digest and size right)")

        # a 100 MB manifest: valid JSON, padded with whitespace, streamed to disk
        d = os.path.join(self.out, R, "huge-manifest")
        lay = Layout()
        L = layer(mktar(simple_tree("huge")), "gzip")
        _, info = build_image(lay, [L])
        man = jdump({"schemaVersion": 2, "mediaType": MT_OCI_MANIFEST,
                     "config": {"mediaType": MT_OCI_CONFIG, "digest": info["config"],
                                "size": len(lay.files["blobs/sha256/" + hexof(info["config"])])},
                     "layers": [{"mediaType": L["mediaType"], "digest": sha256(L["blob"]),
                                 "size": len(L["blob"])}]})
        head, tail = man[:1], man[1:]
        pad_total = 100 * 1024 * 1024
        chunk = b" " * (1024 * 1024)
        h = hashlib.sha256()
        h.update(head)
        for _ in range(pad_total // len(chunk)):
            h.update(chunk)
        h.update(tail)
        digest = "sha256:" + h.hexdigest()
        size = len(head) + pad_total + len(tail)
        lay.set_index([{"mediaType": MT_OCI_MANIFEST, "digest": digest, "size": size,
                        "annotations": {REF_NAME: "latest"}}])
        lay.write_dir(d)
        with open(os.path.join(d, "blobs", "sha256", hexof(digest)), "wb") as f:
            f.write(head)
            for _ in range(pad_total // len(chunk)):
                f.write(chunk)
            f.write(tail)
        self.robustness("huge-manifest", "oci:%s:latest" % d,
                        "manifest blob of 100 MiB (whitespace-padded JSON), right digest/size")

        # oci-archive whose index.json is a symlink to /etc/passwd
        lay, _ = self.single("x", self.base_layers("robust-link"))
        del lay.files["index.json"]
        lay.links["index.json"] = "/etc/passwd"
        p = self.write_tar(os.path.join(R, "index-symlink.tar"), lay.tar_entries())
        self.robustness("index-symlink", "oci-archive:" + p,
                        "oci-archive whose index.json is a symlink to /etc/passwd",
                        no_passwd=True)
        self.robustness("index-symlink-bare", p, "the same, bare path", no_passwd=True)
        # ... and one whose layer blob is a symlink to /etc/passwd
        lay, info = self.single("x", self.base_layers("robust-link2"))
        rel = "blobs/sha256/" + hexof(info["layers"][0]["digest"])
        del lay.files[rel]
        lay.links[rel] = "/etc/passwd"
        p = self.write_tar(os.path.join(R, "blob-symlink.tar"), lay.tar_entries())
        self.robustness("blob-symlink", "oci-archive:" + p,
                        "oci-archive whose layer blob is a symlink to /etc/passwd",
                        no_passwd=True)
        missing = os.path.join(self.out, R, "does-not-exist")
        self.robustness("missing-path", missing, "a path that does not exist")
        for tr in ("oci:", "oci-archive:", "docker-archive:"):
            self.robustness("missing-path-" + tr[:-1], tr + missing,
                            "a path that does not exist, as " + tr)

    # ---- policy cases (OUTDIR/policy-cases.json): the metadata checks

    META_PASSWD = (b"root:x:0:0:root:/root:/bin/sh\n"
                   b"svc:x:1000:1000:service:/home/svc:/usr/sbin/nologin\n")
    META_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzMETASECRET"

    def meta_tree(self, seed, extra=(), passwd=None, run=True):
        """A small root: /app/run (the entrypoint), /etc/passwd with svc = uid 1000."""
        rng = random.Random(seed)
        ents = [D("./"), D("./app/")]
        if run:
            ents.append(F("./app/run", b"#!/bin/sh\nexec echo ok \"$@\"\n", 0o755))
        ents += [F("./app/data.bin", rng.randbytes(2048)),
                 D("./etc/"), F("./etc/hostname", b"meta\n"),
                 F("./etc/passwd", passwd if passwd is not None else self.META_PASSWD)]
        return ents + list(extra)

    def meta_runconfig(self):
        return {
            "User": "svc",
            "ExposedPorts": {"8080/tcp": {}},
            "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "APP_MODE=prod"],
            "Entrypoint": ["/app/run"],
            "Cmd": ["--serve"],
            "WorkingDir": "/app",
            "Labels": {"org.opencontainers.image.created": CREATED,
                       "org.opencontainers.image.source": "https://example.invalid/meta",
                       "org.opencontainers.image.version": "1.2.3",
                       "org.opencontainers.image.licenses": "Apache-2.0",
                       "org.opencontainers.image.title": "meta"},
        }

    META_ANNOTATIONS = {"org.opencontainers.image.revision":
                        "0123456789abcdef0123456789abcdef01234567"}

    def meta_build(self, lay, name, layers=None, rc_mut=None, cfg_mut=None,
                   arch="amd64", variant=None, annotations=None):
        """One image in `lay` built like the good one, then mutated."""
        if layers is None:
            layers = [layer(mktar(self.meta_tree(name)), "gzip")]
        rc = self.meta_runconfig()
        if rc_mut:
            rc_mut(rc)
        hist = [{"created": CREATED, "created_by": "COPY rootfs%d /" % i}
                for i in range(len(layers))]
        hist.append({"created": CREATED, "created_by": "USER svc", "empty_layer": True})
        return build_image(lay, layers, arch=arch, variant=variant, history=hist,
                           runconfig=rc, cfg_mut=cfg_mut,
                           annotations=(self.META_ANNOTATIONS if annotations is None
                                        else annotations))

    def meta_single(self, name, **kw):
        lay = Layout()
        mdesc, _ = self.meta_build(lay, name, **kw)
        lay.set_index([with_ref(mdesc, "latest")])
        return "oci:%s:latest" % self.layout_dir(name, lay)

    def meta_index(self, name, plats):
        """An index of meta images, one per (arch, variant), and one buildkit
        attestation manifest (unknown/unknown: exempt from platform checks)."""
        lay = Layout()
        children = []
        for arch, variant in plats:
            m, _ = self.meta_build(lay, "%s-%s" % (name, arch), arch=arch, variant=variant)
            m["platform"] = {"architecture": arch, "os": "linux"}
            if variant:
                m["platform"]["variant"] = variant
            children.append(m)
        stmt = jdump({"_type": "https://in-toto.io/Statement/v0.1",
                      "predicateType": "https://slsa.dev/provenance/v0.2",
                      "subject": [{"name": "pkg:docker/example/meta@latest",
                                   "digest": {"sha256": hexof(children[0]["digest"])}}],
                      "predicate": {"builder": {"id": ""}}})
        ldesc = lay.put(stmt, MT_INTOTO, annotations={
            "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"})
        acfg = jdump({"architecture": "unknown", "os": "unknown", "config": {},
                      "rootfs": {"type": "layers", "diff_ids": [ldesc["digest"]]}})
        cdesc = lay.put(acfg, MT_OCI_CONFIG)
        adesc = lay.put(jdump({"schemaVersion": 2, "mediaType": MT_OCI_MANIFEST,
                               "config": cdesc, "layers": [ldesc]}), MT_OCI_MANIFEST)
        adesc["annotations"] = {"vnd.docker.reference.digest": children[0]["digest"],
                                "vnd.docker.reference.type": "attestation-manifest"}
        adesc["platform"] = {"architecture": "unknown", "os": "unknown"}
        idesc = lay.put(jdump({"schemaVersion": 2, "mediaType": MT_OCI_INDEX,
                               "manifests": children + [adesc]}), MT_OCI_INDEX)
        lay.set_index([with_ref(idesc, "latest")])
        return "oci:%s:latest" % self.layout_dir(name, lay)

    def pcase(self, name, ref, policy, exit, expect=(), absent=(), note="", **extra):
        c = {"name": name, "ref": ref, "policy": policy, "exit": exit,
             "expect": list(expect), "absent": list(absent), "note": note}
        c.update(extra)
        self.pcases.append(c)

    def policy_cases(self):
        """Images that trip each metadata check, each with the policy (a file name in
        testdata/policies/) that enables the check; and meta-good, which trips none."""
        P = self.pcase

        def rc_set(**kv):
            def mut(rc):
                for k, v in kv.items():
                    if v is None:
                        rc.pop(k, None)
                    else:
                        rc[k] = v
            return mut

        good = self.meta_index("meta-good", [("amd64", None), ("arm64", "v8")])

        # sizes
        rng = random.Random("meta-size")
        t0 = mktar(self.meta_tree("meta-size-total"))
        t1 = mktar([D("./opt/"), F("./opt/a.bin", rng.randbytes(5000))])
        t2 = mktar([D("./opt/"), F("./opt/b.bin", rng.randbytes(5000))])
        ref = self.meta_single("meta-size-total",
                               layers=[layer(t0, "gzip"), layer(t1, "gzip"), layer(t2, "gzip")])
        P("meta-size-total", ref, "size-total.json", 1, ["size.total"], ["size.layer"],
          "three layers of about 2, 5 and 5 KB, each under 8 KiB, together over "
          "max_compressed 8KiB")
        tiny = mktar([D("./"), D("./app/"), F("./app/run", b"#!/bin/sh\n", 0o755)])
        ref = self.meta_single("meta-size-total-min", layers=[layer(tiny, "gzip")],
                               rc_mut=rc_set(Labels=None, ExposedPorts=None),
                               annotations={})
        P("meta-size-total-min", ref, "size-min.json", 1, ["size.total"], [],
          "a tiny image (config and layer under 1 KiB) vs min_compressed 2KiB")
        big = mktar(self.meta_tree("meta-size-layer",
                                   [D("./opt/"), F("./opt/big.bin", rng.randbytes(12000))]))
        ref = self.meta_single("meta-size-layer", layers=[layer(big, "gzip")])
        P("meta-size-layer", ref, "size-layer.json", 1, ["size.layer"], [],
          "one layer of about 14 KB vs max_layer 8KiB")
        zeros = mktar(self.meta_tree("meta-size-uncompressed",
                                     [D("./opt/"), F("./opt/zeros", bytes(1 << 20))]))
        ref = self.meta_single("meta-size-uncompressed", layers=[layer(zeros, "gzip")])
        P("meta-size-uncompressed", ref, "size-uncompressed.json", 1, ["size.uncompressed"],
          ["layer.compression_ratio"],
          "a layer of 1 MiB of zeros (about 4 KB gzip: under the 256 MiB ratio floor) vs "
          "max_uncompressed 512KiB")
        ls = [layer(mktar(self.meta_tree("meta-layer-count")), "gzip")]
        ls += [layer(mktar([D("./opt/"), F("./opt/f%d" % i, b"layer %d\n" % i)]), "gzip")
               for i in range(3)]
        ref = self.meta_single("meta-layer-count", layers=ls)
        P("meta-layer-count", ref, "layer-count.json", 0, ["layer.count"], [],
          "four layers vs max_layers 3 (MEDIUM: warn, exit 0)", verdict="warn")

        # platforms
        def no_os(cfg):
            del cfg["os"]

        ref = self.meta_single("meta-platform-missing-field", cfg_mut=no_os)
        P("meta-platform-missing-field", ref, "minimal.json", 1,
          ["platform.missing_field", "manifest.schema"], [],
          "config without \"os\" (a schema violation too)")
        ref = self.meta_single("meta-platform-unsupported", arch="arm", variant="v5")
        P("meta-platform-unsupported", ref, "platform-allowed.json", 1,
          ["platform.unsupported"], [],
          "a linux/arm/v5 image vs allowed linux/amd64, linux/arm64/v8")
        ref = self.meta_index("meta-platform-required-missing", [("amd64", None)])
        P("meta-platform-required-missing", ref, "platform-required.json", 1,
          ["platform.required_missing"], [],
          "an index with only linux/amd64 (and an attestation) vs required linux/amd64, "
          "linux/arm64/v8", subjects=[["platform.required_missing", "linux/arm64/v8"]])

        # labels
        def drop_label(key):
            def mut(rc):
                del rc["Labels"][key]
            return mut

        def set_label(key, val):
            def mut(rc):
                rc["Labels"][key] = val
            return mut

        ref = self.meta_single("meta-labels-missing",
                               rc_mut=drop_label("org.opencontainers.image.source"))
        P("meta-labels-missing", ref, "labels-required.json", 1, ["labels.missing"], [],
          "no org.opencontainers.image.source label or annotation",
          subjects=[["labels.missing", "org.opencontainers.image.source"]])
        ref = self.meta_single("meta-labels-invalid",
                               rc_mut=set_label("org.opencontainers.image.version", "banana"))
        P("meta-labels-invalid", ref, "labels-match.json", 1, ["labels.invalid"], [],
          "version label \"banana\" vs ^v?[0-9]+\\.[0-9]+\\.[0-9]+",
          subjects=[["labels.invalid", "org.opencontainers.image.version"]])

        # entrypoint
        ref = self.meta_single("meta-entrypoint-missing",
                               rc_mut=rc_set(Entrypoint=None, Cmd=None))
        P("meta-entrypoint-missing", ref, "entrypoint.json", 1, ["entrypoint.missing"], [],
          "neither Entrypoint nor Cmd")
        P("meta-entrypoint-missing-off", ref, "entrypoint-off.json", 0, [],
          ["entrypoint.missing"], "the same image with entrypoint.required false")
        sh = mktar(self.meta_tree("meta-entrypoint-shell",
                                  [D("./bin/"), F("./bin/sh", b"\x7fELF-not-really\n", 0o755)]))
        ref = self.meta_single("meta-entrypoint-shell", layers=[layer(sh, "gzip")],
                               rc_mut=rc_set(Entrypoint=["/bin/sh", "-c", "x"], Cmd=None))
        P("meta-entrypoint-shell", ref, "entrypoint.json", 0, ["entrypoint.invalid"], [],
          "Entrypoint [\"/bin/sh\", \"-c\", \"x\"] (shell form, /bin/sh present) with "
          "exec_form true (MEDIUM: warn)", verdict="warn")
        P("meta-entrypoint-shell-allowed", ref, "minimal.json", 0, [], ["entrypoint.invalid"],
          "the same image; exec_form false (the default): shell form is allowed")
        ref = self.meta_single("meta-entrypoint-notfound",
                               layers=[layer(mktar(self.meta_tree("meta-ep-nf", run=False)),
                                             "gzip")])
        P("meta-entrypoint-notfound", ref, "entrypoint.json", 0, ["entrypoint.invalid"], [],
          "Entrypoint /app/run, no such file in the layers (MEDIUM: warn)", verdict="warn")
        P("meta-entrypoint-notfound-default", ref, "minimal.json", 0, ["entrypoint.invalid"],
          [], "the same image under the default policy: an absolute argv[0] must exist "
          "whatever the entrypoint keys say", verdict="warn")
        P("meta-entrypoint-notfound-off", ref, "entrypoint-off.json", 0,
          ["entrypoint.invalid"], [], "the same image with required and exec_form false: "
          "still reported", verdict="warn")
        wh = [layer(mktar(self.meta_tree("meta-ep-wh")), "gzip"),
              layer(mktar([D("./app/"), F("./app/.wh.run", b"")]), "gzip")]
        ref = self.meta_single("meta-entrypoint-whiteout", layers=wh)
        P("meta-entrypoint-whiteout", ref, "entrypoint.json", 0, ["entrypoint.invalid"], [],
          "/app/run in layer 1, deleted by a whiteout in layer 2", verdict="warn")
        opq = [layer(mktar(self.meta_tree("meta-ep-opq")), "gzip"),
               layer(mktar([D("./app/"), F("./app/.wh..wh..opq", b""),
                            F("./app/other", b"other\n")]), "gzip")]
        ref = self.meta_single("meta-entrypoint-opaque", layers=opq)
        P("meta-entrypoint-opaque", ref, "entrypoint.json", 0, ["entrypoint.invalid"], [],
          "/app/run in layer 1, /app made opaque in layer 2", verdict="warn")
        rel = [layer(mktar(self.meta_tree("meta-ep-re")), "gzip"),
               layer(mktar([D("./app/"), F("./app/.wh..wh..opq", b""),
                            F("./app/other", b"other\n")]), "gzip"),
               layer(mktar([D("./app/"), F("./app/run", b"#!/bin/sh\nexec echo v2\n", 0o755)]),
                     "gzip")]
        ref = self.meta_single("meta-entrypoint-recreated", layers=rel)
        P("meta-entrypoint-recreated", ref, "entrypoint.json", 0, [], ["entrypoint.invalid"],
          "/app/run hidden by an opaque /app in layer 2, written again in layer 3: present")

        # user
        for suffix, user, note in (("empty", "", "User \"\""),
                                   ("unset", None, "no User key"),
                                   ("zero", "0", "User \"0\""),
                                   ("zero-group", "0:1000", "User \"0:1000\""),
                                   ("name", "root", "User \"root\"")):
            ref = self.meta_single("meta-user-root-" + suffix, rc_mut=rc_set(User=user))
            P("meta-user-root-" + suffix, ref, "user.json", 0, ["user.root"], [],
              note + " with non_root true (MEDIUM: warn)", verdict="warn")
        pw = b"root:x:0:0:root:/root:/bin/sh\nsvc:x:0:0:svc:/home/svc:/bin/sh\n"
        t = mktar(self.meta_tree("meta-user-root-passwd", passwd=pw))
        ref = self.meta_single("meta-user-root-passwd", layers=[layer(t, "gzip")])
        P("meta-user-root-passwd", ref, "user.json", 0, ["user.root"], [],
          "User \"svc\", uid 0 in the image's /etc/passwd", verdict="warn")
        t2 = mktar([D("./etc/"), F("./etc/passwd", pw)])
        ref = self.meta_single("meta-user-root-passwd-layer2",
                               layers=[layer(mktar(self.meta_tree("meta-urp2")), "gzip"),
                                       layer(t2, "gzip")])
        P("meta-user-root-passwd-layer2", ref, "user.json", 0, ["user.root"], [],
          "User \"svc\": uid 1000 in layer 1's /etc/passwd, replaced by one with uid 0 "
          "in layer 2 (the final filesystem counts)", verdict="warn")

        # metadata, history, annotations
        def no_created(cfg):
            del cfg["created"]

        ref = self.meta_single("meta-metadata-incomplete", cfg_mut=no_created)
        P("meta-metadata-incomplete", ref, "metadata.json", 0, ["metadata.incomplete"], [],
          "config without \"created\" vs metadata.required [\"created\", ...]",
          verdict="warn", subjects=[["metadata.incomplete", "created"]])

        def long_history(cfg):
            cfg["history"] = [{"created": CREATED, "created_by": "RUN step %d" % i}
                              for i in range(3)]

        ref = self.meta_single("meta-history-mismatch", cfg_mut=long_history)
        P("meta-history-mismatch", ref, "history.json", 0, ["history.mismatch"], [],
          "three history entries that made a layer, one layer", verdict="warn")
        P("meta-history-mismatch-off", ref, "history-off.json", 0, [], ["history.mismatch"],
          "the same image with match_layers false")

        def no_oci_labels(rc):
            rc["Labels"] = {"com.example.team": "gate"}

        ref = self.meta_single("meta-annotations-missing", rc_mut=no_oci_labels,
                               annotations={})
        P("meta-annotations-missing", ref, "annotations.json", 0, ["annotations.missing"], [],
          "no org.opencontainers.image.* label or annotation (LOW: pass, exit 0)",
          verdict="pass",
          subjects=[["annotations.missing", "org.opencontainers.image." + k]
                    for k in ("created", "source", "revision", "version", "licenses")])

        # env, ports
        ref = self.meta_single("meta-env-missing", rc_mut=rc_set(Env=["APP_MODE=prod"]))
        P("meta-env-missing", ref, "env.json", 1, ["env.missing"], ["env.forbidden"],
          "Env without PATH", subjects=[["env.missing", "PATH"]])
        ref = self.meta_single("meta-env-forbidden", rc_mut=rc_set(Env=[
            "PATH=/usr/local/bin:/usr/bin:/bin",
            "AWS_SECRET_ACCESS_KEY=" + self.META_SECRET, "APP_MODE=prod"]))
        P("meta-env-forbidden", ref, "env.json", 1, ["env.forbidden"], ["env.missing"],
          "Env sets AWS_SECRET_ACCESS_KEY: the value must appear in no output",
          subjects=[["env.forbidden", "AWS_SECRET_ACCESS_KEY"]], secret=self.META_SECRET)
        ref = self.meta_single("meta-port-not-allowed", rc_mut=rc_set(
            ExposedPorts={"22/tcp": {}, "8080/tcp": {}}))
        P("meta-port-not-allowed", ref, "ports.json", 0, ["port.not_allowed"], [],
          "ExposedPorts 22/tcp and 8080/tcp vs allowed [8080] (MEDIUM: warn)",
          verdict="warn", subjects=[["port.not_allowed", "22/tcp"]],
          only_subjects={"port.not_allowed": ["22/tcp"]})

        # nothing checked
        lay = Layout()
        mdesc, _ = self.meta_build(lay, "meta-nothing-checked")
        lay.remove(mdesc["digest"])
        lay.set_index([with_ref(mdesc, "latest")])
        ref = "oci:%s:latest" % self.layout_dir("meta-nothing-checked", lay)
        P("meta-nothing-checked", ref, "minimal.json", 1, ["run.nothing_checked"], [],
          "index.json's only manifest is absent: no check could run")

        # the good image: under each policy above, none of that policy's ids; under
        # the strict policy (all of them), exit 0 and nothing at MEDIUM or above
        tripped = {}
        for c in self.pcases:
            tripped.setdefault(c["policy"], set()).update(c["expect"] + c["absent"])
        all_ids = set()
        for pol in sorted(tripped):
            ids = sorted(tripped[pol])
            all_ids.update(ids)
            P("meta-good+" + pol[:-5], good, pol, 0, [], ids,
              "meta-good (index: linux/amd64, linux/arm64/v8, an attestation) trips none "
              "of the policy's checks", clean=True)
        P("meta-good+strict", good, "strict.json", 0, [], sorted(all_ids | {
            "annotations.missing", "policy.ignore_unused", "policy.ignore_expired"}),
          "meta-good under a policy enabling every metadata check (fail_on MEDIUM)",
          clean=True, verdict="pass")
        P("meta-good+default", good, None, 0, [], sorted(all_ids | {"annotations.missing"}),
          "meta-good under the built-in default policy", clean=True, verdict="pass")

    def run(self):
        self.valid_traps()
        self.valid_multilayer()
        self.valid_index()
        self.valid_docker()
        self.valid_two_refs()
        self.valid_docker_media_types()
        self.valid_foreign()
        self.broken_integrity()
        self.broken_conformance()
        self.broken_paths()
        self.broken_archives()
        self.robustness_inputs()
        self.policy_cases()
        names = [c["name"] for c in self.cases] + [r["name"] for r in self.robust]
        assert len(names) == len(set(names)), "duplicate case names"
        pnames = [c["name"] for c in self.pcases]
        assert len(pnames) == len(set(pnames)), "duplicate policy case names"
        assert not set(pnames) & set(names), "policy case names clash with cases"
        with open(os.path.join(self.out, "cases.json"), "w") as f:
            json.dump(self.cases, f, indent=1)
            f.write("\n")
        with open(os.path.join(self.out, "robustness.json"), "w") as f:
            json.dump(self.robust, f, indent=1)
            f.write("\n")
        with open(os.path.join(self.out, "policy-cases.json"), "w") as f:
            json.dump(self.pcases, f, indent=1)
            f.write("\n")


def prepare(out, tool="genimages", marker=MARKER):
    """Empty OUT for a generator run: only a directory the same generator
    made (its marker file) is cleared."""
    if os.path.lexists(out):
        if not os.path.isdir(out) or os.path.islink(out):
            sys.exit("%s: %s exists and is not a directory" % (tool, out))
        if os.listdir(out) and not os.path.exists(os.path.join(out, marker)):
            sys.exit("%s: %s is not empty and was not made by %s.py; "
                     "refusing to clear it" % (tool, out, tool))
        shutil.rmtree(out)
    os.makedirs(out)
    with open(os.path.join(out, marker), "w") as f:
        f.write("made by tests/gen/%s.py; cleared on every run\n" % tool)


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        sys.stderr.write("usage: genimages.py OUTDIR\n")
        return 2
    out = os.path.abspath(argv[1])
    prepare(out)
    Gen(out).run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
