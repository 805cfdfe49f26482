#!/usr/bin/env python3
"""Pack this machine's dpkg database and os-release into a two-layer OCI image
layout, for test_packages.sh.

    packages_mklayout.py OUT_DIR STATUS OS_RELEASE

Layer 0 holds etc/os-release and a copy of STATUS in which the first installed
package has an older version ("0~ogold"); layer 1 holds STATUS as it is. So
every package is installed by layer 0 except that one, upgraded by layer 1.
Prints the upgraded package's name (Package:Architecture) on stdout.
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile


def installed(stanza):
    for line in stanza.split("\n"):
        if line.startswith("Status:"):
            return line.split(None, 1)[1].strip() in ("install ok installed", "hold ok installed")
    return False


def field(stanza, name):
    for line in stanza.split("\n"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    return ""


def downgrade(status):
    stanzas = status.split("\n\n")
    for i, s in enumerate(stanzas):
        if installed(s) and field(s, "Version"):
            lines = ["Version: 0~ogold" if l.startswith("Version:") else l for l in s.split("\n")]
            stanzas[i] = "\n".join(lines)
            return "\n\n".join(stanzas), "%s:%s" % (field(s, "Package"), field(s, "Architecture"))
    raise SystemExit("no installed package in the status file")


def layer(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for path, data in files:
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            t.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    return raw, gzip.compress(raw, mtime=0)


def blob(out, data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(out, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + d, "size": len(data)}


def main():
    out, status_path, os_path = sys.argv[1:4]
    with open(status_path, "rb") as f:
        status = f.read().decode("utf-8", "surrogateescape")
    with open(os_path, "rb") as f:
        osr = f.read()
    old, name = downgrade(status)
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    layers, diffs = [], []
    for files in ([("etc/os-release", osr),
                   ("var/lib/dpkg/status", old.encode("utf-8", "surrogateescape"))],
                  [("var/lib/dpkg/status", status.encode("utf-8", "surrogateescape"))]):
        raw, gz = layer(files)
        diffs.append("sha256:" + hashlib.sha256(raw).hexdigest())
        d = blob(out, gz)
        d["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
        layers.append(d)
    config = {"architecture": "amd64", "os": "linux",
              "config": {"User": "1000"},
              "rootfs": {"type": "layers", "diff_ids": diffs}}
    c = blob(out, json.dumps(config).encode())
    c["mediaType"] = "application/vnd.oci.image.config.v1+json"
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": c, "layers": layers}
    m = blob(out, json.dumps(manifest).encode())
    m["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
    m["annotations"] = {"org.opencontainers.image.ref.name": "latest"}
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [m]}, f)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    print(name)


if __name__ == "__main__":
    main()
